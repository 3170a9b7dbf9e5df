#!/usr/bin/env python3
"""Builds the certificates and CRLs of generated cases with pyca/cryptography's builders.

Reads a JSON array of case descriptions (see generate.mjs) on stdin and writes a JSON array of
{"certs": [PEM...], "crls": [PEM...]} (or {"error": "..."}) in the same order on stdout. This is
deliberately independent of nodeid's own issuance. Keys are EC P-256 keys derived from fixed
scalars, so a seed always gives the same names, keys, serials and extensions (ECDSA signatures
themselves are randomised). Extensions the builder refuses to encode the way a case wants them
(a pathLenConstraint on a non-CA, policyMappings, an unknown extension) are written as raw DER.
"""

import base64
import datetime
import hashlib
import ipaddress
import json
import sys

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, ObjectIdentifier

ATTRIBUTES = {"CN": NameOID.COMMON_NAME, "O": NameOID.ORGANIZATION_NAME}
EKUS = {
    "serverAuth": ExtendedKeyUsageOID.SERVER_AUTH,
    "clientAuth": ExtendedKeyUsageOID.CLIENT_AUTH,
    "anyExtendedKeyUsage": ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE,
}
REASONS = {
    "keyCompromise": x509.ReasonFlags.key_compromise,
    "cACompromise": x509.ReasonFlags.ca_compromise,
    "superseded": x509.ReasonFlags.superseded,
    "removeFromCRL": x509.ReasonFlags.remove_from_crl,
}
UNKNOWN_OID = ObjectIdentifier("1.3.6.1.4.1.55555.99")
_keys = {}


CURVES = {"p192": ec.SECP192R1, "p384": ec.SECP384R1, "secp256k1": ec.SECP256K1}


def key(index, kind=None):
    """The private key of `index`: EC P-256 by default, or of `kind` (`rsa-BITS`, `rsa-BITS-e3`,
    `ec-p192`, `ec-p384`, `ec-secp256k1`; `ec-explicit` is the P-256 key, written with explicit
    curve parameters by `explicit_spki`). Derived from the index, so a seed gives the same keys."""
    slot = (index, kind or "")
    if slot not in _keys:
        digest = hashlib.sha256(b"nodeid-differential-key-%d" % index).digest()
        if kind and kind.startswith("rsa-"):
            parts = kind.split("-")
            _keys[slot] = rsa_key(int(parts[1]), 3 if parts[-1] == "e3" else 65537, digest)
        elif kind and kind.startswith("ec-") and kind[3:] in CURVES:
            curve = CURVES[kind[3:]]()
            _keys[slot] = ec.derive_private_key(int.from_bytes(digest, "big") % (2 ** (curve.key_size - 1)) + 1, curve)
        else:
            scalar = int.from_bytes(digest, "big") % (2**255) + 1
            _keys[slot] = ec.derive_private_key(scalar, ec.SECP256R1())
    return _keys[slot]


def cert_key(cert):
    return key(cert["key"], cert.get("keyKind"))


def _probable_prime(n):
    if n % 2 == 0:
        return False
    for p in (3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37):
        if n % p == 0:
            return n == p
    d, r = n - 1, 0
    while d % 2 == 0:
        d, r = d // 2, r + 1
    for a in (2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41):
        x = pow(a, d, n)
        if x in (1, n - 1):
            continue
        for _ in range(r - 1):
            x = pow(x, 2, n)
            if x == n - 1:
                break
        else:
            return False
    return True


