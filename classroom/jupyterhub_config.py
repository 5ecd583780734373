# JupyterHub for a class on one machine: every student gets a container of the project's image
# (make image), started by DockerSpawner, with a volume of their own for their home.
# `make classroom` starts it (classroom/classroom.sh sets the CLASSROOM_* variables below and prints
# the passwords); read this file top to bottom and change what your class needs.
#
# Versions: JupyterHub 5.5.0, DockerSpawner 14.0.0, jupyterhub-idle-culler 2.0.0, Supervisor 4.3.0
# (classroom/requirements.txt), configurable-http-proxy 5.3.0 (classroom/package-lock.json); the
# image holds jupyterhub-singleuser 5.5.0 and nbgitpuller 1.3.0 (requirements.txt).
import math
import os
from pathlib import Path
from urllib.parse import urlencode

c = get_config()  # noqa: F821 (JupyterHub provides it)
env = os.environ.get
here = Path(__file__).resolve().parent
state = Path(env("CLASSROOM_STATE", here / "state"))
prefix = env("CLASSROOM_PREFIX", "mxnet-linreg-class")  # names this hub's containers and volumes

# --- Where the hub listens ----------------------------------------------------------------
# Students and the teacher: http://127.0.0.1:8000 only, served by configurable-http-proxy, which
# supervisord starts beside the hub (classroom/supervisord.conf). Put TLS in front of it (nginx, caddy) or reach it
# through an SSH tunnel: ssh -L 8000:127.0.0.1:8000 this-machine
c.JupyterHub.bind_url = f"http://127.0.0.1:{env('CLASSROOM_PORT', '8000')}"
# The proxy runs on its own (as on Kubernetes), so restarting the hub (a changed config, a crash)
# leaves it and the students' servers running: they keep serving, and the new hub takes them over.
c.ConfigurableHTTPProxy.should_start = False
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{env('CLASSROOM_PROXY_API_PORT', '8001')}"
c.ConfigurableHTTPProxy.auth_token = env("CONFIGPROXY_AUTH_TOKEN")
c.JupyterHub.cleanup_servers = False
# The proxy keeps its routes in memory: after a restart it has none, and the hub adds them again when
# it next checks them, every last_activity_interval (JupyterHub's default: 300 s; here 10 s).
c.JupyterHub.last_activity_interval = 10
# The hub's own API, which the students' servers call, listens on the Docker bridge's address
# (classroom/classroom.sh passes it; 172.17.0.1 unless Docker is configured otherwise): the containers
# reach it, and it is not 0.0.0.0. Another machine reaches it only if it routes the bridge's
# network through this one; a host firewall that drops the containers' packets to the host
# (ufw, firewalld) keeps the servers from starting: allow docker0 to this port.
bridge = env("CLASSROOM_BRIDGE")
if not bridge:  # the hub started by hand, not by make classroom: ask Docker as make classroom does
    import docker
    import sys
    sys.path.insert(0, str(here))
    from docker_bridge import gateway
    bridge = gateway(docker.from_env().networks.get("bridge").attrs)
c.JupyterHub.hub_bind_url = f"http://{bridge}:{env('CLASSROOM_API_PORT', '8081')}"
c.DockerSpawner.network_name = "bridge"
c.DockerSpawner.use_internal_ip = True  # the proxy reaches each container on the bridge

# The hub's database and cookie secret live in the state folder, kept between starts.
c.JupyterHub.db_url = f"sqlite:///{state / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(state / "jupyterhub_cookie_secret")

