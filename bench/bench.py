"""make bench: measure, on this machine, the figures the guides state, and write them as one table
to bench/FIGURES.md (or the file given), with the date, the CPU and the core count.

Each figure is measured by running the command its row names, as a user types it; where there is a
natural comparison, both sides run here, one after the other, and the table gives their ratio:
uv against pip installing the same lock from empty caches, and a class's CPU-seconds per student
against lesson 02 run alone in a container limited as a student's. The parts that need Docker are
skipped, with the reason, when Docker does not answer. Every wait has a bound.

Usage: python bench/bench.py [OUT]   (the Makefile: make bench; STUDENTS sets the class's size)
"""

import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "classroom"))
from classroom_load import busy_cpu_seconds, run_class  # noqa: E402  (a script beside the classroom's config)

PYTHON = ROOT / ".venv" / "bin" / "python"
IMAGE = "mxnet-linreg-bench"  # built here from the working tree, removed at the end
LESSON = "notebooks/02-linear-regression-scratch.ipynb"
rows: list[tuple[str, str, str, str]] = []  # figure, value, goal, command
skipped: list[str] = []


def row(figure: str, value: str, command: str, goal: str = "", met: bool | None = None) -> None:
    """One figure; a goal the project aims for (no test asserts it) is marked met or missed."""
    if goal:
        goal = f"{goal}: {'met' if met else 'missed'}"
    rows.append((figure, value, goal, command))
    print(f"bench: {figure}: {value}{f' ({goal})' if goal else ''}", flush=True)


def run(command: list[str] | str, timeout: float, **kwargs) -> subprocess.CompletedProcess:
    """Run a command to the end within timeout s; raise, with its output, if it fails."""
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, shell=isinstance(command, str),
                          **kwargs)
    if done.returncode:
        raise RuntimeError(f"{command} failed (exit status {done.returncode}):\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    return done


def timed(command: list[str] | str, timeout: float, **kwargs) -> tuple[float, float]:
    """Wall seconds and the CPU-seconds of the command and its children."""
    before, start = os.times(), time.monotonic()
    run(command, timeout, **kwargs)
    after = os.times()
    return time.monotonic() - start, (after.children_user - before.children_user
                                      + after.children_system - before.children_system)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def answers(url: str, token: str = "") -> bool:
    request = urllib.request.Request(url, headers={"Authorization": f"token {token}"} if token else {})
    try:
        with urllib.request.urlopen(request, timeout=5) as reply:
            return reply.status == 200
    except OSError:
        return False


def started(command: list[str], ready: str, within: float, **kwargs) -> tuple[subprocess.Popen, float]:
    """Start a long-running command in its own process group; the seconds until it prints a line
    starting with ready. Stops it and raises, with its output, if that takes over within s."""
    start = time.monotonic()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               start_new_session=True, **kwargs)
    output: list[str] = []
    seen = threading.Event()

    def read() -> None:
        for line in process.stdout:
            output.append(line)
            if line.strip().startswith(ready):
                seen.set()
    threading.Thread(target=read, daemon=True).start()
    if not seen.wait(within):
        stop(process)
        raise RuntimeError(f"{command} printed no {ready!r} within {within:.0f} s:\n{''.join(output[-20:])}")
    return process, time.monotonic() - start


def stop(process: subprocess.Popen, within: float = 60) -> None:
    """SIGTERM to the process group, as a service manager stops it (make lab, docker-lab and
    classroom clean up on it as on Ctrl-C, whose SIGINT a shell's background job ignores);
    SIGKILL if it has not ended within s."""
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=within)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def poll(url: str, token: str, process: subprocess.Popen, within: float) -> None:
    deadline = time.monotonic() + within
    while not answers(url, token):
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"{url} did not answer within {within:.0f} s")
        time.sleep(0.1)


def spread(values: list[float], unit: str = "s") -> str:
    return (f"median {statistics.median(values):.2f} {unit} ({', '.join(f'{v:.2f}' for v in values)}; "
            f"{len(values)} runs)")


