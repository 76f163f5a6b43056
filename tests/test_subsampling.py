"""Tests for coursekit.subsampling against closed forms, scipy and statistical facts."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import expit, logit, rel_entr, xlogy

from coursekit.logistic_regression import gradient_descent
from coursekit.subsampling import (
    bias_correction,
    excess_log_loss,
    fit_logistic_regression,
    importance_weights,
    log_loss,
    make_rare_events,
    precision_recall,
    precision_recall_curve,
    predict_proba,
    reliability_curve,
    safe_step_size,
    subsample_negatives,
)

probs = st.floats(min_value=1e-6, max_value=1 - 1e-6)
fractions = st.floats(min_value=1e-4, max_value=1.0)


# --------------------------------------------------------------------------- shared data


@pytest.fixture(scope="module")
def rare() -> dict[str, object]:
    """A large rare-event data set, its full-data fit and a subsample with f = 0.1."""
    rng = np.random.default_rng(20240508)
    X, y, p = make_rare_events(60_000, rng)
    w_full, b_full = fit_logistic_regression(X, y, epochs=800)
    f = 0.1
    Xs, ys = subsample_negatives(X, y, f, np.random.default_rng(7))
    return {"X": X, "y": y, "p": p, "w_full": w_full, "b_full": b_full, "f": f, "Xs": Xs, "ys": ys}


# --------------------------------------------------------------------------- the bias-correction identity


@settings(max_examples=100, deadline=None)
@given(p=probs, f=fractions)
def test_subsampled_conditional_is_shifted_sigmoid(p: float, f: float) -> None:
    # Kept data: P(y=1 | x, k) = p / (p + f (1 - p)) = sigmoid(logit p - log f).
    subsampled = p / (p + f * (1 - p))
    assert expit(logit(p) - np.log(f)) == pytest.approx(subsampled, rel=1e-9)


@settings(max_examples=100, deadline=None)
@given(p=probs, f=fractions)
def test_bias_correction_recovers_world_probability(p: float, f: float) -> None:
    # A perfect model of the kept data has logit z_sub; adding log f must give back p.
    z_sub = logit(p / (p + f * (1 - p)))
    assert expit(bias_correction(z_sub, f)) == pytest.approx(p, rel=1e-7)


def test_bias_correction_values() -> None:
    assert bias_correction(0.3, 1.0) == 0.3
    assert bias_correction(-2.0, 0.1) == pytest.approx(-2.0 + np.log(0.1), abs=1e-15)
    assert isinstance(bias_correction(np.float64(1.0), 0.5), float)


# --------------------------------------------------------------------------- importance weights


def test_importance_weights_values() -> None:
    w = importance_weights(np.array([1, 0, 0, 1]), 0.25)
    np.testing.assert_array_equal(w, [1.0, 4.0, 4.0, 1.0])
    assert w.dtype == np.float64
    np.testing.assert_array_equal(importance_weights([0.0, 1.0], 1.0), [1.0, 1.0])


def test_importance_weighted_mean_estimates_full_mean() -> None:
    # Importance sampling: summing the weights over the kept rows estimates the number of original rows.
    rng = np.random.default_rng(3)
    y = (rng.random(50_000) < 0.05).astype(float)
    X = np.zeros((y.size, 1))
    _, ys = subsample_negatives(X, y, 0.2, rng)
    total = importance_weights(ys, 0.2).sum()
    # Var of the estimate: N0 (1 - f) / f ~ 47500 * 4, so sd ~ 436.
    assert abs(total - y.size) < 5 * 436


# --------------------------------------------------------------------------- subsample_negatives


def test_subsample_keeps_all_positives_and_about_f_of_negatives() -> None:
    rng = np.random.default_rng(11)
    n = 40_000
    y = (rng.random(n) < 0.1).astype(float)
    X = np.arange(n, dtype=float)[:, None]  # row ids
    f = 0.3
    Xk, yk = subsample_negatives(X, y, f, np.random.default_rng(5))
    ids = Xk[:, 0].astype(int)
    np.testing.assert_array_equal(yk, y[ids])  # labels travel with their rows
    assert np.all(np.diff(ids) > 0)  # order kept, no duplicates
    assert set(np.flatnonzero(y == 1)) <= set(ids)  # every positive kept
    n0 = int((y == 0).sum())
    kept0 = int((yk == 0).sum())
    sd = np.sqrt(n0 * f * (1 - f))
    assert abs(kept0 - f * n0) < 5 * sd


def test_subsample_f_one_keeps_everything_and_does_not_mutate() -> None:
    rng = np.random.default_rng(0)
    X = rng.standard_normal((50, 3))
    y = (rng.random(50) < 0.3).astype(int)
    X0, y0 = X.copy(), y.copy()
    Xk, yk = subsample_negatives(X, y, 1.0, rng)
    np.testing.assert_array_equal(Xk, X)
    np.testing.assert_array_equal(yk, y)
    assert Xk.dtype == np.float64 and yk.dtype == np.float64
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(y, y0)
    Xk[0, 0] = 99.0
    assert X[0, 0] != 99.0


def test_subsample_is_deterministic_given_the_seed() -> None:
    rng = np.random.default_rng(1)
    X = rng.standard_normal((200, 2))
    y = (rng.random(200) < 0.2).astype(float)
    a = subsample_negatives(X, y, 0.5, np.random.default_rng(42))
    b = subsample_negatives(X, y, 0.5, np.random.default_rng(42))
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])


@settings(max_examples=50, deadline=None)
@given(n=st.integers(1, 30), f=fractions, seed=st.integers(0, 2**32 - 1))
def test_subsample_shapes(n: int, f: float, seed: int) -> None:
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 2))
    y = (rng.random(n) < 0.5).astype(float)
    Xk, yk = subsample_negatives(X, y, f, rng)
    assert Xk.ndim == 2 and Xk.shape[1] == 2 and yk.shape == (Xk.shape[0],)
    assert int(y.sum()) <= yk.shape[0] <= n
    assert yk.sum() == y.sum()


# --------------------------------------------------------------------------- logistic regression


def _stationarity(
    X: np.ndarray, y: np.ndarray, w: np.ndarray, b: float, s: np.ndarray | None = None, l2: float = 0.0
) -> np.ndarray:
    """Gradient of (1/N) sum s_n nll_n + l2 |w|^2, computed with scipy's expit."""
    s = np.ones(len(y)) if s is None else s
    r = s * (expit(X @ w + b) - y) / len(y)
    return np.concatenate([X.T @ r + 2 * l2 * w, [r.sum()]])


