"""coursekit._docs.documented: shared docstring sections, checked against the signature."""

from __future__ import annotations

import inspect

import pytest

from coursekit import activations, datasets, derivatives, heteroscedastic_model, init, linear, optim
from coursekit._docs import documented

Z = "z : array_like, any shape\n    Pre-activations."
ALPHA = "alpha : float\n    Slope."


def test_sections_are_appended_in_numpy_style():
    @documented(params=[Z, ALPHA], returns=["ndarray, same shape as ``z``\n    Values."])
    def f(z, alpha=0.1):
        """Summary.

        More text.
        """

    assert f.__doc__ == (
        "Summary.\n\nMore text.\n\nParameters\n----------\nz : array_like, any shape\n    Pre-activations.\n"
        "alpha : float\n    Slope.\n\nReturns\n-------\nndarray, same shape as ``z``\n    Values."
    )


def test_grouped_names_and_methods():
    class C:
        @documented(params=["a, b : float\n    Two numbers."])
        def m(self, a, b):
            """Method."""

    assert "a, b : float" in (C.m.__doc__ or "")


@pytest.mark.parametrize(
    ("params", "signature"),
    [([Z], "z, alpha"), ([Z, ALPHA], "z"), ([ALPHA, Z], "z, alpha")],
)
def test_docs_that_drift_from_the_signature_fail_at_import(params, signature):
    namespace: dict[str, object] = {}
    exec(f"def f({signature}):\n    '''Summary.'''", namespace)
    with pytest.raises(ValueError, match=r"f: the shared docs describe .* the signature has"):
        documented(params=params)(namespace["f"])


def test_a_second_parameters_section_is_refused():
    def f(z):
        """Summary.

        Parameters
        ----------
        z : float
        """

    with pytest.raises(ValueError, match="has its own Parameters section"):
        documented(params=[Z])(f)


def _documented_parameters(doc: str) -> list[str]:
    """The names a numpy-style Parameters section lists (``a, b : float`` gives a and b)."""
    section = doc.split("Parameters\n----------\n", 1)[1]
    names: list[str] = []
    for line in section.split("\n"):
        if not line.strip():
            if names:
                break
            continue
        if not line.startswith(" "):
            names += [n.strip().lstrip("*") for n in line.split(" : ", 1)[0].split(",")]  # **hyper is hyper
    return names


@pytest.mark.parametrize("module", [activations, datasets, derivatives, heteroscedastic_model, init, linear, optim])
def test_every_parameters_section_is_complete(module):
    for name in module.__all__:
        func = getattr(module, name)
        if not inspect.isfunction(func):
            continue
        doc = inspect.getdoc(func) or ""
        if "\nParameters\n" not in doc:  # an internal helper (logistic) documented in prose
            continue
        signature = [p for p in inspect.signature(func).parameters if p not in ("self", "cls")]
        assert _documented_parameters(doc) == signature, name


def test_a_raw_string_entry_is_refused():
    with pytest.raises(ValueError, match="backslash and n"):
        documented(params=[r"z : float\n    A number."])(lambda z: z)
