#!/bin/sh
# make classroom: JupyterHub for a class on this machine, configured by classroom/jupyterhub_config.py.
# - Checks Docker, the image, the course's repository and branch, and the three ports first.
# - Makes the class password, the admin password and the tokens once, in classroom/state/secrets
#   (readable by this user only).
# - A course on this machine is handed out from a copy of its one branch (state/course.git, the
#   teacher's; state/handout.git, the students', without CLASSROOM_WITHHOLD: the exercises (handed
#   out with nbgrader), their answers and the tests; classroom/course-copy.sh), which fetches the teacher's commits every 10 s.
# - supervisord (classroom/supervisord.conf) starts configurable-http-proxy, then the hub, then
#   jupyterhub-idle-culler (CLASSROOM_IDLE_TIMEOUT, default 3600 s) and the copy's fetching, and starts
#   again whichever stops: the proxy, the hub (after a crash, or `supervisorctl ... restart hub` after
#   changing the config), the culler. The students' servers keep running meanwhile.
# - Prints the address and the logins once the hub answers (within 30 s); the log of all of them follows.
# - Ctrl-C (or TERM, or HUP) stops them all and every student's container. The students' volumes stay.
# Usage: classroom/classroom.sh VENV IMAGE PORT   (PORT: the class's; PORT+1 the proxy's API; PORT+81 the hub's API)
set -eu
venv=${1:?usage: classroom/classroom.sh VENV IMAGE PORT}
image=${2:-mxnet-linreg}
port=${3:-8000}
fail() { printf 'error: %s\n' "$*" >&2; exit 1; }
venv=$(cd "$venv" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
repo=${CLASSROOM_REPO:-$(dirname "$here")}
branch=${CLASSROOM_BRANCH:-main}
[ ! -d "$repo" ] || repo=$(cd "$repo" && pwd)  # the hub runs in the state folder: paths must be absolute
[ -z "${CLASSROOM_ROSTER:-}" ] || export CLASSROOM_ROSTER="$(cd "$(dirname "$CLASSROOM_ROSTER")" && pwd)/$(basename "$CLASSROOM_ROSTER")"

# Each check that asks a tool lets the tool's own error through (above the explanation) and says
# its exit status.
command -v docker >/dev/null 2>&1 || fail "no docker command: install Docker (classroom/README.md)."
docker info >/dev/null ||
  fail "docker cannot reach its daemon (docker info: exit status $?, its error above): start Docker (or run as a user in the docker group)."
docker image inspect "$image" >/dev/null ||
  fail "no image $image yet (docker image inspect: exit status $?, its error above): run make image first."
bridge=$("$venv/bin/python" "$here/docker_bridge.py") ||
  fail "no address for Docker's bridge network (classroom/docker_bridge.py: exit status $?, why above), where the students' containers reach the hub (classroom/README.md)."
# Whether this machine can listen on ADDRESS PORT; if not, the system's own reason.
listenable() {
  "$venv/bin/python" -c 'import socket, sys
try:
    socket.create_server((sys.argv[1], int(sys.argv[2]))).close()
except OSError as error:
    sys.exit(f"{sys.argv[1]} port {sys.argv[2]}: {error}")' "$1" "$2"
}
listenable "$bridge" 0 ||
  fail "the Docker bridge's address $bridge is not on this machine (rootless Docker, Docker Desktop or a remote DOCKER_HOST): make classroom needs Docker Engine on this Linux machine."
case $port in ''|*[!0-9]*) fail "CLASSROOM_PORT=$port is not a port number." ;; esac
for address in "127.0.0.1 $port" "127.0.0.1 $((port + 1))" "$bridge $((port + 81))"; do
  set -- $address
  listenable "$1" "$2" ||
    fail "port $2 on $1 is taken (the class uses $port, $((port + 1)) and $((port + 81))). Pick others: make classroom CLASSROOM_PORT=$((port + 100))"
done
command -v git >/dev/null 2>&1 || fail "no git command, which hands out the course: install git."
GIT_TERMINAL_PROMPT=0 timeout 60 git ls-remote --exit-code "$repo" "refs/heads/$branch" >/dev/null ||
  fail "no branch $branch in the course's repository $repo (git ls-remote: exit status $?; 2: no such branch, 124: no answer within 60 s; its error, if any, above): set CLASSROOM_REPO and CLASSROOM_BRANCH."

