import { createHash, timingSafeEqual } from 'node:crypto';
import type { OpenAPIHono } from '@hono/zod-openapi';
import { HTTPException } from 'hono/http-exception';
import type { Logger } from 'pino';
import { DomainError, ForbiddenError, UnauthenticatedError } from '../domain/errors.ts';
import { hasRole } from '../domain/principal.ts';
import { requestIdFrom } from '../server/request-ids.ts';
import { type Authenticator, isUnknownWorkspace } from '../server/auth/authenticate.ts';
import { mountDocs, OPENAPI_INFO } from './docs.ts';
import type { RestEnv, RestRoutes, RestVariables } from './env.ts';
import { detailOf, statusOf, validationStatus } from './errors.ts';
import { observeRequests, opsRoutes } from './ops.ts';
import { fallbackRouting } from './fallback-routing.ts';
import { routes } from './routes.ts';

import { engineRoutes } from './engine/routes.ts';
import { historyRoutes } from './history/routes.ts';
import { legacyRoutes } from './legacy/routes.ts';
import { v2Routes } from './v2/routes.ts';
import { v1AgentRoutes } from './v1/agents.ts';
import { v1RunEventRoutes } from './v1/run-events.ts';
import { v1RunRoutes } from './v1/runs.ts';
import { v1WorkflowRoutes } from './v1/workflows.ts';
import { problem, refusalDialect } from './problem.ts';
import { isPublicPath } from './public-paths.ts';
import { finishOpenApi } from './openapi-document.ts';
import { rateLimitRequests } from './rate-limit.ts';
import type { RateLimiter } from '../server/rate-limit.ts';

/** What the REST layer is built from (the same services GraphQL uses). */
export type RestDeps = Omit<RestVariables, 'principal' | 'requestId' | 'dialect' | 'credentialExpiresAt'> & {
  logger: Logger;
  auth: Authenticator;
  /** Bearer token /metrics asks for (METRICS_TOKEN); null = closed when authentication is on, open when it is off. */
  metricsToken: string | null;
  /** Per-user request budgets; null or absent = no limit (RATE_LIMIT_PER_MINUTE=0). */
  rateLimiter?: RateLimiter | null;
};

/** POSTs that only compute an answer from their body, which a viewer may send. */
const READ_ONLY_POSTS: ReadonlySet<string> = new Set(['/api/v2/workflows/parse', '/api/workflows/validate']);

/** Whether a request changes something (and so needs at least the editor role). */
function isWrite(method: string, path: string): boolean {
  if (method === 'GET' || method === 'HEAD' || method === 'OPTIONS') return false;
  return !(method === 'POST' && READ_ONLY_POSTS.has(path));
}

