"""rnnlib: the tested code behind the course on recurrent neural networks.

Modules
-------
rnn        vanilla RNN forward/backward (BPTT), PyTorch ``nn.RNN`` layout
lstm       LSTM forward/backward (BPTT), PyTorch ``nn.LSTM`` layout
layers     linear layer and embedding
losses     MSE, BCE-with-logits and softmax cross-entropy, with their gradients
gradcheck  finite differences and relative error
data       synthetic data sets (sum-sign, adding problem)
optim      SGD, Adam and gradient clipping over dicts of parameters
models     a many-to-one NumPy RNN model
train      the NumPy training loop
multiseed  the classifier trained from several seeds at once (stacked), early stopping, grids
torch_models  PyTorch RNN/LSTM/GRU sequence model, NumPy weight loading, training loop
torch_runs  seeded PyTorch runs trained side by side in threads, plateau exits, forget paths
diagrams   LSTM and GRU cell diagrams
gradients  Jacobian products through time, spectral radius, Pascanu et al. bounds
clipping   training with and without gradient clipping, seed by seed (chapter 5)
bugs       WRONG ON PURPOSE: broken BPTT variants that only a gradient check reveals
plotting   figures shared by the chapters (draw on ``ax``, compute nothing)
plotting_gradients  figures of the chapter on vanishing and exploding gradients
widgets    interactive ipywidgets controls and the plain figures behind them
show       ``show_source``: display library source inside a notebook
report     results that read the same on every CPU: bounds, spreads over seeds
curves     read a loss curve: updates to reach a target, whether it fell at every update
plotting_runs  many runs of one setting in one panel (the spread over seeds)
plotting_seeds  training curves and results over seeds (chapters 3 and 4)
grammar    the embedded Reber grammar: strings, exact entropy rate, grammaticality (chapter 8)
charlm     character-level NumPy language model, truncated BPTT, n-gram baselines, sampling
torch_lm   the language model in PyTorch (nn.RNN / nn.LSTM core), stateful TBPTT with detach
lm_runs    one seeded language-model run, NumPy or PyTorch, scored on held-out text
sequences  padding, masks from lengths, the word-end tagging data (chapter 10)
torch_tagger  packed uni-/bidirectional PyTorch tagger, seeded training
"""

__version__ = "0.1.0"
