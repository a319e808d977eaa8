// The Prometheus metrics of one app: a registry per createApp (several apps in one process, as in
// the tests, never share series), filled from three places:
//
// - measured in this process: HTTP request durations (REST and GraphQL), agent step durations
//   and agent call errors (reported by the engine through Resources.metrics), live
//   subscriptions, and the process's own metrics. These are per process, as Prometheus expects:
//   each server process is scraped and the series are summed across instances. A worker-only
//   process (`npm run worker`) measures its agent calls in its own registry, but serves no
//   HTTP, so only steps executed by server processes appear at /metrics.
// - read from the database at scrape time: run starts, completions, failures and cancellations
//   per workflow (counted from the run event log), and the pending run count. These are
//   cluster-wide, whichever process did the work (a worker-only process included), so every
//   server process reports the same values: aggregate them with max(), not sum().
//
// Seed 004's own series (api_info, api_uptime_seconds, api_requests_total) keep their names.

import type { Plugin } from 'graphql-yoga';
import type { Logger } from 'pino';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Database } from '../db/database.ts';
import type { AgentCallOutcome, EngineMetrics } from '../engine/metrics.ts';

/** The `route` label of requests that matched no route (raw paths would explode the series). */
export const UNMATCHED_ROUTE = 'unmatched';

/** Everything the app reports, and the exposition at /metrics. */
export interface AppMetrics extends EngineMetrics {
  /** One HTTP request finished: `route` is the matched route pattern (never a raw path), or {@link UNMATCHED_ROUTE}. */
  observeRequest(method: string, route: string, status: number, seconds: number): void;
  /** The Prometheus text exposition, with the database-derived values read now. */
  render(): Promise<{ contentType: string; text: string }>;
}

/** What the metrics read from the rest of the app. */
export interface MetricsDeps {
  db: Database;
  logger: Logger;
  /** package.json's version, for api_info. */
  version: string;
  /** Seconds since the app started (the same uptime /health reports). */
  uptimeSeconds: () => number;
  /** Subscriptions this process serves now (run streams and run-change feeds), read at scrape time. */
  activeSubscriptions: () => number;
}

const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
// Agent calls are allowed up to 300 s (the longest agent timeout).
const STEP_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

/** Run event types counted per workflow, and the counter each feeds. */
const RUN_EVENTS = {
  'run.started': 'started',
  'run.completed': 'completed',
  'run.failed': 'failed',
  'run.cancelled': 'cancelled',
} as const;
type RunCounter = (typeof RUN_EVENTS)[keyof typeof RUN_EVENTS];

const RUN_HELP: Record<RunCounter, string> = {
  started: 'Runs started by a worker (a retried run starts again), per workflow; cluster-wide, read from the run event log.',
  completed: 'Runs that completed, per workflow; cluster-wide, read from the run event log.',
  failed: 'Runs that failed (a step failed, or the run timed out), per workflow; cluster-wide, read from the run event log.',
  cancelled: 'Runs that were cancelled, per workflow; cluster-wide, read from the run event log.',
};

interface RunEventCount {
  workflow_id: string;
  workflow: string;
  type: keyof typeof RUN_EVENTS;
  n: number | bigint | string;
}

