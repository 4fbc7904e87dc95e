"""tools/cpu_paths.py: the portability pass really limits NumPy's and PyTorch's SIMD paths."""

import os
import platform
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "tools" / "cpu_paths.py"
LIMIT = {"NPY_DISABLE_CPU_FEATURES": "X86_V3 X86_V4 AVX512_ICL AVX512_SPR",
         "ATEN_CPU_CAPABILITY": "default"}
X86 = platform.machine().lower() in ("x86_64", "amd64")


def run(extra_env, *args):
    env = {k: v for k, v in os.environ.items() if k not in LIMIT} | extra_env
    return subprocess.run([sys.executable, str(SCRIPT), *args], env=env, capture_output=True,
                          text=True, check=False)


def test_limited_environment_passes_the_check():
    result = run(LIMIT, "--expect-limited")
    assert result.returncode == 0, result.stderr
    assert "PyTorch kernels:" in result.stdout
    if X86:
        assert "dispatches baseline only" in result.stdout
        assert "PyTorch kernels: DEFAULT" in result.stdout


@pytest.mark.skipif(not X86, reason="the limit names x86 features")
def test_full_paths_fail_the_check_on_a_wide_simd_cpu():
    result = run({})
    if "dispatches baseline only" in result.stdout and "DEFAULT" in result.stdout:
        pytest.skip("this CPU has no AVX2: the full and the limited paths are the same")
    assert run({}, "--expect-limited").returncode == 1
