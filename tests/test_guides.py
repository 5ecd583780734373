"""The guides (README.md, INSTALL.md, CONTRIBUTING.md, each part's folder's README.md, and
bench/FIGURES.md): every relative link resolves to a file or folder of the project, and every
#anchor to a heading of its target, named as a code host names it (GitHub: lower case,
punctuation dropped, spaces as hyphens); the README stays within a screen or three."""

import re
from pathlib import Path

import pytest
from conftest import ROOT

PARTS = ["setup", "lab", "site", "image", "classroom"]
GUIDES = [ROOT / "README.md", ROOT / "INSTALL.md", ROOT / "CONTRIBUTING.md",
          *[ROOT / part / "README.md" for part in PARTS], ROOT / "bench" / "FIGURES.md"]
LINK = re.compile(r"\]\(([^)\s]+)\)")
FENCE = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)


def anchors(path: Path) -> set[str]:
    """The anchors of a Markdown file's headings, as GitHub makes them."""
    found = set()
    for line in FENCE.sub("", path.read_text(encoding="utf-8")).splitlines():
        if line.startswith("#"):
            title = line.lstrip("#").strip().lower()
            found.add(re.sub(r"[^\w\- ]", "", title).replace(" ", "-"))
    return found


def shown(path: Path) -> Path:
    return path.relative_to(ROOT) if path.is_relative_to(ROOT) else path


def broken(guide: Path) -> list[str]:
    bad = []
    for target in LINK.findall(FENCE.sub("", guide.read_text(encoding="utf-8"))):
        if re.match(r"[a-z][a-z0-9+.-]*:", target):  # http:, https:, mailto: ...
            continue
        path, _, anchor = target.partition("#")
        resolved = (guide.parent / path).resolve() if path else guide
        if not resolved.exists():
            bad.append(f"{target}: no {shown(resolved)}")
        elif anchor and (resolved.is_dir() or anchor not in anchors(resolved)):
            bad.append(f"{target}: no heading #{anchor} in {shown(resolved)}")
    return bad


@pytest.mark.parametrize("guide", GUIDES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_in_a_guide_resolves(guide):
    assert broken(guide) == []


def test_a_broken_link_or_anchor_is_caught(tmp_path):
    guide = tmp_path / "guide.md"
    guide.write_text("# A title\n[ok](#a-title) [gone](missing.md) [anchor](#no-such)\n", encoding="utf-8")
    assert [problem.split(":")[0] for problem in broken(guide)] == ["missing.md", "#no-such"]


def test_the_readme_is_at_most_150_lines():
    assert len((ROOT / "README.md").read_text(encoding="utf-8").splitlines()) <= 150


def test_the_readme_names_every_part_and_each_part_has_its_guide():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert [part for part in PARTS if f"\n{part}/ " not in readme] == []
    assert [part for part in PARTS if not (ROOT / part / "README.md").is_file()] == []
