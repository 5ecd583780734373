"""The container image, checked from the host (make test-image, run by CI as root).

One image serves four ways of running the series, each checked the way it is used:
`make docker-test` (the project's own tests inside it, without network), `make
docker-lab` (run by an ordinary host user with uid 1000, as a learner would), Dev
Containers (the devcontainer CLI: build, up, exec) and Binder (repo2docker builds it,
then the image is started with the command BinderHub uses). Everything a test starts
is stopped, pass or fail. Without Docker or root these tests skip with the reason;
with CI=true they fail instead.
"""

import grp
import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import nbformat
import psutil
import pytest
import websocket
from classroom_load import execute
from conftest import NOTEBOOKS, ROOT, free_port, interrupt, jupyter_rest, need, run

pytestmark = [pytest.mark.image, pytest.mark.timeout(600)]  # a cold run of all seven takes 2 min here; each step has its own bound

IMAGE = os.environ.get("IMAGE", "mxnet-linreg")
DEVCONTAINER_CLI = "@devcontainers/cli@0.89.0"  # works with Docker 20.10 without buildx
REPO2DOCKER = "jupyter-repo2docker==2024.7.0"  # later releases need buildx, which Debian 12 lacks
LESSON = NOTEBOOKS[1]  # 02-linear-regression-scratch.ipynb


@pytest.fixture(scope="module")
def image():
    need(shutil.which("docker") is not None, "no docker command (install Docker; CI installs docker.io)")
    need(subprocess.run(["docker", "info"], capture_output=True, timeout=60).returncode == 0,
         "docker cannot reach a daemon (start dockerd)")
    need(os.geteuid() == 0, "the image tests act as a second host user, which needs root")
    before = set(containers())
    run("make", "image", f"IMAGE={IMAGE}", cwd=ROOT, timeout=600)
    yield IMAGE
    left = set(containers()) - before
    assert not left, f"containers left by the image tests: {left}"
    # Each build from the Dockerfile carries its label: none may be left untagged (make image, make
    # docker-test, Dev Containers and repo2docker builds), or repeated runs fill the disk.
    untagged = run("docker", "images", "-q", "--filter", "dangling=true", "--filter", "label=mxnet-linreg.project").stdout
    assert not untagged.split(), f"untagged images of the project left behind: {untagged.split()}"


def containers() -> list[str]:
    """The IDs of every container, running or stopped."""
    return run("docker", "ps", "-aq", "--no-trunc").stdout.split()


def wait_for_server(url: str, token: str, process=None, seconds: int = 90) -> None:
    deadline = time.monotonic() + seconds
    while jupyter_rest(f"{url}/api/status", token=token)[0] != 200:
        assert process is None or process.poll() is None, "the server's command exited early"
        assert time.monotonic() < deadline, f"no Jupyter server answered at {url} within {seconds} s"
        time.sleep(0.5)


def runs_the_lesson(url: str, token: str) -> str:
    """Start the notebooks' kernel through the REST API and run lesson 02 in it over one connection,
    as JupyterLab does; return where mxnet came from."""
    status, kernel = jupyter_rest(f"{url}/api/kernels", "POST", {"name": "mxnet"}, token)
    assert status == 201
    ws_url = url.replace("http://", "ws://") + f"/api/kernels/{kernel['id']}/channels?token={token}"
    channel = websocket.create_connection(ws_url, timeout=120)
    try:
        where = execute(channel, "import sys, mxnet\nprint(mxnet.__version__, sys.prefix)")
        for cell in nbformat.read(LESSON, as_version=4).cells:
            if cell.cell_type == "code":
                execute(channel, cell.source)
        return where.strip()
    finally:
        channel.close()
        jupyter_rest(f"{url}/api/kernels/{kernel['id']}", "DELETE", token=token)


def test_make_test_passes_in_the_images_test_stage_without_network(image):
    result = run("make", "docker-test", f"IMAGE={image}", cwd=ROOT, timeout=600)
    assert " passed" in result.stdout and " failed" not in result.stdout
    run("docker", "rmi", f"{image}-test")


