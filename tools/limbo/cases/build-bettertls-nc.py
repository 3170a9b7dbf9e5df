#!/usr/bin/env python3
"""
A re-creation, with pyca/cryptography, of the shape of Netflix BetterTLS's `nameconstraints`
suite (which x509-limbo imports as `bettertls::nameconstraints::tcN`): root -> local_root ->
local_ica (name constraints) -> leaf, every combination of the leaf's CN (DNS or IP form;
absent, valid, invalid), DNS and IP SANs (absent, valid, invalid) and the ICA's permitted and
excluded DNS and IP subtrees (absent, matching, not matching), asked for `test.localhost` or
`127.0.0.1` (both passed as a DNS-kind peer name, as limbo does). The expected result is
BetterTLS's own rule (test-suites/nameconstraints/test_cases.go, ExpectedResult): PASS and
SOFT_PASS are ACCEPT, FAIL and SOFT_FAIL are REJECT; in RFC 5280 terms: the name asked for
must be a SAN of its type (RFC 6125 §6.4.4: no CN fallback when... nor without SANs), and every
SAN must satisfy every constraint of its form (§4.2.1.10, §6.1.3 (b), (c)); the CN is never
checked against DNS or IP constraints.

    python3 tools/limbo/cases/build-bettertls-nc.py [--every N] > suite.json

`--every N` keeps one case in N (the test keeps a deterministic sample; the full run is 8,754
cases).
"""

import ipaddress
import itertools
import json
import sys
from datetime import datetime, timezone

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

VALID_DNS, INVALID_DNS = "test.localhost", "bad.example.com"
VALID_IP, INVALID_IP = "127.0.0.1", "1.1.1.1"
VALID_DNS_TREE, INVALID_DNS_TREE = "localhost", "example.com"
VALID_IP_RANGE, INVALID_IP_RANGE = "127.0.0.0/24", "1.1.1.0/24"
NONE, VALID, INVALID = 0, 1, 2
NB = datetime(2020, 1, 1, tzinfo=timezone.utc)
NA = datetime(2040, 1, 1, tzinfo=timezone.utc)

_k = {}


def key(i):
    if i not in _k:
        _k[i] = ec.derive_private_key(0x2000 + i * 104729, ec.SECP256R1())
    return _k[i]


def subject(cn, sn):
    attrs = [x509.NameAttribute(NameOID.ORGANIZATION_NAME, "nodeid bettertls shape")]
    if cn:
        attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, cn))
    attrs.append(x509.NameAttribute(NameOID.SERIAL_NUMBER, sn))
    return x509.Name(attrs)


def ku(cert_sign):
    return x509.KeyUsage(digital_signature=not cert_sign, content_commitment=False, key_encipherment=False,
                         data_encipherment=False, key_agreement=False, key_cert_sign=cert_sign, crl_sign=False,
                         encipher_only=False, decipher_only=False)


serial = [1]


def cert(subj, k, issuer_subj, issuer_k, ca, extra=()):
    serial[0] += 1
    b = (x509.CertificateBuilder().subject_name(subj).issuer_name(issuer_subj).public_key(k.public_key())
         .serial_number(serial[0]).not_valid_before(NB).not_valid_after(NA)
         .add_extension(x509.BasicConstraints(ca, None), critical=True)
         .add_extension(ku(ca), critical=True))
    if ca:
        b = b.add_extension(x509.SubjectKeyIdentifier.from_public_key(k.public_key()), critical=False)
    b = b.add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_k.public_key()), critical=False)
    for e, c in extra:
        b = b.add_extension(e, critical=c)
    return b.sign(issuer_k, hashes.SHA256())


def pem(c):
    return c.public_bytes(serialization.Encoding.PEM).decode()


ROOT_S = subject("nodeid bettertls root", "0")
root = cert(ROOT_S, key(0), ROOT_S, key(0), True)
LR_S = subject("local_root", "1")
local_root = cert(LR_S, key(1), ROOT_S, key(0), True)
ICA_S = subject("local_ica", "2")


