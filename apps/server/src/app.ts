/**
 * `createApp(deps)`: the nodeid-server HTTP API as a Hono app. It never listens; `main.ts`
 * starts it on Node with TLS, and tests call `app.request()`.
 */
import { Hono } from 'hono';
import { cors } from 'hono/cors';
import { secureHeaders } from 'hono/secure-headers';
import type { AppDeps } from './deps.js';
import { checkDeclaredLength } from './lib/body.js';
import { createServices } from './lib/context.js';
import { HttpError, toErrorResponse } from './lib/http-error.js';
import { rateLimit } from './lib/rate-limit.js';
import { isAdminToken } from './lib/tokens.js';
import { certificateRoutes } from './routes/certificates.js';
import { enrollmentRoutes } from './routes/enrollments.js';
import { opsRoutes } from './routes/ops.js';
import { publicRoutes } from './routes/public.js';
import { signRoutes } from './routes/sign.js';

export type { AppDeps } from './deps.js';

/** The address a request came from, for rate limits. */
function clientKey(c: {
  env: unknown;
  req: { header: (n: string) => string | undefined };
}): string {
  const env = c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined;
  return env?.incoming?.socket?.remoteAddress ?? 'local';
}

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
      cors({ origin: deps.corsOrigins, allowHeaders: ['Content-Type', 'Authorization'] }),
    );
  // a body declared too large is refused before anything is read; the readers (lib/body.ts)
  // also stop at the limit whatever was declared
  app.use('/v1/*', async function limitBody(c, next) {
    checkDeclaredLength(c, s.bodyBytes);
    await next();
  });

  const requireAdmin = async function requireAdmin(
    c: Parameters<Parameters<typeof app.use>[1]>[0],
    next: () => Promise<void>,
  ) {
    const header = c.req.header('authorization') ?? '';
    const m = /^Bearer\s+(\S+)$/i.exec(header);
    if (!m || !isAdminToken(m[1]!, deps.adminTokenHashes))
      throw new HttpError(
        401,
        'ERR_UNAUTHORIZED',
        'this call needs an admin token: Authorization: Bearer <token>',
      );
    await next();
  };
  app.use('/v1/enrollments', requireAdmin);
  app.use('/v1/enrollments/*', requireAdmin);
  app.use('/v1/certificates', requireAdmin);
  app.use('/v1/certificates/*', requireAdmin);
  app.on(
    'POST',
    '/v1/enrollments',
    rateLimit({
      perMinute: limits.enrollPerMinute ?? 120,
      burst: limits.enrollBurst ?? 60,
      key: clientKey,
    }),
  );
  app.on(
    'POST',
    '/v1/sign',
    rateLimit({
      perMinute: limits.signPerMinute ?? 60,
      burst: limits.signBurst ?? 30,
      key: clientKey,
    }),
  );

  app.route('/', publicRoutes(s));
  app.route('/', enrollmentRoutes(s));
  app.route('/', signRoutes(s));
  app.route('/', certificateRoutes(s));
  app.route('/', opsRoutes(s));
  if (deps.staticFiles) app.use('/*', deps.staticFiles);
  return app;
}