def rsa_key(bits, e, seed):
    """An RSA key of `bits` bits and exponent `e` from primes found from `seed` (deterministic)."""
    counter = [0]

    def prime(half):
        while True:
            counter[0] += 1
            stream = b"".join(
                hashlib.sha256(seed + b"%d-%d" % (counter[0], j)).digest() for j in range(half // 256 + 1)
            )
            n = int.from_bytes(stream, "big") >> (len(stream) * 8 - half) | (3 << (half - 2)) | 1
            if (n - 1) % e and _probable_prime(n):
                return n

    p, q = prime(bits // 2), prime(bits - bits // 2)
    d = pow(e, -1, (p - 1) * (q - 1))
    public = rsa.RSAPublicNumbers(e, p * q)
    return rsa.RSAPrivateNumbers(
        p, q, d, rsa.rsa_crt_dmp1(d, p), rsa.rsa_crt_dmq1(d, q), rsa.rsa_crt_iqmp(p, q), public
    ).private_key()


HASHES = {"sha1": hashes.SHA1, "sha256": hashes.SHA256, "sha384": hashes.SHA384}


def sign_raw(signer, data, hash_name="sha256"):
    h = HASHES[hash_name]()
    if isinstance(signer, rsa.RSAPrivateKey):
        return signer.sign(data, padding.PKCS1v15(), h)
    return signer.sign(data, ec.ECDSA(h))


def signature_algorithm(signer, hash_name, null_params=False):
    """The DER AlgorithmIdentifier of `signer`'s signature with `hash_name` (RFC 5758 §3.2 for
    ECDSA, no parameters; RFC 4055 §5 for RSA PKCS#1 v1.5, NULL parameters)."""
    if isinstance(signer, rsa.RSAPrivateKey):
        oid = {"sha1": "1.2.840.113549.1.1.5", "sha256": "1.2.840.113549.1.1.11", "sha384": "1.2.840.113549.1.1.12"}
        return der(0x30, der_oid(oid[hash_name]) + b"\x05\x00")
    oid = {"sha1": "1.2.840.10045.4.1", "sha256": "1.2.840.10045.4.3.2", "sha384": "1.2.840.10045.4.3.3"}
    # RFC 5758 §3.2: the parameters "MUST" be omitted; `null_params` writes a NULL anyway
    return der(0x30, der_oid(oid[hash_name]) + (b"\x05\x00" if null_params else b""))


def when(seconds):
    return datetime.datetime.fromtimestamp(seconds, tz=datetime.timezone.utc)


def name(pairs):
    return x509.Name([x509.NameAttribute(ATTRIBUTES[k], v) for k, v in pairs])


def general_name(n):
    kind, value = n["type"], n["value"]
    if kind == "dns":
        return x509.DNSName(value)
    if kind == "email":
        return x509.RFC822Name(value)
    if kind == "uri":
        return x509.UniformResourceIdentifier(value)
    if kind == "dirname":
        attribute, _, text = value.partition("=")
        return x509.DirectoryName(name([[attribute, text]]))
    if kind == "ip":
        return x509.IPAddress(ipaddress.ip_network(value) if "/" in value else ipaddress.ip_address(value))
    raise ValueError(f"unknown name type {kind}")


def general_name_der(n):
    """The DER of a dNSName or URI GeneralName (IMPLICIT IA5String, RFC 5280 §4.2.1.6)."""
    return der({"dns": 0x82, "uri": 0x86}[n["type"]], n["value"].encode())


def der_length(n):
    if n < 0x80:
        return bytes([n])
    body = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(body)]) + body


def der(tag, content):
    return bytes([tag]) + der_length(len(content)) + content


def der_oid(dotted):
    arcs = [int(a) for a in dotted.split(".")]
    out = bytearray([40 * arcs[0] + arcs[1]])
    for arc in arcs[2:]:
        chunk = [arc & 0x7F]
        arc >>= 7
        while arc:
            chunk.append(0x80 | (arc & 0x7F))
            arc >>= 7
        out += bytes(reversed(chunk))
    return der(0x06, bytes(out))