# --- Who may log in -------------------------------------------------------------------------
# JupyterHub's shared-password authenticator: the students in classroom/roster.txt (one user name
# a line) log in with the class password, the teacher ("teacher", an admin) with the admin
# password; classroom/classroom.sh makes both and keeps them in the state folder. A student who knows
# a classmate's name could log in as them: for graded work, use your school's login instead
# (OAuthenticator, LTIAuthenticator: another authenticator_class and its settings).
# The roster is read when the hub starts: restart the hub after changing it (classroom/README.md). A name taken
# off the roster can no longer log in (allow_existing_users off; by default a user the hub has
# seen once may always log in again).
roster = Path(env("CLASSROOM_ROSTER", here / "roster.txt"))
students = {line.split("#")[0].strip() for line in roster.read_text(encoding="utf-8").splitlines()}
c.JupyterHub.authenticator_class = "shared-password"
c.SharedPasswordAuthenticator.user_password = env("CLASSROOM_PASSWORD")
c.SharedPasswordAuthenticator.admin_password = env("CLASSROOM_ADMIN_PASSWORD")
c.Authenticator.admin_users = {"teacher"}
c.Authenticator.allowed_users = (students - {""}) | {"teacher"}
c.Authenticator.allow_existing_users = False

# --- Each student's server --------------------------------------------------------------------
c.JupyterHub.spawner_class = "docker"
c.DockerSpawner.image = env("IMAGE", "mxnet-linreg")
c.DockerSpawner.pull_policy = "never"  # the image is built on this machine: make image
c.DockerSpawner.cmd = ["jupyterhub-singleuser"]  # replaces the image's own command (JupyterLab)
c.DockerSpawner.name_template = prefix + "-{username}"
# The label marks this hub's containers: Ctrl-C removes exactly those (classroom/classroom.sh).
c.DockerSpawner.extra_create_kwargs = {"labels": {"mxnet-linreg.classroom": prefix}}
# A whole class starting at once waits for the CPU: the last server to answer waits behind most of
# the class's first minutes (on 2 cores, JupyterHub's default of 120 s failed a class of 30 in
# make test-classroom; bench/FIGURES.md has a class's times). Allow each 5 minutes, as Zero to
# JupyterHub's chart does (singleuser.startTimeout).
c.Spawner.start_timeout = 300
c.Spawner.http_timeout = 300
c.DockerSpawner.remove = True  # a stopped server's container goes; the home volume stays
# The student's home is their own volume, kept between starts and between classes. The image's
# environment lives outside it (/opt/mxnet-linreg), so it survives any change to the home.
# The class's nbgrader exchange (below) is one volume, which every server mounts read-write.
c.DockerSpawner.volumes = {prefix + "-home-{username}": "/home/jovyan", prefix + "-exchange": "/srv/nbgrader/exchange"}
# Limits per student: 1 GiB of memory (what a student uses running lesson 02: bench/FIGURES.md), one
# core, and 512 processes and threads.
# MXNet's and OpenBLAS's thread pools are sized to the core limit (rounded up), not to the
# machine's cores. The home volume has no size limit: Docker's local volumes share this disk.
cpus = float(env("CLASSROOM_CPUS", "1"))
c.DockerSpawner.mem_limit = env("CLASSROOM_MEMORY", "1G")
c.DockerSpawner.cpu_limit = cpus
c.DockerSpawner.extra_host_config = {"pids_limit": 512}
c.DockerSpawner.environment = {
    "OMP_NUM_THREADS": str(max(1, math.ceil(cpus))),
    "MXNET_USE_OPERATOR_TUNING": "0",  # many kernels importing mxnet at once start faster
    "NOTEBOOKS_HANDOUT": "nbgitpuller",  # the image copies nothing; the link below hands out
}

# --- The notebooks, handed out with nbgitpuller -------------------------------------------------
# A student's server opens on nbgitpuller's link: the first time it clones the course into
# ~/mxnet-linreg, later it merges the teacher's new commits and keeps what the student changed
# (nbgitpuller's rules). By default the course is the branch main of this project's own git
# repository; set CLASSROOM_REPO to another folder, or to a URL the containers can clone with no
# login (https://github.com/you/course; never one holding a token: every student's link shows it).
# A repository on this machine is never mounted itself (its folder may hold the state folder's
# passwords): classroom/classroom.sh keeps a copy of the one branch, state/course.git, fetching your
# commits every 10 s, and the containers see that copy, read-only, at /srv/course.
repo = env("CLASSROOM_REPO", str(here.parent))
branch = env("CLASSROOM_BRANCH", "main")
# The students' copy is the branch without CLASSROOM_WITHHOLD (by default the exercises, which the
# students fetch with nbgrader instead, notebooks/06-exercises.ipynb; their answers, 07-answers.ipynb;
# and the tests, which hold answers too), in every commit; the teacher's is the whole branch. A course given as a URL is cloned as it is: withhold the answers there yourself.
local = Path(repo).is_dir()  # a folder on this machine
if local:
    for copy in ("course.git", "handout.git"):
        if not (state / copy / "HEAD").exists():
            raise SystemExit(f"no copy of the course in {state / copy}: start the hub with make classroom")
    # (The image's git config names /srv/course safe: it belongs to another user than the student.)
    repo = "file:///srv/course"
