"""Check what can be checked of the Binder environment without a Docker engine.

``dockerfile``: runs ``jupyter-repo2docker --no-build --debug`` on the repository (it prints
the Dockerfile it would build, no Docker daemon needed) and checks that it builds a conda
environment for Python 3.11, installs ``binder/requirements.txt`` after copying the
repository (the file refers to ``../requirements.txt`` and ``../constraints.txt``), runs
``binder/postBuild`` and starts through ``binder/start``.

``resolve``: asks pip, running on Python 3.11, to resolve ``binder/requirements.txt`` as
repo2docker will (``pip install --dry-run --ignore-installed --report``) and checks that the
result is exactly the environment of ``constraints.txt``, with PyTorch's CPU build
(``torch==...+cpu``). Where download.pytorch.org cannot be reached, pip reports it and takes
the CPU wheel from wherever else it finds one (a local wheel directory); without any, this
check fails.

Usage::

    python tools/check_binder.py dockerfile --repo2docker /path/to/jupyter-repo2docker
    python tools/check_binder.py resolve [--python .venv/bin/python]

``make binder-check`` installs repo2docker into ``_build/repo2docker-venv`` and runs both.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PYTHON = "3.11"


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(path: Path) -> dict[str, str]:
    """``{canonical name: version}`` of the ``name==version`` lines of a requirements file."""
    out = {}
    for line in path.read_text().splitlines():
        m = re.match(r"^([A-Za-z0-9_.\-]+)==([^\s#;]+)", line.strip())
        if m:
            out[canonical(m.group(1))] = m.group(2)
    return out


def pinned_environment() -> dict[str, str]:
    """constraints.txt (pip freeze, which leaves out setuptools and wheel) with the direct
    pins of requirements.txt."""
    return pins(REPO / "constraints.txt") | pins(REPO / "requirements.txt")


def check_dockerfile(text: str) -> list[str]:
    """Problems found in repo2docker's ``--no-build --debug`` output (empty: all good)."""
    problems = []
    if f"conda environment for python={PYTHON}" not in text:
        problems.append(f"repo2docker does not build a Python {PYTHON} environment")
    copy = text.find("COPY --chown=0:0 src/ ${REPO_DIR}/")
    pip = text.find('/bin/pip install --no-cache-dir -r "binder/requirements.txt"')
    if pip < 0:
        problems.append("binder/requirements.txt is not installed")
    elif copy < 0 or pip < copy:
        problems.append("binder/requirements.txt is installed before the repository is copied "
                        "(its -r/-c ../ files would be missing)")
    if "RUN ./binder/postBuild" not in text:
        problems.append("binder/postBuild is not run")
    if 'ENV R2D_ENTRYPOINT="${REPO_DIR}/binder/start"' not in text:
        problems.append("binder/start is not the entry point")
    return problems


def dockerfile(repo2docker: str) -> int:
    out = subprocess.run([repo2docker, "--no-build", "--debug", str(REPO)],
                         capture_output=True, text=True, check=False)
    text = out.stdout + out.stderr
    problems = check_dockerfile(text)
    for p in problems:
        print("FAIL:", p)
    if not problems:
        print(f"repo2docker: Python {PYTHON}, binder/requirements.txt after the repository, "
              "postBuild, start: OK")
    return 1 if problems else 0


def check_report(report: dict, pinned: dict[str, str]) -> list[str]:
    """Problems of a pip ``--report`` against the pinned environment (empty: all good)."""
    problems = []
    version = report["environment"]["python_version"]
    if version != PYTHON and not version.startswith(PYTHON + "."):
        problems.append(f"resolved for Python {version}, not {PYTHON}")
    got = {canonical(i["metadata"]["name"]): i["metadata"]["version"] for i in report["install"]}
    torch = got.get("torch", "")
    if not torch.endswith("+cpu"):
        problems.append(f"torch resolves to {torch or 'nothing'}, not the CPU build")
    for name, v in sorted(got.items()):
        if name not in pinned:
            problems.append(f"{name}=={v} is not in constraints.txt")
        elif v.split("+")[0] != pinned[name]:
            problems.append(f"{name}=={v}, constraints.txt has {pinned[name]}")
    for name in sorted(set(pinned) - set(got)):
        problems.append(f"{name}=={pinned[name]} of constraints.txt is not installed")
    return problems


def reachable(host: str, port: int = 443, timeout: float = 10.0) -> bool:
    try:
        socket.create_connection((host, port), timeout=timeout).close()
    except OSError:
        return False
    return True


def resolve(python: str) -> int:
    requirements = REPO / "binder" / "requirements.txt"
    with tempfile.TemporaryDirectory() as tmp:
        if not reachable("download.pytorch.org"):
            # pip would retry the index for every package (minutes); resolve without it.
            # The CPU wheel must then come from another source pip knows (a local wheel dir).
            print("NOTE: download.pytorch.org is not reachable from here: resolving without "
                  "--extra-index-url (torch's CPU wheel must come from another source)")
            requirements = Path(tmp) / "requirements.txt"
            requirements.write_text(
                (REPO / "binder" / "requirements.txt").read_text()
                .replace("--extra-index-url", "# --extra-index-url")
                .replace("../", f"{REPO}/"))
        report_path = Path(tmp) / "report.json"
        out = subprocess.run(
            [python, "-m", "pip", "install", "--dry-run", "--ignore-installed", "--quiet",
             "--disable-pip-version-check", "--report", str(report_path),
             "-r", str(requirements)],
            cwd=REPO / "binder", capture_output=True, text=True, check=False)
        if out.returncode != 0:
            print(out.stdout, out.stderr, sep="\n")
            print("FAIL: binder/requirements.txt does not resolve")
            return 1
        report = json.loads(report_path.read_text())
    problems = check_report(report, pinned_environment())
    for p in problems:
        print("FAIL:", p)
    if not problems:
        version = report["environment"]["python_version"]
        print(f"binder/requirements.txt resolves on Python {version} to the "
              f"{len(report['install'])} packages of constraints.txt, torch as the CPU build: OK")
    return 1 if problems else 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    d = sub.add_parser("dockerfile", help="check repo2docker's generated Dockerfile")
    d.add_argument("--repo2docker", default=shutil.which("jupyter-repo2docker"))
    r = sub.add_parser("resolve", help="resolve binder/requirements.txt with pip")
    r.add_argument("--python", default=sys.executable)
    args = parser.parse_args(argv)
    if args.command == "dockerfile":
        if not args.repo2docker:
            parser.error("jupyter-repo2docker not found: pass --repo2docker")
        return dockerfile(args.repo2docker)
    return resolve(args.python)


if __name__ == "__main__":
    sys.exit(main())
