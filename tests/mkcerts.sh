#!/bin/sh
# mkcerts.sh DIR - make throwaway TLS certificates for smtpprobe's tests.
#
# Creates in DIR, all with EC P-256 keys:
#   ca.pem ca.key                  test CA, valid for 1 day
#   server.pem server.key          CN mx.gmail.test, SAN DNS:mx.gmail.test,
#                                  DNS:*.gmail.test, DNS:localhost,
#                                  IP:127.0.0.1; signed by the CA
#   wrongname.pem wrongname.key    signed by the CA, SAN DNS:other.example only
#   expired.pem expired.key        signed by the CA, valid only on 2020-01-01
#   selfsigned.pem selfsigned.key  self-signed, same names as server.pem
#
# Idempotent: when every file is there and the CA stays valid for another
# hour it does nothing. Quiet unless it fails; then it prints the openssl
# output and why, and exits 1. Runs on the same DIR are serialised with
# flock(1) when it is installed, so a shared certificate directory is safe.
#
# OpenSSL 3.0's "x509 -req" cannot backdate a certificate (-not_before and
# -not_after arrived in 3.4), so the expired one comes from "openssl ca",
# whose -startdate/-enddate take any date.
set -eu

die() {
	printf 'mkcerts: %s\n' "$*" >&2
	exit 1
}

[ "$#" -eq 1 ] || die "usage: mkcerts.sh DIR"
dir=$1
names="ca server wrongname expired selfsigned"
san="DNS:mx.gmail.test, DNS:*.gmail.test, DNS:localhost, IP:127.0.0.1"

command -v openssl >/dev/null 2>&1 || die "the openssl command is not installed"
mkdir -p "$dir" || die "cannot create $dir"

if command -v flock >/dev/null 2>&1; then
	exec 9>"$dir/.mkcerts.lock" || die "cannot open $dir/.mkcerts.lock"
	flock 9 || die "cannot lock $dir/.mkcerts.lock"
fi

is_fresh() {
	for n in $names; do
		[ -s "$dir/$n.pem" ] && [ -s "$dir/$n.key" ] || return 1
	done
	openssl x509 -in "$dir/ca.pem" -noout -checkend 3600 >/dev/null 2>&1
}

is_fresh && exit 0

work=$(mktemp -d "$dir/.mkcerts.XXXXXX") ||
    die "cannot create a work directory in $dir"
trap 'rm -rf "$work"' EXIT
log=$work/openssl.log
cnf=$work/openssl.cnf
: >"$work/index.txt"
echo 1000 >"$work/ca-serial"

cat >"$cnf" <<EOF
[ req ]
distinguished_name = dn
prompt = no

[ dn ]
CN = unused

[ ca_ext ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash

[ server_ext ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = $san

[ wrongname_ext ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:other.example

[ ca ]
default_ca = test_ca

[ test_ca ]
database = $work/index.txt
new_certs_dir = $work
serial = $work/ca-serial
default_md = sha256
policy = policy_any
unique_subject = no
copy_extensions = none

[ policy_any ]
commonName = supplied
EOF

# ossl ARGS... - run openssl quietly; on failure show what it said and stop.
ossl() {
	if ! openssl "$@" >>"$log" 2>&1; then
		cat "$log" >&2
		die "openssl $1 failed"
	fi
}

key() {
	ossl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
	    -out "$work/$1.key"
}

csr() {
	ossl req -new -config "$cnf" -key "$work/$1.key" -subj "/CN=$2" \
	    -out "$work/$1.csr"
}

sign() {
	ossl x509 -req -in "$work/$1.csr" -CA "$work/ca.pem" \
	    -CAkey "$work/ca.key" -CAcreateserial -CAserial "$work/ca.srl" \
	    -days 1 -sha256 -extfile "$cnf" -extensions "$2" \
	    -out "$work/$1.pem"
}

key ca
ossl req -x509 -new -config "$cnf" -key "$work/ca.key" \
    -subj "/CN=smtpprobe throwaway test CA" -days 1 -sha256 \
    -extensions ca_ext -out "$work/ca.pem"

key server
csr server mx.gmail.test
sign server server_ext

key wrongname
csr wrongname other.example
sign wrongname wrongname_ext

key expired
csr expired mx.gmail.test
ossl ca -batch -config "$cnf" -name test_ca -cert "$work/ca.pem" \
    -keyfile "$work/ca.key" -in "$work/expired.csr" \
    -out "$work/expired.pem" -startdate 20200101000000Z \
    -enddate 20200102000000Z -extensions server_ext -notext

key selfsigned
ossl req -x509 -new -config "$cnf" -key "$work/selfsigned.key" \
    -subj "/CN=mx.gmail.test" -days 1 -sha256 -extensions server_ext \
    -out "$work/selfsigned.pem"

# The CA goes last, so an interrupted run is never taken for a fresh one.
for n in server wrongname expired selfsigned ca; do
	mv -f "$work/$n.key" "$dir/$n.key" || die "cannot move $n.key to $dir"
	mv -f "$work/$n.pem" "$dir/$n.pem" || die "cannot move $n.pem to $dir"
done
