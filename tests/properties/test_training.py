"""Initialisers, optimisers, the MLP and logistic regression: loops, update rules and finite differences."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dlnotes import initializers, logistic, mlp, optim
from properties.support import (
    arrays, assert_agrees, covers, examples, fd, finite_mask, FLOAT_DTYPES, is_count,
    naive_bce_logits, naive_forward, networks, NOT_ARRAYS, NOT_COUNTS, NOT_NUMBERS, outcome, REFUSED,
    RNGS, shapes,
)


@covers("initializers.xavier_normal", "initializers.xavier_uniform", "initializers.he_normal",
        "initializers.orthogonal", "initializers.get_initializer")
@examples(40)
@given(name=st.one_of(st.sampled_from(sorted(initializers.INITIALIZERS)), st.sampled_from(["glorot", "", None, 3])),
       fan_in=st.one_of(st.integers(1, 6), NOT_COUNTS), fan_out=st.one_of(st.integers(1, 6), NOT_COUNTS), rng=RNGS)
def test_initializers(name, fan_in, fan_out, rng):
    init = outcome(initializers.get_initializer, name, names=("init", "name"))
    assert (init is REFUSED) == (name not in initializers.INITIALIZERS)
    if init is REFUSED:
        return
    assert init is getattr(initializers, name)
    w = outcome(init, fan_in, fan_out, rng, names=("fan_in", "fan_out", "rng"))
    valid = is_count(fan_in) and is_count(fan_out) and (rng is None or isinstance(rng, np.random.Generator))
    assert (w is REFUSED) == (not valid), f"valid={valid}"
    if w is REFUSED:
        return
    assert w.shape == (fan_in, fan_out) and w.dtype == np.float64 and np.all(np.isfinite(w))
    if name == "orthogonal":
        gram = w.T @ w if fan_in >= fan_out else w @ w.T
        assert np.allclose(gram, np.eye(min(fan_in, fan_out)), atol=1e-12)
    elif name == "xavier_uniform":
        assert np.all(np.abs(w) <= math.sqrt(6 / (fan_in + fan_out)))


GRADS = st.dictionaries(st.sampled_from(["dW1", "db1", "dW2", "db2"]),
                        arrays(shapes(0, 2, 0, 3), FLOAT_DTYPES + (np.int64,), low=-3, high=3), max_size=4)


def _norm(grads) -> float:
    """sqrt of the sum of squares, by math.hypot: exact to rounding, with no overflow or underflow on the way."""
    return math.hypot(*(float(v) for g in grads.values() for v in np.asarray(g, dtype=np.float64).ravel()))


@covers("optim.global_norm", "optim.clip_by_global_norm", "optim.check_clip_norm")
@examples(40)
@given(grads=st.one_of(GRADS, GRADS, st.sampled_from([None, [np.ones(2)], {"dW1": "x"}, {"dW1": [1.0, [2.0]]}])),
       clip_norm=st.one_of(st.none(), st.floats(1e-3, 10), NOT_NUMBERS, st.just(0.0), st.just(-1.0)))
def test_global_norm_and_clipping(grads, clip_norm):
    arrays_ok = isinstance(grads, dict) and all(isinstance(g, np.ndarray) for g in grads.values())
    norm = outcome(optim.global_norm, grads, names=("grads",))
    assert (norm is REFUSED) == (not arrays_ok), f"global_norm({grads!r}): {norm!r}"
    checked = outcome(optim.check_clip_norm, clip_norm, names=("clip_norm",))
    clip_ok = clip_norm is None or (isinstance(clip_norm, float) and 0 < clip_norm < math.inf)
    assert (checked is REFUSED) == (not clip_ok)
    got = outcome(optim.clip_by_global_norm, grads, clip_norm, names=("grads", "clip_norm"))
    assert (got is REFUSED) == (not (arrays_ok and clip_ok))
    if got is REFUSED:
        return
    want = _norm(grads)                                    # 1e200 and float16 1e-5 included: no overflow, no underflow
    if finite_mask(*grads.values()):
        assert_agrees("global_norm", norm, want, rtol=1e-6 if not any(g.dtype == np.float16 for g in grads.values())
                      else 1e-2)
    else:
        assert not np.isfinite(norm), f"global_norm of non-finite gradients is {norm}"
    clipped, before = got
    assert (before == norm or (np.isnan(before) and np.isnan(norm))) and clipped.keys() == grads.keys()
    if finite_mask(*grads.values()) and clip_norm is not None and want > clip_norm:
        assert _norm(clipped) == pytest.approx(clip_norm, rel=1e-2)
        for k in grads:
            assert clipped[k].shape == grads[k].shape


@covers("optim.check_momentum", "optim.check_l2", "optim.l2_penalty", "optim.add_l2")
@examples(40)
@given(momentum=st.one_of(st.floats(0, 1), NOT_NUMBERS), l2=st.one_of(st.floats(0, 1), NOT_NUMBERS, st.just(-0.1)),
       seed=st.integers(0, 2**16), layers=st.integers(1, 2), hostile=st.sampled_from([None, "params", "grads"]))
def test_momentum_l2_penalty_and_gradient(momentum, l2, seed, layers, hostile):
    got = outcome(optim.check_momentum, momentum, names=("momentum",))
    ok = isinstance(momentum, float) and 0 <= momentum < 1
    assert (got is REFUSED) == (not ok) and (got is REFUSED or got == momentum)
    got = outcome(optim.check_l2, l2, names=("l2",))
    l2_ok = isinstance(l2, float) and 0 <= l2 < math.inf
    assert (got is REFUSED) == (not l2_ok)
    rng = np.random.default_rng(seed)
    params = mlp.init_params([3, 2, 2][: layers + 1], rng=rng)
    grads = {"d" + k: rng.normal(size=v.shape) for k, v in params.items()}
    if hostile == "params":
        params = [params["W1"]]
    elif hostile == "grads":
        grads = {**grads, "dW1": "x"}
    penalty = outcome(optim.l2_penalty, params, l2, names=("params", "l2"))
    added = outcome(optim.add_l2, params, grads, l2, names=("params", "grads", "l2"))
    valid = l2_ok and hostile is None
    assert (penalty is REFUSED) == (not (l2_ok and hostile != "params")), f"l2_penalty({l2!r}): {penalty!r}"
    assert (added is REFUSED) == (not valid), f"add_l2(l2={l2!r}, hostile={hostile}): {added!r}"
    if not valid:
        return
    want = 0.5 * l2 * sum(float(v) ** 2 for k, w in params.items() if k.startswith("W") for v in w.ravel())
    assert penalty == pytest.approx(want, rel=1e-12, abs=1e-300)
    for k, g in grads.items():                            # d penalty / dW = l2 W, added to the weights only
        assert np.allclose(added[k], g + (l2 * params[k[1:]] if k.startswith("dW") else 0), rtol=1e-12, atol=0)


@covers("optim.check_diverged")
@given(cost=st.one_of(st.floats(0, 100), st.sampled_from([np.inf, np.nan, 1e300])), first=st.floats(1e-3, 10),
       epoch=st.integers(0, 5), lr=st.floats(1e-3, 1))
def test_check_diverged(cost, first, epoch, lr):
    history = {"cost": [first]}
    diverged = not np.isfinite(cost) or cost > 10 * first
    if diverged:
        with pytest.raises(optim.DivergenceError) as info:
            optim.check_diverged(cost, first, epoch, lr, history)
        assert (info.value.epoch, info.value.lr, info.value.history) == (epoch, lr, history)
        assert f"lr={lr:g}" in str(info.value)
    else:
        assert optim.check_diverged(cost, first, epoch, lr, history) is None


@covers("optim.SGD")
@examples(40)
@given(lr=st.one_of(st.floats(1e-3, 1), NOT_NUMBERS), momentum=st.one_of(st.just(0.0), st.floats(0, 0.99)),
       clip=st.one_of(st.none(), st.floats(0.1, 5)), seed=st.integers(0, 2**16), steps=st.integers(1, 3),
       hostile=st.sampled_from([None, None, "missing", "shape"]))
def test_sgd_against_the_update_rule(lr, momentum, clip, seed, steps, hostile):
    opt = outcome(optim.SGD, lr, momentum, clip, names=("lr", "momentum", "global_clipnorm"))
    assert (opt is REFUSED) == (not (isinstance(lr, float) and 0 < lr < math.inf))
    if opt is REFUSED:
        return
    rng = np.random.default_rng(seed)
    params = {"W1": rng.normal(size=(2, 3)), "b1": rng.normal(size=3)}
    want, velocity = {k: v.copy() for k, v in params.items()}, {k: 0.0 for k in params}
    for _ in range(steps):
        grads = {"dW1": rng.normal(size=(2, 3)), "db1": rng.normal(size=3)}
        if hostile == "missing":
            del grads["db1"]
        elif hostile == "shape":
            grads["db1"] = np.ones(4)
        if hostile is not None:                          # refused, and params untouched (outcome checks that)
            assert outcome(opt.step, params, grads, names=("grads", "db1")) is REFUSED
            return
        got = opt.step(params, grads)                     # updates params in place, as documented
        assert got is params
        scale = min(1.0, clip / _norm(grads)) if clip is not None else 1.0
        for k in want:                                     # v <- momentum v - lr g;  p <- p + v
            velocity[k] = momentum * velocity[k] - lr * scale * grads["d" + k]
            want[k] = want[k] + velocity[k]
        for k in want:
            assert np.allclose(got[k], want[k], rtol=1e-12, atol=1e-12), k


@covers("mlp.init_params", "mlp.n_layers", "mlp.forward", "mlp.backward", "mlp.cost_from_cache", "mlp.predict",
        "mlp.evaluate")
@examples(40)
@given(net=networks(), hostile=st.sampled_from([None] * 6 + ["X", "y", "activation", "output", "params"]),
       bad=st.one_of(NOT_ARRAYS, st.sampled_from(["swish", "relu6", 3, "list", "none", "int-keys", "str", "no-b1"])))
def test_mlp_against_loops_and_finite_differences(net, hostile, bad):
    params, X, y, activation, output = net
    if hostile == "params":
        bad = {"list": [params], "none": None, "int-keys": {1: 2}, "str": "abc", "str-entry": {**params, "W1": "x"},
               "no-b1": {k: v for k, v in params.items() if k != "b1"}}[bad if isinstance(bad, str) and bad in (
                   "list", "none", "int-keys", "str", "str-entry", "no-b1") else "str-entry"]
        for fn in (mlp.n_layers, lambda q: mlp.forward(q, X)):
            assert outcome(fn, bad, names=("params", "params['W1']", "W1", "b1", "layer")) is REFUSED
        return
    args = {"X": X, "y": y, "activation": activation, "output": output, **({hostile: bad} if hostile else {})}
    got = outcome(mlp.forward, params, args["X"], args["activation"], args["output"],
                  names=("X", "activation", "output", "params"))
    X_ok = isinstance(args["X"], np.ndarray) and args["X"].dtype.kind in "fiub" and args["X"].shape[0] > 0 \
        and finite_mask(args["X"])
    valid = X_ok and hostile in (None, "y")
    assert (got is REFUSED) == (not valid), f"valid={valid}"
    if got is REFUSED:
        return
    probs, cache = got
    assert mlp.n_layers(params) == len(params) // 2
    want = naive_forward(params, X, activation, output)
    assert_agrees("forward", probs, want, dtype=np.float64, rtol=1e-10, atol=1e-12)
    assert np.array_equal(mlp.predict(params, X, activation, output),
                          np.argmax(want, axis=1) if output == "softmax" else (want >= 0.5).astype(int))
    cost = outcome(mlp.cost_from_cache, cache, args["y"], names=("y",))
    assert (cost is REFUSED) == (hostile == "y")
    if cost is REFUSED:
        return
    Z = naive_forward(params, X, activation, output, logits=True)
    if output == "softmax":                               # log-sum-exp minus the target's logit
        want_cost = float(np.mean([max(z) + math.log(sum(math.exp(v - max(z)) for v in z)) - z[t]
                                   for z, t in zip(Z.tolist(), y)]))
    else:
        want_cost = float(np.mean([naive_bce_logits(float(t), float(z)) for t, z in zip(y, Z[:, 0])]))
    assert cost == pytest.approx(want_cost, rel=1e-9, abs=1e-12)
    assert mlp.evaluate(params, X, y, activation, output) == (pytest.approx(cost),
                                                             float(np.mean(mlp.predict(params, X, activation, output) == y)))
    grads = mlp.backward(params, cache, y)
    p = {k: v.copy() for k, v in params.items()}
    Xf = X.astype(np.float64)
    want_grads = fd(lambda: mlp.cost_from_cache(mlp.forward(p, Xf, activation, output)[1], y), *p.values())
    if np.max(np.abs(X.astype(np.float64)), initial=0) > 1e3:
        return                                            # eps = 1e-6 is lost in rounding next to such values
    kinks = activation in ("relu", "leaky_relu") and np.any(np.abs(np.concatenate(
        [cache[f"Z{l}"].ravel() for l in range(1, cache["L"])] or [np.ones(1)])) < 1e-5)
    if not kinks:                                          # finite differences straddling a kink prove nothing
        for (k, w), g in zip(p.items(), want_grads):
            assert_agrees("d" + k, grads["d" + k], g, rtol=1e-5, atol=1e-7)


@covers("mlp.fit")
@examples(15)
@given(net=networks(), lr=st.one_of(st.floats(1e-3, 1), NOT_NUMBERS), epochs=st.one_of(st.integers(1, 3), NOT_COUNTS),
       batch_size=st.one_of(st.none(), st.integers(1, 4), NOT_COUNTS), momentum=st.sampled_from([0.0, 0.5, 1.0, -0.1]),
       l2=st.sampled_from([0.0, 0.01, -1.0]))
def test_mlp_fit(net, lr, epochs, batch_size, momentum, l2):
    params, X, y, activation, output = net
    try:
        got = outcome(mlp.fit, params, X, y, lr, epochs, batch_size, momentum, l2, np.random.default_rng(0), activation,
                      output, names=("lr", "epochs", "batch_size", "momentum", "l2", "X", "y"))
    except optim.DivergenceError as err:                    # documented: divergence is reported, with the epoch
        assert 0 <= err.epoch <= epochs and err.lr == lr
        return
    valid = (isinstance(lr, float) and 0 < lr < math.inf and is_count(epochs) and (batch_size is None or is_count(batch_size))
             and 0 <= momentum < 1 and l2 >= 0 and X.shape[0] > 0 and finite_mask(X))
    assert (got is REFUSED) == (not valid), f"valid={valid}"
    if got is REFUSED:
        return
    trained, history = got
    assert trained.keys() == params.keys() and all(np.all(np.isfinite(v)) for v in trained.values())
    assert len(history["cost"]) == len(history["accuracy"]) == epochs
    if epochs == 1 and (batch_size is None or batch_size >= X.shape[0]) and momentum == 0:
        _, cache = mlp.forward(params, X, activation, output)
        grads = optim.add_l2(params, mlp.backward(params, cache, y), l2)
        for k in params:                                    # one full-batch step: W <- W - lr (dW + l2 W)
            assert np.allclose(trained[k], params[k] - lr * grads["d" + k], rtol=1e-12, atol=1e-14), k


def _logistic_data(draw, multiclass: bool):
    n, d = draw(st.integers(0, 4)), draw(st.integers(1, 3))
    X = draw(st.one_of(arrays((n, d), low=-2, high=2), arrays((n, d), special=False, low=-2, high=2)))
    c = draw(st.integers(2, 3)) if multiclass else 1
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    y = rng.integers(0, c if multiclass else 2, size=n)
    if draw(st.integers(0, 8)) == 0:
        y = draw(st.sampled_from([y[:, None], None, "y", np.full(n, 7), y.astype(float) + 0.5]))
    W = rng.normal(size=(d, c) if multiclass else d)
    b = rng.normal(size=c) if multiclass else float(rng.normal())
    return X, y, W, b, c


@covers("logistic.logistic_cost_and_gradients", "logistic.softmax_cost_and_gradients", "logistic.gradient_descent")
@examples(40)
@given(data_=st.data(), multiclass=st.booleans(), lr=st.one_of(st.floats(1e-3, 1), NOT_NUMBERS),
       epochs=st.one_of(st.integers(1, 3), NOT_COUNTS))
def test_logistic_pure_functions(data_, multiclass, lr, epochs):
    X, y, W, b, c = _logistic_data(data_.draw, multiclass)
    fn = logistic.softmax_cost_and_gradients if multiclass else logistic.logistic_cost_and_gradients
    got = outcome(fn, W, b, X, y, names=("X", "y", "W", "b"))
    y_ok = (isinstance(y, np.ndarray) and y.shape == (X.shape[0],) and y.dtype.kind in "iu"
            and np.all(y < (c if multiclass else 2)))
    valid = X.shape[0] > 0 and finite_mask(X) and y_ok
    assert (got is REFUSED) == (not valid), f"valid={valid}"
    if got is REFUSED:
        return
    cost, dW, db = got
    Xf = X.astype(np.float64)
    Z = Xf @ W + b
    if multiclass:
        want = float(np.mean([math.log(sum(math.exp(v - max(z)) for v in z)) - (z[t] - max(z)) for z, t in zip(Z.tolist(), y)]))
    else:
        want = float(np.mean([naive_bce_logits(float(t), float(z)) for t, z in zip(y, Z)]))
    assert cost == pytest.approx(want, rel=1e-10, abs=1e-12)
    if np.max(np.abs(Xf)) > 1e3:
        return                                            # eps = 1e-6 is lost in rounding next to such logits
    Wc, bc = np.array(W, dtype=float), np.array(b, dtype=float)
    want_dW, want_db = fd(lambda: fn(Wc, bc if multiclass else float(bc), Xf, y)[0], Wc, bc)
    assert_agrees("dW", dW, want_dW, rtol=1e-6, atol=1e-8)
    assert_agrees("db", db, want_db.reshape(np.shape(db)), rtol=1e-6, atol=1e-8)
    try:
        trained = outcome(logistic.gradient_descent, fn, W, b, X, y, lr, epochs, names=("lr", "epochs"))
    except optim.DivergenceError:
        return
    assert (trained is REFUSED) == (not (isinstance(lr, float) and 0 < lr < math.inf and is_count(epochs)))
    if trained is not REFUSED:
        W1, b1, history = trained
        assert len(history["cost"]) == epochs + 1 and history["cost"][0] == cost
        if epochs == 1:
            assert np.allclose(W1, W - lr * dW) and np.allclose(b1, b - lr * db)


@covers("logistic.LogisticRegression", "logistic.SoftmaxRegression")
@examples(25)
@given(data_=st.data(), multiclass=st.booleans(), lr=st.one_of(st.floats(1e-3, 1), NOT_NUMBERS),
       epochs=st.one_of(st.integers(1, 3), NOT_COUNTS), rng=RNGS, threshold=st.one_of(st.floats(0, 1), NOT_NUMBERS))
def test_logistic_classes(data_, multiclass, lr, epochs, rng, threshold):
    X, y, W, b, c = _logistic_data(data_.draw, multiclass)
    cls = logistic.SoftmaxRegression if multiclass else logistic.LogisticRegression
    model = outcome(cls, lr, epochs, "xavier_normal", rng, names=("lr", "epochs", "rng"))
    ok = (isinstance(lr, float) and 0 < lr < math.inf and is_count(epochs)
          and (rng is None or isinstance(rng, np.random.Generator)))
    assert (model is REFUSED) == (not ok)
    if model is REFUSED:
        return
    with pytest.raises(RuntimeError, match="call fit"):    # documented in the code: a state error, not an argument
        model.predict(np.ones((1, X.shape[1])))
    try:
        fitted = outcome(model.fit, X, y, names=("X", "y"))
    except optim.DivergenceError:
        return
    y_ok = (isinstance(y, np.ndarray) and y.shape == (X.shape[0],) and y.dtype.kind in "iu"
            and (multiclass or np.all(y < 2)))   # SoftmaxRegression takes C = max(y) + 1 classes when not told
    valid = X.shape[0] > 0 and finite_mask(X) and y_ok and (not multiclass or (y.size and y.max() >= 1))
    assert (fitted is REFUSED) == (not valid), f"valid={valid}"
    if fitted is REFUSED:
        return
    assert fitted is model and len(model.history["cost"]) == epochs + 1
    Xf = X.astype(np.float64)
    assert np.allclose(model.logits(Xf), Xf @ model.W + model.b)
    proba = model.predict_proba(X)
    assert np.all((proba >= 0) & (proba <= 1)) and proba.shape == ((X.shape[0], model.n_classes) if multiclass
                                                                    else (X.shape[0],))
    pred = model.predict(X) if multiclass else outcome(model.predict, X, threshold, names=("threshold",))
    if pred is REFUSED:
        assert not (isinstance(threshold, float) and 0 <= threshold <= 1)
        return
    want = np.argmax(proba, axis=1) if multiclass else (proba >= threshold).astype(int)
    assert np.array_equal(pred, want) and pred.shape == (X.shape[0],)
    if multiclass or threshold == 0.5:
        assert model.score(X, y) == float(np.mean(pred == y))
        cost, dW, db = model.gradients(X, y)
        assert cost == model.cost(X, y) == (logistic.softmax_cost_and_gradients if multiclass
                                            else logistic.logistic_cost_and_gradients)(model.W, model.b, X, y)[0]
    assert outcome(model.score, X, None, names=("y",)) is REFUSED
    assert outcome(model.predict, np.ones((1, X.shape[1] + 1)), names=("X",)) is REFUSED


@covers("logistic.fit_logistic_loop")
@examples(20)
@given(data_=st.data(), lr=st.one_of(st.floats(1e-3, 1), NOT_NUMBERS), epochs=st.one_of(st.integers(1, 3), NOT_COUNTS),
       rng_seed=st.integers(0, 3))
def test_fit_logistic_loop_equals_the_class(data_, lr, epochs, rng_seed):
    X, y, *_ = _logistic_data(data_.draw, False)
    X = X[:, :2] if X.shape[1] >= 2 else np.column_stack([X, X])
    args = (X[:, 0], X[:, 1], y, lr, epochs, np.random.default_rng(rng_seed))
    try:
        got = outcome(logistic.fit_logistic_loop, *args, names=("x1", "x2", "y", "lr", "epochs", "(x1, x2)"))
    except optim.DivergenceError:
        return
    y_ok = isinstance(y, np.ndarray) and y.shape == (X.shape[0],) and np.all(np.isin(y, (0, 1)))
    valid = (isinstance(lr, float) and 0 < lr < math.inf and is_count(epochs) and X.shape[0] > 0
             and finite_mask(X) and y_ok)
    assert (got is REFUSED) == (not valid), f"valid={valid}"
    if got is REFUSED:
        return
    w1, w2, b, costs = got
    model = logistic.LogisticRegression(lr, epochs, rng=np.random.default_rng(rng_seed)).fit(X.astype(float), y)
    assert np.allclose([w1, w2], model.W, rtol=1e-9, atol=1e-12) and b == pytest.approx(model.b, rel=1e-9, abs=1e-12)
    assert len(costs) == epochs and all(np.isfinite(costs))
