// How a run's driver writes: every write is one transaction that first fences on the claim
// (and, for decisions taken from a read of the run, on the run's version), is retried in place
// when the database fails transiently, and nudges live streams once it has committed. A
// transition costs one UPDATE of the run (fence, event numbers and run columns together), its
// step and attempt writes, and one INSERT of its events.

import { setTimeout as sleep } from 'node:timers/promises';
import { type EngineWrite, sharedNow } from '../domain/resources.ts';
import type { EngineDeps } from './engine-types.ts';
import type { Run } from '../db/models.ts';
import { insertEvents, type NewRunEvent, type Tx } from '../db/run-events.ts';
import { type Claim, fence, LeaseLostError, RunChangedError, type RunChange } from './lease.ts';

/** What a write is conditional on besides the lease, and what it changes besides its own statements. */
export interface WriteOptions {
  /** The run's version the decision was made from: a change since then throws RunChangedError. */
  version?: number;
  /** The step the write is about (passed to test hooks). */
  stepId?: string;
  /** Another write this one carries out (a run's start, folded into its first step's): its test hook runs first. */
  carries?: EngineWrite;
  /** Columns of the Run row the write sets, in the fence's own statement. */
  run?: RunChange;
  /**
   * Events the write appends when it goes through: the fence reserves their sequence numbers
   * and one INSERT after `fn` writes them.
   */
  events?: { run: Pick<Run, 'id' | 'tenantId' | 'workspaceId'>; list: NewRunEvent[]; at: Date };
}

/** Returned by a write's body when its compare-and-set found nothing to change: the transaction is rolled back. */
export const UNCHANGED: unique symbol = Symbol('unchanged');
export type Unchanged = typeof UNCHANGED;

/** A fenced, retried engine write (see {@link createWriter}); `fn` null writes only what the options say. */
export type Write = <T = void>(
  name: EngineWrite,
  fn: ((tx: Tx) => Promise<T | Unchanged>) | null,
  options?: WriteOptions,
) => Promise<T | Unchanged>;

/** The writes of one claim, and how long ago they last extended its lease. */
export interface Writer {
  write: Write;
  /** Milliseconds (monotonic clock) since a committed write last extended the lease. */
  sinceExtendedMs(): number;
}

/** Thrown inside a transaction to roll it back when the body reported {@link UNCHANGED}. */
class Rollback extends Error {}

// Prisma's codes for failures that say nothing about the write itself: the server could not
// be reached or timed out, the pool had no connection in time, the transaction could not
// start or was closed under us, a write conflict or deadlock.
const TRANSIENT_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024', 'P2028', 'P2034']);
// The same, as the drivers (pg, better-sqlite3) and Node's sockets say it.
const TRANSIENT_MESSAGE =
  /deadlock detected|could not serialize|serialization failure|SQLITE_BUSY|database is locked|ECONNRESET|ECONNREFUSED|ETIMEDOUT|EPIPE|Connection terminated|connection (was )?closed|Unable to start a transaction|Transaction already closed|timed out fetching a new connection|terminating connection/i;

/** Whether a database error is worth retrying as it is (the same write may well succeed). */
export function isTransientDbError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && TRANSIENT_CODES.has(code)) return true;
  if (TRANSIENT_MESSAGE.test(error.message)) return true;
  return error.cause !== undefined && error.cause !== error && isTransientDbError(error.cause);
}

/**
 * What a database error is, without what it quotes: driver messages (PostgreSQL's DETAIL, for
 * one) can quote the values being written, and step outputs may hold personal data or secrets.
 */
export function describeDbError(error: unknown): { name: string; code?: string; transient: boolean } {
  const name = error instanceof Error ? error.name : typeof error;
  const code = (error as { code?: unknown } | null)?.code;
  return { name, ...(typeof code === 'string' ? { code } : {}), transient: isTransientDbError(error) };
}

/** Waits between the retries of a transiently failed write (the last one repeats). */
export const WRITE_RETRY_DELAYS_MS: readonly number[] = [20, 50, 100, 200, 400, 800, 1600];

/**
 * Builds the write function of one claim. Each try: the test hook (a pause point or an
 * injected failure), then one transaction that fences first (one UPDATE of the run that also
 * applies `options.run` and reserves the events' sequence numbers), runs `fn`, and inserts the
 * events. A body that returns {@link UNCHANGED} (its compare-and-set matched nothing) rolls the
 * transaction back, events and all. A transient failure is retried after a growing delay for as
 * long as the claim's lease can still be ours (counted from the last write that proved it, on
 * this process's monotonic clock): past that another process may own the run, and it delivers
 * the work again with the same keys. Lease loss and run changes are never retried here.
 */
export function createWriter(deps: EngineDeps, claim: Claim): Writer {
  const { res, config } = deps;
  // The claim itself proved and extended the lease a moment ago.
  let extendedAt = performance.now();
  let heldUntil = extendedAt + config.leaseMs;
  async function write<T>(
    name: EngineWrite,
    fn: ((tx: Tx) => Promise<T | Unchanged>) | null,
    options: WriteOptions = {},
  ): Promise<T | Unchanged> {
    const events = options.events?.list ?? [];
    const touched = fn !== null || events.length > 0 || options.run !== undefined;
    for (let attempt = 0; ; attempt += 1) {
      try {
        if (options.carries) await res.hooks?.beforeWrite?.(options.carries, { runId: claim.runId });
        await res.hooks?.beforeWrite?.(name, { runId: claim.runId, ...(options.stepId ? { stepId: options.stepId } : {}) });
        const started = performance.now();
        const result = await res.db.prisma.$transaction(async (tx) => {
          const fenceOptions = { version: options.version, events: events.length, run: options.run };
          const lastSeq = await fence(tx, res.db.provider, claim, sharedNow(res.clock), config.leaseMs, fenceOptions);
          const value = fn ? await fn(tx) : undefined;
          if (value === UNCHANGED) throw new Rollback();
          if (options.events && events.length > 0) {
            await insertEvents(tx, options.events.run, events, lastSeq - events.length + 1, options.events.at);
          }
          return value;
        });
        heldUntil = Math.max(heldUntil, started + config.leaseMs);
        extendedAt = Math.max(extendedAt, started);
        // After commit, so a stream that fetches on this nudge sees what was written; a bare
        // heartbeat changed nothing a stream or feed shows.
        if (touched) res.notifier.eventsAppended(claim.runId);
        return result as T | Unchanged;
      } catch (error) {
        if (error instanceof Rollback) return UNCHANGED;
        if (error instanceof LeaseLostError || error instanceof RunChangedError) throw error;
        const delay = WRITE_RETRY_DELAYS_MS[Math.min(attempt, WRITE_RETRY_DELAYS_MS.length - 1)] as number;
        if (!isTransientDbError(error) || performance.now() + delay >= heldUntil) throw error;
        res.logger.warn(
          { err: describeDbError(error), runId: claim.runId, write: name, retry: attempt + 1 },
          'engine write failed; retrying',
        );
        await sleep(delay);
      }
    }
  }
  return { write, sinceExtendedMs: () => performance.now() - extendedAt };
}
