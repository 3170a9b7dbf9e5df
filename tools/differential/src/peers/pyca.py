#!/usr/bin/env python3
"""The pyca/cryptography peer of the differential harness.

Reads cases as JSON, one per line on stdin ({"id", "certs": [root PEM, intermediates..., leaf
PEM], "at": seconds, "host" or "ip"}), verifies each leaf with
cryptography.x509.verification (its server verifier, the CA/Browser Forum profile, trusting only
the root) and prints one JSON line per case: {"id", "ok", "reason"}. When the installed
cryptography has no verifier (before 42), the first line printed is {"unavailable": reason}.
"""

import datetime
import ipaddress
import json
import sys

try:
    import cryptography
    from cryptography import x509
    from cryptography.x509.verification import DNSName, IPAddress, PolicyBuilder, Store
except ImportError as e:  # no cryptography, or one without the verifier
    print(json.dumps({"unavailable": f"cryptography.x509.verification is not importable: {e}"}), flush=True)
    sys.exit(0)


def verify(case):
    certs = [x509.load_pem_x509_certificate(c.encode()) for c in case["certs"]]
    at = datetime.datetime.fromtimestamp(case["at"], tz=datetime.timezone.utc)
    subject = IPAddress(ipaddress.ip_address(case["ip"])) if case.get("ip") else DNSName(case["host"])
    verifier = PolicyBuilder().store(Store([certs[0]])).time(at).build_server_verifier(subject)
    verifier.verify(certs[-1], certs[1:-1])


def main():
    print(json.dumps({"version": cryptography.__version__}), flush=True)
    for line in sys.stdin:
        case = json.loads(line)
        result = {"id": case["id"], "ok": True, "reason": ""}
        try:
            verify(case)
        except Exception as e:  # a verification error or a certificate it cannot load
            result["ok"], result["reason"] = False, f"{type(e).__name__}: {e}"
        print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
