"""Independent references shared by the unit tests (imported as ``from helpers import ...``)."""

import numpy as np


def central_diff(f, x, h=1e-6):
    """Central-difference gradient of a scalar function ``f`` of an array, evaluated at a copy of ``x``."""
    x = np.array(x, dtype=np.float64)
    g = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        xp = x.copy()
        xm = x.copy()
        xp[idx] += h
        xm[idx] -= h
        g[idx] = (f(xp) - f(xm)) / (2 * h)
    return g


def readonly(a):
    """A float64 copy of ``a`` that raises if anything writes to it (catches in-place mutation)."""
    a = np.array(a, dtype=np.float64)
    a.setflags(write=False)
    return a
