#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Build the Debian package from the committed and working-tree files of
# this checkout, in OUTDIR (default ./build-deb), then run lintian on it:
#   scripts/build-deb.sh [OUTDIR]
# Leaves OUTDIR/dsrlb_VERSION_ARCH.deb and OUTDIR/lintian.txt; exit status
# 1 when the build fails or lintian reports an error or a warning that
# debian/*.lintian-overrides does not justify.
set -eu
cd "$(dirname "$0")/.."
out=$(realpath -m "${1:-build-deb}")
ver=$(dpkg-parsechangelog -S Version)
src="$out/dsrlb-$ver"
rm -rf "$out"
mkdir -p "$src"
# The tracked files as they are in the working tree (no build dirs).
git ls-files -z --cached --others --exclude-standard |
	(cd "$(git rev-parse --show-toplevel)" && xargs -0 tar cf - --no-recursion) |
	tar xf - -C "$src"
cd "$src"
echo "build-deb: dpkg-buildpackage in $src"
dpkg-buildpackage -b -us -uc >"$out/build.log" 2>&1 || {
	tail -40 "$out/build.log"
	echo "build-deb: dpkg-buildpackage FAILED (log: $out/build.log)"
	exit 1
}
cd "$out"
deb=$(ls dsrlb_"$ver"_*.deb)
echo "build-deb: $out/$deb"
# --fail-on error,warning: a finding fails unless an override justifies it.
if lintian --fail-on error,warning --info --display-info \
	dsrlb_"$ver"_*.changes >lintian.txt 2>&1; then
	echo "build-deb: lintian clean ($(grep -c . lintian.txt || true) info lines)"
else
	cat lintian.txt
	echo "build-deb: lintian FAILED"
	exit 1
fi
