// Works through accepted bulk cancels and retries (src/domain/bulk-run-operations.ts). A process
// claims one job at a time with a lease (a compare-and-set on the job's lease columns, judged
// by the agreed clock, the token fresh per claim) and takes its pending items in chunks, in
// selection order. Each run is transitioned by the run service's own cancel or retry, whose
// compare-and-set on the run's state makes a concurrent engine transition safe; the item's
// outcome and the job's counters are written in that same transaction, conditional on the
// item still being pending and the claim still holding the lease, so a run is never
// transitioned twice for one job, even by a process that lost its lease and has not noticed.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { BulkRunOperation, BulkRunOperationItem } from '../db/models.ts';
import type { Tx } from '../db/run-events.ts';
import type { BulkItemError, BulkOutcome } from '../domain/bulk-run-operations.ts';
import { InvalidStateError, NotFoundError } from '../domain/errors.ts';
import type { Principal } from '../domain/principal.ts';
import type { Resources } from '../domain/resources.ts';
import type { RunService } from '../domain/runs.ts';
import { agreedNow } from './scheduler-clock.ts';
import { describeDbError } from './writes.ts';

/** Pending items one chunk reads. */
export const BULK_CHUNK = 100;
/** Tries of one run's transition that fail unexpectedly before its item is recorded FAILED. */
const ITEM_TRIES = 3;
/** Failed passes in a row over one job before the job is marked FAILED. */
const JOB_FAILURES_BEFORE_FAILING = 5;
const BACKOFF_BASE_MS = 500;
const BACKOFF_MAX_MS = 60_000;

/** Test seams of the processor. */
export interface BulkHooks {
  /**
   * Runs before each run's transition. Awaiting in it holds the processor there; throwing from
   * it ends the pass as a crash would (the lease is kept until it expires, nothing is released).
   */
  beforeItem?(at: { operationId: string; runId: string }): Promise<void> | void;
}

/** Options of the bulk-operation processor. */
export interface BulkProcessorOptions {
  /** How long a claim on a job lasts without being renewed (LEASE_MS). */
  leaseMs: number;
  /** How often an idle loop looks for jobs accepted by other processes (WORKER_POLL_MS). */
  pollMs: number;
  /** Pending items per chunk (default {@link BULK_CHUNK}). */
  chunkSize?: number;
  /** Names this process's claims (default host:pid:random). */
  workerId?: string;
  hooks?: BulkHooks;
}

/** A bulk-operation processor: `pass()` steps it by one chunk; the loop calls it. */
export interface BulkProcessor {
  /** Works one chunk of the job this processor holds, or claims the oldest free one first. */
  pass(): Promise<{ more: boolean }>;
  /** Gives the held job back at once (its lease cleared), so another process goes on with it now. */
  release(): Promise<void>;
}

/** An outcome that changed no run, recorded with the rest of its chunk. */
interface Decided {
  item: BulkRunOperationItem;
  outcome: BulkOutcome;
  error: BulkItemError;
}

interface Claim {
  op: BulkRunOperation;
  token: string;
  renewedAt: number;
}

/** What a {@link BulkHooks.beforeItem} threw: ends the pass like a crash, without giving the job back. */
class InjectedCrash extends Error {
  constructor(readonly original: unknown) {
    super('bulk operation processing stopped by a test hook');
    this.name = 'InjectedCrash';
  }
}

/** The claim is no longer this processor's (lease taken over) or the item was already done. */
class StaleClaimError extends Error {
  constructor(readonly operationId: string) {
    super(`bulk operation ${operationId} is no longer held by this claim`);
    this.name = 'StaleClaimError';
  }
}

const COUNTER: Record<BulkOutcome, 'succeeded' | 'skipped' | 'failed' | 'notFound'> = {
  SUCCEEDED: 'succeeded',
  SKIPPED: 'skipped',
  FAILED: 'failed',
  NOT_FOUND: 'notFound',
};

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * A processor over `runs` (the run service whose cancel and retry it applies). Exposed apart
 * from the loop so tests can step it, and run two of them to take a job over.
 */
