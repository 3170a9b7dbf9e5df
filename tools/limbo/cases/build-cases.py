#!/usr/bin/env python3
"""
nodeid's own x509-limbo-format cases: rules of RFC 5280 §4/§6 and of the CA/Browser Forum
Baseline Requirements that the public half of x509-limbo does not exercise, each built with
pyca/cryptography (a real peer's encoder, never nodeid's issuance) and each expectation taken
from the cited section, not from what nodeid does.

    python3 tools/limbo/cases/build-cases.py | pnpm -s limbo

Keys are EC P-256 from fixed scalars (one RSA key is generated on each run), serials and dates
are fixed, so the cases mean the same on every run (ECDSA signatures are randomised; no case
depends on them). It runs on Debian's python3-cryptography (38) as on newer releases.
The ids use limbo's namespaces (`rfc5280::`, `webpki::`), so the harness picks the same profile
as for limbo's own cases; the `nodeid::` after the namespace keeps them apart from limbo's ids.
"""

import ipaddress
import json
import sys
from datetime import datetime, timezone

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

NOT_BEFORE = datetime(2020, 1, 1, tzinfo=timezone.utc)
NOT_AFTER = datetime(2040, 1, 1, tzinfo=timezone.utc)
AT = "2025-01-01T00:00:00Z"
UNKNOWN_OID = x509.ObjectIdentifier("1.3.6.1.4.1.55738.666.1")

_keys = {}


def key(i):
    if i not in _keys:
        _keys[i] = ec.derive_private_key(0x1000 + i * 7919, ec.SECP256R1())
    return _keys[i]


def name(cn):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)]) if cn is not None else x509.Name([])


def ku(**bits):
    fields = dict(
        digital_signature=False,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=False,
        crl_sign=False,
        encipher_only=False,
        decipher_only=False,
    )
    fields.update(bits)
    return x509.KeyUsage(**fields)


def ski(k):
    return x509.SubjectKeyIdentifier.from_public_key(k.public_key())


def aki(k):
    return x509.AuthorityKeyIdentifier.from_issuer_public_key(k.public_key())


class Cert:
    def __init__(self, cert, k):
        self.cert = cert
        self.key = k

    def pem(self):
        return self.cert.public_bytes(serialization.Encoding.PEM).decode()


_serial = [1000]


def make(subject, k, issuer=None, exts=(), serial=None, not_before=NOT_BEFORE, not_after=NOT_AFTER, issuer_name=None):
    """One certificate. `exts` is a list of (extension value, critical); None entries are dropped."""
    _serial[0] += 1
    b = x509.CertificateBuilder()
    b = b.subject_name(subject)
    b = b.issuer_name(issuer_name if issuer_name is not None else (issuer.cert.subject if issuer else subject))
    b = b.public_key(k.public_key())
    b = b.serial_number(serial if serial is not None else _serial[0])
    b = b.not_valid_before(not_before).not_valid_after(not_after)
    for e in exts:
        if e is None:
            continue
        b = b.add_extension(e[0], critical=e[1])
    signer = issuer.key if issuer else k
    return Cert(b.sign(signer, hashes.SHA256()), k)


def root(cn="nodeid-root", k=1, bc=(x509.BasicConstraints(True, None), True), keyusage="default", extra=(), ski_=True, **kw):
    kk = key(k)
    exts = [bc]
    # non-critical, as x509-limbo's builders write it (BR 7.1.2.10.7 asks for critical; limbo's
    # cases expect such CAs to be accepted, and so does nodeid)
    exts.append((ku(key_cert_sign=True, crl_sign=True), False) if keyusage == "default" else keyusage)
    if ski_:
        exts.append((ski(kk), False))
    exts.extend(extra)
    return make(name(cn), kk, None, exts, **kw)


def ica(issuer, cn="nodeid-ica", k=2, pathlen=None, bc="default", keyusage="default", extra=(), ski_=True, aki_=True, **kw):
    kk = key(k)
    exts = [(x509.BasicConstraints(True, pathlen), True) if bc == "default" else bc]
    # non-critical, as x509-limbo's builders write it (BR 7.1.2.10.7 asks for critical; limbo's
    # cases expect such CAs to be accepted, and so does nodeid)
    exts.append((ku(key_cert_sign=True, crl_sign=True), False) if keyusage == "default" else keyusage)
    if ski_:
        exts.append((ski(kk), False))
    if aki_:
        exts.append((aki(issuer.key), False))
    exts.extend(extra)
    return make(name(cn), kk, issuer, exts, **kw)


def leaf(issuer, cn="example.com", k=9, san="default", eku="default", keyusage="default", bc=None, extra=(), aki_=True, **kw):
    kk = key(k)
    exts = []
    if bc is not None:
        exts.append(bc)
    if san == "default":
        exts.append((x509.SubjectAlternativeName([x509.DNSName("example.com")]), False))
    elif san is not None:
        exts.append(san)
    if eku == "default":
        exts.append((x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False))
    elif eku is not None:
        exts.append(eku)
    if keyusage == "default":
        exts.append((ku(digital_signature=True), True))
    elif keyusage is not None:
        exts.append(keyusage)
    if aki_:
        exts.append((aki(issuer.key), False))
    exts.extend(extra)
    return make(name(cn), kk, issuer, exts, **kw)


def dns_san(*names):
    return (x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), False)


def nc(permitted=None, excluded=None, critical=True):
    return (x509.NameConstraints(permitted_subtrees=permitted, excluded_subtrees=excluded), critical)


CASES = []


def case(id_, description, expected, trusted, peer, intermediates=(), peer_name=("DNS", "example.com"), **extra):
    t = {
        "id": id_,
        "conflicts_with": [],
        "features": [],
        "importance": "undetermined",
        "description": description,
        "validation_kind": "SERVER",
        "trusted_certs": [c.pem() for c in trusted],
        "untrusted_intermediates": [c.pem() for c in intermediates],
        "peer_certificate": peer.pem(),
        "peer_certificate_key": None,
        "validation_time": AT,
        "signature_algorithms": [],
        "key_usage": [],
        "extended_key_usage": [],
        "expected_result": expected,
        "expected_peer_name": {"kind": peer_name[0], "value": peer_name[1]} if peer_name else None,
        "expected_peer_names": [],
        "max_chain_depth": None,
        "crls": [],
    }
    t.update(extra)
    CASES.append(t)


# --- the cases ---------------------------------------------------------------------------------
R = "rfc5280::nodeid::"
W = "webpki::nodeid::"
IP = x509.IPAddress
DN = x509.DNSName
EM = x509.RFC822Name
URI = x509.UniformResourceIdentifier

# §4.2: "A certificate-using system MUST reject the certificate if it encounters a critical
# extension it does not recognize"; an unknown non-critical one is ignored.
r = root()
case(R + "unknown-critical-extension-ee", "RFC 5280 §4.2: unknown critical extension in the EE", "FAILURE", [r],
     leaf(r, extra=[(x509.UnrecognizedExtension(UNKNOWN_OID, b""), True)]))
case(R + "unknown-noncritical-extension-ee", "RFC 5280 §4.2: unknown non-critical extension is ignored", "SUCCESS", [r],
     leaf(r, extra=[(x509.UnrecognizedExtension(UNKNOWN_OID, b""), False)]))
i = ica(r, extra=[(x509.UnrecognizedExtension(UNKNOWN_OID, b""), True)])
case(R + "unknown-critical-extension-intermediate", "RFC 5280 §4.2: unknown critical extension in the ICA", "FAILURE", [r], leaf(i), [i])

# §4.2.1.9: basicConstraints MUST be present and critical in CA certificates; §6.1.4 (k).
r2 = root(bc=None)
case(R + "root-missing-basic-constraints", "RFC 5280 §4.2.1.9: root without basicConstraints", "FAILURE", [r2], leaf(r2))
r3 = root(bc=(x509.BasicConstraints(True, None), False))
case(R + "root-non-critical-basic-constraints", "RFC 5280 §4.2.1.9: root with non-critical basicConstraints", "FAILURE", [r3], leaf(r3))
case(R + "leaf-ku-keycertsign", "RFC 5280 §4.2.1.9: cA FALSE with keyCertSign", "FAILURE", [r],
     leaf(r, bc=(x509.BasicConstraints(False, None), True), keyusage=(ku(digital_signature=True, key_cert_sign=True), True)))
case(R + "no-keyusage", "RFC 5280 §4.2.1.3: keyUsage is optional in an EE", "SUCCESS", [r], leaf(r, keyusage=None))
i = ica(r, keyusage=(ku(digital_signature=True), True))
case(R + "ica-ku-without-keycertsign", "RFC 5280 §6.1.4 (n): keyUsage present without keyCertSign", "FAILURE", [r], leaf(i), [i])
case(R + "ica-bc-ca-false", "RFC 5280 §6.1.4 (k): cA FALSE", "FAILURE", [r], leaf(ica(r, bc=(x509.BasicConstraints(False, None), True), keyusage=(ku(digital_signature=True), True))),
     [ica(r, bc=(x509.BasicConstraints(False, None), True), keyusage=(ku(digital_signature=True), True))])
ca_leaf = ica(r, extra=[dns_san("ca.example.com")])
case(R + "ca-as-leaf-wrong-san", "RFC 6125 §6.4: the CA in leaf position has another SAN", "FAILURE", [r], ca_leaf,
     peer_name=("DNS", "other.example.com"))
i = ica(r)
case(R + "root-and-intermediate-swapped", "RFC 5280 §6.1: the ICA is the trust anchor; the root among the intermediates is not needed",
     "SUCCESS", [i], leaf(i), [r])

