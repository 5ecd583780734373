#!/bin/sh
# make classroom: JupyterHub for a class on this machine, configured by classroom/jupyterhub_config.py.
# - Checks Docker, the image, the course's repository and branch, and the three ports first.
# - Makes the class password, the admin password and the tokens once, in classroom/state/secrets
#   (readable by this user only).
# - A course on this machine is handed out from a copy of its one branch (state/course.git,
#   tools/course-copy.sh), which fetches the teacher's commits every 10 s.
# - Starts configurable-http-proxy, then the hub, then jupyterhub-idle-culler (CLASSROOM_IDLE_TIMEOUT,
#   default 3600 s), and prints the address and the logins once the hub answers (within 30 s). The
#   log of all of them follows.
# - If the hub stops (a crash, or `kill $(cat classroom/state/hub.pid)` after changing the config),
#   it is started again, every 10 s until it answers; the proxy and the students' servers keep serving.
# - Ctrl-C stops the hub, the proxy and every student's container. The students' volumes stay.
# Usage: tools/classroom.sh VENV IMAGE PORT   (PORT: the class's; PORT+1 the proxy's API; PORT+81 the hub's API)
set -eu
venv=${1:?usage: tools/classroom.sh VENV IMAGE PORT}
image=${2:-mxnet-linreg}
port=${3:-8000}
fail() { printf 'error: %s\n' "$*" >&2; exit 1; }
venv=$(cd "$venv" && pwd)
here=$(cd "$(dirname "$0")/../classroom" && pwd)
repo=${CLASSROOM_REPO:-$(dirname "$here")}
branch=${CLASSROOM_BRANCH:-main}
[ ! -d "$repo" ] || repo=$(cd "$repo" && pwd)  # the hub runs in the state folder: paths must be absolute
[ -z "${CLASSROOM_ROSTER:-}" ] || export CLASSROOM_ROSTER="$(cd "$(dirname "$CLASSROOM_ROSTER")" && pwd)/$(basename "$CLASSROOM_ROSTER")"

command -v docker >/dev/null 2>&1 || fail "no docker command: install Docker (README: Teaching a class)."
docker info >/dev/null 2>&1 || fail "docker cannot reach its daemon: start Docker (or run as a user in the docker group)."
docker image inspect "$image" >/dev/null 2>&1 || fail "no image $image yet: run make image first."
bridge=$(docker network inspect bridge -f '{{(index .IPAM.Config 0).Gateway}}' 2>/dev/null) && [ -n "$bridge" ] ||
  fail "Docker has no network named bridge with a gateway, which the students' containers use (README: Teaching a class)."
"$venv/bin/python" -c "import socket; socket.create_server(('$bridge', 0)).close()" 2>/dev/null ||
  fail "the Docker bridge's address $bridge is not on this machine (rootless Docker, Docker Desktop or a remote DOCKER_HOST): make classroom needs Docker Engine on this Linux machine."
case $port in ''|*[!0-9]*) fail "CLASSROOM_PORT=$port is not a port number." ;; esac
for address in "127.0.0.1 $port" "127.0.0.1 $((port + 1))" "$bridge $((port + 81))"; do
  set -- $address
  "$venv/bin/python" -c "import socket; socket.create_server(('$1', $2)).close()" 2>/dev/null ||
    fail "port $2 on $1 is taken (the class uses $port, $((port + 1)) and $((port + 81))). Pick others: make classroom CLASSROOM_PORT=$((port + 100))"
done
command -v git >/dev/null 2>&1 || fail "no git command, which hands out the course: install git."
GIT_TERMINAL_PROMPT=0 timeout 60 git ls-remote --exit-code "$repo" "refs/heads/$branch" >/dev/null 2>&1 ||
  fail "no branch $branch in the course's repository $repo (or it did not answer within 60 s): set CLASSROOM_REPO and CLASSROOM_BRANCH."

export IMAGE="$image" CLASSROOM_PORT="$port" CLASSROOM_PROXY_API_PORT=$((port + 1)) CLASSROOM_API_PORT=$((port + 81))
export CLASSROOM_STATE="${CLASSROOM_STATE:-$here/state}" CLASSROOM_BRIDGE="$bridge" CLASSROOM_REPO="$repo" CLASSROOM_BRANCH="$branch"
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

