#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Reserve 2 MiB hugepages for DPDK (default 512 pages = 1 GiB) and mount
# hugetlbfs. Never fatal: without hugepages every dsrlb program and test
# runs with --no-huge (see scripts/eal-mem-args.sh).
set -u
want=${DSRLB_HUGEPAGES:-512}
SUDO=
[ "$(id -u)" -ne 0 ] && SUDO=sudo

if ! grep -qs '/dev/hugepages hugetlbfs' /proc/mounts; then
	$SUDO mkdir -p /dev/hugepages 2>/dev/null
	$SUDO mount -t hugetlbfs nodev /dev/hugepages 2>/dev/null ||
		echo "hugepages: cannot mount hugetlbfs; programs will use --no-huge"
fi
have=$(cat /proc/sys/vm/nr_hugepages 2>/dev/null || echo 0)
if [ "$have" -lt "$want" ]; then
	echo "$want" | $SUDO tee /proc/sys/vm/nr_hugepages >/dev/null 2>&1
fi
free=$(awk '/HugePages_Free/ {print $2}' /proc/meminfo)
echo "hugepages: ${free:-0} free 2 MiB pages"