def test_fit_recovers_true_parameters(rare: dict) -> None:
    # 60k rows, ~4 % positives: standard errors about 0.04 for b and 0.03 for w.
    np.testing.assert_allclose(rare["w_full"], [1.5, -1.0], atol=0.15)
    assert rare["b_full"] == pytest.approx(-4.5, abs=0.2)


def test_fit_reaches_the_maximum_likelihood_point(rare: dict) -> None:
    g = _stationarity(rare["X"], rare["y"], rare["w_full"], rare["b_full"])
    assert np.max(np.abs(g)) < 1e-7


def test_subsampled_fits_recover_full_data_intercept(rare: dict) -> None:
    Xs, ys, f = rare["Xs"], rare["ys"], rare["f"]
    w_naive, b_naive = fit_logistic_regression(Xs, ys, epochs=800)
    # The naive fit's bias is off by about -log f = 2.3 ...
    assert b_naive - rare["b_full"] == pytest.approx(-np.log(f), abs=0.25)
    # ... and adding log f repairs it; the weights need no repair.
    assert bias_correction(b_naive, f) == pytest.approx(rare["b_full"], abs=0.2)
    np.testing.assert_allclose(w_naive, rare["w_full"], atol=0.15)
    w_iw, b_iw = fit_logistic_regression(Xs, ys, sample_weight=importance_weights(ys, f), epochs=800)
    assert b_iw == pytest.approx(rare["b_full"], abs=0.2)
    np.testing.assert_allclose(w_iw, rare["w_full"], atol=0.15)
    # Both corrected models predict the world's base rate; the naive one far too many positives.
    base = rare["y"].mean()
    X = rare["X"]
    assert predict_proba(X, w_iw, b_iw).mean() == pytest.approx(base, rel=0.15)
    assert predict_proba(X, w_naive, bias_correction(b_naive, f)).mean() == pytest.approx(base, rel=0.15)
    assert predict_proba(X, w_naive, b_naive).mean() > 3 * base