def set_up(work: Path, students: int) -> None:
    """uv (setup/venv.sh, what make venv runs) against pip, the same lock, empty caches; then a
    fresh clone to make lab answering, with empty caches again."""
    env = dict(os.environ, UV_CACHE_DIR=str(work / "uv-cache"), PIP_CACHE_DIR=str(work / "pip-cache"))
    uv, _ = timed(["sh", "setup/venv.sh", "python3", str(work / "uv-venv"), "requirements.txt"], 1200, cwd=ROOT, env=env)
    env["PIP_CACHE_DIR"] = str(work / "pip-cache-2")
    pip, _ = timed(f"python3 -m venv {work}/pip-venv && {work}/pip-venv/bin/pip install --quiet --no-compile "
                   "--disable-pip-version-check --no-deps --require-hashes -r requirements.txt", 2400, cwd=ROOT, env=env)
    command = ("setup/venv.sh python3 DIR requirements.txt (make venv: the venv, uv bootstrapped by pip, uv pip sync, "
               "the kernel's set-up), against python3 -m venv DIR && pip install --no-compile --require-hashes "
               "--no-deps -r requirements.txt; empty caches, no bytecode on either side")
    row("installing the learners' lock: uv (make venv)", f"{uv:.0f} s", command)
    row("installing the same lock: pip", f"{pip:.0f} s; uv is {pip / uv:.1f}× as fast", command)

    env["UV_CACHE_DIR"], env["PIP_CACHE_DIR"] = str(work / "uv-cache-3"), str(work / "pip-cache-3")
    token, port = uuid.uuid4().hex, free_port()
    start = time.monotonic()
    run(["git", "clone", "--quiet", str(ROOT), str(work / "clone")], 120)
    lab, _ = started(["make", "lab", f"LAB_PORT={port}", f"LAB_TOKEN={token}"], "open:", 600,
                        cwd=work / "clone", env=env)
    try:
        poll(f"http://127.0.0.1:{port}/api/status", token, lab, 120)
        took = time.monotonic() - start
        row("fresh clone to `make lab` answering", f"{took:.1f} s",
            "git clone (the committed HEAD); make lab; /api/status polled every 0.1 s; empty uv and pip caches",
            "≤ 25 s", took <= 25)
    finally:
        stop(lab)


