// Seed 004's operations endpoints (/health, /health/ready, /metrics), and the measurement of
// every REST request for /metrics.

import { createRoute, z } from '@hono/zod-openapi';
import type { Context, MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';
import type { DependencyCheck, Liveness, Readiness } from '../server/health.ts';
import { UNMATCHED_ROUTE } from '../server/metrics.ts';
import type { RestEnv, RestRoutes } from './env.ts';
import { routes } from './routes.ts';
import { jsonResponse } from './schemas.ts';

/** Paths that answer without a workspace: probes must not depend on the database (or a header). */
export const OPS_PATHS: ReadonlySet<string> = new Set(['/health', '/healthz', '/health/ready', '/metrics']);

const tags = ['System & Health'];

const HealthResponse = z
  .object({
    status: z.literal('healthy').openapi({ description: 'Always `healthy`: the process is up and serving.' }),
    timestamp: z.string().openapi({ description: 'Server time of the answer (ISO 8601).', example: '2024-01-01T10:00:00.000Z' }),
    version: z.string().openapi({ description: 'The running Flowdeck version.', example: '0.1.0' }),
    uptime_seconds: z.number().openapi({ description: 'Seconds since this server started, with a fraction.', example: 3600.5 }),
    services: z.null().openapi({ description: 'Always null: liveness checks no dependency (see /health/ready).' }),
  })
  .openapi('HealthResponse', { description: 'Liveness: the process answers, without checking any dependency.' });

const DependencyCheckBody = z
  .object({
    status: z.enum(['healthy', 'unhealthy', 'unknown']).openapi({
      description: '`healthy`, `unhealthy`, or `unknown` when this process cannot tell (never makes the server unready).',
    }),
    message: z.string().openapi({ description: 'What was found, or why the check failed.', example: 'Database connection active' }),
    response_time_ms: z
      .number()
      .nullable()
      .openapi({ description: 'How long the check took in milliseconds; null when it did not reach the dependency.', example: 12.5 }),
  })
  .openapi('DependencyCheck', { description: 'The state of one dependency.' });

const ReadinessResponse = z
  .object({
    ready: z.boolean().openapi({ description: 'True when the server can serve requests: its database answers.' }),
    timestamp: z.string().openapi({ description: 'Server time of the answer (ISO 8601).', example: '2024-01-01T10:00:00.000Z' }),
    checks: z
      .object({
        database: DependencyCheckBody.openapi({ description: 'A `SELECT 1` round trip to the database (failing after 3 s).' }),
        workers: DependencyCheckBody.openapi({
          description:
            "This process's run workers: `healthy` when it executes runs, `unknown` in an API-only process (WORKER_CONCURRENCY=0). Informational: it never makes the server unready.",
        }),
      })
      .openapi({ description: 'One entry per dependency.' }),
  })
  .openapi('ReadinessResponse', { description: 'Readiness: whether the server can serve requests, with each dependency checked.' });

const liveRoute = (path: string, summary: string, description: string) =>
  createRoute({
    method: 'get',
    path,
    tags,
    summary,
    description,
    responses: { 200: jsonResponse(HealthResponse, 'The server is up.') },
  });

const health = liveRoute(
  '/health',
  'Basic health check',
  'Liveness probe: answers as long as the process serves requests, without checking dependencies (no database query, no workspace needed).',
);
const healthz = liveRoute(
  '/healthz',
  'Basic health check (alias)',
  'The same answer as /health, kept for probes configured before it existed.',
);

const ready = createRoute({
  method: 'get',
  path: '/health/ready',
  tags,
  summary: 'Readiness check with dependencies',
  description:
    'Readiness probe: 200 when the database answers a query, 503 (same body, `ready: false`, the database check `unhealthy` with the reason) when it does not. ' +
    "Flowdeck has no Kafka: runs are queued in the database and executed by workers that claim them with leases, so the seed's `kafka` check is replaced by `workers`, which reports this process's workers and never makes it unready.",
  responses: {
    200: jsonResponse(ReadinessResponse, 'Ready: every required dependency answers.'),
    503: jsonResponse(ReadinessResponse, 'Not ready: the database did not answer (see `checks.database.message`).'),
  },
});

const metrics = createRoute({
  method: 'get',
  path: '/metrics',
  tags,
  summary: 'Prometheus metrics',
  description:
    'Prometheus text exposition. Per process: `flowdeck_http_request_duration_seconds` (by method, route pattern, status), ' +
    '`flowdeck_step_duration_seconds` and `flowdeck_agent_call_errors_total` (by agent; steps executed by this process), ' +
    '`flowdeck_active_subscriptions`, and the Node.js process metrics. Cluster-wide, read from the database at scrape time ' +
    '(every server reports the same values, so aggregate with max): `flowdeck_runs_{started,completed,failed,cancelled}_total` ' +
    '(by workflow) and `flowdeck_runs_pending`. The series the seed documents keep their names: `api_info`, ' +
    '`api_uptime_seconds` and `api_requests_total` (every HTTP request this process answered).',
  responses: {
    200: {
      description: 'The metrics, in the Prometheus text format (version 0.0.4).',
      content: { 'text/plain': { schema: z.string().openapi({ description: 'Prometheus text exposition format.' }) } },
    },
  },
});

const iso = (date: Date) => date.toISOString();

function liveBody(live: Liveness): z.infer<typeof HealthResponse> {
  return { status: 'healthy', timestamp: iso(live.at), version: live.version, uptime_seconds: live.uptimeSeconds, services: null };
}

const checkBody = (check: DependencyCheck) => ({ status: check.status, message: check.message, response_time_ms: check.responseTimeMs });

function readyBody(readiness: Readiness): z.infer<typeof ReadinessResponse> {
  return {
    ready: readiness.ready,
    timestamp: iso(readiness.at),
    checks: { database: checkBody(readiness.checks.database), workers: checkBody(readiness.checks.workers) },
  };
}

/** Operations endpoints: /health (and /healthz), /health/ready and /metrics. */
export function opsRoutes(): RestRoutes {
  const app = routes();
  app.openapi(health, (c) => c.json(liveBody(c.var.ops.health.live()), 200));
  app.openapi(healthz, (c) => c.json(liveBody(c.var.ops.health.live()), 200));
  app.openapi(ready, async (c) => {
    const readiness = await c.var.ops.health.ready();
    return readiness.ready ? c.json(readyBody(readiness), 200) : c.json(readyBody(readiness), 503);
  });
  app.openapi(metrics, async (c) => {
    const { contentType, text } = await c.var.ops.metrics.render();
    return c.text(text, 200, { 'content-type': contentType });
  });
  return app;
}

/**
 * The matched route pattern of a finished request (e.g. /api/v1/runs/:run_id): the route that
 * answered, else the first route the request was headed for (when a middleware answered first),
 * else {@link UNMATCHED_ROUTE}.
 */
function routeOf(c: Context<RestEnv>): string {
  const matched = matchedRoutes(c);
  const answered = matched[c.req.routeIndex];
  // Middlewares are registered for every method ('ALL'); routes name theirs.
  if (answered && answered.method !== 'ALL') return answered.path;
  return matched.find((route) => route.method !== 'ALL')?.path ?? UNMATCHED_ROUTE;
}

/** Times every REST request into the app's metrics, labelled by route pattern and status. */
export function observeRequests(): MiddlewareHandler<RestEnv> {
  return async (c, next) => {
    const started = performance.now();
    await next();
    c.var.ops.metrics.observeRequest(c.req.method, routeOf(c), c.res.status, (performance.now() - started) / 1000);
  };
}