def test_weighted_fit_equals_fit_on_duplicated_rows() -> None:
    # Integer weights k_n are the same as repeating row n k_n times (minimisers coincide).
    rng = np.random.default_rng(4)
    X = rng.standard_normal((300, 2))
    y = (rng.random(300) < expit(X @ [1.0, -2.0] + 0.3)).astype(float)
    k = rng.integers(1, 4, size=300)
    w1, b1 = fit_logistic_regression(X, y, sample_weight=k, epochs=3000)
    w2, b2 = fit_logistic_regression(np.repeat(X, k, axis=0), np.repeat(y, k), epochs=3000)
    np.testing.assert_allclose(w1, w2, atol=1e-6)
    assert b1 == pytest.approx(b2, abs=1e-6)


def test_l2_penalty_stationarity_and_shrinkage() -> None:
    rng = np.random.default_rng(5)
    X = rng.standard_normal((400, 3))
    y = (rng.random(400) < expit(X @ [2.0, -1.0, 0.5])).astype(float)
    w0, _ = fit_logistic_regression(X, y, epochs=2000)
    w, b = fit_logistic_regression(X, y, l2=0.05, epochs=2000)
    assert np.max(np.abs(_stationarity(X, y, w, b, l2=0.05))) < 1e-8
    assert np.linalg.norm(w) < np.linalg.norm(w0)


def test_default_step_never_increases_the_loss() -> None:
    rng = np.random.default_rng(6)
    X = rng.standard_normal((500, 2)) * [1.0, 5.0]
    y = (rng.random(500) < 0.2).astype(float)
    s = importance_weights(y, 0.01)  # large weights: the automatic step must shrink
    _, _, losses = gradient_descent(X, y, s, None, 300, 0.0, record=True)
    assert losses.shape == (301,)
    assert np.all(np.diff(losses) <= 1e-12)


def test_history_loss_matches_scipy_formula() -> None:
    rng = np.random.default_rng(8)
    X = rng.standard_normal((100, 2))
    y = (rng.random(100) < 0.4).astype(float)
    s = rng.uniform(0.5, 2.0, 100)
    w, b, losses = gradient_descent(X, y, s, 0.5, 5, 0.1, record=True)
    p = expit(X @ w + b)
    expected = -np.sum(s * (xlogy(y, p) + xlogy(1 - y, 1 - p))) / 100 + 0.1 * w @ w
    assert losses[-1] == pytest.approx(expected, rel=1e-10)
    # Zero epochs: w = 0, b = weighted log-odds of the labels.
    w0, b0 = fit_logistic_regression(X, y, s, epochs=0)
    np.testing.assert_array_equal(w0, [0.0, 0.0])
    assert b0 == pytest.approx(np.log(np.sum(s * y) / np.sum(s * (1 - y))))


def _hessian(X: np.ndarray, w: np.ndarray, b: float, s: np.ndarray) -> np.ndarray:
    """Hessian of (1/N) sum s_n nll_n with respect to (w, b), with scipy's expit."""
    A = np.column_stack([X, np.ones(len(X))])
    p = expit(X @ w + b)
    return (A * (s * p * (1 - p))[:, None]).T @ A / len(X)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), f=st.floats(1e-3, 1.0))
