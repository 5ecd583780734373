"""The classroom (make test-classroom, run by CI as root): make classroom's hub, proxy and spawner,
the real ones, serving the project's image to a class at once, and its faults.

The hub is started by classroom/classroom.sh exactly as `make classroom` starts it, on free ports, with
a state folder, a roster and a container prefix of the test's own, and a course repository made
from this checkout's notebooks (a teacher's commit to it is one of the faults). Each fault checks
that nothing a student saved is lost. Ctrl-C ends the class: no container may be left.
"""

import csv
import io
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psutil
import pytest
import requests
from classroom_load import ASSIGNMENT, LESSON, Student, hand_in_at_once, report, run_class
from conftest import ROOT, SCREENSHOTS, free_port, git, interrupt, need, run
from test_exercises import CASES

pytestmark = [pytest.mark.classroom, pytest.mark.timeout(900)]

IMAGE = os.environ.get("IMAGE", "mxnet-linreg")
STUDENTS = int(os.environ.get("STUDENTS", "30"))
HUB_VENV = ROOT / "classroom" / ".venv"
HUB_RUNNING = re.compile(r"\[I [0-9 :.-]+ JupyterHub app:[0-9]+\] JupyterHub is now running, internal Hub API at")


def ports() -> int:
    """A port p with p and p+1 free on 127.0.0.1 (the class, the proxy's API) and p+81 free (the hub's
    API, which listens on the Docker bridge's address: checked there by make classroom)."""
    for _ in range(50):
        port = free_port()
        if port + 81 < 65536 and all(is_free(p) for p in (port + 1, port + 81)):
            return port
    raise RuntimeError("no three free ports found")


