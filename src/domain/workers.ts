import type { WorkerHeartbeat } from '../db/models.ts';
import { liveWorkers } from '../engine/heartbeat.ts';
import { type Principal, requireRole } from './principal.ts';
import type { Resources } from './resources.ts';

/**
 * Which worker pools are alive, in this process or any other sharing the database, judged by
 * their heartbeats. Not scoped by principal: workers serve every tenant.
 */
export function createWorkerService(res: Resources) {
  return {
    /** The pools whose heartbeat has not expired, oldest first. */
    live(): Promise<WorkerHeartbeat[]> {
      return liveWorkers(res.db, res.clock.now());
    },

    /**
     * Every pool with a heartbeat row, oldest first, with whether it is alive now: live ones,
     * and dead ones whose row no live pool has swept yet (a crashed fleet stays visible).
     * Admins only: workers are infrastructure shared by every tenant, named by host and pid.
     */
    async list(principal: Principal): Promise<(WorkerHeartbeat & { alive: boolean })[]> {
      requireRole(principal, 'admin', 'list workers');
      const now = res.clock.now();
      const rows = await res.db.prisma.workerHeartbeat.findMany({ orderBy: [{ startedAt: 'asc' }, { workerId: 'asc' }] });
      return rows.map((row) => ({ ...row, alive: row.expiresAt.getTime() > now.getTime() }));
    },

    /** True when at least one live pool would pick up a run accepted now. */
    async available(): Promise<boolean> {
      return (await liveWorkers(res.db, res.clock.now())).some((worker) => worker.concurrency > 0);
    },
  };
}

/** The service's type, for code that receives it. */
export type WorkerService = ReturnType<typeof createWorkerService>;
