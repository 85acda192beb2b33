#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Configure (once) and build dsrlb in ./build, or in $1 with extra meson
# options after it: scripts/build.sh build-asan -Db_sanitize=address,undefined
set -eu
cd "$(dirname "$0")/.."
dir=${1:-build}
[ $# -gt 0 ] && shift
if [ ! -f "$dir/build.ninja" ]; then
	meson setup "$dir" "$@" >/dev/null
fi
ninja -C "$dir" >/dev/null
echo "build: $dir ok"
