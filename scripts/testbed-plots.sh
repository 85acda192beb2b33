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
echo "testbed-plots: $OUT"
