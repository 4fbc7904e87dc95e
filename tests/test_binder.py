"""The Binder environment (binder/) is the course's pinned CPU environment on Python 3.11.

What can be checked without a Docker engine or a network: the files themselves, here.
``make binder-check`` adds repo2docker's generated Dockerfile and a pip resolution of
``binder/requirements.txt`` (tools/check_binder.py, which needs repo2docker and an index).
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
BINDER = REPO / "binder"
sys.path.insert(0, str(REPO / "tools"))
import check_binder  # noqa: E402


def lines(path: Path) -> list[str]:
    return [ln.strip() for ln in path.read_text().splitlines()
            if ln.strip() and not ln.strip().startswith("#")]


def test_runtime_is_python_311():
    assert lines(BINDER / "runtime.txt") == ["python-3.11"]
    assert 'requires-python = ">=3.11"' in (REPO / "pyproject.toml").read_text()


def test_binder_requirements_are_the_pinned_cpu_environment():
    constraints = check_binder.pins(REPO / "constraints.txt")
    assert lines(BINDER / "requirements.txt") == [
        "--extra-index-url https://download.pytorch.org/whl/cpu",
        "-r ../requirements.txt",
        "-c ../constraints.txt",
        f"torch=={constraints['torch']}+cpu",
    ]


def test_every_direct_requirement_is_pinned_as_in_constraints():
    constraints = check_binder.pins(REPO / "constraints.txt")
    for line in lines(REPO / "requirements.txt"):
        m = re.fullmatch(r"([A-Za-z0-9_.\-]+)==(\S+)", line)
        assert m, f"requirements.txt: not pinned with ==: {line}"
        name, version = check_binder.canonical(m.group(1)), m.group(2)
        if name in ("setuptools", "wheel"):  # pip freeze leaves these out of constraints
            continue
        assert constraints.get(name) == version, f"{name}: {version} vs {constraints.get(name)}"


@pytest.mark.parametrize("name", ["jupyterlab", "notebook", "jupyterlab-myst", "playwright"])
def test_learner_tools_are_direct_requirements(name):
    assert name in check_binder.pins(REPO / "requirements.txt")


def test_post_build_and_start():
    for script in ("postBuild", "start"):
        assert os.access(BINDER / script, os.X_OK), f"binder/{script} is not executable"
    post = (BINDER / "postBuild").read_text()
    assert "pip install --no-deps --no-build-isolation -e ." in post
    start = (BINDER / "start").read_text()
    assert 'JUPYTER_CONFIG_PATH="${REPO_DIR:-$PWD}/jupyter-learner' in start
    assert start.rstrip().endswith('exec "$@"')


def test_learner_config_disables_every_nbgrader_extension():
    """jupyter-learner/ turns off each nbgrader server extension the installation enables,
    and nbgrader's JupyterLab extension (formgrader, Create Assignment, Validate panels)."""
    ours = json.loads((REPO / "jupyter-learner" / "jupyter_server_config.json").read_text())
    disabled = ours["ServerApp"]["jpserver_extensions"]
    enabled = {}
    for f in (Path(sys.prefix) / "etc/jupyter/jupyter_server_config.d").glob("*.json"):
        enabled |= json.loads(f.read_text()).get("ServerApp", {}).get("jpserver_extensions", {})
    nbgrader = {k for k, on in enabled.items() if on and k.startswith("nbgrader")}
    assert nbgrader, "nbgrader's server extensions are installed"
    assert all(disabled.get(k) is False for k in nbgrader), nbgrader - set(disabled)
    page = json.loads((REPO / "jupyter-learner/labconfig/page_config.json").read_text())
    assert page["disabledExtensions"] == {"@jupyter/nbgrader": True}


def _report(packages, python="3.11"):
    return {"environment": {"python_version": python},
            "install": [{"metadata": {"name": n, "version": v}} for n, v in packages.items()]}


def test_check_report_accepts_the_pinned_environment_and_flags_drift():
    pinned = {"numpy": "2.4.6", "torch": "2.13.0", "jinja2": "3.1.6"}
    assert check_binder.check_report(
        _report({"numpy": "2.4.6", "torch": "2.13.0+cpu", "Jinja2": "3.1.6"}), pinned) == []
    problems = check_binder.check_report(
        _report({"numpy": "2.4.7", "torch": "2.13.0", "nvidia-cublas-cu12": "12.1"},
                python="3.10"), pinned)
    assert "resolved for Python 3.10, not 3.11" in problems
    assert "torch resolves to 2.13.0, not the CPU build" in problems
    assert "numpy==2.4.7, constraints.txt has 2.4.6" in problems
    assert "nvidia-cublas-cu12==12.1 is not in constraints.txt" in problems
    assert "jinja2==3.1.6 of constraints.txt is not installed" in problems


def test_check_dockerfile_flags_a_python_310_build():
    text = "Building conda environment for python=3.10\n"
    assert "repo2docker does not build a Python 3.11 environment" in (
        check_binder.check_dockerfile(text))