# §4.2.1.1 AKI: MUST be present in all but self-signed certificates, MUST be non-critical.
case(R + "aki::intermediate-missing-aki", "RFC 5280 §4.2.1.1: ICA without AKI", "FAILURE", [r], leaf(ica(r, aki_=False)), [ica(r, aki_=False)])
i = ica(r, aki_=False, extra=[(aki(r.key), True)])
case(R + "aki::intermediate-critical-aki", "RFC 5280 §4.2.1.1: critical AKI in the ICA", "FAILURE", [r], leaf(i), [i])
# §4.2.1.2 SKI: MUST appear in CA certificates, MUST be non-critical; SHOULD in EE.
r4 = root(ski_=False)
case(R + "ski::root-missing-ski", "RFC 5280 §4.2.1.2: root without SKI", "FAILURE", [r4], leaf(r4))
i = ica(r, ski_=False)
case(R + "ski::intermediate-missing-ski", "RFC 5280 §4.2.1.2: ICA without SKI", "FAILURE", [r], leaf(i), [i])
r5 = root(ski_=False, extra=[(ski(key(1)), True)])
case(R + "ski::critical-ski", "RFC 5280 §4.2.1.2: critical SKI", "FAILURE", [r5], leaf(r5))
case(R + "ski::leaf-missing-ski", "RFC 5280 §4.2.1.2: SKI in an EE is a SHOULD", "SUCCESS", [r], leaf(r))

# §4.1.2.5 validity, inclusive at both ends; every certificate of the path (§6.1.3 (a)(2)).
case(R + "validity::expired-root", "RFC 5280 §6.1.3 (a)(2): the root expired", "FAILURE",
     [root(not_after=datetime(2024, 1, 1, tzinfo=timezone.utc))], leaf(root(not_after=datetime(2024, 1, 1, tzinfo=timezone.utc))))
ie = ica(r, not_after=datetime(2024, 1, 1, tzinfo=timezone.utc))
case(R + "validity::expired-intermediate", "RFC 5280 §6.1.3 (a)(2): the ICA expired", "FAILURE", [r], leaf(ie), [ie])
iy = ica(r, not_before=datetime(2026, 1, 1, tzinfo=timezone.utc))
case(R + "validity::not-yet-valid-intermediate", "RFC 5280 §6.1.3 (a)(2): the ICA is not yet valid", "FAILURE", [r], leaf(iy), [iy])
case(R + "validity::notafter-exact", "RFC 5280 §4.1.2.5: notAfter is inside the validity period", "SUCCESS", [r],
     leaf(r, not_after=datetime(2025, 1, 1, tzinfo=timezone.utc)))
case(R + "validity::expired-1-second", "RFC 5280 §4.1.2.5: one second after notAfter", "FAILURE", [r],
     leaf(r, not_after=datetime(2024, 12, 31, 23, 59, 59, tzinfo=timezone.utc)))

# Path building (§6.1, RFC 4158): several issuers with the subject name; only one holds the key.
good = ica(r, cn="nodeid-twin", k=3)
bad = ica(r, cn="nodeid-twin", k=4)
case(R + "chain::same-name-issuers-second-is-right", "RFC 4158: backtrack over same-name issuers", "SUCCESS", [r], leaf(good), [bad, good])
expired_twin = ica(r, cn="nodeid-twin", k=3, not_after=datetime(2024, 1, 1, tzinfo=timezone.utc))
case(R + "chain::expired-and-valid-cross-sign", "RFC 4158: an expired copy of the issuer beside a valid one", "SUCCESS", [r], leaf(good), [expired_twin, good])
other_root = root(cn="nodeid-root", k=5)
case(R + "chain::root-same-name-other-key", "RFC 5280 §6.1.3 (a)(1): the anchor with the issuer name holds another key", "FAILURE", [other_root], leaf(r))
case(R + "chain::two-anchors-same-name", "RFC 5280 §6.1: one of two same-name anchors holds the key", "SUCCESS", [other_root, r], leaf(r))

# §4.2.1.9 pathLenConstraint and §6.1.4 (l)/(m): self-issued certificates are not counted.
i0 = ica(r, pathlen=0, cn="ica-0", k=2)
i1 = ica(i0, cn="ica-1", k=3)
case(R + "pathlen::pathlen-0-with-ica-below", "RFC 5280 §6.1.4 (l): pathLen 0 with a non-self-issued ICA below", "FAILURE", [r], leaf(i1), [i0, i1])
i1p = ica(r, pathlen=1, cn="ica-0", k=2)
i2p = ica(i1p, pathlen=0, cn="ica-1", k=3)
case(R + "pathlen::pathlen-1-two-icas", "RFC 5280 §6.1.4 (m): pathLen 1, then pathLen 0", "SUCCESS", [r], leaf(i2p), [i1p, i2p])
i3p = ica(i2p, cn="ica-2", k=4)
case(R + "pathlen::pathlen-1-three-icas", "RFC 5280 §6.1.4 (l): pathLen 1 with two ICAs below", "FAILURE", [r], leaf(i3p), [i1p, i2p, i3p])
r0 = root(bc=(x509.BasicConstraints(True, 0), True))
case(R + "pathlen::root-pathlen-0-direct-leaf", "RFC 5280 §4.2.1.9: pathLen 0 allows EE certificates", "SUCCESS", [r0], leaf(r0))
ir = ica(r0)
case(R + "pathlen::root-pathlen-0-ica", "RFC 5280 §6.1.4 (l): the root's pathLen 0 applies to the ICA below", "FAILURE", [r0], leaf(ir), [ir])

# §4.2.1.10 name constraints, per name form.
def nc_case(cid, desc, expected, cons, lf_kw=None, peer=("DNS", "example.com"), on_root=False, self_issued=False):
    lf_kw = lf_kw or {}
    if on_root:
        rr = root(extra=[cons])
        case(R + "nc::" + cid, desc, expected, [rr], leaf(rr, **lf_kw), peer_name=peer)
        return
    ii = ica(r, extra=[cons])
    chain = [ii]
    issuer = ii
    if self_issued:
        si = ica(ii, cn="nodeid-ica", k=6)
        chain.append(si)
        issuer = si
    case(R + "nc::" + cid, desc, expected, [r], leaf(issuer, **lf_kw), chain, peer_name=peer)

nc_case("permitted-dns-label-boundary", "RFC 5280 §4.2.1.10: example.com does not permit notexample.com", "FAILURE",
        nc([DN("example.com")]), {"san": dns_san("notexample.com"), "cn": "notexample.com"}, ("DNS", "notexample.com"))
nc_case("permitted-dns-subdomain", "RFC 5280 §4.2.1.10: example.com permits www.example.com", "SUCCESS",
        nc([DN("example.com")]), {"san": dns_san("www.example.com"), "cn": "www.example.com"}, ("DNS", "www.example.com"))
nc_case("permitted-dns-other-san-outside", "RFC 5280 §6.1.3 (b): every SAN must be within the permitted subtree", "FAILURE",
        nc([DN("example.com")]), {"san": dns_san("example.com", "example.org")})
nc_case("permitted-dns-case-insensitive", "RFC 5280 §4.2.1.10 / §7.2: DNS constraints compare case-insensitively", "SUCCESS",
        nc([DN("EXAMPLE.com")]), {"san": dns_san("www.example.COM"), "cn": "www.example.COM"}, ("DNS", "www.example.com"))
nc_case("excluded-dns-case-insensitive", "RFC 5280 §4.2.1.10: an excluded subtree matches whatever the letter case", "FAILURE",
        nc(None, [DN("EXAMPLE.COM")]))
nc_case("permitted-dns-ip-san-unconstrained", "RFC 5280 §4.2.1.10: a DNS constraint says nothing about iPAddress names", "SUCCESS",
        nc([DN("example.org")]), {"san": (x509.SubjectAlternativeName([IP(ipaddress.ip_address("192.0.2.7"))]), False), "cn": "192.0.2.7"},
        ("IP", "192.0.2.7"))
nc_case("permitted-ipv4-mismatch", "RFC 5280 §4.2.1.10: 192.0.2.0/24 does not permit 198.51.100.1", "FAILURE",
        nc([IP(ipaddress.ip_network("192.0.2.0/24"))]),
        {"san": (x509.SubjectAlternativeName([IP(ipaddress.ip_address("198.51.100.1"))]), False), "cn": "198.51.100.1"}, ("IP", "198.51.100.1"))
nc_case("permitted-ipv6-match", "RFC 5280 §4.2.1.10: 2001:db8::/32 permits 2001:db8::1", "SUCCESS",
        nc([IP(ipaddress.ip_network("2001:db8::/32"))]),
        {"san": (x509.SubjectAlternativeName([IP(ipaddress.ip_address("2001:db8::1"))]), False), "cn": "2001:db8::1"}, ("IP", "2001:db8::1"))
nc_case("excluded-ipv6-match", "RFC 5280 §4.2.1.10: excluded 2001:db8::/32", "FAILURE",
        nc(None, [IP(ipaddress.ip_network("2001:db8::/32"))]),
        {"san": (x509.SubjectAlternativeName([IP(ipaddress.ip_address("2001:db8::1"))]), False), "cn": "2001:db8::1"}, ("IP", "2001:db8::1"))
nc_case("permitted-ipv4-ipv6-san", "RFC 5280 §4.2.1.10: an IPv4 subtree does not permit an IPv6 address", "FAILURE",
        nc([IP(ipaddress.ip_network("192.0.2.0/24"))]),
        {"san": (x509.SubjectAlternativeName([IP(ipaddress.ip_address("2001:db8::1"))]), False), "cn": "2001:db8::1"}, ("IP", "2001:db8::1"))
nc_case("excluded-all-ipv4", "RFC 5280 §4.2.1.10: excluded 0.0.0.0/0", "FAILURE",
        nc(None, [IP(ipaddress.ip_network("0.0.0.0/0"))]),
        {"san": (x509.SubjectAlternativeName([DN("example.com"), IP(ipaddress.ip_address("192.0.2.7"))]), False)})
