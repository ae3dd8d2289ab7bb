#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR MIT
# mkcerts.sh DIR: a throwaway test CA and certificates signed by it, made
# at test time (no key is ever committed):
#   ca.pem                      the CA clients verify against
#   default.{pem,key}           CN localhost, SAN localhost + 127.0.0.1
#   a.{pem,key}, b.{pem,key}    a.test and b.test (SNI)
#   expired.{pem,key}           a.test, valid 2020-01-01..2020-01-02
#   other.key                   a key that matches none of them
set -eu
d=$1
mkdir -p "$d"
cd "$d"
key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
key ca.key
openssl req -x509 -new -key ca.key -out ca.pem -days 2 -subj "/CN=khttpd test CA" \
	-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign 2>/dev/null
sign() { # name CN SAN [openssl x509 date options]
	n=$1 cn=$2 san=$3
	shift 3
	key "$n.key"
	openssl req -new -key "$n.key" -subj "/CN=$cn" -out "$n.csr" 2>/dev/null
	printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth\n' "$san" > "$n.ext"
	openssl x509 -req -in "$n.csr" -CA ca.pem -CAkey ca.key -CAcreateserial \
		-extfile "$n.ext" -out "$n.pem" "$@" 2>/dev/null
	rm -f "$n.csr" "$n.ext"
}
sign default localhost "DNS:localhost,IP:127.0.0.1" -days 2
sign a a.test "DNS:a.test" -days 2
sign b b.test "DNS:b.test" -days 2
# an expired one: "openssl ca" is the one 3.0 command that takes past dates
key expired.key
openssl req -new -key expired.key -subj "/CN=a.test" -out expired.csr 2>/dev/null
mkdir -p ca.db
: > ca.db/index
cat > ca.cnf <<CNF
[ca]
default_ca = test
[test]
database = ca.db/index
new_certs_dir = ca.db
serial = ca.srl
default_md = sha256
policy = any
[any]
commonName = supplied
CNF
openssl ca -batch -config ca.cnf -cert ca.pem -keyfile ca.key -in expired.csr \
	-startdate 20200101000000Z -enddate 20200102000000Z -out expired.pem 2>/dev/null
rm -rf expired.csr ca.cnf ca.db
key other.key
chmod 644 ./*.key	# readable by the User khttpdd drops to (reload re-reads them)
