"""Speed and memory of dlnotes next to TensorFlow, measured in one run (``make bench``).

Prints one table and writes benchmarks/RESULTS.md. Every time is the median of
15 runs, in three blocks after a warm-up each, ours and TensorFlow's blocks in turn;
ratios are ours / TensorFlow's (below 1: ours is faster), and the "met" column
judges each target from the figures of this run. ``--quick`` skips the book timings (make execute, make book, make test),
which take minutes.
"""

from __future__ import annotations

import argparse
import json
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
    "conv2d forward": ">= 40% of matmul GFLOP/s",
    "conv2d backward": "<= 3x TF",
    "pool": "<= 2x TF",
    "recurrent": "<= 1x Keras",
}


SETTLE_S = 0.3   # idle time before each block: longer than numpy's BLAS threads keep spinning after a call


def median_times(*fns, rounds: int = 3, runs: int = 5) -> list[float]:
    """Median seconds of each function over ``rounds`` blocks of ``runs`` timed runs, blocks taken in turn.

    Both libraries leave worker threads spinning for a while after a call
    (numpy's BLAS for about 0.1-0.2 s on this machine): started straight
    after ours, TensorFlow's convolution gradients lost a core and took twice
    as long. So each block begins after SETTLE_S of idle time and one untimed
    warm-up run, timing every library as if it ran alone; the blocks take
    turns (a, b, a, b, ...) so that both sides see the same drift in the
    machine's speed.
    """
    times: list[list[float]] = [[] for _ in fns]
    for _ in range(rounds):
        for fn, record in zip(fns, times):
            time.sleep(SETTLE_S)
            fn()
            for _ in range(runs):
                start = time.perf_counter()
                fn()
                record.append(time.perf_counter() - start)
    return [statistics.median(record) for record in times]


class Table:
    """Rows of raw measurements: seconds for ours and TensorFlow's, optional FLOP count and matmul ceiling."""

    def __init__(self):
        self.rows: list[dict] = []

    def add(self, name, ours, theirs=None, flops=None, target="", matmul=None):
        """matmul: seconds of the equal-FLOP matrix product, for the ">= P% of matmul GFLOP/s" target."""
        self.rows.append(dict(name=name, ours=ours, theirs=theirs, flops=flops, target=target, matmul=matmul))

    @staticmethod
    def merge(runs: list[list[dict]]) -> Table:
        """One table from the same rows measured in several processes, row by row.

        Times are the medians over the processes; the ratio, and the share of
        the matmul's GFLOP/s, are the medians of each process's own ratios
        (ours and TensorFlow's times from one process belong together).
        """
        table = Table()
        for rows in zip(*runs, strict=True):
            names = {r["name"] for r in rows}
            if len(names) != 1:
                raise ValueError(f"processes measured different rows: {sorted(names)}")
            merged = dict(rows[0])
            for key in ("ours", "theirs", "matmul"):
                if merged[key] is not None:
                    merged[key] = statistics.median(r[key] for r in rows)
            if merged["theirs"]:
                merged["ratios"] = [r["ours"] / r["theirs"] for r in rows]
                merged["ratio"] = statistics.median(merged["ratios"])
            if merged["matmul"] is not None:
                merged["matmul_share"] = statistics.median(r["matmul"] / r["ours"] for r in rows)
            table.rows.append(merged)
        return table

    @staticmethod
    def ratio(row) -> float | None:
        return row.get("ratio", row["ours"] / row["theirs"] if row["theirs"] else None)

    @staticmethod
    def met(row) -> bool | None:
        if not row["target"] or not row["theirs"]:
            return None
        limit = re.search(r"<= ([\d.]+)x", row["target"])
        share = re.search(r">= ([\d.]+)% of matmul", row["target"])
        if limit is None and share is None:
            raise ValueError(f"target {row['target']!r} of {row['name']!r} has neither '<= Nx' nor '>= P% of matmul'")
        ok = True
        if limit is not None:
            ok = Table.ratio(row) <= float(limit.group(1))
        if share is not None:                       # our GFLOP/s over the matmul's = matmul time / our time
            if row["matmul"] is None:
                raise ValueError(f"target {row['target']!r} of {row['name']!r} needs the matmul's time")
            ok = ok and row.get("matmul_share", row["matmul"] / row["ours"]) >= float(share.group(1)) / 100
        return ok

    def lines(self) -> list[str]:
        spread = any(row.get("ratios") for row in self.rows)
        out = ["| operation | ours (ms) | TensorFlow (ms) | ours / TF | ours GFLOP/s | target | met |"
               + (" ours / TF, each process |" if spread else ""),
               "|---|---:|---:|---:|---:|---|---|" + ("---|" if spread else "")]
        for row in self.rows:
            ours, theirs, flops, met = row["ours"], row["theirs"], row["flops"], self.met(row)
            line = (f"| {row['name']} | {ours * 1e3:.2f} | {'' if theirs is None else f'{theirs * 1e3:.2f}'} | "
                    f"{'' if theirs is None else f'{self.ratio(row):.2f}'} | "
                    f"{'' if flops is None else f'{flops / ours / 1e9:.1f}'} | {row['target']} | "
                    f"{'' if met is None else ('yes' if met else '**no**')} |")
            if spread:
                line += f" {' '.join(f'{r:.2f}' for r in sorted(row['ratios'])) if row.get('ratios') else ''} |"
            out.append(line)
        return out


