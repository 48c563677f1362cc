#!/bin/sh
# Install the Debian packages bhbench needs on the host (build and run).
# Kernels are never installed on the host: see harness/kernel/provision.sh.
set -eu
PKGS="build-essential g++ make binutils jq qemu-system-x86 mmdebstrap debian-archive-keyring
      libjansson-dev libinih-dev libcmocka-dev libbenchmark-dev hyperfine gnuplot-nox
      ca-certificates util-linux procps chromium xz-utils zstd"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "install-deps: installing:$missing"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -q
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends $missing
