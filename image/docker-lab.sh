#!/bin/sh
# make docker-lab: JupyterLab from the project's image, on the host's 127.0.0.1 only.
# The host's notebooks/ is mounted into the container, so edits stay on the host, and
# the server runs with the host user's uid and gid, so they stay owned by that user (root too:
# NB_UID tells the image's entrypoint that root is asked for, image/start.sh).
# The token is LAB_TOKEN, or a fresh random one, handed to the container through the
# environment (not the command line, where `ps` would show it). The address is printed once
# the server says it is running (its own log line), within 60 s, or the script fails with the
# container's last lines. Ctrl-C stops the server and removes the container.
# Usage: [LAB_TOKEN=...] image/docker-lab.sh IMAGE PORT
set -eu
image=${1:?usage: image/docker-lab.sh IMAGE PORT}
port=${2:-8888}
fail() { printf 'error: %s\n' "$*" >&2; exit 1; }

command -v docker >/dev/null 2>&1 || fail "no docker command: install Docker, then make image docker-lab (INSTALL.md: No Linux with Python 3.11?)."
# Each check that asks docker lets its own error through (above the explanation) and says its exit status.
docker info >/dev/null ||
  fail "docker cannot reach its daemon (docker info: exit status $?, its error above): start Docker, then run make docker-lab again."
docker image inspect "$image" >/dev/null ||
  fail "no image $image yet (docker image inspect: exit status $?, its error above): run make image first."
case $port in ''|*[!0-9]*) fail "LAB_PORT=$port is not a port number." ;; esac

uid=$(id -u)
# The image's home belongs to uid 1000; any other user gets a writable HOME for Jupyter's own files.
home=/home/jovyan
[ "$uid" = 1000 ] || home=/tmp
LAB_TOKEN=${LAB_TOKEN:-$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')}
export LAB_TOKEN
name="mxnet-linreg-lab-$port"
if ! container=$(docker run --detach --init --name "$name" \
     --publish "127.0.0.1:$port:8888" \
     --volume "$(pwd)/notebooks:/home/jovyan/notebooks" \
     --user "$uid:$(id -g)" --env NB_UID="$uid" --env HOME="$home" --env LAB_TOKEN --env LAB_HOST_PORT="$port" \
     "$image"); then
  status=$?
  docker rm -f "$name" >/dev/null 2>&1 || true
  fail "the container did not start (docker run: exit status $status, its error above). Is port $port on 127.0.0.1 taken? Then: make docker-lab LAB_PORT=$((port + 1))"
fi
# Ctrl-C (or any exit) stops the server, which shuts its kernels down, and removes the container.
trap 'docker stop --time 20 "$container" >/dev/null; docker rm -f "$container" >/dev/null 2>&1' EXIT
trap 'exit 130' INT TERM
# Jupyter logs "is running at" once it listens; print the address only then.
waited=0
until docker logs "$container" 2>&1 | grep -q "is running at"; do
  if [ "$(docker inspect -f '{{.State.Running}}' "$container")" != true ] || [ "$waited" -ge 120 ]; then
    docker logs --tail 20 "$container" >&2
    fail "the server did not start within 60 s (its last lines are above)."
  fi
  sleep 0.5
  waited=$((waited + 1))
done
echo "JupyterLab in the container $image, notebooks from $(pwd)/notebooks"
echo "  open: http://127.0.0.1:$port/lab?token=$LAB_TOKEN"
echo "  stop: Ctrl-C"
status=$(docker wait "$container")
if [ "$status" != 0 ]; then
  docker logs --tail 20 "$container" >&2
  fail "the server stopped with exit code $status (its last lines are above)."
fi
