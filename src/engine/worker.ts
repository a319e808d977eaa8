import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { WorkflowDefinition } from '../domain/definition/schema.ts';
import { type Resources, sharedNow } from '../domain/resources.ts';
import { createAgentCaller } from './agents/call.ts';
import type { EngineDeps } from './engine-types.ts';
import { driveRun } from './executor.ts';
import { startHeartbeat } from './heartbeat.ts';
import { type Claim, claimRuns, release } from './lease.ts';
import { instrumentCaller } from './metrics.ts';
import { failPoisonedRun } from './poison.ts';
import { createTransformPool } from './transform-pool.ts';
import { describeDbError } from './writes.ts';

/** Options of a worker pool. */
export interface WorkerOptions {
  /** How many runs this process drives at once. */
  concurrency: number;
  /** Steps of one run executing at once. */
  maxParallelSteps: number;
  /** How long a claim lasts without a heartbeat; a crashed worker's runs are taken over after it. */
  leaseMs: number;
  /** How often an idle worker looks for work it was not told about (other processes, timers). */
  pollMs: number;
  /** Interrupted deliveries of one step execution before the step fails as poisoned. */
  maxInterruptions?: number;
  /** Largest agent reply body and stored step output, in bytes. */
  maxOutputBytes?: number;
  /** Log lines kept from one agent reply. */
  maxLogEntries?: number;
  /** Limits of JSONata transforms (worker threads). */
  transforms?: { timeoutMs: number; maxMemoryMb: number; threads: number };
  /** Source of jitter for retry delays (tests pass a fixed one). */
  random?: () => number;
}

/** A running pool of workers. */
export interface WorkerPool {
  readonly workerId: string;
  /** Settles once the pool's heartbeat is in the database, where every process can see the pool. */
  readonly ready: Promise<void>;
  /**
   * Stops claiming and lets in-flight steps finish for up to `graceMs`; then aborts what is
   * still in flight and gives those runs back at once, so another process delivers the
   * interrupted steps again (same idempotency keys) without waiting for the lease to lapse.
   */
  stop(graceMs: number): Promise<void>;
}

// A run whose driver keeps failing (a bug, a definition the engine cannot handle) is looked
// at again after a growing pause, and failed with the error after this many failures in a row.
const DRIVER_FAILURES_BEFORE_FAILING_RUN = 5;
const DRIVER_RETRY_BASE_MS = 500;
const DRIVER_RETRY_MAX_MS = 60_000;

/**
 * Starts the worker loop of this process: claims runnable runs through database leases and
 * drives up to `concurrency` of them at once. Other processes sharing the database do the same;
 * leases keep them from executing one run twice.
 */
export function startWorkers(res: Resources, options: WorkerOptions): WorkerPool {
  const workerId = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const maxOutputBytes = options.maxOutputBytes ?? 4 * 1024 * 1024;
  const caller = createAgentCaller({
    fetch: res.fetch,
    now: () => res.clock.now().getTime(),
    maxResponseBytes: maxOutputBytes,
    maxLogEntries: options.maxLogEntries ?? 100,
  });
  const transforms = createTransformPool(options.transforms ?? { timeoutMs: 1_000, maxMemoryMb: 64, threads: 2 });
  const deps: EngineDeps = {
    res,
    caller: res.metrics ? instrumentCaller(caller, res.metrics) : caller,
    config: {
      workerId,
      leaseMs: options.leaseMs,
      maxParallelSteps: options.maxParallelSteps,
      maxInterruptions: options.maxInterruptions ?? 5,
      maxOutputBytes,
    },
    random: options.random ?? Math.random,
    definitions: new Map<string, WorkflowDefinition>(),
    transforms,
  };
  const stopping = new AbortController();
  const abandon = new AbortController();
  const active = new Map<string, Promise<void>>();
  // Consecutive driver failures per run; bounded because it only holds runs being driven here.
  const failures = new Map<string, number>();
  let nudge: () => void = () => {};
  const unsubscribe = res.notifier.onWake(() => nudge());
  // Lasts as long as a lease: a pool silent for that long has crashed or hung.
  const heartbeat = startHeartbeat(res, workerId, { concurrency: options.concurrency, ttlMs: options.leaseMs });

  const onDriverError = async (claim: Claim, error: unknown) => {
    const count = (failures.get(claim.runId) ?? 0) + 1;
    failures.set(claim.runId, count);
    res.logger.error(
      { err: describeDbError(error), message: (error as Error)?.message, runId: claim.runId, failures: count },
      'run driver failed',
    );
    if (count >= DRIVER_FAILURES_BEFORE_FAILING_RUN) {
      failures.delete(claim.runId);
      await failPoisonedRun(res, claim, count, error);
      return;
    }
    const wait = Math.min(DRIVER_RETRY_MAX_MS, DRIVER_RETRY_BASE_MS * 2 ** (count - 1));
    await release(res.db, claim, { runnableAt: new Date(res.clock.now().getTime() + wait) });
  };

  const drive = (claim: Claim) => {
    const task = driveRun(deps, claim, { stopping: stopping.signal, abandon: abandon.signal })
      .then(() => {
        failures.delete(claim.runId);
      })
      .catch((error: unknown) => onDriverError(claim, error))
      .catch((error: unknown) => res.logger.error({ err: describeDbError(error), runId: claim.runId }, 'giving a failed run back failed'))
      .finally(() => {
        if (active.get(claim.runId) === task) active.delete(claim.runId);
        nudge();
      });
    active.set(claim.runId, task);
  };

  const loop = (async () => {
    while (!stopping.signal.aborted) {
      const idle = new Promise<void>((resolve) => {
        nudge = resolve;
      });
      const free = options.concurrency - active.size;
      let claimed: Claim[] = [];
      if (free > 0) {
        try {
          claimed = await claimRuns(res.db, workerId, sharedNow(res.clock), options.leaseMs, free, [...active.keys()]);
        } catch (error) {
          res.logger.error({ err: describeDbError(error) }, 'claiming runs failed');
        }
        for (const claim of claimed) drive(claim);
      }
      if (claimed.length > 0 && claimed.length === free) continue;
      const timer = setTimeout(() => nudge(), options.pollMs);
      await idle;
      clearTimeout(timer);
    }
  })();

  return {
    workerId,
    ready: heartbeat.ready,
    async stop(graceMs) {
      stopping.abort();
      nudge();
      unsubscribe();
      // No longer claiming: other processes must stop counting on this pool now.
      await heartbeat.stop();
      await loop;
      let timer: NodeJS.Timeout | undefined;
      const drained = Promise.allSettled([...active.values()]);
      await Promise.race([
        drained,
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, graceMs);
        }),
      ]);
      clearTimeout(timer);
      abandon.abort();
      await drained;
      await transforms.close();
    },
  };
}
