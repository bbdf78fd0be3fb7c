"""dlnotes.exercises: every checker, tested by mutation.

For every registered exercise: the reference solution passes; dlnotes' own
function is refused; ``None``, a wrong shape and a crashing function fail
without crashing ``check``; every listed slip fails with its own message; a
function that changes its input in place is judged on what it returns. For
every answer: the expected value passes, ``None`` is "not answered yet",
every listed wrong answer gets its message.
"""

from __future__ import annotations

import importlib

import numpy as np
import pytest

import dlnotes
from dlnotes import exercises
from dlnotes.exercises import Answer, Implement, Report, answer, available, check

IMPLEMENT = sorted(n for n, e in exercises.EXERCISES.items() if isinstance(e, Implement))
ANSWER = sorted(n for n, e in exercises.EXERCISES.items() if isinstance(e, Answer))
SLIPS = [(n, m) for n in IMPLEMENT for m in exercises.EXERCISES[n].slips]
ANSWER_SLIPS = [(n, w) for n in ANSWER for w in (
    lambda s: s() if callable(s) else s)(exercises.EXERCISES[n].slips)]


def text(report: Report) -> str:
    """The report's lines unwrapped (repr wraps them for display)."""
    return "\n".join(report.lines)


def failed_without_crash(report: Report) -> bool:
    return isinstance(report, Report) and not report.passed and all(
        line.startswith(("[FAIL]", "[pass]")) for line in report.lines)


def own_function(dotted: str):
    module, _, name = dotted.rpartition(".")
    return getattr(importlib.import_module(module), name)


def test_there_are_exercises_of_every_kind():
    kinds = {e.kind for e in exercises.EXERCISES.values()}
    assert {"implement", "derive"} & kinds and {"predict", "compute", "interpret"} & kinds or len(IMPLEMENT) > 0
    assert set(available()) == set(exercises.EXERCISES)
    for name, exercise in exercises.EXERCISES.items():
        assert exercise.kind in {"implement", "derive", "predict", "compute", "interpret"}, name
        assert exercise.prompt.strip(), name


@pytest.mark.parametrize("name", IMPLEMENT)
def test_reference_passes(name):
    exercise = exercises.EXERCISES[name]
    assert callable(exercise.reference), f"{name} has no reference solution"
    report = check(name, exercise.reference)
    assert report.passed, repr(report)
    assert repr(report).startswith(f"{name}: all checks passed")


@pytest.mark.parametrize("name", IMPLEMENT)
def test_reference_passes_on_many_fresh_draws(name):
    exercise = exercises.EXERCISES[name]
    for _ in range(5):
        assert check(name, exercise.reference).passed


@pytest.mark.parametrize("name", IMPLEMENT)
def test_dlnotes_own_function_is_refused(name):
    exercise = exercises.EXERCISES[name]
    fn = own_function(exercise.package) if exercise.package else dlnotes.sigmoid
    report = check(name, fn)
    assert not report.passed and "dlnotes' own" in text(report), repr(report)
    wrapped = __import__("functools").partial(fn)
    assert "dlnotes' own" in text(check(name, wrapped))


@pytest.mark.parametrize("name", IMPLEMENT)
@pytest.mark.parametrize("bad", [
    lambda *a, **k: None,
    lambda *a, **k: np.zeros((3, 1, 7)),
    lambda *a, **k: "an answer",
    lambda *a, **k: (None, None),
    lambda *a, **k: 1 / 0,
], ids=["None", "wrong-shape", "string", "pair-of-None", "raises"])
def test_wrong_returns_fail_without_crashing(name, bad):
    report = check(name, bad)
    assert failed_without_crash(report), repr(report)


@pytest.mark.parametrize("name", IMPLEMENT)
def test_not_a_function_is_a_failed_report(name):
    report = check(name, None)
    assert not report.passed and "pass the function you wrote" in text(report)


@pytest.mark.parametrize("name, message", SLIPS, ids=[f"{n}:{m[:30]}" for n, m in SLIPS])
def test_each_slip_fails_with_its_own_message(name, message):
    exercise = exercises.EXERCISES[name]
    report = check(name, exercise.slips[message])
    assert not report.passed, f"the slip {message!r} passed {name}"
    assert message in text(report), repr(report)
    others = [m for m in exercise.slips if m != message and m not in message]
    assert not any(m in text(report) for m in others), repr(report)


@pytest.mark.parametrize("name", IMPLEMENT)
def test_a_function_that_changes_its_input_is_judged_on_its_result(name):
    reference = exercises.EXERCISES[name].reference

    def scribbles(*args):
        out = reference(*args)
        for arg in args:
            if isinstance(arg, np.ndarray) and arg.flags.writeable and arg.dtype.kind == "f":
                arg *= 0.0
        return out

    assert check(name, scribbles).passed


