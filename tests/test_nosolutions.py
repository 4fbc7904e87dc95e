"""tools/nosolutions.py: the solution-free configuration and the check of the two sites.

The check itself runs on the real sites in ``make test`` (``make check-nosolutions``);
these tests prove on small hand-written sites that it fails when it should.
"""

import importlib.util
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("nosolutions", ROOT / "tools" / "nosolutions.py")
nosolutions = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(nosolutions)

EXERCISE = '<div class="exercise admonition"><p>Compute the gradient of the loss.</p></div>'
SOLUTION = (
    '<div class="solution dropdown admonition"><p class="admonition-title">Solution</p>'
    "<p>The gradient is the sum over the time steps of the local terms.</p>"
    "<pre>dWhh_total = sum_of_every_step(dWhh_step)</pre></div>"
)


def site(folder: Path, body: str, extra: dict | None = None) -> Path:
    folder.mkdir(parents=True)
    (folder / "index.html").write_text("<html><body>Home</body></html>")
    (folder / "chapter.html").write_text(f"<html><body><h1>Chapter</h1>{body}</body></html>")
    for name, text in (extra or {}).items():
        (folder / name).write_text(text)
    return folder


def test_config_hides_solutions_and_keeps_the_rest():
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    derived = nosolutions.nosolutions_config(config)
    conf = derived["sphinx"]["config"]
    assert conf["hide_solutions"] is True
    assert conf["html_copy_source"] is False
    assert conf["html_theme_options"]["use_download_button"] is False
    assert derived["launch_buttons"]["binderhub_url"] == ""
    assert derived["title"] == config["title"]
    assert derived["sphinx"]["extra_extensions"] == config["sphinx"]["extra_extensions"]
    assert "hide_solutions" not in config.get("sphinx", {}).get("config", {})  # not mutated


def test_clean_site_passes(tmp_path):
    with_dir = site(tmp_path / "with", EXERCISE + SOLUTION)
    without = site(tmp_path / "without", EXERCISE)
    assert nosolutions.check(with_dir, without) == []


def test_solution_element_or_sentence_left_fails(tmp_path):
    with_dir = site(tmp_path / "with", EXERCISE + SOLUTION)
    leaked_element = site(tmp_path / "a", EXERCISE + SOLUTION)
    problems = nosolutions.check(with_dir, leaked_element)
    assert any("solution element" in p for p in problems)
    leaked_source = site(
        tmp_path / "b",
        EXERCISE,
        {
            "chapter.ipynb": '"source": ["The gradient is the sum over the time steps of '
            'the local terms."]'
        },
    )
    problems = nosolutions.check(with_dir, leaked_source)
    assert len(problems) == 1 and "chapter.ipynb contains a solution sentence" in problems[0]
    binder = site(tmp_path / "c", EXERCISE + '<a href="https://mybinder.org/x/chapter.ipynb">')
    problems = nosolutions.check(with_dir, binder)
    assert len(problems) == 1 and "links to a source notebook" in problems[0]


def test_missing_exercise_or_missing_solutions_fail(tmp_path):
    with_dir = site(tmp_path / "with", EXERCISE + SOLUTION)
    empty = site(tmp_path / "empty", "")
    assert any("exercise element" in p for p in nosolutions.check(with_dir, empty))
    no_solutions = site(tmp_path / "nosol", EXERCISE)
    assert any("shows no solution text" in p for p in nosolutions.check(no_solutions, empty))
    assert "no built site" in nosolutions.check(tmp_path / "none", empty)[0]
