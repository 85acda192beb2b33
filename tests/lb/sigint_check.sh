#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# dsrlb under a constant packet stream (net_null's RX never ends) stops
# cleanly on SIGINT and on SIGTERM: exit status 0, counters printed, every
# mbuf back in its pool.
# usage: sigint_check.sh <dsrlb> <eal-mem-args.sh> <workdir> <dsrlb-ctl>
set -eu
dsrlb=$1 memargs=$2 work=$3 ctl=$4
mkdir -p "$work"
cat >"$work/null.ini" <<'INI'
[general]
auth_key = 0123456789abcdef0123456789abcdef
[port wire]
dev = net_null0
role = both
ipv4 = 10.0.0.1/24
[vip web4]
address = 10.0.0.100
port = 80
mode = maglev
backend.s1 = 10.0.0.11
INI
fail=0
for sig in INT TERM; do
	log=$work/$sig.log
	# shellcheck disable=SC2046
	"$dsrlb" $("$memargs" 256) --no-pci -l 0 --log-level=lib.eal:warning \
		--vdev net_null0 -- --config "$work/null.ini" \
		--ctl-socket "$work/ctl.sock" >"$log" 2>&1 &
	pid=$!
	# the worker is forwarding (a loaded machine may take longer to
	# set up than any fixed wait): its rx counter moves
	n=0
	until "$ctl" -s "$work/ctl.sock" show counters 2>/dev/null |
	      awk '$1 == "rx" && $2 > 0 {ok = 1} END {exit !ok}' ||
	      [ $n -ge 600 ]; do
		sleep 0.1
		n=$((n + 1))
	done
	kill -"$sig" "$pid"
	if wait "$pid"; then rc=0; else rc=$?; fi
	rx=$(awk '$1 == "rx" {print $2}' "$log")
	if [ "$rc" -eq 0 ] && [ "${rx:-0}" -gt 0 ] &&
	   grep -q "mbufs free$" "$log" && ! grep -q LEAK "$log"; then
		echo "ok - SIG$sig: clean exit after $rx frames, pool full"
	else
		cat "$log"
		echo "not ok - SIG$sig: exit $rc, rx ${rx:-none}"
		fail=1
	fi
done
exit $fail