def expected(host_dns, cn_dns, cn, dns_san, ip_san, dns_wl, ip_wl, dns_bl, ip_bl):
    """BetterTLS's ExpectedResult, folded to ACCEPT (PASS, SOFT_PASS) / REJECT (FAIL, SOFT_FAIL)."""
    soft_fail = False
    if host_dns:
        if dns_san != VALID:
            if not cn_dns or cn != VALID:
                return False
            soft_fail = True
        if dns_wl == INVALID or dns_bl == VALID:
            return False
    else:
        if ip_san != VALID:
            if cn_dns or cn != VALID:
                return False
            soft_fail = True
        if ip_wl == INVALID or ip_bl == VALID:
            return False
    san_violation = (
        (dns_san == VALID and (dns_wl == INVALID or dns_bl == VALID))
        or (dns_san == INVALID and (dns_wl == VALID or dns_bl == INVALID))
        or (ip_san == VALID and (ip_wl == INVALID or ip_bl == VALID))
        or (ip_san == INVALID and (ip_wl == VALID or ip_bl == INVALID))
    )
    return not (san_violation or soft_fail)


def main():
    every = int(sys.argv[sys.argv.index("--every") + 1]) if "--every" in sys.argv else 1
    cases = []
    tv = (NONE, VALID, INVALID)
    combos = itertools.product((True, False), (True, False), tv, tv, tv, tv, tv, tv, tv)
    for n, (host_dns, cn_dns, cn, dns_san, ip_san, dns_wl, ip_wl, dns_bl, ip_bl) in enumerate(combos):
        if n % every:
            continue
        permitted, excluded = [], []
        if dns_wl:
            permitted.append(x509.DNSName(VALID_DNS_TREE if dns_wl == VALID else INVALID_DNS_TREE))
        if ip_wl:
            permitted.append(x509.IPAddress(ipaddress.ip_network(VALID_IP_RANGE if ip_wl == VALID else INVALID_IP_RANGE)))
        if dns_bl:
            excluded.append(x509.DNSName(VALID_DNS_TREE if dns_bl == VALID else INVALID_DNS))
        if ip_bl:
            excluded.append(x509.IPAddress(ipaddress.ip_network(VALID_IP_RANGE if ip_bl == VALID else INVALID_IP_RANGE)))
        extra = []
        if permitted or excluded:
            extra.append((x509.NameConstraints(permitted or None, excluded or None), True))
        ica = cert(ICA_S, key(2), LR_S, key(1), True, extra)
        cn_value = None
        if cn:
            cn_value = (VALID_DNS if cn == VALID else INVALID_DNS) if cn_dns else (VALID_IP if cn == VALID else INVALID_IP)
        sans = []
        if dns_san:
            sans.append(x509.DNSName(VALID_DNS if dns_san == VALID else INVALID_DNS))
        if ip_san:
            sans.append(x509.IPAddress(ipaddress.ip_address(VALID_IP if ip_san == VALID else INVALID_IP)))
        lextra = [(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False)]
        if sans:
            lextra.append((x509.SubjectAlternativeName(sans), False))
        leaf = cert(subject(cn_value, f"leaf-{n}"), key(3), ICA_S, key(2), False, lextra)
        ok = expected(host_dns, cn_dns, cn, dns_san, ip_san, dns_wl, ip_wl, dns_bl, ip_bl)
        cases.append({
            "id": f"nodeid-bettertls-shape::nameconstraints::tc{n}",
            "features": [],
            "description": f"host={'dns' if host_dns else 'ip'} cn={'dns' if cn_dns else 'ip'}:{cn} dnsSan={dns_san} ipSan={ip_san} "
                           f"dnsPermit={dns_wl} ipPermit={ip_wl} dnsExclude={dns_bl} ipExclude={ip_bl} (0 none, 1 valid, 2 invalid)",
            "validation_kind": "SERVER",
            "trusted_certs": [pem(root)],
            "untrusted_intermediates": [pem(ica), pem(local_root)],
            "peer_certificate": pem(leaf),
            "validation_time": "2025-01-01T00:00:00Z",
            "extended_key_usage": [],
            "key_usage": [],
            "expected_result": "SUCCESS" if ok else "FAILURE",
            "expected_peer_name": {"kind": "DNS", "value": VALID_DNS if host_dns else VALID_IP},
            "expected_peer_names": [],
            "max_chain_depth": None,
            "crls": [],
        })
    json.dump({"version": 1, "testcases": cases}, sys.stdout, indent=1)
    sys.stdout.write("\n")


main()