nc_case("permitted-dn-subject-mismatch", "RFC 5280 §4.2.1.10: a directoryName subtree constrains the subject", "FAILURE",
        nc([x509.DirectoryName(x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Example")]))]))
nc_case("permitted-dn-subject-match", "RFC 5280 §4.2.1.10: the subject is under O=Example", "SUCCESS",
        nc([x509.DirectoryName(x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Example")]))]))
CASES[-1]["peer_certificate"] = make(x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Example"), x509.NameAttribute(NameOID.COMMON_NAME, "example.com")]),
                                     key(9), CASES and ica(r, extra=[nc([x509.DirectoryName(x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Example")]))])]),
                                     [dns_san("example.com"), (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False),
                                      (ku(digital_signature=True), True), (aki(key(2)), False)]).pem()
nc_case("excluded-email-in-subject", "RFC 5280 §4.2.1.10: with no rfc822Name SAN, an rfc822Name constraint applies to the subject's emailAddress",
        "FAILURE", nc(None, [EM("evil.example")]))
sub = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "example.com"), x509.NameAttribute(NameOID.EMAIL_ADDRESS, "admin@evil.example")])
ie = ica(r, extra=[nc(None, [EM("evil.example")])])
CASES[-1]["untrusted_intermediates"] = [ie.pem()]
CASES[-1]["peer_certificate"] = make(sub, key(9), ie, [dns_san("example.com"), (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False),
                                     (ku(digital_signature=True), True), (aki(key(2)), False)]).pem()
nc_case("permitted-email-subdomains-only", "RFC 5280 §4.2.1.10: .example.com permits mailboxes on subdomains, not on example.com", "FAILURE",
        nc([EM(".example.com"), DN("example.com")]),
        {"san": (x509.SubjectAlternativeName([DN("example.com"), EM("user@example.com")]), False)})
nc_case("permitted-email-subdomain-match", "RFC 5280 §4.2.1.10: .example.com permits user@mail.example.com", "SUCCESS",
        nc([EM(".example.com"), DN("example.com")]),
        {"san": (x509.SubjectAlternativeName([DN("example.com"), EM("user@mail.example.com")]), False)})
nc_case("permitted-uri-host-exact", "RFC 5280 §4.2.1.10: a URI constraint host.example.com does not permit sub.host.example.com", "FAILURE",
        nc([URI("host.example.com"), DN("example.com")]),
        {"san": (x509.SubjectAlternativeName([DN("example.com"), URI("https://sub.host.example.com/x")]), False)})
nc_case("permitted-uri-subdomains", "RFC 5280 §4.2.1.10: a URI constraint .example.com permits https://www.example.com/", "SUCCESS",
        nc([URI(".example.com"), DN("example.com")]),
        {"san": (x509.SubjectAlternativeName([DN("example.com"), URI("https://www.example.com/x")]), False)})
nc_case("self-issued-exempt", "RFC 5280 §6.1.3 (b): a self-issued intermediate's names are not checked, the leaf's are", "FAILURE",
        nc(None, [DN("example.com")]), self_issued=True)
nc_case("root-excluded-dns", "RFC 5280 §6.1: constraints in the trust anchor apply (as x509-limbo reads the anchor)", "FAILURE",
        nc(None, [DN("example.com")]), on_root=True)

# More §4.2.1.10 / §6.1.3 (b), (c) cases, in the shapes x509-limbo's generator uses.
def raw_nc(permitted_der=b"", excluded_der=b""):
    """A NameConstraints written by hand: pyca refuses malformed subtrees."""
    def seq(tag, body):
        return bytes([tag]) + der_len(len(body)) + body
    body = b""
    if permitted_der:
        body += seq(0xA0, permitted_der)
    if excluded_der:
        body += seq(0xA1, excluded_der)
    return x509.UnrecognizedExtension(x509.oid.ExtensionOID.NAME_CONSTRAINTS, seq(0x30, body))

def der_len(n):
    if n < 0x80:
        return bytes([n])
    b = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(b)]) + b

def subtree(tag, value):
    """GeneralSubtree { base [tag] value }"""
    inner = bytes([tag]) + der_len(len(value)) + value
    return b"\x30" + der_len(len(inner)) + inner

def ip_san(*addrs):
    return (x509.SubjectAlternativeName([IP(ipaddress.ip_address(a)) for a in addrs]), False)

rr = root(extra=[(raw_nc(subtree(0x82, b"*.example.com")), True)])
case(R + "nc::invalid-dnsname-wildcard", "RFC 5280 §4.2.1.10: a dNSName constraint is a host name, never a wildcard pattern", "FAILURE",
     [rr], leaf(rr, san=dns_san("foo.example.com"), cn="foo.example.com"), peer_name=("DNS", "foo.example.com"))
rr = root(extra=[(raw_nc(subtree(0x87, bytes([127, 0, 0, 1]))), True)])
case(R + "nc::invalid-ipv4-constraint-no-mask", "RFC 5280 §4.2.1.10: an IPv4 constraint is 8 octets (address and mask)", "FAILURE",
     [rr], leaf(rr, san=ip_san("127.0.0.1"), cn="127.0.0.1"), peer_name=("IP", "127.0.0.1"))
rr = root(extra=[(raw_nc(subtree(0x87, bytes(15) + b"\x01")), True)])
case(R + "nc::invalid-ipv6-constraint-no-mask", "RFC 5280 §4.2.1.10: an IPv6 constraint is 32 octets", "FAILURE",
     [rr], leaf(rr, san=ip_san("::1"), cn="::1"), peer_name=("IP", "::1"))
rr = root(extra=[(raw_nc(subtree(0x87, bytes([192, 0, 2, 0, 255, 0, 255, 0]))), True)])
case(R + "nc::invalid-ipv4-noncontiguous-mask", "RFC 5280 §4.2.1.10 (RFC 4632 CIDR): a mask with a gap is no CIDR block", "FAILURE",
     [rr], leaf(rr, san=ip_san("192.0.2.1"), cn="192.0.2.1"), peer_name=("IP", "192.0.2.1"))
rr = root(extra=[(raw_nc(subtree(0x87, bytes([192, 0, 2, 1, 255, 255, 255, 0]))), True)])
case(R + "nc::ipv4-constraint-host-bits-set", "RFC 5280 §4.2.1.10: 192.0.2.1/24 still names the /24 block (address masked)", "SUCCESS",
     [rr], leaf(rr, san=ip_san("192.0.2.77"), cn="192.0.2.77"), peer_name=("IP", "192.0.2.77"))

nsub = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "not-example.com")])
rr = make(nsub, key(11), None, [(x509.BasicConstraints(True, None), True), (ku(key_cert_sign=True, crl_sign=True), True), (ski(key(11)), False),
                                dns_san("not-example.com"), nc([DN("example.com")])])
rr = Cert(rr.cert, key(11))
si = make(nsub, key(12), rr, [(x509.BasicConstraints(True, None), True), (ku(key_cert_sign=True, crl_sign=True), True), (ski(key(12)), False),
                             (aki(key(11)), False), dns_san("not-example.com")])
case(R + "nc::permitted-self-issued-ica", "RFC 5280 §6.1.3 (b): a self-issued ICA outside the permitted subtree is not checked", "SUCCESS",
     [rr], leaf(si), [si])
ri = root(extra=[nc([DN("example.com")])])
ii = ica(ri, cn="not-example.com", extra=[dns_san("not-example.com")])
sl = make(nsub, key(9), ii, [dns_san("not-example.com"), (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False),
                            (ku(digital_signature=True), True), (aki(key(2)), False)])
case(R + "nc::excluded-self-issued-leaf", "RFC 5280 §6.1.3 (b): a self-issued final certificate is checked", "FAILURE", [ri], sl, [ii],
     peer_name=("DNS", "not-example.com"))

i1 = ica(r, cn="ica-1", k=2, extra=[nc([DN("foo.example.com"), DN("bar.example.com")])])
i2 = ica(i1, cn="ica-2", k=3, extra=[nc([DN("bar.example.com")])])
case(R + "nc::restrictive-permits-narrow", "RFC 5280 §6.1.4 (g): permitted subtrees intersect down the path", "FAILURE", [r],
     leaf(i2, san=dns_san("foo.example.com"), cn="foo.example.com"), [i1, i2], peer_name=("DNS", "foo.example.com"))
i1 = ica(r, cn="ica-1", k=2, extra=[nc([DN("bar.example.com")])])
i2 = ica(i1, cn="ica-2", k=3, extra=[nc([DN("foo.example.com"), DN("bar.example.com")])])
case(R + "nc::restrictive-permits-widen", "RFC 5280 §6.1.4 (g): a later CA cannot widen the permitted subtrees", "FAILURE", [r],
     leaf(i2, san=dns_san("foo.example.com"), cn="foo.example.com"), [i1, i2], peer_name=("DNS", "foo.example.com"))
i1 = ica(r, cn="ica-1", k=2, extra=[nc(None, [DN("forbidden.example.com")])])
i2 = ica(i1, cn="ica-2", k=3, extra=[dns_san("forbidden.example.com")])
case(R + "nc::ica-san-excluded", "RFC 5280 §6.1.3 (b): an ICA's own SAN under an excluded subtree", "FAILURE", [r],
     leaf(i2), [i1, i2])
case(R + "nc::permitted-different-constraint-type-email", "RFC 5280 §4.2.1.10: an rfc822Name constraint does not restrict dNSNames", "SUCCESS",
     [root(extra=[nc([EM("example.org")])])], leaf(root(extra=[nc([EM("example.org")])])))
rr = root(extra=[nc(None, [IP(ipaddress.ip_network("192.0.2.0/24"))])])
case(R + "nc::excluded-different-constraint-type", "RFC 5280 §4.2.1.10: an iPAddress exclusion does not restrict dNSNames", "SUCCESS", [rr], leaf(rr))
# a DNS-ID that is an IP literal written as a dNSName is not an IP address for the constraint
rr = root(extra=[nc([DN("example.com")])])
case(R + "nc::permitted-dns-empty-san-dns-entry", "RFC 5280 §4.2.1.10: a SAN with no dNSName inside the permitted DNS subtree, only a URI host", "FAILURE",
     [rr], leaf(rr, san=(x509.SubjectAlternativeName([DN("example.com"), URI("https://evil.example/")]), False)))
CASES.pop()  # URI names are a different form: a DNS constraint says nothing about them (kept out)

# §4.2.1.11 policyConstraints MUST be critical (x509-limbo reads it as a path rule under strict).
i = ica(r, extra=[(x509.PolicyConstraints(require_explicit_policy=3, inhibit_policy_mapping=None), False)])
case(R + "pc::ica-noncritical-pc", "RFC 5280 §4.2.1.11: policyConstraints MUST be critical", "FAILURE", [r], leaf(i), [i])
# §4.1.2.5 the validation time is floored to the second the dates are written in
nb = datetime(2024, 3, 1, 0, 0, 1, tzinfo=timezone.utc)
rv = root(not_before=nb)
case(R + "validity::notbefore-fractional", "RFC 5280 §4.1.2.5: 0.999 s before notBefore", "FAILURE", [rv], leaf(rv, not_before=nb),
     validation_time="2024-03-01T00:00:00.999Z")

# --- Web PKI (policy: 'webpki'): CA/Browser Forum Baseline Requirements rules -------------------
from cryptography.hazmat.primitives.asymmetric import dsa, rsa  # noqa: E402

SA = ["serverAuth"]
PRECERT = x509.ObjectIdentifier("1.3.6.1.4.1.11129.2.4.4")
wr = root(cn="nodeid-web-root", k=21)

def web(cid, desc, expected, lf=None, trusted=None, chain=(), peer=("DNS", "example.com"), **extra):
    case(W + cid, desc, expected, trusted or [wr], lf or leaf(wr), chain, peer_name=peer, extended_key_usage=SA, **extra)

def eku_leaf(*oids, critical=False):
    return leaf(wr, eku=(x509.ExtendedKeyUsage(list(oids)), critical))

web("eku::ee-serverauth-with-clientauth", "BR 7.1.2.7.10: serverAuth MUST, clientAuth MAY", "SUCCESS",
    eku_leaf(ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH))
for oid, nm in [(ExtendedKeyUsageOID.CODE_SIGNING, "codesigning"), (ExtendedKeyUsageOID.EMAIL_PROTECTION, "emailprotection"),
                (ExtendedKeyUsageOID.TIME_STAMPING, "timestamping"), (ExtendedKeyUsageOID.OCSP_SIGNING, "ocspsigning"),
                (ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE, "anyeku"), (PRECERT, "precertificate")]:
    web(f"eku::ee-{nm}-with-serverauth", f"BR 7.1.2.7.10: {nm} MUST NOT be in a TLS subscriber certificate", "FAILURE",
        eku_leaf(ExtendedKeyUsageOID.SERVER_AUTH, oid))
web("eku::ee-precertificate-only", "BR 7.1.2.7.10 / RFC 6962 §3.1: the precertificate signing EKU alone", "FAILURE", eku_leaf(PRECERT))
web("eku::ee-clientauth-only", "BR 7.1.2.7.10: serverAuth MUST be present", "FAILURE", eku_leaf(ExtendedKeyUsageOID.CLIENT_AUTH))
web("eku::ee-critical-eku", "BR 7.1.2.7.6: extKeyUsage is not critical", "FAILURE", eku_leaf(ExtendedKeyUsageOID.SERVER_AUTH, critical=True))
web("eku::ee-without-eku", "BR 7.1.2.7.6: extKeyUsage MUST be present", "FAILURE", leaf(wr, eku=None))
wi = ica(wr, cn="nodeid-web-ica", k=22, extra=[(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), False)])
web("eku::ica-clientauth-only", "BR 7.1.2.10.6: a TLS subordinate CA's EKU includes serverAuth", "FAILURE", leaf(wi), chain=[wi])
wi = ica(wr, cn="nodeid-web-ica", k=22, extra=[(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False)])
web("eku::ica-serverauth", "BR 7.1.2.10.6: a TLS subordinate CA with serverAuth", "SUCCESS", leaf(wi), chain=[wi])

web("exact-san", "RFC 6125 §6.4.1", "SUCCESS")
web("mismatch-domain-san", "RFC 6125 §6.4.1: example.com is not example2.com", "FAILURE", peer=("DNS", "example2.com"))
web("mismatch-subdomain-apex-san", "RFC 6125 §6.4.1: example.com does not match abc.example.com", "FAILURE", peer=("DNS", "abc.example.com"))
web("leftmost-wildcard-san", "RFC 6125 §6.4.3: *.example.com matches foo.example.com", "SUCCESS",
    leaf(wr, cn="*.example.com", san=dns_san("*.example.com")), peer=("DNS", "foo.example.com"))
web("wildcard-match-across-labels-san", "RFC 6125 §6.4.3: *.example.com does not match foo.bar.example.com", "FAILURE",
    leaf(wr, cn="*.example.com", san=dns_san("*.example.com")), peer=("DNS", "foo.bar.example.com"))
web("wildcard-apex-san", "RFC 6125 §6.4.3: *.example.com does not match example.com", "FAILURE",
    leaf(wr, cn="*.example.com", san=dns_san("*.example.com")), peer=("DNS", "example.com"))
web("public-suffix-wildcard-san", "BR 3.2.2.6: *.com", "FAILURE", leaf(wr, cn="*.com", san=dns_san("*.com")))
web("public-suffix-wildcard-co-uk", "BR 3.2.2.6: *.co.uk", "FAILURE", leaf(wr, cn="*.co.uk", san=dns_san("*.co.uk")),
    peer=("DNS", "example.co.uk"))
web("wildcard-on-registrable-domain", "BR 3.2.2.6: *.example.co.uk is below the suffix", "SUCCESS",
    leaf(wr, cn="*.example.co.uk", san=dns_san("*.example.co.uk")), peer=("DNS", "www.example.co.uk"))
web("unicode-emoji-san", "RFC 5280 §7.2: a dNSName is ASCII (A-labels)", "FAILURE",
    leaf(wr, cn=None, san=(x509.SubjectAlternativeName([x509.DNSName._init_without_validation("\U0001F61C.example.com")]), False)),
    peer=("DNS", "xn--628h.example.com"))
web("root-with-extkeyusage", "BR 7.1.2.1.2: no extKeyUsage in a root", "FAILURE",
    leaf(root(cn="nodeid-web-root", k=21, extra=[(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False)])),
    trusted=[root(cn="nodeid-web-root", k=21, extra=[(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False)])])
web("ip-san-match", "BR 7.1.2.7.12: an iPAddress SAN; CN is its dotted-decimal copy", "SUCCESS",
    leaf(wr, cn="192.0.2.7", san=ip_san("192.0.2.7")), peer=("IP", "192.0.2.7"))
web("ip-in-dns-san", "BR 7.1.2.7.12: a dNSName holds a domain name, not an IP address literal", "FAILURE",
    leaf(wr, cn="192.0.2.7", san=dns_san("192.0.2.7")), peer=("IP", "192.0.2.7"))
web("cn::not-in-san", "BR 7.1.4.3: the CN is one of the SAN values", "FAILURE", leaf(wr, cn="www.example.com"))
web("cn::ipv4-leading-zeros", "BR 7.1.4.3: an IPv4 CN in dotted decimal without leading zeros", "FAILURE",
    leaf(wr, cn="192.0.2.07", san=ip_san("192.0.2.7")), peer=("IP", "192.0.2.7"))
web("cn::ipv6-uppercase", "BR 7.1.4.3 / RFC 5952 §4.3: an IPv6 CN in lower case", "FAILURE",
    leaf(wr, cn="2001:DB8::1", san=ip_san("2001:db8::1")), peer=("IP", "2001:db8::1"))
web("cn::ipv6-uncompressed", "BR 7.1.4.3 / RFC 5952 §4.2: an IPv6 CN with :: compression", "FAILURE",
    leaf(wr, cn="2001:db8:0:0:0:0:0:1", san=ip_san("2001:db8::1")), peer=("IP", "2001:db8::1"))
web("cn::ipv6-rfc5952", "BR 7.1.4.3: an IPv6 CN in RFC 5952 form", "SUCCESS",
    leaf(wr, cn="2001:db8::1", san=ip_san("2001:db8::1")), peer=("IP", "2001:db8::1"))
web("cn::second-san", "BR 7.1.4.3: the CN may copy any one SAN value", "SUCCESS",
    leaf(wr, cn="www.example.com", san=dns_san("example.com", "www.example.com")))
web("san::critical-with-empty-subject", "BR 7.1.2.7.12 / RFC 5280 §4.2.1.6: empty subject, critical SAN", "SUCCESS",
    leaf(wr, cn=None, san=(x509.SubjectAlternativeName([DN("example.com")]), True)))
web("san::noncritical-with-empty-subject", "RFC 5280 §4.2.1.6: with an empty subject the SAN MUST be critical", "FAILURE",
    leaf(wr, cn=None, san=dns_san("example.com")))
web("forbidden-p192-spki-leaf", "BR 6.1.5: P-192 is not allowed", "FAILURE",
    Cert(make(name("example.com"), ec.derive_private_key(77, ec.SECP192R1()), wr,
              [dns_san("example.com"), (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False),
               (ku(digital_signature=True), True), (aki(wr.key), False)]).cert, None))
web("p521-leaf", "BR 6.1.5: P-521 is allowed", "SUCCESS",
    Cert(make(name("example.com"), ec.derive_private_key(77, ec.SECP521R1()), wr,
              [dns_san("example.com"), (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False),
               (ku(digital_signature=True), True), (aki(wr.key), False)]).cert, None))
web("ee-ku-keyencipherment-ecdsa", "BR 7.1.2.7.11: an ECDSA subscriber key MUST NOT assert keyEncipherment", "FAILURE",
    leaf(wr, keyusage=(ku(digital_signature=True, key_encipherment=True), True)))
web("ee-ku-keycertsign", "BR 7.1.2.7.11: a subscriber certificate MUST NOT assert keyCertSign", "FAILURE",
    leaf(wr, keyusage=(ku(digital_signature=True, key_cert_sign=True), True)))
wi = ica(wr, cn="nodeid-web-ica", k=22, aki_=False)
web("aki::ica-missing-aki", "BR 7.1.2.10: AKI MUST be present in a subordinate CA", "FAILURE", leaf(wi), chain=[wi])
web("aki::ee-missing-aki", "BR 7.1.2.7: AKI MUST be present in a subscriber certificate", "FAILURE", leaf(wr, aki_=False))
wi = ica(wr, cn="nodeid-web-ica", k=22, keyusage=None)
web("ku::ica-missing-ku", "BR 7.1.2.10.7: keyUsage MUST be present in a CA", "FAILURE", leaf(wi), chain=[wi])

# --- CRLs (RFC 5280 §5, §6.3.3); the harness runs every case with CRLs under revocation: 'require'
from datetime import timedelta  # noqa: E402

VT = datetime(2024, 1, 1, tzinfo=timezone.utc)

def crl(signer_key, issuer_name, revoked=(), this_update=VT - timedelta(days=1), next_update=VT + timedelta(days=30),
        number=(1, False), extra=(), aki_key="signer"):
    b = x509.CertificateRevocationListBuilder().issuer_name(issuer_name)
    b = b.last_update(this_update).next_update(next_update)
    if number is not None:
        b = b.add_extension(x509.CRLNumber(number[0]), critical=number[1])
    if aki_key is not None:
        k = signer_key if aki_key == "signer" else aki_key
        b = b.add_extension(aki(k), critical=False)
    for e in extra:
        b = b.add_extension(e[0], critical=e[1])
    for r_ in revoked:
        b = b.add_revoked_certificate(r_)
    return b.sign(signer_key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM).decode()

def entry(serial, when=VT - timedelta(days=1), ext_=None):
    b = x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(when)
    if ext_:
        b = b.add_extension(ext_[0], critical=ext_[1])
    return b.build()

cr = root(cn="nodeid-crl-root", k=31)
cl = leaf(cr)
serial = cl.cert.serial_number
C = R + "crl::"
def crl_case(cid, desc, expected, crls, lf=cl, trusted=None):
    case(C + cid, desc, expected, trusted or [cr], lf, crls=crls, validation_time=VT.strftime("%Y-%m-%dT%H:%M:%SZ"))

crl_case("revoked", "RFC 5280 §6.3.3 (i): the leaf's serial is listed", "FAILURE", [crl(cr.key, cr.cert.subject, [entry(serial)])])
crl_case("not-revoked", "RFC 5280 §6.3.3: a current CRL that does not list the leaf", "SUCCESS", [crl(cr.key, cr.cert.subject, [entry(serial + 1)])])
crl_case("empty", "RFC 5280 §5.1.2.6: a CRL with no entries", "SUCCESS", [crl(cr.key, cr.cert.subject)])
crl_case("crlnumber-missing", "RFC 5280 §5.2.3: cRLNumber MUST be present", "FAILURE", [crl(cr.key, cr.cert.subject, number=None)])
crl_case("crlnumber-critical", "RFC 5280 §5.2.3: cRLNumber MUST be non-critical", "FAILURE", [crl(cr.key, cr.cert.subject, number=(5, True))])
crl_case("unknown-critical-extension", "RFC 5280 §5.2: a CRL with an unknown critical extension is not used", "FAILURE",
         [crl(cr.key, cr.cert.subject, extra=[(x509.UnrecognizedExtension(UNKNOWN_OID, b""), True)])])
crl_case("unknown-noncritical-extension", "RFC 5280 §5.2: unknown non-critical CRL extensions are ignored", "SUCCESS",
         [crl(cr.key, cr.cert.subject, extra=[(x509.UnrecognizedExtension(UNKNOWN_OID, b""), False)])])
crl_case("entry-unknown-critical-extension", "RFC 5280 §5.3: an entry with an unknown critical extension", "FAILURE",
         [crl(cr.key, cr.cert.subject, [entry(serial, ext_=(x509.UnrecognizedExtension(UNKNOWN_OID, b""), True))])])
crl_case("entry-unknown-noncritical-extension", "RFC 5280 §5.3: the entry still revokes", "FAILURE",
         [crl(cr.key, cr.cert.subject, [entry(serial, ext_=(x509.UnrecognizedExtension(UNKNOWN_OID, b""), False))])])
crl_case("other-entry-unknown-noncritical-extension", "RFC 5280 §5.3: an unknown non-critical entry extension (empty extnValue) is ignored; the CRL stays usable", "SUCCESS",
         [crl(cr.key, cr.cert.subject, [entry(serial + 1, ext_=(x509.UnrecognizedExtension(UNKNOWN_OID, b""), False))])])
crl_case("other-entry-unknown-critical-extension", "RFC 5280 §5.3: an unknown critical entry extension makes the CRL unusable", "FAILURE",
         [crl(cr.key, cr.cert.subject, [entry(serial + 1, ext_=(x509.UnrecognizedExtension(UNKNOWN_OID, b""), True))])])
crl_case("this-update-in-future", "RFC 5280 §6.3.3 (a): thisUpdate after the validation time", "FAILURE",
         [crl(cr.key, cr.cert.subject, this_update=VT + timedelta(days=1), next_update=VT + timedelta(days=30))])
crl_case("next-update-in-past", "RFC 5280 §6.3.3 (a)(2): nextUpdate before the validation time", "FAILURE",
         [crl(cr.key, cr.cert.subject, this_update=VT - timedelta(days=60), next_update=VT - timedelta(days=30))])
crl_case("revocation-date-in-future", "RFC 5280 §6.3.3 (i): a listed serial is revoked whatever its revocationDate", "FAILURE",
         [crl(cr.key, cr.cert.subject, [entry(serial, when=VT + timedelta(days=1))])])
crl_case("wrong-signing-key", "RFC 5280 §6.3.3 (g): the CRL's signature does not verify with the issuer's key", "FAILURE",
         [crl(key(32), cr.cert.subject, aki_key=cr.key)])
crl_case("reason-removefromcrl-entry-in-base", "RFC 5280 §5.3.1: removeFromCRL only in delta CRLs; the serial is listed", "FAILURE",
         [crl(cr.key, cr.cert.subject, [entry(serial, ext_=(x509.CRLReason(x509.ReasonFlags.certificate_hold), False))])])
nku = root(cn="nodeid-crl-root", k=31, keyusage=(ku(key_cert_sign=True), False))
crl_case("issuer-missing-crlsign", "RFC 5280 §6.3.3 (f): the CRL issuer's keyUsage lacks cRLSign", "FAILURE",
         [crl(nku.key, nku.cert.subject)], lf=leaf(nku), trusted=[nku])
noku = root(cn="nodeid-crl-root", k=31, keyusage=None)
crl_case("issuer-no-keyusage", "RFC 5280 §6.3.3 (f): cRLSign is checked only when keyUsage is present", "SUCCESS",
         [crl(noku.key, noku.cert.subject)], lf=leaf(noku), trusted=[noku])
other = root(cn="nodeid-other-root", k=33)
crl_case("serial-on-other-issuers-crl", "RFC 5280 §6.3.3 (b)(1): a CRL of another issuer does not revoke", "SUCCESS",
         [crl(cr.key, cr.cert.subject), crl(other.key, other.cert.subject, [entry(serial)])], trusted=[cr, other])
ci = ica(cr, cn="nodeid-crl-ica", k=34)
cil = leaf(ci)
case(C + "intermediate-revoked", "RFC 5280 §6.3: every certificate of the path is checked", "FAILURE", [cr], cil, [ci],
     crls=[crl(cr.key, cr.cert.subject, [entry(ci.cert.serial_number)]), crl(ci.key, ci.cert.subject)],
     validation_time=VT.strftime("%Y-%m-%dT%H:%M:%SZ"))
case(C + "intermediate-crl-missing", "revocation: 'require' — no CRL from the ICA for the leaf", "FAILURE", [cr], cil, [ci],
     crls=[crl(cr.key, cr.cert.subject)], validation_time=VT.strftime("%Y-%m-%dT%H:%M:%SZ"))
case(C + "two-levels-clean", "RFC 5280 §6.3: a current CRL from each issuer, nothing listed", "SUCCESS", [cr], cil, [ci],
     crls=[crl(cr.key, cr.cert.subject), crl(ci.key, ci.cert.subject)], validation_time=VT.strftime("%Y-%m-%dT%H:%M:%SZ"))

def cdp(*uris):
    return (x509.CRLDistributionPoints([x509.DistributionPoint(full_name=[URI(u) for u in uris], relative_name=None, reasons=None,
                                                                crl_issuer=None)]), False)

def idp(full=None, user=False, ca=False, attr=False):
    return (x509.IssuingDistributionPoint(full_name=[URI(u) for u in full] if full else None, relative_name=None,
                                          only_contains_user_certs=user, only_contains_ca_certs=ca, only_some_reasons=None,
                                          indirect_crl=False, only_contains_attribute_certs=attr), True)

P = "http://example.com/partition.crl"
crl_case("idp::cdp-match", "RFC 5280 §6.3.3 (b)(2)(i): the IDP names the certificate's distribution point", "SUCCESS",
         [crl(cr.key, cr.cert.subject, extra=[idp([P])])], lf=leaf(cr, extra=[cdp(P)]))
crl_case("idp::cdp-mismatch", "RFC 5280 §6.3.3 (b)(2)(i): the IDP names another distribution point", "FAILURE",
         [crl(cr.key, cr.cert.subject, extra=[idp(["http://example.com/other.crl"])])], lf=leaf(cr, extra=[cdp(P)]))
crl_case("idp::certificate-without-cdp", "RFC 5280 §6.3.3 (b)(2)(i): a partitioned CRL cannot cover a certificate without cRLDistributionPoints", "FAILURE",
         [crl(cr.key, cr.cert.subject, extra=[idp([P])])])
crl_case("idp::only-ca-certs-ee-target", "RFC 5280 §6.3.3 (b)(2)(iii): onlyContainsCACerts does not cover an EE", "FAILURE",
         [crl(cr.key, cr.cert.subject, extra=[idp(ca=True)])])
crl_case("idp::only-user-certs-ee-target", "RFC 5280 §6.3.3 (b)(2)(ii): onlyContainsUserCerts covers an EE", "SUCCESS",
         [crl(cr.key, cr.cert.subject, extra=[idp(user=True)])])
crl_case("idp::only-attribute-certs", "RFC 5280 §6.3.3 (b)(2)(iv): onlyContainsAttributeCerts covers no public-key certificate", "FAILURE",
         [crl(cr.key, cr.cert.subject, extra=[idp(attr=True)])])
case(C + "idp::only-user-certs-ca-target", "RFC 5280 §6.3.3 (b)(2)(ii): onlyContainsUserCerts does not cover the ICA", "FAILURE", [cr], cil, [ci],
     crls=[crl(cr.key, cr.cert.subject, extra=[idp(user=True)]), crl(ci.key, ci.cert.subject)], validation_time=VT.strftime("%Y-%m-%dT%H:%M:%SZ"))
case(C + "idp::only-ca-certs-ca-target", "RFC 5280 §6.3.3 (b)(2)(iii): onlyContainsCACerts covers the ICA", "SUCCESS", [cr], cil, [ci],
     crls=[crl(cr.key, cr.cert.subject, extra=[idp(ca=True)]), crl(ci.key, ci.cert.subject)], validation_time=VT.strftime("%Y-%m-%dT%H:%M:%SZ"))

# --- certificates pyca's builder refuses: the TBS rewritten and signed again ------------------
def _read(data, at):
    """(tag, header length, content length) of the DER element at `at`."""
    tag = data[at]
    n = data[at + 1]
    if n < 0x80:
        return tag, 2, n
    k = n & 0x7F
    return tag, 2 + k, int.from_bytes(data[at + 2: at + 2 + k], "big")

def _elements(content):
    out, at = [], 0
    while at < len(content):
        _, h, n = _read(content, at)
        out.append(content[at: at + h + n])
        at += h + n
    return out

def _seq(parts, tag=0x30):
    body = b"".join(parts)
    return bytes([tag]) + der_len(len(body)) + body

def patch_tbs(c, signer_key, fn):
    """c with its TBS elements passed through fn, signed again by signer_key (ECDSA P-256, SHA-256)."""
    der = c.cert.public_bytes(serialization.Encoding.DER)
    _, h, n = _read(der, 0)
    outer = _elements(der[h: h + n])
    tbs = outer[0]
    _, th, tn = _read(tbs, 0)
    new_tbs = _seq(fn(_elements(tbs[th: th + tn])))
    sig = signer_key.sign(new_tbs, ec.ECDSA(hashes.SHA256()))
    bits = b"\x03" + der_len(len(sig) + 1) + b"\x00" + sig
    return Cert(x509.load_der_x509_certificate(_seq([new_tbs, outer[1], bits])), c.key)

def with_serial(c, signer_key, magnitude):
    raw = magnitude if magnitude[0] < 0x80 else b"\x00" + magnitude
    return patch_tbs(c, signer_key, lambda e: [e[0], b"\x02" + der_len(len(raw)) + raw] + e[2:])

def with_extensions(c, signer_key, fn):
    """c with its extension list (raw Extension elements) passed through fn."""
    def patch(e):
        ext_wrapper = e[-1]
        _, h, n = _read(ext_wrapper, 0)
        inner = ext_wrapper[h: h + n]
        _, ih, inn = _read(inner, 0)
        exts = fn(_elements(inner[ih: ih + inn]))
        return e[:-1] + [_seq([_seq(exts)], tag=0xA3)]
    return patch_tbs(c, signer_key, patch)

def raw_ext(oid_der, value, critical=False):
    parts = [oid_der] + ([b"\x01\x01\xff"] if critical else []) + [b"\x04" + der_len(len(value)) + value]
    return _seq(parts)

SAN_OID = b"\x06\x03\x55\x1d\x11"

sr = root(cn="nodeid-serial-root", k=41)
case(R + "serial::too-long-22-octets", "RFC 5280 §4.1.2.2: serial numbers longer than 20 octets MUST NOT be used", "FAILURE", [sr],
     with_serial(leaf(sr), sr.key, bytes(range(1, 23))))
case(R + "serial::20-octets", "RFC 5280 §4.1.2.2: a 20-octet serial is allowed", "SUCCESS", [sr],
     with_serial(leaf(sr), sr.key, bytes(range(1, 21))))
case(R + "san::empty-sequence", "RFC 5280 §4.2.1.6: GeneralNames holds at least one name (SIZE (1..MAX))", "FAILURE", [sr],
     with_extensions(leaf(sr), sr.key, lambda exts: [x for x in exts if SAN_OID not in x[:8]] + [raw_ext(SAN_OID, b"\x30\x00")]),
     peer_name=None)
case(R + "san::malformed-value", "RFC 5280 §4.2.1.6: a SAN whose value is not DER GeneralNames", "FAILURE", [sr],
     with_extensions(leaf(sr), sr.key, lambda exts: [x for x in exts if SAN_OID not in x[:8]] + [raw_ext(SAN_OID, b"example.com")]),
     peer_name=None)
si_ = ica(sr, cn="nodeid-serial-ica", k=42)
dup = with_extensions(si_, sr.key, lambda exts: exts + [exts[0]])
case(R + "duplicate-extensions-intermediate", "RFC 5280 §4.2: a certificate MUST NOT include more than one instance of an extension", "FAILURE",
     [sr], leaf(si_), [dup])
case(R + "empty-issuer-ica", "RFC 5280 §4.1.2.4: the issuer field MUST contain a non-empty name", "FAILURE", [sr],
     leaf(si_), [patch_tbs(si_, sr.key, lambda e: e[:3] + [b"\x30\x00"] + e[4:])])

# --- §7.1 name chaining: the issuer and subject names compared after RFC 4518 preparation -------
from cryptography.x509.name import _ASN1Type  # noqa: E402

def named(cn, t):
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Nodeid Test", _type=t), x509.NameAttribute(NameOID.COMMON_NAME, cn, _type=t)])

nr = root(cn="nodeid-name-root", k=51)
ni_key = key(52)
ni = make(named("Name ICA", _ASN1Type.UTF8String), ni_key, nr,
          [(x509.BasicConstraints(True, None), True), (ku(key_cert_sign=True, crl_sign=True), False), (ski(ni_key), False), (aki(nr.key), False)])
ni = Cert(ni.cert, ni_key)
def leaf_under(issuer_name):
    return make(name("example.com"), key(9), ni, [dns_san("example.com"), (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False),
                (ku(digital_signature=True), True), (aki(ni_key), False)], issuer_name=issuer_name)
case(R + "name-chaining::printable-vs-utf8", "RFC 5280 §7.1: PrintableString and UTF8String of the same text match", "SUCCESS", [nr],
     leaf_under(named("Name ICA", _ASN1Type.PrintableString)), [ni])
case(R + "name-chaining::case-insensitive", "RFC 5280 §7.1 / RFC 4517 caseIgnoreMatch: letter case is ignored", "SUCCESS", [nr],
     leaf_under(named("name ica", _ASN1Type.UTF8String)), [ni])
case(R + "name-chaining::insignificant-spaces", "RFC 4518 §2.6.1: leading, trailing and repeated inner spaces are insignificant", "SUCCESS", [nr],
     leaf_under(named("  Name   ICA ", _ASN1Type.UTF8String)), [ni])
case(R + "name-chaining::different-text", "RFC 5280 §7.1: a different name does not chain", "FAILURE", [nr],
     leaf_under(named("Name ICB", _ASN1Type.UTF8String)), [ni])

# --- CVE shapes (after x509-limbo's cve.py, rebuilt here) ---------------------------------------
def ca_cert(cn, k, issuer_cn, issuer_k):
    kk, ik = key(k), key(issuer_k)
    b = (x509.CertificateBuilder().serial_number(_serial[0] + k * 100).not_valid_before(NOT_BEFORE).not_valid_after(NOT_AFTER)
         .subject_name(name(cn)).issuer_name(name(issuer_cn)).public_key(kk.public_key())
         .add_extension(x509.BasicConstraints(True, None), critical=True)
         .add_extension(ku(key_cert_sign=True), critical=False)
         .add_extension(aki(ik), critical=False).add_extension(ski(kk), critical=False))
    _serial[0] += 1
    return Cert(b.sign(ik, hashes.SHA256()), kk)

ra = root(cn="Root A", k=61)
a1 = ca_cert("Intermediate A1", 64, "Root A", 61)
cross = [ca_cert("Root A", 61, "Root B", 62), ca_cert("Root A", 61, "Root C", 63), ca_cert("Intermediate B1", 65, "Root B", 62),
         ca_cert("Root B", 62, "Root A", 61), ca_cert("Root B", 62, "Root C", 63), ca_cert("Intermediate C1", 66, "Root C", 63),
         ca_cert("Root C", 63, "Root A", 61), ca_cert("Root C", 63, "Root B", 62)]
case(R + "cve::cve-2024-0567-cross-sign-cycle", "RFC 4158 §2.4: a cycle of cross-signed CAs; the path ends at the self-signed Root A", "SUCCESS",
     [ra], leaf(a1, cn=None, san=(x509.SubjectAlternativeName([DN("cve-2024-0567.example.com")]), True)), [a1] + cross,
     peer_name=("DNS", "cve-2024-0567.example.com"))
vi = ica(r, cn="nodeid-nc-ica", k=67, extra=[nc([DN("foo.example.com")])])
case(R + "cve::cve-2025-61727-permits-variant", "RFC 5280 §4.2.1.10 with RFC 9525 §6.3: *.example.com is not within foo.example.com", "FAILURE",
     [r], leaf(vi, cn="*.example.com", san=dns_san("*.example.com")), [vi], peer_name=("DNS", "foo.example.com"))
vi = ica(r, cn="nodeid-nc-ica", k=67, extra=[nc([DN("example.com")])])
case(R + "nc::wildcard-within-permitted", "RFC 5280 §4.2.1.10: *.example.com is within example.com", "SUCCESS",
     [r], leaf(vi, cn="*.example.com", san=dns_san("*.example.com")), [vi], peer_name=("DNS", "www.example.com"))
vi = ica(r, cn="nodeid-nc-ica", k=67, extra=[nc(None, [DN("foo.example.com")])])
case(R + "nc::wildcard-below-excluded", "RFC 5280 §4.2.1.10: *.foo.example.com is within the excluded foo.example.com", "FAILURE",
     [r], leaf(vi, cn="*.foo.example.com", san=dns_san("*.foo.example.com")), [vi], peer_name=("DNS", "a.foo.example.com"))

# --- a DNS-kind reference identity that is an IP literal (x509-limbo's bettertls cases pass IP
# hosts as kind DNS): RFC 9525 §6.2 / RFC 6125 §6.2.1 compare it with iPAddress SANs, never dNSNames
case(R + "peer::ip-literal-host-ip-san", "RFC 9525 §6.2: a host that is an IPv4 literal matches the iPAddress SAN", "SUCCESS", [r],
     leaf(r, cn="192.0.2.7", san=ip_san("192.0.2.7")), peer_name=("DNS", "192.0.2.7"))
case(R + "peer::ipv6-literal-host-ip-san", "RFC 9525 §6.2: a host that is an IPv6 literal matches the iPAddress SAN", "SUCCESS", [r],
     leaf(r, cn="2001:db8::7", san=ip_san("2001:db8::7")), peer_name=("DNS", "2001:db8::7"))
case(R + "peer::ip-literal-host-other-ip", "RFC 9525 §6.2: another address does not match", "FAILURE", [r],
     leaf(r, cn="192.0.2.7", san=ip_san("192.0.2.8")), peer_name=("DNS", "192.0.2.7"))
case(R + "peer::ip-literal-host-dns-san", "RFC 9525 §6.2: an IP reference identity is not matched against a dNSName", "FAILURE", [r],
     leaf(r, cn="192.0.2.7", san=(x509.SubjectAlternativeName([x509.DNSName("192.0.2.7")]), False)), peer_name=("DNS", "192.0.2.7"))

# --- extKeyUsage in issuers (BetterTLS pathbuilding's INVALID_REASON_BAD_EKU) --------------------
# x509-limbo runs its non-PKITS cases with `strict`, under which nodeid holds the usages asked for
# to every issuer's extKeyUsage (RFC 5280 §4.2.1.12); plain rfc5280 leaves it out of §6.
er = root(cn="nodeid-eku-root", k=71)
email_ica = ica(er, cn="nodeid-eku-ica", k=72, extra=[(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), False)])
case(R + "eku::ica-email-protection-only", "RFC 5280 §4.2.1.12: the only path runs through a CA limited to emailProtection", "FAILURE",
     [er], leaf(email_ica), [email_ica])
good_ica = ica(er, cn="nodeid-eku-ica", k=72)
case(R + "eku::ica-email-protection-alternative-path", "RFC 4158: a second copy of the CA without extKeyUsage gives a valid path", "SUCCESS",
     [er], leaf(good_ica), [email_ica, good_ica])
any_ica = ica(er, cn="nodeid-eku-ica", k=72, extra=[(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE]), False)])
case(R + "eku::ica-any-extended-key-usage", "RFC 5280 §4.2.1.12: anyExtendedKeyUsage does not limit the CA", "SUCCESS",
     [er], leaf(any_ica), [any_ica])
sa_ica = ica(er, cn="nodeid-eku-ica", k=72, extra=[(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]), False)])
case(R + "eku::ica-server-and-client-auth", "RFC 5280 §4.2.1.12: a CA limited to serverAuth and clientAuth", "SUCCESS",
     [er], leaf(sa_ica), [sa_ica])

