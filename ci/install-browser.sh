#!/bin/sh
# Install what the browser tests need: Debian's Chromium and a CJK font (without one,
# Chromium draws every Chinese character as an empty box in the screenshots).
# Only as root with apt-get; anywhere else it leaves the machine alone and says so
# (the browser tests then skip, or fail when CI=true).
set -eu
if command -v chromium >/dev/null 2>&1 && fc-list :lang=zh 2>/dev/null | grep -q .; then
  echo "browser tests: chromium and a CJK font are installed"
  exit 0
fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "browser tests: not root or no apt-get; install chromium and fonts-wqy-microhei yourself" >&2
  exit 0
fi
echo "browser tests: installing chromium and fonts-wqy-microhei with apt-get"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-wqy-microhei >/dev/null
