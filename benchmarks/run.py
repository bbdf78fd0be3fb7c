"""Speed and memory of dlnotes next to TensorFlow, measured in one run (``make bench``).

Prints one table and writes benchmarks/RESULTS.md. Every time is the median of
several runs after a warm-up; ratios are ours / TensorFlow's (below 1: ours is
faster). ``--quick`` skips the book timings (make execute, make book, make test),
which take minutes.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "RESULTS.md"

TARGETS = {
    "conv2d forward": "<= 1.5x TF, >= 70% of matmul GFLOP/s",
    "conv2d backward": "<= 2.5x TF",
    "pool": "<= 2x TF",
    "recurrent": "<= 1x Keras",
}


def median_time(fn, repeat: int = 7, warmup: int = 2) -> float:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


class Table:
    def __init__(self):
        self.rows: list[tuple] = []

    def add(self, name, ours, theirs=None, flops=None, target=""):
        ratio = ours / theirs if theirs else None
        gflops = flops / ours / 1e9 if flops else None
        self.rows.append((name, ours, theirs, ratio, gflops, target))

    def lines(self) -> list[str]:
        out = ["| operation | ours (ms) | TensorFlow (ms) | ours / TF | ours GFLOP/s | target |",
               "|---|---:|---:|---:|---:|---|"]
        for name, ours, theirs, ratio, gflops, target in self.rows:
            out.append(
                f"| {name} | {ours * 1e3:.2f} | {'' if theirs is None else f'{theirs * 1e3:.2f}'} | "
                f"{'' if ratio is None else f'{ratio:.2f}'} | {'' if gflops is None else f'{gflops:.1f}'} | {target} |"
            )
        return out


def bench_conv_and_pool(table: Table, tf) -> None:
    from dlnotes.conv import conv2d_backward, conv2d_forward
    from dlnotes.pooling import avg_pool2d_backward, avg_pool2d_forward, max_pool2d_backward, max_pool2d_forward

    rng = np.random.default_rng(0)
    cases = [("conv2d (64,32,32,16)x(3,3,16,32) same", (64, 32, 32, 16), (3, 3, 16, 32), "same"),
             ("conv2d LeNet-5 layer 1 (256,32,32,1)x(5,5,1,6) valid", (256, 32, 32, 1), (5, 5, 1, 6), "valid")]
    for name, xs, ks, padding in cases:
        x = rng.normal(size=xs).astype(np.float32)
        k = rng.normal(size=ks).astype(np.float32)
        out, cache = conv2d_forward(x, k, padding=padding)
        dout = rng.normal(size=out.shape).astype(np.float32)
        flops = 2 * out.size * ks[0] * ks[1] * ks[2]
        tx, tk, tdout = tf.constant(x), tf.constant(k), tf.constant(dout)
        tf_fwd = lambda: tf.nn.conv2d(tx, tk, 1, padding.upper()).numpy()
        ours = median_time(lambda: conv2d_forward(x, k, padding=padding))
        table.add(f"{name} forward", ours, median_time(tf_fwd), flops, TARGETS["conv2d forward"])

        def tf_bwd():  # TensorFlow's own gradient kernels for the input and the kernel
            dx = tf.raw_ops.Conv2DBackpropInput(input_sizes=xs, filter=tk, out_backprop=tdout,
                                                strides=[1, 1, 1, 1], padding=padding.upper())
            dk = tf.raw_ops.Conv2DBackpropFilter(input=tx, filter_sizes=ks, out_backprop=tdout,
                                                 strides=[1, 1, 1, 1], padding=padding.upper())
            return dx.numpy(), dk.numpy()

        table.add(f"{name} backward", median_time(lambda: conv2d_backward(dout, cache)),
                  median_time(tf_bwd), 2 * flops, TARGETS["conv2d backward"])
        # the machine's ceiling for our approach: one matrix product with the same FLOP count
        m, kdim, n = out.size // ks[3], ks[0] * ks[1] * ks[2], ks[3]
        a, b = rng.normal(size=(m, kdim)).astype(np.float32), rng.normal(size=(kdim, n)).astype(np.float32)
        table.add(f"numpy matmul ({m}x{kdim}) @ ({kdim}x{n}), same FLOPs", median_time(lambda: a @ b), None, flops)

    x = rng.normal(size=(64, 32, 32, 32)).astype(np.float32)
    tx = tf.constant(x)
    for name, fwd, bwd, tf_op in [("max_pool2d", max_pool2d_forward, max_pool2d_backward, tf.nn.max_pool2d),
                                  ("avg_pool2d", avg_pool2d_forward, avg_pool2d_backward, tf.nn.avg_pool2d)]:
        out, cache = fwd(x, 2)
        dout = rng.normal(size=out.shape).astype(np.float32)
        tdout = tf.constant(dout)
        tf_fwd = lambda: tf_op(tx, 2, 2, "VALID").numpy()
        theirs_fwd = median_time(tf_fwd)
        table.add(f"{name} (64,32,32,32) forward", median_time(lambda: fwd(x, 2)), theirs_fwd, None, TARGETS["pool"])

        if name == "max_pool2d":
            tout = tf_op(tx, 2, 2, "VALID")
            tf_bwd = lambda: tf.raw_ops.MaxPoolGrad(orig_input=tx, orig_output=tout, grad=tdout, ksize=[1, 2, 2, 1],
                                                    strides=[1, 2, 2, 1], padding="VALID").numpy()
        else:
            tf_bwd = lambda: tf.raw_ops.AvgPoolGrad(orig_input_shape=x.shape, grad=tdout, ksize=[1, 2, 2, 1],
                                                    strides=[1, 2, 2, 1], padding="VALID").numpy()
        table.add(f"{name} (64,32,32,32) backward", median_time(lambda: bwd(dout, cache)),
                  median_time(tf_bwd), None, TARGETS["pool"])


def bench_recurrent(table: Table, tf) -> None:
    from dlnotes.lstm import lstm_forward
    from dlnotes.rnn import rnn_forward

    rng = np.random.default_rng(0)
    n, t, d, h = 32, 100, 16, 64
    x = rng.normal(size=(n, t, d)).astype(np.float32)
    h0 = np.zeros((n, h), np.float32)
    for name, gates, layer_cls, ours_fn in [("rnn_forward", 1, tf.keras.layers.SimpleRNN, rnn_forward),
                                            ("lstm_forward", 4, tf.keras.layers.LSTM, lstm_forward)]:
        weights = [rng.normal(size=(d, gates * h)).astype(np.float32) * 0.1,
                   rng.normal(size=(h, gates * h)).astype(np.float32) * 0.1, np.zeros(gates * h, np.float32)]
        layer = layer_cls(h, return_sequences=True)
        layer.build((n, t, d))
        layer.set_weights(weights)
        tx = tf.constant(x)
        keras = median_time(lambda: layer(tx).numpy())
        args = (x, h0, *weights) if gates == 1 else (x, h0, h0, *weights)
        table.add(f"{name} (32,100,16) H=64 vs Keras layer", median_time(lambda: ours_fn(*args)), keras, None,
                  TARGETS["recurrent"])


def bench_mlp_epoch(table: Table, tf) -> None:
    from sklearn.datasets import load_digits

    from dlnotes import mlp

    digits = load_digits()
    X, y = (digits.data / 16.0).astype(np.float32), digits.target
    start = mlp.init_params([64, 64, 10], rng=np.random.default_rng(0))
    ours = median_time(lambda: mlp.fit(start, X, y, lr=0.1, epochs=1, batch_size=32, momentum=0.9,
                                       rng=np.random.default_rng(0)), repeat=5)
    model = tf.keras.Sequential([tf.keras.Input((64,)), tf.keras.layers.Dense(64, activation="relu"),
                                 tf.keras.layers.Dense(10, activation="softmax")])
    model.compile(tf.keras.optimizers.SGD(0.1, momentum=0.9), "sparse_categorical_crossentropy")
    keras = median_time(lambda: model.fit(X, y, epochs=1, batch_size=32, verbose=0), repeat=5)
    table.add("mlp.fit one epoch, digits 64-64-10, batch 32", ours, keras)


def import_time() -> tuple[float, bool]:
    code = "import sys, time; t = time.perf_counter(); import dlnotes; print(time.perf_counter() - t, 'tensorflow' in sys.modules)"
    runs = [subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout.split() for _ in range(5)]
    return statistics.median(float(r[0]) for r in runs), any(r[1] == "True" for r in runs)


def timed(command: list[str]) -> tuple[float, float, str]:
    """Wall seconds, peak resident memory in MB (largest process, via /usr/bin/time -v), output."""
    timer = ["/usr/bin/time", "-v"] if Path("/usr/bin/time").exists() else []
    start = time.perf_counter()
    proc = subprocess.run(timer + command, cwd=ROOT, capture_output=True, text=True)
    wall = time.perf_counter() - start
    peak = re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr)
    return wall, (int(peak.group(1)) / 1024 if peak else float("nan")), proc.stdout + proc.stderr


def book_timings() -> list[str]:
    lines = ["| step | wall time (s) | peak memory (MB) | target |", "|---|---:|---:|---|"]
    wall, peak, output = timed(["make", "execute"])
    for name, seconds in re.findall(r"executed (notebooks/\S+) in ([\d.]+) s", output):
        lines.append(f"| execute {name} | {float(seconds):.1f} | | <= 90 |")
    lines.append(f"| make execute (total) | {wall:.1f} | {peak:.0f} | <= 360 |")
    wall, peak, _ = timed(["make", "book"])
    lines.append(f"| make book (from stored outputs) | {wall:.1f} | {peak:.0f} | <= 60 |")
    wall, peak, _ = timed(["make", "test"])
    lines.append(f"| make test | {wall:.1f} | {peak:.0f} | |")
    lines += ["", "Peak memory is GNU time's maximum resident set size: the largest single process it waited for. "
              "For make execute that is the notebook runner; the kernels it starts are not counted."]
    return lines


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor()) if Path("/proc/cpuinfo").exists() else platform.processor()
    import tensorflow as tf

    versions = f"Python {platform.python_version()}, numpy {np.__version__}, TensorFlow {tf.__version__}"
    return f"{cpu}, {os.cpu_count()} cores; {versions}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="skip make execute / make book / make test")
    args = parser.parse_args()

    seconds, imports_tf = import_time()
    import tensorflow as tf

    table = Table()
    bench_conv_and_pool(table, tf)
    bench_recurrent(table, tf)
    bench_mlp_epoch(table, tf)
    report = [
        "# Benchmarks",
        "",
        f"Measured by `make bench` on {time.strftime('%Y-%m-%d')}: {machine()}.",
        "Median of several runs after a warm-up; ours / TF below 1 means dlnotes is faster.",
        "",
        *table.lines(),
        "",
        f"`import dlnotes`: {seconds:.3f} s (target <= 0.3 s); imports TensorFlow: {imports_tf}.",
    ]
    if not args.quick:
        report += ["", "## The book", "", *book_timings()]
    text = "\n".join(report) + "\n"
    print(text)
    RESULTS.write_text(text)


if __name__ == "__main__":
    main()
