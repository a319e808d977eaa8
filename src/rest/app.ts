import { randomUUID } from 'node:crypto';
import type { OpenAPIHono } from '@hono/zod-openapi';
import { HTTPException } from 'hono/http-exception';
import type { Logger } from 'pino';
import { DomainError, NotFoundError } from '../domain/errors.ts';
import { principalFor } from '../server/context.ts';
import { mountDocs, OPENAPI_INFO } from './docs.ts';
import type { RestEnv, RestRoutes, RestVariables } from './env.ts';
import { detailOf, statusOf, validationStatus } from './errors.ts';
import { observeRequests, OPS_PATHS, opsRoutes } from './ops.ts';
import { routes } from './routes.ts';

const REQUEST_ID = /^[\w.:-]{1,128}$/;
import { engineRoutes } from './engine/routes.ts';
import { historyRoutes } from './history/routes.ts';
import { legacyRoutes } from './legacy/routes.ts';
import { v2Routes } from './v2/routes.ts';
import { V2_HEALTH_PATH } from './v2/service.ts';
import { v1AgentRoutes } from './v1/agents.ts';
import { v1RunEventRoutes } from './v1/run-events.ts';
import { v1RunRoutes } from './v1/runs.ts';
import { v1WorkflowRoutes } from './v1/workflows.ts';
import { problem } from './problem.ts';

/** What the REST layer is built from (the same services GraphQL uses). */
export type RestDeps = Omit<RestVariables, 'principal' | 'requestId' | 'dialect'> & { logger: Logger };

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
  return restRoutes().getOpenAPI31Document(OPENAPI_INFO);
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
    const requestId = incoming && REQUEST_ID.test(incoming) ? incoming : `req-${randomUUID()}`;
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
  app.use(async (c, next) => {
    // Probes (and seed 003's public health check) answer without a workspace lookup: liveness must not depend on the database.
    if (OPS_PATHS.has(c.req.path) || c.req.path === V2_HEALTH_PATH) return next();
    try {
      c.set('principal', await principalFor(c.req.raw, deps.services));
    } catch (error) {
      if (error instanceof NotFoundError) {
        return problem(c, 400, `${error.message}; pass an existing workspace in X-Workspace-Id or X-Workspace-Slug`);
      }
      throw error;
    }
    await next();
    return undefined;
  });

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
