"""Execute notebooks in place, top to bottom, each in a fresh kernel (``make execute``).

The kernel is the Python of this environment (like nbval's --nbval-current-env),
whatever kernelspecs the machine has. stderr outputs (TensorFlow's
logs) are dropped, and so is widget state from the saved
notebook: the web book shows dlnotes.explore's precomputed HTML, never a saved
widget (which would need the ipywidgets scripts from a CDN).

usage: python tools/execute_notebooks.py notebooks/01_*.ipynb ...
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import ipykernel.kernelspec
import nbformat
from jupyter_client import KernelManager
from jupyter_client.kernelspec import KernelSpecManager
from nbclient import NotebookClient


class _CurrentEnvSpecs(KernelSpecManager):
    def get_kernel_spec(self, kernel_name):
        return self.kernel_spec_class(
            resource_dir=ipykernel.kernelspec.RESOURCES, **ipykernel.kernelspec.get_kernel_dict()
        )


def execute(path: Path, timeout: int = 900) -> float:
    nb = nbformat.read(path, as_version=4)
    km = KernelManager(kernel_name="python3", kernel_spec_manager=_CurrentEnvSpecs())
    client = NotebookClient(
        nb,
        km=km,
        timeout=timeout,
        resources={"metadata": {"path": str(path.parent)}},
        record_timing=False,
    )
    start = time.perf_counter()
    client.execute()
    elapsed = time.perf_counter() - start
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:  # TensorFlow's logs: not part of the chapter, and not compared by nbval
        if cell.cell_type == "code":
            cell.outputs = [o for o in cell.outputs if not (o.output_type == "stream" and o.name == "stderr")]
    nbformat.write(nb, path)
    return elapsed


def main(paths: list[str]) -> None:
    if not paths:
        sys.exit(__doc__)
    total = 0.0
    for name in paths:
        elapsed = execute(Path(name))
        total += elapsed
        print(f"executed {name} in {elapsed:.1f} s", flush=True)
    print(f"executed {len(paths)} notebook(s) in {total:.1f} s")


if __name__ == "__main__":
    main(sys.argv[1:])
