#!/usr/bin/env python3
"""
A re-creation, with pyca/cryptography, of the shape of Netflix BetterTLS's `pathbuilding`
suite (x509-limbo's `bettertls::pathbuilding::`): the trust graphs of RFC 4158 §2.3 (figure
7) and §2.4 (the bridge CA PKI), a linear chain and two roots, every edge a cross-certificate
given as an intermediate, with one or two CA edges made invalid in one of BetterTLS's six ways
(expired, a name constraint the leaf breaks, emailProtection-only extKeyUsage, no
basicConstraints, cA FALSE, ECDSA with SHA-1). BetterTLS's expected result: valid exactly when
the trust anchor still reaches the leaf over valid edges (RFC 4158: a path builder must
backtrack round invalid certificates and cycles).

    python3 tools/limbo/cases/build-bettertls-paths.py [--every N] > suite.json
"""

import itertools
import json
import sys
from datetime import datetime, timezone

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

NB = datetime(2020, 1, 1, tzinfo=timezone.utc)
NA = datetime(2040, 1, 1, tzinfo=timezone.utc)
EXPIRED = datetime(2021, 1, 1, tzinfo=timezone.utc)

GRAPHS = {
    "LINEAR": ("Trust Anchor", [("ICA", "EE"), ("Trust Anchor", "ICA")]),
    "TWO_ROOTS": ("Root1", [("ICA", "EE"), ("Root1", "ICA"), ("Root2", "ICA")]),
    "FIGURE_SEVEN": ("Trust Anchor", [("B", "EE"), ("C", "B"), ("A", "B"), ("C", "A"), ("A", "C"),
                                      ("Trust Anchor", "C"), ("Trust Anchor", "A")]),
    "BRIDGE_CA_PKI": ("TA W", [
        ("F", "H"), ("F", "G"), ("G", "F"), ("H", "I"), ("I", "H"), ("G", "I"), ("TA W", "F"), ("TA W", "G"),
        ("J", "K"), ("N", "EE"), ("L", "N"), ("L", "M"), ("TA X", "J"), ("TA X", "L"),
        ("B", "E"), ("B", "D"), ("A", "B"), ("C", "B"), ("A", "C"), ("C", "A"), ("TA Y", "A"), ("TA Y", "C"),
        ("R", "S"), ("O", "R"), ("O", "Q"), ("P", "S"), ("TA Z", "O"), ("TA Z", "P"),
        ("TA W", "Bridge CA"), ("Bridge CA", "TA W"), ("TA X", "Bridge CA"), ("Bridge CA", "TA X"),
        ("TA Y", "Bridge CA"), ("Bridge CA", "TA Y"), ("TA Z", "Bridge CA"), ("Bridge CA", "TA Z")]),
}
REASONS = ["EXPIRED", "NAME_CONSTRAINTS", "BAD_EKU", "MISSING_BASIC_CONSTRAINTS", "NOT_A_CA", "DEPRECATED_CRYPTO"]

_keys = {}


def key(node):
    if node not in _keys:
        _keys[node] = ec.derive_private_key(0x3000 + 7 * sum(ord(c) * 31 ** i for i, c in enumerate(node)) % (2 ** 200), ec.SECP256R1())
    return _keys[node]


def name(node):
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "nodeid bettertls shape"),
                      x509.NameAttribute(NameOID.COMMON_NAME, node)])


serial = [1]


def ku(ca):
    return x509.KeyUsage(digital_signature=not ca, content_commitment=False, key_encipherment=False, data_encipherment=False,
                         key_agreement=False, key_cert_sign=ca, crl_sign=False, encipher_only=False, decipher_only=False)


def cert(src, dst, leaf, reason=None):
    serial[0] += 1
    ca = not leaf and reason != "NOT_A_CA"
    b = (x509.CertificateBuilder().subject_name(name(dst)).issuer_name(name(src)).public_key(key(dst).public_key())
         .serial_number(serial[0]).not_valid_before(NB).not_valid_after(EXPIRED if reason == "EXPIRED" else NA)
         .add_extension(ku(not leaf), critical=True))
    if reason != "MISSING_BASIC_CONSTRAINTS":
        b = b.add_extension(x509.BasicConstraints(ca, None), critical=True)
    if not leaf:
        b = b.add_extension(x509.SubjectKeyIdentifier.from_public_key(key(dst).public_key()), critical=False)
    if src != dst:
        b = b.add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(key(src).public_key()), critical=False)
    if leaf:
        b = b.add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        b = b.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
    if reason == "NAME_CONSTRAINTS":
        b = b.add_extension(x509.NameConstraints([x509.DNSName("bad.example.com")], None), critical=True)
    if reason == "BAD_EKU":
        b = b.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
    c = b.sign(key(src), hashes.SHA256())
    return with_sha1(c, key(src)) if reason == "DEPRECATED_CRYPTO" else c


