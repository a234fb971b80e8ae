#!/usr/bin/env bash
# Regenerates fixtures/cms/: a test certificate hierarchy shaped like the NCA of Kazakhstan's (root → intermediate →
# legal-entity signer with OU=BIN… and SERIALNUMBER=IIN…), detached CMS signatures made by `openssl cms -sign` over
# a sample canonical-JSON application, and one artificial GOST-labelled CMS. The tests read the saved files; rerun
# this script only to change them (bash test/workflows/eds/make-fixtures.sh), then commit the new files together.
#
# Certificate dates are fixed (openssl ca -startdate/-enddate) so the tests can use a fixed clock; the signingTime
# attribute that openssl cms writes is the time the script ran. Private keys are made in a temporary folder and
# thrown away: the fixtures are verification material only.
set -euo pipefail
cd "$(dirname "$0")/../../.."
OUT=fixtures/cms
mkdir -p "$OUT"
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT

# BIN and IIN with the check digit of the project's own algorithm (src/domain/catalogue/bin-check.ts).
with_check_digit() {
  node --import tsx --input-type=module -e "
    import { binCheckDigit } from './src/domain/catalogue/bin-check.ts';
    const d = binCheckDigit('$1');
    if (d === undefined) { console.error('no check digit for $1'); process.exit(1); }
    process.stdout.write('$1' + d);"
}
BIN=$(with_check_digit 26034000001)         # the applicant organisation
OTHER_BIN=$(with_check_digit 26034000002)   # another legal entity
IIN=$(with_check_digit 85010130000)         # the employee who signs

# ------------------------------------------------------------------------------------------------- openssl ca
mkdir -p "$W/newcerts"
: >"$W/index.txt"
cat >"$W/ca.cnf" <<EOF
[ca]
default_ca = test_ca

[test_ca]
database        = $W/index.txt
new_certs_dir   = $W/newcerts
default_md      = sha256
policy          = policy_any
unique_subject  = no
copy_extensions = none
email_in_dn     = no
rand_serial     = yes

[policy_any]
countryName            = optional
organizationName       = optional
organizationalUnitName = optional
serialNumber           = optional
commonName             = supplied

[root]
basicConstraints       = critical, CA:true
keyUsage               = critical, keyCertSign, cRLSign
subjectKeyIdentifier   = hash

[intermediate]
basicConstraints       = critical, CA:true, pathlen:0
keyUsage               = critical, keyCertSign, cRLSign
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid

# NCA legal-entity signing certificates: digitalSignature + nonRepudiation, EKU e-mail protection and the NCA's
# "legal entity" purpose 1.2.398.3.3.4.1.2.
[signer]
basicConstraints       = critical, CA:false
keyUsage               = critical, digitalSignature, nonRepudiation
extendedKeyUsage       = emailProtection, 1.2.398.3.3.4.1.2
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid

[encipher_only]
basicConstraints       = critical, CA:false
keyUsage               = critical, keyEncipherment
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid
EOF

