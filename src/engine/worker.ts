import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { WorkflowDefinition } from '../domain/definition/schema.ts';
import type { Resources } from '../domain/resources.ts';
import { createAgentCaller } from './agents/call.ts';
import type { EngineDeps } from './engine-types.ts';
import { driveRun } from './executor.ts';
import { startHeartbeat } from './heartbeat.ts';
import { claimRuns, release } from './lease.ts';
import { instrumentCaller } from './metrics.ts';

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
  /** Source of jitter for retry delays (tests pass a fixed one). */
  random?: () => number;
}

/** A running pool of workers. */
export interface WorkerPool {
  readonly workerId: string;
  /** Settles once the pool's heartbeat is in the database, where every process can see the pool. */
  readonly ready: Promise<void>;
  /** Stops claiming, lets in-flight steps finish (up to `graceMs`), and gives runs back. */
  stop(graceMs: number): Promise<void>;
}

/**
 * Starts the worker loop of this process: claims runnable runs through database leases and
 * drives up to `concurrency` of them at once. Other processes sharing the database do the same;
 * leases keep them from executing one run twice.
 */
export function startWorkers(res: Resources, options: WorkerOptions): WorkerPool {
  const workerId = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const caller = createAgentCaller({ fetch: res.fetch, now: () => res.clock.now().getTime() });
  const deps: EngineDeps = {
    res,
    caller: res.metrics ? instrumentCaller(caller, res.metrics) : caller,
    config: { workerId, leaseMs: options.leaseMs, maxParallelSteps: options.maxParallelSteps },
    random: options.random ?? Math.random,
    definitions: new Map<string, WorkflowDefinition>(),
  };
  const stopping = new AbortController();
  const active = new Map<string, Promise<void>>();
  let nudge: () => void = () => {};
  const unsubscribe = res.notifier.onWake(() => nudge());
  // Lasts as long as a lease: a pool silent for that long has crashed or hung.
  const heartbeat = startHeartbeat(res, workerId, { concurrency: options.concurrency, ttlMs: options.leaseMs });

  const drive = (runId: string) => {
    const task = driveRun(deps, runId, stopping.signal)
      .catch(async (error: unknown) => {
        // A bug must not crash the process or spin: log it and look again a little later.
        res.logger.error({ err: error, runId }, 'run driver failed; the run will be retried shortly');
        await release(res.db, runId, workerId, new Date(res.clock.now().getTime() + 5_000)).catch(() => {});
      })
      .finally(() => {
        active.delete(runId);
        nudge();
      });
    active.set(runId, task);
  };

  const loop = (async () => {
    while (!stopping.signal.aborted) {
      const idle = new Promise<void>((resolve) => {
        nudge = resolve;
      });
      const free = options.concurrency - active.size;
      let claimed: string[] = [];
      if (free > 0) {
        try {
          const now = res.clock.now();
          claimed = await claimRuns(res.db, workerId, now, new Date(now.getTime() + options.leaseMs), free);
        } catch (error) {
          res.logger.error({ err: error }, 'claiming runs failed');
        }
        for (const runId of claimed) drive(runId);
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
      await Promise.race([
        Promise.allSettled([...active.values()]),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, graceMs);
        }),
      ]);
      clearTimeout(timer);
    },
  };
}