def _read(data, at):
    n = data[at + 1]
    if n < 0x80:
        return 2, n
    k = n & 0x7F
    return 2 + k, int.from_bytes(data[at + 2: at + 2 + k], "big")


def _elements(content):
    out, at = [], 0
    while at < len(content):
        h, n = _read(content, at)
        out.append(content[at: at + h + n])
        at += h + n
    return out


def _seq(parts):
    body = b"".join(parts)
    n = len(body)
    length = bytes([n]) if n < 0x80 else bytes([0x80 | ((n.bit_length() + 7) // 8)]) + n.to_bytes((n.bit_length() + 7) // 8, "big")
    return b"\x30" + length + body


ECDSA_SHA1 = _seq([bytes.fromhex("06072a8648ce3d0401")])


def with_sha1(c, signer):
    """c signed again with ecdsa-with-SHA1 (pyca's builder refuses SHA-1), both algorithm fields rewritten."""
    der = c.public_bytes(serialization.Encoding.DER)
    h, n = _read(der, 0)
    tbs = _elements(der[h: h + n])[0]
    th, tn = _read(tbs, 0)
    parts = _elements(tbs[th: th + tn])
    parts[2] = ECDSA_SHA1
    new_tbs = _seq(parts)
    sig = signer.sign(new_tbs, ec.ECDSA(hashes.SHA1()))
    n = len(sig) + 1
    bits = b"\x03" + (bytes([n]) if n < 0x80 else bytes([0x81, n])) + b"\x00" + sig
    return x509.load_der_x509_certificate(_seq([new_tbs, ECDSA_SHA1, bits]))


def pem(c):
    return c.public_bytes(serialization.Encoding.PEM).decode()


def reachable(edges, invalid, src, dst):
    def dfs(path, node):
        if node in path:
            return False
        if node == dst:
            return True
        return any(dfs(path + [node], d) for s, d in edges if s == node and (s, d) not in invalid)
    return dfs([], src)


def main():
    every = int(sys.argv[sys.argv.index("--every") + 1]) if "--every" in sys.argv else 1
    out, n = [], 0
    for graph, (src, edges) in GRAPHS.items():
        ca_edges = [e for e in edges if e[1] != "EE"]
        sets = [()] + [(e,) for e in ca_edges]
        if len(ca_edges) <= 8:
            sets += list(itertools.combinations(ca_edges, 2))
        for invalid in sets:
            for reason in (REASONS if invalid else [None]):
                n += 1
                if n % every:
                    continue
                certs = {e: cert(e[0], e[1], e[1] == "EE", reason if e in invalid else None) for e in edges}
                leaf = [c for e, c in certs.items() if e[1] == "EE"][0]
                ok = reachable(edges, set(invalid), src, "EE")
                out.append({
                    "id": f"nodeid-bettertls-shape::pathbuilding::{graph}::{n}",
                    "features": [],
                    "description": f"{graph}, anchor {src}, invalid ({reason}): {', '.join(f'{a}->{b}' for a, b in invalid) or 'none'}",
                    "validation_kind": "SERVER",
                    "trusted_certs": [pem(cert(src, src, False))],
                    "untrusted_intermediates": [pem(c) for e, c in certs.items() if e[1] != "EE"],
                    "peer_certificate": pem(leaf),
                    "validation_time": "2025-01-01T00:00:00Z",
                    "extended_key_usage": [],
                    "key_usage": [],
                    "expected_result": "SUCCESS" if ok else "FAILURE",
                    "expected_peer_name": {"kind": "DNS", "value": "localhost"},
                    "expected_peer_names": [],
                    "max_chain_depth": None,
                    "crls": [],
                })
    json.dump({"version": 1, "testcases": out}, sys.stdout, indent=1)
    sys.stdout.write("\n")


main()