def add_extensions(builder, cert, issuer, issuer_key, issuer_issuer):
    ext = cert["ext"]
    bc = ext.get("basicConstraints")
    if bc:
        if not bc["ca"] and bc["pathLen"] is not None:
            # RFC 5280 §4.2.1.9 forbids it; the builder refuses, so write the DER by hand
            value = der(0x30, der(0x02, bytes([bc["pathLen"]])))
            builder = builder.add_extension(
                x509.UnrecognizedExtension(x509.oid.ExtensionOID.BASIC_CONSTRAINTS, value), bc["critical"]
            )
        else:
            builder = builder.add_extension(x509.BasicConstraints(bc["ca"], bc["pathLen"]), bc["critical"])
    ku = ext.get("keyUsage")
    if ku and not ku["usages"]:
        # a keyUsage with no bit set (RFC 5280 §4.2.1.3: at least one MUST be set)
        builder = builder.add_extension(
            x509.UnrecognizedExtension(x509.oid.ExtensionOID.KEY_USAGE, b"\x03\x01\x00"), ku["critical"]
        )
    elif ku:
        u = set(ku["usages"])
        builder = builder.add_extension(
            x509.KeyUsage(
                digital_signature="digitalSignature" in u,
                content_commitment=False,
                key_encipherment="keyEncipherment" in u,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign="keyCertSign" in u,
                crl_sign="cRLSign" in u,
                encipher_only=False,
                decipher_only=False,
            ),
            ku["critical"],
        )
    eku = ext.get("extKeyUsage")
    if eku:
        builder = builder.add_extension(x509.ExtendedKeyUsage([EKUS[e] for e in eku["usages"]]), eku["critical"])
    san = ext.get("san")
    if san and san.get("empty"):
        # GeneralNames is SIZE (1..MAX) (RFC 5280 §4.2.1.6): an empty one is malformed
        builder = builder.add_extension(
            x509.UnrecognizedExtension(x509.oid.ExtensionOID.SUBJECT_ALTERNATIVE_NAME, b"\x30\x00"), san["critical"]
        )
    elif san and san["names"]:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([general_name(n) for n in san["names"]]), san["critical"]
        )
    nc = ext.get("nameConstraints")
    if nc and ("minimum" in nc or "maximum" in nc):
        # GeneralSubtree minimum [0] / maximum [1] (RFC 5280 §4.2.1.10: minimum MUST be zero and
        # maximum MUST be absent); the builder cannot write them
        subtree = der(
            0x30,
            general_name_der(nc["permitted"][0])
            + (der(0x80, bytes([nc["minimum"]])) if "minimum" in nc else b"")
            + (der(0x81, bytes([nc["maximum"]])) if "maximum" in nc else b""),
        )
        builder = builder.add_extension(
            x509.UnrecognizedExtension(x509.oid.ExtensionOID.NAME_CONSTRAINTS, der(0x30, der(0xA0, subtree))),
            nc["critical"],
        )
    elif nc:
        permitted = [general_name(n) for n in nc.get("permitted", [])] or None
        excluded = [general_name(n) for n in nc.get("excluded", [])] or None
        builder = builder.add_extension(x509.NameConstraints(permitted, excluded), nc["critical"])
    cp = ext.get("certificatePolicies")
    if cp:
        policies = [x509.PolicyInformation(ObjectIdentifier(p), None) for p in cp["policies"]]
        builder = builder.add_extension(x509.CertificatePolicies(policies), cp["critical"])
    pm = ext.get("policyMappings")
    if pm:
        value = der(0x30, b"".join(der(0x30, der_oid(a) + der_oid(b)) for a, b in pm["mappings"]))
        builder = builder.add_extension(
            x509.UnrecognizedExtension(ObjectIdentifier("2.5.29.33"), value), pm["critical"]
        )
    pc = ext.get("policyConstraints")
    if pc:
        builder = builder.add_extension(
            x509.PolicyConstraints(pc["requireExplicitPolicy"], pc["inhibitPolicyMapping"]), pc["critical"]
        )
    iap = ext.get("inhibitAnyPolicy")
    if iap:
        builder = builder.add_extension(x509.InhibitAnyPolicy(iap["skipCerts"]), iap["critical"])
    ski = ext.get("ski")
    if ski:
        builder = builder.add_extension(
            x509.SubjectKeyIdentifier.from_public_key(cert_key(cert).public_key()), False
        )
    aki = ext.get("aki")
    if aki:
        keyid = x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()).key_identifier
        if aki["mode"] == "mismatch":
            value = x509.AuthorityKeyIdentifier(hashlib.sha1(b"not the issuer").digest(), None, None)
        elif aki["mode"] == "issuer-serial":
            value = x509.AuthorityKeyIdentifier(
                keyid, [x509.DirectoryName(name(issuer_issuer["subject"]))], int(issuer["serial"])
            )
        else:
            value = x509.AuthorityKeyIdentifier(keyid, None, None)
        builder = builder.add_extension(value, False)
    dp = ext.get("crlDistributionPoints")
    if dp:
        point = x509.DistributionPoint([x509.UniformResourceIdentifier(dp["uri"])], None, None, None)
        builder = builder.add_extension(x509.CRLDistributionPoints([point]), False)
    unknown = ext.get("unknown")
    if unknown:
        builder = builder.add_extension(x509.UnrecognizedExtension(UNKNOWN_OID, b"\x05\x00"), unknown["critical"])
    return builder


def read_element(data, at):
    """(start of content, end) of the DER element at `at`."""
    length, at = data[at + 1], at + 2
    if length & 0x80:
        count = length & 0x7F
        length, at = int.from_bytes(data[at : at + count], "big"), at + count
    return at, at + length


