#!/bin/sh
# Regenerates tests/bindings/material/: openssl-made certificates with FIXED validity dates around the
# test clock (FIXED_NOW = 2026-01-15T12:00Z), so the Bindings and Workspace snapshots are stable.
# The outputs are committed; private keys are not (only the PKCS#12, which must carry its key).
# Usage: sh tests/bindings/make_bindings_material.sh
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out="$here/material"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
mkdir -p newcerts && : > index.txt && echo 1000 > serial
cat > ca.cnf <<'CNF'
[ca]
default_ca = test_ca
[test_ca]
dir = .
database = ./index.txt
new_certs_dir = ./newcerts
serial = ./serial
certificate = ./root.pem
private_key = ./root.key
default_md = sha256
policy = any
unique_subject = no
copy_extensions = none
email_in_dn = no
[any]
commonName = supplied
organizationName = optional
countryName = optional
[leaf]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = clientAuth
[root]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
CNF
key() { openssl ecparam -name prime256v1 -genkey -noout -out "$1.key"; }
key root
openssl req -new -key root.key -subj "/O=Test Bank/CN=Test Bank Root CA" -out root.csr
openssl ca -batch -config ca.cnf -selfsign -keyfile root.key -in root.csr -extensions root \
  -startdate 250101000000Z -enddate 350101000000Z -out root.pem -notext 2>/dev/null
leaf() { # name subject start end
  key "$1"
  openssl req -new -key "$1.key" -subj "$2" -out "$1.csr"
  openssl ca -batch -config ca.cnf -in "$1.csr" -extensions leaf -startdate "$3" -enddate "$4" \
    -out "$1.pem" -notext 2>/dev/null
}
leaf tpp1 "/O=TPP One/CN=tpp1.example" 250301000000Z 260301000000Z
leaf tpp1next "/O=TPP One/CN=tpp1.example" 260110000000Z 270110000000Z
leaf tpp2 "/O=TPP Two/CN=tpp2.example" 250120000000Z 260120000000Z
leaf tpp3 "/O=TPP Three/CN=[weird] corp" 250205000000Z 260205000000Z
leaf tpp4 "/O=TPP Four/CN=tpp4.example" 250601000000Z 270601000000Z
leaf old "/O=TPP Old/CN=old.example" 240101000000Z 251231000000Z
mkdir -p "$out"
cp root.pem tpp1.pem tpp1next.pem tpp3.pem old.pem "$out/"
openssl x509 -in tpp2.pem -outform DER -out "$out/tpp2.der"
cat root.pem tpp1.pem > "$out/tpp1-chain.pem"   # root first: the leaf must still be found
openssl pkcs12 -export -inkey tpp4.key -in tpp4.pem -certfile root.pem -name tpp4 \
  -passout pass:s3cret-P12 -out "$out/tpp4.p12"
printf 'not a certificate at all\n' > "$out/garbage.pem"
echo "wrote $(ls "$out" | wc -l) files to $out"
