"""A second floating-point configuration of this machine, for the portability pass of ``make test``.

numpy picks SIMD code for ``exp``, ``tanh``, ``log``, sums ... at run time from the CPU's feature
groups (``X86_V3`` = AVX2, ``X86_V4`` = AVX-512 on x86-64; ``ASIMD...``/``SVE`` on ARM), and OpenBLAS
picks a matrix kernel by CPU type. Each choice rounds differently in the last bits, so a result that
depends on those bits passes on one machine and fails on another. The portability pass runs the
numerical tests and every solution notebook once more with:

- ``NPY_DISABLE_CPU_FEATURES``: the highest level of numpy's dispatched groups that this CPU has
  (``X86_V4`` on an AVX-512 machine, ``X86_V3`` on an AVX2 one, the last group elsewhere), together
  with every dispatched group after it, which build on it;
- ``OPENBLAS_CORETYPE``: on x86-64 ``Prescott`` (SSE3 kernels), or ``Nehalem`` if this machine already
  runs Prescott; on ARM ``ARMV8`` (generic kernels), or ``NeoverseN1`` if it already runs those.

``python tests/fp_config.py COMMAND ...`` runs COMMAND under it (the Makefile's ``test-portability``);
with no command it prints the configuration.
With ``COURSEKIT_FP_PASS`` set, ``tests/test_fp_config.py`` checks that the configuration is in force.
"""

from __future__ import annotations

import os
import platform

#: x86-64 micro-architecture levels, highest first: the group whose loss changes most of numpy's code paths.
X86_LEVELS = ("X86_V4", "X86_V3")


def _numpy_features() -> tuple[list[str], dict[str, bool]]:
    """numpy's dispatched groups (in its order) and which features this CPU has, as numpy sees them."""
    from numpy._core._multiarray_umath import __cpu_dispatch__, __cpu_features__

    return list(__cpu_dispatch__), dict(__cpu_features__)


def groups_to_disable(dispatch: list[str], available: dict[str, bool]) -> list[str]:
    """The dispatched groups to turn off: the highest level this CPU has and every group after it.

    Parameters
    ----------
    dispatch : list of str
        numpy's dispatched groups, in numpy's order (lowest first).
    available : dict of str to bool
        Which features this CPU has (numpy's ``__cpu_features__``).
    """
    usable = [g for g in dispatch if available.get(g)]
    if not usable:
        return []
    level = next((g for g in X86_LEVELS if g in usable), usable[-1])
    return usable[usable.index(level) :]


def other_coretype(current: str | None, machine: str) -> str:
    """An OpenBLAS kernel other than ``current`` that every CPU of this architecture can run."""
    first, second = ("ARMV8", "NeoverseN1") if machine.lower() in ("aarch64", "arm64") else ("Prescott", "Nehalem")
    return second if (current or "").lower() == first.lower() else first


def openblas_kernels() -> list[str]:
    """The kernels OpenBLAS runs in this process (lower case), as threadpoolctl reports them."""
    import numpy  # noqa: F401  (loads numpy's OpenBLAS, so that threadpoolctl sees it)
    from threadpoolctl import threadpool_info

    return [str(i.get("architecture", "")).lower() for i in threadpool_info() if i.get("internal_api") == "openblas"]


def second_configuration() -> dict[str, str]:
    """Environment variables that select the second floating-point configuration.

    ``COURSEKIT_FP_PASS`` holds the OpenBLAS kernel of the first configuration, so that the pass
    can check that it runs another one.
    """
    dispatch, available = _numpy_features()
    env = {
        "OPENBLAS_CORETYPE": other_coretype(os.environ.get("OPENBLAS_CORETYPE"), platform.machine()),
        "COURSEKIT_FP_PASS": ",".join(openblas_kernels()) or "unknown",
    }
    disabled = groups_to_disable(dispatch, available)
    if disabled:
        env["NPY_DISABLE_CPU_FEATURES"] = " ".join(disabled)
    return env


if __name__ == "__main__":
    import sys

    config = second_configuration()
    print("portability pass: " + ", ".join(f"{k}={v!r}" for k, v in config.items()), flush=True)
    if len(sys.argv) > 1:
        os.execvpe(sys.argv[1], sys.argv[1:], {**os.environ, **config})
