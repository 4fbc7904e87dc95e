import pytest

from rnnlib.rnn import rnn_step_forward
from rnnlib.show import show_source


def test_show_source_returns_the_function_source():
    code = show_source(rnn_step_forward)
    assert code.data.startswith("def rnn_step_forward(x, h_prev, Wxh, Whh, bh):")
    assert "return h_next" in code.data


def test_show_source_rejects_builtins():
    with pytest.raises(ValueError, match="obj must be a function, class or module"):
        show_source(len)
