import type { Logger } from 'pino';
import type { Database } from '../db/database.ts';
import type { SecretBox } from '../db/secrets.ts';
import type { EgressPolicy } from '../egress/policy.ts';
import type { EngineMetrics } from '../engine/metrics.ts';
import type { Notifier } from '../engine/notifier.ts';

/** Source of the current time; injected so tests and the engine can control it. */
export interface Clock {
  now(): Date;
}

/** The wall clock. */
export const systemClock: Clock = { now: () => new Date() };

/**
 * The instant to compare leases and claims against: null means "the database's own clock".
 * Processes on different machines disagree about the time, and a lease written by one and
 * judged by another must use one clock; an injected clock (tests) is used as it is.
 */
export function sharedNow(clock: Clock): Date | null {
  return clock === systemClock ? null : clock.now();
}

/** Names of the engine's writes, where tests can pause a worker or make the write fail. */
export type EngineWrite =
  | 'run.start'
  | 'run.complete'
  | 'run.fail'
  | 'run.park'
  | 'run.release'
  | 'step.start'
  | 'step.finish'
  | 'step.timer'
  | 'step.interrupt'
  | 'step.skip'
  | 'heartbeat';

/**
 * Test seams of the engine. `beforeWrite` runs before each attempt at an engine write, after
 * the driver has decided what to write from what it read: awaiting in it holds the worker
 * between its read and its write (so a test can commit a cancel there), and throwing from it
 * is a database failure of that write (retried like one when it looks transient).
 */
export interface EngineHooks {
  beforeWrite?(write: EngineWrite, at: { runId: string; stepId?: string }): Promise<void> | void;
}

/**
 * Everything a domain service may touch, passed explicitly: no module singletons, so tests
 * and several app instances in one process never share state.
 */
export interface Resources {
  db: Database;
  logger: Logger;
  clock: Clock;
  /**
   * Outbound HTTP (agent health checks, agent calls, http steps); injectable for tests. The
   * app's default is the egress fetch, which enforces {@link egress} on every hop.
   */
  fetch: typeof fetch;
  /** Which URLs the server may call (EGRESS_ALLOW); registration checks static URLs against it. */
  egress: EgressPolicy;
  /** In-process nudges from the API to the workers. */
  notifier: Notifier;
  /** Seals and opens agent credentials at rest (SECRETS_KEY, or the development key file). */
  secrets: SecretBox;
  /** Where the engine reports agent calls (the app's metrics registry); without it, nothing is measured. */
  metrics?: EngineMetrics;
  /** Pause points and fault injection for tests; unset in production. */
  hooks?: EngineHooks;
}
