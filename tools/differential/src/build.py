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
from cryptography.hazmat.primitives.asymmetric import ec
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


def key(index):
    if index not in _keys:
        digest = hashlib.sha256(b"nodeid-differential-key-%d" % index).digest()
        scalar = int.from_bytes(digest, "big") % (2**255) + 1
        _keys[index] = ec.derive_private_key(scalar, ec.SECP256R1())
    return _keys[index]


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
    if ku:
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
    if san and san["names"]:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([general_name(n) for n in san["names"]]), san["critical"]
        )
    nc = ext.get("nameConstraints")
    if nc:
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
            x509.SubjectKeyIdentifier.from_public_key(key(cert["key"]).public_key()), False
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
    signature = signer.sign(tbs, ec.ECDSA(hashes.SHA256()))
    return der(0x30, tbs + der_bytes[tbs_end:alg_end] + der(0x03, b"\x00" + signature))


def serial_of(text):
    """(integer for the builder, raw DER content octets or None) of a serial in a description.
    `der:HEX` asks for exactly those content octets (negative, zero, over 20 octets), which the
    builder refuses; the certificate is built with a placeholder and patched."""
    if not text.startswith("der:"):
        return int(text), None
    return 0x5A, bytes.fromhex(text[4:])


def patch_cert_serial(raw):
    def patch(tbs):
        content, _ = read_element(tbs, 0)
        version_end = read_element(tbs, content)[1]  # [0] EXPLICIT version
        serial_end = read_element(tbs, version_end)[1]
        body = tbs[content:version_end] + der(0x02, raw) + tbs[serial_end:]
        return der(0x30, body)

    return patch


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
    issuer_key = key(issuer["key"])
    builder = (
        x509.CertificateBuilder()
        .subject_name(name(cert["subject"]))
        .issuer_name(name(issuer["subject"]))
        .public_key(key(cert["key"]).public_key())
        .serial_number(serial_of(cert["serial"])[0])
        .not_valid_before(when(cert["notBefore"]))
        .not_valid_after(when(cert["notAfter"]))
    )
    builder = add_extensions(builder, cert, issuer, issuer_key, issuer_issuer)
    built = builder.sign(issuer_key, hashes.SHA256())
    raw = serial_of(cert["serial"])[1]
    if raw is None:
        return built.public_bytes(serialization.Encoding.PEM).decode()
    return pem("CERTIFICATE", resign(built.public_bytes(serialization.Encoding.DER), issuer_key, patch_cert_serial(raw)))


def pem(label, data):
    text = base64.encodebytes(data).decode().replace("\n", "")
    lines = "\n".join(text[i : i + 64] for i in range(0, len(text), 64))
    return f"-----BEGIN {label}-----\n{lines}\n-----END {label}-----\n"


def build_crl(certs, crl):
    issuer = certs[crl["issuer"]]
    signer = key(certs[crl["signer"]]["key"] if crl["signer"] < len(certs) else crl["signer"])
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