export IMAGE="$image" CLASSROOM_PORT="$port" CLASSROOM_PROXY_API_PORT=$((port + 1)) CLASSROOM_API_PORT=$((port + 81))
export CLASSROOM_STATE="${CLASSROOM_STATE:-$here/state}" CLASSROOM_BRIDGE="$bridge" CLASSROOM_REPO="$repo" CLASSROOM_BRANCH="$branch"
export CLASSROOM_WITHHOLD="${CLASSROOM_WITHHOLD-notebooks/06-exercises.ipynb notebooks/07-answers.ipynb tests}"
prefix=${CLASSROOM_PREFIX:-mxnet-linreg-class}
mkdir -p "$CLASSROOM_STATE"
chmod 700 "$CLASSROOM_STATE"
CLASSROOM_STATE=$(cd "$CLASSROOM_STATE" && pwd)
secrets="$CLASSROOM_STATE/secrets"
random() { od -An -N"$1" -tx1 /dev/urandom | tr -d ' \n'; }
(umask 077 && touch "$secrets")
secret() { grep -q "^$1=" "$secrets" || printf '%s=%s\n' "$1" "$(random "$2")" >> "$secrets"; }
secret CLASSROOM_PASSWORD 6
secret CLASSROOM_ADMIN_PASSWORD 24
secret CONFIGPROXY_AUTH_TOKEN 32
secret CLASSROOM_CULLER_TOKEN 32
. "$secrets"
export CLASSROOM_PASSWORD CLASSROOM_ADMIN_PASSWORD CONFIGPROXY_AUTH_TOKEN CLASSROOM_CULLER_TOKEN
log="$CLASSROOM_STATE/jupyterhub.log"
[ ! -s "$log" ] || mv -f "$log" "$log.1"  # the previous class's log
: > "$log"

supervisor= follow=
stop() {
  trap '' INT HUP TERM
  trap - EXIT
  # supervisord stops the culler, the hub, the proxy and the copy, in that order, each as a group.
  [ -z "$supervisor" ] || kill -TERM "$supervisor" 2>/dev/null || true
  [ -z "$supervisor" ] || wait "$supervisor" 2>/dev/null || true
  [ -z "$follow" ] || kill "$follow" 2>/dev/null || true
  left=$(docker ps -aq --filter "label=mxnet-linreg.classroom=$prefix")
  [ -z "$left" ] || docker rm -f $left >/dev/null
  echo "The hub, its proxy and the students' containers are stopped; their volumes stay ($prefix-home-*, and $prefix-exchange: the submissions)."
}
trap stop EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

if [ -d "$repo" ]; then
  # The containers see only these copies of the one branch, never the teacher's folder itself.
  # shellcheck disable=SC2086  # the withheld paths, one a word
  "$here/course-copy.sh" "$repo" "$branch" "$CLASSROOM_STATE/course.git" \
      "$CLASSROOM_STATE/handout.git" $CLASSROOM_WITHHOLD ||
    fail "could not copy the branch $branch of $repo into $CLASSROOM_STATE/course.git and handout.git (why above)."
fi

# supervisord (classroom/supervisord.conf) runs the proxy and the hub, and starts again whichever stops.
# It is in this script's process group, so Ctrl-C reaches it even where this shell cannot trap it
# (started in the background by another script, which ignores SIGINT): it then stops them all.
idle=${CLASSROOM_IDLE_TIMEOUT:-3600}
export CLASSROOM_VENV="$venv" CLASSROOM_IDLE_TIMEOUT="$idle" CLASSROOM_CULL_EVERY=$((idle / 6 > 5 ? idle / 6 : 5))
"$venv/bin/supervisord" -c "$here/supervisord.conf" >>"$log" 2>&1 &
supervisor=$!
tail -n +1 -f "$log" &
follow=$!
control() { "$venv/bin/supervisorctl" -c "$here/supervisord.conf" "$@" >/dev/null; }

# The hub's own log line, anchored at the line's start: a user name in the log cannot fake it.
waited=0
until grep -qE '^\[I [0-9 :.-]+ JupyterHub app:[0-9]+] JupyterHub is now running, internal Hub API at' "$log"; do
  kill -0 "$supervisor" 2>/dev/null || fail "supervisord stopped before the hub answered (its log is above, and in $log)."
  [ "$waited" -lt 60 ] || fail "the hub did not answer within 30 s (its log is above, and in $log)."
  sleep 0.5
  waited=$((waited + 1))
done
cat <<END
JupyterHub for the class: http://127.0.0.1:$port   (this machine only: see classroom/README.md)
  students: a name from the roster, password $CLASSROOM_PASSWORD
  teacher:  teacher, password $CLASSROOM_ADMIN_PASSWORD   (admin page: http://127.0.0.1:$port/hub/admin)
  A student's server opens on the nbgitpuller link: it hands out the branch $branch of $repo,
  and later merges your new commits into the student's copy. The passwords are in $secrets.
  the exercises: release, collect and grade them from the teacher's server with nbgrader
    (classroom/README.md: Handing in and grading the exercises); the Formgrader: http://127.0.0.1:$port/user/teacher/formgrader
  restart the hub (after changing the config or the roster):
    $venv/bin/supervisorctl -s unix://$CLASSROOM_STATE/supervisor.sock restart hub
  stop the class: Ctrl-C (a student's edits not yet saved are lost: ask them to save first)
END
# The culler asks the hub at once, so it starts now; so does the copy's fetching of the teacher's commits.
programs=culler
[ ! -d "$repo" ] || programs="culler course-copy"
control start $programs || fail "supervisord did not start $programs (its log is above, and in $log)."
status=0
wait "$supervisor" || status=$?
supervisor=
echo "supervisord stopped (exit status $status), and with it the hub and the proxy; the class is over."