def test_zeroing_the_input_in_place_does_not_pass():
    def bad(z):
        z *= 0
        return z

    assert not check("relu_grad", bad).passed


def test_inputs_are_fresh_on_every_attempt():
    seen = []

    def spy(z):
        seen.append(np.array(z, copy=True))
        return np.zeros_like(np.asarray(z, dtype=float))

    check("relu_grad", spy)
    check("relu_grad", spy)
    first, second = seen[0], seen[len(seen) // 2]
    assert first.shape == second.shape and not np.array_equal(first, second)


def test_unknown_names_and_the_wrong_call_are_errors():
    with pytest.raises(ValueError, match="unknown exercise='nope'"):
        check("nope", lambda z: z)
    if ANSWER:
        with pytest.raises(ValueError, match="answered with check"):
            answer(IMPLEMENT[0], 1)
        with pytest.raises(ValueError, match="answered with answer"):
            check(ANSWER[0], lambda z: z)


@pytest.mark.parametrize("name", ANSWER)
def test_expected_answer_passes(name):
    exercise = exercises.EXERCISES[name]
    report = answer(name, exercise.expected())
    assert report.passed, repr(report)
    assert exercise.explain in text(report)


@pytest.mark.parametrize("name", ANSWER)
def test_none_is_not_answered_and_wrong_types_fail(name):
    report = answer(name, None)
    assert not report.passed and repr(report).startswith(f"{name}: not answered yet")
    for wrong in (object(), [1, 2], True):
        report = answer(name, wrong)
        assert failed_without_crash(report), repr(report)


@pytest.mark.parametrize("name, wrong", ANSWER_SLIPS, ids=[f"{n}:{w}" for n, w in ANSWER_SLIPS])
def test_each_wrong_answer_gets_its_message(name, wrong):
    exercise = exercises.EXERCISES[name]
    slips = exercise.slips() if callable(exercise.slips) else exercise.slips
    report = answer(name, wrong)
    assert not report.passed and slips[wrong] in text(report), repr(report)


# -- the worked example's particular messages ---------------------------------------------------
def test_naive_sigmoid_fails_only_on_overflow():
    report = check("sigmoid", lambda z: 1 / (1 + np.exp(-np.asarray(z, dtype=float))))
    failed = [line for line in report.lines if line.startswith("[FAIL]")]
    assert len(failed) == 1 and "exp overflowed" in failed[0]


def test_an_in_place_correct_sigmoid_passes():
    def in_place(z):
        e = np.exp(-np.abs(z))
        z[...] = np.where(z >= 0, 1 / (1 + e), e / (1 + e))
        return z

    assert check("sigmoid", in_place).passed


def test_wrong_values_name_the_first_bad_input():
    report = check("sigmoid", lambda z: np.tanh(np.asarray(z, dtype=float)))
    assert "[FAIL] matches sigmoid on -8..8: moderate inputs: at input" in text(report)
    assert "you returned" in text(report) and "expected" in text(report)


def test_unfinished_functions_are_reported_not_raised():
    def todo(z):
        raise NotImplementedError("write it")

    report = check("softmax", todo)
    assert not report.passed and "not implemented yet (write it)" in text(report)
    report = check("softmax", lambda z: z.nonexistent)
    assert "your function raised AttributeError" in text(report)


def test_wrong_shape_is_named():
    report = check("softmax", lambda z: np.ones((8,)))
    assert "returned shape (8,), expected (3, 4)" in text(report)


def test_answer_messages():
    toy = Answer("toy", "2 + 2", "compute", expected=lambda: 4, explain="two and two make four",
                 slips={22: "that is the digits side by side"})
    exercises.EXERCISES["toy"] = toy
    try:
        assert answer("toy", 4).passed and answer("toy", 4.0).passed and answer("toy", np.int64(4)).passed
        assert "too large" in text(answer("toy", 5)) and "too small" in text(answer("toy", 3))
        assert "digits side by side" in text(answer("toy", 22))
        assert "the answer is a number" in text(answer("toy", "4"))
    finally:
        del exercises.EXERCISES["toy"]
    choice = Answer("pick", "yes or no", "predict", expected=lambda: "no", explain="it does not",
                    choices=("yes", "no"), slips={"yes": "look at the derivative's bound"})
    exercises.EXERCISES["pick"] = choice
    try:
        assert answer("pick", " No ").passed
        assert "derivative's bound" in text(answer("pick", "yes"))
        assert "answer one of 'yes', 'no'" in text(answer("pick", "maybe"))
    finally:
        del exercises.EXERCISES["pick"]
