"""make test-cpus runs only the OpenBLAS kernels whose instructions the CPU has, then once with
NumPy's SIMD dispatch off."""

import shutil

import pytest
from cpu_kernels import cpu_flags, main, missing_flags, numpy_dispatch, plan

CPUS = ["Prescott", "Haswell", "SkylakeX"]  # the Makefile's default


def cpuinfo(flags: str) -> str:
    """A /proc/cpuinfo text of two processors, as Linux writes it."""
    block = f"processor\t: {{n}}\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC\nflags\t\t: {flags}\n\n"
    return block.format(n=0) + block.format(n=1)


AVX512 = "fpu sse sse2 pni ssse3 fma sse4_1 sse4_2 avx avx2 avx512f avx512dq avx512bw avx512vl"
EPYC = "fpu sse sse2 pni ssse3 fma sse4_1 sse4_2 avx avx2 sha_ni"
SANDYBRIDGE = "fpu sse sse2 pni ssse3 sse4_1 sse4_2 avx"
NEHALEM = "fpu sse sse2 pni ssse3 sse4_1 sse4_2"


def test_flags_are_read_from_the_flags_line():
    assert {"pni", "avx2", "avx512f"} <= cpu_flags(cpuinfo(AVX512))
    assert cpu_flags("processor\t: 0\n") == set()


def test_cpu_with_avx512_runs_all_three_kernels():
    assert plan(CPUS, cpu_flags(cpuinfo(AVX512))) == (CPUS, {})


def test_cpu_without_avx512_skips_skylakex_only():
    assert plan(CPUS, cpu_flags(cpuinfo(EPYC))) == (["Prescott", "Haswell"], {"SkylakeX": ["avx512f"]})


def test_cpu_without_avx2_and_fma_runs_prescott_only():
    run, skipped = plan(CPUS, cpu_flags(cpuinfo(SANDYBRIDGE)))
    assert run == ["Prescott"]
    assert skipped == {"Haswell": ["avx2", "fma"], "SkylakeX": ["avx512f"]}


def test_haswell_needs_fma_as_well_as_avx2():
    assert missing_flags("Haswell", cpu_flags(cpuinfo(NEHALEM + " avx avx2"))) == ["fma"]


def test_sse3_is_read_under_its_cpuinfo_name_pni():
    assert missing_flags("Prescott", cpu_flags(cpuinfo(NEHALEM))) == []
    assert missing_flags("Prescott", cpu_flags(cpuinfo("fpu sse sse2"))) == ["pni"]


def test_unknown_kernel_name_is_an_error_that_lists_the_known_ones():
    with pytest.raises(ValueError, match="unknown OpenBLAS kernel 'Skylake'.*SkylakeX"):
        missing_flags("Skylake", set())


def test_without_avx512_it_says_what_it_skipped_and_ran_and_passes(tmp_path, capsys):
    (tmp_path / "cpuinfo").write_text(cpuinfo(EPYC))
    assert main(shutil.which("true"), "2", CPUS, tmp_path / "cpuinfo") == 0
    out = capsys.readouterr().out
    assert "== skip OPENBLAS_CORETYPE=SkylakeX: this CPU lacks avx512f" in out
    assert "== OPENBLAS_CORETYPE=Prescott (without FMA)" in out and "== OPENBLAS_CORETYPE=Haswell (with FMA)" in out
    assert "outputs agree under Prescott, Haswell (kernels with and without FMA), and with NumPy's SIMD dispatch off" in out


def test_with_one_family_left_it_says_the_comparison_could_not_be_made(tmp_path, capsys):
    (tmp_path / "cpuinfo").write_text(cpuinfo(SANDYBRIDGE))
    assert main(shutil.which("true"), "2", CPUS, tmp_path / "cpuinfo") == 0
    assert "could not be made on this CPU" in capsys.readouterr().out


def test_a_failing_kernel_run_fails_make_test_cpus(tmp_path, capsys):
    (tmp_path / "cpuinfo").write_text(cpuinfo(AVX512))
    assert main(shutil.which("false"), "2", CPUS, tmp_path / "cpuinfo") == 1
    assert "differ or fail under OPENBLAS_CORETYPE=Prescott" in capsys.readouterr().err


def test_the_last_run_turns_off_every_feature_numpy_dispatches_to_here(tmp_path, capsys):
    """The stub pytest fails only when NumPy's dispatch is off, so make test-cpus must fail, and say why."""
    (tmp_path / "cpuinfo").write_text(cpuinfo(EPYC))
    stub = tmp_path / "pytest"
    stub.write_text('#!/bin/sh\n[ -z "$NPY_DISABLE_CPU_FEATURES" ]\n')
    stub.chmod(0o755)
    assert main(str(stub), "2", CPUS, tmp_path / "cpuinfo") == 1
    captured = capsys.readouterr()
    assert f'== NumPy\'s SIMD dispatch off: NPY_DISABLE_CPU_FEATURES="{" ".join(numpy_dispatch())}"' in captured.out
    assert "differ or fail with NumPy's SIMD dispatch off" in captured.err


def test_with_those_features_disabled_numpy_dispatches_to_none_of_its_own(monkeypatch):
    monkeypatch.setenv("NPY_DISABLE_CPU_FEATURES", " ".join(numpy_dispatch()))
    assert numpy_dispatch() == []
