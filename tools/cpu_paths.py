"""Print which SIMD code paths NumPy and PyTorch take on this machine.

``make nbval-portable`` re-runs the notebooks with those paths limited, as a
stand-in for a reader whose CPU differs from the one that stored the outputs.
With ``--expect-limited`` this script fails unless the limit took effect, so
that the portability pass cannot silently run on the full code paths.

Usage: python tools/cpu_paths.py [--expect-limited]
"""

from __future__ import annotations

import platform
import sys

import numpy as np
import torch
from numpy._core._multiarray_umath import __cpu_dispatch__, __cpu_features__


def active_paths():
    """NumPy's dispatched features in use, and PyTorch's CPU capability."""
    numpy_paths = [name for name in __cpu_dispatch__ if __cpu_features__.get(name)]
    return numpy_paths, torch.backends.cpu.get_cpu_capability()


def main(argv):
    numpy_paths, torch_path = active_paths()
    print(f"{platform.machine()}: NumPy {np.__version__} dispatches "
          f"{' '.join(numpy_paths) or 'baseline only'}; PyTorch kernels: {torch_path}")
    if "--expect-limited" in argv and platform.machine().lower() not in ("x86_64", "amd64"):
        print("(the limit names x86 features; on this CPU the pass runs on its own paths)")
    elif "--expect-limited" in argv:
        wide = [name for name in numpy_paths if name.startswith(("X86_V3", "X86_V4", "AVX512"))]
        if wide or torch_path not in ("DEFAULT", "NO AVX"):
            print("the SIMD limit did not take effect", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
