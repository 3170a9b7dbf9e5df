/** The OpenAPI 3.1 description of the API, and a plain HTML reference rendered from it. */

const error = { $ref: '#/components/schemas/Error' };
const errorResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: error } },
});
const admin = [{ bearer: [] }];
const signResult = {
  type: 'object',
  required: ['certificate', 'chain', 'granted', 'denied', 'serialNumber', 'notAfter'],
  properties: {
    certificate: { type: 'string', description: 'the issued certificate, PEM' },
    chain: {
      type: 'array',
      items: { type: 'string' },
      description: 'issuing CA certificates, nearest first, PEM',
    },
    granted: {
      type: 'array',
      items: { type: 'string' },
      examples: [['DNS:node1', 'DNS:node1.example.net']],
    },
    denied: {
      type: 'array',
      items: {
        type: 'object',
        properties: { name: { type: 'string' }, reason: { type: 'string' } },
      },
    },
    serialNumber: { type: 'string' },
    notAfter: { type: 'string', format: 'date-time' },
  },
};

export const openApiDocument = {
  openapi: '3.1.0',
  info: {
    title: 'nodeid-server',
    version: '1',
    description:
      'A cluster CA: one-time node enrollment, mutual-TLS renewal, revocation, CRLs and metrics.',
  },
  components: {
    securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'an admin token' } },
    schemas: {
      Error: {
        type: 'object',
        required: ['code', 'message'],
        properties: {
          code: { type: 'string', examples: ['ERR_TOKEN_INVALID'] },
          message: { type: 'string' },
        },
      },
      SignResult: signResult,
    },
  },
  paths: {
    '/v1/ca': {
      get: {
        summary: 'The CA certificate (PEM; JSON with its SHA-256 fingerprint with ?format=json)',
        parameters: [{ name: 'format', in: 'query', schema: { enum: ['pem', 'json'] } }],
        responses: { 200: { description: 'the CA certificate' } },
      },
    },
    '/v1/ca/bundle': {
      get: {
        summary:
          'The trust bundle (PEM): every root the nodes should trust now. During a CA key rotation (nodeid ca rotate) the new root and the old one; else the root alone (the same as /v1/ca for a root CA)',
        responses: { 200: { description: 'one or more CA certificates, PEM' } },
      },
    },
    '/v1/enrollments': {
      post: {
        summary: 'Create a one-time enrollment token bound to names (shown once)',
        security: admin,
        requestBody: {
          content: {
            'application/json': {
              schema: {
                type: 'object',
                required: ['name'],
                properties: {
                  name: { type: 'string' },
                  profile: { enum: ['node', 'server', 'client', 'control'] },
                  dns: { type: 'array', items: { type: 'string' } },
                  ips: { type: 'array', items: { type: 'string' } },
                  uris: { type: 'array', items: { type: 'string' } },
                  ttl: { type: 'string', examples: ['1h'] },
                  validityDays: { type: 'integer', description: 'certificate lifetime in days' },
                  validity: {
                    type: 'string',
                    examples: ['90d'],
                    description: 'the same as a duration',
                  },
                  acme: {
                    type: 'boolean',
                    description:
                      'also answer eab: { kid, hmacKey } (base64url), an ACME External Account Binding for /acme/directory; its account may order only these names',
                  },
                },
              },
            },
          },
        },
        responses: {
          201: {
            description: 'the token, shown once (with acme: true, also its eab kid and hmacKey)',
          },
          400: errorResponse('bad request'),
          401: errorResponse('not an admin'),
          429: errorResponse('rate limited'),
        },
      },
      get: {
        summary: 'List enrollment tokens (never the secrets)',
        security: admin,
        responses: { 200: { description: 'tokens' }, 401: errorResponse('not an admin') },
      },
    },
    '/v1/enrollments/{id}': {
      delete: {
        summary: 'Cancel an enrollment token',
        security: admin,
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
        responses: { 200: { description: 'cancelled' }, 404: errorResponse('unknown token') },
      },
    },
    '/v1/sign': {
      post: {
        summary: 'Sign a CSR with a one-time token; names outside the token are denied',
        requestBody: {
          content: {
            'application/json': {
              schema: {
                type: 'object',
                required: ['csr', 'token'],
                properties: { csr: { type: 'string' }, token: { type: 'string' } },
              },
            },
          },
        },
        responses: {
          200: {
            description: 'signed',
            content: {
              'application/json': { schema: { $ref: '#/components/schemas/SignResult' } },
            },
          },
          400: errorResponse('bad CSR'),
          401: errorResponse('token unknown, used or expired'),
          403: errorResponse('every requested name denied'),
          413: errorResponse('body too large'),
          429: errorResponse('rate limited'),
        },
      },
    },
    '/v1/renew': {
      post: {
        summary: 'Renew over mutual TLS with the current certificate and a CSR for the same names',
        description:
          'With `--renew-expired-within D`, a certificate that expired less than D ago still renews, once, if it is the newest, unrevoked, not superseded certificate for its names (audited as certificate.renew-expired).',
        requestBody: {
          content: {
            'application/json': {
              schema: {
                type: 'object',
                required: ['csr'],
                properties: { csr: { type: 'string' } },
              },
            },
          },
        },
        responses: {
          200: {
            description: 'renewed',
            content: {
              'application/json': { schema: { $ref: '#/components/schemas/SignResult' } },
            },
          },
          401: errorResponse(
            'no valid client certificate (ERR_CERT_EXPIRED: expired, or longer ago than --renew-expired-within), or a revoked one',
          ),
          403: errorResponse('ERR_EXTENDED_KEY_USAGE: the certificate has no clientAuth'),
          409: errorResponse(
            'ERR_CERTIFICATE_SUPERSEDED: the certificate was already renewed, or (expired) a newer certificate exists for its names',
          ),
          415: errorResponse('ERR_UNSUPPORTED_MEDIA_TYPE: the body is not application/json'),
          429: errorResponse(
            'ERR_RATE_LIMITED: too many renewals from this address or certificate',
          ),
        },
      },
    },
    '/v1/certificates': {
      get: {
        summary: 'The inventory',
        security: admin,
        parameters: [
          {
            name: 'status',
            in: 'query',
            schema: { enum: ['valid', 'superseded', 'revoked', 'expired'] },
          },
          {
            name: 'name',
            in: 'query',
            description:
              'a bare name matches any type (node1.example.net, 10.0.0.1); a typed one (DNS:node1) that type only',
            schema: { type: 'string', maxLength: 1024 },
          },
          { name: 'expiring', in: 'query', schema: { type: 'string', examples: ['30d'] } },
          {
            name: 'q',
            in: 'query',
            description:
              'search: a part of any name (ASCII case-insensitive) or of the serial in hex (colons ignored)',
            schema: { type: 'string', maxLength: 253 },
          },
          { name: 'profile', in: 'query', schema: { type: 'string', examples: ['node'] } },
          {
            name: 'sort',
            in: 'query',
            schema: {
              enum: ['notAfter', 'notBefore', 'serialNumber', 'name'],
              default: 'notAfter',
            },
          },
          { name: 'order', in: 'query', schema: { enum: ['asc', 'desc'], default: 'asc' } },
          { name: 'offset', in: 'query', schema: { type: 'integer', minimum: 0, default: 0 } },
          { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 1000 } },
        ],
        responses: {
          200: {
            description:
              'certificates; with offset or limit, the X-Total-Count header gives how many match in all',
            headers: { 'X-Total-Count': { schema: { type: 'integer' } } },
          },
          400: errorResponse('a malformed filter'),
        },
      },
    },
    '/v1/admin/overview': {
      get: {
        summary:
          'The inventory at a glance: counts (valid, expiring within the warning window, expired, revoked, superseded), the next ten to expire, the CA and CRL dates with alert names, expiries per week over 52 weeks',
        security: admin,
        parameters: [
          {
            name: 'warn',
            in: 'query',
            description: 'the warning window, 1h to 366d',
            schema: { type: 'string', default: '30d' },
          },
        ],
        responses: { 200: { description: 'the overview' }, 400: errorResponse('a bad window') },
      },
    },
    '/v1/admin/fleet-check': {
      post: {
        summary:
          "Cluster health on demand: the server connects to the node of each valid certificate of its inventory (its FQDN, else its first IP) on one TLS port, a bounded number at a time, and judges the chain each presents (nodeid fleet check's ALERT column)",
        security: admin,
        requestBody: {
          content: {
            'application/json': {
              schema: {
                type: 'object',
                properties: {
                  port: { type: 'integer', minimum: 1, maximum: 65535, default: 443 },
                  concurrency: { type: 'integer', minimum: 1, maximum: 64, default: 16 },
                  timeoutMs: { type: 'integer', minimum: 200, maximum: 30000, default: 5000 },
                  q: { type: 'string', description: 'only the certificates this search finds' },
                  offset: { type: 'integer', minimum: 0, default: 0 },
                  limit: { type: 'integer', minimum: 1, maximum: 5000, default: 5000 },
                },
              },
            },
          },
        },
        responses: {
          200: {
            description:
              'one line per node of this page (offset, limit) with its alerts, the total number of nodes, and a summary',
          },
          400: errorResponse('bad options'),
        },
      },
    },
    '/v1/admin/audit': {
      get: {
        summary: 'The latest audit lines, newest first',
        security: admin,
        parameters: [
          {
            name: 'event',
            in: 'query',
            description: 'only this action',
            schema: { type: 'string', examples: ['certificate.revoke', 'enrollment.create'] },
          },
          {
            name: 'limit',
            in: 'query',
            schema: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
          },
        ],
        responses: { 200: { description: 'audit lines' }, 400: errorResponse('a bad filter') },
      },
    },
    '/v1/certificates/{serial}': {
      get: {
        summary: 'One certificate (serial in hex, any case)',
        security: admin,
        parameters: [{ name: 'serial', in: 'path', required: true, schema: { type: 'string' } }],
        responses: {
          200: { description: 'the certificate' },
          404: errorResponse('unknown serial'),
        },
      },
    },
    '/v1/certificates/{serial}/revoke': {
      post: {
        summary: 'Revoke a certificate; the CRL is made again',
        security: admin,
        parameters: [{ name: 'serial', in: 'path', required: true, schema: { type: 'string' } }],
        requestBody: {
          content: {
            'application/json': {
              schema: {
                type: 'object',
                properties: { reason: { type: 'string', examples: ['keyCompromise'] } },
              },
            },
          },
        },
        responses: { 200: { description: 'revoked' }, 404: errorResponse('unknown serial') },
      },
    },
    '/v1/crl': {
      get: {
        summary:
          "The CRL of the CA this server issues from (DER application/pkix-crl; PEM with ?format=pem, which during a CA rotation holds two CRLs: the new key's, then the old key's); also served at the path of the CA folder's CRL address (nodeid ca init --crl-url), the cRLDistributionPoints URL its certificates carry",
        responses: {
          200: { description: 'the CRL' },
          503: errorResponse('the inventory cannot be read (ERR_CRL_UNAVAILABLE)'),
        },
      },
    },
    '/v1/crl/previous': {
      get: {
        summary:
          'During a CA rotation (nodeid ca rotate until nodeid ca retire-old): the CRL the old CA key signs for the certificates it issued (DER; PEM with ?format=pem). 404 without a rotation',
        responses: {
          200: { description: "the old key's CRL" },
          404: errorResponse('the CA is not in a rotation'),
          503: errorResponse('the inventory cannot be read (ERR_CRL_UNAVAILABLE)'),
        },
      },
    },
    '/v1/crl/root': {
      get: {
        summary:
          "An intermediate CA's root CRL, the file given with --root-crl (signed offline with nodeid crl create --dir ROOT); also served at the path of the CRL address in the intermediate's certificate. 404 unless --root-crl is given",
        responses: {
          200: { description: 'the root CRL' },
          503: errorResponse(
            'the file is missing or not a CRL signed by the root; never published (ERR_CRL_UNAVAILABLE)',
          ),
        },
      },
    },
    '/healthz': {
      get: {
        summary: 'Health: the inventory is there and writable',
        responses: {
          200: { description: 'ok' },
          503: errorResponse('the inventory is gone, replaced or read-only (ERR_STORE_IO)'),
        },
      },
    },
    '/metrics': {
      get: { summary: 'Prometheus metrics', responses: { 200: { description: 'metrics' } } },
    },
  },
} as const;

