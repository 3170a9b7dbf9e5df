#!/usr/bin/env python3
"""
Test PKI generator for the rule tests in this folder: reads a JSON spec on stdin, writes a JSON
object {id: PEM} on stdout. Certificates and CRLs are built and signed by pyca/cryptography
(Debian's python3-cryptography, 38 or later), not by the SDK, so the SDK's parser and verifier
are checked against an independent encoder. Where a rule needs an encoding cryptography refuses
to make (a negative serial, a malformed extension), the TBS is patched and re-signed here.

Spec:
  {"certs": [{"id", "subject": [[attr, value, tag?], ...], "issuer": id (itself when absent),
              "issuerName": [[...]], "key": "p256"|"p384"|"p192"|"rsa2048"|"rsa2056"|"ed25519",
              "keyOf": id, "serial": int, "serialDer": hex, "notBefore", "notAfter",
              "version": 1|3, "ext": [extension...], "aki": bool (default true unless self-signed),
              "ski": bool (default true), "akiCritical", "skiCritical": bool, "spkiDer", "outerAlgDer": hex, "dupExt": [extension...]}],
   "crls":  [{"id", "issuer": id, "signer": id, "issuerName": [[...]], "thisUpdate", "nextUpdate",
              "number": int|null, "numberCritical": bool, "aki": bool,
              "revoked": [{"serial": int | "<cert id>", "date", "ext": [extension...]}],
              "ext": [extension...], "noNextUpdate": bool, "generalizedTime": bool (thisUpdate and
              nextUpdate as GeneralizedTime), "versionDer": hex (the version INTEGER's content)}]}
  extension: {"t": "bc"|"ku"|"eku"|"san"|"nc"|"cdp"|"idp"|"policies"|"pc"|"certIssuer"|"raw", "crit": bool, ...}
    cdp: {"names": [general name...], "relative": [[attr, value]], "crlIssuer": [general name...],
          "reasons": [flag...]}; idp: {"names", "relative", "user", "ca", "attr", "reasons", "indirect"};
    certIssuer (CRL entry): {"names": [general name...]}
  general name: ["dns", v] | ["ip", "1.2.3.4" or "10.0.0.0/8"] | ["email", v] | ["uri", v] |
                ["dir", [[attr, value], ...]] | ["other", oid, hex] | ["raw", hex]
"""
import datetime
import ipaddress
import json
import sys

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.x509.name import _ASN1Type
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

ATTRS = {
    "CN": NameOID.COMMON_NAME,
    "O": NameOID.ORGANIZATION_NAME,
    "OU": NameOID.ORGANIZATIONAL_UNIT_NAME,
    "C": NameOID.COUNTRY_NAME,
    "L": NameOID.LOCALITY_NAME,
    "ST": NameOID.STATE_OR_PROVINCE_NAME,
    "DC": NameOID.DOMAIN_COMPONENT,
    "emailAddress": NameOID.EMAIL_ADDRESS,
    "serialNumber": NameOID.SERIAL_NUMBER,
}
TAGS = {
    "utf8": _ASN1Type.UTF8String,
    "printable": _ASN1Type.PrintableString,
    "ia5": _ASN1Type.IA5String,
    "teletex": _ASN1Type.T61String,
    "bmp": _ASN1Type.BMPString,
    "universal": _ASN1Type.UniversalString,
}
EKUS = {
    "serverAuth": ExtendedKeyUsageOID.SERVER_AUTH,
    "clientAuth": ExtendedKeyUsageOID.CLIENT_AUTH,
    "codeSigning": ExtendedKeyUsageOID.CODE_SIGNING,
    "emailProtection": ExtendedKeyUsageOID.EMAIL_PROTECTION,
    "timeStamping": ExtendedKeyUsageOID.TIME_STAMPING,
    "OCSPSigning": ExtendedKeyUsageOID.OCSP_SIGNING,
    "any": x509.ObjectIdentifier("2.5.29.37.0"),
}
KU_BITS = [
    "digitalSignature", "contentCommitment", "keyEncipherment", "dataEncipherment",
    "keyAgreement", "keyCertSign", "cRLSign", "encipherOnly", "decipherOnly",
]


