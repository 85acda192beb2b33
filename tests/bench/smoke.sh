#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Run scripts/bench-replay.sh on its shortest setting (one case, 1000
# flows, half a second) and check that the result files have the fields
# docs/benchmarks.md names. Timings are printed, never asserted.
#   smoke.sh BUILD_DIR SOURCE_DIR WORK_DIR
set -eu
build=$1 src=$2 work=$3
rm -rf "$work"
mkdir -p "$work"
fail=0
check() { # file key...
	f=$1; shift
	for k in "$@"; do
		if ! grep -q "^$k=" "$f"; then
			echo "FAIL: $f has no $k"
			fail=1
		fi
	done
}

# The generator alone: every kind of frame, deterministic from the seed.
gen=$build/src/replay/dsrlb-trace-gen
for i in 1 2; do
	"$gen" --config "$src/config/bench.ini" --vips maglev4,fb4,fb6,hunt6 \
		--flows 100 --packets 400 --syn-share 0.1 --answer-share 0.2 \
		--sticky-share 0.2 --zipf 1.1 --size 64-300 --seed 7 \
		--out "$work/mix$i.pcap" >/dev/null
done
if ! cmp -s "$work/mix1.pcap" "$work/mix2.pcap"; then
	echo "FAIL: the same seed gave two different traces"
	fail=1
fi

"$src/scripts/bench-replay.sh" --build "$build" --out "$work/out" --quick \
	--cases "maglev4 micro" >"$work/log" 2>&1 || {
	cat "$work/log"
	echo "FAIL: bench-replay.sh"
	exit 1
}
cat "$work/log" | grep -v '\r' || true
r=$work/out/maglev4-1000.res
[ -f "$r" ] || { echo "FAIL: no $r"; cat "$work/log"; exit 1; }
check "$r" case lcores lcore0_mpps lcore0_cycles_per_pkt lcore0_drops \
	lcore0_mpps_best lcore0_cycles_per_pkt_best flows_pinned \
	flow_table_bytes_per_flow state_build_ms tsc_hz counter.rx
if command -v "${DPDK_TESTPMD:-dpdk-testpmd}" >/dev/null 2>&1; then
	check "$r" testpmd_io_mpps testpmd_macswap_mpps ratio_io \
		increment_cycles_io ratio_macswap increment_cycles_macswap \
		ratio_io_best increment_cycles_io_best
else
	echo "dpdk-testpmd not installed: its fields are not checked"
fi
awk -F= '$1 == "lcore0_rx" && $2 + 0 == 0 { print "FAIL: nothing processed"; exit 1 }
	$1 == "flows_pinned" && $2 + 0 != 1000 { print "FAIL: " $2 " flows pinned, not 1000"; exit 1 }' "$r" || fail=1
check "$work/out/micro-1000.res" micro_lookup_single_cycles \
	micro_lookup_bulk_cycles flow_table_bytes_per_flow
[ -s "$work/out/summary.tsv" ] || { echo "FAIL: no summary"; fail=1; }

# Two workers against one (issue 19): both run, the split trace reaches
# both queues, and the answers' notes reach their flows' owners.
"$src/scripts/bench-workers.sh" --build "$build" --out "$work/workers" \
	--rounds 1 --duration 0.5 --flows 1000 --cases fb4-answers \
	>"$work/workers.log" 2>&1 || {
	cat "$work/workers.log"
	echo "FAIL: bench-workers.sh"
	exit 1
}
grep -v '\r' "$work/workers.log" || true
r=$work/workers/fb4-answers-2w-1.res
check "$r" lcores workers_rx workers_mpps workers_handoffs workers_notes \
	workers_tx_client workers_answers_counted workers_handoff_ring_full \
	workers_drops \
	workers_cpu_s worker0_rx worker1_rx
check "$work/workers/fb4-answers-1w-1.res" lcore0_mpps lcore0_cpu_s
awk -F= '($1 == "worker0_rx" || $1 == "worker1_rx") && $2 + 0 == 0 {
		print "FAIL: " $1 " is 0"; exit 1 }
	$1 == "workers_notes" && $2 + 0 == 0 {
		print "FAIL: no answer noted to its owner"; exit 1 }
	{ v[$1] = $2 + 0 }
	END {
		# the owners counted every answer sent on, from its frame or
		# its note, but those staged or on a ring when the run ended
		# (two workers: 64 staged and 1024 on a ring each) and those
		# a full ring refused (the first worker to stop no longer
		# takes its ring)
		lag = 2176 + v["workers_handoff_ring_full"]
		if (v["workers_tx_client"] == 0 ||
		    v["workers_tx_client"] - v["workers_answers_counted"] > lag ||
		    v["workers_answers_counted"] > v["workers_tx_client"] + 2176) {
			print "FAIL: " v["workers_tx_client"] " answers sent on, " \
				v["workers_answers_counted"] " counted by their owners"
			exit 1
		}
	}' "$r" || fail=1
[ $fail = 0 ] && echo "ok: bench smoke test"
exit $fail
