"""rnnlib: the tested code behind the course on recurrent neural networks.

Modules
-------
rnn        vanilla RNN forward/backward (BPTT), PyTorch ``nn.RNN`` layout
lstm       LSTM forward/backward (BPTT), PyTorch ``nn.LSTM`` layout
layers     linear layer
losses     MSE and BCE-with-logits, with their gradients
gradcheck  finite differences and relative error
data       synthetic data sets (sum-sign, adding problem)
optim      SGD, Adam and gradient clipping over dicts of parameters
models     a many-to-one NumPy RNN model
train      the NumPy training loop
torch_models  PyTorch RNN/LSTM/GRU sequence model, NumPy weight loading, training loop
diagrams   LSTM and GRU cell diagrams
gradients  Jacobian products through time, spectral radius, Pascanu et al. bounds
widgets    interactive ipywidgets controls and the plain figures behind them
"""

__version__ = "0.1.0"
