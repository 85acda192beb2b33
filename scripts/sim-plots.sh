#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Plots of dsrlb-sim (docs/evaluation.md) as PNG, with gnuplot.
#   scripts/sim-plots.sh [path/to/dsrlb-sim] [output dir]
# Defaults: build/src/sim/dsrlb-sim, docs/img. CSVs go to a temp dir.
# Runs take about a minute on 2 cores (fixed seeds: reproducible).
set -eu

SIM=${1:-build/src/sim/dsrlb-sim}
OUT=${2:-docs/img}
if [ ! -x "$SIM" ]; then
	echo "sim-plots: $SIM not found (build first, or pass its path)" >&2
	exit 1
fi
if ! command -v gnuplot >/dev/null 2>&1; then
	echo "sim-plots: gnuplot not found (apt-get install gnuplot-nox)" >&2
	exit 1
fi
mkdir -p "$OUT"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
RHOS=0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.75,0.8,0.85,0.88,0.9,0.92

# 1. 6LB: mean response time vs load, simulation against the model
"$SIM" -N 100 -j 300000 -r "$RHOS" -p sc,sr4,sr8,sr16,srdyn --csv \
	> "$TMP/6lb.csv"
"$SIM" model -c 4,8,16 -r "$(seq -s, 0.02 0.02 0.94)" --csv \
	> "$TMP/model.csv"
for p in sc sr4 sr8 sr16 srdyn; do
	grep "^$p," "$TMP/6lb.csv" > "$TMP/6lb-$p.csv" || true
done
gnuplot <<GP
set terminal pngcairo size 900,560 noenhanced
set output "$OUT/sim-6lb-mean.png"
set datafile separator ","
set title "6LB, N = 100 servers x 1 worker, exponential jobs: simulation (points) vs model (lines)"
set xlabel "normalised load rho"
set ylabel "mean response time (mean jobs)"
set key top left
set logscale y
set grid
plot "$TMP/model.csv" every ::1 using 1:2 with lines lc 1 title "SC model 1/(1-rho)", \
     "" every ::1 using 1:3 with lines lc 2 title "SR4 model eq. (6)", \
     "" every ::1 using 1:5 with lines lc 3 title "SR8 model", \
     "" every ::1 using 1:7 with lines lc 4 title "SR16 model", \
     "$TMP/6lb-sc.csv" using 2:10 with points pt 7 lc 1 title "SC (Maglev) sim", \
     "$TMP/6lb-sr4.csv" using 2:10 with points pt 5 lc 2 title "SR4 sim", \
     "$TMP/6lb-sr8.csv" using 2:10 with points pt 9 lc 3 title "SR8 sim", \
     "$TMP/6lb-sr16.csv" using 2:10 with points pt 11 lc 4 title "SR16 sim", \
     "$TMP/6lb-srdyn.csv" using 2:10 with linespoints pt 13 lc 7 title "SRdyn sim"
GP

# 2. Jain's fairness index over time at rho = 0.88 (SC vs SR4)
for p in sc sr4; do
	"$SIM" -N 48 -j 40000 -r 0.88 -p $p --sample-us 100000 \
		--series "$TMP/jain-$p.csv" > /dev/null
done
gnuplot <<GP
set terminal pngcairo size 900,400 noenhanced
set output "$OUT/sim-6lb-jain.png"
set datafile separator ","
set title "Jain's index of per-server load, N = 48, rho = 0.88 (6LB fig. 10b setting)"
set xlabel "time (s)"
set ylabel "fairness index"
set yrange [0:1]
set grid
plot "$TMP/jain-sc.csv" every ::2 using 1:2 with lines title "SC (Maglev)", \
     "$TMP/jain-sr4.csv" every ::2 using 1:2 with lines title "SR4"
GP

# 3. dynamic DSR vs round-robin vs polling (2 servers x 8 workers)
"$SIM" -N 2 -w 8 --dist lognormal --sigma 1 --job-us 1000000 \
	--delay-us 200 --poll-cost-us 50000 -j 40000 \
	-r 0.3,0.4,0.5,0.6,0.7,0.75,0.8,0.85,0.9 \
	-p rr,random,poll,dyn,dyn-adapt --csv > "$TMP/dsr.csv"
for p in rr random poll dyn dyn-adapt; do
	grep "^$p," "$TMP/dsr.csv" > "$TMP/dsr-$p.csv" || true
done
gnuplot <<GP
set terminal pngcairo size 900,560 noenhanced
set output "$OUT/sim-dsr-mean.png"
set datafile separator ","
set title "2 servers x 8 workers, log-normal jobs (mean 1 s, sigma 1), polls 50 ms"
set xlabel "normalised load rho"
set ylabel "mean response time (s)"
set key top left
set logscale y
set grid
plot for [p in "rr random poll dyn dyn-adapt"] "$TMP/dsr-".p.".csv" \
	using 2:(\$6/1000) with linespoints title p
GP

# 4. HotNets'22: table share of the inflated server
"$SIM" latency -p lat -j 150000 --series "$TMP/lat.csv" > /dev/null
gnuplot <<GP
set terminal pngcairo size 900,400 noenhanced
set output "$OUT/sim-latency-share.png"
set datafile separator ","
set title "Latency controller: Maglev share of server 0, +1 ms from t = 300 ms"
set xlabel "time (ms)"
set ylabel "share of the table"
set yrange [0:0.6]
set arrow from 300, graph 0 to 300, graph 1 nohead dt 2
set grid
plot "$TMP/lat.csv" every ::2 using (\$1*1000):4 with lines title "server 0"
GP
echo "sim-plots: wrote $OUT/sim-6lb-mean.png $OUT/sim-6lb-jain.png" \
	"$OUT/sim-dsr-mean.png $OUT/sim-latency-share.png"
