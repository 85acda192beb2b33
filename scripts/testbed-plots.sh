#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Plots of tests/e2e/test_testbed.py's results (docs/evaluation.md "On the
# testbed", issue 22) as PNG, with gnuplot.
#   scripts/testbed-plots.sh WORK/results.json [output dir]
# Default output: docs/img. Draws what the run measured:
#   testbed-latency-share.png  s1's table share and the client's mean
#                              latency over time, 1 ms netem on s1 from
#                              the first to the second dashed line
#   testbed-polling.png        requests/s per mode, mean and min..max
#   testbed-sr4.png            SC and SR_4 mean and p99 response time per
#                              repetition (same seed: same arrivals and
#                              jobs for both)
set -eu

RES=${1:?usage: testbed-plots.sh WORK/results.json [outdir]}
OUT=${2:-docs/img}
if ! command -v gnuplot >/dev/null 2>&1; then
	echo "testbed-plots: gnuplot not found (apt-get install gnuplot-nox)" >&2
	exit 1
fi
mkdir -p "$OUT"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

python3 - "$RES" "$TMP" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
d = sys.argv[2]
if "latency" in r:
    run = r["latency"]["runs"][0]
    with open(d + "/share.tsv", "w") as f:
        for t, lat, s in run["share"]:
            f.write("%.2f\t%.1f\t%d\n" % (t, s, lat))
    with open(d + "/client.tsv", "w") as f:
        for t, ms, n in run["client"]:
            if t < 1.0:
                continue        # the first connections (ARP, warm-up)
            f.write("%.2f\t%.3f\t%d\n" % (t, ms, n))
    ev = run["events"]
    with open(d + "/events", "w") as f:
        f.write("%.2f %.2f\n" % (ev.get("delay_on", 10),
                                 ev.get("delay_off", 25)))
    with open(d + "/qdisc", "w") as f:
        f.write(run.get("qdisc", "netem delay 1ms"))
if "polling" in r:
    with open(d + "/poll.tsv", "w") as f:
        for i, (m, v) in enumerate(r["polling"]["modes"].items()):
            x = v["rps"]
            f.write('%d\t"%s"\t%.2f\t%.2f\t%.2f\n' %
                    (i, m, x["mean"], x["min"], x["max"]))
if "sr4" in r:
    s = r["sr4"]
    with open(d + "/sr4.tsv", "w") as f:
        for k, (a, b) in enumerate(zip(s["runs"]["sc"], s["runs"]["sr4"])):
            f.write("%d\t%.1f\t%.1f\t%.1f\t%.1f\n" %
                    (k + 1, a["mean_ms"], b["mean_ms"], a["p99_ms"],
                     b["p99_ms"]))
    with open(d + "/sr4.title", "w") as f:
        f.write("rho %.2f, 4 servers x 4 workers, exponential 50 ms jobs, "
                "%g s per point: SC / SR_4 mean %.2f +- %.2f (paper: up to "
                "2.3x)" % (s["rho"], s["secs"], s["ratio"]["mean"],
                           s["ratio"]["sd"]))
PY

if [ -f "$TMP/share.tsv" ]; then
	set -- $(cat "$TMP/events")
	qd=$(cat "$TMP/qdisc")
	gnuplot <<GP
set terminal pngcairo size 900,520 noenhanced
set output "$OUT/testbed-latency-share.png"
set title "latency-feedback: s1's link slowed between the dashed lines ('$qd')" font ",10"
set xlabel "time (s)"
set ylabel "s1 table share (%)"
set y2label "client mean latency (ms, 0.5 s bins)"
set ytics nomirror
set y2tics
set y2range [0:*]
set yrange [0:40]
set key top right
set arrow from $1, graph 0 to $1, graph 1 nohead dt 2
set arrow from $2, graph 0 to $2, graph 1 nohead dt 2
plot "$TMP/share.tsv" using 1:2 with lines lw 2 title "s1 share", \
     "$TMP/client.tsv" using 1:2 axes x1y2 with linespoints title "client latency"
GP
fi
if [ -f "$TMP/poll.tsv" ]; then
	gnuplot <<GP
set terminal pngcairo size 900,520 noenhanced
set output "$OUT/testbed-polling.png"
set title "slowserver on 2 servers, closed loop: requests/s per mode (mean, min..max)"
set ylabel "requests/s"
set style fill solid 0.5
set boxwidth 0.6
set yrange [0:*]
set xtics rotate by -20
plot "$TMP/poll.tsv" using 1:3:xtic(2) with boxes notitle, \
     "" using 1:3:4:5 with yerrorbars notitle lc rgb "black"
GP
fi
if [ -f "$TMP/sr4.tsv" ]; then
	gnuplot <<GP
set terminal pngcairo size 900,520 noenhanced
set output "$OUT/testbed-sr4.png"
set title "$(cat "$TMP/sr4.title")" font ",10"
set xlabel "repetition (seed)"
set ylabel "response time (ms)"
set xtics 1
set yrange [0:*]
set key top left
set grid
plot "$TMP/sr4.tsv" using 1:2 with linespoints lw 2 pt 7 title "SC (maglev) mean", \
     "" using 1:3 with linespoints lw 2 pt 5 title "SR_4 (hunt) mean", \
     "" using 1:4 with linespoints dt 2 pt 6 title "SC p99", \
     "" using 1:5 with linespoints dt 2 pt 4 title "SR_4 p99"
GP
fi
echo "testbed-plots: $OUT"
