#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Bounded libFuzzer run: run_fuzz.sh <fuzzer> <corpus-dir> <seconds> [seeds]
# <seeds>, when the directory exists, is a seed corpus in the source tree:
# libFuzzer reads it and writes new inputs only to <corpus-dir>.
# Exit status is the fuzzer's: non-zero on any finding (crash, leak,
# sanitizer report), whose input is kept in the corpus directory's parent.
set -eu
fuzzer=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
corpus=$2 seconds=$3 seeds=${4:-}
mkdir -p "$corpus"
cd "$(dirname "$corpus")"
[ -n "$seeds" ] && [ -d "$seeds" ] || seeds=
exec "$fuzzer" -max_total_time="$seconds" -rss_limit_mb=1024 \
	-print_final_stats=1 "$corpus" ${seeds:+"$seeds"}
