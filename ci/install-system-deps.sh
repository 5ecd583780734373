#!/bin/sh
# Install the system packages the tests need beyond Python, with apt, as root:
# - Debian's Chromium and a CJK font for the browser tests (without the font, Chromium
#   draws every Chinese character as an empty box in the screenshots);
# - g++, clang and LLVM's libc++ for tests/test_sampler_cpp.py, which builds notebook 05's
#   C++ sampler with both C++ standard libraries.
# Only as root with apt-get; anywhere else it leaves the machine alone and says so
# (those tests then skip, or fail when CI=true).
set -eu
packages="chromium fonts-wqy-microhei g++ clang libc++-dev libc++abi-dev"

have_all() {
  command -v chromium >/dev/null 2>&1 || return 1
  fc-list :lang=zh 2>/dev/null | grep -q . || return 1
  command -v g++ >/dev/null 2>&1 || return 1
  printf '#include <random>\nint main() {}\n' | clang++ -stdlib=libc++ -x c++ -o /dev/null - >/dev/null 2>&1
}

if have_all; then
  echo "test system packages: already installed ($packages)"
  exit 0
fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "test system packages: not root or no apt-get; install them yourself: apt-get install $packages" >&2
  exit 0
fi
echo "test system packages: installing $packages with apt-get"
apt-get update -qq
# shellcheck disable=SC2086  # the list is meant to split into packages
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $packages >/dev/null
