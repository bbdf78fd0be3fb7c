"""The exercise checkers on anything a reader's function may return or a reader may answer.

Whatever comes back (None, strings, nested lists, arrays of any shape or
dtype, NaN, exceptions), ``check`` returns a Report that did not pass, and
never raises; whatever is answered, ``answer`` does the same or passes on the
right value. The mutation tests with the real slips are in tests/test_exercises.py.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from dlnotes import exercises
from dlnotes.exercises import Answer, Implement, Report, answer, available, check
from properties.support import covers, examples

IMPLEMENT = sorted(n for n, e in exercises.EXERCISES.items() if isinstance(e, Implement))
ANSWER = sorted(n for n, e in exercises.EXERCISES.items() if isinstance(e, Answer))

returns = st.one_of(
    st.none(), st.text(max_size=5), st.integers(), st.floats(allow_nan=True),
    st.lists(st.floats(allow_nan=True), max_size=4),
    st.tuples(st.none(), st.integers()),
    hnp.arrays(st.sampled_from([np.float64, np.float32, np.int64, np.bool_, np.complex128]),
               hnp.array_shapes(min_dims=0, max_dims=4, max_side=4)),
)


@covers("exercises.check", "exercises.Report", "exercises.Implement", "exercises.available")
@examples(40)
@given(name=st.sampled_from(IMPLEMENT), out=returns)
def test_check_never_raises_and_never_passes_garbage(name, out):
    report = check(name, lambda *args, **kwargs: out)
    assert isinstance(report, Report) and not report.passed
    assert all(line.startswith("[FAIL]") or line.startswith("[pass]") for line in report.lines)
    assert name in available()


@covers("exercises.answer", "exercises.Answer")
@examples(40)
@given(data=st.data())
def test_answer_never_raises(data):
    if not ANSWER:
        return
    name = data.draw(st.sampled_from(ANSWER))
    value = data.draw(st.one_of(st.none(), st.text(max_size=6), st.integers(), st.floats(allow_nan=True),
                                st.booleans(), st.lists(st.integers(), max_size=2)))
    report = answer(name, value)
    assert isinstance(report, Report)
    if report.passed:
        assert value is not None
