"""Render the notebook series as a static site that reads offline (make html).

Each notebook becomes one page with its stored outputs (nbconvert's HTMLExporter
and the nbconvert template "site" in site/, which extends JupyterLab's), with
the notebook file itself copied beside it for download. The front page, index.html,
is rendered the same way from site/index.md, with the series listed in order.
Formulas are converted from LaTeX to MathML at build time, so no page loads MathJax,
require.js or anything else from the network; plots are embedded as data: URIs.
Pages say they are Chinese (lang="zh-CN"), follow the reader's light or dark colour
scheme, and give every plot the description kept in its cell's metadata ("caption").
A notebook that cannot be read, or a plot without a description, stops the build with
one line naming the file, and the previous site is left as it was.

Usage: python site/build_html.py OUTPUT_DIR NOTEBOOK...
"""

import html
import re
import shutil
import sys
import tempfile
from pathlib import Path

import nbformat
import jupyterlab
from latex2mathml.converter import convert as latex_to_mathml
from nbconvert import HTMLExporter
from nbconvert.preprocessors import Preprocessor

TEMPLATES = Path(__file__).parent
# JupyterLab's own dark theme: its variables apply when the reader's system is set to dark.
DARK_THEME = Path(jupyterlab.__file__).parent / "themes" / "@jupyterlab" / "theme-dark-extension" / "index.css"
# $$display$$ or $inline$ (inline math stays on one line)
MATH = re.compile(r"\$\$(.+?)\$\$|\$([^$\n]+?)\$", re.DOTALL)
NOTEBOOK_LINK = re.compile(r"\]\(([\w.-]+)\.ipynb\)")


class OfflineMarkdown(Preprocessor):
    """Turn LaTeX into MathML and links between notebooks into links between pages."""

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "markdown":
            cell.source = NOTEBOOK_LINK.sub(r"](\1.html)", MATH.sub(_mathml, cell.source))
        return cell, resources


def _mathml(match: re.Match) -> str:
    display, inline = match.groups()
    if display is not None:
        block = latex_to_mathml(display.strip(), display="block")
        # tabindex: a formula wider than a phone scrolls sideways, so the keyboard must reach it.
        return f'\n<div class="math-display" tabindex="0">{block}</div>\n'
    return latex_to_mathml(inline.strip())


def title_and_summary(nb) -> tuple[str, str]:
    """The first '# ' heading and the first '> ' line of the notebook's first cell. The exercises and
    their answers are one notebook in two versions (nbgrader's release and source), so one heading:
    the source, whose answer cells hold the worked answers, is titled as the answers."""
    lines = nb.cells[0].source.splitlines()
    title = next(line[2:].strip() for line in lines if line.startswith("# "))
    if any("### BEGIN SOLUTION" in c.source for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution")):
        title += " · 参考答案（Answers）"
    summary = next((line[2:].strip() for line in lines if line.startswith("> ")), "")
    return title, summary


def nav(pages: list[dict], i: int, where: str) -> str:
    """Previous · index · next links for page i, or for the index when i is -1 (an empty slot keeps the layout).
    `where` ("页首" or "页尾") names the landmark, so the bars at the top and the bottom differ."""
    prev = pages[i - 1] if i > 0 else None
    nxt = pages[i + 1] if i + 1 < len(pages) else None
    left = f'<a href="{prev["file"]}">← {html.escape(prev["title"])}</a>' if prev else "<span></span>"
    right = f'<a href="{nxt["file"]}">{html.escape(nxt["title"])} →</a>' if nxt else "<span></span>"
    return f'<nav class="series" aria-label="系列导航（{where}）">{left}<a href="index.html">目录（index）</a>{right}</nav>'


def source_note(page: dict) -> str:
    """Where the page comes from: its notebook file, next to it, and how to run it."""
    name = html.escape(page["notebook"])
    return (f'<p class="source">本页由笔记本 <a href="{name}" download>{name}</a> 生成，可下载后运行。'
            f'在本项目里运行：<code>make lab</code>，然后在 JupyterLab 里打开 <code>{name}</code>。</p>')


def index_notebook(pages: list[dict]):
    """The front page as a one-cell notebook: site/index.md with the list of pages filled in."""
    contents = "\n".join(f'{n}. [{p["title"]}]({p["file"]})<br>{p["summary"]}' for n, p in enumerate(pages, 1))
    text = (TEMPLATES / "index.md").read_text(encoding="utf-8").replace("{contents}", contents)
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(text)])


class SiteError(Exception):
    """A notebook the site cannot be built from; the message names it and says what is wrong."""


def read_notebook(path: Path):
    """The notebook at path, or a SiteError naming the file and what is wrong with it."""
    try:
        nb = nbformat.read(path, as_version=4)
    except (OSError, ValueError) as error:  # nbformat's NotJSONError is a ValueError
        reason = str(error).splitlines()[0][:120]
        raise SiteError(f"{path} is not a readable notebook ({type(error).__name__}: {reason})") from None
    uncaptioned = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and "caption" not in c.metadata
                   and any("image/png" in o.get("data", {}) for o in c.outputs)]
    if uncaptioned:
        raise SiteError(f"{path}: the plot of cell {uncaptioned[0]} has no description; "
                        'add one to the cell\'s metadata as "caption"')
    return nb


def write_page(exporter: HTMLExporter, nb, path: Path, resources: dict) -> None:
    """One page of the site: the notebook through the template, titled by its first heading."""
    nb.metadata["title"] = title_and_summary(nb)[0]
    body, _ = exporter.from_notebook_node(nb, resources=resources)
    # nbconvert takes ISO 639-1 codes only ("zh"); the prose is Simplified Chinese: BCP 47 "zh-CN".
    path.write_text(body.replace('<html lang="zh">', '<html lang="zh-CN">', 1), encoding="utf-8")


def build(out: Path, notebooks: list[Path]) -> None:
    """Write the site to out: first in a folder beside it, which replaces out only once every page is written."""
    books = [read_notebook(path) for path in notebooks]
    exporter = HTMLExporter(template_name="site", extra_template_basedirs=[str(TEMPLATES.parent)],
                            language_code="zh")
    exporter.register_preprocessor(OfflineMarkdown, enabled=True)
    shared = {"dark_theme_css": DARK_THEME.read_text(encoding="utf-8")}
    pages = []
    for path, nb in zip(notebooks, books, strict=True):
        title, summary = title_and_summary(nb)
        pages.append({"file": path.stem + ".html", "notebook": path.name, "title": title, "summary": summary})
    out.parent.mkdir(parents=True, exist_ok=True)
    new = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=out.parent))
    try:
        for i, (path, nb) in enumerate(zip(notebooks, books, strict=True)):
            write_page(exporter, nb, new / pages[i]["file"], {**shared, "source": source_note(pages[i]),
                       "nav_top": nav(pages, i, "页首"), "nav_bottom": nav(pages, i, "页尾")})
            shutil.copyfile(path, new / path.name)
        write_page(exporter, index_notebook(pages), new / "index.html",
                   {**shared, "source": "", "nav_top": nav(pages, -1, "页首"), "nav_bottom": nav(pages, -1, "页尾")})
    except BaseException:
        shutil.rmtree(new)
        raise
    shutil.rmtree(out, ignore_errors=True)
    new.rename(out)
    print(f"wrote {len(pages)} pages and index.html to {out}/")


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__.strip().splitlines()[-1])
    try:
        build(Path(sys.argv[1]), [Path(p) for p in sys.argv[2:]])
    except SiteError as error:
        sys.exit(f"error: make html: {error}; nothing was written")