# --- CLIENT validations that name their EKU (x509-limbo's smime:: cases) -------------------------
mr = root(cn="nodeid-smime-root", k=81)
def smime_leaf(*ekus):
    return leaf(mr, cn="user", san=(x509.SubjectAlternativeName([EM("user@example.com")]), False),
                eku=(x509.ExtendedKeyUsage(list(ekus)), False))
case("smime::nodeid::ee-email-protection", "RFC 5280 §4.2.1.12: the EKU asked for (emailProtection) is present", "SUCCESS", [mr],
     smime_leaf(ExtendedKeyUsageOID.EMAIL_PROTECTION), peer_name=None, validation_kind="CLIENT",
     extended_key_usage=["emailProtection"], expected_peer_names=[{"kind": "RFC822", "value": "user@example.com"}])
case("smime::nodeid::ee-missing-email-protection", "RFC 5280 §4.2.1.12: the EKU asked for (emailProtection) is missing", "FAILURE", [mr],
     smime_leaf(ExtendedKeyUsageOID.CLIENT_AUTH), peer_name=None, validation_kind="CLIENT",
     extended_key_usage=["emailProtection"], expected_peer_names=[{"kind": "RFC822", "value": "user@example.com"}])
case("smime::nodeid::ee-wrong-mailbox", "RFC 5280 §4.2.1.6: the mailbox asked for is not the rfc822Name", "FAILURE", [mr],
     smime_leaf(ExtendedKeyUsageOID.EMAIL_PROTECTION), peer_name=None, validation_kind="CLIENT",
     extended_key_usage=["emailProtection"], expected_peer_names=[{"kind": "RFC822", "value": "other@example.com"}])

