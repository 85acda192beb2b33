#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Install everything dsrlb needs from Debian 12 packages, then prepare
# hugepages (programs fall back to --no-huge when there are none).
# Idempotent: re-running only checks.
set -eu

SUDO=
if [ "$(id -u)" -ne 0 ]; then
	SUDO=sudo
fi

PKGS="build-essential pkg-config meson ninja-build
	dpdk dpdk-dev libdpdk-dev libnuma-dev libpcap-dev libcmocka-dev
	libmicrohttpd-dev libsystemd-dev prometheus systemd
	dpkg-dev debhelper lintian fakeroot
	clang libclang-rt-14-dev tshark python3-scapy
	gnuplot-nox
	nginx apache2-utils hey iperf3 curl ethtool iproute2 procps
	bird2 valgrind
	libngtcp2-dev libngtcp2-crypto-gnutls-dev libnghttp3-dev libgnutls28-dev
	ngtcp2-client openssl nettle-dev
	libbpf-dev libxdp-dev llvm bpftool"

missing=
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed'; then
		missing="$missing $p"
	fi
done

if [ -n "$missing" ]; then
	echo "install-deps: installing:$missing"
	$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
	# tshark asks whether non-root users may capture: answer "no".
	echo "wireshark-common wireshark-common/install-setuid boolean false" |
		$SUDO debconf-set-selections
	# shellcheck disable=SC2086
	$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		--no-install-recommends $missing >/dev/null
else
	echo "install-deps: all packages present"
fi

# The end-to-end tests start their own nginx per network namespace; the
# package's own service (started by its postinst) is not needed.
if command -v systemctl >/dev/null && systemctl is-active -q nginx 2>/dev/null; then
	$SUDO systemctl disable --now nginx >/dev/null 2>&1 || true
fi
# Likewise BIRD: tests/e2e/test_bgp.py runs one per namespace.
if command -v systemctl >/dev/null && systemctl is-active -q bird 2>/dev/null; then
	$SUDO systemctl disable --now bird >/dev/null 2>&1 || true
fi
# Only promtool of the prometheus package is used (tests/lb/test_ops.py).
if command -v systemctl >/dev/null && systemctl is-active -q prometheus 2>/dev/null; then
	$SUDO systemctl disable --now prometheus >/dev/null 2>&1 || true
fi

"$(dirname "$0")/hugepages.sh" || true
