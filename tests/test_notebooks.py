"""The stored notebooks are what `make execute` leaves: one top-to-bottom run in the project's kernel."""

import nbformat
import pytest
from conftest import EXECUTED, NOTEBOOKS


@pytest.mark.parametrize("path", EXECUTED, ids=[p.name for p in EXECUTED])
def test_stored_outputs_come_from_one_top_to_bottom_run(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    assert [cell.execution_count for cell in code] == list(range(1, len(code) + 1)), "run `make execute`"
    assert not [o for cell in code for o in cell.outputs if o.output_type == "error"]
    assert not [cell for cell in code if "execution" in cell.metadata], "timing metadata: use `make execute`"
    assert nb.metadata.kernelspec.name == "mxnet"  # the project's .venv kernel, also used by nbval


def test_series_is_numbered_without_gaps():
    assert [int(p.name[:2]) for p in NOTEBOOKS] == list(range(1, len(NOTEBOOKS) + 1))
