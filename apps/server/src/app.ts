/**
 * `createApp(deps)`: the nodeid-server HTTP API as a Hono app. It never listens; `main.ts`
 * starts it on Node with TLS, and tests call `app.request()`.
 */
import { createHash } from 'node:crypto';
import { type Context, Hono, type Next } from 'hono';
import { contextStorage } from 'hono/context-storage';
import { cors } from 'hono/cors';
import { secureHeaders } from 'hono/secure-headers';
import { acmeRoutes } from './acme/acme-routes.js';
import type { AppDeps } from './deps.js';
import { type AdminTokens, fixedAdminTokens, requireAdmin } from './lib/admin-auth.js';
import { checkDeclaredLength, checkJsonContentType } from './lib/body.js';
import { clientAddress, createServices } from './lib/context.js';
import { toErrorResponse } from './lib/http-error.js';
import { rateLimit } from './lib/rate-limit.js';
import { adminRoutes } from './routes/admin.js';
import { certificateRoutes } from './routes/certificates.js';
import { enrollmentRoutes } from './routes/enrollments.js';
import { opsRoutes } from './routes/ops.js';
import { publicRoutes } from './routes/public.js';
import { signRoutes } from './routes/sign.js';

export type { AppDeps } from './deps.js';

/**
 * Builds the API. Admin routes need `Authorization: Bearer <admin token>`; `/v1/sign` and
 * `/v1/enrollments` are rate limited per client; bodies are limited to 64 KiB; every error is
 * `{ code, message }`; security headers are set on every response; CORS only for `corsOrigins`.
 *
 * @example
 * ```ts
 * const app = createApp({ ca, clusterName: 'scale.cluster', store, adminTokenHashes: [sha256(adminToken)] });
 * const res = await app.request('/v1/ca');
 * ```
 */
export function createApp(deps: AppDeps): Hono {
  const s = createServices(deps);
  const limits = deps.limits ?? {};
  const app = new Hono();
  // Hono answers HEAD by running GET and copying its response; under @hono/node-server the copy
  // takes the headers the handler gave, losing those that middleware added later (the security
  // headers). A HEAD answer rebuilt here, outside every other middleware, keeps them all.
  app.use('*', async function headKeepsHeaders(c, next) {
    await next();
    if (c.req.method === 'HEAD')
      c.res = new Response(null, { status: c.res.status, headers: new Headers(c.res.headers) });
  });
  // audit lines read the request's actor and address from here (lib/context.ts)
  app.use('*', contextStorage());

  app.onError((err, c) => {
    const { status, body } = toErrorResponse(err);
    if (status >= 500)
      console.error(
        `internal error on ${c.req.method} ${c.req.path}: ${err instanceof Error ? err.message : String(err)}`,
      );
    return c.json(body, status);
  });
  app.notFound((c) =>
    c.json({ code: 'ERR_NOT_FOUND', message: `no route ${c.req.method} ${c.req.path}` }, 404),
  );

  app.use('*', async function countRequests(c, next) {
    await next();
    s.metrics.countRequest(c.req.routePath ?? c.req.path, c.req.method, c.res.status);
  });
  app.use(
    '*',
    secureHeaders({
      contentSecurityPolicy: {
        // the policy apps/web documents for the page served at /
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'"],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'none'"],
        formAction: ["'none'"],
        frameAncestors: ["'none'"],
      },
    }),
  );
  if (deps.corsOrigins?.length)
    app.use(
      '/v1/*',
      cors({
        origin: deps.corsOrigins,
        allowHeaders: ['Content-Type', 'Authorization'],
        // the total of a page of GET /v1/certificates
        exposeHeaders: ['X-Total-Count'],
      }),
    );
  // a body declared too large is refused before anything is read; the readers (lib/body.ts)
  // also stop at the limit whatever was declared
  app.use('/v1/*', async function limitBody(c, next) {
    checkDeclaredLength(c, s.bodyBytes);
    checkJsonContentType(c);
    await next();
  });

  const admin = requireAdmin({
    tokens: Array.isArray(deps.adminTokenHashes)
      ? fixedAdminTokens(deps.adminTokenHashes)
      : (deps.adminTokenHashes as AdminTokens),
    clientAddress,
    audit: (action, fields) => s.audit(action, fields),
    now: () => s.now().getTime(),
  });
  // one instance on every admin prefix, so failed attempts count across them ("/x/*" also matches "/x")
  app.use('/v1/enrollments/*', admin);
  app.use('/v1/certificates/*', admin);
  app.use('/v1/admin/*', admin);
  // enrollment tokens and the inventory are for the admin only: no cache keeps them (RFC 9111 §5.2.2.5)
  const noStore = async function noStore(c: Context, next: Next) {
    await next();
    c.header('Cache-Control', 'no-store');
  };
  app.use('/v1/enrollments/*', noStore);
  app.use('/v1/certificates/*', noStore);
  app.use('/v1/admin/*', noStore);
  app.on(
    'POST',
    '/v1/enrollments',
    rateLimit({
      perMinute: limits.enrollPerMinute ?? 120,
      burst: limits.enrollBurst ?? 60,
      key: clientAddress,
    }),
  );
  app.on(
    'POST',
    '/v1/sign',
    rateLimit({
      perMinute: limits.signPerMinute ?? 60,
      burst: limits.signBurst ?? 30,
      key: clientAddress,
    }),
  );

  // renewal: per address, and per presented certificate (by its SHA-256), so neither one client
  // nor one certificate makes the CA verify and sign without end
  app.on(
    'POST',
    '/v1/renew',
    rateLimit({
      perMinute: limits.renewPerMinute ?? 30,
      burst: limits.renewBurst ?? 10,
      key: clientAddress,
    }),
    rateLimit({
      perMinute: limits.renewPerCertificatePerMinute ?? 0.1,
      burst: limits.renewPerCertificateBurst ?? 3,
      key: (c) => {
        const der = deps.peerCertificate?.(c);
        return der?.length ? createHash('sha256').update(der).digest('base64url') : 'none';
      },
    }),
  );

  app.route('/', publicRoutes(s));
  app.route('/', enrollmentRoutes(s));
  app.route('/', signRoutes(s));
  app.route('/', certificateRoutes(s));
  app.route('/', adminRoutes(s));
  app.route('/', opsRoutes(s));
  // ACME (RFC 8555) unless turned off; accounts need an enrollment token unless acme.open
  if (deps.acme !== false) app.route('/acme', acmeRoutes(s, deps.acme));
  if (deps.staticFiles) app.use('/*', deps.staticFiles);
  return app;
}