def test_safe_step_size_bounds_the_curvature_everywhere(seed: int, f: float) -> None:
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((40, 3)) * rng.uniform(0.1, 5.0, 3) + rng.uniform(-2, 2, 3)
    y = (rng.random(40) < 0.3).astype(float)
    s = np.where(y == 1, 1.0, 1.0 / f)
    lr = safe_step_size(X, s)
    # The bound is attained where every p_n = 1/2 (w = 0, b = 0) ...
    assert np.linalg.eigvalsh(_hessian(X, np.zeros(3), 0.0, s))[-1] == pytest.approx(1.0 / lr, rel=1e-9)
    # ... and holds at any other point.
    for _ in range(5):
        w, b = rng.standard_normal(3) * 2, float(rng.standard_normal()) * 3
        assert np.linalg.eigvalsh(_hessian(X, w, b, s))[-1] <= (1.0 + 1e-12) / lr
    # An L2 penalty adds 2*l2 to the curvature bound.
    assert 1.0 / safe_step_size(X, s, l2=0.3) == pytest.approx(1.0 / lr + 0.6, rel=1e-12)


def test_safe_step_size_shrinks_like_f() -> None:
    # Almost all rows are negatives with weight 1/f, so L grows about like 1/f.
    rng = np.random.default_rng(13)
    X = rng.standard_normal((2000, 2))
    y = (rng.random(2000) < 0.02).astype(float)
    base = safe_step_size(X)
    assert safe_step_size(X, np.ones(2000)) == base
    for f in (0.5, 0.1, 0.01):
        assert safe_step_size(X, importance_weights(y, f)) == pytest.approx(f * base, rel=0.05)


def test_fit_handles_separable_data_without_warnings() -> None:
    X = np.array([[-2.0], [-1.0], [1.0], [2.0]])
    y = np.array([0.0, 0.0, 1.0, 1.0])
    w, b = fit_logistic_regression(X, y, lr=100.0, epochs=500)
    assert w[0] > 0 and np.all(np.isfinite(w))
    np.testing.assert_array_equal(predict_proba(X, w, b) > 0.5, y == 1)


# --------------------------------------------------------------------------- helpers


@settings(max_examples=50, deadline=None)
@given(z=st.lists(st.floats(-1e4, 1e4), min_size=1, max_size=20))
def test_predict_proba_matches_expit(z: list[float]) -> None:
    z_arr = np.array(z)
    X = z_arr[:, None]
    # atol: below ~1e-308 the two round subnormal results differently (expit flushes to 0)
    np.testing.assert_allclose(predict_proba(X, [1.0], 0.0), expit(z_arr), rtol=1e-12, atol=1e-300)


def test_log_loss_matches_scipy_and_clips() -> None:
    y = np.array([1, 0, 1, 0])
    p = np.array([0.9, 0.2, 0.3, 0.6])
    expected = -np.mean(xlogy(y, p) + xlogy(1 - y, 1 - p))
    assert log_loss(y, p) == pytest.approx(expected, rel=1e-12)
    s = np.array([1.0, 10.0, 1.0, 10.0])
    assert log_loss(y, p, sample_weight=s) == pytest.approx(
        -np.sum(s * (xlogy(y, p) + xlogy(1 - y, 1 - p))) / 4, rel=1e-12
    )
    # A confident mistake costs -log(eps), not infinity.
    assert log_loss([1], [0.0]) == pytest.approx(-np.log(1e-15), rel=1e-9)
    assert log_loss([0], [1.0], eps=1e-6) == pytest.approx(-np.log(1e-6), rel=1e-6)
    assert log_loss([1, 0], [1.0, 0.0]) == pytest.approx(-np.log1p(-1e-15), abs=1e-14)


@settings(max_examples=50, deadline=None)
@given(
    pq=st.lists(st.tuples(st.floats(0.0, 1.0), st.floats(1e-12, 1 - 1e-12)), min_size=1, max_size=20),
)
def test_excess_log_loss_matches_scipy_kl(pq: list[tuple[float, float]]) -> None:
    p, q = np.array(pq).T
    expected = np.mean(rel_entr(p, q) + rel_entr(1 - p, 1 - q))
    assert excess_log_loss(p, q) == pytest.approx(expected, rel=1e-9, abs=1e-12)
    assert excess_log_loss(p, p) == pytest.approx(0.0, abs=1e-12)


