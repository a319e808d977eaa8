import { OpenAPIHono } from '@hono/zod-openapi';
import type { RestEnv, RestRoutes } from './env.ts';
import { type Dialect, type Location, validationDetails, validationStatus } from './errors.ts';
import { problem } from './problem.ts';

const LOCATIONS: Record<string, Location> = { json: 'body', form: 'body', query: 'query', param: 'path', header: 'header' };

/**
 * A route group of one dialect: its errors take that dialect's shape and statuses, and request
 * validation failures answer with pydantic-style details (`type`, `loc`, `msg`, `input`), as
 * 422 or 400 as the dialect documents. Every dialect module starts from this.
 */
export function routes(dialect: Dialect = 'v1'): RestRoutes {
  const app = new OpenAPIHono<RestEnv>({
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
      return problem(c, validationStatus(dialect), validationDetails(result.error, location, data));
    },
  });
  app.use(async (c, next) => {
    c.set('dialect', dialect);
    await next();
  });
  return app;
}
