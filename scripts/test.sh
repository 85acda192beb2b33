#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# The whole dsrlb test suite, as CI runs it:
#   1. gcc, warnings as errors: unit, pcap, sim, perf (the engine under
#      cachegrind, small traces) and e2e suites (e2e: the
#      appliance, agents, nginx, curl and hey in network namespaces)
#   2. gcc, ASan + UBSan: unit and pcap suites (the real binaries too)
#   3. clang, libFuzzer: a bounded run of every fuzz target
# Ends with one "N passed, N failed, N skipped" line; exit status 1 on any
# failure. DSRLB_FUZZ_SECONDS (default 20) bounds each fuzz run.
set -u
cd "$(dirname "$0")/.."
fuzz_s=${DSRLB_FUZZ_SECONDS:-20}
status=0
logs=

run_suite() {       # run_suite <builddir> <meson test args...>
	dir=$1
	shift
	echo "== $dir: meson test $*"
	meson test -C "$dir" --print-errorlogs "$@" || status=1
	logs="$logs $dir/meson-logs/testlog.json"
}

build() {           # build <builddir> <meson setup args...>
	if ! scripts/build.sh "$@"; then
		echo "test: build $1 FAILED"
		status=1
		return 1
	fi
}

if build build-ci -Dwerror=true; then
	run_suite build-ci --suite unit --suite pcap --suite sim --suite perf \
		--suite e2e
fi
if build build-asan -Dwerror=true -Db_sanitize=address,undefined \
	-Db_lundef=false; then
	run_suite build-asan --suite unit --suite pcap
fi
if command -v clang >/dev/null; then
	if CC=clang build build-fuzz -Dfuzz=true -Ddpdk=disabled \
		-Db_sanitize=address,undefined -Db_lundef=false \
		-Dfuzz_seconds="$fuzz_s"; then
		run_suite build-fuzz --suite fuzz
	fi
else
	echo "test: clang missing, fuzz suite not run"
	status=1
fi

# One closing line over every suite that ran.
# shellcheck disable=SC2086
/usr/bin/python3 - $logs <<'PY'
import json, sys
passed = failed = skipped = 0
for path in sys.argv[1:]:
    try:
        f = open(path)
    except OSError:
        continue
    for line in f:
        r = json.loads(line).get("result")
        if r in ("OK", "EXPECTEDFAIL"):
            passed += 1
        elif r == "SKIP":
            skipped += 1
        else:
            failed += 1
print(f"{passed} passed, {failed} failed, {skipped} skipped")
PY
[ $status -eq 0 ] && echo "test: all suites passed" || echo "test: FAILURES"
exit $status