def test_excess_log_loss_is_the_gap_in_expected_log_loss() -> None:
    # Averaged over many labels drawn from p, log loss(q) - log loss(p) -> excess_log_loss(p, q).
    rng = np.random.default_rng(14)
    p = rng.uniform(0.01, 0.3, 200)
    q = np.clip(p * rng.uniform(0.5, 2.0, 200), 0.0, 0.99)
    y = (rng.random((2000, 200)) < p).astype(float)
    gap = np.mean([log_loss(row, q) - log_loss(row, p) for row in y])
    assert gap == pytest.approx(excess_log_loss(p, q), rel=0.05)
    # A prediction of exactly 0 for a possible positive costs -log(eps), finite.
    assert np.isfinite(excess_log_loss([0.5], [0.0]))


def test_make_rare_events() -> None:
    X, y, p = make_rare_events(20_000, np.random.default_rng(9))
    assert X.shape == (20_000, 2) and y.shape == p.shape == (20_000,)
    np.testing.assert_allclose(p, expit(X @ [1.5, -1.0] - 4.5), rtol=1e-12)
    assert 0.02 < y.mean() < 0.06
    assert set(np.unique(y)) == {0.0, 1.0}
    X3, _, p3 = make_rare_events(10, np.random.default_rng(0), w_true=[1, 2, 3], b_true=0.0)
    assert X3.shape == (10, 3)
    np.testing.assert_allclose(p3, expit(X3 @ [1, 2, 3]), rtol=1e-12)
    Xc, _, pc = make_rare_events(100, np.random.default_rng(1), b_true=-5.0, curvature=0.8)
    np.testing.assert_allclose(pc, expit(Xc @ [1.5, -1.0] - 5.0 + 0.8 * Xc[:, 0] ** 2), rtol=1e-12)


def test_reliability_curve_small_example() -> None:
    y = np.array([0, 0, 1, 1, 1, 0])
    p = np.array([0.1, 0.2, 0.3, 0.8, 0.9, 1.0])
    edges, mean_pred, freq, counts = reliability_curve(y, p, n_bins=2)
    np.testing.assert_allclose(edges, [0.0, 0.5, 1.0])
    np.testing.assert_array_equal(counts, [3, 3])
    np.testing.assert_allclose(mean_pred, [0.2, 0.9])
    np.testing.assert_allclose(freq, [1 / 3, 2 / 3])
    curve = reliability_curve(y, p, n_bins=4)
    np.testing.assert_array_equal(curve.counts, [2, 1, 0, 3])
    assert np.isnan(curve.mean_predicted[2]) and np.isnan(curve.observed_frequency[2])


def test_reliability_curve_calibrated_model_lies_on_diagonal() -> None:
    rng = np.random.default_rng(10)
    p = rng.random(50_000)
    y = (rng.random(50_000) < p).astype(float)
    for strategy in ("uniform", "quantile"):
        curve = reliability_curve(y, p, 10, strategy=strategy)
        assert curve.counts.sum() == 50_000
        # each bin holds ~5000 examples: sd of the frequency <= 0.5 / sqrt(5000) = 0.007
        np.testing.assert_allclose(curve.observed_frequency, curve.mean_predicted, atol=0.035)


def test_reliability_curve_with_true_probabilities_is_exact() -> None:
    # Passing the truth as y: a model that predicts the truth lies exactly on the diagonal,
    # and one that predicts 2p lies exactly on the line frequency = prediction / 2.
    p = np.random.default_rng(15).uniform(0.0, 0.4, 1000)
    curve = reliability_curve(p, p, 8, strategy="quantile")
    np.testing.assert_allclose(curve.observed_frequency, curve.mean_predicted, rtol=1e-12)
    doubled = reliability_curve(p, 2 * p, 8)
    ok = doubled.counts > 0
    np.testing.assert_allclose(doubled.observed_frequency[ok], doubled.mean_predicted[ok] / 2, rtol=1e-12)


def test_reliability_curve_quantile_bins_are_balanced() -> None:
    rng = np.random.default_rng(12)
    p = rng.beta(0.5, 20.0, 10_000)  # rare-event-like predictions, mostly near 0
    y = (rng.random(10_000) < p).astype(float)
    curve = reliability_curve(y, p, 5, strategy="quantile")
    assert curve.edges[0] == 0.0 and curve.edges[-1] == 1.0
    np.testing.assert_array_equal(curve.counts, [2000] * 5)
    uniform = reliability_curve(y, p, 5)
    assert uniform.counts[0] > 9000


