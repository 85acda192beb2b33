#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Run dsrlb-demo on its default: a net_pcap virtual device reading the
# fixture pcap written by dsrlb-fixtures (or the pcap given as $1), writing
# what it sends to build/demo-out.pcap. No NIC needed.
set -eu
cd "$(dirname "$0")/.."
build=${DSRLB_BUILD:-build}
in=${1:-$build/fixtures.pcap}
out=$build/demo-out.pcap
if [ $# -eq 0 ]; then
	"$build/src/tools/dsrlb-fixtures" "$in"
fi
# shellcheck disable=SC2046
exec "$build/src/demo/dsrlb-demo" $(scripts/eal-mem-args.sh 256) \
	--no-pci -l 0 --log-level=lib.eal:warning \
	--vdev "net_pcap0,rx_pcap=$in,tx_pcap=$out" -- \
	--config config/dsrlb-demo.ini --print 64