def when(s, default):
    return datetime.datetime.fromisoformat((s or default).replace("Z", "+00:00")).replace(tzinfo=None)


def name(spec):
    rdns = []
    for item in spec:
        attr, value = item[0], item[1]
        oid = ATTRS.get(attr) or x509.ObjectIdentifier(attr)
        tag = TAGS[item[2]] if len(item) > 2 else None
        a = x509.NameAttribute(oid, value, _type=tag) if tag else x509.NameAttribute(oid, value)
        rdns.append(x509.RelativeDistinguishedName([a]))
    return x509.Name(rdns)


def relative_name(spec):
    if not spec:
        return None
    return x509.RelativeDistinguishedName([x509.NameAttribute(ATTRS.get(a) or x509.ObjectIdentifier(a), v) for a, v in spec])


def new_key(kind):
    if kind == "p256":
        return ec.generate_private_key(ec.SECP256R1())
    if kind == "p384":
        return ec.generate_private_key(ec.SECP384R1())
    if kind == "p192":
        return ec.generate_private_key(ec.SECP192R1())
    if kind == "secp256k1":
        return ec.generate_private_key(ec.SECP256K1())
    if kind.startswith("rsa"):
        return rsa.generate_private_key(public_exponent=65537, key_size=int(kind[3:]))
    if kind == "ed25519":
        return ed25519.Ed25519PrivateKey.generate()
    raise ValueError(f"unknown key kind {kind}")


def hash_for(key):
    return None if isinstance(key, ed25519.Ed25519PrivateKey) else hashes.SHA256()


def general_name(g):
    kind = g[0]
    if kind == "dns":
        return x509.DNSName(g[1])
    if kind == "email":
        return x509.RFC822Name(g[1])
    if kind == "uri":
        return x509.UniformResourceIdentifier(g[1])
    if kind == "ip":
        return x509.IPAddress(ipaddress.ip_network(g[1]) if "/" in g[1] else ipaddress.ip_address(g[1]))
    if kind == "dir":
        return x509.DirectoryName(name(g[1]))
    if kind == "other":
        return x509.OtherName(x509.ObjectIdentifier(g[1]), bytes.fromhex(g[2]))
    raise ValueError(f"unknown general name {kind}")


