#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Run the appliance on its default configuration (config/dsrlb.ini): one
# net_pcap port reading a capture of client and server traffic (written by
# scripts/demo-traffic.py, or the pcap given as $1) and writing what the
# appliance sends to build/dsrlb-out.pcap. No NIC needed. It stops when the
# capture is consumed and prints its counters (every frame in one final
# counter, and a check that every mbuf went back to its pool).
set -eu
cd "$(dirname "$0")/.."
build=${DSRLB_BUILD:-build}
in=${1:-$build/dsrlb-in.pcap}
out=$build/dsrlb-out.pcap
if [ $# -eq 0 ]; then
	/usr/bin/python3 scripts/demo-traffic.py "$in" 50
fi
# shellcheck disable=SC2046
"$build/src/dsrlb/dsrlb" $(scripts/eal-mem-args.sh 256) \
	--no-pci -l 0 --log-level=lib.eal:warning \
	--vdev "net_pcap0,rx_pcap=$in,tx_pcap=$out" -- \
	--config config/dsrlb.ini --idle-exit-ms 500
echo "run-dsrlb: what the appliance sent is in $out"
