#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Issue 17: what restricting dynamic DSR to the flow's d candidates of a
# C = d consistent-hash table costs, measured with dsrlb-sim over several
# seeds (docs/evaluation.md, "Dynamic DSR among d candidates"), and
# issue 22's power estimate for SR_4 against Maglev on the testbed's shape.
#   scripts/sim-power-of-d.sh [path/to/dsrlb-sim] [output dir]
# Defaults: build/src/sim/dsrlb-sim, docs/img. Prints the tables of the
# page on stdout and draws $OUT/sim-power-of-d.png (gnuplot).
# About 3 minutes on one core (fixed seeds: reproducible).
set -eu

SIM=${1:-build/src/sim/dsrlb-sim}
OUT=${2:-docs/img}
if [ ! -x "$SIM" ]; then
	echo "sim-power-of-d: $SIM not found (build first, or pass its path)" >&2
	exit 1
fi
if ! command -v gnuplot >/dev/null 2>&1; then
	echo "sim-power-of-d: gnuplot not found (apt-get install gnuplot-nox)" >&2
	exit 1
fi
mkdir -p "$OUT"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# The shapes. POOL: the dynamic-DSR paper's jobs (log-normal, mean 1 s,
# sigma 1, 0.2 ms hops; docs/evaluation.md's dynamic DSR comparison) on
# the simulator's default 16 servers, 8 workers each. MANY: 6LB's 100
# servers x 1 worker, exponential 10 ms jobs. PAPER: the paper's 2 servers.
POOL="-N 16 -w 8 --dist lognormal --sigma 1 --job-us 1000000 --delay-us 200"
MANY="-N 100"
PAPER="-N 2 -w 8 --dist lognormal --sigma 1 --job-us 1000000 --delay-us 200"
ADAPT=dyn-adapt,dyn-adapt2,dyn-adapt4,dyn-adapt8
FIXED=dyn,dyn2,dyn4,dyn8
EXACT=jsq,jsq2,jsq4,jsq8

run() {
	echo "\$ dsrlb-sim $*"
	# shellcheck disable=SC2086 # the shapes are word lists on purpose
	"$SIM" "$@" 2>/dev/null | tail -n +3
}

# 1. The table: rho 0.7 and 0.88, 10 seeds, 200 000 requests each. The
#    first policy of each command is the full choice that rel compares
#    with, seed for seed.
# shellcheck disable=SC2086
{
	run $PAPER -j 60000 -r 0.7,0.88 --seeds 10 -p dyn-adapt,dyn-adapt2,rr,sc
	run $POOL -j 200000 -r 0.7,0.88 --seeds 10 -p $ADAPT,rr,sc,sr4,sr8
	run $POOL -j 200000 -r 0.7,0.88 --seeds 10 -p $FIXED
	run $POOL -j 200000 -r 0.7,0.88 --seeds 10 -p $EXACT
	run $MANY -j 200000 -r 0.7,0.88 --seeds 10 -p $ADAPT,rr,sc,sr4
	run $MANY -j 200000 -r 0.7,0.88 --seeds 10 -p $FIXED
	run $MANY -j 200000 -r 0.7,0.88 --seeds 10 -p $EXACT
}

# 2. The plot: mean response time against load, 5 seeds per point.
RHOS=0.5,0.6,0.7,0.8,0.85,0.88,0.9,0.92,0.95
# shellcheck disable=SC2086
"$SIM" $POOL -j 100000 -r $RHOS --seeds 5 -p $ADAPT,$EXACT,rr,sc --csv \
	> "$TMP/pool.csv" 2>/dev/null
# shellcheck disable=SC2086
"$SIM" $MANY -j 100000 -r $RHOS --seeds 5 -p $ADAPT,$EXACT,rr,sc --csv \
	> "$TMP/many.csv" 2>/dev/null
for f in pool many; do
	for p in dyn-adapt dyn-adapt2 dyn-adapt4 dyn-adapt8 jsq jsq2 jsq4 \
		 jsq8 rr sc; do
		grep "^$p," "$TMP/$f.csv" > "$TMP/$f-$p.csv" || true
	done
