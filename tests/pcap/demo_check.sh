#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# The fixture pcap through DPDK: net_pcap rx -> dsrlb-demo -> net_pcap tx.
# Checks that every frame came back out byte for byte, that the demo's
# per-message and per-parse-result counters are the ones the fixture table
# predicts, and that the demo exited 0 (every mbuf back in its pool).
# Also: the SR function of each SRH's destination SID is named from the
# configuration, and a bad configuration is refused with one clear line.
# usage: demo_check.sh <dsrlb-fixtures> <dsrlb-demo> <workdir>
#        <eal-mem-args.sh> <config.ini>
set -eu
fixtures=$1 demo=$2 work=$3 memargs=$4 config=$5
mkdir -p "$work"
in=$work/in.pcap out=$work/out.pcap log=$work/demo.log
rm -f "$out"
"$fixtures" --counts "$in" >"$work/expected-counts"
# shellcheck disable=SC2046
if ! "$demo" $("$memargs" 256) --no-pci -l 0 --log-level=lib.eal:warning \
	--vdev "net_pcap0,rx_pcap=$in,tx_pcap=$out" -- --config "$config" \
	--print 1000 >"$log" 2>&1
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
for want in 'srh(sl=2,le=3) sid=connectAvail' 'srh(sl=1,le=2) sid=connectForce'; do
	if grep -qF "$want" "$log"; then
		echo "demo_check: ok   line with '$want'"
	else
		echo "demo_check: FAIL no line with '$want'"
		fail=1
	fi
done
printf '[srv6]\nlocator_bits = 64\nconnectAvail = 7\nconnectForce = 7\n' \
	>"$work/bad.ini"
# shellcheck disable=SC2046
if "$demo" $("$memargs" 64) --no-pci -l 0 --log-level=lib.eal:warning \
	--vdev net_null0 -- --config "$work/bad.ini" >"$work/bad.log" 2>&1
then
	echo "demo_check: FAIL a bad configuration was accepted"
	fail=1
elif grep -qF "bad.ini: [srv6] connectAvail and connectForce share code 7" \
	"$work/bad.log"; then
	echo "demo_check: ok   bad configuration refused with a clear line"
else
	cat "$work/bad.log"
	echo "demo_check: FAIL bad configuration refused without the expected line"
	fail=1
fi
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
