"""make test-cpus: re-run the notebooks with nbval under each OpenBLAS kernel the CPU can execute,
then once more with NumPy's own SIMD dispatch turned off.

OpenBLAS (inside mxnet 1.9.1) picks its matrix kernels by CPU; OPENBLAS_CORETYPE forces
one. Kernels with fused multiply-add round differently in the last float32 digit from
those without, and the stored outputs must not depend on which one ran. A kernel whose
instructions the CPU lacks dies of SIGILL, so each name in CPUS is first checked against
the CPU's flags (/proc/cpuinfo) and skipped, with the missing flag, when it cannot run.

NumPy, too, picks code paths by CPU (its float32 log, for one, is its own SIMD code on a CPU
with AVX2 and FMA3 or with AVX-512F, and the C library's logf elsewhere). The last run sets
NPY_DISABLE_CPU_FEATURES to every feature NumPy dispatches to on this CPU, so NumPy runs its
baseline code, as on a CPU without them: a claim that holds only on NumPy's vector paths fails.

Usage: cpu_kernels.py PYTEST JOBS CORE...   (the Makefile passes .venv/bin/pytest, JOBS, CPUS)
"""

import os
import subprocess
import sys
from pathlib import Path

# What each OpenBLAS kernel needs, as /proc/cpuinfo names the flags (SSE3 is "pni"),
# and whether it uses fused multiply-add.
KERNELS = {
    "Prescott": ({"pni"}, False),
    "Sandybridge": ({"avx"}, False),
    "Haswell": ({"avx2", "fma"}, True),
    "Zen": ({"avx2", "fma"}, True),
    "SkylakeX": ({"avx512f"}, True),
}
FLAG_NAMES = {"pni": "sse3 (pni)"}


def cpu_flags(cpuinfo: str) -> set[str]:
    """The flags of the first processor listed in a /proc/cpuinfo text."""
    for line in cpuinfo.splitlines():
        key, _, value = line.partition(":")
        if key.strip() == "flags":
            return set(value.split())
    return set()


def missing_flags(core: str, flags: set[str]) -> list[str]:
    """The flags that kernel `core` needs and the CPU lacks (empty: it can run)."""
    if core not in KERNELS:
        raise ValueError(f"unknown OpenBLAS kernel {core!r} in CPUS; known here: {', '.join(KERNELS)}")
    return sorted(KERNELS[core][0] - flags)


def plan(cores: list[str], flags: set[str]) -> tuple[list[str], dict[str, list[str]]]:
    """(kernels to run, {kernel skipped: flags it lacks}) for the names in CPUS."""
    lacking = {core: missing_flags(core, flags) for core in cores}
    return [core for core in cores if not lacking[core]], {core: m for core, m in lacking.items() if m}


def numpy_dispatch() -> list[str]:
    """The CPU features beyond its baseline that NumPy dispatches to on this CPU."""
    code = ("from numpy.core._multiarray_umath import __cpu_dispatch__, __cpu_features__\n"
            "print(' '.join(f for f in __cpu_dispatch__ if __cpu_features__.get(f)))")
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                          timeout=120).stdout.split()


def main(pytest: str, jobs: str, cores: list[str], cpuinfo: Path = Path("/proc/cpuinfo")) -> int:
    try:
        flags = cpu_flags(cpuinfo.read_text())
        run, skipped = plan(cores, flags)
    except (OSError, ValueError) as error:
        print(f"error: make test-cpus: {error}", file=sys.stderr)
        return 2
    for core, lacking in skipped.items():
        print(f"== skip OPENBLAS_CORETYPE={core}: this CPU lacks {', '.join(FLAG_NAMES.get(f, f) for f in lacking)}")
    for core in run:
        print(f"== OPENBLAS_CORETYPE={core} ({'with' if KERNELS[core][1] else 'without'} FMA)", flush=True)
        result = subprocess.run([pytest, "-n", jobs, "-q", "notebooks"], env=dict(os.environ, OPENBLAS_CORETYPE=core))
        if result.returncode != 0:
            print(f"error: the notebooks' outputs differ or fail under OPENBLAS_CORETYPE={core}", file=sys.stderr)
            return result.returncode
    features = numpy_dispatch()
    print(f"== NumPy's SIMD dispatch off: NPY_DISABLE_CPU_FEATURES=\"{' '.join(features)}\"", flush=True)
    result = subprocess.run([pytest, "-n", jobs, "-q", "notebooks"],
                            env=dict(os.environ, NPY_DISABLE_CPU_FEATURES=" ".join(features)))
    if result.returncode != 0:
        print("error: the notebooks' outputs differ or fail with NumPy's SIMD dispatch off", file=sys.stderr)
        return result.returncode
    families = {KERNELS[core][1] for core in run}
    if families == {True, False}:
        print(f"test-cpus: outputs agree under {', '.join(run)} (kernels with and without FMA), "
              "and with NumPy's SIMD dispatch off")
    else:
        print(f"test-cpus: ran {', '.join(run) or 'no kernel'}; the comparison between kernels with and "
              "without FMA could not be made on this CPU (it needs one of each), so it is not claimed; "
              "outputs agree with NumPy's SIMD dispatch off")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2], sys.argv[3:]))