hub= proxy= culler= follow= syncer=
stop() {
  trap '' INT HUP TERM
  trap - EXIT
  for pid in $hub $culler $follow; do kill "$pid" 2>/dev/null || true; done
  [ -z "$syncer" ] || kill -- "-$syncer" 2>/dev/null || true  # the copy's loop and its git, a group of their own
  [ -z "$hub" ] || wait "$hub" 2>/dev/null || true
  [ -z "$proxy" ] || kill "$proxy" 2>/dev/null || true
  left=$(docker ps -aq --filter "label=mxnet-linreg.classroom=$prefix")
  [ -z "$left" ] || docker rm -f $left >/dev/null
  rm -f "$CLASSROOM_STATE/hub.pid"
  echo "The hub, its proxy and the students' containers are stopped; their volumes ($prefix-home-*) stay."
}
trap stop EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

if [ -d "$repo" ]; then
  # The containers see only this copy of the one branch, never the teacher's folder itself.
  copy="$(dirname "$here")/tools/course-copy.sh"
  course="$CLASSROOM_STATE/course.git"
  "$copy" "$repo" "$branch" "$course" || fail "could not copy the branch $branch of $repo into $course."
  setsid sh -c 'while sleep 10; do "$0" "$1" "$2" "$3" ||
    echo "warning: could not fetch the branch $2 of $1 into $3; trying again in 10 s."; done' \
    "$copy" "$repo" "$branch" "$course" >>"$log" 2>&1 &
  syncer=$!
fi

"$here/node_modules/.bin/configurable-http-proxy" --ip 127.0.0.1 --port "$port" \
  --api-ip 127.0.0.1 --api-port "$CLASSROOM_PROXY_API_PORT" \
  --error-target "http://$bridge:$CLASSROOM_API_PORT/hub/error" >>"$log" 2>&1 &
proxy=$!
tail -n +1 -f "$log" &
follow=$!

started=0  # how many times the hub has answered
# Whether the hub has answered once more, within 30 s and while it runs. Its own log line: a user
# name in the log could not hold all of it (longer ones are cut).
answers() {
  waited=0
  until [ "$(grep -cE '^\[I [0-9 :.-]+ JupyterHub app:[0-9]+] JupyterHub is now running, internal Hub API at' "$log")" -gt "$started" ]; do
    kill -0 "$hub" 2>/dev/null && [ "$waited" -lt 60 ] || return 1
    sleep 0.5
    waited=$((waited + 1))
  done
}
while :; do
  (cd "$CLASSROOM_STATE" && exec "$venv/bin/jupyterhub" -f "$here/jupyterhub_config.py") >>"$log" 2>&1 &
  hub=$!
  echo "$hub" > "$CLASSROOM_STATE/hub.pid"
  if answers; then
    if [ "$started" = 0 ]; then
      # The culler asks the hub at once, so it starts once the hub answers; later it outlives restarts.
      idle=${CLASSROOM_IDLE_TIMEOUT:-3600}
      JUPYTERHUB_API_TOKEN=$CLASSROOM_CULLER_TOKEN "$venv/bin/python" -m jupyterhub_idle_culler \
        --url="http://$bridge:$CLASSROOM_API_PORT/hub/api" --timeout="$idle" \
        --cull-every=$((idle / 6 > 5 ? idle / 6 : 5)) >>"$log" 2>&1 &
      culler=$!
      cat <<END
JupyterHub for the class: http://127.0.0.1:$port   (this machine only: see README, Teaching a class)
  students: a name from the roster, password $CLASSROOM_PASSWORD
  teacher:  teacher, password $CLASSROOM_ADMIN_PASSWORD   (admin page: http://127.0.0.1:$port/hub/admin)
  A student's server opens on the nbgitpuller link: it hands out the branch $branch of $repo,
  and later merges your new commits into the student's copy. The passwords are in $secrets.
  restart the hub (after changing the config or the roster): kill \$(cat $CLASSROOM_STATE/hub.pid)
  stop the class: Ctrl-C (a student's edits not yet saved are lost: ask them to save first)
END
    fi
    started=$((started + 1))
    status=0
    wait "$hub" || status=$?
    echo "The hub stopped (exit status $status); starting it again. The students' servers keep running." >&2
    pause=1
  else
    [ "$started" -gt 0 ] || fail "the hub stopped, or did not answer within 30 s (its log is above, and in $log)."
    kill "$hub" 2>/dev/null || true
    wait "$hub" 2>/dev/null || true
    echo "error: the hub did not start again (its log is above). Trying again in 10 s; the students' servers keep running. Fix the config, or press Ctrl-C to end the class." >&2
    pause=10
  fi
  rm -f "$CLASSROOM_STATE/hub.pid"
  sleep "$pause"
done
