#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# The fixture pcap through DPDK: net_pcap rx -> dsrlb-demo -> net_pcap tx.
# Checks that every frame came back out byte for byte, that the demo's
# per-message and per-parse-result counters are the ones the fixture table
# predicts, and that the demo exited 0 (every mbuf back in its pool).
# usage: demo_check.sh <dsrlb-fixtures> <dsrlb-demo> <workdir> <eal-mem-args.sh>
set -eu
fixtures=$1 demo=$2 work=$3 memargs=$4
mkdir -p "$work"
in=$work/in.pcap out=$work/out.pcap log=$work/demo.log
rm -f "$out"
"$fixtures" --counts "$in" >"$work/expected-counts"
# shellcheck disable=SC2046
if ! "$demo" $("$memargs" 256) --no-pci -l 0 --log-level=lib.eal:warning \
	--vdev "net_pcap0,rx_pcap=$in,tx_pcap=$out" -- --print 0 >"$log" 2>&1
then
	cat "$log"
	echo "demo_check: dsrlb-demo failed"
	exit 1
fi
cat "$log"
fail=0
while read -r kind name count; do
	got=$(awk -v k="$kind" -v n="$name" '$1 == k && $2 == n {print $3}' "$log")
	if [ "${got:-0}" != "$count" ]; then
		echo "demo_check: FAIL $kind $name: expected $count, demo says ${got:-0}"
		fail=1
	else
		echo "demo_check: ok   $kind $name = $count"
	fi
done <"$work/expected-counts"
if ! /usr/bin/python3 - "$in" "$out" <<'PY'
import struct, sys
def frames(path):
    data = open(path, 'rb').read()
    magic = struct.unpack('<I', data[:4])[0]
    e = '<' if magic in (0xa1b2c3d4, 0xa1b23c4d) else '>'
    off, out = 24, []
    while off + 16 <= len(data):
        incl = struct.unpack(e + 'I', data[off + 8:off + 12])[0]
        out.append(data[off + 16:off + 16 + incl])
        off += 16 + incl
    return out
a, b = frames(sys.argv[1]), frames(sys.argv[2])
bad = [i + 1 for i, (x, y) in enumerate(zip(a, b)) if x != y]
print(f"demo_check: {len(a)} frames in, {len(b)} out, {len(bad)} differ {bad[:10]}")
sys.exit(0 if len(a) == len(b) and a and not bad else 1)
PY
then
	fail=1
fi
exit $fail
