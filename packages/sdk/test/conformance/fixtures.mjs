/**
 * Certificates made by the openssl CLI, and what openssl says about them, for the conformance suite.
 * Regenerate with the commands above each one (dates and keys will differ; update the expectations).
 */

// openssl ecparam -name prime256v1 -genkey -noout -out ec.key
// openssl req -x509 -new -key ec.key -sha256 -days 3650 -subj '/O=Example Corp/CN=cluster1' \
//   -addext 'subjectAltName=DNS:node1,DNS:node1.example.net,IP:127.0.0.1' \
//   -addext 'basicConstraints=critical,CA:FALSE' -addext 'keyUsage=critical,digitalSignature' \
//   -addext 'extendedKeyUsage=serverAuth,clientAuth' -set_serial 0x1a2b3c4d5e6f
export const OPENSSL_NODE_PEM = `-----BEGIN CERTIFICATE-----
MIIB9DCCAZqgAwIBAgIGGis8TV5vMAoGCCqGSM49BAMCMCoxFTATBgNVBAoMDEV4
YW1wbGUgQ29ycDERMA8GA1UEAwwIY2x1c3RlcjEwHhcNMjYxMTIyMTYwNzExWhcN
MzYxMTE5MTYwNzExWjAqMRUwEwYDVQQKDAxFeGFtcGxlIENvcnAxETAPBgNVBAMM
CGNsdXN0ZXIxMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEpn8AUbCK/KUHgojv
wSSjp6sE6/a8zMB6aBxJLtueSZ3/MR6Au91OXhob0CyMFIVqydZ4cCvE8LafYrSY
+Lf/g6OBqzCBqDAdBgNVHQ4EFgQUk+Dntw9I82Aekt0q8CQYC0eqVbcwHwYDVR0j
BBgwFoAUk+Dntw9I82Aekt0q8CQYC0eqVbcwKQYDVR0RBCIwIIIFbm9kZTGCEW5v
ZGUxLmV4YW1wbGUubmV0hwR/AAABMAwGA1UdEwEB/wQCMAAwDgYDVR0PAQH/BAQD
AgeAMB0GA1UdJQQWMBQGCCsGAQUFBwMBBggrBgEFBQcDAjAKBggqhkjOPQQDAgNI
ADBFAiA12n2QPHu7RBxKoEuYowzMCYZyh+M29aGr+oKctD0MgAIhAJ4XAEHHZxdm
n1B8SQ5A9Tnt9gSqWEvYWZ0tcpQb9x/B
-----END CERTIFICATE-----
`;

// openssl genpkey -algorithm ed25519 -out ed.key
// openssl req -x509 -new -key ed.key -days 3650 -subj '/CN=Ed Root' -set_serial 7 \
//   -addext 'basicConstraints=critical,CA:TRUE,pathlen:1' -addext 'keyUsage=critical,keyCertSign,cRLSign'
export const OPENSSL_ED25519_CA_PEM = `-----BEGIN CERTIFICATE-----
MIIBODCB66ADAgECAgEHMAUGAytlcDASMRAwDgYDVQQDDAdFZCBSb290MB4XDTI2
MTEyMjE2MDcxMVoXDTM2MTExOTE2MDcxMVowEjEQMA4GA1UEAwwHRWQgUm9vdDAq
MAUGAytlcAMhAKx+smfdYb1/1xP8skeqX6NSsfGi+xYbV/TXHkd6a8Cso2YwZDAd
BgNVHQ4EFgQUd56O6MtWE9lKEKZfChrFsevnlDgwHwYDVR0jBBgwFoAUd56O6MtW
E9lKEKZfChrFsevnlDgwEgYDVR0TAQH/BAgwBgEB/wIBATAOBgNVHQ8BAf8EBAMC
AQYwBQYDK2VwA0EArqlLcHsGxgv3vHaF7rx2r3/QPGk7w0zE+yY1Pw2jvFQ5U2Pu
U1VW/U9yQGV7qHuwn8YOB1oOYU21pPufkBguCw==
-----END CERTIFICATE-----
`;

/** What `openssl x509 -noout -text -fingerprint -sha256` prints for OPENSSL_NODE_PEM. */
export const OPENSSL_NODE_EXPECTED = {
  serialNumber: '1a2b3c4d5e6f',
  subject: 'CN=cluster1,O=Example Corp',
  notBefore: '2026-11-22T16:07:11.000Z',
  notAfter: '2036-11-19T16:07:11.000Z',
  dnsNames: ['node1', 'node1.example.net'],
  ipAddresses: ['127.0.0.1'],
  keyUsage: ['digitalSignature'],
  extendedKeyUsage: ['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2'],
  subjectKeyIdentifier: '93e0e7b70f48f3601e92dd2af024180b47aa55b7',
};

/** What openssl prints for OPENSSL_ED25519_CA_PEM. */
export const OPENSSL_ED25519_CA_EXPECTED = {
  serialNumber: '07',
  subject: 'CN=Ed Root',
  pathLength: 1,
  keyUsage: ['keyCertSign', 'cRLSign'],
};
