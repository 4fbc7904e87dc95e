"""tools/web_assets.py: the website's JavaScript is pinned and verified."""

import importlib.util
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("web_assets", ROOT / "tools" / "web_assets.py")
web_assets = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(web_assets)


def test_every_asset_is_pinned_to_an_exact_version():
    package = json.loads((ROOT / "web" / "package.json").read_text())
    pins = web_assets.locked_versions()
    assert set(pins) == set(web_assets.ALL_ASSETS) == set(package["dependencies"])
    for name, pin in pins.items():
        assert package["dependencies"][name] == pin["version"]  # no ^ or ~ ranges
        assert pin["integrity"].startswith("sha512-")


def test_config_points_at_the_vendored_files():
    config = (ROOT / "_config.yml").read_text()
    for path in ("vendor/mathjax/es5/tex-mml-chtml.js",):
        assert path in config
        folder, pattern_list = next(
            (f, p) for f, p in web_assets.ASSETS.values() if path.startswith(f"vendor/{f}/")
        )
        assert path.removeprefix(f"vendor/{folder}/") in pattern_list
    assert not (ROOT / "_static").exists(), "a root _static/ makes JB1 inject every .js"


def test_missing_lock_entry_is_an_error(tmp_path):
    lock = tmp_path / "package-lock.json"
    lock.write_text(json.dumps({"packages": {"node_modules/mathjax": {"version": "3.2.2"}}}))
    with pytest.raises(ValueError, match="no locked version"):
        web_assets.locked_versions(lock)


def test_check_reports_a_missing_manifest(tmp_path):
    problems = web_assets.check(tmp_path)
    assert len(problems) == len(web_assets.ALL_ASSETS)
    assert all("found nothing" in p for p in problems)


def test_site_check_tools_are_not_served_by_the_site():
    for name in web_assets.TEST_ASSETS:
        target = web_assets.target_dir(name)
        assert web_assets.VENDOR not in target.parents
        assert (ROOT / "web" / "static") not in target.parents


def test_no_page_loads_the_widget_manager():
    """Widget views are left out of the website (tools/site_outputs.py), so is their JS."""
    config = (ROOT / "_config.yml").read_text()
    assert "nb_ipywidgets_js: {}" in config
    assert "embed-amd.js" not in config
