"""coursekit._validate, coursekit.progress and coursekit.plotting."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from coursekit import plotting, progress  # noqa: E402
from coursekit._validate import as_float_array, check_positive, check_probability, check_rng  # noqa: E402


def test_as_float_array_converts_and_rejects():
    out = as_float_array([[1, 2], [3, 4]], "X", "f", ndim=2)
    assert out.dtype == np.float64 and out.shape == (2, 2)
    with pytest.raises(TypeError, match="f: argument 'X' must hold real numbers, got booleans"):
        as_float_array([True, False], "X", "f")
    with pytest.raises(TypeError, match="dtype complex128"):
        as_float_array(np.array([1j]), "X", "f")
    with pytest.raises(ValueError, match=r"must have 2 dimension\(s\), got shape \(3,\)"):
        as_float_array([1, 2, 3], "X", "f", ndim=2)
    with pytest.raises(ValueError, match="NaN or infinity"):
        as_float_array([np.inf], "X", "f")
    assert np.isinf(as_float_array([np.inf], "X", "f", finite=False)[0])
    with pytest.raises(TypeError, match="array of real numbers"):
        as_float_array([[1, 2], [3]], "X", "f")


def test_scalar_checks():
    assert check_positive(2, "lr", "f") == 2.0
    with pytest.raises(ValueError, match="'lr' must be finite and > 0, got 0.0"):
        check_positive(0.0, "lr", "f")
    assert check_positive(0.0, "lam", "f", allow_zero=True) == 0.0
    with pytest.raises(TypeError, match="must be a number"):
        check_positive(True, "lr", "f")
    assert check_probability(1.0, "p", "f") == 1.0
    with pytest.raises(ValueError, match=r"must lie in \[0, 1\)"):
        check_probability(1.0, "p", "f", high_open=True)
    with pytest.raises(TypeError, match="np.random.default_rng"):
        check_rng(42, "f")


def test_progress_is_a_bar_normally_and_the_iterable_while_grading(monkeypatch):
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    items = range(3)
    bar = progress.progress(items, desc="epochs")
    assert bar is not items and list(bar) == [0, 1, 2]
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    assert progress.grading()
    assert progress.progress(items) is items


def test_plot_curves_labels_everything():
    fig, ax = plt.subplots()
    z = np.linspace(-2, 2, 5)
    plotting.plot_curves(z, {"a": z, "b": -z}, title="T", ylabel="y", ax=ax)
    assert ax.get_title() == "T" and ax.get_ylabel() == "y"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["a", "b"]
    assert ax.lines[0].get_linestyle() != ax.lines[1].get_linestyle()  # told apart without colour
    with pytest.raises(ValueError, match="curve 'c' has shape"):
        plotting.plot_curves(z, {"c": z[:2]}, title="T", ax=ax)
    plt.close(fig)


def test_decision_regions_shades_by_the_classifier():
    fig, ax = plt.subplots()
    X = np.array([[-1.0, -1.0], [1.0, 1.0]])
    y = np.array([0.0, 1.0])
    plotting.decision_regions(lambda P: (P[:, 0] > 0).astype(int), X, y, title="half-plane", ax=ax, resolution=20)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["class 0", "class 1"]
    assert ax.get_xlabel() == "$x_1$"
    with pytest.raises(ValueError, match=r"shape \(n, 2\)"):
        plotting.decision_regions(lambda P: P[:, 0], np.zeros((3, 3)), np.zeros(3), title="t", ax=ax)
    plt.close(fig)
