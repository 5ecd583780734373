"""make html: a page per notebook that needs no network and shows formulas, plots and Chinese text."""

import re

import nbformat
import pytest
from bs4 import BeautifulSoup
from conftest import NOTEBOOKS, SCREENSHOTS

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
    index = BeautifulSoup((site / "index.html").read_text(encoding="utf-8"), "html.parser")
    items = index.select("ol li")
    assert [li.a["href"] for li in items] == [f"{name}.html" for name in NAMES]
    assert all((site / li.a["href"]).exists() and li.p.get_text(strip=True) for li in items)


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
    for hidden in page.find_all(["script", "style", "pre", "code", "math"]):
        hidden.decompose()  # code may legitimately hold $ or backslashes
    assert not RAW_LATEX.findall(page.get_text())


@pytest.mark.parametrize("name", NAMES + ["index"])
def test_page_renders_offline_in_chromium(browser, site, name):
    context = browser.new_context(viewport={"width": 1200, "height": 900})
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
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"html-{name}.png"), full_page=True)
    context.close()

    assert remote == [] and failed == []
    assert re.search(r"[\u4e00-\u9fff]", heading)  # the Chinese title is in the page
    if name != "index":
        assert len(images) == plots(name) and all(width > 0 for width in images)
        assert len(maths) == formulas(name)
        assert all("math" in display and width > 0 and height > 0 for display, width, height in maths)