done
# CSV columns: 2 rho, 15 mean_norm, 16 its sd over seeds
gnuplot <<GP
set terminal pngcairo size 1200,640 noenhanced
set output "$OUT/sim-power-of-d.png"
set datafile separator ","
set multiplot layout 1,2 title "Dynamic DSR among the flow's d consistent-hash candidates: solid, in-band probes (dyn-adapt); dashed, exact scores (JSQ); 5 seeds, bars: sd"
ds = "dyn-adapt dyn-adapt2 dyn-adapt4 dyn-adapt8"
js = "jsq jsq2 jsq4 jsq8"
label(i) = i == 1 ? "all servers" : sprintf("d = %d", 2 ** (i - 1))
set xlabel "normalised load rho"
set ylabel "mean response time (mean jobs)"
set key outside bottom center horizontal width -2
set grid
set xrange [0.48:0.97]
set title "16 servers x 8 workers, log-normal jobs (mean 1 s, sigma 1)"
set yrange [0.9:*]
plot for [i=1:4] "$TMP/pool-".word(ds, i).".csv" using 2:15:16 \
	with yerrorlines lw 2 lc i title "probes, ".label(i), \
     for [i=1:4] "$TMP/pool-".word(js, i).".csv" using 2:15:16 \
	with yerrorlines dt 2 lc i title "exact, ".label(i), \
     "$TMP/pool-rr.csv" using 2:15:16 with yerrorlines lc rgb "black" title "rr", \
     "$TMP/pool-sc.csv" using 2:15:16 with yerrorlines lc rgb "gray50" title "sc (Maglev)"
set logscale y
set yrange [*:*]
set title "100 servers x 1 worker, exponential jobs (10 ms); log scale"
plot for [i=1:4] "$TMP/many-".word(ds, i).".csv" using 2:15:16 \
	with yerrorlines lw 2 lc i title "probes, ".label(i), \
     for [i=1:4] "$TMP/many-".word(js, i).".csv" using 2:15:16 \
	with yerrorlines dt 2 lc i title "exact, ".label(i), \
     "$TMP/many-rr.csv" using 2:15:16 with yerrorlines lc rgb "black" title "rr", \
     "$TMP/many-sc.csv" using 2:15:16 with yerrorlines lc rgb "gray50" title "sc (Maglev)"
unset multiplot
GP

# 3. Issue 22's power estimate: SR_4 against SC on the testbed's shape
#    (4 x 4 workers, exponential 50 ms jobs, 0.25 ms hops), 20 seeds per
#    run length. 7000 requests are one 25 s testbed point at rho 0.88.
TESTBED="-N 4 -w 4 --job-us 50000 --delay-us 250 --pkts 6 --probe-n 4"
echo "\$ dsrlb-sim $TESTBED -r 0.88,0.92 -p sc,sr4 --seeds 20 -j J --csv"
echo "# J requests per run; delta = mean(SC) - mean(SR_4); sd: over 20"
echo "# independent runs; z = delta / sqrt(sd_sc^2 + sd_sr4^2): separation"
echo "# of one run per policy; reps: runs per policy for z >= 2; paired:"
echo "# (1 - rel) / sd(rel), same seed for both (common random numbers)"
printf "%8s %5s %8s %8s %8s %8s %6s %5s %7s\n" J rho "delta_ms" \
	"sd_sc" "sd_sr4" "spread" z reps paired
for J in 7000 17000 70000 280000; do
	# shellcheck disable=SC2086
	"$SIM" $TESTBED -r 0.88,0.92 -p sc,sr4 --seeds 20 -j $J --csv \
		2>/dev/null | awk -F, -v J=$J '
		$1 == "sc" { m[$2] = $7; s[$2] = $8 }
		$1 == "sr4" {
			d = m[$2] - $7
			sd = sqrt(s[$2] * s[$2] + $8 * $8)
			reps = (2 * sd / d) * (2 * sd / d)
			printf "%8d %5.2f %8.1f %8.1f %8.1f %8.1f %6.1f %5d %7.1f\n",
			       J, $2, d, s[$2], $8, sd, d / sd,
			       reps < 1 ? 1 : int(reps + 0.999),
			       (1 - $19) / $20
		}'
done
echo "sim-power-of-d: wrote $OUT/sim-power-of-d.png"