const escapeHtml = (s: string) =>
  s.replace(/[&<>"]/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[ch]!);

/** A self-contained HTML page listing every operation: no scripts, no outside assets. */
export function renderDocs(): string {
  const rows: string[] = [];
  for (const [path, ops] of Object.entries(openApiDocument.paths)) {
    for (const [method, op] of Object.entries(
      ops as Record<
        string,
        { summary: string; security?: unknown; responses: Record<string, { description: string }> }
      >,
    )) {
      const statuses = Object.entries(op.responses)
        .map(([code, r]) => `${code} ${escapeHtml(r.description)}`)
        .join('; ');
      rows.push(
        `<tr><td><code>${method.toUpperCase()}</code></td><td><code>${escapeHtml(path)}</code></td><td>${escapeHtml(op.summary)}${op.security ? ' <em>(admin)</em>' : ''}</td><td>${statuses}</td></tr>`,
      );
    }
  }
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>nodeid-server API</title><meta name="viewport" content="width=device-width,initial-scale=1"><style>body{font:15px system-ui,sans-serif;margin:2rem;max-width:70rem}table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #8884;padding:.4rem;text-align:left;vertical-align:top}@media(prefers-color-scheme:dark){body{background:#111;color:#eee}}</style></head><body><h1>nodeid-server API v1</h1><p>${escapeHtml(openApiDocument.info.description)} Machine-readable: <a href="/openapi.json">/openapi.json</a>. Errors are <code>{ "code", "message" }</code>; admin calls carry <code>Authorization: Bearer &lt;token&gt;</code>.</p><table><thead><tr><th>Method</th><th>Path</th><th>What it does</th><th>Responses</th></tr></thead><tbody>${rows.join('')}</tbody></table></body></html>`;
}