export function createBulkProcessor(
  res: Resources,
  runs: Pick<RunService, 'cancel' | 'retry'>,
  options: BulkProcessorOptions,
): BulkProcessor {
  const db = res.db.prisma;
  const workerId = options.workerId ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const chunkSize = options.chunkSize ?? BULK_CHUNK;
  let held: Claim | null = null;
  // Failed passes in a row per job; bounded: only jobs this process failed on, cleared on success.
  const failures = new Map<string, number>();

  const leaseUntil = (now: Date) => new Date(now.getTime() + options.leaseMs);

  async function claim(): Promise<Claim | null> {
    const now = await agreedNow(res);
    const free = { OR: [{ leaseExpiresAt: null }, { leaseExpiresAt: { lt: now } }] };
    const candidates = await db.bulkRunOperation.findMany({
      where: { status: { in: ['PENDING', 'RUNNING'] }, ...free },
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
      take: 5,
    });
    for (const candidate of candidates) {
      const token = `${workerId}:${randomUUID()}`;
      // Compare-and-set on what was read: a process that claimed it meanwhile changed the owner.
      const won = await db.bulkRunOperation.updateMany({
        where: { id: candidate.id, status: candidate.status, leaseOwner: candidate.leaseOwner, ...free },
        data: { leaseOwner: token, leaseExpiresAt: leaseUntil(now), status: 'RUNNING', startedAt: candidate.startedAt ?? now },
      });
      if (won.count === 1) {
        const op = await db.bulkRunOperation.findUniqueOrThrow({ where: { id: candidate.id } });
        return { op, token, renewedAt: Date.now() };
      }
    }
    return null;
  }

  /** Extends the lease when a third of it has passed; false when it is no longer ours. */
  async function renew(c: Claim): Promise<boolean> {
    if (Date.now() - c.renewedAt < options.leaseMs / 3) return true;
    const now = await agreedNow(res);
    const renewed = await db.bulkRunOperation.updateMany({
      where: { id: c.op.id, leaseOwner: c.token },
      data: { leaseExpiresAt: leaseUntil(now) },
    });
    c.renewedAt = Date.now();
    return renewed.count === 1;
  }

  /** Marks the item done with `outcome` and counts it, both conditional on the claim; in `tx`. */
  async function markItem(tx: Tx, c: Claim, item: BulkRunOperationItem, outcome: BulkOutcome, error: BulkItemError | null): Promise<void> {
    const marked = await tx.bulkRunOperationItem.updateMany({
      where: { id: item.id, outcome: null },
      data: { outcome, processedAt: res.clock.now(), ...(error ? { error } : {}) },
    });
    if (marked.count !== 1) throw new StaleClaimError(c.op.id);
    const counted = await tx.bulkRunOperation.updateMany({
      where: { id: c.op.id, leaseOwner: c.token },
      data: { processed: { increment: 1 }, [COUNTER[outcome]]: { increment: 1 } },
    });
    if (counted.count !== 1) throw new StaleClaimError(c.op.id);
  }

  /**
   * Applies the job's action to one run. A success is recorded in the run's own transaction
   * ('done'); any other outcome changed nothing, so it is returned to be recorded with the rest
   * of the chunk; 'stale' when the claim no longer holds the job.
   */
  async function apply(c: Claim, item: BulkRunOperationItem): Promise<'done' | 'stale' | Decided> {
    const op = c.op;
    // The job's author, as the run service sees a caller; the role was checked at acceptance.
    const principal: Principal = { tenantId: op.tenantId, workspaceId: op.workspaceId, userId: op.createdBy, role: 'editor' };
    // Commits with the run's transition, or rolls it back: the item is done exactly once.
    const record = { within: (tx: Tx) => markItem(tx, c, item, 'SUCCEEDED', null) };
    for (let attempt = 1; ; attempt++) {
      try {
        if (op.kind === 'CANCEL') await runs.cancel(principal, item.runId, { reason: op.reason }, record);
        else await runs.retry(principal, item.runId, record);
        return 'done';
      } catch (error) {
        if (error instanceof StaleClaimError) return 'stale';
        if (error instanceof InvalidStateError) {
          return { item, outcome: 'SKIPPED', error: { kind: 'INVALID_STATE', message: error.message, currentStatus: error.currentStatus } };
        }
        if (error instanceof NotFoundError) {
          // Deleted since acceptance (retention).
          return {
            item,
            outcome: 'NOT_FOUND',
            error: { kind: 'NOT_FOUND', message: error.message, entity: error.entity, lookup: error.lookup },
          };
        }
        if (attempt >= ITEM_TRIES) {
          res.logger.error({ err: describeDbError(error), operationId: op.id, runId: item.runId }, 'bulk operation could not change a run');
          const message = `Could not ${op.kind === 'CANCEL' ? 'cancel' : 'retry'} run "${item.runId}": ${(error as Error)?.message ?? String(error)}`;
          return { item, outcome: 'FAILED', error: { kind: 'FAILED', message } };
        }
        await sleep(BACKOFF_BASE_MS * 4 ** (attempt - 1));
      }
    }
  }

  /**
   * Records outcomes that changed no run, in one transaction: each item only if still pending,
   * the job's counters only while the claim holds it. False (nothing written) when it does not.
   * Losing them to a crash is harmless: their runs are looked at again.
   */
  async function recordAll(c: Claim, decided: readonly Decided[]): Promise<boolean> {
    if (decided.length === 0) return true;
    const now = res.clock.now();
    try {
      await db.$transaction(async (tx) => {
        const counts = { processed: 0, succeeded: 0, skipped: 0, failed: 0, notFound: 0 };
        for (const d of decided) {
          const marked = await tx.bulkRunOperationItem.updateMany({
            where: { id: d.item.id, outcome: null },
            data: { outcome: d.outcome, processedAt: now, error: d.error },
          });
          if (marked.count !== 1) continue;
          counts.processed += 1;
          counts[COUNTER[d.outcome]] += 1;
        }
        const data = Object.fromEntries(Object.entries(counts).map(([k, v]) => [k, { increment: v }]));
        const counted = await tx.bulkRunOperation.updateMany({ where: { id: c.op.id, leaseOwner: c.token }, data });
        if (counted.count !== 1) throw new StaleClaimError(c.op.id);
      });
      return true;
    } catch (error) {
      if (error instanceof StaleClaimError) return false;
      throw error;
    }
  }

  /** Closes the job once no item is pending: COMPLETED, lease cleared. */
  async function finish(c: Claim): Promise<boolean> {
    const now = res.clock.now();
    return db.$transaction(async (tx) => {
      if ((await tx.bulkRunOperationItem.count({ where: { operationId: c.op.id, outcome: null } })) > 0) return false;
      const closed = await tx.bulkRunOperation.updateMany({
        where: { id: c.op.id, leaseOwner: c.token },
        data: { status: 'COMPLETED', completedAt: now, leaseOwner: null, leaseExpiresAt: null },
      });
      return closed.count === 1;
    });
  }

  async function chunk(c: Claim): Promise<{ more: boolean }> {
    const items = await db.bulkRunOperationItem.findMany({
      where: { operationId: c.op.id, outcome: null },
      orderBy: { seq: 'asc' },
      take: chunkSize,
    });
    const decided: Decided[] = [];
    let stale = false;
    for (const item of items) {
      try {
        await options.hooks?.beforeItem?.({ operationId: c.op.id, runId: item.runId });
      } catch (error) {
        throw new InjectedCrash(error);
      }
      const result = (await renew(c)) ? await apply(c, item) : 'stale';
      if (result === 'stale') {
        stale = true;
        break;
      }
      if (result !== 'done') decided.push(result);
    }
    if (!(await recordAll(c, decided))) stale = true;
    // A short chunk was the last one: close the job (unless an item is still pending after all).
    if (stale || (items.length < chunkSize && (await finish(c)))) held = null;
    return { more: true };
  }

  /** After a failed pass: give the job back with a growing pause, or fail it for good. */
  async function giveUp(c: Claim, error: unknown): Promise<void> {
    const count = (failures.get(c.op.id) ?? 0) + 1;
    failures.set(c.op.id, count);
    res.logger.error({ err: describeDbError(error), operationId: c.op.id, failures: count }, 'bulk operation pass failed');
    const now = await agreedNow(res);
    if (count >= JOB_FAILURES_BEFORE_FAILING) {
      failures.delete(c.op.id);
      await db.bulkRunOperation.updateMany({
        where: { id: c.op.id, leaseOwner: c.token },
        data: {
          status: 'FAILED',
          completedAt: now,
          leaseOwner: null,
          leaseExpiresAt: null,
          error: { message: `Stopped after ${count} failed attempts: ${(error as Error)?.message ?? String(error)}` },
        },
      });
      return;
    }
    const wait = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** (count - 1));
    await db.bulkRunOperation.updateMany({
      where: { id: c.op.id, leaseOwner: c.token },
      data: { leaseOwner: null, leaseExpiresAt: new Date(now.getTime() + wait) },
    });
  }

  return {
    async pass() {
      if (!held) held = await claim();
      const c = held;
      if (!c) return { more: false };
      let result: { more: boolean };
      try {
        result = await chunk(c);
      } catch (error) {
        held = null;
        // A hook's throw stands for a crash: nothing more is written, the lease runs out.
        if (error instanceof InjectedCrash) throw error.original;
        await giveUp(c, error).catch((e: unknown) => res.logger.error({ err: describeDbError(e) }, 'giving a bulk operation back failed'));
        return { more: false };
      }
      failures.delete(c.op.id);
      return result;
    },
    async release() {
      const c = held;
      held = null;
      if (!c) return;
      await db.bulkRunOperation.updateMany({
        where: { id: c.op.id, leaseOwner: c.token },
        data: { leaseOwner: null, leaseExpiresAt: null },
      });
    },
  };
}