@pytest.mark.parametrize("owner, mode, groups", [
    ((1000, 1000), 0o755, []),  # a Docker volume or a folder owned by the student (make classroom)
    ((0, 100), 0o2775, ["--group-add", "100"]),  # Kubernetes with fsGroup 100 (Zero to JupyterHub's fsGid)
], ids=["owned-by-the-student", "fsgroup-100"])
def test_the_image_starts_on_an_empty_home_hands_out_the_notebooks_once_and_runs_the_lesson(
        image, tmp_path, owner, mode, groups):
    """A classroom mounts each student's own volume, empty at first, at /home/jovyan (as Zero to
    JupyterHub does): the server starts, ~/notebooks is copied in, and a later start keeps the
    student's edits and deletions."""
    home = tmp_path / "home"
    home.mkdir()
    os.chown(home, *owner)
    home.chmod(mode)
    port, token = free_port(), uuid.uuid4().hex
    name = f"mxnet-linreg-home-{uuid.uuid4().hex[:8]}"
    run("docker", "run", "-d", "--name", name, "-p", f"127.0.0.1:{port}:8888", "-e", f"LAB_TOKEN={token}",
        *groups, "-v", f"{home}:/home/jovyan", image)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_for_server(url, token)
        status, listing = jupyter_rest(f"{url}/api/contents", token=token)
        assert status == 200
        assert sorted(item["name"] for item in listing["content"]) == [path.name for path in NOTEBOOKS]
        assert runs_the_lesson(url, token) == "1.9.1 /opt/mxnet-linreg/.venv"
    finally:
        subprocess.run(["docker", "rm", "-f", name], capture_output=True)
    edited, deleted = home / "notebooks" / LESSON.name, home / "notebooks" / NOTEBOOKS[0].name
    edited.write_text("the student's own version", encoding="utf-8")
    deleted.unlink()
    run("docker", "run", "--rm", "--network", "none", *groups, "-v", f"{home}:/home/jovyan", image, "true")
    assert edited.read_text(encoding="utf-8") == "the student's own version"
    assert not deleted.exists()


@pytest.fixture(scope="module")
def learner():
    """An ordinary host user with uid 1000 who may use Docker: the one there, or one made for the test."""
    try:
        user, made = pwd.getpwuid(1000).pw_name, False
    except KeyError:
        run("useradd", "--uid", "1000", "--create-home", "learner")
        user, made = "learner", True
    in_group = user in grp.getgrnam("docker").gr_mem
    if not in_group:
        run("usermod", "-aG", "docker", user)
    yield user
    if not in_group:
        run("gpasswd", "-d", user, "docker")
    if made:
        run("userdel", "--remove", user)


@pytest.fixture(scope="module")
def docker_lab(image, learner):
    """make docker-lab, run by the learner in their own copy of the project, stopped with Ctrl-C."""
    home = Path(tempfile.mkdtemp(prefix="docker-lab-"))
    project = home / "series"
    shutil.copytree(ROOT, project, ignore=shutil.ignore_patterns(".venv", "build", ".git", "__pycache__"))
    uid, gid = pwd.getpwnam(learner).pw_uid, pwd.getpwnam(learner).pw_gid
    for path in [home, *home.rglob("*")]:
        os.chown(path, uid, gid)
    port, token = free_port(), "chosen-" + uuid.uuid4().hex
    lab = subprocess.Popen(["runuser", "-u", learner, "--", "env", f"LAB_TOKEN={token}",
                            "make", "docker-lab", f"IMAGE={image}", f"LAB_PORT={port}"],
                           cwd=project, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                           start_new_session=True)
    name = f"mxnet-linreg-lab-{port}"
    try:
        url = next(line.split("open: ")[1].strip() for line in lab.stdout if "open: " in line)
        base = f"http://127.0.0.1:{port}"
        # The address is printed only once the server answers: the first request succeeds.
        first_status = jupyter_rest(f"{base}/api/status", token=token)[0]
        yield {"url": base, "token": token, "port": port, "name": name, "project": project, "uid": uid,
               "printed": url, "first_status": first_status}
    finally:
        interrupt(lab, 30)
        left = subprocess.run(["docker", "ps", "-q", "--filter", f"name={name}"], capture_output=True, text=True)
        subprocess.run(["docker", "rm", "-f", name], capture_output=True)
        shutil.rmtree(home, ignore_errors=True)
        assert left.stdout.strip() == "", "Ctrl-C left the container running"


def test_docker_lab_uses_lab_token_and_prints_the_address_once_the_server_answers(docker_lab):
    assert docker_lab["printed"] == f"{docker_lab['url']}/lab?token={docker_lab['token']}"
    assert docker_lab["first_status"] == 200


def test_the_learners_image_is_small_holds_no_test_tools_and_serves_the_hubs_version(image):
    # 700 MB was the learners' set alone (issue 15); serving a classroom adds git for nbgitpuller
    # (83 MB with Debian's perl), jupyterhub-singleuser's packages (45 MB) and the start-up
    # bytecode (49 MB, which saves each student's server and kernel 2.4 CPU-seconds): 844 MB. Handing
    # the exercises in and grading them adds nbgrader and the packages it needs (39 MB: nbgrader 18 MB,
    # 12 of them its own docs; rapidfuzz 12 MB; ipywidgets, setuptools): 883 MB.
    size = int(run("docker", "image", "inspect", "-f", "{{.Size}}", image).stdout)
    assert size <= 890e6, f"the image is {size / 1e6:.0f} MB"
    hub = run("docker", "run", "--rm", "--network", "none", image, "jupyterhub-singleuser", "--version").stdout
    assert hub.strip() == "5.5.0"
    absent = run("docker", "run", "--rm", "--network", "none", image, "python", "-c",
                  "import importlib.util as u; print([m for m in ('pytest', 'nbval', 'ruff', 'playwright', 'uv')"
                  " if u.find_spec(m)])").stdout.strip()
    assert absent == "[]"


