import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Principal } from '../domain/principal.ts';
import type { Services } from '../domain/services.ts';
import type { RunChanges } from '../engine/run-changes.ts';
import type { RunStreams } from '../engine/run-streams.ts';
import type { Resources } from '../domain/resources.ts';
import type { Health } from '../server/health.ts';
import type { AppMetrics } from '../server/metrics.ts';
import type { Dialect } from './errors.ts';

/** What every REST handler finds on its context (set by the app's middleware). */
export interface RestVariables {
  services: Services;
  principal: Principal;
  resources: Resources;
  streams: RunStreams;
  runChanges: RunChanges;
  /** The app's probes and metrics registry, for the operations endpoints. */
  ops: Ops;
  /** How often an idle event stream sends a heartbeat comment (SSE_HEARTBEAT_MS). */
  sseHeartbeatMs: number;
  /** When the caller's credential expires (a token's `exp`); event streams end then. Null = never. */
  credentialExpiresAt: Date | null;
  /** This request's id: the caller's X-Request-Id, or a new one; echoed in the response header. */
  requestId: string;
  /** Which documented API the matched route belongs to (chooses error shapes and statuses). */
  dialect: Dialect;
}

/** What the operations endpoints (/health, /health/ready, /metrics) read. */
export interface Ops {
  health: Health;
  metrics: AppMetrics;
}

/** The Hono environment of the REST layer. */
export interface RestEnv {
  Variables: RestVariables;
}

/** A group of routes (one dialect, or part of one), mounted by the REST app. */
export type RestRoutes = OpenAPIHono<RestEnv>;