def is_free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def course_repository(folder: Path) -> Path:
    """A git repository holding this checkout's notebooks, as a teacher's course repository would."""
    folder.mkdir()
    shutil.copytree(ROOT / "notebooks", folder / "notebooks", ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    git(folder, "init", "--quiet", "--initial-branch=main")
    git(folder, "add", ".")
    git(folder, "commit", "--quiet", "-m", "The course")
    git(folder, "branch", "solutions")  # a branch the students must not see
    return folder


class Classroom:
    """make classroom, started by the test: classroom/classroom.sh in a process group of its own."""

    def __init__(self, folder: Path, names: list[str], idle_timeout: int = 3600, ignore_sigint: bool = False):
        self.folder, self.prefix = folder, f"mxnet-linreg-test-{uuid.uuid4().hex[:8]}"
        self.port = ports()
        self.url = f"http://127.0.0.1:{self.port}"
        self.state = folder / "state"
        roster = folder / "roster.txt"
        roster.write_text("\n".join(names) + "\n", encoding="utf-8")
        self.course = course_repository(folder / "course")
        environment = dict(os.environ, CLASSROOM_STATE=str(self.state), CLASSROOM_ROSTER=str(roster),
                           CLASSROOM_PREFIX=self.prefix, CLASSROOM_REPO=str(self.course),
                           CLASSROOM_IDLE_TIMEOUT=str(idle_timeout))
        self.started = time.monotonic()
        # ignore_sigint: as a script started in the background by another (a non-interactive shell
        # gives its background commands SIGINT ignored, which they then cannot trap).
        self.process = subprocess.Popen(
            [str(ROOT / "classroom" / "classroom.sh"), str(HUB_VENV), IMAGE, str(self.port)], cwd=ROOT,
            env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
            preexec_fn=(lambda: signal.signal(signal.SIGINT, signal.SIG_IGN)) if ignore_sigint else None)
        self.output: list[str] = []
        self.ready = threading.Event()
        threading.Thread(target=self._read, daemon=True).start()
        if not self.ready.wait(60):
            self.stop()
            raise AssertionError("make classroom did not answer within 60 s:\n" + "".join(self.output[-30:]))
        self.answered = time.monotonic() - self.started
        secrets = dict(line.split("=", 1) for line in (self.state / "secrets").read_text().split())
        self.password, self.admin_password = secrets["CLASSROOM_PASSWORD"], secrets["CLASSROOM_ADMIN_PASSWORD"]

    def _read(self) -> None:
        for line in self.process.stdout:
            self.output.append(line)
            if line.startswith("JupyterHub for the class"):
                self.ready.set()

    def student(self, name: str) -> Student:
        student = Student(self.url, name, self.password)
        student.login()
        return student

    def teacher(self) -> Student:
        teacher = Student(self.url, "teacher", self.admin_password)
        teacher.login()
        return teacher

    def hub_process(self) -> psutil.Process:
        (hub,) = [p for p in psutil.Process(self.process.pid).children(recursive=True)
                  if any(part.endswith("/jupyterhub") for part in p.cmdline()[:2])]
        return hub

    def proxy_process(self) -> psutil.Process:
        (proxy,) = [p for p in psutil.Process(self.process.pid).children(recursive=True)
                    if any(part.endswith("configurable-http-proxy") for part in p.cmdline()[:2])]
        return proxy

    def containers(self) -> list[str]:
        return run("docker", "ps", "-aq", "--filter", f"label=mxnet-linreg.classroom={self.prefix}").stdout.split()

    def hub_starts(self) -> int:
        """How many times the hub has answered since make classroom started (its own log line)."""
        return sum(bool(HUB_RUNNING.match(line)) for line in self.output)

    def wait_for_hub_start(self, count: int, within: float) -> None:
        deadline = time.monotonic() + within
        while self.hub_starts() < count:
            assert time.monotonic() < deadline, f"the hub did not answer again within {within:.0f} s"
            time.sleep(0.5)

    def processes(self) -> list[psutil.Process]:
        """What make classroom started: its session's processes (the hub, the proxy, the culler, the
        log's tail), anything running in the state folder or naming it (the course's copy, in a
        session of its own) or naming the hub's API port."""
        found = []
        for process in psutil.process_iter():
            try:
                command = " ".join(process.cmdline())
                if (os.getsid(process.pid) == self.process.pid or process.cwd() == str(self.state)
                        or str(self.state) in command or f":{self.port + 81}/" in command):
                    found.append(process)
            except (psutil.Error, OSError):  # gone meanwhile
                pass
        return found

    def stop(self) -> None:
        """Ctrl-C; then no process or container of this class may be left. The test's volumes are removed."""
        stopped = interrupt(self.process, 60)
        processes = self.processes()
        for process in processes:
            process.kill()
        left = self.containers()
        subprocess.run(["docker", "rm", "-f", *left], capture_output=True)
        volumes = run("docker", "volume", "ls", "-q", "--filter", f"name={self.prefix}-").stdout.split()
        subprocess.run(["docker", "volume", "rm", "-f", *volumes], capture_output=True)
        assert stopped, "make classroom did not stop within 60 s of Ctrl-C"
        assert not left, f"Ctrl-C left containers: {left}"
        assert not processes, f"Ctrl-C left processes: {[p.cmdline() for p in processes]}"


@pytest.fixture(scope="module")
def image():
    need(shutil.which("docker") is not None, "no docker command (install Docker; CI installs docker.io)")
    need(subprocess.run(["docker", "info"], capture_output=True, timeout=60).returncode == 0,
         "docker cannot reach a daemon (start dockerd)")
    need((HUB_VENV / "bin" / "jupyterhub").exists(), "no classroom/.venv: run make test-classroom")
    run("make", "image", f"IMAGE={IMAGE}", cwd=ROOT, timeout=600)
    return IMAGE


@pytest.fixture(scope="module")
def classroom(image, tmp_path_factory):
    names = [f"student{i:02d}" for i in range(1, STUDENTS + 1)] + ["intruder", "edits", "crashes", "outlives", "retries",
                                                                   "reconnects", "resubmits", "late", "victim"]
    room = Classroom(tmp_path_factory.mktemp("classroom"), names)
    yield room
    room.stop()


def test_make_classroom_answers_within_10_s(classroom):
    print(f"\nmake classroom answered after {classroom.answered:.1f} s")
    assert classroom.answered <= 10, f"make classroom answered after {classroom.answered:.1f} s"
    assert requests.get(f"{classroom.url}/hub/api/", timeout=10).status_code == 200


@pytest.mark.parametrize("fault, expected, tools_own", [
    ("no daemon", "error: docker cannot reach its daemon (docker info: exit status 1", "Cannot connect to the Docker daemon"),
    ("no image", "error: no image mxnet-linreg-none yet (docker image inspect: exit status 1", "No such image"),
    ("port taken", "is taken (the class uses", "Address already in use"),
    ("no branch", "error: no branch no-such-branch in the course's repository", "(git ls-remote: exit status 2;"),
])
def test_make_classroom_says_what_is_wrong_and_starts_nothing(image, tmp_path, fault, expected, tools_own):
    port = ports()
    environment = dict(os.environ, CLASSROOM_STATE=str(tmp_path / "state"))
    if fault == "no daemon":
        environment["DOCKER_HOST"] = f"unix://{tmp_path}/no-docker.sock"
    if fault == "no branch":
        environment["CLASSROOM_BRANCH"] = "no-such-branch"
    with socket.create_server(("127.0.0.1", port + 1)):  # held only in the "port taken" case below
        if fault != "port taken":
            port = ports()
        result = subprocess.run([str(ROOT / "classroom" / "classroom.sh"), str(HUB_VENV),
                                 "mxnet-linreg-none" if fault == "no image" else image, str(port)],
                                env=environment, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1 and expected in result.stderr and tools_own in result.stderr, result.stderr
    assert not (tmp_path / "state").exists(), "nothing may be written before the checks pass"


class FirstBootDocker:
    """A Docker daemon as it answers after its first start on a machine (moby/moby#26799): the bridge
    network without a gateway. A proxy to the real daemon's socket that rewrites that one answer, naming
    an interface that does not exist here, so neither way of finding the gateway works."""

    def __init__(self, socket_path: Path, interface: str = "mxnet-none0"):
        import http.client
        import http.server
        import json
        import socketserver

        class Upstream(http.client.HTTPConnection):
            def connect(self):
                self.sock = socket.socket(socket.AF_UNIX)
                self.sock.connect("/var/run/docker.sock")

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def forward(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                upstream = Upstream("docker")
                upstream.request(self.command, self.path, body or None,
                                 {k: v for k, v in self.headers.items() if k.lower() != "connection"})
                reply = upstream.getresponse()
                data = reply.read()
                if re.fullmatch(r"(/v[0-9.]+)?/networks/bridge", self.path.split("?")[0]):
                    network = json.loads(data)
                    for config in network["IPAM"]["Config"]:
                        config.pop("Gateway", None)
                    network["Options"]["com.docker.network.bridge.name"] = interface
                    data = json.dumps(network).encode()
                self.send_response(reply.status)
                for key, value in reply.getheaders():
                    if key.lower() not in ("content-length", "transfer-encoding", "connection"):
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)

            do_GET = do_HEAD = do_POST = forward

            def address_string(self):
                return "docker-client"

            def log_message(self, *args):
                pass

        class Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
            daemon_threads = True

        self.server = Server(str(socket_path), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"unix://{socket_path}"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def test_make_classroom_finds_the_bridge_on_a_daemons_first_boot_or_says_what_docker_answered(image, tmp_path):
    """On a daemon's first start Docker leaves the bridge's gateway out of its answer; make classroom
    then takes the bridge interface's address (classroom/docker_bridge.py, and tests/test_docker_bridge.py
    for that). Where that fails too, it says so with what Docker answered, and starts nothing."""
    docker = FirstBootDocker(tmp_path / "docker.sock")
    try:
        result = subprocess.run([str(ROOT / "classroom" / "classroom.sh"), str(HUB_VENV), image, str(ports())],
                                env=dict(os.environ, CLASSROOM_STATE=str(tmp_path / "state"), DOCKER_HOST=docker.url),
                                capture_output=True, text=True, timeout=60)
    finally:
        docker.close()
    assert result.returncode == 1, result.stderr
    assert "Docker's bridge network has no gateway (IPAM Config: [{\"Subnet\": " in result.stderr, result.stderr
    assert "its interface mxnet-none0 has no IPv4 address here: [Errno 19] No such device" in result.stderr
    assert "error: no address for Docker's bridge network (classroom/docker_bridge.py: exit status 1" in result.stderr
    assert not (tmp_path / "state").exists(), "nothing may be written before the checks pass"


def test_a_class_of_students_at_once_all_finish_lesson_02(classroom):
    names = [f"student{i:02d}" for i in range(1, STUDENTS + 1)]
    figures = run_class(classroom.url, classroom.password, names, classroom.prefix)
    print(f"\n{report(figures)}")
    assert figures["finished"] == STUDENTS, report(figures)


# The exercises handed in: the teacher's commands, as classroom/README.md gives them (in a terminal on the
# teacher's server; here through its kernel).
RELEASE = """mkdir -p ~/course/source/linreg
cp ~/mxnet-linreg/notebooks/07-answers.ipynb ~/course/source/linreg/06-exercises.ipynb
cd ~/course && nbgrader generate_assignment linreg && nbgrader release_assignment linreg"""
GRADE = "cd ~/course && nbgrader collect linreg && nbgrader autograde linreg && nbgrader export"
FEEDBACK = "cd ~/course && nbgrader generate_feedback linreg && nbgrader release_feedback linreg"
EXERCISE_IDS = sorted(CASES)  # e1 ... e8, one point each (07's checks)
# A right answer to each exercise that does not change the notebook's data (e6's in CASES reshapes y,
# which the next exercise reads), and the first wrong answer CASES gives for each.
RIGHT = {e: next(code for code, hint in CASES[e][1] if hint is None) for e in EXERCISE_IDS}
RIGHT["e6"] = "broadcast_shape = (10, 10)\n_, w_flat, _ = train(labels=y.reshape((-1,)), loss_fn=lambda a, b: (a - b) ** 2)"
WRONG = {e: next(code for code, hint in CASES[e][1] if hint is not None) for e in EXERCISE_IDS}


def answers(choice: str) -> dict[str, str]:
    """A student's answers, one letter an exercise: R right, W wrong, - left as handed out."""
    picked = {"R": RIGHT, "W": WRONG}
    return {f"{e}-answer": picked[letter][e] for e, letter in zip(EXERCISE_IDS, choice, strict=True) if letter != "-"}


def mix(i: int) -> str:
    """Student i's mix of right, wrong and unanswered exercises: every score from 0 to 8 occurs in a class of 9 or more."""
    return "".join("R" if k < i % 9 else "W-"[k % 2] for k in range(8))


@pytest.fixture(scope="module")
def graded(classroom):
    """The teacher releases the exercises; the class hands them in at once (the hub killed meanwhile);
    one student submits twice; the teacher sets the due date; one student submits after it; the
    teacher collects, autogrades, exports the grades and releases the feedback. Returns the teacher,
    the grades by student and the figures."""
    teacher = classroom.teacher()
    teacher.start()
    teacher.pull()
    teacher.shell(RELEASE)
    names = [f"student{i:02d}" for i in range(1, STUDENTS + 1)]

    def ready(name: str) -> Student:  # logged in, server running (after lesson 02), the assignment listed
        student = classroom.student(name)
        student.start()
        assert any(a["assignment_id"] == ASSIGNMENT for a in student.assignments()["value"]), f"{name}: not released"
        return student
    with ThreadPoolExecutor(max_workers=len(names)) as pool:
        students = list(pool.map(ready, names))
    starts, hub = classroom.hub_starts(), classroom.hub_process()
    killer = threading.Timer(1, hub.send_signal, (signal.SIGKILL,))  # a crash while they hand in
    killer.start()
    figures = hand_in_at_once(students, {name: answers(mix(i)) for i, name in enumerate(names, 1)})
    killer.join()
    assert figures["failed"] == {}, figures["failed"]
    classroom.wait_for_hub_start(starts + 1, within=60)
    # nbgrader files a submission under whatever name it is given: the intruder submits as the victim,
    # after the victim's own submission; collect then names the owner.
    victim, intruder = classroom.student("victim"), classroom.student("intruder")
    victim.start()
    victim.hand_in(answers("R" * 8))
    intruder.start()
    time.sleep(1)
    intruder.shell("cd ~ && nbgrader fetch_assignment linreg && nbgrader submit linreg --student victim")
    resubmits = classroom.student("resubmits")
    resubmits.start()
    resubmits.hand_in(answers("W" * 8))
    time.sleep(1)  # nbgrader's timestamps: the second submission is the later one
    resubmits.hand_in(answers("R" * 8))
    time.sleep(1.1)  # the due date, given to the second, falls after the last submission in time
    teacher.shell("cd ~/course && nbgrader db assignment add linreg --duedate=\"$(date -u '+%Y-%m-%d %H:%M:%S') UTC\"")
    late = classroom.student("late")
    late.start()
    time.sleep(1)
    late.hand_in(answers("R" * 8))
    begun = time.monotonic()
    figures["grade_output"] = teacher.shell(GRADE, timeout=1800)
    figures["grading"] = time.monotonic() - begun
    teacher.shell(FEEDBACK)
    grades = {row["student_id"]: row for row in csv.DictReader(io.StringIO(teacher.contents("course/grades.csv")["content"]))}
    print(f"\n{len(names)} students handed in at once in {figures['total']:.0f} s (a submission: p50 "
          f"{statistics.median(figures['submit']):.1f} s, max {max(figures['submit']):.1f} s); the teacher collected and "
          f"autograded {len(grades)} submissions in {figures['grading']:.0f} s")
    return teacher, grades, figures


def test_a_class_hands_the_exercises_in_at_once_and_each_gets_the_score_its_answers_earn(graded):
    _, grades, _ = graded
    for i in range(1, STUDENTS + 1):
        name, choice = f"student{i:02d}", mix(i)
        assert float(grades[name]["score"]) == choice.count("R"), f"{name} answered {choice}: {grades[name]}"
        assert float(grades[name]["max_score"]) == len(EXERCISE_IDS)


def test_a_submission_filed_under_another_students_name_is_reported_with_its_owner(graded):
    """Only the forged one: every honest submission's owner is the name it is filed under."""
    _, _, figures = graded
    warnings = re.findall(r"claims to be submitted by (\S+) but is owned by (\S+); cheating attempt", figures["grade_output"])
    assert warnings == [("victim", "intruder")], figures["grade_output"][-3000:]


def test_a_resubmission_replaces_the_first(graded):
    _, grades, _ = graded
    assert float(grades["resubmits"]["score"]) == len(EXERCISE_IDS), grades["resubmits"]


def test_a_submission_after_the_due_date_is_marked_late_and_one_before_is_not(graded):
    teacher, _, _ = graded
    late = teacher.shell("cd ~/course && python -c \"from nbgrader.api import Gradebook\n"
                         "with Gradebook('sqlite:///gradebook.db') as gb:\n"
                         "    for s in gb.assignment_submissions('linreg'): print(s.student.id, s.total_seconds_late)\"")
    seconds = dict(line.split() for line in late.splitlines())
    assert float(seconds["late"]) > 0, late
    assert float(seconds["resubmits"]) == 0 and float(seconds["student01"]) == 0, late


def test_the_teacher_releases_feedback_and_each_student_fetches_their_own(classroom, graded):
    _, grades, _ = graded
    for name in ("student01", "late"):
        student = classroom.student(name)
        student.assignments("fetch_feedback")
        (folder,) = student.contents(f"{ASSIGNMENT}/feedback")["content"]  # one timestamp: the latest submission
        html = student.contents(f"{folder['path']}/06-exercises.html")["content"]
        score = float(grades[name]["score"])
        assert f"06-exercises (Score: {score:.1f} / 8.0)" in html, f"{name}: the feedback lacks the score {score}"


def test_a_student_asking_for_another_students_server_or_files_is_refused(classroom):
    intruder = classroom.student("intruder")
    victim = "student01"
    assert intruder.session.get(f"{classroom.url}/user/{victim}/api/contents/{LESSON}", timeout=30,
                                allow_redirects=False).status_code == 403
    assert intruder.session.post(f"{classroom.url}/user/{victim}/api/kernels", json={"name": "mxnet"},
                                 timeout=30, allow_redirects=False).status_code == 403
    assert intruder.api("DELETE", f"/users/{victim}/server").status_code == 404
    assert intruder.api("POST", f"/users/{victim}/tokens", json={}).status_code == 403
    assert intruder.api("GET", f"/users/{victim}").status_code == 404
    assert (classroom.student(victim).server() or {}).get("ready") is True, "the other student's server must still run"


def refused(student: Student, command: str) -> str:
    """Run command on the student's server, which must fail; return its error."""
    return student.shell(f'out=$({command} 2>&1) && {{ echo "allowed: $out"; exit 1; }}; echo "$out"')


def test_a_student_cannot_reach_the_answers_the_gradebook_or_find_anothers_submission(classroom, graded):
    """What the intruder tries, through the server's API and from inside their own container (their
    kernel, as a terminal would): each refusal is named."""
    intruder = classroom.student("intruder")
    intruder.start()
    assert intruder.session.get(f"{classroom.url}/user/teacher/api/contents/course", timeout=30,
                                allow_redirects=False).status_code == 403
    exchange = "/srv/nbgrader/exchange/mxnet-linreg"
    for command, refusal in [
        (f"ls {exchange}/inbound", "Permission denied"),  # the submissions: listed by the teacher only
        (f"ls {exchange}/feedback", "Permission denied"),  # the feedback: fetched by its name only
        (f"touch {exchange}/outbound/{ASSIGNMENT}/06-exercises.ipynb", "Permission denied"),  # the release
        (f"mv {exchange} /srv/nbgrader/exchange/taken", "Operation not permitted"),  # the course's folder
        ("cat /opt/mxnet-linreg/notebooks/07-answers.ipynb", "No such file or directory"),
        ("cat /opt/mxnet-linreg/tests/test_exercises.py", "No such file or directory"),
    ]:
        assert refusal in refused(intruder, f"{command}"), command
    # Nowhere in the students' copy of the course, in any version: the worked answers' markers.
    found = intruder.shell("git -C /srv/course cat-file --batch-all-objects --batch | grep -c 'BEGIN SOLUTION' || true")
    assert found.strip() == "0", found
    # The teacher's volume (the course folder, the source with answers, the gradebook) and other
    # students' homes are not mounted: only the intruder's home, the exchange and the students' copy.
    mounts = run("docker", "inspect", "-f", "{{range .Mounts}}{{.Destination}}={{if .Name}}{{.Name}}{{else}}{{.Source}}{{end}} {{end}}",
                 f"{classroom.prefix}-intruder").stdout.split()
    assert sorted(mounts) == sorted([f"/home/jovyan={classroom.prefix}-home-intruder",
                                     f"/srv/nbgrader/exchange={classroom.prefix}-exchange",
                                     f"/srv/course={classroom.state / 'handout.git'}"]), mounts


def test_the_teachers_formgrader_and_a_students_assignment_list_in_chromium(classroom, graded, browser):
    """Screenshots in build/screenshots/. The formgrader is opened in a tab of its own: JupyterLab's
    embedded panel stays blank (jupyterhub-singleuser's default Content-Security-Policy,
    frame-ancestors 'none', since JupyterHub 4.1)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def logged_in(name: str, password: str):
        page = browser.new_context(viewport={"width": 1300, "height": 900}).new_page()
        page.goto(f"{classroom.url}/hub/login", timeout=60_000)
        page.fill("input[name=username]", name)
        page.fill("input[name=password]", password)
        page.click("input[type=submit], button[type=submit]")
        page.wait_for_url("**/user/**", timeout=120_000)
        return page

    page = logged_in("teacher", classroom.admin_password)
    page.goto(f"{classroom.url}/user/teacher/formgrader", timeout=60_000)
    page.get_by_text("Manage Assignments").first.wait_for(timeout=60_000)
    page.get_by_role("link", name=ASSIGNMENT).first.wait_for(timeout=60_000)
    page.screenshot(path=str(SCREENSHOTS / "classroom-formgrader.png"))
    page.goto(f"{classroom.url}/user/teacher/lab", timeout=60_000)
    page.get_by_role("menuitem", name="Nbgrader").click(timeout=60_000)
    page.get_by_role("menuitem", name="Formgrader").click(timeout=30_000)
    try:
        page.frame_locator("iframe").get_by_text("Manage Assignments").first.wait_for(timeout=20_000)
        embedded = "shows the formgrader"
    except Exception:
        embedded = "stays blank"
    page.screenshot(path=str(SCREENSHOTS / "classroom-formgrader-embedded.png"))
    print(f"\nJupyterLab's embedded Formgrader panel {embedded}; in its own tab it shows the assignment")
    assert embedded == "stays blank", "the embedded Formgrader works now: say so in classroom/README.md"
    page.context.close()

    page = logged_in("student01", classroom.password)
    page.goto(f"{classroom.url}/user/student01/lab", timeout=60_000)
    page.get_by_role("menuitem", name="Nbgrader").click(timeout=60_000)
    page.get_by_role("menuitem", name="Assignment List").click(timeout=30_000)
    page.get_by_text(ASSIGNMENT, exact=True).first.wait_for(timeout=60_000)
    page.screenshot(path=str(SCREENSHOTS / "classroom-assignment-list.png"))
    page.context.close()


def test_a_student_sees_only_the_courses_branch_not_the_teachers_folder(classroom):
    """The course's folder holds make classroom's state (its passwords) and other branches: the
    containers get a copy of the one branch only."""
    classroom.student("student02").start()  # (running already, after the class)
    container = f"{classroom.prefix}-student02"
    refs = run("docker", "exec", container, "git", "-C", "/srv/course", "for-each-ref", "--format=%(refname)").stdout
    assert refs.split() == ["refs/heads/main"]
    found = run("docker", "exec", container, "find", "/srv/course", "-name", "secrets", "-o", "-name", "notebooks").stdout
    assert found == "", f"the course's mount holds a working tree or the state folder: {found}"


def starts_and_saves_an_edit(student: Student) -> str:
    """The student starts their server, opens the link, adds a cell of their own at the end of
    their copy of lesson 02 and saves it; returns the cell's text."""
    student.start()
    student.pull()
    marker = f"{student.name}'s own note {uuid.uuid4().hex}"
    notebook = student.contents(LESSON)["content"]
    notebook["cells"].append({"cell_type": "markdown", "metadata": {}, "source": marker})
    student.save(LESSON, notebook)
    return marker


def test_a_teachers_update_merges_and_keeps_the_students_edit(classroom):
    student = classroom.student("edits")
    marker = starts_and_saves_an_edit(student)
    # The teacher changes lesson 02's first line and adds a file, and commits.
    lesson = classroom.course / "notebooks" / Path(LESSON).name
    text = lesson.read_text(encoding="utf-8")
    title = re.search(r'"# [^"\\]*', text).group(0)
    lesson.write_text(text.replace(title, title + "（更新）", 1), encoding="utf-8")
    (classroom.course / "notebooks" / "errata.md").write_text("勘误\n", encoding="utf-8")
    git(classroom.course, "commit", "--quiet", "-am", "Update lesson 02")
    git(classroom.course, "add", ".")
    git(classroom.course, "commit", "--quiet", "-m", "Add errata")
    committed, deadline = time.monotonic(), time.monotonic() + 30
    handed_out = f"{git(classroom.course, 'rev-parse', 'main').strip()}:notebooks/06-exercises.ipynb notebooks/07-answers.ipynb tests"
    while run("git", "--git-dir", str(classroom.state / "handout.git"), "config", "handout.source",
              check=False).stdout.strip() != handed_out:
        assert time.monotonic() < deadline, "the teacher's commit did not reach the students' copy within 30 s"
        time.sleep(0.5)
    print(f"\nthe teacher's commit reached the class's copy after {time.monotonic() - committed:.1f} s")
    student.pull()  # the student opens the link again
    merged = str(student.contents(LESSON)["content"])
    assert marker in merged, "the student's edit was lost"
    assert "（更新）" in merged, "the teacher's change did not arrive"
    assert student.contents("mxnet-linreg/notebooks/errata.md")["content"] == "勘误\n"


def test_a_students_container_killed_mid_lesson_restarts_with_what_they_saved(classroom):
    student = classroom.student("crashes")
    marker = starts_and_saves_an_edit(student)

    def attempt() -> None:
        try:
            student.run_notebook()
        except Exception:  # the container dies under it
            pass
    lesson = threading.Thread(target=attempt, daemon=True)
    lesson.start()
    time.sleep(2)
    run("docker", "kill", f"{classroom.prefix}-crashes")
    lesson.join(60)
    deadline = time.monotonic() + 90
    while student.server() is not None:  # the hub notices at its next poll of the server
        assert time.monotonic() < deadline, "the hub did not notice the killed server within 90 s"
        time.sleep(1)
    student.start()
    assert marker in str(student.contents(LESSON)["content"])
    student.run_notebook()


def test_the_hub_restarted_mid_class_leaves_running_servers_serving(classroom):
    student = classroom.student("outlives")
    student.start()
    student.pull()
    finished = []
    lesson = threading.Thread(target=lambda: finished.append(student.run_notebook()), daemon=True)
    lesson.start()
    time.sleep(1)
    starts = classroom.hub_starts()
    hub = classroom.hub_process()
    hub.send_signal(signal.SIGKILL)  # a crash: no clean shutdown at all
    down = time.monotonic()
    lesson.join(120)
    assert finished, "the lesson stopped when the hub went down"
    classroom.wait_for_hub_start(starts + 1, within=60)
    print(f"\nthe hub was back {time.monotonic() - down:.1f} s after it was killed")
    assert classroom.hub_process().pid != hub.pid
    assert (student.server() or {}).get("ready") is True, "the new hub did not take the running server over"
    assert student.contents(LESSON)["type"] == "notebook"


def test_a_hub_that_cannot_start_again_is_retried_and_the_class_goes_on(classroom):
    """A hub that fails to start again (here: its API port taken) does not end the class: supervisord
    says so and tries again, and the students' containers keep running."""
    student = classroom.student("retries")
    student.start()
    student.pull()
    starts, hub = classroom.hub_starts(), classroom.hub_process()
    bridge = run(str(HUB_VENV / "bin" / "python"), str(ROOT / "classroom" / "docker_bridge.py")).stdout.strip()
    failed = re.compile(r".* (INFO|WARN) exited: hub \(exit status [1-9][0-9]*; not expected\)")
    before = sum(bool(failed.match(line)) for line in classroom.output)
    with socket.socket() as squatter:
        squatter.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        hub.send_signal(signal.SIGKILL)
        hub.wait(10)
        squatter.bind((bridge, classroom.port + 81))  # before supervisord starts the hub again (1 s)
        squatter.listen()
        deadline = time.monotonic() + 60
        while sum(bool(failed.match(line)) for line in classroom.output) == before:
            assert time.monotonic() < deadline, "supervisord did not report the failed start within 60 s"
            assert classroom.process.poll() is None, "make classroom ended the class"
            time.sleep(0.5)
        assert classroom.process.poll() is None, "make classroom ended the class"
        assert f"{classroom.prefix}-retries" in run("docker", "ps", "--format", "{{.Names}}").stdout.split()
    classroom.wait_for_hub_start(starts + 1, within=60)
    assert (student.server() or {}).get("ready") is True
    assert student.contents(LESSON)["type"] == "notebook"


def test_the_proxy_killed_mid_lesson_is_back_and_the_student_resumes(classroom):
    """configurable-http-proxy killed, as the kernel's out-of-memory killer would: supervisord starts it
    again, the hub adds the student's route back at its next check (every 10 s), and the student,
    reconnecting, runs the lesson to the end, with what they saved there."""
    student = classroom.student("reconnects")
    marker = starts_and_saves_an_edit(student)

    def attempt() -> None:
        try:
            student.run_notebook()
        except Exception:  # the connection goes with the proxy
            pass
    lesson = threading.Thread(target=attempt, daemon=True)
    lesson.start()
    time.sleep(2)
    proxy = classroom.proxy_process()
    proxy.send_signal(signal.SIGKILL)
    down = time.monotonic()
    answers = {}
    while len(answers) < 2:
        assert time.monotonic() - down < 30, f"the class did not answer again within 30 s: {answers}"
        for name, url in (("login", f"{classroom.url}/hub/login"), ("server", student.url(f"api/contents/{LESSON}"))):
            try:
                if name not in answers and student.session.get(url, timeout=5, allow_redirects=False).status_code == 200:
                    answers[name] = time.monotonic() - down
            except requests.RequestException:  # no proxy yet
                pass
        time.sleep(0.2)
    print(f"\nafter the proxy was killed: the login page answered again after {answers['login']:.1f} s, "
          f"the student's server after {answers['server']:.1f} s")
    # supervisord's restart (about 1 s), then the hub's next check of the routes (every 10 s)
    assert answers["server"] <= 15
    assert any("exited: proxy (terminated by SIGKILL; not expected)" in line for line in classroom.output)
    assert classroom.proxy_process().pid != proxy.pid
    lesson.join(60)
    assert marker in str(student.contents(LESSON)["content"]), "what the student saved was lost"
    student.run_notebook()


@pytest.fixture
def idle_classroom(image, tmp_path):
    room = Classroom(tmp_path, ["idler"], idle_timeout=10)
    yield room
    room.stop()


def test_an_idle_server_is_culled_and_its_files_stay(idle_classroom):
    student = idle_classroom.student("idler")
    marker = starts_and_saves_an_edit(student)
    deadline = time.monotonic() + 60
    while student.server() is not None:
        assert time.monotonic() < deadline, "the idle server was not culled within 60 s (timeout 10 s)"
        time.sleep(1)
    assert not idle_classroom.containers()
    student.start()
    assert marker in str(student.contents(LESSON)["content"])


def test_a_class_started_with_sigint_ignored_still_ends_on_sigint(image, tmp_path):
    """Started from a script in the background, make classroom's shell has SIGINT ignored and cannot
    trap it; supervisord, in its process group, still ends the class on it, and the shell then stops
    the students' containers."""
    room = Classroom(tmp_path, ["latecomer"], ignore_sigint=True)
    student = room.student("latecomer")
    student.start()
    assert room.containers(), "the student's server did not start"
    room.stop()  # SIGINT to the group: nothing may be left
    assert any("WARN received SIGINT indicating exit request" in line for line in room.output), room.output[-20:]
