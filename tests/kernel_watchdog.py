"""pytest plugin: a notebook whose kernel dies fails at once instead of hanging nbval.

nbval 0.11 waits for a cell's reply for up to `--nbval-cell-timeout` seconds and never
asks whether the kernel process is still there. A kernel killed in the middle of a cell
(an instruction the CPU lacks, the out-of-memory killer, a segfault in native code)
sends no reply, so the run hangs. This plugin makes nbval's waits poll the kernel
process once a second: when it has died, the cell fails with the notebook, the cell and
how the process ended, the notebook's later cells fail without running, and the other
notebooks go on. Loaded for every run by `-p kernel_watchdog` in pyproject.toml.
"""

import signal
import time
from queue import Empty

from nbval.kernel import RunningKernel
from nbval.plugin import IPyNbFile, IPyNbCell, NbCellError

POLL_SECONDS = 1.0


class KernelDied(RuntimeError):
    """The notebook's kernel process ended while nbval was waiting for it."""


def describe_exit(returncode: int | None) -> str:
    """How a process ended, from its Popen return code (negative: killed by a signal)."""
    if returncode is None:
        return "the kernel process is gone"
    if returncode < 0:
        number = -returncode
        try:
            name = signal.Signals(number).name
        except ValueError:
            return f"the kernel was killed by signal {number}"
        return f"the kernel was killed by signal {number} ({name}: {signal.strsignal(number)})"
    return f"the kernel exited with code {returncode}"


def kernel_exit(kernel: RunningKernel) -> str:
    process = getattr(kernel.km.provisioner, "process", None)
    return describe_exit(process.returncode if process is not None else None)


_get_message = RunningKernel.get_message
_runtest = IPyNbCell.runtest
_teardown = IPyNbFile.teardown


def get_message(self: RunningKernel, stream: str, timeout: float | None = None):
    """nbval's wait for a kernel message, in slices, checking the process between them."""
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        wait = POLL_SECONDS if deadline is None else max(0.0, min(POLL_SECONDS, deadline - time.monotonic()))
        try:
            return _get_message(self, stream, timeout=wait)
        except Empty:
            if not self.km.is_alive():
                raise KernelDied(kernel_exit(self)) from None
            if deadline is not None and time.monotonic() >= deadline:
                raise


def runtest(self: IPyNbCell) -> None:
    """Run the cell; name the cell when its kernel dies, and do not run cells after a death."""
    notebook = self.parent
    if getattr(notebook, "kernel_death", None):
        raise NbCellError(self.cell_num, f"not run: {notebook.kernel_death}", self.cell.source)
    try:
        _runtest(self)
    except KernelDied as died:
        notebook.kernel_death = f"{died} while running cell {self.cell_num} of {notebook.path.name}"
        raise NbCellError(self.cell_num, notebook.kernel_death, self.cell.source) from None


def teardown(self: IPyNbFile) -> None:
    """nbval stops only a live kernel; also close the channels and files of a dead one."""
    if self.kernel is not None and hasattr(self.kernel, "km") and not self.kernel.is_alive():
        self.kernel.stop()
    _teardown(self)


RunningKernel.get_message = get_message
IPyNbCell.runtest = runtest
IPyNbFile.teardown = teardown