def test_precision_recall() -> None:
    y = np.array([1, 1, 0, 0, 1, 0])
    p = np.array([0.9, 0.4, 0.6, 0.1, 0.5, 0.2])
    # flagged (>= 0.5): rows 0, 2, 4 -> TP = 2, FP = 1, FN = 1
    assert precision_recall(y, p) == pytest.approx((2 / 3, 2 / 3))
    assert precision_recall(y, p, threshold=0.0) == pytest.approx((0.5, 1.0))
    prec, rec = precision_recall(y, p, threshold=1.0)
    assert np.isnan(prec) and rec == 0.0
    prec, rec = precision_recall([0, 0], [0.7, 0.1])
    assert prec == 0.0 and np.isnan(rec)


def test_precision_recall_curve_matches_single_thresholds() -> None:
    rng = np.random.default_rng(16)
    p = np.round(rng.random(300), 2)  # many ties
    y = (rng.random(300) < p).astype(float)
    thresholds, precision, recall = precision_recall_curve(y, p)
    assert np.all(np.diff(thresholds) < 0)
    np.testing.assert_array_equal(thresholds, np.unique(p)[::-1])
    for t, prec, rec in zip(thresholds, precision, recall, strict=True):
        assert (prec, rec) == pytest.approx(precision_recall(y, p, t), rel=1e-12)
    assert recall[-1] == 1.0 and precision[-1] == pytest.approx(y.mean())


def test_precision_recall_curve_ignores_a_shift_of_the_logits() -> None:
    # The bias correction adds a constant to every logit: same ranking, same curve.
    rng = np.random.default_rng(17)
    z = rng.standard_normal(500) * 2
    y = (rng.random(500) < expit(z)).astype(float)
    _, prec_a, rec_a = precision_recall_curve(y, expit(z))
    _, prec_b, rec_b = precision_recall_curve(y, expit(z + np.log(0.1)))
    np.testing.assert_array_equal(prec_a, prec_b)
    np.testing.assert_array_equal(rec_a, rec_b)
    _, _, rec_none = precision_recall_curve([0, 0], [0.3, 0.6])
    assert np.all(np.isnan(rec_none))


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize("f", [0.0, -0.5, 1.5, 1.0000001])
def test_bad_fraction_is_rejected(f: float) -> None:
    X, y = np.zeros((3, 1)), np.array([0, 1, 0])
    with pytest.raises(ValueError, match=r"subsample_negatives: argument 'f' must lie in \(0, 1\]"):
        subsample_negatives(X, y, f, np.random.default_rng(0))
    with pytest.raises(ValueError, match="bias_correction: argument 'f'"):
        bias_correction(0.0, f)
    with pytest.raises(ValueError, match="importance_weights: argument 'f'"):
        importance_weights(y, f)


