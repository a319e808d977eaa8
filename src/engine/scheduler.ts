import type { BackfillJob, Run, Schedule } from '../db/models.ts';
import { fireTimesBetween, nextFireTime } from '../domain/cron.ts';
import type { WorkflowDefinition } from '../domain/definition/schema.ts';
import type { Resources } from '../domain/resources.ts';
import { cancelRunInTx, insertRun } from '../domain/run-writes.ts';
import type { MissedRunPolicy, OverlapPolicy } from '../domain/schemas/schedule.ts';
import type { Tx } from './events.ts';

/** A tick later than this past its time counts as missed (the scheduler was down), not late. */
export const MISSED_AFTER_MS = 60_000;
// Safety cap on ticks enumerated in one pass (a long outage of a per-minute schedule).
const MAX_TICKS_PER_PASS = 5_000;
const BACKFILL_CHUNK = 50;

/** Options of the scheduler loop. */
export interface SchedulerOptions {
  pollMs: number;
}

/** A running scheduler loop. */
export interface Scheduler {
  stop(): Promise<void>;
  /** One pass now (also what the loop runs every pollMs). */
  pass(): Promise<void>;
}

/**
 * Decides which of a schedule's due ticks fire, by its missed-run policy: ticks within
 * MISSED_AFTER_MS of their time always fire; older ones (missed while every process was down)
 * fire all (QUEUE, capped at queueLimit, newest kept), once (RUN_IMMEDIATELY: one catch-up run
 * at the latest missed tick) or not at all (SKIP).
 */
export function ticksToFire(due: Date[], now: Date, policy: MissedRunPolicy, queueLimit: number): Date[] {
  const missed = due.filter((t) => now.getTime() - t.getTime() > MISSED_AFTER_MS);
  const onTime = due.filter((t) => now.getTime() - t.getTime() <= MISSED_AFTER_MS);
  switch (policy) {
    case 'QUEUE':
      return [...missed.slice(-queueLimit), ...onTime];
    case 'RUN_IMMEDIATELY':
      return [...missed.slice(-1), ...onTime];
    case 'SKIP':
      return onTime;
  }
}

/**
 * Starts the scheduler of this process. Every pass fires due schedules and advances backfill
 * jobs. Each schedule's due ticks are handled by exactly one process: the pass advances
 * `nextRunAt` with a compare-and-set in the same transaction that records the ticks (unique per
 * schedule and instant) and creates their runs, so a racing process changes nothing.
 */