# --- NameConstraints with empty GeneralSubtrees (SIZE (1..MAX), RFC 5280 §4.2.1.10; BR 7.1.2.5.2)
EMPTY_BOTH = x509.UnrecognizedExtension(x509.oid.ExtensionOID.NAME_CONSTRAINTS, bytes.fromhex("3004a000a100"))
_excluded = subtree(0x82, b"bad.example")
EMPTY_PERMITTED = x509.UnrecognizedExtension(
    x509.oid.ExtensionOID.NAME_CONSTRAINTS,
    _seq([b"\xa0\x00", b"\xa1" + der_len(len(_excluded)) + _excluded]))
for ns in (R, W):
    base_root = wr if ns == W else r
    ie = ica(base_root, cn="nodeid-nc-empty", k=91, extra=[(EMPTY_BOTH, True)])
    case(ns + "nc::permitted-excluded-both-empty-sequences", "RFC 5280 §4.2.1.10 (GeneralSubtrees SIZE (1..MAX)); BR 7.1.2.5.2", "FAILURE",
         [base_root], leaf(ie), [ie], extended_key_usage=SA if ns == W else [])
    ie = ica(base_root, cn="nodeid-nc-empty", k=91, extra=[(EMPTY_PERMITTED, True)])
    case(ns + "nc::permitted-empty-sequence", "RFC 5280 §4.2.1.10: permittedSubtrees present with no subtree", "FAILURE",
         [base_root], leaf(ie), [ie], extended_key_usage=SA if ns == W else [])