def bench_conv_and_pool(table: Table, tf) -> None:
    from dlnotes import conv
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
        # the machine's ceiling for our approach: one matrix product with the same FLOP count
        m, kdim, n = out.size // ks[3], ks[0] * ks[1] * ks[2], ks[3]
        a, b = rng.normal(size=(m, kdim)).astype(np.float32), rng.normal(size=(kdim, n)).astype(np.float32)

        def one_block():  # the whole batch's im2col matrix at once: why conv.IM2COL_BYTES exists
            budget, conv.IM2COL_BYTES = conv.IM2COL_BYTES, 2**62
            try:
                return conv2d_forward(x, k, padding=padding)
            finally:
                conv.IM2COL_BYTES = budget

        tf_fwd = lambda: tf.nn.conv2d(tx, tk, 1, padding.upper()).numpy()
        ours, theirs, matmul, whole = median_times(lambda: conv2d_forward(x, k, padding=padding), tf_fwd,
                                                   lambda: a @ b, one_block)
        if ks[2] > 1:
            table.add(f"{name} forward", ours, theirs, flops, TARGETS["conv2d forward"], matmul=matmul)
        else:   # one input channel: the rows are KH*KW copies of the image, and copying them is most of the time
            table.add(f"{name} forward (no target with C_in = 1: HISTORY, 2026-12-05)", ours, theirs, flops)
        table.add(f"{name} forward, whole batch in one im2col block", whole, theirs, flops)

        def tf_bwd():  # TensorFlow's own gradient kernels for the input and the kernel
            dx = tf.raw_ops.Conv2DBackpropInput(input_sizes=xs, filter=tk, out_backprop=tdout,
                                                strides=[1, 1, 1, 1], padding=padding.upper())
            dk = tf.raw_ops.Conv2DBackpropFilter(input=tx, filter_sizes=ks, out_backprop=tdout,
                                                 strides=[1, 1, 1, 1], padding=padding.upper())
            return dx.numpy(), dk.numpy()

        ours, theirs = median_times(lambda: conv2d_backward(dout, cache), tf_bwd)
        table.add(f"{name} backward", ours, theirs, 2 * flops, TARGETS["conv2d backward"])
        table.add(f"numpy matmul ({m}x{kdim}) @ ({kdim}x{n}), same FLOPs", matmul, None, flops)

    x = rng.normal(size=(64, 32, 32, 32)).astype(np.float32)
    tx = tf.constant(x)
    for name, fwd, bwd, tf_op in [("max_pool2d", max_pool2d_forward, max_pool2d_backward, tf.nn.max_pool2d),
                                  ("avg_pool2d", avg_pool2d_forward, avg_pool2d_backward, tf.nn.avg_pool2d)]:
        out, cache = fwd(x, 2)
        dout = rng.normal(size=out.shape).astype(np.float32)
        tdout = tf.constant(dout)
        tf_fwd = lambda: tf_op(tx, 2, 2, "VALID").numpy()
        ours, theirs = median_times(lambda: fwd(x, 2), tf_fwd)
        table.add(f"{name} (64,32,32,32) forward", ours, theirs, None, TARGETS["pool"])

        if name == "max_pool2d":
            tout = tf_op(tx, 2, 2, "VALID")
            tf_bwd = lambda: tf.raw_ops.MaxPoolGrad(orig_input=tx, orig_output=tout, grad=tdout, ksize=[1, 2, 2, 1],
                                                    strides=[1, 2, 2, 1], padding="VALID").numpy()
        else:
            tf_bwd = lambda: tf.raw_ops.AvgPoolGrad(orig_input_shape=x.shape, grad=tdout, ksize=[1, 2, 2, 1],
                                                    strides=[1, 2, 2, 1], padding="VALID").numpy()
        ours, theirs = median_times(lambda: bwd(dout, cache), tf_bwd)
        table.add(f"{name} (64,32,32,32) backward", ours, theirs, None, TARGETS["pool"])


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
        args = (x, h0, *weights) if gates == 1 else (x, h0, h0, *weights)
        ours, keras = median_times(lambda: ours_fn(*args), lambda: layer(tx).numpy())
        table.add(f"{name} (32,100,16) H=64 vs Keras layer", ours, keras, None, TARGETS["recurrent"])


