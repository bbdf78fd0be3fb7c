"""dlnotes.exercises: correct functions pass, each kind of mistake is named."""

from __future__ import annotations

import numpy as np
import pytest

import dlnotes
from dlnotes.exercises import Report, available, check


def text(report: Report) -> str:
    """The report's lines unwrapped (repr wraps them for display)."""
    return "\n".join(report.lines)


def naive_sigmoid(z):
    return 1 / (1 + np.exp(-np.asarray(z, dtype=float)))


def naive_softmax(z):
    e = np.exp(np.asarray(z, dtype=float))
    return e / e.sum(axis=-1, keepdims=True)


@pytest.mark.parametrize(
    "exercise, fn",
    [("sigmoid", dlnotes.sigmoid), ("relu_grad", dlnotes.relu_grad), ("softmax", dlnotes.softmax)],
)
def test_the_package_functions_pass(exercise, fn):
    report = check(exercise, fn)
    assert report.passed, repr(report)
    assert repr(report).startswith(f"{exercise}: all checks passed")


def test_every_exercise_is_listed():
    assert set(available()) == {
        "sigmoid", "relu_grad", "softmax", "binary_cross_entropy", "gradient_step", "forward_pass", "output_grad",
        "rnn_step", "lstm_step", "output_size", "max_pool",
    }


def test_naive_sigmoid_fails_only_on_overflow():
    report = check("sigmoid", naive_sigmoid)
    assert not report.passed
    failed = [line for line in report.lines if line.startswith("[FAIL]")]
    assert len(failed) == 1 and "overflow encountered in exp" in failed[0]


def test_naive_softmax_fails_on_large_logits():
    report = check("softmax", naive_softmax)
    assert not report.passed
    assert any("no overflow" in line and "overflow" in line for line in report.lines if "[FAIL]" in line)


def test_relu_grad_with_one_at_zero_is_reported_with_the_input():
    report = check("relu_grad", lambda z: (np.asarray(z) >= 0).astype(float))
    assert not report.passed
    assert "at input 0 you returned 1, expected 0" in text(report)


def test_wrong_values_name_the_first_bad_input():
    report = check("sigmoid", lambda z: np.tanh(np.asarray(z, dtype=float)))
    assert "[FAIL] matches sigmoid on -8..8: moderate inputs: at input -8 you returned" in text(report)


def test_unfinished_and_crashing_functions_are_reported_not_raised():
    def todo(z):
        raise NotImplementedError("write it")

    report = check("softmax", todo)
    assert not report.passed and "not implemented yet (write it)" in text(report)

    report = check("softmax", lambda z: z.nonexistent)
    assert "your function raised AttributeError" in text(report)


def test_wrong_shape_is_named():
    report = check("softmax", lambda z: dlnotes.softmax(z).ravel())
    assert "returned shape (8,), expected (2, 4)" in text(report)


def test_non_numeric_return_is_named():
    report = check("relu_grad", lambda z: "one")
    assert "returned str, not an array of numbers" in text(report)


def test_report_is_truthy_only_when_passed():
    assert bool(check("sigmoid", dlnotes.sigmoid)) is True
    assert bool(check("sigmoid", naive_sigmoid)) is False
    assert isinstance(check("sigmoid", naive_sigmoid), Report)


def test_bad_arguments_raise():
    with pytest.raises(ValueError, match="unknown exercise='tanh'"):
        check("tanh", np.tanh)
    with pytest.raises(TypeError, match="fn must be the function you wrote"):
        check("sigmoid", 3)


def test_report_wraps_long_lines_for_narrow_outputs():
    report = check("relu_grad", lambda z: (np.asarray(z) >= 0).astype(float))
    assert all(len(line) <= 78 for line in repr(report).splitlines())


def test_binary_cross_entropy_exercise():
    from dlnotes import losses

    assert check("binary_cross_entropy", losses.binary_cross_entropy).passed
    unclipped = check("binary_cross_entropy", lambda y, p: -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))
    assert not unclipped.passed and "divide by zero" in text(unclipped)
    summed = check("binary_cross_entropy", lambda y, p: losses.binary_cross_entropy(y, p) * len(y))
    assert not summed.passed and "five examples" in text(summed)


def test_gradient_step_exercise():
    def step(w, b, X, y, lr):
        p = dlnotes.sigmoid(X @ w + b)
        return w - lr * X.T @ (p - y) / len(y), b - lr * np.mean(p - y)

    assert check("gradient_step", step).passed
    no_mean = check("gradient_step", lambda w, b, X, y, lr: (w - lr * X.T @ (dlnotes.sigmoid(X @ w + b) - y), b))
    assert not no_mean.passed and "new_w: at index 0 you returned" in text(no_mean)
    single = check("gradient_step", lambda w, b, X, y, lr: w)
    assert "return a pair (new_w, new_b)" in text(single)


def test_forward_pass_exercise():
    def forward(X, W1, b1, W2, b2):
        return dlnotes.softmax(dlnotes.relu(X @ W1 + b1) @ W2 + b2, axis=1)

    assert check("forward_pass", forward).passed
    no_bias = check("forward_pass", lambda X, W1, b1, W2, b2: dlnotes.softmax(dlnotes.relu(X @ W1) @ W2, axis=1))
    assert not no_bias.passed and "matches on a batch" in text(no_bias)
    wrong_axis = check("forward_pass", lambda X, W1, b1, W2, b2: dlnotes.softmax(dlnotes.relu(X @ W1 + b1) @ W2 + b2, axis=0))
    assert not wrong_axis.passed


def test_output_grad_exercise():
    assert check("output_grad", lambda P, y: (P - np.eye(P.shape[1])[y]) / len(y)).passed
    summed = check("output_grad", lambda P, y: P - np.eye(P.shape[1])[y])
    assert not summed.passed and "divide by N" in text(summed)


def test_rnn_step_exercise():
    from dlnotes.rnn import rnn_step_forward

    assert check("rnn_step", lambda *args: rnn_step_forward(*args)[0]).passed
    stateless = check("rnn_step", lambda x, h, k, rk, b: np.tanh(x @ k + b))
    assert not stateless.passed and "depend on h_prev" in text(stateless)


def test_lstm_step_exercise():
    from dlnotes.lstm import lstm_step_forward

    assert check("lstm_step", lambda *args: lstm_step_forward(*args)[:2]).passed

    def swapped_gates(x, h, c, k, rk, b):  # reads the blocks as f, i, c, o
        z = x @ k + h @ rk + b
        H = h.shape[1]
        f, i, g, o = (z[:, j * H:(j + 1) * H] for j in range(4))
        c_new = dlnotes.sigmoid(f) * c + dlnotes.sigmoid(i) * np.tanh(g)
        return dlnotes.sigmoid(o) * np.tanh(c_new), c_new

    wrong = check("lstm_step", swapped_gates)
    assert not wrong.passed and "gate order" in text(wrong)


def test_output_size_exercise():
    import math

    def output_size(size, kernel, stride, padding):
        return math.ceil(size / stride) if padding == "same" else (size - kernel) // stride + 1

    assert check("output_size", output_size).passed
    ignores_padding = check("output_size", lambda size, kernel, stride, padding: (size - kernel) // stride + 1)
    assert not ignores_padding.passed and "padding='same'" in text(ignores_padding)


def test_max_pool_exercise():
    def pool(image):
        h, w = image.shape
        return image.reshape(h // 2, 2, w // 2, 2).max(axis=(1, 3))

    assert check("max_pool", pool).passed
    average = check("max_pool", lambda image: image.reshape(image.shape[0] // 2, 2, -1, 2).mean(axis=(1, 3)))
    assert not average.passed
