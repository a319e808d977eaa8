// Worker heartbeats: the one trace an idle worker pool leaves in the shared database. Leases
// only show workers that are driving a run right now; an API-only process (WORKER_CONCURRENCY=0)
// needs to know whether any process would pick up a run it accepts (seed 001 refuses work with
// 503 when no engine runs), so each pool keeps a row alive while it runs.

import type { Database } from '../db/database.ts';
import type { WorkerHeartbeat } from '../db/models.ts';
import type { Resources } from '../domain/resources.ts';

/** What a heartbeat says about its pool. */
export interface HeartbeatOptions {
  /** Runs the pool executes at once. */
  concurrency: number;
  /** How long one beat keeps the pool alive; beats come three times as often. */
  ttlMs: number;
}

/** A running heartbeat. */
export interface Heartbeat {
  /** Settles once the first beat is written (or failed and was logged): the pool is visible from then on. */
  ready: Promise<void>;
  /** Stops beating and deletes the row, so other processes stop counting this pool at once. */
  stop(): Promise<void>;
}

/**
 * Writes `workerId`'s row now and renews it every `ttlMs / 3` until stopped. A pool that dies
 * without stopping leaves a row that expires `ttlMs` after its last beat; each beat also
 * sweeps expired rows so the table holds about one row per live pool.
 */
export function startHeartbeat(res: Resources, workerId: string, options: HeartbeatOptions): Heartbeat {
  const db = res.db.prisma;
  const startedAt = res.clock.now();
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  const beat = async (): Promise<void> => {
    const now = res.clock.now();
    const expiresAt = new Date(now.getTime() + options.ttlMs);
    try {
      await db.workerHeartbeat.upsert({
        where: { workerId },
        create: { workerId, concurrency: options.concurrency, startedAt, lastSeenAt: now, expiresAt },
        update: { concurrency: options.concurrency, lastSeenAt: now, expiresAt },
      });
      await db.workerHeartbeat.deleteMany({ where: { expiresAt: { lt: now } } });
    } catch (error) {
      // A missed beat only risks other processes seeing this pool as gone for a while.
      res.logger.warn({ err: error, workerId }, 'writing the worker heartbeat failed');
    }
  };

  let current = beat();
  const schedule = () => {
    timer = setTimeout(
      () => {
        current = beat().finally(() => {
          if (!stopped) schedule();
        });
      },
      Math.max(1, Math.floor(options.ttlMs / 3)),
    );
    // A heartbeat alone must not keep the process alive.
    timer.unref();
  };
  const ready = current.then(() => {
    if (!stopped) schedule();
  });

  return {
    ready,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await current;
      await db.workerHeartbeat.deleteMany({ where: { workerId } }).catch((error: unknown) => {
        res.logger.warn({ err: error, workerId }, 'removing the worker heartbeat failed; it will expire');
      });
    },
  };
}

/** Worker pools whose heartbeat has not expired at `now`, in any process sharing `db`. */
export function liveWorkers(db: Database, now: Date): Promise<WorkerHeartbeat[]> {
  return db.prisma.workerHeartbeat.findMany({ where: { expiresAt: { gt: now } }, orderBy: { startedAt: 'asc' } });
}