def checks(work: Path, students: int) -> None:
    """Warm make test, each notebook's run, the lesson's training cell, make html."""
    start = time.monotonic()
    passed = re.findall(r"(\d+) passed", run(["make", "test"], 1800, cwd=ROOT).stdout)[-1]
    took = time.monotonic() - start
    row("warm `make test`", f"{took:.0f} s ({passed} tests)",
        "time make test (ruff, nbval, the fast tests), .venv present", "≤ 40 s", took <= 40)
    for notebook in sorted((ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb")):
        if notebook.name.startswith("06-"):
            continue  # the learners' copy: its answer cells are blank and raise until a learner fills them in
        wall, cpu = timed([str(ROOT / ".venv/bin/jupyter"), "nbconvert", "--to", "notebook", "--execute",
                           "--stdout", str(notebook)], 900, cwd=ROOT)
        row(f"{notebook.stem}, kernel start included", f"{wall:.1f} s, {cpu:.1f} CPU-s",
            f"jupyter nbconvert --to notebook --execute --stdout notebooks/{notebook.name}")
    training = []
    for _ in range(3):
        out = run([str(PYTHON), "-c", TRAINING_CELL], 900, cwd=ROOT).stdout
        training.append(float(out.split()[-1]))
    row("the lesson's training cell (lesson 02, `for e in range(epochs)`)", spread(training),
        "nbclient with record_timing: the cell's execute_input to its execute_reply")
    wall, _ = timed(["make", "html"], 600, cwd=ROOT)
    row("`make html`", f"{wall:.1f} s", "time make html")


TRAINING_CELL = f"""
import nbclient, nbformat
from datetime import datetime
notebook = nbformat.read({str(ROOT / LESSON)!r}, as_version=4)
nbclient.NotebookClient(notebook, record_timing=True, timeout=600, kernel_name="mxnet").execute()
cell = next(c for c in notebook.cells if c.cell_type == "code" and "for e in range(epochs)" in c.source)
times = {{k: datetime.fromisoformat(v.replace("Z", "+00:00")) for k, v in cell.metadata.execution.items()}}
print((times["shell.execute_reply"] - times["iopub.execute_input"]).total_seconds())
"""


def docker(work: Path, students: int) -> None:
    """The image built without cache and its size, make docker-lab ready, lesson 02 alone in a
    container, make classroom answering, a class of students through lesson 02."""
    run(["image/base-image.sh", "debian:bookworm-slim"], 900, cwd=ROOT)
    wall, _ = timed(["docker", "build", "--quiet", "--no-cache", "--force-rm", "--target", "learner", "-t", IMAGE, "."],
                    1800, cwd=ROOT)
    size = int(run(["docker", "image", "inspect", "-f", "{{.Size}}", IMAGE], 60).stdout)
    row("`make image`, base present, no build cache", f"{wall:.0f} s",
        "docker build --no-cache --target learner . (what make image runs, without its cache)")
    row("the image's size", f"{size / 1e6:.0f} MB", "docker image inspect -f '{{.Size}}' (make test-image bounds it at 890 MB)",
        "≤ 850 MB", size <= 850e6)

    port, token = free_port(), uuid.uuid4().hex
    lab, ready = started(["image/docker-lab.sh", IMAGE, str(port)], "open:", 300, cwd=ROOT,
                            env=dict(os.environ, LAB_TOKEN=token))
    stop(lab)
    row("`make docker-lab` until it prints the address (the server answering)", f"{ready:.1f} s",
        "image/docker-lab.sh IMAGE PORT (what make docker-lab runs), until its open: line")

    # A student's container's limits and environment (classroom/jupyterhub_config.py), the lesson run by
    # nbconvert instead of a student's server.
    student = ["--cpus", "1", "--memory", "1g", "--pids-limit", "512", "-e", "OMP_NUM_THREADS=1",
               "-e", "MXNET_USE_OPERATOR_TUNING=0"]
    cpu = busy_cpu_seconds()
    wall, _ = timed(["docker", "run", "--rm", *student, IMAGE, "jupyter", "nbconvert", "--to", "notebook",
                     "--execute", "--stdout", f"/opt/mxnet-linreg/{LESSON}"], 900)
    alone = busy_cpu_seconds() - cpu
    row("lesson 02 alone, in a container with a student's limits and environment",
        f"{wall:.1f} s, {alone:.1f} CPU-s",
        f"docker run --rm {' '.join(student)} IMAGE jupyter nbconvert --execute …02…; "
        "the machine's CPU-s from /proc/stat, this process's excluded")

    prefix = f"mxnet-linreg-bench-{uuid.uuid4().hex[:8]}"
    names = [f"student{i:02d}" for i in range(1, students + 1)]
    (work / "roster.txt").write_text("\n".join(names) + "\n", encoding="utf-8")
    hub_port = free_port()
    env = dict(os.environ, CLASSROOM_STATE=str(work / "state"), CLASSROOM_ROSTER=str(work / "roster.txt"),
               CLASSROOM_PREFIX=prefix)
    hub, ready = started(["classroom/classroom.sh", str(ROOT / "classroom/.venv"), IMAGE, str(hub_port)],
                            "JupyterHub for the class", 120, cwd=ROOT, env=env)
    try:
        row("`make classroom` until it prints the address (the hub answering)", f"{ready:.1f} s",
            "classroom/classroom.sh VENV IMAGE PORT (what make classroom runs) with a state folder, roster and "
            "container names of its own, until its JupyterHub for the class line")
        secrets = dict(line.split("=", 1) for line in (work / "state" / "secrets").read_text().split())
        figures = run_class(f"http://127.0.0.1:{hub_port}", secrets["CLASSROOM_PASSWORD"], names, prefix)
        if figures["failed"]:
            raise RuntimeError(f"the class did not finish: {figures['failed']}")
        command = (f"that hub, then run_class of classroom/classroom_load.py (what its command line, "
                   f"--students {students}, runs)")
        row(f"a class of {students} through lesson 02, first login to last lesson", f"{figures['total']:.0f} s", command)
        row("… a student's server ready, counted from the class's first login",
            f"median {statistics.median(figures['ready']):.0f} s, max {max(figures['ready']):.0f} s", command)
        row("… memory a student (the container, after the lesson)",
            f"median {statistics.median(figures['memory']):.0f} MB", command + "; docker stats")
        per_student = figures["cpu_per_student"]
        row("… CPU-seconds a student: the hub, the proxy, Docker and the servers",
            f"{per_student:.1f} CPU-s: {per_student / alone:.1f}× lesson 02 alone", command +
            "; the machine's CPU-s from /proc/stat, the driver's own excluded, ÷ students")
    finally:
        stop(hub)
        volumes = run(["docker", "volume", "ls", "-q", "--filter", f"name={prefix}-"], 60).stdout.split()
        if volumes:
            run(["docker", "volume", "rm", "-f", *volumes], 120)
    left = run(["docker", "ps", "-aq", "--filter", f"ancestor={IMAGE}"], 60).stdout.split()
    if left:
        run(["docker", "rm", "-f", *left], 120)
        raise RuntimeError(f"containers of {IMAGE} were left running after their commands stopped: {left}")


def machine() -> str:
    info = open("/proc/cpuinfo", encoding="utf-8").read()
    model = re.search(r"^model name\s*:\s*(.*)$", info, re.MULTILINE)
    memory = int(re.search(r"MemTotal:\s*(\d+)", open("/proc/meminfo", encoding="ascii").read()).group(1))
    avx512 = "with" if " avx512f" in info else "without"
    return (f"{model.group(1).strip() if model else platform.processor()}, {avx512} AVX-512, "
            f"{os.cpu_count()} cores, {memory / 1024**2:.0f} GB, {platform.system()} {platform.release()}")


def write(out: Path, started_at: datetime, seconds: float, failed: list[str]) -> None:
    commit = run(["git", "rev-parse", "--short", "HEAD"], 30, cwd=ROOT).stdout.strip()
    dirty = " (with uncommitted changes)" if run(["git", "status", "--porcelain"], 30, cwd=ROOT).stdout.strip() else ""
    lines = [
        "# Figures",
        "",
        "Written by `make bench` ([bench/bench.py](bench.py)); do not edit by hand, run it again.",
        "The guides cite this file instead of keeping numbers of their own. The same machine gives",
        "different figures on different days: compare figures from one run, as the ratios do. A goal",
        "is what the project aims for; the tests' own bounds are in the tests.",
        "",
        f"- measured: {started_at:%Y-%m-%d %H:%M} UTC, in {seconds / 60:.0f} minutes, at commit {commit}{dirty}",
        f"- machine: {machine()}",
        "",
        "| figure | value | goal | command |",
        "|---|---|---|---|",
        *[f"| {figure} | {value} | {target} | {command.replace('|', '/')} |" for figure, value, target, command in rows],
    ]
    if skipped:
        lines += ["", "Skipped:", "", *[f"- {reason}" for reason in skipped]]
    if failed:
        lines += ["", "Failed (these figures are missing):", "", *[f"- {reason}" for reason in failed]]
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"bench: wrote {out}")


def main(argv: list[str]) -> int:
    out = Path(argv[0]) if argv else ROOT / "bench" / "FIGURES.md"
    students = int(os.environ.get("STUDENTS", "30"))
    started_at, start = datetime.now(timezone.utc), time.monotonic()
    work = Path(tempfile.mkdtemp(prefix="mxnet-linreg-bench-"))
    failed = []
    try:
        for part in (set_up, checks, docker):
            reason = docker_missing() if part is docker else ""
            if reason:
                skipped.append(f"the image, make docker-lab, lesson 02 in a container, make classroom, the class: {reason}")
                continue
            try:
                part(work, students)
            except Exception as error:  # noqa: BLE001  (a part's failure is reported; the others still run)
                failed.append(f"{part.__name__}: {type(error).__name__}: {error}")
                print(f"bench: FAILED {failed[-1]}", file=sys.stderr, flush=True)
    finally:
        if shutil.which("docker"):
            subprocess.run(["docker", "rmi", "-f", IMAGE], capture_output=True, timeout=120)
        shutil.rmtree(work, ignore_errors=True)
    write(out, started_at, time.monotonic() - start, failed)
    return 1 if failed else 0


def docker_missing() -> str:
    """Why the Docker parts cannot run here, or "" if they can."""
    if not shutil.which("docker"):
        return "no docker command (install Docker; CI's machine: sh ci/docker.sh start)"
    done = subprocess.run(["docker", "info"], capture_output=True, text=True, timeout=60)
    return "" if done.returncode == 0 else f"docker info failed ({done.stderr.strip().splitlines()[-1:]}): start Docker"


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
