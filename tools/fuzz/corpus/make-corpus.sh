#!/usr/bin/env bash
# Rebuilds the fuzz corpus with openssl (the seeds every mutation starts from). The files are
# committed so that a seed names one input for ever; run this only to add a new kind of seed.
set -euo pipefail
cd "$(dirname "$0")"
t=$(mktemp -d); trap 'rm -rf "$t"' EXIT
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$t/ca.key" \
  -subj '/O=fuzz/CN=fuzz CA' -days 3650 \
  -addext 'basicConstraints=critical,CA:TRUE,pathlen:0' -addext 'keyUsage=critical,keyCertSign,cRLSign' \
  -addext 'nameConstraints=critical,permitted;DNS:example.net,permitted;IP:10.0.0.0/255.0.0.0' \
  -outform DER -out ca.der 2>/dev/null
openssl x509 -inform DER -in ca.der -out "$t/ca.pem"
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$t/leaf.key" \
  -subj "/O=fuzz/OU=n$(printf '\303\251')ud/CN=node1.example.net" -utf8 \
  -addext 'subjectAltName=DNS:node1.example.net,DNS:node1,IP:10.0.0.1,IP:fd00::1,URI:spiffe://fuzz/n,email:a@example.net' \
  -addext 'extendedKeyUsage=serverAuth,clientAuth' -outform DER -out csr.der 2>/dev/null
openssl pkcs8 -topk8 -nocrypt -in "$t/leaf.key" -outform DER -out ec-pkcs8.der
openssl ec -in "$t/leaf.key" -outform DER -out ec-sec1.der 2>/dev/null
openssl ec -in "$t/leaf.key" -pubout -outform DER -out ec-spki.der 2>/dev/null
cat > "$t/ext.cnf" <<'CNF'
[v3]
subjectAltName=DNS:node1.example.net,DNS:node1,IP:10.0.0.1,IP:fd00::1,URI:spiffe://fuzz/n
extendedKeyUsage=serverAuth,clientAuth
keyUsage=critical,digitalSignature
basicConstraints=critical,CA:FALSE
certificatePolicies=1.3.6.1.4.1.99999.1.2
crlDistributionPoints=URI:http://ca.example.net/crl.der
authorityInfoAccess=OCSP;URI:http://ca.example.net/ocsp
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
CNF
openssl x509 -req -inform DER -in csr.der -CA "$t/ca.pem" -CAkey "$t/ca.key" -days 365 \
  -set_serial 0x0123456789abcdef -extfile "$t/ext.cnf" -extensions v3 -outform DER -out cert.der 2>/dev/null
openssl x509 -inform DER -in cert.der -out "$t/cert.pem"
# a CRL with two entries, reasons, a cRLNumber and an issuingDistributionPoint
mkdir -p "$t/db"; : > "$t/db/index"; echo 01 > "$t/db/crlnumber"
cat > "$t/ca.cnf" <<CNF
[ca]
default_ca=c
[c]
database=$t/db/index
crlnumber=$t/db/crlnumber
default_md=sha256
default_crl_days=7
crl_extensions=crlext
[crlext]
authorityKeyIdentifier=keyid
issuingDistributionPoint=critical,@idp
[idp]
fullname=URI:http://ca.example.net/crl.der
onlysomereasons=keyCompromise,superseded
CNF
openssl ca -config "$t/ca.cnf" -cert "$t/ca.pem" -keyfile "$t/ca.key" -revoke "$t/cert.pem" -crl_reason keyCompromise 2>/dev/null
openssl ca -config "$t/ca.cnf" -cert "$t/ca.pem" -keyfile "$t/ca.key" -gencrl -out "$t/crl.pem" 2>/dev/null
openssl crl -in "$t/crl.pem" -outform DER -out crl.der
# keys: RSA (PKCS#8 and PKCS#1), Ed25519, an encrypted PKCS#8 (PBES2, few iterations)
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -outform DER -out rsa-pkcs8.der 2>/dev/null
openssl rsa -inform DER -in rsa-pkcs8.der -traditional -outform DER -out rsa-pkcs1.der 2>/dev/null
openssl rsa -inform DER -in rsa-pkcs8.der -pubout -outform DER -out rsa-spki.der 2>/dev/null
openssl genpkey -algorithm ED25519 -outform DER -out ed25519-pkcs8.der
openssl pkcs8 -topk8 -inform DER -in ec-pkcs8.der -v2 aes-256-cbc -v2prf hmacWithSHA256 -iter 16 \
  -passout pass:fuzz -outform DER -out ec-encrypted-pkcs8.der
# PKCS#12: modern (PBES2 + SHA-256 MAC), legacy 3DES/RC2 without a MAC, RC4
openssl pkcs12 -export -in "$t/cert.pem" -inkey "$t/leaf.key" -certfile "$t/ca.pem" -name node1 \
  -passout pass:fuzz -iter 16 -out modern.p12 2>/dev/null
openssl pkcs12 -export -legacy -in "$t/cert.pem" -inkey "$t/leaf.key" -certfile "$t/ca.pem" -name node1 \
  -passout pass:fuzz -iter 16 -nomac -out legacy-nomac.p12 2>/dev/null
openssl pkcs12 -export -legacy -in "$t/cert.pem" -inkey "$t/leaf.key" -name node1 \
  -keypbe PBE-SHA1-RC4-128 -certpbe PBE-SHA1-RC2-40 -passout pass:fuzz -iter 16 -nomac \
  -out legacy-rc.p12 2>/dev/null
ls -l
