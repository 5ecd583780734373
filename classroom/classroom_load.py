"""A class at once on a classroom hub (make test-classroom runs it; a teacher may run it by hand).

Each student, in a thread of their own, does what a student's browser does, through the real
hub, proxy and spawner:
1. logs in: asks the hub's REST API for a token with the class password;
2. starts their server and waits on the hub's progress events until it is ready (what the
   hub's spawn-pending page listens to);
3. follows their server's start page to the nbgitpuller link and runs the pull it names
   (the call that the link's page makes), which clones or merges the course;
4. opens lesson 02 from their copy and runs its code cells top to bottom in a kernel over the
   websocket, as JupyterLab does.

It prints the class's times, the memory of each container after the lesson and the CPU-seconds
a student cost (the machine's busy time over the class, from /proc/stat, less this driver's own,
divided by the class's size: the hub, the proxy, Docker and the servers), and exits non-zero
unless every student finished. Every wait has a bound. Run it on the hub's machine, for the
memory and the CPU-seconds.

A class handing in the exercises (make test-classroom) uses the same sessions: each student fetches
the assignment the teacher released, writes answers into its answer cells, validates and submits,
through the nbgrader assignment list's own calls (what its JupyterLab panel calls).

    .venv/bin/python classroom/classroom_load.py http://127.0.0.1:8000 PASSWORD --students 30
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import requests
import websocket

LESSON = "mxnet-linreg/notebooks/02-linear-regression-scratch.ipynb"
COURSE, ASSIGNMENT = "mxnet-linreg", "linreg"  # nbgrader's names (classroom/jupyter/, classroom/README.md)
EXERCISES = f"{ASSIGNMENT}/06-exercises.ipynb"  # where nbgrader's fetch puts the assignment, in the home
TIMEOUT = 300  # seconds: the bound on each wait (a server's start, a pull, a cell)


def execute(channel: websocket.WebSocket, code: str) -> str:
    """Run code in a kernel over a Jupyter server's websocket; return its printed text."""
    msg_id = uuid.uuid4().hex
    channel.send(json.dumps({
        "header": {"msg_id": msg_id, "msg_type": "execute_request", "username": "student",
                   "session": uuid.uuid4().hex, "version": "5.3"},
        "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
        "content": {"code": code, "silent": False, "store_history": False, "user_expressions": {},
                    "allow_stdin": False, "stop_on_error": True},
    }))
    text, status, idle = [], None, False
    while status is None or not idle:
        message = json.loads(channel.recv())
        if message["parent_header"].get("msg_id") != msg_id:
            continue
        kind, content = message["msg_type"], message["content"]
        if kind == "stream":
            text.append(content["text"])
        elif kind == "error":
            text.append("\n".join(content["traceback"]))
        elif kind == "execute_reply":
            status = content["status"]
        elif kind == "status":
            idle = content["execution_state"] == "idle"
    if status != "ok":
        raise RuntimeError("a cell failed:\n" + "".join(text)[-2000:])
    return "".join(text)


