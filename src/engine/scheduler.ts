import type { Resources } from '../domain/resources.ts';
import { createRetention, type Retention } from './retention.ts';
import { agreedNow } from './scheduler-clock.ts';
import { advanceBackfill, fireSchedule, releaseBuffered } from './scheduler-firing.ts';
import { missedAfterMs } from './scheduler-ticks.ts';

export { MISSED_AFTER_MS, missedAfterMs, ticksToFire } from './scheduler-ticks.ts';

/** Due schedules, buffered ticks and backfill jobs one pass reads at most. */
const SCHEDULES_PER_PASS = 100;
const BUFFERED_PER_PASS = 100;
const BACKFILLS_PER_PASS = 10;
/** How often retention sweeps when it has caught up (by the scheduler's clock). */
const RETENTION_EVERY_MS = 10 * 60_000;

/** Options of the scheduler loop. */
export interface SchedulerOptions {
  /** How often a pass runs without being woken (WORKER_POLL_MS). */
  pollMs: number;
  /**
   * Days finished runs are kept where the workspace says nothing (RUN_RETENTION_DAYS); 0 or
   * absent keeps them forever. Workspaces' own settings apply either way.
   */
  retentionDays?: number;
}

/** What one pass did. */
export interface PassResult {
  /** Work is left that the pass stopped short of (a long catch-up, a full page): run another now. */
  more: boolean;
}

/** A running scheduler loop. */
export interface Scheduler {
  stop(): Promise<void>;
  /** One pass now (also what the loop runs every pollMs). */
  pass(): Promise<void>;
}

/**
 * One scheduler pass for this process, without the loop: fires due schedules, releases buffered
 * ticks, advances backfills and, every few minutes, sweeps expired runs. Exposed so tests can
 * step the scheduler one bounded transaction batch at a time.
 */
export function createSchedulerPass(res: Resources, options: SchedulerOptions): () => Promise<PassResult> {
  const db = res.db.prisma;
  const missedAfter = missedAfterMs(options.pollMs);
  const retention: Retention = createRetention(res, { defaultDays: options.retentionDays ?? 0 });
  let retentionAt: number | null = null;
  let retentionBehind = false;

  async function sweep(now: Date): Promise<void> {
    // A clock that went backwards (tests set it freely) also counts as time to sweep.
    const elapsed = retentionAt === null ? Infinity : Math.abs(now.getTime() - retentionAt);
    if (!retentionBehind && elapsed < RETENTION_EVERY_MS) return;
    retentionAt = now.getTime();
    try {
      // A backlog is worked off one budget per pass (not back to back), so it never crowds out firing.
      retentionBehind = (await retention.prune(now)).more;
    } catch (error) {
      res.logger.error({ err: error }, 'deleting expired runs failed; it will be retried');
    }
  }

  return async function pass(): Promise<PassResult> {
    const now = await agreedNow(res);
    let more = false;
    let progressed = false;
    const due = await db.schedule.findMany({
      where: { enabled: true, nextRunAt: { lte: now } },
      orderBy: { nextRunAt: 'asc' },
      take: SCHEDULES_PER_PASS,
    });
    let won = 0;
    for (const schedule of due) {
      try {
        const outcome = await fireSchedule(res, schedule, now, missedAfter);
        if (outcome.won) won++;
        if (outcome.more) more = true;
      } catch (error) {
        res.logger.error({ err: error, scheduleId: schedule.id }, 'firing a schedule failed; it will be retried on the next pass');
      }
    }
    // A failing schedule must not make the loop spin: only a full page with progress asks for more.
    if (won > 0) progressed = true;
    if (due.length === SCHEDULES_PER_PASS && won > 0) more = true;

    try {
      const buffered = await releaseBuffered(res, now, BUFFERED_PER_PASS);
      if (buffered.released > 0) progressed = true;
      if (buffered.more) more = true;
    } catch (error) {
      res.logger.error({ err: error }, 'releasing buffered ticks failed; it will be retried');
    }

    const jobs = await db.backfillJob.findMany({
      where: { status: { in: ['PENDING', 'RUNNING'] } },
      orderBy: { createdAt: 'asc' },
      include: { schedule: true },
      take: BACKFILLS_PER_PASS,
    });
    for (const job of jobs) {
      try {
        const step = await advanceBackfill(res, job, now);
        if (step.moved) progressed = true;
        if (step.moved && !step.done) more = true;
      } catch (error) {
        res.logger.error({ err: error, backfillJobId: job.id }, 'advancing a backfill failed; it will be retried');
      }
    }
    if (jobs.length === BACKFILLS_PER_PASS && progressed) more = true;

    await sweep(now);
    // Runs were created or cancelled: workers should look now rather than at their next poll.
    if (progressed) res.notifier.wake();
    return { more };
  };
}

/**
 * Starts the scheduler of this process. Each schedule's due ticks are handled by exactly one
 * process: a pass advances `nextRunAt` with a compare-and-set in the same transaction that
 * records the ticks (unique per schedule and instant) and creates their runs, so a racing
 * process changes nothing. Passes run every `pollMs`, at once when woken (schedule changes,
 * runs finishing), and back to back while a pass reports more work.
 */
export function startScheduler(res: Resources, options: SchedulerOptions): Scheduler {
  const pass = createSchedulerPass(res, options);
  // Passes woken by a burst of wakes (every run start and park emits one) are spaced this much.
  const minGapMs = Math.min(options.pollMs, 100);
  let stopped = false;
  let nudge: () => void = () => {};
  const unsubscribe = res.notifier.onWake(() => nudge());

  function sleep(ms: number, until?: Promise<void>): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      void until?.then(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  async function runPass(): Promise<PassResult> {
    try {
      return await pass();
    } catch (error) {
      res.logger.error({ err: error }, 'scheduler pass failed');
      return { more: false };
    }
  }

  const loop = (async () => {
    while (!stopped) {
      // Armed before the pass, so a wake during it (including the pass's own) is not lost.
      const woken = new Promise<void>((resolve) => {
        nudge = resolve;
      });
      const started = Date.now();
      const { more } = await runPass();
      if (stopped) break;
      if (more) continue;
      await sleep(options.pollMs, woken);
      const gap = minGapMs - (Date.now() - started);
      if (gap > 0 && !stopped) await sleep(gap);
    }
  })();

  return {
    async pass() {
      await runPass();
    },
    async stop() {
      stopped = true;
      unsubscribe();
      nudge();
      await loop;
    },
  };
}
