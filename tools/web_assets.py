"""Fetch the JavaScript the website loads, so that its pages work without a network.

Built pages need MathJax (maths), require.js and the Jupyter widget manager (the stored
widget views). By default Sphinx and myst-nb load them from CDNs, so an offline reader
sees raw TeX and blank widgets. This script reads the exact versions and sha512
integrity hashes of those three npm packages from ``web/package-lock.json``, downloads
each tarball with ``npm pack`` (nothing else: not their dependency trees), checks the
hash, and extracts only the files the pages load into ``web/static/vendor/``, which
``_config.yml`` serves through ``html_static_path``.

Usage::

    python tools/web_assets.py          # fetch what is missing or out of date
    python tools/web_assets.py --check  # exit 1 unless every asset is in place

The site check (``tests/site``) also needs axe-core, the accessibility rules it runs in
every page. It is pinned and verified the same way but extracted into
``web/node_modules/axe-core/`` (ignored by git), not into the site: no page loads it.
"""

from __future__ import annotations

import argparse
import base64
import fnmatch
import hashlib
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LOCK = ROOT / "web" / "package-lock.json"
VENDOR = ROOT / "web" / "static" / "vendor"
TEST_VENDOR = ROOT / "web" / "node_modules"  # tools of the site check, not served
MANIFEST = "VERSIONS.json"

# package name -> (folder under vendor/, glob patterns of the files to keep, relative to
# the package root). The patterns are what the pages request at run time.
ASSETS: dict[str, tuple[str, tuple[str, ...]]] = {
    "mathjax": (
        "mathjax",
        (
            "LICENSE",
            "es5/tex-mml-chtml.js",
            "es5/input/tex/extensions/*.js",  # loaded on demand (\require, autoload)
            "es5/output/chtml/fonts/woff-v2/*.woff",
            "es5/ui/*.js",  # the right-click menu loads these lazily
            "es5/a11y/*.js",
        ),
    ),
    "requirejs": ("requirejs", ("require.js", "README.md")),
    "@jupyter-widgets/html-manager": (
        "html-manager",
        ("dist/embed-amd.js", "dist/*.woff2", "dist/*.woff", "LICENSE*"),
    ),
}


# Assets of the site check only (extracted under TEST_VENDOR, never into the site).
TEST_ASSETS: dict[str, tuple[str, tuple[str, ...]]] = {
    "axe-core": ("axe-core", ("axe.min.js", "LICENSE*")),
}
ALL_ASSETS = {**ASSETS, **TEST_ASSETS}


def target_dir(name: str, vendor: Path = VENDOR, test_vendor: Path = TEST_VENDOR) -> Path:
    """The folder that receives the files of package ``name``."""
    base = test_vendor if name in TEST_ASSETS else vendor
    return base / ALL_ASSETS[name][0]


def locked_versions(lock_path: Path = LOCK) -> dict[str, dict[str, str]]:
    """Return ``{package: {"version": ..., "integrity": ...}}`` from the npm lock file."""
    lock = json.loads(lock_path.read_text())
    packages = lock["packages"]
    out = {}
    for name in ALL_ASSETS:
        entry = packages.get(f"node_modules/{name}")
        if entry is None or "integrity" not in entry:
            raise ValueError(f"{lock_path} has no locked version of {name!r}")
        out[name] = {"version": entry["version"], "integrity": entry["integrity"]}
    return out


def read_manifest(vendor: Path = VENDOR) -> dict:
    path = vendor / MANIFEST
    return json.loads(path.read_text()) if path.exists() else {}


def check(vendor: Path = VENDOR, test_vendor: Path = TEST_VENDOR) -> list[str]:
    """Return a list of problems (empty when the assets match the lock file)."""
    problems = []
    wanted = locked_versions()
    manifest = read_manifest(vendor)
    for name, pin in wanted.items():
        got = manifest.get(name, {})
        if got.get("integrity") != pin["integrity"]:
            problems.append(
                f"{name}: expected {pin['version']}, found {got.get('version', 'nothing')}"
            )
            continue
        for rel in got.get("files", []):
            if not (target_dir(name, vendor, test_vendor) / rel).is_file():
                problems.append(f"{name}: missing file {rel}")
    return problems


def _sha512(path: Path) -> str:
    digest = hashlib.sha512(path.read_bytes()).digest()
    return "sha512-" + base64.b64encode(digest).decode()


def _npm_pack(spec: str, dest: Path) -> Path:
    npm = shutil.which("npm")
    if npm is None:
        raise SystemExit(
            "npm is needed once to fetch the website's JavaScript (MathJax, require.js, the "
            "widget manager). Install Node.js/npm (Debian: `apt-get install npm`) and re-run "
            "`make install`."
        )
    out = subprocess.run(
        [npm, "pack", "--silent", "--pack-destination", str(dest), spec],
        check=True,
        capture_output=True,
        text=True,
    )
    name = out.stdout.strip().splitlines()[-1]
    return dest / name


def fetch(vendor: Path = VENDOR, test_vendor: Path = TEST_VENDOR) -> None:
    """Download, verify and extract every asset that is missing or out of date."""
    wanted = locked_versions()
    manifest = read_manifest(vendor)
    vendor.mkdir(parents=True, exist_ok=True)
    for name, pin in wanted.items():
        patterns = ALL_ASSETS[name][1]
        target = target_dir(name, vendor, test_vendor)
        have = manifest.get(name, {})
        if have.get("integrity") == pin["integrity"] and all(
            (target / rel).is_file() for rel in have.get("files", [])
        ):
            continue
        print(f"web assets: fetching {name}@{pin['version']}")
        with tempfile.TemporaryDirectory() as tmp:
            tarball = _npm_pack(f"{name}@{pin['version']}", Path(tmp))
            if _sha512(tarball) != pin["integrity"]:
                raise SystemExit(f"{tarball.name}: sha512 does not match web/package-lock.json")
            if target.exists():
                shutil.rmtree(target)
            files = []
            with tarfile.open(tarball) as tar:
                for member in tar.getmembers():
                    rel = member.name.split("/", 1)[1]  # drop the leading "package/"
                    if member.isfile() and any(fnmatch.fnmatch(rel, p) for p in patterns):
                        member.name = rel
                        tar.extract(member, target, filter="data")
                        files.append(rel)
        if not files:
            raise SystemExit(f"{name}: no file matched {patterns}")
        manifest[name] = {**pin, "files": sorted(files)}
        (vendor / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check, fetch nothing")
    args = parser.parse_args(argv)
    if not args.check:
        fetch()
    problems = check()
    for problem in problems:
        print(f"web assets: {problem}", file=sys.stderr)
    if problems:
        print("web assets: run `make install` (needs npm once)", file=sys.stderr)
        return 1
    print(f"web assets: up to date in {VENDOR.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