@dataclass
class Student:
    """One student's session with the hub: a token, their server, their kernel."""

    hub: str
    name: str
    password: str
    session: requests.Session = field(default_factory=requests.Session)
    times: dict = field(default_factory=dict)

    def login(self) -> None:
        reply = self.session.post(f"{self.hub}/hub/api/users/{self.name}/tokens", timeout=60, json={
            "auth": {"username": self.name, "password": self.password}, "note": "classroom_load",
            "expires_in": 3600})
        reply.raise_for_status()
        self.session.headers["Authorization"] = f"token {reply.json()['token']}"

    def api(self, method: str, path: str, **kwargs) -> requests.Response:
        return self.session.request(method, f"{self.hub}/hub/api{path}", timeout=60, **kwargs)

    def server(self) -> dict | None:
        """The hub's record of the student's server, or None if it has none."""
        reply = self.api("GET", f"/users/{self.name}")
        reply.raise_for_status()
        return reply.json()["servers"].get("")

    def start(self) -> None:
        """Start the server (if it is not running) and wait until the hub says it is ready, as the
        hub's spawn-pending page does: on the hub's progress event stream, which ends with the
        server ready or failed."""
        reply = self.api("POST", f"/users/{self.name}/server")
        if reply.status_code not in (201, 202, 400):  # 400: it is already running
            raise RuntimeError(f"{self.name}: the hub refused to start the server: {reply.status_code} {reply.text}")
        deadline = time.monotonic() + TIMEOUT
        with self.session.get(f"{self.hub}/hub/api/users/{self.name}/server/progress", stream=True,
                              timeout=TIMEOUT) as events:
            events.raise_for_status()
            for line in events.iter_lines(decode_unicode=True):  # the hub sends a blank line every few s
                if line.startswith("data:"):
                    event = json.loads(line[5:])
                    if event.get("ready"):
                        return
                    if event.get("failed"):
                        raise RuntimeError(f"{self.name}: the server did not start: {event.get('message')}")
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{self.name}: the server was not ready within {TIMEOUT} s")
        raise RuntimeError(f"{self.name}: the hub's progress events ended before the server was ready")

    def stop(self) -> None:
        """Stop the server and wait until the hub has stopped it."""
        self.api("DELETE", f"/users/{self.name}/server")
        deadline = time.monotonic() + TIMEOUT
        while self.server() is not None:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{self.name}: the server did not stop within {TIMEOUT} s")
            time.sleep(0.5)

    def url(self, path: str = "") -> str:
        return f"{self.hub}/user/{self.name}/{path}"

    def pull(self) -> str:
        """Follow the server's start page to its nbgitpuller link and run that pull; return its last event."""
        start = self.session.get(self.url(), allow_redirects=False, timeout=60)
        link = start.headers.get("Location", "")
        if "/git-pull?" not in link:
            raise RuntimeError(f"{self.name}: the server's start page is not an nbgitpuller link: {link!r}")
        query = urlsplit(link).query
        last = None
        with self.session.get(self.url(f"git-pull/api?{query}"), stream=True, timeout=TIMEOUT) as events:
            events.raise_for_status()
            for line in events.iter_lines(decode_unicode=True):
                if line.startswith("data:"):
                    last = json.loads(line[5:])
                    if last.get("phase") == "error":
                        raise RuntimeError(f"{self.name}: nbgitpuller failed: {last.get('message')}")
        if not last or last.get("phase") != "finished":
            raise RuntimeError(f"{self.name}: nbgitpuller did not finish: {last}")
        return last["phase"]

    def contents(self, path: str) -> dict:
        reply = self.session.get(self.url(f"api/contents/{path}"), timeout=60)
        reply.raise_for_status()
        return reply.json()

    def save(self, path: str, notebook: dict) -> None:
        reply = self.session.put(self.url(f"api/contents/{path}"), timeout=60,
                                 json={"type": "notebook", "format": "json", "content": notebook})
        reply.raise_for_status()

    def kernel(self) -> tuple[str, websocket.WebSocket]:
        """A new kernel on the student's server: its id and its websocket."""
        reply = self.session.post(self.url("api/kernels"), json={"name": "mxnet"}, timeout=TIMEOUT)
        reply.raise_for_status()
        kernel_id = reply.json()["id"]
        ws = self.url(f"api/kernels/{kernel_id}/channels").replace("http://", "ws://", 1)
        return kernel_id, websocket.create_connection(
            ws, timeout=TIMEOUT, header=[f"Authorization: {self.session.headers['Authorization']}"])

    def run_notebook(self, path: str = LESSON) -> str:
        """Run the code cells of the student's copy of a notebook in a new kernel; leave the kernel running."""
        cells = [cell["source"] for cell in self.contents(path)["content"]["cells"] if cell["cell_type"] == "code"]
        _, channel = self.kernel()
        try:
            return "".join(execute(channel, source) for source in cells)
        finally:
            channel.close()

    def shell(self, command: str, timeout: int = TIMEOUT) -> str:
        """Run a shell command on the server, as its user does in a terminal there (here through a
        kernel, shut down afterwards); return what it printed. Raises, with its output, if it fails or
        takes over timeout s."""
        code = ("import subprocess\n"
                f"done = subprocess.run({command!r}, shell=True, capture_output=True, text=True, timeout={timeout})\n"
                "print(done.stdout + done.stderr, end='')\n"
                "assert done.returncode == 0, f'exit status {done.returncode}'")
        kernel_id, channel = self.kernel()
        try:
            return execute(channel, code)
        finally:
            channel.close()
            self.session.delete(self.url(f"api/kernels/{kernel_id}"), timeout=60)

    def assignments(self, action: str = "", **data) -> dict:
        """nbgrader's assignment list: the course's assignments (no action), or fetch, submit, fetch_feedback."""
        if action:
            reply = self.session.post(self.url(f"assignments/{action}"), timeout=TIMEOUT,
                                      json={"course_id": COURSE, "assignment_id": ASSIGNMENT, **data})
        else:
            reply = self.session.get(self.url("assignments"), params={"course_id": COURSE}, timeout=TIMEOUT)
        reply.raise_for_status()
        result = reply.json()
        if not result.get("success"):
            raise RuntimeError(f"{self.name}: nbgrader's {action or 'list'} failed: {result.get('value')}")
        return result

    def hand_in(self, answers: dict[str, str]) -> None:
        """Fetch the assignment (once), put each answer into its answer cell (by nbgrader's grade id:
        {"e1-answer": code}), save, validate and submit, as a student does in JupyterLab."""
        listed = self.assignments()["value"]
        if not any(a["assignment_id"] == ASSIGNMENT and a["status"] in ("fetched", "submitted") for a in listed):
            self.assignments("fetch")
        notebook = self.contents(EXERCISES)["content"]
        for cell in notebook["cells"]:
            grade_id = cell["metadata"].get("nbgrader", {}).get("grade_id")
            if grade_id in answers:
                cell["source"] = answers[grade_id]
        self.save(EXERCISES, notebook)
        reply = self.session.post(self.url("assignments/validate"), json={"path": EXERCISES}, timeout=TIMEOUT)
        reply.raise_for_status()
        if not reply.json().get("success"):
            raise RuntimeError(f"{self.name}: nbgrader's validate failed: {reply.json().get('value')}")
        begun = time.monotonic()
        self.assignments("submit")
        self.times["submit"] = time.monotonic() - begun

    def lesson(self, start_time: float) -> "Student":
        """The whole visit: log in, start, pull, run lesson 02. Records when each step ended."""
        self.login()
        self.start()
        self.times["ready"] = time.monotonic() - start_time
        self.pull()
        begun = time.monotonic()
        self.run_notebook()
        self.times["lesson"] = time.monotonic() - begun
        self.times["done"] = time.monotonic() - start_time
        return self


