"""make html: a page per notebook that needs no network, shows formulas, plots and Chinese text,
and that everyone can read: axe-core finds nothing in light or dark colour schemes at two widths."""

import re
import subprocess
import sys

import nbformat
import pytest
from bs4 import BeautifulSoup
from conftest import NOTEBOOKS, ROOT, SCREENSHOTS

import build_html

NAMES = [path.stem for path in NOTEBOOKS]
REMOTE = re.compile(r"^\s*(https?:|//)", re.IGNORECASE)
CSS_REMOTE = re.compile(r"url\(\s*['\"]?\s*(https?:|//)|@import", re.IGNORECASE)
RAW_LATEX = re.compile(r"\$|\\[A-Za-z]+")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp("html")
    build_html.build(out, NOTEBOOKS)
    return out


def soup(site, name):
    return BeautifulSoup((site / f"{name}.html").read_text(encoding="utf-8"), "html.parser")


def read(name):
    return nbformat.read(NOTEBOOKS[NAMES.index(name)], as_version=4)


def formulas(name):
    return sum(len(build_html.MATH.findall(c.source)) for c in read(name).cells if c.cell_type == "markdown")


def plots(name):
    return sum("image/png" in o.get("data", {}) for c in read(name).cells if c.cell_type == "code" for o in c.outputs)


def test_index_lists_every_notebook_in_order_with_a_summary(site):
    items = soup(site, "index").select("ol li")
    assert [li.a["href"] for li in items] == [f"{name}.html" for name in NAMES]
    for li, name in zip(items, NAMES, strict=True):
        summary = build_html.title_and_summary(read(name))[1]
        assert (site / li.a["href"]).exists() and summary and summary in li.get_text()


def test_index_is_a_page_of_the_site_that_says_what_the_series_is_and_how_to_run_it(site):
    index, page = soup(site, "index"), soup(site, NAMES[0])
    assert index.body["class"] == page.body["class"]  # the same JupyterLab page styling
    assert index.select_one("nav.series a[href='index.html']") and index.select_one(f"nav.series a[href='{NAMES[0]}.html']")
    text = index.get_text()
    assert all(words in text for words in ("MXNet 1.9.1", "CPU", "make test", "make lab", "自己运行"))


@pytest.mark.parametrize("name", NAMES)
def test_page_links_to_its_notebook_file_copied_beside_it(site, name):
    link = soup(site, name).select_one("p.source a")
    assert link["href"] == f"{name}.ipynb" and "make lab" in link.parent.get_text()
    assert (site / link["href"]).read_bytes() == NOTEBOOKS[NAMES.index(name)].read_bytes()


@pytest.mark.parametrize("name", NAMES)
def test_page_links_to_previous_next_and_index(site, name):
    i = NAMES.index(name)
    hrefs = {a["href"] for a in soup(site, name).select("nav.series a")}
    expected = {"index.html"} | {f"{NAMES[j]}.html" for j in (i - 1, i + 1) if 0 <= j < len(NAMES)}
    assert hrefs == expected


@pytest.mark.parametrize("name", NAMES + ["index"])
def test_page_references_no_network_resource(site, name):
    page = soup(site, name)
    for tag in page.find_all(True):
        for attribute, value in tag.attrs.items():
            if tag.name == "a" and attribute == "href" or attribute == "xmlns":
                continue  # a link the reader may follow, or a namespace name: nothing is loaded
            for item in value if isinstance(value, list) else [value]:
                assert not REMOTE.match(item), f"<{tag.name} {attribute}={item!r}>"
    for style in page.find_all("style"):
        assert not CSS_REMOTE.search(style.get_text())


@pytest.mark.parametrize("name", NAMES)
def test_formulas_are_typeset_and_no_raw_latex_is_left(site, name):
    page = soup(site, name)
    assert len(page.find_all("math")) == formulas(name) > 0
    assert [m.get_text() for m in page.find_all("math") if "\\" in m.get_text()] == []  # e.g. an unknown \arg
    for hidden in page.find_all(["script", "style", "pre", "code", "math"]):
        hidden.decompose()  # code may legitimately hold $ or backslashes
    assert not RAW_LATEX.findall(page.get_text())


@pytest.mark.parametrize("name", NAMES + ["index"])
def test_pages_say_their_language_is_chinese(site, name):
    assert soup(site, name).html["lang"] == "zh-CN"


@pytest.mark.parametrize("name", NAMES)
def test_every_plot_is_described_by_the_caption_its_notebook_keeps(site, name):
    captions = [c.metadata["caption"] for c in read(name).cells if c.cell_type == "code"
                for o in c.outputs if "image/png" in o.get("data", {})]
    assert [img["alt"] for img in soup(site, name).find_all("img")] == captions
    assert all(len(caption) > 20 for caption in captions)


