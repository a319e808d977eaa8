import { OpenAPIHono } from '@hono/zod-openapi';
import type { RestEnv, RestRoutes } from './env.ts';
import { type Location, validationDetails } from './errors.ts';
import { problem } from './problem.ts';

const LOCATIONS: Record<string, Location> = { json: 'body', form: 'body', query: 'query', param: 'path', header: 'header' };

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