def container_memory(prefix: str) -> dict[str, float]:
    """MB of memory each of the hub's containers uses now (docker stats), by container name."""
    lines = subprocess.run(["docker", "stats", "--no-stream", "--format", "{{.Name}} {{.MemUsage}}"],
                           capture_output=True, text=True, timeout=120, check=True).stdout.splitlines()
    units = {"KiB": 1024 / 1e6, "MiB": 1024**2 / 1e6, "GiB": 1024**3 / 1e6, "B": 1e-6}
    memory = {}
    for line in lines:
        name, used = line.split()[0], line.split()[1]
        if name.startswith(prefix):
            number = used.rstrip("KMGiB")
            memory[name] = float(number) * units[used[len(number):]]
    return memory


def busy_cpu_seconds() -> float:
    """CPU-seconds this machine has spent busy since boot (/proc/stat), less this process's own
    (its threads and the commands it ran): what the hub, the proxy, Docker and the servers used."""
    fields = [int(n) for n in open("/proc/stat", encoding="ascii").readline().split()[1:8]]
    user, nice, system, _idle, _iowait, irq, softirq = fields
    own = os.times()
    return ((user + nice + system + irq + softirq) / os.sysconf("SC_CLK_TCK")
            - own.user - own.system - own.children_user - own.children_system)