# --- the trust anchor is a cross-signed CA certificate without AKI (x509-limbo aki::cross-signed-root-missing-aki)
xs = root(cn="nodeid-xsigner", k=95)
xroot = ica(xs, cn="nodeid-xroot", k=96, pathlen=0, aki_=False)
case(R + "aki::cross-signed-anchor-missing-aki", "RFC 5280 §4.2.1.1: only a self-signed certificate may omit the AKI, the anchor's too (strict)", "FAILURE",
     [xroot], leaf(xroot))
xroot_ok = ica(xs, cn="nodeid-xroot", k=96, pathlen=0)
case(R + "aki::cross-signed-anchor-with-aki", "RFC 5280 §6.1.1 (d): a CA certificate that is not self-signed may be the trust anchor", "SUCCESS",
     [xroot_ok], leaf(xroot_ok))

# --- key and signature algorithms beyond P-256/SHA-256 (RFC 5758, RFC 4055, RFC 8410) -----------
from cryptography.hazmat.primitives.asymmetric import ed25519, padding  # noqa: E402

def alg_chain(root_key, leaf_key, sign_hash, pad=None, pid=""):
    rb = (x509.CertificateBuilder().subject_name(name("nodeid-alg-root" + pid)).issuer_name(name("nodeid-alg-root" + pid))
          .public_key(root_key.public_key()).serial_number(7001).not_valid_before(NOT_BEFORE).not_valid_after(NOT_AFTER)
          .add_extension(x509.BasicConstraints(True, None), critical=True)
          .add_extension(ku(key_cert_sign=True, crl_sign=True), critical=True)
          .add_extension(ski(root_key), critical=False))
    kw = {"rsa_padding": pad} if pad else {}
    rc = rb.sign(root_key, sign_hash, **kw)
    lb = (x509.CertificateBuilder().subject_name(name("example.com")).issuer_name(name("nodeid-alg-root" + pid))
          .public_key(leaf_key.public_key()).serial_number(7002).not_valid_before(NOT_BEFORE).not_valid_after(NOT_AFTER)
          .add_extension(x509.SubjectAlternativeName([DN("example.com")]), critical=False)
          .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
          .add_extension(aki(root_key), critical=False))
    lc = lb.sign(root_key, sign_hash, **kw)
    return Cert(rc, root_key), Cert(lc, leaf_key)

