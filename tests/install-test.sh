#!/bin/sh
# install-test.sh MAKE B PREFIX FAKEMX - the install paths that can break:
#   1. make install DESTDIR=... stages every file under DESTDIR and nothing
#      outside it, with BINDIR filled into the units and the cron file;
#   2. the staged binary, copied away from the source tree, finds its
#      profiles and catalogs through SMTPPROBE_DATADIR, lints them and
#      probes the simulated Gmail with the installed gmail profile;
#   3. without SMTPPROBE_DATADIR (and no installed copy at PREFIX) it says
#      where it looked, exit 3, instead of guessing a folder;
#   4. a SMTPPROBE_DATADIR without profiles is refused by name, exit 3;
#   5. make uninstall DESTDIR=... leaves no file behind.
# Run by make test (the Makefile passes its own make, build folder and
# prefix; command-line variables reach the sub-makes through MAKEFLAGS).
# Prints one line per failed check and "install-test: N checks passed".
set -u

MAKE=${1:?usage: install-test.sh MAKE B PREFIX FAKEMX}
B=${2:?}
PREFIX=${3:?}
TESTNET_FAKEMX=${4:?}
top=$(cd "$(dirname "$0")/.." && pwd)
TESTNET_TOP=$top
. "$top/scripts/lib-testnet.sh"

checks=0
failed=0
ok() { checks=$((checks + 1)); }
bad() {
	checks=$((checks + 1)); failed=$((failed + 1))
	echo "install-test: FAIL: $*" >&2
}
check() {	# check DESCRIPTION COMMAND... : passes when COMMAND succeeds
	what=$1; shift
	if "$@" >/dev/null 2>&1; then ok; else bad "$what"; fi
}

testnet_init install || { echo "install-test: $TESTNET_ERROR" >&2; exit 3; }
work=$TESTNET_WORK
stage=$work/stage

# 1. Staging.
if ! $MAKE -s -C "$top" install DESTDIR="$stage" >"$work/install.log" 2>&1; then
	cat "$work/install.log" >&2
	echo "install-test: make install DESTDIR=$stage failed" >&2
	exit 1
fi
for f in "$PREFIX/bin/smtpprobe" \
    "$PREFIX/share/smtpprobe/profiles/gmail.yaml" \
    "$PREFIX/share/smtpprobe/profiles/catalogs/google.yaml" \
    "$PREFIX/share/smtpprobe/profiles/catalogs/README.md" \
    "$PREFIX/share/smtpprobe/schemas/send-probe.schema.json" \
    "$PREFIX/share/smtpprobe/schemas/common.schema.json" \
    "$PREFIX/share/man/man1/smtpprobe.1" \
    "$PREFIX/share/man/man5/smtpprobe.yaml.5" \
    "$PREFIX/share/bash-completion/completions/smtpprobe" \
    /etc/smtpprobe/smtpprobe.yaml.sample /etc/cron.d/smtpprobe \
    "$PREFIX/lib/systemd/system/smtpprobe.service" \
    "$PREFIX/lib/systemd/system/smtpprobe.timer" \
    "$PREFIX/lib/systemd/system/smtpprobe-serve.service" \
    "$PREFIX/share/smtpprobe/prometheus/smtpprobe-alerts.yml" \
    "$PREFIX/share/smtpprobe/prometheus/smtpprobe-grafana.json"; do
	check "staged $f" test -f "$stage$f"
done
check "the program is executable" test -x "$stage$PREFIX/bin/smtpprobe"
check "no @BINDIR@ left in the units or cron file" sh -c \
    "! grep -l '@BINDIR@' '$stage$PREFIX/lib/systemd/system/smtpprobe.service' \
    '$stage$PREFIX/lib/systemd/system/smtpprobe.timer' '$stage/etc/cron.d/smtpprobe' \
    '$stage$PREFIX/lib/systemd/system/smtpprobe-serve.service'"
check "the service runs the installed binary" \
    grep -q "ExecStart=$PREFIX/bin/smtpprobe " \
    "$stage$PREFIX/lib/systemd/system/smtpprobe.service"
check "the cron job is commented out" sh -c \
    "! grep -Eq '^[^#]*smtpprobe send' '$stage/etc/cron.d/smtpprobe'"
check "the cron file name has no dot" sh -c \
    "ls '$stage/etc/cron.d' | grep -qvx '.*\..*'"

