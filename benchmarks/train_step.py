"""One training step of a 64-256-256-10 MLP with coursekit, against its matrix products alone.

    python benchmarks/train_step.py [--batch 256] [--repeats 200]

A step is: forward through Linear-ReLU-Linear-ReLU-Linear and softmax cross-entropy,
backward through all of it, and an Adam update of every parameter (``coursekit.modules``,
``coursekit.losses`` and ``coursekit.optim.adam_step``, as the notebooks use them). The
baseline is the same step's matrix multiplications and nothing else: three in the forward
pass, and for each layer dW = A^T dZ plus dA = dZ W^T (except for the input).

A third line times the same step written as bare numpy by someone who knows where the time
goes: no input checks, no copies, no Python objects, every elementwise pass fused in place
where numpy allows. It shows how much of the gap is coursekit's (checks, copies, the module
objects) and how much is numpy's own floor (one pass over memory per ufunc; the square root
and division of Adam at the hardware's throughput). All three are timed side by side in this
process, interleaved, and the medians of the repeats are compared. The goal: coursekit's step
takes at most 1.5 times the bare numpy step. (The update rules are written as the notebooks'
model answers, one array per formula; speed is not worth a reference students cannot read.)
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from coursekit.modules import Linear, ReLU, Sequential, SoftmaxCrossEntropy  # noqa: E402
from coursekit.optim import adam_step  # noqa: E402

SIZES = (64, 256, 256, 10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--repeats", type=int, default=200)
    args = parser.parse_args()
    try:
        from threadpoolctl import threadpool_limits

        threadpool_limits(1)  # one BLAS thread for both, as in the notebooks
    except ImportError:
        pass
    rng = np.random.default_rng(0)
    model = Sequential(Linear(64, 256, rng=rng), ReLU(), Linear(256, 256, rng=rng), ReLU(), Linear(256, 10, rng=rng))
    loss = SoftmaxCrossEntropy()
    X = rng.normal(size=(args.batch, SIZES[0]))
    y = rng.integers(0, SIZES[-1], size=args.batch)
    state = [(np.zeros_like(p), np.zeros_like(p)) for p in model.params()]
    t = 0

    def step() -> None:
        nonlocal t, state
        t += 1
        loss.forward(model.forward(X), y)
        model.backward(loss.backward(), input_grad=False)  # weight gradients only, like the baseline
        new, moments = [], []
        for p, g, (m, v) in zip(model.params(), model.grads(), state, strict=True):
            p2, m2, v2 = adam_step(p, g, m, v, t)
            new.append(p2)
            moments.append((m2, v2))
        model.set_params(new)
        state = moments

    Ws = [rng.normal(size=(a, b)) for a, b in zip(SIZES[:-1], SIZES[1:], strict=True)]
    bare = _bare_numpy_step(X, y, rng)

    def matmuls_only() -> None:
        acts = [X]
        for W in Ws:
            acts.append(acts[-1] @ W)
        dz = acts[-1]
        for i in range(len(Ws) - 1, -1, -1):
            _ = acts[i].T @ dz
            if i:
                dz = dz @ Ws[i].T

    for _ in range(10):  # warm up
        step()
        bare()
        matmuls_only()
    full, floor, mm = [], [], []
    for _ in range(args.repeats):
        a = time.perf_counter()
        step()
        b = time.perf_counter()
        bare()
        c = time.perf_counter()
        matmuls_only()
        d = time.perf_counter()
        full.append(b - a)
        floor.append(c - b)
        mm.append(d - c)
    f, fl, m = statistics.median(full), statistics.median(floor), statistics.median(mm)
    print(f"MLP {'-'.join(map(str, SIZES))}, batch {args.batch}, {args.repeats} steps, median times:")
    print(f"  coursekit training step (forward, backward, Adam)  {f * 1e3:8.3f} ms")
    print(f"  the same step in bare, fused numpy                 {fl * 1e3:8.3f} ms")
    print(f"  its matrix multiplications alone                   {m * 1e3:8.3f} ms")
    print(f"  ratio coursekit / bare numpy                       {f / fl:8.2f}   (goal: at most 1.5)")
    print(f"  ratio coursekit / matrix products                  {f / m:8.2f}")
    print(f"  ratio bare numpy / matrix products                 {fl / m:8.2f}   (numpy's floor)")


def _bare_numpy_step(X: np.ndarray, y: np.ndarray, rng: np.random.Generator) -> Callable[[], None]:
    """The benchmark's step without coursekit: the same arithmetic, as few numpy passes as possible."""
    n = X.shape[0]
    ones, rows = np.ones(n), np.arange(n)
    params = []
    for a, b in zip(SIZES[:-1], SIZES[1:], strict=True):
        params += [rng.normal(0.0, np.sqrt(1.0 / a), size=(a, b)), np.zeros(b)]
    moments = [np.zeros_like(p) for p in params] * 2
    t = 0
    b1, b2, lr, eps = 0.9, 0.999, 1e-3, 1e-8

    def step() -> None:
        nonlocal params, moments, t
        t += 1
        W0, c0, W1, c1, W2, c2 = params
        z0 = X @ W0
        z0 += c0
        a0 = np.maximum(z0, 0.0)
        z1 = a0 @ W1
        z1 += c1
        a1 = np.maximum(z1, 0.0)
        z2 = a1 @ W2
        z2 += c2
        z2 -= z2.max(axis=1, keepdims=True)
        d2 = np.exp(z2)
        d2 /= d2.sum(axis=1, keepdims=True)
        d2[rows, y] -= 1.0
        d2 /= n
        d1 = d2 @ W2.T
        d1 *= z1 > 0
        d0 = d1 @ W1.T
        d0 *= z0 > 0
        grads = [X.T @ d0, ones @ d0, a0.T @ d1, ones @ d1, a1.T @ d2, ones @ d2]
        k1, k2 = lr / (1.0 - b1**t), 1.0 / (1.0 - b2**t)
        new, ms, vs = [], [], []
        for p, g, m, v in zip(params, grads, moments[:6], moments[6:], strict=True):
            m_new = g - m
            m_new *= 1.0 - b1
            m_new += m
            v_new = np.square(g)
            v_new -= v
            v_new *= 1.0 - b2
            v_new += v
            w = v_new * k2
            np.sqrt(w, out=w)
            w += eps
            np.divide(m_new, w, out=w)
            w *= k1
            np.subtract(p, w, out=w)
            new.append(w)
            ms.append(m_new)
            vs.append(v_new)
        params, moments = new, ms + vs

    return step


if __name__ == "__main__":
    main()