export function startScheduler(res: Resources, options: SchedulerOptions): Scheduler {
  const db = res.db.prisma;
  let stopped = false;
  let nudge: () => void = () => {};
  const unsubscribe = res.notifier.onWake(() => nudge());

  // Read through the caller's transaction: on SQLite a read outside it would wait for it to end.
  async function definitionOf(tx: Tx, versionId: string): Promise<WorkflowDefinition> {
    const version = await tx.workflowVersion.findUniqueOrThrow({ where: { id: versionId }, select: { definition: true } });
    return version.definition as unknown as WorkflowDefinition;
  }

  /** Creates the run of one tick inside `tx`, unless the workflow can no longer run. */
  async function startRun(tx: Tx, schedule: Schedule, now: Date): Promise<Run | null> {
    const workflow = await tx.workflow.findUnique({ where: { id: schedule.workflowId } });
    if (!workflow || workflow.status !== 'ACTIVE' || !workflow.currentVersionId) return null;
    return insertRun(
      tx,
      {
        tenantId: schedule.tenantId,
        workspaceId: schedule.workspaceId,
        workflowId: workflow.id,
        workflowVersionId: workflow.currentVersionId,
        version: workflow.currentVersion,
        definition: await definitionOf(tx, workflow.currentVersionId),
        inputs: (schedule.inputs ?? {}) as Record<string, unknown>,
        triggeredBy: 'SCHEDULE',
        scheduleId: schedule.id,
        timeoutSeconds: workflow.timeoutSeconds,
      },
      now,
    );
  }

  /** Applies the overlap policy to one tick and records it; returns runs it cancelled. */
  async function fireTick(tx: Tx, schedule: Schedule, tickAt: Date, now: Date): Promise<string[]> {
    const active = await tx.run.findMany({ where: { scheduleId: schedule.id, status: { in: ['PENDING', 'RUNNING'] } } });
    const record = (status: string, reason: string | null, runId: string | null) =>
      tx.scheduleTick.create({ data: { scheduleId: schedule.id, tickAt, status, reason, runId } });
    const policy = schedule.overlapPolicy as OverlapPolicy;
    if (active.length > 0) {
      switch (policy) {
        case 'ALLOW':
          break;
        case 'SKIP':
          await record('SKIPPED', 'the previous run was still active', null);
          return [];
        case 'BUFFER_ONE': {
          const buffered = await tx.scheduleTick.count({ where: { scheduleId: schedule.id, status: 'BUFFERED' } });
          await record(
            buffered > 0 ? 'SKIPPED' : 'BUFFERED',
            buffered > 0 ? 'a tick is already buffered' : 'waiting for the active run to finish',
            null,
          );
          return [];
        }
        case 'CANCEL_OTHER': {
          const cancelled: string[] = [];
          for (const run of active) {
            if (await cancelRunInTx(tx, run, `superseded by the schedule tick at ${tickAt.toISOString()}`, 'scheduler', now))
              cancelled.push(run.id);
          }
          const run = await startRun(tx, schedule, now);
          await record(run ? 'FIRED' : 'SKIPPED', run ? null : 'the workflow is not active', run?.id ?? null);
          return cancelled;
        }
      }
    }
    const run = await startRun(tx, schedule, now);
    await record(run ? 'FIRED' : 'SKIPPED', run ? null : 'the workflow is not active', run?.id ?? null);
    return [];
  }

  async function fireSchedule(schedule: Schedule, now: Date): Promise<void> {
    const from = schedule.nextRunAt as Date;
    const due = fireTimesBetween(schedule.cronExpression, schedule.timezone, from, now, MAX_TICKS_PER_PASS);
    const fire = ticksToFire(due, now, schedule.missedRunPolicy as MissedRunPolicy, schedule.queueLimit);
    const next = nextFireTime(schedule.cronExpression, schedule.timezone, now);
    const cancelled = await db.$transaction(async (tx) => {
      // Only the process whose read of nextRunAt is still current handles these ticks.
      const won = await tx.schedule.updateMany({
        where: { id: schedule.id, nextRunAt: from, enabled: true },
        data: { nextRunAt: next, ...(fire.length > 0 ? { lastRunAt: fire.at(-1) } : {}) },
      });
      if (won.count !== 1) return [];
      const out: string[] = [];
      for (const tickAt of fire) out.push(...(await fireTick(tx, schedule, tickAt, now)));
      return out;
    });
    for (const runId of cancelled) {
      res.notifier.runChanged(runId);
      res.notifier.eventsAppended(runId);
    }
  }

  /** Starts buffered ticks whose schedule has no active run any more. */
  async function releaseBuffered(now: Date): Promise<void> {
    const buffered = await db.scheduleTick.findMany({ where: { status: 'BUFFERED' }, include: { schedule: true }, take: 100 });
    for (const tick of buffered) {
      await db.$transaction(async (tx) => {
        const active = await tx.run.count({ where: { scheduleId: tick.scheduleId, status: { in: ['PENDING', 'RUNNING'] } } });
        if (active > 0) return;
        const claimed = await tx.scheduleTick.updateMany({
          where: { id: tick.id, status: 'BUFFERED' },
          data: { status: 'FIRED', reason: null },
        });
        if (claimed.count !== 1) return;
        const run = await startRun(tx, tick.schedule, now);
        await tx.scheduleTick.update({
          where: { id: tick.id },
          data: run ? { runId: run.id } : { status: 'SKIPPED', reason: 'the workflow is not active' },
        });
      });
    }
  }

  /** Creates the next chunk of a backfill's runs; the cursor moves by compare-and-set. */
  async function advanceBackfill(job: BackfillJob & { schedule: Schedule }, now: Date): Promise<void> {
    const from = job.cursorAt ? new Date(job.cursorAt.getTime() + 1) : job.fromAt;
    const ticks = fireTimesBetween(job.schedule.cronExpression, job.schedule.timezone, from, job.toAt, BACKFILL_CHUNK);
    await db.$transaction(async (tx) => {
      const last = ticks.at(-1) ?? job.toAt;
      const done = ticks.length < BACKFILL_CHUNK || last.getTime() >= job.toAt.getTime();
      const moved = await tx.backfillJob.updateMany({
        where: { id: job.id, cursorAt: job.cursorAt, status: { in: ['PENDING', 'RUNNING'] } },
        data: { cursorAt: last, status: done ? 'COMPLETED' : 'RUNNING', ...(done ? { completedAt: now } : {}) },
      });
      if (moved.count !== 1) return;
      let created = 0;
      let skipped = 0;
      for (const tickAt of ticks) {
        // A tick that already fired (by the schedule or an earlier backfill) is not run again.
        if (await tx.scheduleTick.findUnique({ where: { scheduleId_tickAt: { scheduleId: job.scheduleId, tickAt } } })) {
          skipped++;
          continue;
        }
        const run = await startRun(tx, job.schedule, now);
        await tx.scheduleTick.create({
          data: {
            scheduleId: job.scheduleId,
            tickAt,
            status: run ? 'FIRED' : 'SKIPPED',
            reason: 'backfill',
            backfillId: job.id,
            runId: run?.id ?? null,
          },
        });
        if (run) created++;
        else skipped++;
      }
      await tx.backfillJob.update({ where: { id: job.id }, data: { created: { increment: created }, skipped: { increment: skipped } } });
    });
  }

  async function pass(): Promise<void> {
    const now = res.clock.now();
    const due = await db.schedule.findMany({ where: { enabled: true, nextRunAt: { lte: now } }, orderBy: { nextRunAt: 'asc' }, take: 100 });
    let fired = false;
    for (const schedule of due) {
      try {
        await fireSchedule(schedule, now);
        fired = true;
      } catch (error) {
        res.logger.error({ err: error, scheduleId: schedule.id }, 'firing a schedule failed; it will be retried on the next pass');
      }
    }
    await releaseBuffered(now);
    const jobs = await db.backfillJob.findMany({
      where: { status: { in: ['PENDING', 'RUNNING'] } },
      include: { schedule: true },
      take: 10,
    });
    for (const job of jobs) {
      try {
        await advanceBackfill(job, now);
        fired = true;
      } catch (error) {
        res.logger.error({ err: error, backfillJobId: job.id }, 'advancing a backfill failed; it will be retried');
      }
    }
    // Nudges workers (and this loop, for the next backfill chunk) only after real progress.
    if (fired) res.notifier.wake();
  }

  const loop = (async () => {
    while (!stopped) {
      try {
        await pass();
      } catch (error) {
        res.logger.error({ err: error }, 'scheduler pass failed');
      }
      const idle = new Promise<void>((resolve) => {
        nudge = resolve;
      });
      const timer = setTimeout(() => nudge(), options.pollMs);
      await idle;
      clearTimeout(timer);
    }
  })();

  return {
    pass,
    async stop() {
      stopped = true;
      unsubscribe();
      nudge();
      await loop;
    },
  };
}
