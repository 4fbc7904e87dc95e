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


def test_plain_markup_shows_the_names_sphinx_would_show():
    from rnnlib.show import plain_markup

    assert plain_markup("see :func:`rnn_backward` and :func:`~rnnlib.rnn.rnn_forward`") == (
        "see rnn_backward and rnn_forward"
    )
    assert plain_markup(":class:`numpy.ndarray`, :math:`x^2`") == "numpy.ndarray, x^2"
    assert plain_markup("no markup, ``code`` stays") == "no markup, ``code`` stays"


def test_plain_docstring_keeps_every_line_without_roles():
    from rnnlib.rnn import rnn_backward

    full = show_source(rnn_backward).data
    plain = show_source(rnn_backward, docstring="plain").data
    assert ":func:`" in full and ":func:`" not in plain
    assert len(plain.splitlines()) == len(full.splitlines())
    assert "Backpropagation through time for rnn_forward." in plain


def test_short_docstring_keeps_the_summary_and_all_code():
    from rnnlib.train import train

    full = show_source(train).data
    short = show_source(train, docstring="short").data
    assert len(short.splitlines()) < len(full.splitlines()) - 30
    assert "Parameters\n" in full and "Parameters\n" not in short
    assert "(Parameters and details: help(train).)" in short
    body = full.split('"""', 2)[2]  # everything after the docstring is unchanged
    assert short.endswith(body)
    compile(short, "<short>", "exec")  # still valid Python


def test_docstring_mode_is_checked():
    with pytest.raises(ValueError, match="docstring must be one of"):
        show_source(rnn_step_forward, docstring="none")
