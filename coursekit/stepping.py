"""Calling an update rule with its state: what :func:`coursekit.training.train_mlp` and
:func:`coursekit.landscapes.run_optimizer` share.

An update rule of :mod:`coursekit.optim` takes ``(w, dw, *state[, t], **hyper)`` and returns the new
weights, or the new weights and the new state; :func:`initial_state` makes the state and
:func:`call_step` makes one call, with an explanation when the rule does not fit. Both are
re-exported by :mod:`coursekit.optim`.
"""

from __future__ import annotations

from collections.abc import Callable
from numbers import Integral
from typing import Any

import numpy as np

from coursekit._validate import FloatArray, check_like

__all__ = ["call_step", "initial_state"]


def call_step(
    step_fn: Callable[..., Any],
    w: FloatArray,
    dw: FloatArray,
    s: tuple[FloatArray, ...],
    t: int | None,
    hyper: dict[str, Any],
    func: str,
) -> tuple[Any, tuple[FloatArray, ...]]:
    """One call of an update rule with the calling conventions of :func:`coursekit.landscapes.run_optimizer`.

    Returns the new weights (unchecked) and the new state; raises with an explanation when the
    rule's signature or return value does not fit ``state`` / ``pass_t``.
    """
    extra = () if t is None else (t,)
    try:
        out = step_fn(w, dw, *s, *extra, **hyper)
    except TypeError as exc:
        names = ["w", "dw"] + [f"state{i}" for i in range(len(s))] + ["t"] * len(extra)
        shown = ", ".join(names + [f"{k}=..." for k in hyper])
        raise TypeError(
            f"{func}: calling step_fn({shown}) failed ({exc}). Pass "
            f"state=<number of state arrays> (momentum and adadelta: 1, adam: 2) and, "
            f"for Adam, pass_t=True"
        ) from exc
    if s:
        if not isinstance(out, tuple) or len(out) != len(s) + 1:
            got = f"a tuple of length {len(out)}" if isinstance(out, tuple) else type(out).__name__
            raise ValueError(f"{func}: step_fn must return (w, {len(s)} state array(s)) when state={len(s)}, got {got}")
        return out[0], tuple(np.asarray(x, dtype=np.float64) for x in out[1:])
    if isinstance(out, tuple):
        raise ValueError(
            f"{func}: step_fn returned a tuple of {len(out)}; if it keeps state, "
            f"pass state=<number of state arrays> (momentum: 1, adam: 2)"
        )
    return out, s


def initial_state(state: Any, w: FloatArray, func: str) -> tuple[FloatArray, ...]:
    """``state`` (a count or a tuple of arrays) as a tuple of float arrays of ``w``'s shape."""
    if isinstance(state, Integral) and not isinstance(state, bool):
        if state < 0:
            raise ValueError(f"{func}: argument 'state' must be a count >= 0 or a tuple of arrays, got {state}")
        return tuple(np.zeros_like(w) for _ in range(int(state)))
    if isinstance(state, tuple | list):
        return tuple(check_like(x, f"state[{i}]", w, func).copy() for i, x in enumerate(state))
    raise TypeError(f"{func}: argument 'state' must be an int or a tuple of arrays, got {type(state).__name__}")
