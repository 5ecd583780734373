"""Shared helpers for the tests of make html, make lab and the container image."""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb"))  # the series: make lab, make html, the image
EXERCISES = ROOT / "notebooks" / "06-exercises.ipynb"  # the learners' copy: nbgrader makes it from 07, no outputs
EXECUTED = [path for path in NOTEBOOKS if path != EXERCISES]  # stored outputs of one run: nbval re-runs these
SCREENSHOTS = ROOT / "build" / "screenshots"
# Scripts of the parts, not a package: the site's builder, make lab, the classroom's load driver.
sys.path[:0] = [str(ROOT / part) for part in ("site", "lab", "classroom")]


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


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def interrupt(process: subprocess.Popen, seconds: float) -> bool:
    """Ctrl-C's signal to the process's group; kill the group if it has not exited within seconds.
    Whether it stopped in time."""
    os.killpg(process.pid, signal.SIGINT)
    try:
        process.wait(timeout=seconds)
        return True
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        return False


def jupyter_rest(url: str, method: str = "GET", body: dict | None = None, token: str | None = None):
    """(status, JSON or None) of one request to a Jupyter server's REST API; (None, why) if nothing answers."""
    request = urllib.request.Request(url, method=method, data=None if body is None else json.dumps(body).encode())
    if token:
        request.add_header("Authorization", f"token {token}")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read() or "null")
    except urllib.error.HTTPError as error:
        return error.code, None
    except (urllib.error.URLError, ConnectionError, TimeoutError) as error:
        return None, f"no answer: {error!r}"


def need(condition: bool, reason: str) -> None:
    if condition:
        return
    if os.environ.get("CI") == "true":
        pytest.fail("CI=true requires the Docker tests: " + reason)
    pytest.skip(reason)


def run(*command, timeout=600, **kwargs) -> subprocess.CompletedProcess:
    """Run a command with a bound; fail with its output if it fails."""
    result = subprocess.run(command, capture_output=True, text=True, timeout=timeout, **kwargs)
    assert result.returncode == 0, f"{' '.join(map(str, command))}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result


def git(folder, *args: str) -> str:
    """git in a folder, as a teacher with a name and an address; its output."""
    return run("git", "-c", "user.name=Teacher", "-c", "user.email=teacher@example.org", *args, cwd=folder).stdout


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
