"""The notebooks survive what learners do: Run All twice, each cell twice, a reconnect between cells.

Each test runs one notebook in a fresh kernel of the project ("mxnet") with nbclient, the
way JupyterLab sends cells, and fails on any cell that raises (nbclient's
CellExecutionError names the cell and shows its traceback):

- Run All, then Run All again in the same kernel with a new client connecting to the kernel
  before every cell (kernel_info, as a page reload in JupyterLab does); the second run must
  print what the stored notebook shows (every notebook seeds at its top, and a reconnect
  must not move anything);
- every code cell run twice in a row, top to bottom; no cell may raise and no verdict listed
  in tests/notebook_claims.txt may print otherwise than it claims.

Outputs are compared as nbval compares them (ci/nbval-sanitize.cfg, text only, cells
marked NBVAL_IGNORE_OUTPUT skipped). These runs take a few minutes: `make test-habits`,
run by CI, not by `make test`.
"""

import configparser
import re

import nbformat
import pytest
import zmq
from conftest import EXECUTED as NOTEBOOKS, ROOT
from jupyter_client import BlockingKernelClient
from nbclient import NotebookClient
from test_claims import claims_of

pytestmark = [pytest.mark.habits, pytest.mark.timeout(900)]
IDS = [path.name for path in NOTEBOOKS]


def sanitizers():
    """The (regex, replacement) pairs of ci/nbval-sanitize.cfg, in order."""
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(ROOT / "ci" / "nbval-sanitize.cfg")
    return [(re.compile(parser[s]["regex"]), parser[s]["replace"]) for s in parser.sections()]


SANITIZE = sanitizers()


def text_of(cell) -> str:
    """A code cell's printed text as nbval compares it: streams and text/plain, sanitized."""
    parts = []
    for output in cell.get("outputs", []):
        if output.output_type == "stream":
            parts.append(output.text)
        elif output.output_type in ("execute_result", "display_data"):
            parts.append(output.data.get("text/plain", ""))
    text = "".join(parts)
    for regex, replacement in SANITIZE:
        text = regex.sub(replacement, text)
    return text


def compared(cell) -> bool:
    return cell.cell_type == "code" and "NBVAL_IGNORE_OUTPUT" not in cell.source


class Run:
    """One notebook in one fresh kernel, cells sent one at a time."""

    def __init__(self, path):
        self.stored = nbformat.read(path, as_version=4)
        self.nb = nbformat.read(path, as_version=4)
        self.client = NotebookClient(self.nb, timeout=300, kernel_name="mxnet",
                                     resources={"metadata": {"path": str(path.parent)}})

    def cell(self, index):
        cell = self.nb.cells[index]
        cell.outputs = []
        self.client.execute_cell(cell, index)
        return cell

    def code_cells(self):
        return [i for i, c in enumerate(self.nb.cells) if c.cell_type == "code"]

    def reconnect(self):
        """A second front end connects, asks for kernel_info and goes away, as a reloaded page does.
        It has its own session and ZeroMQ context, as another process would (the manager's own
        client() would share the process-wide context, which stopping it destroys)."""
        context = zmq.Context()
        other = BlockingKernelClient(connection_file=self.client.km.connection_file, context=context)
        other.load_connection_file()
        other.start_channels()
        try:
            other.wait_for_ready(timeout=60)
        finally:
            other.stop_channels()
            context.destroy(linger=0)

    def differences(self):
        """Code cells whose printed text differs from the stored notebook's."""
        return [f"cell {i}: stored {text_of(s)[:200]!r}, now {text_of(c)[:200]!r}"
                for i, (s, c) in enumerate(zip(self.stored.cells, self.nb.cells, strict=True))
                if compared(c) and text_of(s) != text_of(c)]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_run_all_twice_with_a_reconnect_before_every_cell_prints_the_stored_outputs(path):
    run = Run(path)
    with run.client.setup_kernel():
        for index in run.code_cells():
            run.cell(index)
        for index in run.code_cells():
            run.reconnect()
            run.cell(index)
    assert run.differences() == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_each_cell_run_twice_raises_nothing_and_no_verdict_turns(path):
    run = Run(path)
    verdicts = claims_of(path.name)["verdicts"]
    with run.client.setup_kernel():
        for index in run.code_cells():
            for _ in range(2):
                text = text_of(run.cell(index))
                for line in verdicts:
                    flipped = re.sub(r"(True|False)$", lambda m: "False" if m[1] == "True" else "True", line)
                    assert flipped not in text, f"cell {index} run twice printed {flipped!r}"