/** A running processor loop. */
export interface BulkOperationsLoop {
  /** Stops after the item in progress and gives the held job back for another process. */
  stop(): Promise<void>;
}

/**
 * Starts this process's bulk-operation loop: a pass right away, again at once while there is
 * work, when woken (a job was accepted in this process) and every `pollMs` (jobs accepted by an
 * API-only process elsewhere).
 */
export function startBulkOperations(
  res: Resources,
  runs: Pick<RunService, 'cancel' | 'retry'>,
  options: BulkProcessorOptions,
): BulkOperationsLoop {
  const processor = createBulkProcessor(res, runs, options);
  // Every run start and park wakes; passes woken by such a burst are spaced this much.
  const minGapMs = Math.min(options.pollMs, 100);
  let stopped = false;
  let nudge: () => void = () => {};
  const unsubscribe = res.notifier.onWake(() => nudge());

  function pause(ms: number, until?: Promise<void>): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      void until?.then(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  const loop = (async () => {
    while (!stopped) {
      // Armed before the pass, so a wake during it is not lost.
      const woken = new Promise<void>((resolve) => {
        nudge = resolve;
      });
      const started = Date.now();
      let more = false;
      try {
        more = (await processor.pass()).more;
      } catch (error) {
        res.logger.error({ err: describeDbError(error) }, 'bulk operation pass failed');
      }
      if (stopped || more) continue;
      await pause(options.pollMs, woken);
      const gap = minGapMs - (Date.now() - started);
      if (gap > 0 && !stopped) await pause(gap);
    }
  })();
  return {
    async stop() {
      stopped = true;
      unsubscribe();
      nudge();
      await loop;
      await processor
        .release()
        .catch((error: unknown) => res.logger.error({ err: describeDbError(error) }, 'releasing a bulk operation failed'));
    },
  };
}
