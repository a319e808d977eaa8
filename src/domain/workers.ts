import type { WorkerHeartbeat } from '../db/models.ts';
import { liveWorkers } from '../engine/heartbeat.ts';
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

    /** True when at least one live pool would pick up a run accepted now. */
    async available(): Promise<boolean> {
      return (await liveWorkers(res.db, res.clock.now())).some((worker) => worker.concurrency > 0);
    },
  };
}

/** The service's type, for code that receives it. */
export type WorkerService = ReturnType<typeof createWorkerService>;