pull = {"repo": repo, "branch": branch, "targetpath": "mxnet-linreg",
        "urlpath": "lab/tree/mxnet-linreg/notebooks"}
c.Spawner.default_url = "/git-pull?" + urlencode(pull)

# --- Idle servers are stopped -------------------------------------------------------------------
# jupyterhub-idle-culler stops a server nobody has used for an hour (CLASSROOM_IDLE_TIMEOUT, in
# seconds); the student's volume stays. supervisord runs it beside the hub, like the proxy, so that a
# hub that crashes and restarts does not leave a second culler behind.
c.JupyterHub.services = [{"name": "idle-culler", "api_token": env("CLASSROOM_CULLER_TOKEN")}]
c.JupyterHub.load_roles = [{
    "name": "idle-culler",
    "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"],
    "services": ["idle-culler"],
}]

# --- The exercises, handed in and graded with nbgrader -----------------------------------------
# As nbgrader's docs set up one course on a JupyterHub: the course "mxnet-linreg", one exchange that
# every server of the class mounts (the volume PREFIX-exchange, at /srv/nbgrader/exchange), and the
# teacher's course folder ~/course in the teacher's own volume, which no student's server mounts.
# The image turns nbgrader's panels off; JUPYTER_CONFIG_PATH turns on the assignment list and Validate
# for the students, and the formgrader too for the teacher (classroom/jupyter/, read in the image).
# Each server runs as a uid of its user's own (the teacher as the image's jovyan, 1000; a student as
# 10000 + the hub's id for them), so that nbgrader's file permissions keep one student from
# another's submission: the container starts as root and the image's entrypoint (image/start.sh)
# switches to that uid before anything else runs. A student's server does not see what the image
# holds for self-learners and maintainers: the answers (notebooks/) and the tests (tests/) are covered
# by empty read-only folders.
teacher = "teacher"
config_dirs = "/opt/mxnet-linreg/classroom/jupyter"
hidden_in_image = ["/opt/mxnet-linreg/notebooks", "/opt/mxnet-linreg/tests"]


def per_user(spawner):
    """What differs between the teacher's server and a student's."""
    is_teacher = spawner.user.name == teacher
    spawner.extra_create_kwargs = {**spawner.extra_create_kwargs, "user": "0"}
    spawner.environment = {
        **spawner.environment,
        "NB_UID": "1000" if is_teacher else str(10000 + spawner.user.id),
        "JUPYTER_CONFIG_PATH": f"{config_dirs}/teacher:{config_dirs}/students" if is_teacher else f"{config_dirs}/students",
    }
    if local:
        copy = state / ("course.git" if is_teacher else "handout.git")
        spawner.volumes = {**spawner.volumes, str(copy): {"bind": "/srv/course", "mode": "ro"}}
    if is_teacher:
        # Every user's uid by name (the image's entrypoint adds them to the teacher's /etc/passwd):
        # nbgrader collect then names a submission's real owner when it differs from the name it is
        # filed under ("... claims to be submitted by A but is owned by B; cheating attempt?").
        from jupyterhub import orm
        spawner.environment["CLASSROOM_UIDS"] = " ".join(
            f"{u.name}:{10000 + u.id}" for u in spawner.user.db.query(orm.User) if u.name != teacher)
    else:
        spawner.extra_host_config = {**spawner.extra_host_config,
                                     "tmpfs": {path: "ro,size=4k" for path in hidden_in_image}}


c.Spawner.pre_spawn_hook = per_user
