// The REST side of the per-user rate limit (src/server/rate-limit.ts holds the budgets).

import type { IncomingMessage } from 'node:http';
import type { MiddlewareHandler } from 'hono';
import { addressOf, type RateLimiter, rateKey, rateLimitedMessage, rateLimitHeaders } from '../server/rate-limit.ts';
import type { RestEnv } from './env.ts';
import { problem } from './problem.ts';
import { isPublicPath } from './public-paths.ts';

/**
 * Counts every REST request but the public paths and /metrics against its caller's
 * budget, before any route runs (a refused request changes nothing). Mounted after the
 * principal is set; answers 429 in the dialect's error shape with Retry-After when the budget
 * is spent, and adds the RateLimit headers to every counted response.
 */
export function rateLimitRequests(limiter: RateLimiter | null): MiddlewareHandler<RestEnv> {
  return async (c, next) => {
    if (!limiter || isPublicPath(c.req.path) || c.req.path === '/metrics') return next();
    // Set by @hono/node-server; absent for in-process `app.fetch` requests.
    const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
    const decision = await limiter.consume(rateKey(c.get('principal'), addressOf(incoming)));
    const headers = Object.entries(rateLimitHeaders(decision));
    if (!decision.allowed) {
      for (const [name, value] of headers) c.header(name, value);
      // The principal middleware has already chosen the error shape by path (v2's `success: false`).
      return problem(c, 429, rateLimitedMessage(decision));
    }
    await next();
    // On the final response, whichever way the route built it (or the error handler did).
    for (const [name, value] of headers) c.res.headers.set(name, value);
    return undefined;
  };
}