# 2. The staged binary, away from the tree, with the data folder given.
cp "$stage$PREFIX/bin/smtpprobe" "$work/smtpprobe"
datadir=$stage$PREFIX/share/smtpprobe
if SMTPPROBE_DATADIR=$datadir "$work/smtpprobe" catalog lint \
    >"$work/lint.out" 2>&1; then
	ok
else
	bad "catalog lint with SMTPPROBE_DATADIR: $(head -3 "$work/lint.out")"
fi
testnet_gmail_start --log "$work/fakemx.log" ||
    { echo "install-test: $TESTNET_ERROR" >&2; exit 3; }
probe() {
	SMTPPROBE_DATADIR=$datadir SMTPPROBE_HISTORY=$work/history.sqlite \
	    "$work/smtpprobe" send --profile gmail \
	    --to postmaster@gmail.test --from probe@example.test \
	    --source 127.0.0.3 --helo mail.example.test \
	    --dns-server "127.0.0.1:$TESTNET_DNS_PORT" --allow-loopback-mx \
	    --port "$TESTNET_MX_PORT" --tls-ca "$work/certs/ca.pem" --timeout 10 \
	    --lock-file "$work/lock" \
	    >"$work/probe.out" 2>&1
}
probe
rc=$?
if [ "$rc" -eq 2 ] && grep -q 'google.unauthenticated' "$work/probe.out" &&
    grep -q 'profile gmail' "$work/probe.out"; then
	ok
else
	bad "installed probe (exit $rc, expected 2 with the gmail profile and" \
	    "google.unauthenticated): $(tail -3 "$work/probe.out")"
fi
# The profile it used was the installed one: without it, no profile.
mv "$datadir/profiles/gmail.yaml" "$work/gmail.yaml"
probe
rc=$?
if [ "$rc" -eq 3 ] && grep -q "no profile named \"gmail\" (looked in $datadir/profiles" \
    "$work/probe.out"; then
	ok
else
	bad "without the installed gmail.yaml (exit $rc): $(head -2 "$work/probe.out")"
fi
mv "$work/gmail.yaml" "$datadir/profiles/gmail.yaml"

# 3. No data folder: a clear error naming the places, exit 3. The binary
# sits at $work/x/bin beside a decoy $work/profiles: an old
# "<exe>/../../profiles" guess (which reaches /usr/profiles from
# /usr/local/bin) would take the decoy and pass.
if [ ! -d "$PREFIX/share/smtpprobe/profiles" ]; then
	mkdir -p "$work/x/bin" "$work/profiles/catalogs"
	cp "$work/smtpprobe" "$work/x/bin/smtpprobe"
	cp "$datadir/profiles/gmail.yaml" "$work/profiles/"
	env -u SMTPPROBE_DATADIR "$work/x/bin/smtpprobe" explain \
	    "550 5.7.1 rejected" >"$work/nodata.out" 2>&1
	rc=$?
	if [ "$rc" -eq 3 ] && grep -q "$PREFIX/share/smtpprobe" "$work/nodata.out" &&
	    grep -q SMTPPROBE_DATADIR "$work/nodata.out"; then
		ok
	else
		bad "without a data folder (exit $rc): $(head -2 "$work/nodata.out")"
	fi
fi

# 4. A data folder that is not one.
SMTPPROBE_DATADIR=$work/nowhere "$work/smtpprobe" explain "550 5.7.1 x" \
    >"$work/bad.out" 2>&1
rc=$?
if [ "$rc" -eq 3 ] && grep -q "SMTPPROBE_DATADIR" "$work/bad.out" &&
    grep -q "$work/nowhere" "$work/bad.out"; then
	ok
else
	bad "a bad SMTPPROBE_DATADIR (exit $rc): $(head -2 "$work/bad.out")"
fi

# 5. Uninstall.
if $MAKE -s -C "$top" uninstall DESTDIR="$stage" >"$work/uninstall.log" 2>&1; then
	left=$(find "$stage" -type f | head -5)
	if [ -z "$left" ]; then ok; else bad "uninstall left: $left"; fi
	check "uninstall removed the data folder" test ! -d "$datadir"
else
	bad "make uninstall: $(tail -3 "$work/uninstall.log")"
fi

if [ "$failed" -ne 0 ]; then
	echo "install-test: $failed of $checks checks failed" >&2
	exit 1
fi
echo "install-test: $checks checks passed"