# --- a minimal DER writer and reader, for the encodings cryptography will not make ----------
def tlv(tag, content):
    n = len(content)
    if n < 0x80:
        length = bytes([n])
    else:
        b = n.to_bytes((n.bit_length() + 7) // 8, "big")
        length = bytes([0x80 | len(b)]) + b
    return bytes([tag]) + length + content


def read_tlv(buf, i):
    tag = buf[i]
    n = buf[i + 1]
    j = i + 2
    if n & 0x80:
        k = n & 0x7F
        n = int.from_bytes(buf[j : j + k], "big")
        j += k
    return tag, buf[i:j + n], buf[j : j + n], j + n


def children(content):
    out, i = [], 0
    while i < len(content):
        _, whole, _, i = read_tlv(content, i)
        out.append(whole)
    return out


def raw_general_name(g):
    """GeneralName DER for forms cryptography validates away: dNSName, rfc822Name or URI with
    any bytes, iPAddress with any octets."""
    kind = g[0]
    if kind == "raw":
        return bytes.fromhex(g[1])
    tags = {"email": 0x81, "dns": 0x82, "uri": 0x86, "ip": 0x87}
    value = bytes.fromhex(g[1][4:]) if g[1].startswith("hex:") else g[1].encode("utf-8")
    return tlv(tags[kind], value)


def extension(e):
    t = e["t"]
    crit = e.get("crit", False)
    if t == "raw":
        oid = x509.ObjectIdentifier(e["oid"])
        return x509.UnrecognizedExtension(oid, bytes.fromhex(e["der"])), crit
    if t == "bc":
        return x509.BasicConstraints(ca=e.get("ca", False), path_length=e.get("pathlen")), crit
    if t == "ku":
        bits = {b: b in e["bits"] for b in KU_BITS}
        return (
            x509.KeyUsage(
                digital_signature=bits["digitalSignature"],
                content_commitment=bits["contentCommitment"],
                key_encipherment=bits["keyEncipherment"],
                data_encipherment=bits["dataEncipherment"],
                key_agreement=bits["keyAgreement"],
                key_cert_sign=bits["keyCertSign"],
                crl_sign=bits["cRLSign"],
                encipher_only=bits["encipherOnly"],
                decipher_only=bits["decipherOnly"],
            ),
            crit,
        )
    if t == "eku":
        return x509.ExtendedKeyUsage([EKUS.get(o) or x509.ObjectIdentifier(o) for o in e["oids"]]), crit
    if t == "san":
        if e.get("raw"):
            der = tlv(0x30, b"".join(raw_general_name(g) for g in e["names"]))
            return x509.UnrecognizedExtension(x509.ObjectIdentifier("2.5.29.17"), der), crit
        return x509.SubjectAlternativeName([general_name(g) for g in e["names"]]), crit
    if t == "nc":
        if e.get("raw"):
            parts = b""
            if e.get("permitted") is not None:
                parts += tlv(0xA0, b"".join(tlv(0x30, raw_general_name(g)) for g in e["permitted"]))
            if e.get("excluded") is not None:
                parts += tlv(0xA1, b"".join(tlv(0x30, raw_general_name(g)) for g in e["excluded"]))
            return x509.UnrecognizedExtension(x509.ObjectIdentifier("2.5.29.30"), tlv(0x30, parts)), crit
        p = e.get("permitted")
        x = e.get("excluded")
        return (
            x509.NameConstraints(
                permitted_subtrees=[general_name(g) for g in p] if p is not None else None,
                excluded_subtrees=[general_name(g) for g in x] if x is not None else None,
            ),
            crit,
        )
    if t == "cdp":
        reasons = e.get("reasons")
        points = [
            x509.DistributionPoint(
                full_name=[general_name(g) for g in e["names"]] if e.get("names") else None,
                relative_name=relative_name(e.get("relative")),
                reasons=frozenset(x509.ReasonFlags[r] for r in reasons) if reasons else None,
                crl_issuer=[general_name(g) for g in e["crlIssuer"]] if e.get("crlIssuer") else None,
            )
        ]
        return x509.CRLDistributionPoints(points), crit
    if t == "certIssuer":
        return x509.CertificateIssuer([general_name(g) for g in e["names"]]), True if "crit" not in e else crit
    if t == "idp":
        reasons = e.get("reasons")
        return (
            x509.IssuingDistributionPoint(
                full_name=[general_name(g) for g in e["names"]] if e.get("names") else None,
                relative_name=relative_name(e.get("relative")),
                only_contains_user_certs=e.get("user", False),
                only_contains_ca_certs=e.get("ca", False),
                only_some_reasons=frozenset(x509.ReasonFlags[r] for r in reasons) if reasons else None,
                indirect_crl=e.get("indirect", False),
                only_contains_attribute_certs=e.get("attr", False),
            ),
            True if "crit" not in e else crit,
        )
    if t == "policies":
        return x509.CertificatePolicies([x509.PolicyInformation(x509.ObjectIdentifier(o), None) for o in e["oids"]]), crit
    if t == "pc":
        return x509.PolicyConstraints(e.get("require"), e.get("inhibit")), crit
    raise ValueError(f"unknown extension {t}")


def resign(der, key, patch):
    """Replaces the TBS of `der` by `patch(tbs_children)` and signs it again with `key`."""
    _, _, cert_content, _ = read_tlv(der, 0)
    tbs, alg, _sig = children(cert_content)
    _, _, tbs_content, _ = read_tlv(tbs, 0)
    new_tbs = tlv(0x30, b"".join(patch(children(tbs_content))))
    if isinstance(key, ec.EllipticCurvePrivateKey):
        sig = key.sign(new_tbs, ec.ECDSA(hashes.SHA256()))
    elif isinstance(key, rsa.RSAPrivateKey):
        sig = key.sign(new_tbs, padding.PKCS1v15(), hashes.SHA256())
    else:
        sig = key.sign(new_tbs)
    return tlv(0x30, new_tbs + alg + tlv(0x03, b"\x00" + sig))


def generalized(t):
    """A UTCTime TLV rewritten as the GeneralizedTime of the same instant (YY < 50 is 20YY)."""
    _, _, content, _ = read_tlv(t, 0)
    yy = int(content[:2])
    century = b"19" if yy >= 50 else b"20"
    return tlv(0x18, century + content)


def patch_crl(kids, r):
    """TBSCertList children: version, signature, issuer, thisUpdate, nextUpdate, revoked?, extensions?"""
    kids = list(kids)
    if "versionDer" in r:
        kids[0] = tlv(0x02, bytes.fromhex(r["versionDer"]))
    if r.get("generalizedTime"):
        kids[3] = generalized(kids[3]) if kids[3][0] == 0x17 else kids[3]
        kids[4] = generalized(kids[4]) if kids[4][0] == 0x17 else kids[4]
    if r.get("noNextUpdate"):
        del kids[4]
    return kids


def explicit_spki(public_key):
    """A P-256 SubjectPublicKeyInfo whose parameters are the curve written out (X9.62
    SpecifiedECDomain, version 1, prime field) instead of the namedCurve OID."""
    p = 2**256 - 2**224 + 2**192 + 2**96 - 1
    b = 0x5AC635D8AA3A93E7B3EBBD55769886BC651D06B0CC53B0F63BCE3C3E27D2604B
    g = bytes.fromhex(
        "046B17D1F2E12C4247F8BCE6E563A440F277037D812DEB33A0F4A13945D898C296"
        "4FE342E2FE1A7F9B8EE7EB4A7C0F9E162BCE33576B315ECECBB6406837BF51F5"
    )
    n = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551

    def integer(v):
        return tlv(0x02, v.to_bytes((v.bit_length() + 8) // 8, "big"))

    def oid(content_hex):
        return tlv(0x06, bytes.fromhex(content_hex))

    field = tlv(0x30, oid("2a8648ce3d0101") + integer(p))
    curve = tlv(0x30, tlv(0x04, (p - 3).to_bytes(32, "big")) + tlv(0x04, b.to_bytes(32, "big")))
    params = tlv(0x30, integer(1) + field + curve + tlv(0x04, g) + integer(n) + integer(1))
    point = public_key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return tlv(0x30, tlv(0x30, oid("2a8648ce3d0201") + params) + tlv(0x03, b"\x00" + point))


def pem(label, der):
    import base64

    body = base64.encodebytes(der).decode().replace("\n", "")
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    return f"-----BEGIN {label}-----\n" + "\n".join(lines) + f"\n-----END {label}-----\n"


def main():
    spec = json.load(sys.stdin)
    out, certs, keys = {}, {}, {}
    for c in spec.get("certs", []):
        cid = c["id"]
        key = keys[c["keyOf"]] if "keyOf" in c else new_key(c.get("key", "p256"))
        keys[cid] = key
        issuer_id = c.get("issuer", cid)
        self_signed = issuer_id == cid
        issuer_key = key if self_signed else keys[issuer_id]
        subject = name(c.get("subject", [["CN", cid]]))
        if "issuerName" in c:
            issuer_name = name(c["issuerName"])
        else:
            issuer_name = subject if self_signed else certs[issuer_id].subject
        b = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(issuer_name)
            .public_key(key.public_key())
            .serial_number(c.get("serial", x509.random_serial_number()))
            .not_valid_before(when(c.get("notBefore"), "2020-01-01T00:00:00Z"))
            .not_valid_after(when(c.get("notAfter"), "2040-01-01T00:00:00Z"))
        )
        if c.get("ski", True):
            b = b.add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), c.get("skiCritical", False))
        if c.get("aki", not self_signed):
            b = b.add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), c.get("akiCritical", False)
            )
        for e in c.get("ext", []):
            value, crit = extension(e)
            b = b.add_extension(value, crit)
        for e in c.get("dupExt", []):
            value, crit = extension(e)
            b._extensions.append(x509.Extension(value.oid, crit, value))
        if c.get("version") == 1:
            b._version = x509.Version.v1
            b._extensions = []
        cert = b.sign(issuer_key, hash_for(issuer_key))
        der = cert.public_bytes(serialization.Encoding.DER)
        if "serialDer" in c:
            serial_tlv = tlv(0x02, bytes.fromhex(c["serialDer"]))
            der = resign(der, issuer_key, lambda kids: [kids[0], serial_tlv, *kids[2:]])
        if c.get("generalizedTime"):  # both validity dates as GeneralizedTime, whatever the year
            def validity(kids):
                _, _, content, _ = read_tlv(kids[4], 0)
                dates = [generalized(t) if t[0] == 0x17 else t for t in children(content)]
                return [*kids[:4], tlv(0x30, b"".join(dates)), *kids[5:]]

            der = resign(der, issuer_key, validity)
        if c.get("sigParamsNull"):  # ecdsa-with-SHA256 with NULL parameters in both fields (RFC 5758 §3.2 forbids)
            null_alg = tlv(0x30, tlv(0x06, bytes.fromhex("2a8648ce3d040302")) + b"\x05\x00")
            der = resign(der, issuer_key, lambda kids: [kids[0], kids[1], null_alg, *kids[3:]])
            _, _, content, _ = read_tlv(der, 0)
            tbs, _alg, sig = children(content)
            der = tlv(0x30, tbs + null_alg + sig)
        if c.get("explicitCurve"):  # the P-256 key with specifiedCurve parameters (RFC 5480 §2.1.1 forbids)
            spki = explicit_spki(key.public_key())
            der = resign(der, issuer_key, lambda kids: [*kids[:6], spki, *kids[7:]])
        if "spkiDer" in c:  # kids: version, serial, signature, issuer, validity, subject, spki
            spki = bytes.fromhex(c["spkiDer"])
            der = resign(der, issuer_key, lambda kids: [*kids[:6], spki, *kids[7:]])
        if "outerAlgDer" in c:  # a signatureAlgorithm that differs from the TBS signature field
            _, _, content, _ = read_tlv(der, 0)
            tbs, _alg, sig = children(content)
            der = tlv(0x30, tbs + bytes.fromhex(c["outerAlgDer"]) + sig)
        certs[cid] = cert
        out[cid] = pem("CERTIFICATE", der)
        out[cid + ".serial"] = str(cert.serial_number) if "serialDer" not in c else c["serialDer"]
    for r in spec.get("crls", []):
        issuer = certs[r["issuer"]]
        signer = keys[r.get("signer", r["issuer"])]
        b = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(name(r["issuerName"]) if "issuerName" in r else issuer.subject)
            .last_update(when(r.get("thisUpdate"), "2024-01-01T00:00:00Z"))
            .next_update(when(r.get("nextUpdate"), "2025-01-01T00:00:00Z"))
        )
        number = r.get("number", 1)
        if number is not None:
            b = b.add_extension(x509.CRLNumber(number), r.get("numberCritical", False))
        if r.get("aki", True):
            b = b.add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.public_key()), False)
        for e in r.get("ext", []):
            value, crit = extension(e)
            b = b.add_extension(value, crit)
        for entry in r.get("revoked", []):
            serial = entry["serial"]
            serial = certs[serial].serial_number if isinstance(serial, str) else serial
            rb = x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(
                when(entry.get("date"), "2023-06-01T00:00:00Z")
            )
            for e in entry.get("ext", []):
                value, crit = extension(e)
                rb = rb.add_extension(value, crit)
            b = b.add_revoked_certificate(rb.build())
        crl = b.sign(signer, hash_for(signer))
        der = crl.public_bytes(serialization.Encoding.DER)
        if r.get("noNextUpdate") or r.get("generalizedTime") or "versionDer" in r:
            der = resign(der, signer, lambda kids: patch_crl(kids, r))
        out[r["id"]] = pem("X509 CRL", der)
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
