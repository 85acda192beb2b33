#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Smoke test of scripts/cachegrind-engine.sh (issue 19): a small trace of
# every case through the engine under cachegrind; every packet of every
# case must be forwarded (data packets and SYNs to a backend, answers and
# createStickiness on to the client) and every figure printed. The
# figures are not asserted. TAP: the script's output is echoed as
# comments, one test point per case.
#   cachegrind_smoke.sh BUILD SRC WORKDIR
set -eu
build=$1 src=$2 work=$3
cases="maglev4 fb4 fb6 hunt6 syn answers4 answers6 sticky fb4-2w answers4-2w"
packets=4096
# shellcheck disable=SC2086
set -- $cases
echo "1..$#"
rm -rf "$work"
if ! "$src/scripts/cachegrind-engine.sh" --build "$build" --out "$work" \
	--sizes 1000 --packets $packets --cases "$cases" >"$work.log" 2>&1; then
	sed 's/^/# /' "$work.log"
	echo "Bail out! cachegrind-engine.sh failed"
	exit 1
fi
sed 's/^/# /' "$work.log"
i=0
for c in $cases; do
	i=$((i + 1))
	tx=$(sed -n 's/^measured_tx=//p' "$work/$c-1000.out")
	fig=$(awk -F'\t' -v c="$c" '$1 == c && $4 > 100 && $5 > 10 { k++ }
		END { print k + 0 }' "$work/summary.tsv")
	if [ "$tx" != "$packets" ]; then
		echo "not ok $i - $c: ${tx:-no} of $packets packets forwarded"
	elif [ "$fig" -ne 1 ]; then
		echo "not ok $i - $c: no figures in summary.tsv"
	else
		echo "ok $i - $c: $packets packets forwarded and counted"
	fi
done
