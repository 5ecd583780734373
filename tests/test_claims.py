"""The notebooks' checks are a visible contract: tests/notebook_claims.txt lists them.

For every notebook, the file lists each `assert` of its code cells (as Python prints it
back, tolerance and message included, in order, with the assignments in its cell to the
names it tests, where a tolerance may be kept) and each verdict line its stored outputs
print (a line ending in ": True" or ": False", outside cells marked NBVAL_IGNORE_OUTPUT).
nbval proves the stored outputs equal a fresh run; this test proves that no check
disappears, loosens or turns without an edit to that list, which a reviewer sees.

After a deliberate change to a check: `.venv/bin/python tests/test_claims.py > tests/notebook_claims.txt`,
then review the diff.
"""

import ast
import re
import sys
from pathlib import Path

import nbformat
import pytest
from conftest import EXECUTED as NOTEBOOKS
from IPython.core.inputtransformer2 import TransformerManager

CONTRACT = Path(__file__).with_name("notebook_claims.txt")
VERDICT = re.compile(r"^.*:\s+(?:True|False)$", re.MULTILINE)
HEADER = """\
# The checks each notebook makes (tests/test_claims.py compares this list with the notebooks).
# "assert" lines: every assertion of the notebook's code, in order, tolerance and message included,
#   then ("| where") the assignments in its cell to the names it tests, and to the names those use.
# "verdict" lines: every printed line ending in ": True" or ": False" in its stored outputs (outside timed cells).
# Loosening, removing or flipping a check means editing this file, visibly, in the same change.
"""


def outside_functions(node: ast.AST):
    """The nodes of a cell's code, without the bodies of the functions and classes it defines."""
    for child in ast.iter_child_nodes(node):
        yield child
        if not isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            yield from outside_functions(child)


def describe(check: ast.Assert, assignments: list[ast.Assign]) -> str:
    """The assertion as Python prints it back, followed by the assignments in its cell to the
    names it tests, and to the names those use ("| where tolerance = 5e-06"), so a tolerance
    kept in a variable is listed too."""
    def names(node):
        return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}

    wanted, chosen = names(check.test), []
    while True:  # also the assignments to the names those assignments use, in the same cell
        more = [a for a in assignments if a not in chosen and any(names(t) & wanted for t in a.targets)]
        if not more:
            break
        chosen += more
        wanted |= set().union(*(names(a.value) for a in more))
    where = [ast.unparse(a) for a in assignments if a in chosen]
    return " | where ".join([ast.unparse(check), *where])


def current_claims(path: Path) -> dict[str, list[str]]:
    """The assertions in a notebook's code and the verdicts in its stored outputs."""
    nb = nbformat.read(path, as_version=4)
    asserts, verdicts, unexplained = [], [], []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        tree = ast.parse(TransformerManager().transform_cell(cell.source))  # IPython's magics as Python
        assignments = [node for node in outside_functions(tree) if isinstance(node, ast.Assign)]
        for node in ast.walk(tree):
            if isinstance(node, ast.Assert):
                asserts.append(describe(node, assignments))
                if node.msg is None:
                    unexplained.append(ast.unparse(node))
        if "NBVAL_IGNORE_OUTPUT" in cell.source:
            continue
        for output in cell.outputs:
            if output.output_type == "stream":
                verdicts += VERDICT.findall(output.text)
    return {"asserts": asserts, "verdicts": verdicts, "unexplained": unexplained}


def render() -> str:
    lines = [HEADER]
    for path in NOTEBOOKS:
        claims = current_claims(path)
        lines.append(f"[{path.name}]")
        lines += [f"assert: {text}" for text in claims["asserts"]]
        lines += [f"verdict: {text}" for text in claims["verdicts"]]
        lines.append("")
    return "\n".join(lines)


def claims_of(name: str) -> dict[str, list[str]]:
    """The contract's entries for one notebook, from tests/notebook_claims.txt."""
    section, found = None, {"asserts": [], "verdicts": []}
    for line in CONTRACT.read_text(encoding="utf-8").splitlines():
        if line.startswith("["):
            section = line.strip("[]")
        elif section == name and line.startswith(("assert: ", "verdict: ")):
            kind, _, text = line.partition(": ")
            found[kind + "s"].append(text)
    return found


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_every_assertion_and_verdict_is_the_one_in_the_contract(path):
    listed, now = claims_of(path.name), current_claims(path)
    for kind in ("asserts", "verdicts"):
        missing = [c for c in listed[kind] if c not in now[kind]]
        new = [c for c in now[kind] if c not in listed[kind]]
        assert not missing and not new, (
            f"{path.name}: its {kind} differ from tests/notebook_claims.txt\n"
            f"  listed but gone or changed: {missing}\n  in the notebook but not listed: {new}\n"
            "  If the change is deliberate, regenerate the list (see this file's docstring) and review the diff.")
        assert now[kind] == listed[kind], f"{path.name}: its {kind} are listed in another order"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_every_assertion_says_what_failed(path):
    assert current_claims(path)["unexplained"] == [], f"{path.name}: assertions without a message"


def test_every_verdict_the_contract_lists_is_true():
    flipped = [line for line in CONTRACT.read_text(encoding="utf-8").splitlines()
               if line.startswith("verdict: ") and re.search(r":\s+False$", line)]
    assert flipped == [], "a notebook prints a verdict as False"


if __name__ == "__main__":
    sys.stdout.write(render())
