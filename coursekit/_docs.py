"""Numpy-style docstring sections that several functions share, written once.

Many functions of the course take the same arguments (every activation takes ``z``, every
initialiser ``fan_in, fan_out, rng``, every automatic-differentiation driver ``f, x``). Their
``Parameters`` and ``Returns`` sections are written once, as module constants, and attached with
:func:`documented`; the function's own docstring keeps what is particular to it. ``help()`` and
the notebooks' ``?`` show the whole docstring.

Examples
--------
>>> Z = "z : array_like, any shape\\n    Pre-activations."
>>> @documented(params=[Z], returns="ndarray, same shape as ``z``")
... def relu(z):
...     '''Rectified linear unit, elementwise.'''
>>> print(relu.__doc__)
Rectified linear unit, elementwise.
<BLANKLINE>
Parameters
----------
z : array_like, any shape
    Pre-activations.
<BLANKLINE>
Returns
-------
ndarray, same shape as ``z``
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Sequence
from typing import TypeVar

__all__ = ["documented"]

F = TypeVar("F", bound=Callable[..., object])

_FIRST_SECTION = re.compile(r"\n\n[A-Z][A-Za-z ]*\n-{3,}\n")


def _names(entry: str) -> list[str]:
    """The parameter names an entry documents: ``"a, b : float\\n    ..."`` gives ``["a", "b"]``."""
    head = entry.split("\n", 1)[0]
    return [name.strip() for name in head.split(" : ", 1)[0].split(",")]


def _section(title: str, entries: Sequence[str]) -> str:
    return "\n".join([title, "-" * len(title), *(entry.strip("\n") for entry in entries)])


def documented(*, params: Sequence[str] = (), returns: str | Sequence[str] = ()) -> Callable[[F], F]:
    """Add a ``Parameters`` and a ``Returns`` section to the decorated function's docstring.

    Parameters
    ----------
    params : sequence of str
        One numpy-style entry per parameter (or group of parameters, ``"a, b : float"``), in
        the order of the signature; a description line is indented by four spaces.
    returns : str or sequence of str
        The ``Returns`` entries.

    Raises
    ------
    ValueError
        At import time, when the entries do not name exactly the function's parameters (``self``
        and ``cls`` excepted) in order, or the docstring already has a section it is given: the
        documentation cannot drift from the signature. The docstring's own sections (``Returns``,
        ``Notes``, ...) follow the shared ones.
    """
    entries = [returns] if isinstance(returns, str) else list(returns)

    def decorate(func: F) -> F:
        name = getattr(func, "__qualname__", repr(func))
        documented_names = [n for entry in params for n in _names(entry)]
        signature = [p for p in inspect.signature(func).parameters if p not in ("self", "cls")]
        if any("\\n" in entry for entry in [*params, *entries]):
            raise ValueError(f"{name}: a shared entry holds a backslash and n, not a newline (a raw string?)")
        if params and documented_names != signature:
            raise ValueError(f"{name}: the shared docs describe {documented_names}, the signature has {signature}")
        doc = inspect.cleandoc(func.__doc__ or "")
        for title, given in (("Parameters", params), ("Returns", entries)):
            if given and f"\n{title}\n{'-' * len(title)}" in doc:
                raise ValueError(f"{name}: the docstring has its own {title} section as well as shared ones")
        shared = [_section(title, given) for title, given in (("Parameters", params), ("Returns", entries)) if given]
        # The shared sections go before the docstring's own (Returns, Notes, ...), as numpydoc orders them.
        first = _FIRST_SECTION.search(doc)
        head, own = (doc[: first.start()], doc[first.start() + 2 :]) if first else (doc, "")
        func.__doc__ = "\n\n".join([head.rstrip(), *shared, *([own] if own else [])])
        return func

    return decorate
