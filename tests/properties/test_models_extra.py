"""Properties of lenet5(classic=...): LeCun's 1998 version and the modern one, on drawn arguments.

Every drawn ``classic`` that is not a bool is refused with a TypeError naming
``classic``; True and False build networks with the same layer names, output
shapes and parameter counts for any drawn input that fits, and differ only in
their (weightless) activations and pooling layers.
"""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from dlnotes import models
from properties.support import REFUSED, covers, examples, outcome


@covers("models.lenet5")
@examples(15)
@given(classic=st.sampled_from([1, 0, "True", None, 1.0, (True,)]),
       input_shape=st.sampled_from([(32, 32, 1), (16, 16, 1), (8, 8, 1)]))
def test_lenet5_refuses_a_classic_that_is_not_a_bool(classic, input_shape):
    assert outcome(models.lenet5, input_shape, classic=classic, names=("classic", "input_shape")) is REFUSED


@covers("models.lenet5")
@examples(3)
@given(height=st.integers(16, 40), width=st.integers(16, 40), channels=st.integers(1, 3),
       num_classes=st.integers(2, 12))
def test_classic_and_modern_lenet5_share_shapes_and_parameters(tf, height, width, channels, num_classes):
    shape = (height, width, channels)
    classic = models.lenet5(shape, num_classes, classic=True)
    modern = models.lenet5(shape, num_classes, classic=False)
    rows = [models.summary_table(m) for m in (classic, modern)]
    assert [(r["name"], r["output_shape"], r["params"]) for r in rows[0]] == \
        [(r["name"], r["output_shape"], r["params"]) for r in rows[1]]
    kinds = [(a["type"], b["type"]) for a, b in zip(*rows) if a["type"] != b["type"]]
    assert kinds == [("AveragePooling2D", "MaxPooling2D")] * 2
    assert models.count_params(classic) == models.count_params(modern)
