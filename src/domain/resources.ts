import type { Logger } from 'pino';
import type { Database } from '../db/database.ts';
import type { EngineMetrics } from '../engine/metrics.ts';
import type { Notifier } from '../engine/notifier.ts';

/** Source of the current time; injected so tests and the engine can control it. */
export interface Clock {
  now(): Date;
}

/** The wall clock. */
export const systemClock: Clock = { now: () => new Date() };

/**
 * Everything a domain service may touch, passed explicitly: no module singletons, so tests
 * and several app instances in one process never share state.
 */
export interface Resources {
  db: Database;
  logger: Logger;
  clock: Clock;
  /** Outbound HTTP (agent health checks, agent calls); injectable for tests. */
  fetch: typeof fetch;
  /** In-process nudges from the API to the workers. */
  notifier: Notifier;
  /** Where the engine reports agent calls (the app's metrics registry); without it, nothing is measured. */
  metrics?: EngineMetrics;
}
