#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Two workers on two lcores against one worker on the same trace
# (issue 19, docs/benchmarks.md "Two workers"): dsrlb-bench-replay with
# --workers 1 on the whole capture (one rx queue) and --workers 2 on the
# capture split by RSS queue (dsrlb-bench-replay --split-rss: each frame
# where a NIC's RSS with the appliance's symmetric key puts its 5-tuple,
# so a client packet reaches the lcore owning its flow and a server
# message, hashed on the server's tuple, most often the other lcore:
# that one sends the message on to the client and passes a note of it
# through the owner's ring (docs/architecture.md)). No testpmd
# meanwhile.
# Rounds alternate one and two workers, so that a change of the
# machine's load touches both.
#
#   scripts/bench-workers.sh [--build DIR] [--out DIR] [--duration S]
#       [--rounds N] [--flows N] [--cases "fb4 fb4-answers"]
#       [--lcores "0,1"]
#
# Cases: fb4 (data packets of pinned flows), fb4-answers (the same with
# 10% metric answers: the owners' rings in use), answers4 (answers
# only), hunt6-sticky (hunt6's pinned flows with 10% createStickiness).
# Prints every round (with the frames handed over and the
# answers' notes per second) and, per case, the best and the median
# ratio of two workers over one.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
src=$(dirname "$here")
build=$src/build
out=
duration=2
rounds=3
flows=10000
cases="fb4 fb4-answers"
lcores="0,1"

while [ $# -gt 0 ]; do
	case $1 in
	--build) build=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	--duration) duration=$2; shift 2 ;;
	--rounds) rounds=$2; shift 2 ;;
	--flows) flows=$2; shift 2 ;;
	--cases) cases=$2; shift 2 ;;
	--lcores) lcores=$2; shift 2 ;;
	-h|--help) sed -n '3,23p' "$0"; exit 0 ;;
	*) echo "bench-workers: unknown argument $1" >&2; exit 2 ;;
	esac
done
gen=$build/src/replay/dsrlb-trace-gen
bench=$build/src/replay/dsrlb-bench-replay
for p in "$gen" "$bench"; do
	[ -x "$p" ] || { echo "bench-workers: $p missing (ninja -C $build)" >&2; exit 1; }
done
[ -n "$out" ] || out=$build/bench-workers
mkdir -p "$out"
cfg=$src/config/bench.ini
l1=${lcores##*,}
pk=32768
mb=$((pk * 35 / 10240 + 256))
mem=$(DSRLB_MIN_HUGEPAGES=$((mb / 2 + 16)) "$src/scripts/eal-mem-args.sh" "$mb")

# one CASE WORKERS ROUND: prints the mean Mpps of the run
one() {
	c=$1 n=$2 r=$3
	if [ "$n" = 1 ]; then
		l=$l1 vdev="net_pcap0,rx_pcap=$out/$c.pcap,infinite_rx=1"
	else
		l=$lcores
		vdev="net_pcap0,rx_pcap=$out/$c-q-0.pcap,rx_pcap=$out/$c-q-1.pcap,infinite_rx=1"
	fi
	# shellcheck disable=SC2086
	"$bench" -l "$l" --no-pci $mem --file-prefix "dsrlb-bw-$$" \
		--vdev "$vdev" --log-level=error -- --config "$cfg" \
		--trace "$out/$c.pcap" --warmup "$out/$c-warmup.pcap" \
		--flow-capacity "$flows" --duration "$duration" \
		--case "$c-${n}w-$r" --workers "$n" \
		--result "$out/$c-${n}w-$r.res" >"$out/$c-${n}w-$r.log" 2>&1 ||
		{ echo "bench-workers: $c $n workers failed, see $out/$c-${n}w-$r.log" >&2; exit 1; }
	# "Mpps CPU-seconds": the rate, and the CPU time its threads got
	if [ "$n" = 1 ]; then
		awk -F= '/^lcore0_mpps=/ { m = $2 } /^lcore0_cpu_s=/ { c = $2 }
			END { print m, c }' "$out/$c-${n}w-$r.res"
	else
		awk -F= '/^workers_mpps=/ { m = $2 } /^workers_cpu_s=/ { c = $2 }
			END { print m, c }' "$out/$c-${n}w-$r.res"
	fi
}

printf 'case\tround\tone_worker_mpps\ttwo_workers_mpps\tratio\tcpu_one\tcpu_two\tprojected\thandoffs_per_s\tnotes_per_s\n' >"$out/summary.tsv"
for c in $cases; do
	vips=fb4
	case $c in
	fb4) gopt= ;;
	fb4-answers) gopt="--answer-share 0.1" ;;
	answers4) gopt="--answer-share 1" ;;
	hunt6-sticky) vips=hunt6 gopt="--sticky-share 0.1" ;;
	*) echo "bench-workers: unknown case $c" >&2; exit 2 ;;
	esac
	# shellcheck disable=SC2086
	"$gen" --config "$cfg" --vips $vips --flows "$flows" --packets $pk \
		--seed 1 --out "$out/$c.pcap" $gopt >/dev/null
	"$gen" --config "$cfg" --vips $vips --flows "$flows" --kind warmup \
		--seed 1 --out "$out/$c-warmup.pcap" >/dev/null
	"$bench" --split-rss 2 --split-out "$out/$c-q" --trace "$out/$c.pcap" >&2
	r=1
	while [ $r -le "$rounds" ]; do
		a=$(one "$c" 1 $r)
		b=$(one "$c" 2 $r)
		h=$(sed -n 's/^workers_handoffs=//p' "$out/$c-2w-$r.res")
		nt=$(sed -n 's/^workers_notes=//p' "$out/$c-2w-$r.res")
		# cpu_*: CPU seconds the workers' threads got per second of
		# the run (2.00 = two whole cores); projected: twice the
		# ratio of the rates per CPU second: the ratio two whole cores
		# would give, without the share the other jobs took
		echo "$a $b" | awk -v c="$c" -v r=$r -v h="$h" -v nt="$nt" \
			-v d="$duration" \
			'{ printf "%s\t%d\t%.3f\t%.3f\t%.2f\t%.2f\t%.2f\t%.2f\t%.0f\t%.0f\n",
			   c, r, $1, $3, $3 / $1, $2 / d, $4 / d,
			   ($3 / $4) / ($1 / $2) * 2, h / d, nt / d }' >>"$out/summary.tsv"
		r=$((r + 1))
	done
done
column -t -s "$(printf '\t')" "$out/summary.tsv" 2>/dev/null || cat "$out/summary.tsv"
awk -F'\t' 'NR > 1 { n[$1]++; v[$1, n[$1]] = $5; if ($5 > b[$1]) b[$1] = $5 }
	END { for (c in n) { k = n[c]; for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++)
		if (v[c, j] < v[c, i]) { t = v[c, i]; v[c, i] = v[c, j]; v[c, j] = t }
		printf "%s: two workers / one: best %.2fx, median %.2fx over %d rounds\n",
			c, b[c], v[c, int((k + 1) / 2)], k } }' "$out/summary.tsv"
awk -F'\t' 'NR > 1 { s[$1] += $8; n[$1]++ }
	END { for (c in n) printf "%s: per CPU second the lcores got, projected to two whole cores: %.2fx (mean of %d)\n",
		c, s[c] / n[c], n[c] }' "$out/summary.tsv"
rm -f "$out"/*.pcap
