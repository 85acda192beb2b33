#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Instructions and simulated cache misses per packet of the appliance's
# engine over fixed traces, counted by Valgrind's cache simulator (this
# machine's virtual CPU has no hardware counters): the deterministic
# figure of docs/benchmarks.md "Instructions per packet" (issue 19).
#
#   scripts/cachegrind-engine.sh [--build DIR] [--out DIR]
#       [--sizes "10000 1000000"]
#       [--cases "maglev4 fb4 fb6 hunt6 syn answers4 answers6 sticky"]
#       [--packets N]
#
# Cases: maglev4 fb4 fb6 hunt6 (data packets of pinned flows), syn (SYNs
# of new flows only, maglev4; the table has room for all of them), syn6
# (the same over IPv6, maglev6),
# answers4 answers6 (metric answers from the backends of fb4 / fb6's
# pinned flows), sticky (6LB createStickiness of hunt6's pinned flows);
# any of them with -2w (fb4-2w, answers4-2w): on two workers, each frame
# to the one RSS gives it, what the other owns handed over through its
# ring (replay_measured_handoff(), counted too), an answer for the
# other's flow sent on with a note to it (replay_measured_notes(),
# counted too); and with -nic (maglev4-nic,
# answers4-2w-nic): every IPv4 frame comes with the verdict of a NIC that
# checks header checksums (RTE_ETH_RX_OFFLOAD_IPV4_CKSUM), which the
# engine takes instead of summing the header.
#
# For every case: dsrlb-trace-gen writes a warm-up capture (every flow
# pinned) and a traffic capture (N packets of the case, seed 1);
# dsrlb-engine-replay replays both under Valgrind's callgrind, which runs
# cachegrind's cache simulator over the whole run and counts only inside
# replay_measured_burst() (--toggle-collect): the engine on the traffic,
# nothing of the harness or the warm-up. Counts divided by the traffic's
# packets are the engine's cost per packet. The simulated caches are
# fixed (32 KiB 8-way L1s, 8 MiB 16-way LL, 64-byte lines) so that every
# machine prints the same figures for the same build. Nothing is asserted.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
src=$(dirname "$here")
build=$src/build
out=
sizes="10000 1000000"
cases="maglev4 fb4 fb6 hunt6 syn answers4 answers6 sticky"
packets=32768

while [ $# -gt 0 ]; do
	case $1 in
	--build) build=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	--sizes) sizes=$2; shift 2 ;;
	--cases) cases=$2; shift 2 ;;
	--packets) packets=$2; shift 2 ;;
	-h|--help) sed -n '3,29p' "$0"; exit 0 ;;
	*) echo "cachegrind-engine: unknown argument $1" >&2; exit 2 ;;
	esac
done
gen=$build/src/replay/dsrlb-trace-gen
rep=$build/src/replay/dsrlb-engine-replay
for p in "$gen" "$rep"; do
	[ -x "$p" ] || { echo "cachegrind-engine: $p missing (ninja -C $build)" >&2; exit 1; }
done
command -v valgrind >/dev/null ||
	{ echo "cachegrind-engine: valgrind missing (apt-get install valgrind)" >&2; exit 1; }
[ -n "$out" ] || out=$build/cachegrind-results
mkdir -p "$out"
cfg=$src/config/bench.ini
caches="--I1=32768,8,64 --D1=32768,8,64 --LL=8388608,16,64"

# cg FILE ARGS...: cachegrind summary of one run into FILE as key=value
cg() {
	f=$1
	shift
	# shellcheck disable=SC2086
	valgrind --tool=callgrind --cache-sim=yes $caches \
		--toggle-collect=replay_measured_burst \
		--toggle-collect=replay_measured_handoff \
		--toggle-collect=replay_measured_notes \
		--callgrind-out-file=/dev/null "$rep" "$@" 2>"$f.log" >"$f.out" ||
		{ echo "cachegrind-engine: run failed, see $f.log" >&2; exit 1; }
	sed -n 's/^==[0-9]*== //p' "$f.log" | tr -d , | awk '
		/^I +refs:/ { print "ir=" $3 }
		/^D +refs:/ { print "dr=" $3 }
		/^D1 +misses:/ { print "d1=" $3 }
		/^LLd +misses:/ { print "lld=" $3 }
		/^LL +misses:/ { print "ll=" $3 }' >"$f"
}

printf 'case\tflows\tpackets\tinstr_per_pkt\tdata_refs_per_pkt\tD1_misses_per_pkt\tLL_misses_per_pkt\n' >"$out/summary.tsv"
for c in $cases; do
	# vips: the VIP of the case; gopt: its traffic; what: its packets
	# CASE-2w: the same on two workers (dsrlb-engine-replay --workers
	# 2: each frame to the worker RSS gives its tuple, hand-offs through
	# the owner; per packet, both workers' work)
	# CASE-nic: behind a NIC that checks IPv4 header checksums
	# (dsrlb-engine-replay --nic-csum)
	b=${c%-nic}
	wopt=
	[ "$b" != "$c" ] && wopt="--nic-csum"
	c2=$b
	b=${b%-2w}
	[ "$b" != "$c2" ] && wopt="$wopt --workers 2"
	case $b in
	maglev4|fb4|fb6|hunt6) vips=$b gopt='' what="data packets" ;;
	syn) vips=maglev4 gopt="--syn-share 1" what="SYNs of new flows" ;;
	syn6) vips=maglev6 gopt="--syn-share 1" what="SYNs of new flows" ;;
	answers4) vips=fb4 gopt="--answer-share 1" what="metric answers" ;;
	answers6) vips=fb6 gopt="--answer-share 1" what="metric answers" ;;
	sticky) vips=hunt6 gopt="--sticky-share 1" what="createStickiness" ;;
	*) echo "cachegrind-engine: unknown case $c" >&2; exit 2 ;;
	esac
	for n in $sizes; do
		tr=$out/$c-$n.pcap
		wu=$out/$c-$n-warmup.pcap
		cap=$n
		# New flows need room beside the pinned ones.
		case $b in syn|syn6) cap=$((n + 2 * packets)) ;; esac
		# shellcheck disable=SC2086
		"$gen" --config "$cfg" --vips "$vips" --flows "$n" \
			--packets "$packets" --seed 1 --out "$tr" $gopt >/dev/null
		"$gen" --config "$cfg" --vips "$vips" --flows "$n" --kind warmup \
			--seed 1 --out "$wu" >/dev/null
		echo "== $c: $n flows pinned, $packets $what" >&2
		# shellcheck disable=SC2086
		cg "$out/$c-$n" --config "$cfg" --trace "$tr" --warmup "$wu" \
			--flow-capacity "$cap" $wopt
		tx=$(sed -n 's/^measured_tx=//p' "$out/$c-$n.out")
		[ "$tx" = "$packets" ] ||
			echo "cachegrind-engine: $c-$n: only $tx of $packets packets forwarded" >&2
		awk -F= -v c="$c" -v n="$n" -v p="$packets" '
			{ v[$1] = $2 }
			END { printf "%s\t%s\t%s\t%.1f\t%.1f\t%.2f\t%.3f\n", c, n, p,
				v["ir"] / p, v["dr"] / p, v["d1"] / p, v["ll"] / p }' \
			"$out/$c-$n" >>"$out/summary.tsv"
		rm -f "$tr" "$wu"
	done
done
column -t -s "$(printf '\t')" "$out/summary.tsv" 2>/dev/null || cat "$out/summary.tsv"
