"""One training step of a 64-256-256-10 MLP with coursekit, against its matrix products alone.

    python benchmarks/train_step.py [--batch 256] [--repeats 200]

A step is: forward through Linear-ReLU-Linear-ReLU-Linear and softmax cross-entropy,
backward through all of it, and an Adam update of every parameter (``coursekit.modules``,
``coursekit.losses`` and ``coursekit.optim.adam_step``, as the notebooks use them). The
baseline is the same step's matrix multiplications and nothing else: three in the forward
pass, and for each layer dW = A^T dZ plus dA = dZ W^T (except for the input). Both are timed
side by side in this process, interleaved, and the median of the repeats is compared. The
goal is a ratio below 1.3.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
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
        model.backward(loss.backward())
        new, moments = [], []
        for p, g, (m, v) in zip(model.params(), model.grads(), state, strict=True):
            p2, m2, v2 = adam_step(p, g, m, v, t)
            new.append(p2)
            moments.append((m2, v2))
        model.set_params(new)
        state = moments

    Ws = [rng.normal(size=(a, b)) for a, b in zip(SIZES[:-1], SIZES[1:], strict=True)]

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
        matmuls_only()
    full, mm = [], []
    for _ in range(args.repeats):
        a = time.perf_counter()
        step()
        b = time.perf_counter()
        matmuls_only()
        c = time.perf_counter()
        full.append(b - a)
        mm.append(c - b)
    f, m = statistics.median(full), statistics.median(mm)
    print(f"MLP {'-'.join(map(str, SIZES))}, batch {args.batch}, {args.repeats} steps, median times:")
    print(f"  training step (forward, backward, Adam)  {f * 1e3:8.3f} ms")
    print(f"  its matrix multiplications alone          {m * 1e3:8.3f} ms")
    print(f"  ratio                                     {f / m:8.2f}   (goal: below 1.3)")


if __name__ == "__main__":
    main()