/** Builds the app's registry and its metrics (nothing is measured until the app serves or runs). */
export function createMetrics(deps: MetricsDeps): AppMetrics {
  const registry = new Registry();
  const registers = [registry];

  const requests = new Histogram({
    name: 'flowdeck_http_request_duration_seconds',
    help: 'Time to answer HTTP requests (REST and GraphQL, until the response headers), by method, matched route pattern and status; per process.',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: HTTP_BUCKETS,
    registers,
  });
  const steps = new Histogram({
    name: 'flowdeck_step_duration_seconds',
    help: 'Duration of agent step attempts (the call to the agent), by agent name and outcome (succeeded, failed, cancelled); per process that executed the step. Agents beyond the first 100 names a process sees are labelled "other".',
    labelNames: ['agent', 'outcome'] as const,
    buckets: STEP_BUCKETS,
    registers,
  });
  const agentErrors = new Counter({
    name: 'flowdeck_agent_call_errors_total',
    help: 'Agent step attempts that failed, by agent name and failure kind (network, timeout, http, protocol, egress); per process that executed the step. Cancellations are not errors. Agents beyond the first 100 names a process sees are labelled "other".',
    labelNames: ['agent', 'kind'] as const,
    registers,
  });
  const runs = Object.fromEntries(
    Object.values(RUN_EVENTS).map((what) => [
      what,
      new Counter({
        name: `flowdeck_runs_${what}_total`,
        help: RUN_HELP[what],
        labelNames: ['workflow_id', 'workflow'] as const,
        registers,
      }),
    ]),
  ) as Record<RunCounter, Counter<'workflow_id' | 'workflow'>>;
  const PENDING = 'flowdeck_runs_pending';
  const pending = new Gauge({
    name: PENDING,
    help: 'Runs accepted and waiting for a worker to start them; cluster-wide, read from the database.',
    registers,
  });
  new Gauge({
    name: 'flowdeck_active_subscriptions',
    help: 'GraphQL subscriptions this process serves now (run event streams, run updates and run-change feeds, over WebSocket or SSE).',
    registers,
    collect() {
      this.set(deps.activeSubscriptions());
    },
  });
  // The three series seed 004 documents, under its names, for dashboards built against it.
  new Gauge({
    name: 'api_info',
    help: 'API information: always 1, labelled with the running version.',
    labelNames: ['version'] as const,
    registers,
  }).set({ version: deps.version }, 1);
  new Gauge({
    name: 'api_uptime_seconds',
    help: 'API uptime in seconds (as /health reports it).',
    registers,
    collect() {
      this.set(deps.uptimeSeconds());
    },
  });
  const requestsTotal = new Counter({
    name: 'api_requests_total',
    help: 'Total number of HTTP requests (REST and GraphQL) answered by this process; see flowdeck_http_request_duration_seconds for the breakdown.',
    registers,
  });
  let defaultsInstalled = false;

  /**
   * Reads the cluster-wide values. Counting run events scans the event log's run-level rows on
   * every scrape; an index on RunEvent.type would bound that if the log grows very large.
   */
  async function readDatabase(): Promise<void> {
    const db = deps.db.prisma;
    try {
      const [counts, waiting] = await Promise.all([
        db.$queryRaw<RunEventCount[]>`
          SELECT w."id" AS workflow_id, w."name" AS workflow, e."type" AS type, COUNT(*) AS n
          FROM "RunEvent" e
          JOIN "Run" r ON r."id" = e."runId"
          JOIN "Workflow" w ON w."id" = r."workflowId"
          WHERE e."type" IN ('run.started', 'run.completed', 'run.failed', 'run.cancelled')
          GROUP BY w."id", w."name", e."type"`,
        db.run.count({ where: { status: 'PENDING' } }),
      ]);
      // Reset and refill in one synchronous block, so a concurrent scrape never sees half of it.
      for (const counter of Object.values(runs)) counter.reset();
      for (const row of counts) runs[RUN_EVENTS[row.type]].inc({ workflow_id: row.workflow_id, workflow: row.workflow }, Number(row.n));
      pending.set(waiting);
      if (!registry.getSingleMetric(PENDING)) registry.registerMetric(pending);
    } catch (error) {
      // Absent series rather than stale or zero ones; the process metrics are still worth serving.
      for (const counter of Object.values(runs)) counter.reset();
      registry.removeSingleMetric(PENDING);
      deps.logger.warn({ err: error }, 'metrics: reading run counts from the database failed');
    }
  }

  return {
    observeRequest(method, route, status, seconds) {
      requests.observe({ method, route, status: String(status) }, seconds);
      requestsTotal.inc();
    },
    agentCallFinished(agent: string, seconds: number, outcome: AgentCallOutcome) {
      steps.observe({ agent, outcome: outcome.status }, seconds);
      if (outcome.status === 'failed') agentErrors.inc({ agent, kind: outcome.kind });
    },
    async render() {
      // Installed on first scrape: the GC observer and event-loop monitor they start cannot be
      // stopped, and most apps (tests, worker-only processes) are never scraped.
      if (!defaultsInstalled) {
        collectDefaultMetrics({ register: registry });
        defaultsInstalled = true;
      }
      await readDatabase();
      return { contentType: registry.contentType, text: await registry.metrics() };
    },
  };
}

/** The `route` label of a GraphQL request path. */
export function graphqlRoute(path: string): string {
  return path === '/graphql' ? '/graphql' : UNMATCHED_ROUTE;
}

/**
 * Times GraphQL HTTP requests served by yoga, whichever way they arrive (the node server or
 * App.fetch), until the response is ready; a subscription over SSE is timed to its first byte,
 * its lifetime shows in flowdeck_active_subscriptions instead.
 */
export function requestMetricsPlugin(metrics: AppMetrics): Plugin {
  const started = new WeakMap<Request, number>();
  return {
    onRequest({ request }) {
      started.set(request, performance.now());
    },
    onResponse({ request, response }) {
      const start = started.get(request);
      if (start === undefined) return;
      metrics.observeRequest(
        request.method,
        graphqlRoute(new URL(request.url).pathname),
        response.status,
        (performance.now() - start) / 1000,
      );
    },
  };
}
