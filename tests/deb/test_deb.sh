#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# The Debian package: scripts/build-deb.sh builds it (dpkg-buildpackage
# -b -us -uc, the unit suite inside) and lintian finds nothing unjustified;
# then its contents are checked: programs, manual pages, configurations
# as conffiles, units whose commands and files are in the package, the
# docs the units point at, the group the postinst creates, dependencies.
#   test_deb.sh SRCDIR WORKDIR
# Prints TAP.
set -u
src=$1
work=$2
n=0
bad=0
check() {   # check "description" command...
	d=$1
	shift
	n=$((n + 1))
	if "$@" >/dev/null 2>&1; then
		echo "ok $n - $d"
	else
		echo "not ok $n - $d"
		bad=$((bad + 1))
	fi
}

rm -rf "$work"
mkdir -p "$work"
if ! "$src/scripts/build-deb.sh" "$work/out" >"$work/build-deb.log" 2>&1; then
	sed 's/^/# /' "$work/build-deb.log" | tail -40
	echo "not ok 1 - scripts/build-deb.sh builds the package, lintian clean"
	echo "1..1"
	exit 1
fi
check "scripts/build-deb.sh builds the package, lintian clean" true
deb=$(ls "$work"/out/dsrlb_*.deb)
x="$work/x"
mkdir -p "$x"
dpkg-deb -x "$deb" "$x"
dpkg-deb -e "$deb" "$x/DEBIAN"
for b in dsrlb dsrlb-ctl dsrlb-agent dsrlb-busy; do
	check "contains /usr/bin/$b" test -x "$x/usr/bin/$b"
done
check "contains the agent's XDP filter" \
	sh -c "ls $x/usr/lib/*/dsrlb/dsrlb-agent-xdp.o"
for m in dsrlb dsrlb-ctl dsrlb-agent; do
	check "manual page $m(8)" test -f "$x/usr/share/man/man8/$m.8.gz"
done
for c in dsrlb.ini dsrlb-agent.ini; do
	check "/etc/dsrlb/$c is a conffile" \
		grep -qx "/etc/dsrlb/$c" "$x/DEBIAN/conffiles"
done
for u in dsrlb dsrlb-agent; do
	f="$x/lib/systemd/system/$u.service"
	check "unit $u.service" test -f "$f"
	check "$u.service is Type=notify with a watchdog" \
		sh -c "grep -qx 'Type=notify' '$f' && grep -q '^WatchdogSec=' '$f'"
	exe=$(sed -n 's/^ExecStart=\([^ ]*\).*/\1/p' "$f")
	check "$u.service runs $exe, which the package holds" test -x "$x$exe"
	pre=$(sed -n 's/^ExecStartPre=\([^ ]*\).*/\1/p' "$f")
	check "$u.service's ExecStartPre $pre is in the package" test -x "$x$pre"
	doc=$(sed -n 's|^Documentation=file://||p' "$f")
	check "$u.service's Documentation $doc is in the package" \
		test -f "$x$doc"
	ini=$(sed -n 's/.*--config \([^ ]*\).*/\1/p' "$f")
	check "$u.service reads $ini, which the package holds" test -f "$x$ini"
done
# dh_installsystemd --no-enable --no-start: no start, and an enable
# only where the administrator had enabled the unit before (was-enabled)
check "the units are installed but not started" \
	sh -c "! grep -q 'deb-systemd-invoke' '$x/DEBIAN/postinst'"
check "the units are enabled only if they were (upgrades)" \
	sh -c "[ \$(grep -c 'deb-systemd-helper enable' '$x/DEBIAN/postinst') -eq \$(grep -c 'was-enabled' '$x/DEBIAN/postinst') ]"
check "postinst creates the group dsrlb of the control socket" \
	grep -q 'addgroup --quiet --system dsrlb' "$x/DEBIAN/postinst"
check "docs: operations.md" test -f "$x/usr/share/doc/dsrlb/operations.md"
check "docs: copyright" test -f "$x/usr/share/doc/dsrlb/copyright"
dep=$(dpkg-deb -f "$deb" Depends)
for l in libmicrohttpd libsystemd0 librte-eal adduser; do
	check "Depends on $l" sh -c "echo '$dep' | grep -q '$l'"
done
echo "1..$n"
[ "$bad" -eq 0 ]
