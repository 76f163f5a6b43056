"""coursekit.checks: the assertions test cells use must pass right answers and explain wrong ones."""

import re
import sys

import numpy as np
import pytest

from coursekit.checks import assert_close, assert_shape, call, needs


def test_assert_close_accepts_equal_values_and_scalars():
    assert_close(np.array([0.5, 1.0]), [0.5, 1.0], what="f")
    assert_close(0.25, 0.25, what="f")
    assert_close(np.float64(2.0), 2.0, what="f")
    assert_close(np.array([1.0]), 1.0, what="f")  # a 1-element array passes for a scalar


def test_assert_close_honours_tolerances():
    assert_close(1.0 + 1e-9, 1.0, what="f")
    with pytest.raises(AssertionError):
        assert_close(1.0 + 1e-3, 1.0, what="f")
    assert_close(1e-12, 0.0, what="f", atol=1e-10)


@pytest.mark.parametrize(
    ("actual", "expected", "message"),
    [
        (None, [1.0], "returned None: did you forget a 'return'"),
        ("abc", [1.0], "should return numbers, got str"),
        (np.zeros((2, 3)), np.zeros((3, 2)), r"should have shape \(3, 2\), got shape \(2, 3\)"),
        (np.array([1.0, np.nan]), [1.0, 2.0], r"is NaN at index \(1,\) where 2.0 was expected"),
        (
            np.array([[1.0, 2.0], [3.0, 4.0]]),
            [[1.0, 2.0], [3.0, 5.0]],
            r"1 of 4 entries are wrong; the first is at index \(1, 1\): expected 5.0, got 4.0",
        ),
        (3.0, 2.0, "should be 2.0, got 3.0"),
        (np.zeros(3), 0.0, "should be a single number"),
    ],
)
def test_assert_close_explains_what_is_wrong(actual, expected, message):
    with pytest.raises(AssertionError, match=message):
        assert_close(actual, expected, what="f(x)")


def test_assert_close_adds_the_hint():
    with pytest.raises(AssertionError, match="Hint: check the sign"):
        assert_close(-1.0, 1.0, what="f", hint="check the sign")


def test_assert_shape():
    assert_shape(np.zeros((2, 3)), (2, 3), what="g")
    with pytest.raises(AssertionError, match=r"shape \(3,\), got shape \(2,\)"):
        assert_shape(np.zeros(2), (3,), what="g")
    with pytest.raises(AssertionError, match="numpy array"):
        assert_shape([1, 2], (2,), what="g")


def test_call_turns_overflow_into_a_clear_assertion():
    def naive_sigmoid(z):
        return 1 / (1 + np.exp(-z))

    with pytest.raises(AssertionError, match="naive_sigmoid.*floating-point problem.*overflow"):
        call(naive_sigmoid, np.array([-1000.0]), what="naive_sigmoid([-1000])")
    assert call(naive_sigmoid, np.array([0.0]), what="ok") == pytest.approx([0.5])


def test_call_passes_other_errors_through():
    def unfinished(z):
        raise NotImplementedError()

    with pytest.raises(NotImplementedError):
        call(unfinished, 1.0, what="unfinished(1)")


def test_needs_raises_not_implemented_naming_the_missing_variables_and_the_exercise():
    namespace = {"needs": needs, "present": 1}
    exec("needs('present', exercise='f')", namespace)  # nothing missing: no error
    with pytest.raises(NotImplementedError, match=r"'absent', 'gone'.*finish fit_model, then run"):
        exec("needs('present', 'absent', 'gone', exercise='fit_model')", namespace)


def _shown_traceback(func) -> str:
    """The traceback IPython would show for the exception ``func()`` raises, as plain text."""
    from IPython.core.ultratb import AutoFormattedTB

    try:
        func()
    except Exception:  # noqa: BLE001 - any exception is what is formatted
        etype, value, tb = sys.exc_info()
    formatter = AutoFormattedTB(mode="Context", theme_name="nocolor")
    return "\n".join(formatter.structured_traceback(etype, value, tb))


def test_tracebacks_show_the_students_code_and_hide_the_helpers():
    def unfinished(z):
        raise NotImplementedError("sigmoid is not done yet")

    text = _shown_traceback(lambda: call(unfinished, 1.0, what="sigmoid(1.0)"))
    assert "NotImplementedError: sigmoid is not done yet" in text and "unfinished" in text
    assert not re.search(r"coursekit.checks\.py:\d", text) and "skipping hidden" in text
    # IPython always shows the frame an exception is raised in: of the helpers', only that one
    for check, message in [
        (lambda: assert_close(np.ones(2), np.zeros(2), what="f(0)"), "f(0): 2 of 2 entries are wrong"),
        (lambda: needs("no_such_variable_here", exercise="sigmoid"), "finish sigmoid"),
    ]:
        text = _shown_traceback(check)
        assert message in text and len(re.findall(r"coursekit.checks\.py:\d", text)) == 1, text


def test_call_says_the_tests_own_hint_for_a_floating_point_problem():
    def naive(z):
        return 1.0 / (1.0 + np.exp(-z))

    with pytest.raises(AssertionError, match=r"sigmoid\(-1000\) hit a floating-point problem .*only numbers <= 0"):
        call(naive, np.array([-1000.0]), what="sigmoid(-1000)", hint="exponentiate only numbers <= 0")
    with pytest.raises(AssertionError, match=r"Look for exp\(\) of a large number"):
        call(naive, np.array([-1000.0]), what="sigmoid(-1000)")
