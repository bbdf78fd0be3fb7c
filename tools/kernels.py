"""The second set of numeric kernels that ``make test`` runs the notebooks under.

A notebook's printed figures must not depend on which CPU executed it. The
usual way they do is floating-point order: a matrix product summed in blocks
of 8 (AVX2) or 16 (AVX-512), TensorFlow's oneDNN kernels or its own Eigen
ones. ``make test`` therefore runs nbval twice: once as the machine comes,
and once with these settings, which change the order, and so the last bits,
of what numpy and TensorFlow compute:

* ``TF_ENABLE_ONEDNN_OPTS=0``: TensorFlow's Eigen kernels instead of oneDNN;
* ``ONEDNN_MAX_CPU_ISA=AVX2``: oneDNN, wherever it still runs, without AVX-512 or AMX;
* ``OPENBLAS_CORETYPE=Haswell``: numpy's OpenBLAS uses its AVX2 kernels (set only
  when the environment does not set OPENBLAS_CORETYPE already, which some machines
  do to avoid faulty kernels, and only on a CPU with AVX2);
* ``NPY_DISABLE_CPU_FEATURES="X86_V4,AVX512_ICL,AVX512_SPR"``: numpy's own loops without AVX-512.

usage:
  python tools/kernels.py env           the settings, as NAME=VALUE words for env(1)
  python tools/kernels.py fingerprint   a few results whose last bits show the kernels in use
"""

from __future__ import annotations

import os
import sys


def second_kernel_set(environ=os.environ, cpuinfo_path: str = "/proc/cpuinfo") -> dict[str, str]:
    """The environment settings of the second nbval run, as a dict."""
    settings = {
        "TF_ENABLE_ONEDNN_OPTS": "0",
        "ONEDNN_MAX_CPU_ISA": "AVX2",
        "NPY_DISABLE_CPU_FEATURES": "X86_V4,AVX512_ICL,AVX512_SPR",
    }
    if "OPENBLAS_CORETYPE" not in environ and _has_avx2(cpuinfo_path):
        settings["OPENBLAS_CORETYPE"] = "Haswell"
    return settings


def _has_avx2(cpuinfo_path: str) -> bool:
    try:
        with open(cpuinfo_path) as f:
            return any(line.startswith("flags") and " avx2" in line for line in f)
    except OSError:
        return False


def fingerprint() -> dict[str, str]:
    """Results of a float64 numpy product and float32 TensorFlow ops, every digit shown.

    Run under each kernel set, they differ in their last digits: proof that
    the second nbval run computes with other rounding.
    """
    import numpy as np

    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(300, 301)), rng.normal(size=(301, 257))
    x = rng.normal(size=(8, 32, 32, 16)).astype("float32")
    k = rng.normal(size=(3, 3, 16, 32)).astype("float32")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tensorflow as tf

    conv = tf.nn.conv2d(x, k, strides=1, padding="SAME").numpy()
    product = tf.matmul(tf.constant(a.astype("float32")), tf.constant(b.astype("float32"))).numpy()
    return {
        "numpy float64 matmul": repr(float((a @ b).sum())),
        "TensorFlow float32 conv2d": repr(float(conv.astype("float64").sum())),
        "TensorFlow float32 matmul": repr(float(product.astype("float64").sum())),
    }


def main(argv: list[str]) -> None:
    if argv == ["env"]:
        print(" ".join(f"{name}={value}" for name, value in second_kernel_set().items()))
    elif argv == ["fingerprint"]:
        for name, value in fingerprint().items():
            print(f"{name}: {value}")
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
