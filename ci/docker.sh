#!/bin/sh
# CI's Docker for make test-image, as root. `start`: install Debian's docker.io (and
# debootstrap, for the base image) when missing, and start dockerd when no daemon answers,
# remembering its PID. `stop`: stop that dockerd, and only that one, within 30 s.
# Not root: says so and does nothing (the image tests then skip, or fail with CI=true).
set -eu
pidfile=/run/mxnet-linreg-dockerd.pid
log=/tmp/mxnet-linreg-dockerd.log

case ${1:-} in
start)
  if [ "$(id -u)" != 0 ]; then echo "docker: not root, so no daemon is started here" >&2; exit 0; fi
  if ! command -v dockerd >/dev/null 2>&1 || ! command -v debootstrap >/dev/null 2>&1; then
    echo "docker: installing docker.io and debootstrap with apt-get"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker.io debootstrap >/dev/null
  fi
  if docker info >/dev/null 2>&1; then echo "docker: a daemon is already running; using it"; exit 0; fi
  dockerd >"$log" 2>&1 &
  echo $! >"$pidfile"
  for _ in $(seq 60); do
    if said=$(docker info 2>&1 >/dev/null); then echo "docker: dockerd started (pid $(cat "$pidfile"))"; exit 0; else status=$?; fi
    sleep 1
  done
  echo "error: dockerd did not answer within 60 s (docker info: exit status $status: $said); its log ($log) ends:" >&2
  tail -20 "$log" >&2
  exit 1 ;;
stop)
  [ -f "$pidfile" ] || exit 0
  pid=$(cat "$pidfile")
  rm -f "$pidfile"
  kill "$pid" 2>/dev/null || exit 0
  for _ in $(seq 30); do
    if ! kill -0 "$pid" 2>/dev/null; then echo "docker: dockerd (pid $pid) stopped"; exit 0; fi
    sleep 1
  done
  kill -9 "$pid" 2>/dev/null || true
  echo "docker: dockerd (pid $pid) killed after 30 s" >&2 ;;
*)
  echo "usage: ci/docker.sh start|stop" >&2
  exit 2 ;;
esac
