"""Shared helpers for the tests of make html and make lab."""

import os
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb"))
SCREENSHOTS = ROOT / "build" / "screenshots"
sys.path.insert(0, str(ROOT / "tools"))  # build_html and lab are scripts, not a package


def chromium_or_skip() -> str:
    """Path of a Chromium to drive; skip the test without one, but fail when CI=true."""
    path = os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if path:
        return path
    message = ("no Chromium found for the browser tests: install Debian's package with "
               "`apt-get install chromium fonts-wqy-microhei` (or set CHROMIUM=/path/to/chrome)")
    if os.environ.get("CI") == "true":
        pytest.fail("CI=true requires the browser tests: " + message)
    pytest.skip(message)


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium through Playwright, started without any background networking."""
    from playwright.sync_api import sync_playwright

    path = chromium_or_skip()
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=path,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        )
        yield chromium
        chromium.close()