_RNG = np.random.default_rng(0)
_X3 = np.zeros((3, 1))
_BAD_CALLS = [
    (
        lambda: subsample_negatives(np.zeros((3, 2)), np.array([0, 1]), 0.5, _RNG),
        ValueError,
        "subsample_negatives: argument 'y' must have one label per row of X",
    ),
    (
        lambda: subsample_negatives(np.zeros(3), np.array([0, 1, 0]), 0.5, _RNG),
        ValueError,
        "subsample_negatives: argument 'X' must have 2 dimension",
    ),
    (
        lambda: importance_weights(np.array([0, 2, 1]), 0.5),
        ValueError,
        "importance_weights: argument 'y' must hold only the labels 0 and 1, found 2.0",
    ),
    (
        lambda: subsample_negatives(np.zeros((2, 1)), [0, 1], 0.5, 42),
        TypeError,
        "subsample_negatives: argument 'rng' must be a numpy.random.Generator",
    ),
    (
        lambda: fit_logistic_regression(_X3, np.zeros(3)),
        ValueError,
        "fit_logistic_regression: argument 'y' must contain both labels",
    ),
    (
        lambda: fit_logistic_regression(_X3, [0, 1, 0], sample_weight=[1.0, 2.0]),
        ValueError,
        "fit_logistic_regression: argument 'sample_weight' must have one weight",
    ),
    (
        lambda: fit_logistic_regression(_X3, [0, 1, 0], sample_weight=[1.0, -2.0, 1.0]),
        ValueError,
        "fit_logistic_regression: argument 'sample_weight' must be >= 0",
    ),
    (
        lambda: fit_logistic_regression(_X3, [0, 1, 0], lr=0.0),
        ValueError,
        "fit_logistic_regression: argument 'lr' must be finite and > 0",
    ),
    (
        lambda: fit_logistic_regression(_X3, [0, 1, 0], epochs=2.5),
        TypeError,
        "fit_logistic_regression: argument 'epochs' must be an integer, got float",
    ),
    (
        lambda: fit_logistic_regression(_X3, [0, 1, 0], l2=-1.0),
        ValueError,
        "fit_logistic_regression: argument 'l2' must be finite and >= 0",
    ),
    (
        lambda: predict_proba(np.zeros((3, 2)), [1.0], 0.0),
        ValueError,
        "predict_proba: argument 'w' must have one weight per column of X",
    ),
    (lambda: log_loss([0, 1], [0.5]), ValueError, "log_loss: arguments 'y' and 'p' must have the same shape"),
    (
        lambda: reliability_curve([0, 1], [0.5, 1.5]),
        ValueError,
        r"reliability_curve: argument 'p' must hold probabilities in \[0, 1\]",
    ),
    (
        lambda: reliability_curve([0, 1], [0.5, 0.5], strategy="kmeans"),
        ValueError,
        "reliability_curve: argument 'strategy' must be 'uniform' or 'quantile'",
    ),
    (
        lambda: reliability_curve([0, 1], [0.5, 0.5], n_bins=0),
        ValueError,
        "reliability_curve: argument 'n_bins' must be an integer >= 1",
    ),
    (
        lambda: precision_recall([0, 1], [0.5, 0.5], threshold=2.0),
        ValueError,
        r"precision_recall: argument 'threshold' must lie in \[0, 1\]",
    ),
    (
        lambda: reliability_curve([0, 1.5], [0.5, 0.5]),
        ValueError,
        r"reliability_curve: argument 'y' must hold probabilities in \[0, 1\]",
    ),
    (
        lambda: excess_log_loss([0.1, 0.2], [0.5]),
        ValueError,
        "excess_log_loss: arguments 'p_true' and 'p' must have the same shape",
    ),
    (
        lambda: excess_log_loss([-0.1], [0.5]),
        ValueError,
        r"excess_log_loss: argument 'p_true' must hold probabilities in \[0, 1\]",
    ),
    (
        lambda: safe_step_size(_X3, sample_weight=[0.0, 0.0, 0.0]),
        ValueError,
        "safe_step_size: argument 'sample_weight' must not be all zero",
    ),
    (lambda: safe_step_size(np.zeros(3)), ValueError, "safe_step_size: argument 'X' must have 2 dimension"),
    (lambda: make_rare_events(5, _RNG, curvature="big"), TypeError, "make_rare_events: argument 'curvature' must be"),
    (
        lambda: precision_recall_curve([], []),
        ValueError,
        "precision_recall_curve: arguments 'y' and 'p' must not be empty",
    ),
    (lambda: make_rare_events(0, _RNG), ValueError, "make_rare_events: argument 'n' must be an integer >= 1"),
]


@pytest.mark.parametrize(("bad_call", "exc", "message"), _BAD_CALLS)
def test_bad_input_is_rejected(bad_call, exc: type[Exception], message: str) -> None:
    with pytest.raises(exc, match=message):
        bad_call()


def test_a_step_size_far_too_large_is_reported_not_returned_as_nan():
    X = np.array([[0.0], [1.0], [2.0], [3.0]])
    y = np.array([0.0, 0.0, 1.0, 1.0])
    with pytest.raises(ValueError, match=r"fit_logistic_regression: the loss became infinite or NaN .* too large"):
        fit_logistic_regression(X * 1e150, y, lr=1e150, epochs=50)
