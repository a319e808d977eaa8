import { randomUUID } from 'node:crypto';
import { OpenAPIHono } from '@hono/zod-openapi';
import { HTTPException } from 'hono/http-exception';
import type { Logger } from 'pino';
import { DomainError, NotFoundError } from '../domain/errors.ts';
import { principalFor } from '../server/context.ts';
import { mountDocs, OPENAPI_INFO } from './docs.ts';
import type { RestEnv, RestRoutes, RestVariables } from './env.ts';
import { detailOf, type Location, statusOf, validationDetails } from './errors.ts';
import { problem } from './problem.ts';

/** What the REST layer is built from (the same services GraphQL uses). */
export type RestDeps = Omit<RestVariables, 'principal' | 'requestId' | 'dialect'> & { logger: Logger };

const LOCATIONS: Record<string, Location> = { json: 'body', form: 'body', query: 'query', param: 'path', header: 'header' };
const REQUEST_ID = /^[\w.:-]{1,128}$/;

/**
 * A route group whose request validation failures answer 422 with pydantic-style details (the
 * shape every documented dialect's callers parse). Every dialect module starts from this.
 */
export function routes(): RestRoutes {
  return new OpenAPIHono<RestEnv>({
    defaultHook: async (result, c) => {
      if (result.success) return undefined;
      const location = LOCATIONS[result.target] ?? 'body';
      // The raw input, for each issue's `input` (the body is cached by the validator's read).
      const data: unknown =
        location === 'body'
          ? await c.req.json<unknown>().catch(() => null)
          : location === 'query'
            ? c.req.query()
            : location === 'path'
              ? c.req.param()
              : null;
      return problem(c, 422, validationDetails(result.error, location, data));
    },
  });
}

/** Every route group of the REST layer, in mount order; the OpenAPI document describes them all. */
export function restRoutes(): RestRoutes {
  const app = routes();
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
    c.set('dialect', 'v1');
    c.set('services', deps.services);
    c.set('resources', deps.resources);
    c.set('streams', deps.streams);
    c.set('runChanges', deps.runChanges);
    c.header('X-Request-Id', requestId);
    await next();
  });
  app.use(async (c, next) => {
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
    if (error instanceof DomainError) return problem(c, statusOf(error, c.get('dialect')), detailOf(error));
    if (error instanceof HTTPException) {
      // Hono's own refusals: a body that is not JSON is a validation failure for these callers.
      if (error.status === 400 && /JSON/i.test(error.message)) {
        return problem(c, 422, [{ type: 'json_invalid', loc: ['body'], msg: 'JSON decode error', input: null }]);
      }
      return problem(c, error.status, error.message || 'Bad Request');
    }
    deps.logger.error({ err: error, requestId: c.get('requestId') }, 'unexpected error in a REST route');
    return problem(c, 500, 'An unexpected error occurred');
  });
  return app;
}
