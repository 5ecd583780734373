#!/bin/sh
# Make sure the Dockerfile's base image is there: docker has it, or can pull it, or (no
# Docker Hub, as on this project's CI machines) it is built from Debian's own packages
# with debootstrap, the way Debian's official images are built, and imported under the
# same name, so the Dockerfile, Dev Containers and repo2docker all build unchanged.
# The stand-in also trusts the host's own extra CA certificates, if any (in
# /usr/local/share/ca-certificates, as behind a TLS-intercepting proxy such as the CI
# machines'), and tells pip to use the system's CA bundle, so pip works in a build there.
# Usage: image/base-image.sh [IMAGE]   (default debian:bookworm-slim; make image calls it)
set -eu
base=${1:-debian:bookworm-slim}
fail() { printf 'error: %s\n' "$*" >&2; exit 1; }

command -v docker >/dev/null 2>&1 || fail "no docker command. Install Docker (Docker Desktop, Podman with its docker alias, or apt-get install docker.io)."
docker info >/dev/null ||
  fail "docker cannot reach its daemon (docker info: exit status $?, its error above). Start Docker (or dockerd), then run make image again."
docker image inspect "$base" >/dev/null 2>&1 && exit 0  # (not there yet: that is what the rest is for)
echo "image: pulling $base"
pulled=$(timeout 120 docker pull -q "$base" 2>&1) && exit 0 || status=$?
[ "$status" != 124 ] || pulled="no answer within 120 s"
echo "image: cannot pull $base (docker pull: exit status $status${pulled:+: $(printf '%s' "$pulled" | tail -1)})"
case $base in
  debian:bookworm*) ;;
  *) fail "cannot pull $base (docker's error above), and only debian:bookworm can be built here from Debian's packages." ;;
esac
[ "$(id -u)" = 0 ] || fail "cannot pull $base (no Docker Hub?). Building a stand-in from Debian's packages needs root:
  sudo image/base-image.sh $base   then make image again."
if ! command -v debootstrap >/dev/null 2>&1; then
  command -v apt-get >/dev/null 2>&1 || fail "cannot pull $base and no debootstrap or apt-get to build it."
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
fi
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
echo "image: building $base from Debian's packages with debootstrap (about a minute)"
timeout 600 debootstrap --variant=minbase --include=ca-certificates bookworm "$root" http://deb.debian.org/debian >/dev/null
if ls /usr/local/share/ca-certificates/*.crt >/dev/null 2>&1; then
  cp /usr/local/share/ca-certificates/*.crt "$root/usr/local/share/ca-certificates/"
  chroot "$root" update-ca-certificates >/dev/null 2>&1
  printf '[global]\ncert = /etc/ssl/certs/ca-certificates.crt\n' > "$root/etc/pip.conf"
  echo "image: the stand-in trusts this host's extra CA certificates: $(cd /usr/local/share/ca-certificates && echo *.crt)"
fi
# As Debian's official slim images do: apt keeps no package caches, and dpkg installs no
# documentation, manual pages or translations (later apt-get installs in the Dockerfile too).
cat > "$root/etc/apt/apt.conf.d/docker-clean" <<'APT'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache ""; Dir::Cache::srcpkgcache "";
APT
cat > "$root/etc/dpkg/dpkg.cfg.d/docker" <<'DPKG'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-exclude /usr/share/lintian/*
DPKG
find "$root/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete
rm -rf "$root"/usr/share/man/* "$root"/usr/share/info/* "$root"/usr/share/locale/* "$root"/usr/share/lintian/*
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/cache/apt/*.bin "$root"/var/lib/apt/lists/*
tar -C "$root" -c . | docker import --change 'CMD ["bash"]' - "$base" >/dev/null
echo "image: $base imported ($(docker image inspect -f '{{.Size}}' "$base" | awk '{printf "%d MB", $1 / 1e6}'))"
