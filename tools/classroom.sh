#!/bin/sh
# make classroom: JupyterHub for a class on this machine, configured by classroom/jupyterhub_config.py.
# - Checks Docker, the image and the three ports first.
# - Makes the class password, the admin password and the proxy's token once, in
#   classroom/state/secrets (readable by this user only).
# - Starts configurable-http-proxy and jupyterhub-idle-culler (CLASSROOM_IDLE_TIMEOUT, default
#   3600 s), then the hub, and prints the address and the logins once the hub answers (within
#   30 s). The log of all three follows.
# - If the hub stops by itself, it is started again; the proxy and the students' servers keep serving.
# - Ctrl-C stops the hub, the proxy and every student's container. The students' volumes stay.
# Usage: tools/classroom.sh VENV IMAGE PORT   (PORT: the class's; PORT+1 the proxy's API; PORT+81 the hub's API)
set -eu
venv=${1:?usage: tools/classroom.sh VENV IMAGE PORT}
image=${2:-mxnet-linreg}
port=${3:-8000}
fail() { printf 'error: %s\n' "$*" >&2; exit 1; }
venv=$(cd "$venv" && pwd)
here=$(cd "$(dirname "$0")/../classroom" && pwd)

command -v docker >/dev/null 2>&1 || fail "no docker command: install Docker (README: Teaching a class)."
docker info >/dev/null 2>&1 || fail "docker cannot reach its daemon: start Docker (or run as a user in the docker group)."
docker image inspect "$image" >/dev/null 2>&1 || fail "no image $image yet: run make image first."
case $port in ''|*[!0-9]*) fail "CLASSROOM_PORT=$port is not a port number." ;; esac
for p in "$port" "$((port + 1))" "$((port + 81))"; do
  "$venv/bin/python" -c "import socket; socket.create_server(('127.0.0.1', $p)).close()" 2>/dev/null ||
    fail "port $p on 127.0.0.1 is taken (the class uses $port, $((port + 1)) and $((port + 81))). Pick others: make classroom CLASSROOM_PORT=$((port + 100))"
done

export IMAGE="$image" CLASSROOM_PORT="$port" CLASSROOM_PROXY_API_PORT=$((port + 1)) CLASSROOM_API_PORT=$((port + 81))
export CLASSROOM_STATE="${CLASSROOM_STATE:-$here/state}"
prefix=${CLASSROOM_PREFIX:-mxnet-linreg-class}
mkdir -p "$CLASSROOM_STATE"
chmod 700 "$CLASSROOM_STATE"
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
: > "$log"

hub= proxy= culler= follow=
stop() {
  trap - EXIT INT TERM
  for pid in $hub $culler $follow; do kill "$pid" 2>/dev/null || true; done
  [ -z "$hub" ] || wait "$hub" 2>/dev/null || true
  [ -z "$proxy" ] || kill "$proxy" 2>/dev/null || true
  left=$(docker ps -aq --filter "name=$prefix-")
  [ -z "$left" ] || docker rm -f $left >/dev/null
  echo "The hub, its proxy and the students' containers are stopped; their volumes ($prefix-home-*) stay."
}
trap stop EXIT
trap 'exit 130' INT TERM

bridge=$(docker network inspect bridge -f '{{(index .IPAM.Config 0).Gateway}}')
"$here/node_modules/.bin/configurable-http-proxy" --ip 127.0.0.1 --port "$port" \
  --api-ip 127.0.0.1 --api-port "$CLASSROOM_PROXY_API_PORT" \
  --error-target "http://$bridge:$CLASSROOM_API_PORT/hub/error" >>"$log" 2>&1 &
proxy=$!
tail -n +1 -f "$log" &
follow=$!

started=0
while :; do
  (cd "$CLASSROOM_STATE" && exec "$venv/bin/jupyterhub" -f "$here/jupyterhub_config.py") >>"$log" 2>&1 &
  hub=$!
  waited=0
  until [ "$(grep -c "JupyterHub is now running" "$log")" -gt "$started" ]; do
    if ! kill -0 "$hub" 2>/dev/null || [ "$waited" -ge 60 ]; then
      fail "the hub stopped, or did not answer within 30 s (its log is above, and in $log)."
    fi
    sleep 0.5
    waited=$((waited + 1))
  done
  if [ "$started" = 0 ]; then
    # The culler asks the hub at once, so it starts once the hub answers; later it outlives restarts.
    idle=${CLASSROOM_IDLE_TIMEOUT:-3600}
    JUPYTERHUB_API_TOKEN=$CLASSROOM_CULLER_TOKEN "$venv/bin/python" -m jupyterhub_idle_culler \
      --url="http://$bridge:$CLASSROOM_API_PORT/hub/api" --timeout="$idle" \
      --cull-every=$((idle / 6 > 5 ? idle / 6 : 5)) >>"$log" 2>&1 &
    culler=$!
    cat <<EOF
JupyterHub for the class: http://127.0.0.1:$port   (this machine only: see README, Teaching a class)
  students: a name from classroom/roster.txt, password $CLASSROOM_PASSWORD
  teacher:  teacher, password $CLASSROOM_ADMIN_PASSWORD   (admin page: http://127.0.0.1:$port/hub/admin)
  A student's server opens on the nbgitpuller link: it hands out the notebooks, and later merges
  your new commits into the student's copy. The passwords are in $secrets.
  stop: Ctrl-C
EOF
  fi
  started=$((started + 1))
  status=0
  wait "$hub" || status=$?
  echo "The hub stopped (exit status $status); starting it again. The students' servers keep running." >&2
  sleep 1
done