def bench_mlp_epoch(table: Table, tf) -> None:
    from sklearn.datasets import load_digits

    from dlnotes import mlp

    digits = load_digits()
    X, y = (digits.data / 16.0).astype(np.float32), digits.target
    start = mlp.init_params([64, 64, 10], rng=np.random.default_rng(0))
    model = tf.keras.Sequential([tf.keras.Input((64,)), tf.keras.layers.Dense(64, activation="relu"),
                                 tf.keras.layers.Dense(10, activation="softmax")])
    model.compile(tf.keras.optimizers.SGD(0.1, momentum=0.9), "sparse_categorical_crossentropy")
    ours, keras = median_times(lambda: mlp.fit(start, X, y, lr=0.1, epochs=1, batch_size=32, momentum=0.9,
                                               rng=np.random.default_rng(0)),
                               lambda: model.fit(X, y, epochs=1, batch_size=32, verbose=0))
    table.add("mlp.fit one epoch, digits 64-64-10, batch 32", ours, keras)


def import_time() -> tuple[float, bool]:
    code = "import sys, time; t = time.perf_counter(); import dlnotes; print(time.perf_counter() - t, 'tensorflow' in sys.modules)"
    runs = [subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout.split() for _ in range(5)]
    return statistics.median(float(r[0]) for r in runs), any(r[1] == "True" for r in runs)


def timed(command: list[str]) -> tuple[float, float, str]:
    """Wall seconds, peak resident memory in MB (largest process, via /usr/bin/time -v), output.

    A command that fails stops the benchmark: a time for a broken build or a red test run means nothing.
    """
    timer = ["/usr/bin/time", "-v"] if Path("/usr/bin/time").exists() else []
    start = time.perf_counter()
    proc = subprocess.run(timer + command, cwd=ROOT, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"{' '.join(command)} failed (exit status {proc.returncode}):\n{(proc.stdout + proc.stderr)[-3000:]}")
    peak = re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr)
    return wall, (int(peak.group(1)) / 1024 if peak else float("nan")), proc.stdout + proc.stderr


