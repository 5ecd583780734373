"""make lab: the real JupyterLab server, started as make lab starts it, on a free loopback port.

The server is checked through its own REST and kernel APIs and in headless Chromium,
and it is always stopped (with its kernels) when the module's tests end, pass or fail.
"""

import ast
import os
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import psutil
import pytest
from conftest import NOTEBOOKS, ROOT, SCREENSHOTS, free_port, interrupt, jupyter_rest
from jupyter_client import BlockingKernelClient
from jupyter_server.serverapp import list_running_servers

pytestmark = pytest.mark.system  # make test-system
TOKEN = "test-" + os.urandom(12).hex()
START_TIMEOUT = 60  # seconds: the bound on JupyterLab's start


def start_lab(port: int, runtime_dir) -> subprocess.Popen:
    """Run lab/lab.py as `make lab` does, in its own process group."""
    env = dict(os.environ, LAB_PORT=str(port), LAB_TOKEN=TOKEN, JUPYTER_RUNTIME_DIR=str(runtime_dir),
               JUPYTER_PATH=str(Path(sys.prefix) / "share" / "jupyter"))  # as the Makefile exports it
    env.pop("LAB_IP", None)
    return subprocess.Popen([sys.executable, str(ROOT / "lab" / "lab.py"), "--no-browser"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    runtime = tmp_path_factory.mktemp("jupyter-runtime")
    port = free_port()
    server = start_lab(port, runtime)
    family = []
    try:
        deadline = time.monotonic() + START_TIMEOUT
        # Jupyter writes its own record of a running server once it is ready; then it must answer.
        while not any(info["pid"] == server.pid for info in list_running_servers(runtime)) or \
                jupyter_rest(f"http://127.0.0.1:{port}/api/status", token=TOKEN)[0] is None:
            assert server.poll() is None, f"make lab exited early:\n{server.stdout.read()}"
            assert time.monotonic() < deadline, "JupyterLab did not start and answer within 60 s"
            time.sleep(0.2)
        yield {"url": f"http://127.0.0.1:{port}", "port": port, "pid": server.pid, "runtime": runtime}
        family = [psutil.Process(server.pid)] + psutil.Process(server.pid).children(recursive=True)
    finally:
        if not interrupt(server, 20):
            pytest.fail("JupyterLab did not stop within 20 s of Ctrl-C")
    _, alive = psutil.wait_procs(family, timeout=10)
    assert not alive, f"processes left after the server stopped: {alive}"


def api(lab, method: str, path: str, body: dict | None = None, token: str | None = TOKEN):
    """(status, JSON or None) of one request to the server's REST API."""
    return jupyter_rest(lab["url"] + path, method, body, token)


def test_status_answers_with_the_token(lab):
    status, body = api(lab, "GET", "/api/status")
    assert status == 200 and "started" in body


def test_requests_without_the_token_are_refused(lab):
    assert api(lab, "GET", "/api/contents", token=None)[0] == 403
    assert api(lab, "GET", "/api/contents", token="wrong")[0] == 403


def test_contents_list_every_notebook_of_the_series(lab):
    status, body = api(lab, "GET", "/api/contents")
    names = {item["name"] for item in body["content"] if item["type"] == "notebook"}
    assert status == 200 and names == {path.name for path in NOTEBOOKS}


def test_server_listens_on_loopback_only(lab):
    sockets = [c for c in psutil.Process(lab["pid"]).net_connections(kind="inet") if c.status == psutil.CONN_LISTEN]
    assert {c.laddr.port for c in sockets} == {lab["port"]}
    assert {c.laddr.ip for c in sockets} <= {"127.0.0.1", "::1"}


def test_second_lab_on_the_same_port_says_the_port_is_taken(lab, tmp_path):
    second = start_lab(lab["port"], tmp_path)
    output, _ = second.communicate(timeout=30)
    assert second.returncode != 0 and f"port {lab['port']} on 127.0.0.1 is already in use" in output


def test_kernel_runs_mxnet_from_the_project_venv_and_executes_a_notebook(lab):
    status, kernel = api(lab, "POST", "/api/kernels", {"name": "mxnet"})  # the kernelspec the notebooks name
    assert status == 201
    client = BlockingKernelClient()
    client.load_connection_file(lab["runtime"] / f"kernel-{kernel['id']}.json")
    # jupyter_client calls a kernel dead after one missed heartbeat of 1 s; on 2 cores busy
    # with the browser tests a kernel importing mxnet can miss one. Allow 10 s.
    client.hb_channel.time_to_dead = 10.0
    client.start_channels()
    try:
        client.wait_for_ready(timeout=60)
        found = {}

        def collect(message):
            if message["msg_type"] == "execute_result":
                found["value"] = message["content"]["data"]["text/plain"]

        reply = client.execute_interactive("import sys, mxnet; (mxnet.__version__, sys.prefix)",
                                           output_hook=collect, timeout=60)
        assert reply["content"]["status"] == "ok"
        version, prefix = ast.literal_eval(found["value"])
        assert version == "1.9.1" and prefix == sys.prefix  # the project's venv, which runs these tests

        notebook = nbformat.read(NOTEBOOKS[0], as_version=4)
        for cell in notebook.cells:
            if cell.cell_type == "code":
                reply = client.execute_interactive(cell.source, output_hook=lambda message: None, timeout=60)
                assert reply["content"]["status"] == "ok", f"{NOTEBOOKS[0].name}: {cell.source[:80]}"
    finally:
        client.stop_channels()
        api(lab, "DELETE", f"/api/kernels/{kernel['id']}")


def test_lesson_opens_in_jupyterlab_in_chromium(lab, browser):
    page = browser.new_page(viewport={"width": 1300, "height": 900})
    page.goto(f"{lab['url']}/lab/tree/02-linear-regression-scratch.ipynb?token={TOKEN}")
    heading = page.locator("h1", has_text="02 训练一个线性回归模型")
    heading.wait_for(state="visible", timeout=60_000)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "lab-02-linear-regression-scratch.png"))
    page.close()
