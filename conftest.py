"""Repository-wide pytest hooks (the test helpers live in tests/conftest.py).

nbval compares every output of every notebook cell, except stderr: TensorFlow
and its C++ libraries log there (CUDA probes, oneDNN notices), and whether a
given line appears depends on timing, not on the notebook. The book does not
show stderr either (nb_output_stderr: remove in _config.yml).
"""


def pytest_collectstart(collector):
    if type(collector).__name__ == "IPyNbFile" and hasattr(collector, "skip_compare"):
        collector.skip_compare = tuple(collector.skip_compare) + ("stderr",)