/** Compares a presented metrics token with the configured one without leaking its length through timing. */
function sameToken(presented: string, expected: string): boolean {
  const a = createHash('sha256').update(presented).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/** Every route group of the REST layer, in mount order; the OpenAPI document describes them all. */
export function restRoutes(): RestRoutes {
  const app = routes();
  app.route('/', opsRoutes());
  // Before seed 004's /api/v1/workflows/{workflow_id}, which would otherwise take "runs".
  app.route('/api/v1/workflows', historyRoutes());
  app.route('/api/v1/agents', v1AgentRoutes());
  app.route('/api/v1/workflows', v1WorkflowRoutes());
  app.route('/api/v1/runs', v1RunEventRoutes());
  app.route('/api/v1/runs', v1RunRoutes());
  app.route('/api/v2/workflows', v2Routes());
  // Seed 002 lists and creates at `/api/workflows/` (FastAPI's trailing slash): mounted with it, `/` is that path.
  app.route('/api/workflows/', legacyRoutes());
  app.route('/workflows', engineRoutes());
  return app;
}

/** The OpenAPI document of every route, built without a server or database (`npm run openapi`). */
export function restOpenApi() {
  return finishOpenApi(restRoutes().getOpenAPI31Document(OPENAPI_INFO));
}

/**
 * The REST compatibility layer: request ids, the caller's workspace, the documented error
 * format, and every dialect's routes, with their OpenAPI document at /openapi.json and
 * interactive docs at /docs and /redoc.
 */
export function createRestApp(deps: RestDeps): OpenAPIHono<RestEnv> {
  const app = routes();
  app.use(async (c, next) => {
    const incoming = c.req.header('x-request-id');
    const requestId = requestIdFrom(incoming);
    c.set('requestId', requestId);
    // Until a dialect's route group says otherwise (unmatched paths answer in seed 004's format).
    c.set('dialect', 'v1');
    c.set('services', deps.services);
    c.set('resources', deps.resources);
    c.set('streams', deps.streams);
    c.set('runChanges', deps.runChanges);
    c.set('ops', deps.ops);
    c.set('sseHeartbeatMs', deps.sseHeartbeatMs);
    c.header('X-Request-Id', requestId);
    await next();
  });
  app.use(observeRequests());
  // FastAPI routes before it authenticates, limits or reads a body: 405, 307 and 404 are decided here.
  app.use(fallbackRouting(() => app.routes));
  app.use(async (c, next) => {
    const path = c.req.path;
    if (isPublicPath(path)) return next();
    if (path === '/metrics') {
      // Prometheus scrapes with a static token of its own when one is configured; with
      // authentication off it is open. A tenant's credential never reads it: its labels name
      // every tenant's workflows (ids and names) and agents.
      if (deps.metricsToken) {
        const presented = /^Bearer\s+(\S+)$/i.exec(c.req.header('authorization') ?? '')?.[1];
        if (presented && sameToken(presented, deps.metricsToken)) return next();
        c.header('WWW-Authenticate', 'Bearer');
        return problem(c, 401, 'Not authenticated: /metrics needs Authorization: Bearer <METRICS_TOKEN>');
      }
      if (deps.auth.mode === 'none') return next();
      c.header('WWW-Authenticate', 'Bearer');
      return problem(
        c,
        401,
        "Not authenticated: /metrics names every tenant's workflows and agents, so it is read with METRICS_TOKEN (Authorization: Bearer <METRICS_TOKEN>), never a tenant's credential; this server sets none",
      );
    }
    c.set('dialect', refusalDialect(path));
    try {
      const { principal, identity } = await deps.auth.authenticate(c.req.raw);
      if (isWrite(c.req.method, path) && !hasRole(principal.role, 'editor')) {
        return problem(c, 403, `Your role (${principal.role}) may not change anything; it needs the editor role`);
      }
      c.set('principal', principal);
      c.set('credentialExpiresAt', identity.expiresAt);
    } catch (error) {
      if (isUnknownWorkspace(error)) {
        return problem(c, 400, `${error.message}; pass an existing workspace in X-Workspace-Id or X-Workspace-Slug`);
      }
      if (error instanceof UnauthenticatedError) {
        c.header('WWW-Authenticate', 'Bearer');
        return problem(c, 401, error.message);
      }
      if (error instanceof ForbiddenError) return problem(c, 403, error.message);
      throw error;
    }
    await next();
    return undefined;
  });
  // Counted once the caller is known, before any route does anything.
  app.use(rateLimitRequests(deps.rateLimiter ?? null));

  app.route('/', restRoutes());
  mountDocs(app);

  app.notFound((c) => problem(c, 404, 'Not Found'));
  app.onError((error, c) => {
    if (error instanceof DomainError) return problem(c, statusOf(error, c.get('dialect')), detailOf(error, c.get('dialect')));
    if (error instanceof HTTPException) {
      // Hono's own refusals: a body that is not JSON is a validation failure for these callers.
      if (error.status === 400 && /JSON/i.test(error.message)) {
        return problem(c, validationStatus(c.get('dialect')), [
          { type: 'json_invalid', loc: ['body'], msg: 'JSON decode error', input: null },
        ]);
      }
      return problem(c, error.status, error.message || 'Bad Request');
    }
    deps.logger.error({ err: error, requestId: c.get('requestId') }, 'unexpected error in a REST route');
    return problem(c, 500, 'An unexpected error occurred');
  });
  return app;
}