key_rsa() { openssl genpkey -quiet -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$W/$1.key"; }
key_ec() { openssl genpkey -quiet -algorithm EC -pkeyopt ec_paramgen_curve:"$2" -out "$W/$1.key"; }

# issue NAME SUBJECT ISSUER(self|name) EXTENSIONS START END
issue() {
  local name=$1 subj=$2 issuer=$3 ext=$4 start=$5 end=$6
  openssl req -new -key "$W/$name.key" -subj "$subj" -out "$W/$name.csr"
  if [ "$issuer" = self ]; then
    openssl ca -batch -notext -config "$W/ca.cnf" -selfsign -keyfile "$W/$name.key" -preserveDN \
      -extensions "$ext" -startdate "$start" -enddate "$end" -in "$W/$name.csr" -out "$W/$name.pem" 2>/dev/null
  else
    openssl ca -batch -notext -config "$W/ca.cnf" -cert "$W/$issuer.pem" -keyfile "$W/$issuer.key" -preserveDN \
      -extensions "$ext" -startdate "$start" -enddate "$end" -in "$W/$name.csr" -out "$W/$name.pem" 2>/dev/null
  fi
}

ROOT_SUBJ="/C=KZ/O=Test National Certification Authority/CN=Test Root CA"
LEGAL="/C=KZ/O=Test Ministry/OU=BIN$BIN/serialNumber=IIN$IIN/CN=Ivanov Ivan"

key_rsa root;          issue root "$ROOT_SUBJ" self root 20240101000000Z 20491231235959Z
key_rsa intermediate;  issue intermediate "/C=KZ/O=Test National Certification Authority/CN=Test Legal Entity CA" \
                         root intermediate 20240101000000Z 20441231235959Z
# Same name as the trusted root, different key: trusting a name instead of a key would accept it.
key_rsa rogue-root;    issue rogue-root "$ROOT_SUBJ" self root 20240101000000Z 20491231235959Z

key_rsa signer-rsa;         issue signer-rsa "$LEGAL" intermediate signer 20250101000000Z 20450101000000Z
key_ec signer-ecdsa-p256 P-256; issue signer-ecdsa-p256 "$LEGAL" intermediate signer 20250101000000Z 20450101000000Z
key_ec signer-ecdsa-p384 P-384; issue signer-ecdsa-p384 "$LEGAL" intermediate signer 20250101000000Z 20450101000000Z
key_rsa signer-expired;     issue signer-expired "$LEGAL" intermediate signer 20200101000000Z 20210101000000Z
key_rsa signer-untrusted;   issue signer-untrusted "$LEGAL" rogue-root signer 20250101000000Z 20450101000000Z
key_rsa signer-no-digital-signature
issue signer-no-digital-signature "$LEGAL" intermediate encipher_only 20250101000000Z 20450101000000Z
key_rsa signer-other-bin
issue signer-other-bin "/C=KZ/O=Other Organisation/OU=BIN$OTHER_BIN/serialNumber=IIN$IIN/CN=Ivanov Ivan" \
  intermediate signer 20250101000000Z 20450101000000Z
key_rsa signer-individual
issue signer-individual "/C=KZ/serialNumber=IIN$IIN/CN=Ivanov Ivan" intermediate signer 20250101000000Z 20450101000000Z
# A signer certificate (CA:false) used as if it were a CA: the chain has the right names and signatures but
# breaks RFC 5280 §4.2.1.9.
key_rsa signer-under-leaf
issue signer-under-leaf "$LEGAL" signer-rsa signer 20250101000000Z 20450101000000Z

cp "$W/root.pem" "$OUT/root-ca.pem"
cp "$W/intermediate.pem" "$OUT/intermediate-ca.pem"
cp "$W/rogue-root.pem" "$OUT/rogue-root-ca.pem"

# ------------------------------------------------------------------------------------------ the signed document
# Canonical JSON (keys sorted, no insignificant whitespace, UTF-8) of a p.15 application: categories and the
# organisation's network addresses (documentation prefixes, RFC 5737 / RFC 3849).
printf '%s' "{\"application\":{\"categories\":[\"education\",\"news\"],\"kind\":\"access-policy\",\"networkAddresses\":[\"192.0.2.0/24\",\"2001:db8::/48\"],\"organisation\":{\"bin\":\"$BIN\",\"name\":\"Тест министрлігі\"},\"validFor\":\"P1Y\"},\"submittedAt\":\"2026-01-15T09:30:00+05:00\"}" >"$OUT/doc.json"

# sign OUTPUT SIGNER [extra openssl cms options…] — detached: -nodetach is NOT given unless asked for.
sign() {
  local out=$1 signer=$2
  shift 2
  openssl cms -sign -binary -outform DER -md sha256 -signer "$W/$signer.pem" -inkey "$W/$signer.key" \
    -in "$OUT/doc.json" -out "$OUT/$out" "$@"
}
sign signer-rsa.p7s signer-rsa -certfile "$W/intermediate.pem"
sign signer-ecdsa-p256.p7s signer-ecdsa-p256 -certfile "$W/intermediate.pem"
sign signer-ecdsa-p384.p7s signer-ecdsa-p384 -certfile "$W/intermediate.pem" -md sha384
sign signer-rsa-pss.p7s signer-rsa -certfile "$W/intermediate.pem" -keyopt rsa_padding_mode:pss
sign signer-rsa-no-attributes.p7s signer-rsa -certfile "$W/intermediate.pem" -noattr
sign signer-rsa-no-chain.p7s signer-rsa
sign signer-rsa-attached.p7s signer-rsa -certfile "$W/intermediate.pem" -nodetach
sign signer-expired.p7s signer-expired -certfile "$W/intermediate.pem"
sign signer-untrusted.p7s signer-untrusted -certfile "$W/rogue-root.pem"
sign signer-no-digital-signature.p7s signer-no-digital-signature -certfile "$W/intermediate.pem"
sign signer-other-bin.p7s signer-other-bin -certfile "$W/intermediate.pem"
sign signer-individual.p7s signer-individual -certfile "$W/intermediate.pem"
cat "$W/signer-rsa.pem" "$W/intermediate.pem" >"$W/leaf-as-ca-chain.pem"
sign signer-under-leaf.p7s signer-under-leaf -certfile "$W/leaf-as-ca-chain.pem"
# SignerIdentifier by subjectKeyIdentifier instead of issuer and serial (RFC 5652 §5.3).
sign signer-ecdsa-p256-keyid.p7s signer-ecdsa-p256 -certfile "$W/intermediate.pem" -keyid
sign signer-rsa-nocerts.p7s signer-rsa -nocerts
sign signer-rsa-sha1.p7s signer-rsa -certfile "$W/intermediate.pem" -md sha1
# Two SignerInfos over the same document (a co-signed application): each must verify.
sign two-signers.p7s signer-rsa -certfile "$W/intermediate.pem" -signer "$W/signer-ecdsa-p256.pem" -inkey "$W/signer-ecdsa-p256.key"
sign two-signers-one-expired.p7s signer-rsa -certfile "$W/intermediate.pem" -signer "$W/signer-expired.pem" -inkey "$W/signer-expired.key"
# A "certs-only" SignedData (RFC 5652 §5.1 degenerate case): certificates, no signer.
openssl crl2pkcs7 -nocrl -certfile "$W/intermediate.pem" -outform DER -out "$OUT/certs-only.p7s"
# The same signature in PEM, as browser signing tools often hand it over.
openssl cms -sign -binary -outform PEM -md sha256 -signer "$W/signer-rsa.pem" -inkey "$W/signer-rsa.key" \
  -certfile "$W/intermediate.pem" -in "$OUT/doc.json" -out "$OUT/signer-rsa.cms.pem"

# Sanity: openssl itself accepts the good ones against the test root.
for f in signer-rsa signer-ecdsa-p256 signer-ecdsa-p384 signer-rsa-pss; do
  openssl cms -verify -binary -inform DER -in "$OUT/$f.p7s" -content "$OUT/doc.json" -CAfile "$OUT/root-ca.pem" \
    -purpose any -attime "$(date -d 2030-06-01 +%s)" -out /dev/null 2>/dev/null
done

# A GOST-labelled CMS cannot be made with stock openssl; build its structure with pkijs (see the script).
node --import tsx test/workflows/eds/make-gost-fixture.ts "$OUT/gost-34310.p7s" "$BIN" "$IIN"

printf '{"bin":"%s","otherBin":"%s","iin":"%s"}\n' "$BIN" "$OTHER_BIN" "$IIN" >"$OUT/identities.json"
echo "fixtures written to $OUT"