p384 = ec.derive_private_key(991, ec.SECP384R1())
rc, lc = alg_chain(p384, key(9), hashes.SHA384())
case(R + "alg::ecdsa-p384-sha384", "RFC 5758 §3.2: ecdsa-with-SHA384 by a P-384 CA", "SUCCESS", [rc], lc)
rsa_root = rsa.generate_private_key(65537, 2048)
rc, lc = alg_chain(rsa_root, key(9), hashes.SHA256(), pid="-rsa")
case(R + "alg::rsa-pkcs1-sha256", "RFC 4055 §5: sha256WithRSAEncryption", "SUCCESS", [rc], lc)
PSS = padding.PSS(padding.MGF1(hashes.SHA256()), 32)
try:  # pyca before 40 cannot sign certificates with RSASSA-PSS; the committed cases have them
    rc, lc = alg_chain(rsa_root, key(9), hashes.SHA256(), PSS, pid="-pss")
    case(R + "alg::rsa-pss-sha256", "RFC 4055 §3.1: RSASSA-PSS with SHA-256, MGF1-SHA-256, salt 32", "SUCCESS", [rc], lc)
    rc, lc = alg_chain(rsa_root, key(9), hashes.SHA256(), PSS, pid="-pss-web")
    case(W + "alg::rsa-pss-sha256", "BR 7.1.3.2.1: RSASSA-PSS with SHA-256, MGF1-SHA-256, salt 32", "SUCCESS", [rc], lc, extended_key_usage=SA)
