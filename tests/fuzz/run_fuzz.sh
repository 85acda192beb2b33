#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Bounded libFuzzer run: run_fuzz.sh <fuzzer> <corpus-dir> <seconds>
# Exit status is the fuzzer's: non-zero on any finding (crash, leak,
# sanitizer report), whose input is kept in the corpus directory's parent.
set -eu
fuzzer=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
corpus=$2 seconds=$3
mkdir -p "$corpus"
cd "$(dirname "$corpus")"
exec "$fuzzer" -max_total_time="$seconds" -rss_limit_mb=1024 \
	-print_final_stats=1 "$corpus"
