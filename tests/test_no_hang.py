"""Nothing hangs make test: a dead kernel and a stuck test both fail fast, with a reason.

Each test runs a child pytest with the project's own configuration (pyproject.toml) on
throwaway files: a notebook whose kernel sends itself SIGILL (what a CPU without
AVX-512 does to a SkylakeX OpenBLAS kernel) beside a healthy one, and a test that never
returns while its fixture holds a child process. Each child run has its own bound, so
these tests fail, rather than hang, when the protection they prove is missing.
"""

import os
import signal
import subprocess
import sys
import time

import nbformat
import psutil
import pytest
from conftest import ROOT
from nbformat.v4 import new_code_cell, new_notebook, new_output

pytestmark = pytest.mark.system  # make test-system
BOUND_SECONDS = 30  # what the issue asks of a dead kernel, kernel start-up included
KERNELSPEC = {"name": "mxnet", "display_name": "Python 3 (mxnet)", "language": "python"}


def run_pytest(folder, *options, bound):
    """(exit code, output, seconds) of the project's pytest on folder; fails if it outlives bound."""
    command = [sys.executable, "-m", "pytest", "-c", str(ROOT / "pyproject.toml"), "--rootdir", str(folder),
               "-q", "--color=no", *options, str(folder)]
    started = time.monotonic()
    run = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                           start_new_session=True)
    try:
        output, _ = run.communicate(timeout=bound)
    except subprocess.TimeoutExpired:
        os.killpg(run.pid, signal.SIGKILL)
        output, _ = run.communicate()
        raise AssertionError(f"pytest still running after {bound} s:\n{output}") from None
    return run.returncode, output, time.monotonic() - started


def write_notebook(path, cells):
    nbformat.write(new_notebook(cells=cells, metadata={"kernelspec": KERNELSPEC}), path)


def kernels_started_in(folder):
    """Processes whose working directory is folder: nbval starts each kernel in its notebook's folder."""
    found = []
    for process in psutil.process_iter(["pid", "cmdline"]):
        try:
            if process.cwd() == str(folder) and process.pid != os.getpid():
                found.append(process.info)
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            pass
    return found


def test_dying_kernel_fails_its_notebook_within_30_s_and_the_others_still_run(tmp_path):
    write_notebook(tmp_path / "dying.ipynb", [
        new_code_cell("import os, signal", execution_count=1),
        new_code_cell("os.kill(os.getpid(), signal.SIGILL)", execution_count=2),
        new_code_cell("print('never printed')", execution_count=3),
    ])
    write_notebook(tmp_path / "healthy.ipynb", [
        new_code_cell("print(1 + 1)", execution_count=1,
                      outputs=[new_output("stream", name="stdout", text="2\n")]),
    ])
    try:
        returncode, output, elapsed = run_pytest(tmp_path, bound=BOUND_SECONDS)
    finally:
        left = kernels_started_in(tmp_path)
        for process in left:
            os.kill(process["pid"], signal.SIGKILL)

    assert returncode == 1, output
    assert "2 failed, 2 passed" in output, output  # dying: cell 0 passes, 1 and 2 fail; healthy passes
    assert "the kernel was killed by signal 4 (SIGILL: Illegal instruction) while running cell 1 of dying.ipynb" in output
    assert "Cell 2: not run: the kernel was killed by signal 4" in output
    assert elapsed < BOUND_SECONDS
    assert left == [], "a kernel was left running"


STUCK_TEST = """
import pathlib, subprocess, time, pytest

@pytest.fixture
def server():
    child = subprocess.Popen(["sleep", "600"])
    pathlib.Path(__file__).with_name("child.pid").write_text(str(child.pid))
    yield child
    child.terminate()
    child.wait()

def test_never_returns(server):
    time.sleep(600)
"""


def test_stuck_test_fails_at_its_time_limit_and_its_fixture_stops_its_child(tmp_path):
    (tmp_path / "test_stuck.py").write_text(STUCK_TEST)
    # The project's limit is 300 s; -o timeout=3 shortens it here, the mechanism being the same.
    returncode, output, _ = run_pytest(tmp_path, "-o", "timeout=3", bound=60)
    assert returncode == 1 and "Failed: Timeout (>3.0s) from pytest-timeout" in output, output
    child = int((tmp_path / "child.pid").read_text())
    assert not psutil.pid_exists(child) or psutil.Process(child).status() == psutil.STATUS_ZOMBIE
