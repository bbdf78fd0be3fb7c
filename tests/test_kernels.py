"""The second kernel set of ``make test`` (tools/kernels.py) really changes floating-point results.

If it did not, the second nbval run would prove nothing about other CPUs.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("kernels", ROOT / "tools" / "kernels.py")
kernels = importlib.util.module_from_spec(spec)
spec.loader.exec_module(kernels)


def fingerprint(extra_env: dict[str, str]) -> dict[str, str]:
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", **extra_env}
    for name in ("TF_ENABLE_ONEDNN_OPTS", "ONEDNN_MAX_CPU_ISA", "NPY_DISABLE_CPU_FEATURES"):
        if name not in extra_env:
            env.pop(name, None)
    out = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "kernels.py"), "fingerprint"],
        env=env, capture_output=True, text=True, check=True, timeout=300,
    ).stdout
    return dict(line.split(": ", 1) for line in out.splitlines())


def test_second_kernel_set_changes_the_last_digits_of_numpy_and_tensorflow():
    default = fingerprint({})
    second = fingerprint(kernels.second_kernel_set())
    assert default.keys() == second.keys() and len(default) == 3
    # The same computations agree to float32 precision...
    for name in default:
        assert abs(float(default[name]) - float(second[name])) <= 1e-5 * abs(float(default[name])), name
    # ...and differ in their rounding: TensorFlow's kernels always, numpy's where OpenBLAS is switched.
    assert default["TensorFlow float32 conv2d"] != second["TensorFlow float32 conv2d"]
    assert default["TensorFlow float32 matmul"] != second["TensorFlow float32 matmul"]
    if "OPENBLAS_CORETYPE" in kernels.second_kernel_set():
        assert default["numpy float64 matmul"] != second["numpy float64 matmul"]


def test_openblas_coretype_is_left_alone_when_the_machine_sets_it(tmp_path):
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("processor : 0\nflags : fpu sse2 avx avx2 fma\n")
    assert kernels.second_kernel_set({}, str(cpuinfo))["OPENBLAS_CORETYPE"] == "Haswell"
    assert "OPENBLAS_CORETYPE" not in kernels.second_kernel_set({"OPENBLAS_CORETYPE": "Zen"}, str(cpuinfo))


def test_haswell_kernels_are_not_forced_on_a_cpu_without_avx2(tmp_path):
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("processor : 0\nflags : fpu sse2 avx\n")
    settings = kernels.second_kernel_set({}, str(cpuinfo))
    assert "OPENBLAS_CORETYPE" not in settings
    assert settings["TF_ENABLE_ONEDNN_OPTS"] == "0"
    assert kernels.second_kernel_set({}, str(tmp_path / "missing")).get("OPENBLAS_CORETYPE") is None
