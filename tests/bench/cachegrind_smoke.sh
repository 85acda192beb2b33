#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Smoke test of scripts/cachegrind-engine.sh (issue 19): a small trace of
# every case through the engine under cachegrind; every packet must be
# forwarded and every figure printed. The figures are not asserted.
#   cachegrind_smoke.sh BUILD SRC WORKDIR
set -eu
build=$1 src=$2 work=$3
rm -rf "$work"
"$src/scripts/cachegrind-engine.sh" --build "$build" --out "$work" \
	--sizes 1000 --packets 4096 >"$work.log" 2>&1 ||
	{ cat "$work.log"; echo "not ok 1 - cachegrind-engine.sh failed"; exit 1; }
cat "$work.log"
if grep -q "only .* packets forwarded" "$work.log"; then
	echo "not ok 1 - a case dropped packets"; exit 1
fi
n=$(awk -F'\t' 'NR > 1 && $4 > 100 && $5 > 10 { k++ } END { print k + 0 }' \
	"$work/summary.tsv")
if [ "$n" -ne 4 ]; then
	echo "not ok 1 - $n of 4 cases have figures"; exit 1
fi
echo "ok 1 - 4 cases counted by cachegrind"
echo "1..1"
