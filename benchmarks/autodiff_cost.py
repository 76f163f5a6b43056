"""What a gradient costs in forward and in reverse mode, relative to one evaluation of the function.

Run with ``python benchmarks/autodiff_cost.py`` (about half a minute on an idle machine).

Part 1, f: R^n -> R with f(x) = sum_i sin(x_i) x_(i+1 mod n) (about 3n operations). For
n = 10, 100, 1000, 10000 it prints, measured side by side in this one process, the time of
``grad_reverse`` and of ``grad_forward`` divided by the time of one plain evaluation of f on
floats. Forward mode makes n passes of equal cost; at n = 10000 running all of them would take
minutes, so the script times a subset of the passes (``jvp`` with seed e_i for a few i) and
multiplies by n / (number timed), and says so in the table.

Part 2, the opposite shape g: R -> R^m (a trajectory of m states driven by one parameter): the
whole Jacobian takes one forward pass but m backward sweeps.

Timing: CPU time of this process (``time.process_time``, so other programs on a busy machine
disturb it less than wall-clock time), the best of a few runs, with the garbage collector paused
as ``timeit`` does.
"""

from __future__ import annotations

import argparse
import gc
import math
import time
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

import numpy as np

from coursekit import autodiff as ad


def cyclic_chain(x: Sequence[Any]) -> Any:
    """f(x) = sum_i sin(x_i) x_(i+1), indices modulo n."""
    n = len(x)
    s: Any = 0.0
    for i in range(n):
        s = s + ad.sin(x[i]) * x[(i + 1) % n]
    return s


def trajectory(t: Sequence[Any], m: int) -> list[Any]:
    """States h_1..h_m of h_k = h_(k-1) + 0.1 sin(t h_(k-1)), h_0 = t, for the input tuple t = (t,)."""
    t0 = t[0]
    h, states = t0, []
    for _ in range(m):
        h = h + 0.1 * ad.sin(t0 * h)
        states.append(h)
    return states


def cpu_time(fn: Callable[[], object], repeats: int, min_total: float = 0.02) -> float:
    """CPU seconds of one call of ``fn()``: best of ``repeats`` rounds of at least ``min_total`` seconds."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        best = math.inf
        for _ in range(repeats):
            calls, start = 0, time.process_time()
            while True:
                fn()
                calls += 1
                spent = time.process_time() - start
                if spent >= min_total:
                    break
            best = min(best, spent / calls)
        return best
    finally:
        if was_enabled:
            gc.enable()


def forward_passes_time(n: int, point: np.ndarray, directions: int, repeats: int) -> float:
    """CPU seconds of ``directions`` forward passes (seeds e_i, i spread over 0..n-1)."""
    seeds = np.zeros((directions, n))
    seeds[np.arange(directions), np.linspace(0, n - 1, directions).astype(int)] = 1.0

    def run() -> None:
        for v in seeds:
            ad.jvp(cyclic_chain, point, v)

    return cpu_time(run, repeats, min_total=0.0)


def many_inputs(sizes: Sequence[int], full_forward_up_to: int, directions: int, repeats: int) -> None:
    print("Part 1. f: R^n -> R, f(x) = sum_i sin(x_i) x_(i+1 mod n); times relative to one evaluation of f")
    print(f"{'n':>6} {'eval (ms)':>10} {'reverse/eval':>13} {'forward/eval':>13}   forward mode measured as")
    for n in sizes:
        point = np.linspace(-1.0, 1.0, n)
        floats = tuple(point.tolist())
        t_eval = cpu_time(partial(cyclic_chain, floats), repeats)
        t_reverse = cpu_time(partial(ad.grad_reverse, cyclic_chain, point), repeats)
        if n <= full_forward_up_to:
            t_forward = cpu_time(partial(ad.grad_forward, cyclic_chain, point), 1 if n > 100 else repeats)
            how = f"all {n} passes (grad_forward)"
        else:
            k = min(directions, n)
            t_forward = forward_passes_time(n, point, k, 1) * n / k
            how = f"{k} of {n} passes timed, times {n / k:g} (extrapolated)"
        print(f"{n:6d} {1e3 * t_eval:10.3f} {t_reverse / t_eval:13.1f} {t_forward / t_eval:13.1f}   {how}")
    print("reverse/eval stays roughly constant; forward/eval grows in proportion to n.\n")


def many_outputs(outputs: Sequence[int], repeats: int) -> None:
    print("Part 2. g: R -> R^m, m states of a trajectory driven by one parameter; whole Jacobian (m x 1)")
    print(f"{'m':>6} {'eval (ms)':>10} {'reverse/eval':>13} {'forward/eval':>13}")
    for m in outputs:
        g = partial(trajectory, m=m)
        t_eval = cpu_time(partial(g, (0.8,)), repeats)
        t_forward = cpu_time(partial(ad.jacobian_forward, g, [0.8]), repeats)
        t_reverse = cpu_time(partial(ad.jacobian_reverse, g, [0.8]), 1 if m > 100 else repeats)
        print(f"{m:6d} {1e3 * t_eval:10.3f} {t_reverse / t_eval:13.1f} {t_forward / t_eval:13.1f}")
    print("Now forward mode (one pass) stays constant and reverse mode (one sweep per output) grows with m.")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="runs per measurement; the best counts (default 3)")
    parser.add_argument(
        "--directions",
        type=int,
        default=20,
        help="forward passes timed when n is too large to time all of them (default 20)",
    )
    args = parser.parse_args(argv)
    print("CPU time (time.process_time), best of", args.repeats, "runs, garbage collector paused.\n")
    many_inputs((10, 100, 1000, 10000), full_forward_up_to=1000, directions=args.directions, repeats=args.repeats)
    many_outputs((10, 100, 1000), repeats=args.repeats)


if __name__ == "__main__":
    main()