except TypeError:
    sys.stderr.write("this pyca/cryptography cannot sign with RSASSA-PSS: the alg::rsa-pss-* cases are left out\n")
ed = ed25519.Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
rc, lc = alg_chain(ed, key(9), None, pid="-ed")
case(R + "alg::ed25519", "RFC 8410 §6: Ed25519 signatures", "SUCCESS", [rc], lc)
rc, lc = alg_chain(ed, key(9), None, pid="-ed-web")
case(W + "alg::ed25519", "BR 6.1.5 / 7.1.3.1: only RSA and ECDSA P-256/384/521 keys", "FAILURE", [rc], lc, extended_key_usage=SA)

# --- more §6.3.3 and validity shapes ---------------------------------------------------------
def _swap_validity(e):
    v = e[4]
    h, n = _read(v, 0)[1:]
    return e[:4] + [_seq(list(reversed(_elements(v[h: h + n]))))] + e[5:]

inv = patch_tbs(leaf(r), r.key, _swap_validity)  # notBefore 2040, notAfter 2020
case(R + "validity::not-before-after-not-after", "RFC 5280 §4.1.2.5: an empty validity period contains no time", "FAILURE", [r], inv)
some = (x509.IssuingDistributionPoint(full_name=None, relative_name=None, only_contains_user_certs=False, only_contains_ca_certs=False,
                                       only_some_reasons=frozenset([x509.ReasonFlags.key_compromise]), indirect_crl=False,
                                       only_contains_attribute_certs=False), True)
crl_case("idp::only-some-reasons-not-all-covered", "RFC 5280 §6.3.3 (k): reasons_mask never reaches all-reasons, status undetermined", "FAILURE",
         [crl(cr.key, cr.cert.subject, extra=[some])])
crl_case("idp::only-some-reasons-plus-full-crl", "RFC 5280 §6.3.3: a complete CRL covers the reasons the partitioned one leaves", "SUCCESS",
         [crl(cr.key, cr.cert.subject, extra=[some]), crl(cr.key, cr.cert.subject, number=(2, False))])
crl_case("delta-crl-alone", "RFC 5280 §5.2.4, §6.3.3 (d): a delta CRL is used only with its complete base CRL", "FAILURE",
         [crl(cr.key, cr.cert.subject, extra=[(x509.DeltaCRLIndicator(1), True)], number=(2, False))])
crl_case("delta-crl-revokes-over-base", "RFC 5280 §6.3.3 (d), (i): the delta on top of its base lists the leaf", "FAILURE",
         [crl(cr.key, cr.cert.subject), crl(cr.key, cr.cert.subject, [entry(serial)], extra=[(x509.DeltaCRLIndicator(1), True)], number=(2, False))])
crl_case("delta-crl-clean-over-base", "RFC 5280 §6.3.3 (d): base and delta, neither lists the leaf", "SUCCESS",
         [crl(cr.key, cr.cert.subject), crl(cr.key, cr.cert.subject, [entry(serial + 5)], extra=[(x509.DeltaCRLIndicator(1), True)], number=(2, False))])

# --- subscriber extensions the BRs leave optional (BR 7.1.2.7.6) ---------------------------------
web("ee-without-keyusage", "BR 7.1.2.7.6: keyUsage SHOULD be present in a subscriber certificate (not MUST)", "SUCCESS", leaf(wr, keyusage=None))
web("ee-basicconstraints-ca-false", "BR 7.1.2.7.8: basicConstraints MAY be present with cA FALSE", "SUCCESS",
    leaf(wr, bc=(x509.BasicConstraints(False, None), True)))
web("ee-with-ski", "BR 7.1.2.7.6: subjectKeyIdentifier NOT RECOMMENDED, still allowed", "SUCCESS",
    leaf(wr, extra=[(ski(key(9)), False)]))
web("ee-wildcard-and-apex", "RFC 6125 §6.4.3: *.example.com plus example.com covers the apex", "SUCCESS",
    leaf(wr, cn="example.com", san=dns_san("example.com", "*.example.com")))

# --- constraints on name forms nodeid has no matcher for (RFC 5280 §4.2.1.10: process or reject)
RID = x509.RegisteredID
ON = x509.OtherName
UPN = x509.ObjectIdentifier("1.3.6.1.4.1.311.20.2.3")
rr = root(extra=[nc([RID(x509.ObjectIdentifier("1.2.3.4"))])])
case(R + "nc::registered-id-constraint-name-absent", "RFC 5280 §4.2.1.10: a registeredID constraint with no registeredID name below", "SUCCESS", [rr], leaf(rr))
case(R + "nc::registered-id-constraint-other-id", "RFC 5280 §4.2.1.10: a registeredID name the critical constraint does not permit (process or reject)", "FAILURE",
     [rr], leaf(rr, san=(x509.SubjectAlternativeName([DN("example.com"), RID(x509.ObjectIdentifier("1.2.3.5"))]), False)))
rr = root(extra=[nc(None, [ON(UPN, b"\x0c\x0bexample.com")])])
case(R + "nc::othername-constraint-othername-san", "RFC 5280 §4.2.1.10: an otherName exclusion over an otherName SAN (process or reject)", "FAILURE",
     [rr], leaf(rr, san=(x509.SubjectAlternativeName([DN("example.com"), ON(UPN, b"\x0c\x10user@example.com")]), False)))

# --- malformed known extensions, non-critical (x509-limbo's malformed-aia shape) -----------------
for oid, nm in ((x509.oid.ExtensionOID.CRL_DISTRIBUTION_POINTS, "cdp"), (x509.oid.ExtensionOID.CERTIFICATE_POLICIES, "policies"),
                (x509.oid.ExtensionOID.EXTENDED_KEY_USAGE, "eku"), (x509.oid.ExtensionOID.AUTHORITY_KEY_IDENTIFIER, "aki")):
    bad = leaf(r, eku=None if nm == "eku" else "default", aki_=nm != "aki",
               extra=[(x509.UnrecognizedExtension(oid, b"malformed"), False)])
    case(R + f"malformed-{nm}", f"RFC 5280 §4.2: a {nm} extension whose value is not its DER syntax", "FAILURE", [r], bad)

# --- rfc822Name comparison: local-part case-sensitive, host case-insensitive (RFC 5280 §7.5) ---
def email_nc_case(cid, desc, expected, cons, mailbox):
    ii = ica(r, cn="nodeid-mail-ica", k=97, extra=[cons])
    lf = leaf(ii, san=(x509.SubjectAlternativeName([DN("example.com"), EM(mailbox)]), False))
    case(R + "nc::" + cid, desc, expected, [r], lf, [ii])
email_nc_case("email-host-case-insensitive", "RFC 5280 §7.5: the host part compares case-insensitively", "SUCCESS",
              nc([EM("example.com"), DN("example.com")]), "user@EXAMPLE.com")
email_nc_case("email-mailbox-excluded-same-case", "RFC 5280 §4.2.1.10: an excluded mailbox", "FAILURE",
              nc(None, [EM("user@example.com")]), "user@example.com")
email_nc_case("email-mailbox-excluded-host-case", "RFC 5280 §7.5: the excluded mailbox with its host in another case", "FAILURE",
              nc(None, [EM("user@example.com")]), "user@Example.COM")

# --- CRL structure: size and duplicate entries (x509-limbo crl::structure shapes) ----------------
crl_case("very-large", "RFC 5280 §5.1.2.6: 10,000 entries, none for the leaf", "SUCCESS",
         [crl(cr.key, cr.cert.subject, [entry(10_000_000 + n) for n in range(10_000)])])
crl_case("duplicate-revoked-serial", "a CRL listing one serial twice is ambiguous and not used (CA/B servercert issue 589)", "FAILURE",
         [crl(cr.key, cr.cert.subject, [entry(serial + 9), entry(serial + 9)])])

ids = [c["id"] for c in CASES]
assert len(ids) == len(set(ids)), "duplicate case id"
json.dump({"version": 1, "testcases": CASES}, sys.stdout, indent=1)
sys.stdout.write("\n")
