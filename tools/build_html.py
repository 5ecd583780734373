"""Render the notebook series as a static site that reads offline (make html).

Each notebook becomes one page with its stored outputs (nbconvert's HTMLExporter
and the nbconvert template "site" in tools/site/, which extends JupyterLab's), plus an index.html that lists the series in
order. Formulas are converted from LaTeX to MathML at build time, so no page
loads MathJax, require.js or anything else from the network; plots are embedded
as data: URIs by nbconvert.

Usage: python tools/build_html.py OUTPUT_DIR NOTEBOOK...
"""

import html
import re
import sys
from pathlib import Path

import nbformat
from latex2mathml.converter import convert as latex_to_mathml
from nbconvert import HTMLExporter
from nbconvert.preprocessors import Preprocessor

TEMPLATES = Path(__file__).parent / "site"
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
        return f'\n<div class="math-display">{block}</div>\n'
    return latex_to_mathml(inline.strip())


def title_and_summary(nb) -> tuple[str, str]:
    """The first '# ' heading and the first '> ' line of the notebook's first cell."""
    lines = nb.cells[0].source.splitlines()
    title = next(line[2:].strip() for line in lines if line.startswith("# "))
    summary = next((line[2:].strip() for line in lines if line.startswith("> ")), "")
    return title, summary


def nav(pages: list[dict], i: int) -> str:
    """Previous · index · next links for page i (an empty slot keeps the layout)."""
    prev = pages[i - 1] if i > 0 else None
    nxt = pages[i + 1] if i + 1 < len(pages) else None
    left = f'<a href="{prev["file"]}">← {html.escape(prev["title"])}</a>' if prev else "<span></span>"
    right = f'<a href="{nxt["file"]}">{html.escape(nxt["title"])} →</a>' if nxt else "<span></span>"
    return f'<nav class="series">{left}<a href="index.html">目录 (index)</a>{right}</nav>'


def index_page(pages: list[dict]) -> str:
    css = (TEMPLATES / "site.css").read_text(encoding="utf-8")
    items = "\n".join(
        f'<li><a href="{p["file"]}">{html.escape(p["title"])}</a><p>{html.escape(p["summary"])}</p></li>'
        for p in pages
    )
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>动手学深度学习 02 · 训练一个线性回归模型 (MXNet)</title>
<style>
{css}
main {{ padding: 1em 2em; }}
ol li {{ margin-bottom: 0.8em; font-size: 17px; }}
ol li p {{ margin: 0.2em 0; color: #444; font-size: 15px; }}
</style>
</head>
<body>
<main>
<h1>动手学深度学习 02 · 训练一个线性回归模型 (MXNet)</h1>
<p>按顺序阅读:每一篇都可以在 JupyterLab 里运行(<code>make lab</code>)。本站不需要网络。</p>
<ol>
{items}
</ol>
</main>
</body>
</html>
"""


def build(out: Path, notebooks: list[Path]) -> None:
    exporter = HTMLExporter(template_name="site", extra_template_basedirs=[str(TEMPLATES.parent)])
    exporter.register_preprocessor(OfflineMarkdown, enabled=True)
    books = [nbformat.read(path, as_version=4) for path in notebooks]
    pages = []
    for path, nb in zip(notebooks, books, strict=True):
        title, summary = title_and_summary(nb)
        pages.append({"file": path.stem + ".html", "title": title, "summary": summary})
    out.mkdir(parents=True, exist_ok=True)
    for i, nb in enumerate(books):
        nb.metadata["title"] = pages[i]["title"]
        body, _ = exporter.from_notebook_node(nb, resources={"nav": nav(pages, i)})
        (out / pages[i]["file"]).write_text(body, encoding="utf-8")
    (out / "index.html").write_text(index_page(pages), encoding="utf-8")
    print(f"wrote {len(pages)} pages and index.html to {out}/")


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__.strip().splitlines()[-1])
    build(Path(sys.argv[1]), [Path(p) for p in sys.argv[2:]])