def resign(der_bytes, signer, patch):
    """The certificate or CRL `der_bytes` with its TBS changed by `patch`, signed again."""
    _, end = read_element(der_bytes, 0)
    tbs_start = read_element(der_bytes, 0)[0]
    tbs_end = read_element(der_bytes, tbs_start)[1]
    alg_end = read_element(der_bytes, tbs_end)[1]
    tbs = patch(der_bytes[tbs_start:tbs_end])
    signature = sign_raw(signer, tbs)
    return der(0x30, tbs + der_bytes[tbs_end:alg_end] + der(0x03, b"\x00" + signature))


def serial_of(text):
    """(integer for the builder, raw DER content octets or None) of a serial in a description.
    `der:HEX` asks for exactly those content octets (negative, zero, over 20 octets), which the
    builder refuses; the certificate is built with a placeholder and patched."""
    if not text.startswith("der:"):
        return int(text), None
    return 0x5A, bytes.fromhex(text[4:])


def patch_crl_serials(raws):
    """Same-length replacement of placeholder entry serials (8-octet 0x5B.. values, one per raw)."""

    def patch(tbs):
        for i, raw in enumerate(raws):
            placeholder = der(0x02, crl_placeholder(i, len(raw)).to_bytes(len(raw), "big"))
            assert tbs.count(placeholder) == 1, "placeholder serial not unique"
            tbs = tbs.replace(placeholder, der(0x02, raw))
        return tbs

    return patch


def crl_placeholder(i, size):
    return int.from_bytes(bytes([0x5B]) * (size - 1) + bytes([0x10 + i]), "big")


def build_cert(certs, i):
    cert = certs[i]
    issuer = certs[max(i - 1, 0)]
    issuer_issuer = certs[max(i - 2, 0)]
    issuer_key = cert_key(issuer)
    builder = (
        x509.CertificateBuilder()
        .subject_name(name(cert["subject"]))
        .issuer_name(name(issuer["subject"]))
        .public_key(cert_key(cert).public_key())
        .serial_number(serial_of(cert["serial"])[0])
        .not_valid_before(when(cert["notBefore"]))
        .not_valid_after(when(cert["notAfter"]))
    )
    builder = add_extensions(builder, cert, issuer, issuer_key, issuer_issuer)
    built = builder.sign(issuer_key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)
    raw = serial_of(cert["serial"])[1]
    patches = cert.get("der") or {}
    if raw is None and not patches:
        return pem("CERTIFICATE", built)
    return pem("CERTIFICATE", patch_certificate(built, issuer_key, raw, patches, cert))


def elements(data):
    """The DER elements that follow each other in `data`, as raw bytes."""
    out, at = [], 0
    while at < len(data):
        end = read_element(data, at)[1]
        out.append(data[at:end])
        at = end
    return out


def content_of(element):
    return element[read_element(element, 0)[0] :]


def der_time(seconds, form):
    """A Time (RFC 5280 §4.1.2.5) for `seconds` written as `form`: `utc`, `generalized`, or one of
    the encodings §4.1.2.5.1-2 forbid: `utc-no-seconds`, `utc-offset` (+0000 instead of Z),
    `generalized-fraction` (fractional seconds)."""
    t = when(seconds)
    if form == "utc":
        return der(0x17, t.strftime("%y%m%d%H%M%SZ").encode())
    if form == "utc-no-seconds":
        return der(0x17, t.strftime("%y%m%d%H%MZ").encode())
    if form == "utc-offset":
        return der(0x17, t.strftime("%y%m%d%H%M%S+0000").encode())
    if form == "generalized-fraction":
        return der(0x18, t.strftime("%Y%m%d%H%M%S.5Z").encode())
    return der(0x18, t.strftime("%Y%m%d%H%M%SZ").encode())


