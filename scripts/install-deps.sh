#!/bin/sh
# install-deps.sh - install the Debian packages smtpprobe needs to build and
# test, only when something is missing. Safe to run again: with everything
# present it does nothing and prints nothing.
set -eu

PKGS="build-essential pkg-config libssl-dev openssl libc-ares-dev libyaml-dev
libpcre2-dev libpsl-dev libsqlite3-dev libesmtp-dev libopendkim-dev
libmicrohttpd-dev libidn2-dev libcriterion-dev dnsmasq-base ca-certificates
publicsuffix prometheus python3-jsonschema"

missing=""
for p in $PKGS; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$st" in
	*"install ok installed"*) ;;
	*) missing="$missing $p" ;;
	esac
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
	SUDO=""
elif command -v sudo >/dev/null 2>&1; then
	SUDO="sudo"
else
	echo "install-deps: missing packages:$missing (run as root or install sudo)" >&2
	exit 3
fi

echo "install-deps: installing:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
# A fresh machine has no package lists yet; one update is needed first.
$SUDO apt-get update -qq >&2
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >&2
