#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Print the EAL memory arguments for one dsrlb process: hugepage-backed
# --in-memory (no files, so many processes can run side by side) when at
# least DSRLB_MIN_HUGEPAGES (default 128) 2 MiB pages are free, else
# --no-huge --no-shconf with the same amount of ordinary memory.
mb=${1:-256}
min=${DSRLB_MIN_HUGEPAGES:-128}
free=$(awk '/HugePages_Free/ {print $2}' /proc/meminfo 2>/dev/null)
if [ "${free:-0}" -ge "$min" ] && grep -qs hugetlbfs /proc/mounts; then
	echo "--in-memory -m $mb"
else
	# --no-huge implies legacy memory, which --in-memory refuses;
	# --no-shconf keeps processes from sharing a runtime directory.
	echo "--no-huge --no-shconf -m $mb"
fi
