"""The portability pass (``make test-portability``) really runs under its second configuration."""

import os

import pytest

from tests.fp_config import groups_to_disable, openblas_kernels, other_coretype

FIRST_KERNELS = os.environ.get("COURSEKIT_FP_PASS", "")


def test_the_highest_x86_level_and_what_builds_on_it_are_disabled():
    dispatch = ["X86_V3", "X86_V4", "AVX512_ICL", "AVX512_SPR"]
    avx512 = {"X86_V3": True, "X86_V4": True, "AVX512_ICL": True, "AVX512_SPR": False}
    assert groups_to_disable(dispatch, avx512) == ["X86_V4", "AVX512_ICL"]
    assert groups_to_disable(dispatch, {"X86_V3": True}) == ["X86_V3"]
    assert groups_to_disable(dispatch, {}) == []


def test_elsewhere_the_last_group_this_cpu_has_is_disabled():
    dispatch = ["ASIMDHP", "ASIMDDP", "ASIMDFHM", "SVE"]
    assert groups_to_disable(dispatch, {"ASIMDHP": True, "ASIMDDP": True}) == ["ASIMDDP"]


def test_the_second_openblas_kernel_differs_from_the_first():
    assert other_coretype("Haswell", "x86_64") == "Prescott"
    assert other_coretype(None, "x86_64") == "Prescott"
    assert other_coretype("prescott", "x86_64") == "Nehalem"
    assert other_coretype("NeoverseN1", "aarch64") == "ARMV8"


@pytest.mark.skipif(not FIRST_KERNELS, reason="only in the portability pass (make test-portability)")
def test_the_second_configuration_is_in_force():
    from numpy._core._multiarray_umath import __cpu_features__

    disabled = os.environ.get("NPY_DISABLE_CPU_FEATURES", "").split()
    assert not [g for g in disabled if __cpu_features__.get(g)], f"numpy still dispatches {disabled}"
    kernels = ",".join(openblas_kernels())
    assert kernels != FIRST_KERNELS, f"OpenBLAS still runs {kernels} (OPENBLAS_CORETYPE ignored?)"
