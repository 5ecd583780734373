# JupyterHub for a class on one machine: every student gets a container of the project's image
# (make image), started by DockerSpawner, with a volume of their own for their home.
# `make classroom` starts it (tools/classroom.sh sets the CLASSROOM_* variables below and prints
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
# (tools/classroom.sh passes it; 172.17.0.1 unless Docker is configured otherwise): the containers
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
# password; tools/classroom.sh makes both and keeps them in the state folder. A student who knows
# a classmate's name could log in as them: for graded work, use your school's login instead
# (OAuthenticator, LTIAuthenticator: another authenticator_class and its settings).
# The roster is read when the hub starts: restart the hub after changing it (README). A name taken
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
# The label marks this hub's containers: Ctrl-C removes exactly those (tools/classroom.sh).
c.DockerSpawner.extra_create_kwargs = {"labels": {"mxnet-linreg.classroom": prefix}}
# A whole class starting at once waits for the CPU: allow each server 2 minutes to answer.
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120
c.DockerSpawner.remove = True  # a stopped server's container goes; the home volume stays
# The student's home is their own volume, kept between starts and between classes. The image's
# environment lives outside it (/opt/mxnet-linreg), so it survives any change to the home.
c.DockerSpawner.volumes = {prefix + "-home-{username}": "/home/jovyan"}
# Limits per student: 1 GiB of memory (a student uses about 270 MB running lesson 02, README), one
# core, and 512 processes and threads (a server running lesson 02 peaks at 24, in docker stats).
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
# passwords): tools/classroom.sh keeps a copy of the one branch, state/course.git, fetching your
# commits every 10 s, and the containers see that copy, read-only, at /srv/course.
repo = env("CLASSROOM_REPO", str(here.parent))
branch = env("CLASSROOM_BRANCH", "main")
if Path(repo).is_dir():  # a folder on this machine
    if not (state / "course.git" / "HEAD").exists():
        raise SystemExit(f"no copy of the course in {state / 'course.git'}: start the hub with make classroom")
    # (The image's git config names /srv/course safe: it belongs to another user than the student.)
    c.DockerSpawner.volumes[str(state / "course.git")] = {"bind": "/srv/course", "mode": "ro"}
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
