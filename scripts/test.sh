#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# The whole dsrlb test suite, as CI runs it:
#   1. gcc, warnings as errors: unit, pcap, sim, perf (the engine under
#      cachegrind, small traces), e2e and deb suites (e2e: the appliance,
#      agents, nginx, curl and hey in network namespaces; deb: the Debian
#      package built and checked, about a minute)
#   2. gcc, ASan + UBSan: unit and pcap suites (the real binaries too)
#   3. gcc, ThreadSanitizer: the tests that change the appliance while
#      traffic flows (console live changes, latency-feedback table swaps,
#      captures), which must report no race (tests/tsan/dpdk.supp lists
#      the DPDK-internal reports it suppresses, with the reason for each)
#   4. clang, libFuzzer: a bounded run of every fuzz target
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
		--suite e2e --suite deb
fi
if build build-asan -Dwerror=true -Db_sanitize=address,undefined \
	-Db_lundef=false; then
	run_suite build-asan --suite unit --suite pcap
fi
# -Wno-tsan: gcc warns that TSan does not model atomic_thread_fence (the
# agent's busyness seqlock in busy_publish.h uses one); the appliance's
# hand-over uses none. Under TSan the live tests forward fewer frames and
# the pcap runs need longer to go idle.
if build build-tsan -Dwerror=true -Db_sanitize=thread -Db_lundef=false \
	-Dc_args=-Wno-tsan; then
	# Every report also goes to a file: a test that ignores the exit
	# status of a process cannot hide one.
	rm -f build-tsan/tsan-report.*
	TSAN_OPTIONS="suppressions=$PWD/tests/tsan/dpdk.supp exitcode=66 log_path=$PWD/build-tsan/tsan-report" \
	DSRLB_TEST_MIN_FRAMES=10000 DSRLB_TEST_IDLE_EXIT_MS=2000 \
		run_suite build-tsan lb_console lb_pcap
	if ls build-tsan/tsan-report.* >/dev/null 2>&1; then
		echo "test: ThreadSanitizer reports:"
		cat build-tsan/tsan-report.*
		status=1
	fi
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