def test_docker_lab_listens_on_the_hosts_loopback_only(docker_lab):
    published = run("docker", "port", docker_lab["name"], "8888/tcp").stdout.split()
    assert published == [f"127.0.0.1:{docker_lab['port']}"]
    listening = {c.laddr.ip for c in psutil.net_connections(kind="inet")
                 if c.status == psutil.CONN_LISTEN and c.laddr.port == docker_lab["port"]}
    assert listening == {"127.0.0.1"}


def test_docker_lab_refuses_requests_without_the_token(docker_lab):
    assert jupyter_rest(f"{docker_lab['url']}/api/contents")[0] == 403
    assert jupyter_rest(f"{docker_lab['url']}/api/contents", token="wrong")[0] == 403
    assert jupyter_rest(f"{docker_lab['url']}/api/contents", token=docker_lab["token"])[0] == 200


def test_docker_lab_server_runs_as_uid_1000_and_its_kernel_runs_the_lesson(docker_lab):
    processes = run("docker", "top", docker_lab["name"], "-eo", "pid,uid,args").stdout.splitlines()[1:]
    assert any("jupyter" in line for line in processes)
    assert {line.split()[1] for line in processes} == {"1000"}
    assert runs_the_lesson(docker_lab["url"], docker_lab["token"]) == "1.9.1 /opt/mxnet-linreg/.venv"


def test_docker_lab_edits_land_in_the_hosts_notebooks_owned_by_the_host_user(docker_lab):
    url, token, name = docker_lab["url"], docker_lab["token"], LESSON.name
    status, model = jupyter_rest(f"{url}/api/contents/{name}", token=token)
    assert status == 200
    marker = f"edited through the server {uuid.uuid4().hex}"
    model["content"]["cells"].append(nbformat.v4.new_markdown_cell(marker))
    status, _ = jupyter_rest(f"{url}/api/contents/{name}", "PUT",
                             {"type": "notebook", "format": "json", "content": model["content"]}, token)
    assert status == 200
    on_host = docker_lab["project"] / "notebooks" / name
    assert marker in on_host.read_text(encoding="utf-8")
    assert on_host.stat().st_uid == docker_lab["uid"]


@pytest.fixture(scope="module")
def tools(image, tmp_path_factory):
    """The devcontainer CLI (npm) and repo2docker (PyPI), pinned, in a throwaway folder."""
    need(shutil.which("npm") is not None, "no npm for the devcontainer CLI (install Node.js)")
    folder = tmp_path_factory.mktemp("image-tools")
    run("npm", "install", "--silent", "--no-audit", "--no-fund", "--prefix", str(folder / "npm"), DEVCONTAINER_CLI,
        timeout=300)
    run(sys.executable, "-m", "venv", str(folder / "r2d"))
    run(str(folder / "r2d" / "bin" / "pip"), "install", "--quiet", REPO2DOCKER, timeout=300)
    return {"devcontainer": folder / "npm" / "node_modules" / ".bin" / "devcontainer",
            "repo2docker": folder / "r2d" / "bin" / "repo2docker"}


def test_devcontainer_builds_starts_and_runs_the_lesson(tools):
    cli = [str(tools["devcontainer"])]
    workspace = ["--workspace-folder", str(ROOT)]
    label = f"devcontainer.local_folder={ROOT}"
    tags = ["docker", "images", "--format", "{{.Repository}}:{{.Tag}}"]
    tags_before = set(run(*tags).stdout.split())
    images_before = set(run("docker", "images", "-q", "--no-trunc").stdout.split())
    try:
        run(*cli, "build", *workspace, timeout=600)
        run(*cli, "up", *workspace, timeout=600)
        version = run(*cli, "exec", *workspace, "python", "-c", "import mxnet; print(mxnet.__version__)").stdout
        assert version.strip().endswith("1.9.1")
        run(*cli, "exec", *workspace, "jupyter", "nbconvert", "--to", "notebook", "--execute", "--stdout",
            f"notebooks/{LESSON.name}", timeout=300)
    finally:
        containers = subprocess.run(["docker", "ps", "-aq", "--filter", f"label={label}"],
                                    capture_output=True, text=True).stdout.split()
        if containers:
            subprocess.run(["docker", "rm", "-f", *containers], capture_output=True)
        # The CLI tags its builds vsc-<folder>-<hash>, often an image that existed already (the same
        # layers as make image's): remove the tags this test made, then any image it made untagged.
        made = sorted(set(run(*tags).stdout.split()) - tags_before)
        if made:
            subprocess.run(["docker", "rmi", *made], capture_output=True)
        made = set(run("docker", "images", "-q", "--no-trunc").stdout.split()) - images_before
        if made:
            subprocess.run(["docker", "rmi", "-f", *made], capture_output=True)