def test_an_unreadable_notebook_stops_make_html_with_one_line_and_no_partial_site(tmp_path):
    copies = []
    for path in NOTEBOOKS:
        copies.append(tmp_path / path.name)
        copies[-1].write_bytes(path.read_bytes())
    broken = copies[2]
    broken.write_bytes(broken.read_bytes()[:5000])  # truncated, as an interrupted copy leaves it
    out = tmp_path / "html"
    out.mkdir()
    (out / "earlier.html").write_text("the site built before")
    result = subprocess.run([sys.executable, str(ROOT / "site" / "build_html.py"), str(out), *map(str, copies)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("error: make html: ") and broken.name in last and "NotJSONError" in last
    assert [p.name for p in out.iterdir()] == ["earlier.html"]
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".html-")] == []


def test_a_plot_without_a_description_stops_make_html(tmp_path):
    nb = read(NAMES[1])
    next(c for c in nb.cells if c.cell_type == "code" and "caption" in c.metadata).metadata.pop("caption")
    path = tmp_path / f"{NAMES[1]}.ipynb"
    nbformat.write(nb, path)
    with pytest.raises(build_html.SiteError, match="has no description"):
        build_html.build(tmp_path / "html", [path])


# Overflow seen by the reader: display formulas whose box is taller than its visible
# part (a vertical scroll bar, or a clipped edge), and elements that stick out past the
# right edge of the window (the page scrolls sideways), except inside code and formulas,
# which may scroll sideways on their own.
LAYOUT = """() => ({
  formulas: [...document.querySelectorAll('.math-display')].map(e => [e.scrollHeight, e.clientHeight]),
  wide: [...document.querySelectorAll('body *')]
    .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
    .filter(e => !e.closest('pre, .math-display'))
    .map(e => e.tagName + '.' + e.getAttribute('class')),
})"""


def accessibility_violations(page) -> list[str]:
    """axe-core's violations on the page (its default rules: WCAG 2.1 A and AA), one line per element."""
    from axe_playwright_python.sync_playwright import Axe

    found = Axe().run(page).response["violations"]
    return [f"{v['id']} ({v['impact']}): {' '.join(map(str, node['target']))}" for v in found for node in v["nodes"]]


@pytest.mark.system  # make test-system: a browser per module
@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", [1100, 390], ids=["desktop", "phone"])
@pytest.mark.parametrize("name", NAMES + ["index"])
def test_page_renders_offline_in_chromium_and_axe_finds_nothing(browser, site, name, width, scheme):
    context = browser.new_context(viewport={"width": width, "height": 900}, color_scheme=scheme)
    remote, failed = [], []

    def only_local(route):
        if route.request.url.startswith(("file:", "data:")):
            route.continue_()
        else:
            remote.append(route.request.url)
            route.abort()

    context.route("**/*", only_local)
    page = context.new_page()
    page.on("requestfailed", lambda request: failed.append(request.url))
    page.goto((site / f"{name}.html").as_uri(), wait_until="load")
    images = page.eval_on_selector_all("img", "els => els.map(e => e.complete ? e.naturalWidth : 0)")
    maths = page.eval_on_selector_all(
        "math", "els => els.map(e => [getComputedStyle(e).display, e.getBoundingClientRect().width,"
                " e.getBoundingClientRect().height])")
    heading = page.inner_text("h1")
    layout = page.evaluate(LAYOUT)
    violations = accessibility_violations(page)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"html-{name}-{width}-{scheme}.png"), full_page=True)
    context.close()

    assert violations == [], f"axe-core on {name}.html, {width} px, {scheme}: {violations[:20]}"
    assert remote == [] and failed == []
    assert [box for box in layout["formulas"] if box[0] > box[1]] == [], "a display formula scrolls or is cut off"
    assert layout["wide"] == [], "the page scrolls sideways"
    assert re.search(r"[\u4e00-\u9fff]", heading)  # the Chinese title is in the page
    if name != "index":
        assert len(images) == plots(name) and all(width > 0 for width in images)
        assert len(maths) == formulas(name)
        assert all("math" in display and width > 0 and height > 0 for display, width, height in maths)


# The stylesheet's colours before the site was made accessible: prompts at half opacity
# (#b0b0b0 on white, 2.16:1) and links told apart by colour alone.
OLD_STYLE = """.jp-InputPrompt, .jp-OutputPrompt { opacity: .5 !important; color: #616161 !important; }
a:any-link, .jp-RenderedHTMLCommon a:any-link { text-decoration: none !important; color: #0b57d0 !important; }"""


@pytest.mark.system
def test_axe_finds_the_old_stylesheets_contrast_and_link_failures(browser, site):
    page = browser.new_page(viewport={"width": 1100, "height": 900})
    page.goto((site / f"{NAMES[1]}.html").as_uri(), wait_until="load")
    assert accessibility_violations(page) == []
    page.add_style_tag(content=OLD_STYLE)
    rules = {line.split(" ")[0] for line in accessibility_violations(page)}
    page.close()
    assert {"color-contrast", "link-in-text-block"} <= rules