def explicit_spki(public_key):
    """The SubjectPublicKeyInfo of a P-256 key with the curve written out as ECParameters
    (specifiedCurve, X9.62), which RFC 5480 §2.1.1 forbids: namedCurve only."""
    p = 2**256 - 2**224 + 2**192 + 2**96 - 1
    a = p - 3
    b = 0x5AC635D8AA3A93E7B3EBBD55769886BC651D06B0CC53B0F63BCE3C3E27D2604B
    gx = 0x6B17D1F2E12C4247F8BCE6E563A440F277037D812DEB33A0F4A13945D898C296
    gy = 0x4FE342E2FE1A7F9B8EE7EB4A7C0F9E162BCE33576B315ECECBB6406837BF51F5
    n = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551

    def integer(v):
        body = v.to_bytes((v.bit_length() + 8) // 8, "big")
        return der(0x02, body)

    field = der(0x30, der_oid("1.2.840.10045.1.1") + integer(p))
    curve = der(0x30, der(0x04, a.to_bytes(32, "big")) + der(0x04, b.to_bytes(32, "big")))
    base = der(0x04, b"\x04" + gx.to_bytes(32, "big") + gy.to_bytes(32, "big"))
    params = der(0x30, integer(1) + field + curve + base + integer(n) + integer(1))
    point = public_key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return der(0x30, der(0x30, der_oid("1.2.840.10045.2.1") + params) + der(0x03, b"\x00" + point))


def rewrite_name(name_der, form):
    """A Name with each attribute value rewritten (generate.mjs `name-encoding`): `printable`
    (UTF8String -> PrintableString, same text), `upper` (letter case), `spaces` (leading, trailing
    and doubled inner spaces), `other` (the last letter of the last value changed)."""
    rdns = elements(content_of(name_der))
    out = []
    for n, rdn in enumerate(rdns):
        atvs = []
        for atv in elements(content_of(rdn)):
            oid, value = elements(content_of(atv))
            tag, text = value[0], content_of(value).decode()
            if form == "printable" and tag == 0x0C and all(ch.isalnum() or ch in " '()+,-./:=?" for ch in text):
                tag = 0x13
            elif form == "upper":
                text = text.upper()
            elif form == "spaces":
                text = "  " + text.replace(" ", "   ") + " "
            elif form == "other" and n == len(rdns) - 1:
                text = text[:-1] + ("x" if text[-1] != "x" else "y")
            atvs.append(der(0x30, oid + der(tag, text.encode())))
        out.append(der(0x31, b"".join(atvs)))
    return der(0x30, b"".join(out))


def patch_certificate(built, issuer_key, raw_serial, patches, cert):
    """`built` with the TBS fields that pyca's builder always writes correctly rewritten as
    `patches` asks (see generate.mjs `encoding` mutations), signed again by `issuer_key`:
    `version` (1 or 2: v1 drops the extensions unless `keepExtensions`), `uniqueId`
    (`issuer`/`subject`: a [1]/[2] IMPLICIT BIT STRING), `duplicateExtension` (an extension OID
    written twice), `time` ({notBefore|notAfter: form}), `hash` (`sha1`/`sha384`: the algorithm
    of both signature fields), `nullParams` (an ECDSA AlgorithmIdentifier with NULL parameters,
    in both fields), `outerHash` (the outer signatureAlgorithm only, the TBS keeping
    SHA-256: a mismatch), `explicitCurve` (the key's SubjectPublicKeyInfo with ECParameters),
    `issuerName` (the issuer field rewritten, see `rewrite_name`)."""
    top = elements(content_of(built))
    parts = elements(content_of(top[0]))
    has_version = parts[0][0] == 0xA0
    version = parts[0] if has_version else None
    fields = parts[1:] if has_version else parts
    serial, _sig, issuer, validity, subject, spki = fields[:6]
    rest = fields[6:]
    hash_name = patches.get("hash", "sha256")
    null_params = bool(patches.get("nullParams"))
    sig_alg = signature_algorithm(issuer_key, hash_name, null_params)
    if raw_serial is not None:
        serial = der(0x02, raw_serial)
    if "time" in patches:
        nb, na = elements(content_of(validity))
        forms = patches["time"]
        if "notBefore" in forms:
            nb = der_time(cert["notBefore"], forms["notBefore"])
        if "notAfter" in forms:
            na = der_time(cert["notAfter"], forms["notAfter"])
        validity = der(0x30, nb + na)
    if "issuerName" in patches:
        issuer = rewrite_name(issuer, patches["issuerName"])
    if patches.get("explicitCurve"):
        spki = explicit_spki(cert_key(cert).public_key())
    exts = [r for r in rest if r[0] == 0xA3]
    if patches.get("duplicateExtension") and exts:
        items = elements(content_of(content_of(exts[0])))
        wanted = der_oid(patches["duplicateExtension"])
        twice = [e for e in items if content_of(e).startswith(wanted)]
        exts = [der(0xA3, der(0x30, b"".join(items + twice[:1])))]
    ids = []
    if patches.get("uniqueId") in ("issuer", "both"):
        ids.append(der(0x81, b"\x00" + hashlib.sha1(issuer).digest()))
    if patches.get("uniqueId") in ("subject", "both"):
        ids.append(der(0x82, b"\x00" + hashlib.sha1(subject).digest()))
    v = patches.get("version")
    if v == 1:
        version = None
        if not patches.get("keepExtensions"):
            exts = []
    elif v == 2:
        version = der(0xA0, der(0x02, b"\x01"))
    tbs = der(0x30, (version or b"") + serial + sig_alg + issuer + validity + subject + spki + b"".join(ids + exts))
    outer = signature_algorithm(issuer_key, patches.get("outerHash", hash_name), null_params)
    signature = sign_raw(issuer_key, tbs, hash_name)
    return der(0x30, tbs + outer + der(0x03, b"\x00" + signature))


def pem(label, data):
    text = base64.encodebytes(data).decode().replace("\n", "")
    lines = "\n".join(text[i : i + 64] for i in range(0, len(text), 64))
    return f"-----BEGIN {label}-----\n{lines}\n-----END {label}-----\n"


def build_crl(certs, crl):
    issuer = certs[crl["issuer"]]
    signer = cert_key(certs[crl["signer"]]) if crl["signer"] < len(certs) else key(crl["signer"])
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(name(issuer["subject"]))
        .last_update(when(crl["thisUpdate"]))
        .next_update(when(crl["nextUpdate"]))
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(signer.public_key()), False)
    )
    if crl["number"] is not None:
        builder = builder.add_extension(x509.CRLNumber(crl["number"]), False)
    idp = crl["idp"]
    if idp:
        builder = builder.add_extension(
            x509.IssuingDistributionPoint(
                full_name=[x509.UniformResourceIdentifier(idp["uri"])] if "uri" in idp else None,
                relative_name=None,
                only_contains_user_certs=bool(idp.get("onlyUser")),
                only_contains_ca_certs=bool(idp.get("onlyCa")),
                only_some_reasons=frozenset(REASONS[r] for r in idp["reasons"]) if "reasons" in idp else None,
                indirect_crl=bool(idp.get("indirect")),
                only_contains_attribute_certs=False,
            ),
            True,
        )
    unknown = crl.get("unknown")
    if unknown and not unknown["entry"]:
        builder = builder.add_extension(x509.UnrecognizedExtension(UNKNOWN_OID, b"\x05\x00"), unknown["critical"])
    raws = []
    for entry in crl["revoked"]:
        serial, raw = serial_of(entry["serial"])
        if raw is not None:
            if len(raw) < 2:
                raise ValueError("a der: CRL entry serial needs 2 octets or more")
            serial = crl_placeholder(len(raws), len(raw))
            raws.append(raw)
        revoked = (
            x509.RevokedCertificateBuilder()
            .serial_number(serial)
            .revocation_date(when(crl["thisUpdate"] - 3600))
        )
        if entry.get("reason"):
            revoked = revoked.add_extension(x509.CRLReason(REASONS[entry["reason"]]), False)
        if unknown and unknown["entry"]:
            revoked = revoked.add_extension(x509.UnrecognizedExtension(UNKNOWN_OID, b"\x05\x00"), unknown["critical"])
        if entry.get("certificateIssuer") is not None:
            named = certs[entry["certificateIssuer"]]["subject"]
            revoked = revoked.add_extension(x509.CertificateIssuer([x509.DirectoryName(name(named))]), True)
        builder = builder.add_revoked_certificate(revoked.build())
    built = builder.sign(signer, hashes.SHA256())
    if not raws:
        return built.public_bytes(serialization.Encoding.PEM).decode()
    return pem("X509 CRL", resign(built.public_bytes(serialization.Encoding.DER), signer, patch_crl_serials(raws)))


def build_case(case):
    try:
        certs = case["certs"]
        return {
            "certs": [build_cert(certs, i) for i in range(len(certs))],
            "crls": [build_crl(certs, crl) for crl in case["crls"]],
        }
    except Exception as e:  # a case the builder cannot express is reported, not fatal
        return {"error": f"{type(e).__name__}: {e}"}


if __name__ == "__main__":
    json.dump([build_case(c) for c in json.load(sys.stdin)], sys.stdout)