def test_binder_builds_with_repo2docker_and_runs_the_lesson_behind_a_token(tools):
    binder_image = f"{IMAGE}-binder"
    # repo2docker reuses an image of that name instead of building: remove any left from before.
    subprocess.run(["docker", "rmi", "-f", binder_image], capture_output=True)
    run(str(tools["repo2docker"]), "--no-run", "--user-id", "1000", "--user-name", "jovyan",
        "--image-name", binder_image, str(ROOT), timeout=600)
    port, token, name = free_port(), uuid.uuid4().hex, f"mxnet-linreg-binder-{uuid.uuid4().hex[:8]}"
    # The command and arguments BinderHub's spawner gives the image (BinderSpawnerMixin).
    command = ["jupyter-notebook", "--ip=0.0.0.0", "--port=8888", f"--NotebookApp.token={token}",
               "--NotebookApp.trust_xheaders=True", "--NotebookApp.default_url=/lab",
               "--NotebookApp.allow_origin_pat=.*", f"--ServerApp.token={token}", "--ServerApp.default_url=/lab"]
    run("docker", "run", "-d", "--name", name, "-p", f"127.0.0.1:{port}:8888", binder_image, *command)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_for_server(url, token)
        assert jupyter_rest(f"{url}/api/contents")[0] == 403
        assert run("docker", "exec", name, "id", "-u").stdout.strip() == "1000"
        assert runs_the_lesson(url, token) == "1.9.1 /opt/mxnet-linreg/.venv"
    finally:
        subprocess.run(["docker", "rm", "-f", name], capture_output=True)
        subprocess.run(["docker", "rmi", "-f", binder_image], capture_output=True)
        # repo2docker builds without a target, so Docker's legacy builder builds every stage, the
        # test stage too, and leaves it untagged: remove the project's untagged images (by label).
        run("docker", "image", "prune", "--force", "--filter", "label=mxnet-linreg.project")


def test_the_image_started_as_root_runs_as_nb_uid_with_no_way_back_or_refuses(image):
    """How make classroom starts a server (image/start.sh): as root with NB_UID, which the server then
    runs as, with no_new_privs set and no capabilities; without NB_UID it refuses, saying why."""
    became = run("docker", "run", "--rm", "--network", "none", "--user", "0", "-e", "NB_UID=10005", image,
                 "sh", "-c", "id -u; id -un; grep -E '^(NoNewPrivs|CapEff)' /proc/self/status").stdout.split()
    assert became == ["10005", "jovyan", "CapEff:", "0000000000000000", "NoNewPrivs:", "1"]
    refused = subprocess.run(["docker", "run", "--rm", "--network", "none", "--user", "0", image, "id"],
                             capture_output=True, text=True, timeout=120)
    assert refused.returncode == 1 and "started as root without NB_UID" in refused.stderr, refused


def test_docker_lab_run_by_root_serves_the_lab_as_root(image, tmp_path):
    """make docker-lab by a host's root (CI's machines, a VM): the server runs as root (NB_UID=0), so
    that it can write the host's root-owned notebooks/."""
    if os.geteuid() != 0:
        pytest.skip("run by root only")
    shutil.copytree(ROOT / "notebooks", tmp_path / "notebooks")
    port, token = free_port(), uuid.uuid4().hex
    # SIGINT as a terminal delivers it, even where this test runs as a background job (which ignores it).
    lab = subprocess.Popen([str(ROOT / "image" / "docker-lab.sh"), image, str(port)], cwd=tmp_path,
                           env=dict(os.environ, LAB_TOKEN=token), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True, start_new_session=True,
                           preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        printed = next((line for line in lab.stdout if "open: " in line or "error:" in line), "")
        assert "open: " in printed, printed
        base = f"http://127.0.0.1:{port}"
        created = jupyter_rest(f"{base}/api/contents/from-root.txt", "PUT", {"type": "file", "format": "text",
                                                                             "content": "x"}, token=token)[0]
        assert created == 201 and (tmp_path / "notebooks" / "from-root.txt").stat().st_uid == 0
    finally:
        stopped = interrupt(lab, 30)
        subprocess.run(["docker", "rm", "-f", f"mxnet-linreg-lab-{port}"], capture_output=True)
    assert stopped, "Ctrl-C did not stop make docker-lab within 30 s"
