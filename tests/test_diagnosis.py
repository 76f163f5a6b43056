"""coursekit.diagnosis: matching a function's behaviour against known wrong variants."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from coursekit.diagnosis import ExerciseDiagnosis, Misconception, args, match, variant


def _square(x):
    return np.asarray(x, dtype=float) ** 2


def _spec(*misconceptions, probes=None):
    return ExerciseDiagnosis(
        reference=_square, probes=probes or [args(np.array([1.0, -2.0, 3.0]))], misconceptions=list(misconceptions)
    )


TWICE = Misconception("twice", "doubles", "you doubled x instead of squaring it", lambda x: 2 * np.asarray(x))
ABS = Misconception("abs", "absolute value", "you took |x|", lambda x: np.abs(np.asarray(x, dtype=float)))
RAISES = Misconception("raises", "raises", "it raises on arrays", lambda x: float(x))


def test_the_reference_and_a_different_correct_answer_are_not_diagnosed():
    spec = _spec(TWICE, ABS)
    assert match(spec, _square) is None
    assert match(spec, lambda x: np.multiply(x, x)) is None  # written differently, same behaviour


def test_a_mistake_written_differently_is_recognised_by_its_behaviour():
    def doubled(x):
        out = []
        for v in x:
            out.append(v + v)
        return np.array(out)

    assert match(_spec(TWICE, ABS), doubled) is TWICE


def test_an_unknown_mistake_is_not_diagnosed():
    assert match(_spec(TWICE, ABS), lambda x: np.asarray(x) ** 3) is None


def test_two_variants_that_cannot_be_told_apart_are_not_diagnosed():
    # on the probe [1, 2] doubling and squaring... differ, but doubling and x + x never do
    plus = Misconception("plus", "adds x to itself", "you added x to itself", lambda x: np.asarray(x) + np.asarray(x))
    assert match(_spec(TWICE, plus), lambda x: 2.0 * np.asarray(x)) is None
    same_title = Misconception("plus", "doubles", "you doubled x", lambda x: np.asarray(x) + np.asarray(x))
    assert match(_spec(TWICE, same_title), lambda x: 2.0 * np.asarray(x)) in (TWICE, same_title)


def test_an_exception_is_an_observation_matched_by_its_type():
    assert match(_spec(RAISES), lambda x: float(x)) is RAISES
    assert match(_spec(RAISES), lambda x: int(x)) is RAISES  # TypeError too
    assert match(_spec(RAISES), lambda x: x[10]) is None  # IndexError: another behaviour


def test_changing_an_input_in_place_is_behaviour():
    def in_place(x):
        x **= 2
        return x

    inplace = Misconception("inplace", "in place", "you changed x in place", in_place)
    assert match(_spec(inplace), in_place) is inplace
    assert match(_spec(inplace), _square) is None


def test_probes_are_quiet_whatever_the_student_prints_or_warns(capsys):
    def noisy(x):
        print("debugging")
        warnings.warn("careful", stacklevel=1)
        return 2 * np.asarray(x)

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert match(_spec(TWICE), noisy) is TWICE
    assert capsys.readouterr() == ("", "")


@pytest.mark.parametrize(
    ("draws", "expected"), [(lambda rng: rng.random(3), True), (lambda rng: rng.random(4)[:3], False)]
)
def test_a_generator_argument_is_compared_by_what_was_drawn_from_it(draws, expected):
    spec = ExerciseDiagnosis(
        reference=lambda rng: rng.normal(size=3),
        probes=[args(np.random.default_rng(0))],
        misconceptions=[Misconception("uniform", "uniform", "you drew uniform numbers", lambda rng: rng.random(3))],
    )
    assert (match(spec, draws) is not None) is expected


def test_strings_compare_by_value():
    spec = ExerciseDiagnosis(
        reference=lambda s: s.upper(),
        probes=[args("abc")],
        misconceptions=[Misconception("lower", "lower", "you lowered it", lambda s: s.lower())],
    )
    assert match(spec, lambda s: "".join(c for c in s.lower())) is not None
    assert match(spec, lambda s: s.upper()) is None


def test_a_floating_point_overflow_is_an_observation_not_a_warning(capsys):
    # 1 / (1 + exp(-z)) is right at z = -1000 (0.0) but overflows on the way: like checks.call, the
    # probe observes the overflow, so the unstable formula is told apart from a stable one
    def naive(z):
        return 1.0 / (1.0 + np.exp(-np.asarray(z, dtype=float)))

    spec = ExerciseDiagnosis(
        reference=lambda z: np.exp(-np.logaddexp(0.0, -np.asarray(z, dtype=float))),
        probes=[args(np.array([-1000.0, 0.0]))],
        misconceptions=[Misconception("naive", "overflows", "exp overflows", naive)],
    )
    assert match(spec, naive) is spec.misconceptions[0]
    assert match(spec, spec.reference) is None
    assert capsys.readouterr() == ("", "")


def test_an_unfinished_exercise_is_not_diagnosed():
    def unfinished(x):
        raise NotImplementedError()

    assert match(_spec(TWICE, ABS, RAISES), unfinished) is None


def test_texts_are_joined_to_variants_by_key():
    from coursekit.misconceptions import _with_texts

    spec = _spec(variant("twice", lambda x: 2 * np.asarray(x)))
    filled = _with_texts(spec, {"twice": {"title": "doubles", "message": "you doubled x"}}, "t.toml", "square")
    assert [(m.key, m.title, m.message) for m in filled.misconceptions] == [("twice", "doubles", "you doubled x")]
    assert match(filled, lambda x: 2 * np.asarray(x)).message == "you doubled x"


@pytest.mark.parametrize(
    "texts",
    [
        {},  # a variant without texts
        {"twice": {"title": "doubles", "message": "m"}, "abs": {"title": "t", "message": "m"}},  # texts, no variant
        {"twice": {"title": "doubles"}},  # no message
        {"twice": {"title": "doubles", "message": "  "}},  # an empty message
    ],
)
def test_texts_and_variants_must_agree(texts):
    from coursekit.misconceptions import _with_texts

    spec = _spec(variant("twice", lambda x: 2 * np.asarray(x)))
    with pytest.raises(RuntimeError, match=r"t\.toml \[square"):
        _with_texts(spec, texts, "t.toml", "square")


def test_every_course_misconception_has_its_texts():
    from coursekit.misconceptions import all_specs

    specs = all_specs()
    assert len(specs) >= 60
    for name, spec in specs.items():
        for m in spec.misconceptions:
            assert m.title and m.message.rstrip().endswith((".", ")")), (name, m.key)