def host_memory_in_use() -> float:
    """MB of the host's memory in use (MemTotal - MemAvailable)."""
    info = dict(line.split(":") for line in open("/proc/meminfo", encoding="ascii"))
    return (int(info["MemTotal"].split()[0]) - int(info["MemAvailable"].split()[0])) * 1024 / 1e6


def run_class(hub: str, password: str, names: list[str], prefix: str) -> dict:
    """Every student's lesson at once; returns the figures. Raises if any student did not finish."""
    memory_before, cpu_before = host_memory_in_use(), busy_cpu_seconds()
    start_time = time.monotonic()
    students = [Student(hub, name, password) for name in names]
    with ThreadPoolExecutor(max_workers=len(students)) as pool:
        futures = {student.name: pool.submit(student.lesson, start_time) for student in students}
    failed = {name: future.exception() for name, future in futures.items() if future.exception()}
    total = time.monotonic() - start_time
    cpu = busy_cpu_seconds() - cpu_before
    memory = container_memory(prefix)
    figures = {
        "students": len(names), "finished": len(names) - len(failed), "total": total,
        "ready": sorted(s.times["ready"] for s in students if "done" in s.times),
        "lesson": sorted(s.times["lesson"] for s in students if "done" in s.times),
        "memory": sorted(memory.values()), "host_memory": host_memory_in_use() - memory_before,
        "cpu_per_student": cpu / len(names),
        "failed": {name: f"{type(error).__name__}: {error}" for name, error in failed.items()},
    }
    for student in students:  # the kernels are left running until the memory is measured
        for kernel in student.session.get(student.url("api/kernels"), timeout=60).json() if "done" in student.times else []:
            student.session.delete(student.url(f"api/kernels/{kernel['id']}"), timeout=60)
    return figures


def hand_in_at_once(students: list[Student], answers: dict[str, dict[str, str]]) -> dict:
    """The students, logged in with their servers running, hand in their answers (by name) at once;
    returns the failures by name, the time from the first request to the last submission and each
    submission's time."""
    start_time = time.monotonic()
    with ThreadPoolExecutor(max_workers=len(students)) as pool:
        futures = {student.name: pool.submit(student.hand_in, answers[student.name]) for student in students}
    errors = {name: future.exception() for name, future in futures.items()}
    failed = {name: f"{type(error).__name__}: {error}" for name, error in errors.items() if error}
    return {"failed": failed, "total": time.monotonic() - start_time,
            "submit": sorted(s.times["submit"] for s in students if "submit" in s.times)}


def report(figures: dict) -> str:
    def spread(values: list[float], unit: str) -> str:
        return f"p50 {statistics.median(values):.0f} {unit} / max {max(values):.0f} {unit}" if values else "-"
    lines = [
        f"students: {figures['students']}, finished lesson 02: {figures['finished']}",
        f"first request to last lesson: {figures['total']:.0f} s",
        f"server ready after (from the class's first request): {spread(figures['ready'], 's')}",
        f"lesson 02 took: {spread(figures['lesson'], 's')}",
        f"memory per student (container, after the lesson): {spread(figures['memory'], 'MB')}",
        f"host memory in use, added: {figures['host_memory']:.0f} MB",
        f"CPU-seconds a student (the machine's, this driver's own excluded): {figures['cpu_per_student']:.1f}",
    ]
    lines += [f"FAILED {name}: {error}" for name, error in figures["failed"].items()]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("hub", help="the hub's address, e.g. http://127.0.0.1:8000")
    parser.add_argument("password", help="the class password")
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--prefix", default="mxnet-linreg-class", help="the hub's container names start with this")
    args = parser.parse_args()
    names = [f"student{i:02d}" for i in range(1, args.students + 1)]
    figures = run_class(args.hub.rstrip("/"), args.password, names, args.prefix)
    print(report(figures))
    return 0 if not figures["failed"] else 1


if __name__ == "__main__":
    sys.exit(main())