def book_timings() -> list[str]:
    lines = ["| step | wall time (s) | peak memory (MB) | target | met |", "|---|---:|---:|---|---|"]

    def row(step, wall, peak=None, limit=None):
        met = "" if limit is None else ("yes" if wall <= limit else "**no**")
        lines.append(f"| {step} | {wall:.1f} | {'' if peak is None else f'{peak:.0f}'} | "
                     f"{'' if limit is None else f'<= {limit}'} | {met} |")

    wall, peak, output = timed(["make", "execute"])
    for name, seconds in re.findall(r"executed (notebooks/\S+) in ([\d.]+) s", output):
        row(f"execute {name}", float(seconds), limit=90)
    row("make execute (total)", wall, peak, 360)
    wall, peak, _ = timed(["make", "book"])
    row("make book (from stored outputs)", wall, peak, 60)
    wall, peak, output = timed(["make", "test"])
    passed = re.findall(r"(\d+) passed", output)
    row(f"make test ({passed[-1] if passed else '?'} passed)", wall, peak)
    lines += ["", "Peak memory is GNU time's maximum resident set size: the largest single process it waited for. "
              "For make execute that is the notebook runner; the kernels it starts are not counted."]
    return lines


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor()) if Path("/proc/cpuinfo").exists() else platform.processor()
    import tensorflow as tf

    versions = f"Python {platform.python_version()}, numpy {np.__version__}, TensorFlow {tf.__version__}"
    return f"{cpu}, {os.cpu_count()} cores; {versions}"


def run_layers_in_fresh_processes(processes: int) -> Table:
    """The conv and pooling rows, measured in ``processes`` fresh Python processes, merged by median.

    On this shared virtual machine the speed of numpy's two BLAS threads
    changes from minute to minute: in some processes the same convolution
    runs 2-3x slower, and TensorFlow's forward convolution
    itself alternates between about 4.5 and 7 ms. One process would report
    whichever state it drew; several show the spread, the median of their
    ratios is the verdict, and the table gives every process's ratio.
    """
    runs = []
    for _ in range(processes):
        proc = subprocess.run([sys.executable, __file__, "--layers-json"], capture_output=True, text=True)
        if proc.returncode != 0:
            sys.exit(f"the layer benchmark failed (exit status {proc.returncode}):\n{proc.stderr[-3000:]}")
        runs.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    return Table.merge(runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="skip make execute / make book / make test")
    parser.add_argument("--processes", type=int, default=7, help="fresh processes for the conv and pooling rows")
    parser.add_argument("--layers-json", action="store_true", help=argparse.SUPPRESS)   # one process's conv/pool rows
    args = parser.parse_args()
    if args.layers_json:
        import tensorflow as tf

        table = Table()
        bench_conv_and_pool(table, tf)
        print(json.dumps(table.rows))
        return

    seconds, imports_tf = import_time()
    table = run_layers_in_fresh_processes(args.processes)
    import tensorflow as tf

    others = Table()
    bench_recurrent(others, tf)
    bench_mlp_epoch(others, tf)
    table.rows += others.rows
    report = [
        "# Benchmarks",
        "",
        f"Measured by `make bench` on {time.strftime('%Y-%m-%d')}: {machine()}.",
        "Each time is the median of 15 runs, in three blocks of five after a warm-up each, ours and TensorFlow's "
        "blocks taken in turn. "
        f"The convolution and pooling rows were measured in {args.processes} fresh processes: their times are "
        "the medians over the processes, the ratio is the median of the processes' own ratios, and the last "
        "column lists every process's ratio. "
        "ours / TF below 1 means dlnotes is faster.",
        "",
        *table.lines(),
        "",
        f"`import dlnotes`: {seconds:.3f} s (target <= 0.3 s: {'met' if seconds <= 0.3 else 'NOT met'}); "
        f"imports TensorFlow: {imports_tf}.",
    ]
    if not args.quick:
        report += ["", "## The book", "", *book_timings()]
    text = "\n".join(report) + "\n"
    print(text)
    RESULTS.write_text(text)


if __name__ == "__main__":
    main()
