// The scheduler's writes: firing a due schedule's ticks, releasing buffered ticks and advancing
// backfills. Each is a short transaction guarded by a compare-and-set, so any number of
// processes may run them at once and every tick is handled exactly once.
import { randomUUID } from 'node:crypto';
import type { BackfillJob, Run, Schedule } from '../db/models.ts';
import { fireTimesBetween, nextFireTime } from '../domain/cron.ts';
import type { WorkflowDefinition } from '../domain/definition/schema.ts';
import type { Resources } from '../domain/resources.ts';
import { cancelRunInTx, insertRun } from '../domain/run-writes.ts';
import type { MissedRunPolicy, OverlapPolicy } from '../domain/schemas/schedule.ts';
import type { Tx } from '../db/run-events.ts';
import { dueTicks, ticksToFire } from './scheduler-ticks.ts';

/**
 * Most ticks (and so runs) one transaction records. A QUEUE catch-up of a thousand ticks takes
 * many short transactions instead of one that outlives the database's transaction timeout,
 * rolls back and repeats forever.
 */
export const TICKS_PER_TRANSACTION = 50;
/** Ticks one backfill transaction covers. */
export const BACKFILL_CHUNK = 50;

const ACTIVE = ['PENDING', 'RUNNING'];

/** What handling one due schedule did. */
export interface FireOutcome {
  /** This process won the schedule's compare-and-set (and so handled its ticks). */
  won: boolean;
  /** Ticks of a long catch-up are left for the next pass. */
  more: boolean;
  /** Runs it cancelled (CANCEL_OTHER), for the caller to announce. */
  cancelled: string[];
}

interface NewTick {
  scheduleId: string;
  tickAt: Date;
  status: 'FIRED' | 'SKIPPED' | 'BUFFERED';
  reason: string | null;
  backfillId: string | null;
}

/**
 * Records a tick unless one is already recorded for its instant (by a backfill, or by another
 * process): returns the new row's id, or null. It never raises the unique violation, because on
 * PostgreSQL that aborts the whole transaction, taking the nextRunAt compare-and-set with it, on
 * every pass forever.
 */
async function claimTick(tx: Tx, provider: Resources['db']['provider'], tick: NewTick, now: Date): Promise<string | null> {
  if (provider === 'postgres') {
    const rows = await tx.$queryRawUnsafe<{ id: string }[]>(
      `INSERT INTO "ScheduleTick" ("id", "scheduleId", "tickAt", "status", "reason", "backfillId", "createdAt")
       VALUES ($1, $2, $3::timestamp(3), $4, $5, $6, $7::timestamp(3))
       ON CONFLICT ("scheduleId", "tickAt") DO NOTHING
       RETURNING "id"`,
      randomUUID(),
      tick.scheduleId,
      tick.tickAt.toISOString(),
      tick.status,
      tick.reason,
      tick.backfillId,
      now.toISOString(),
    );
    return rows[0]?.id ?? null;
  }
  // SQLite runs one write transaction at a time: nothing can come between the check and the insert.
  const existing = await tx.scheduleTick.findUnique({
    where: { scheduleId_tickAt: { scheduleId: tick.scheduleId, tickAt: tick.tickAt } },
    select: { id: true },
  });
  if (existing) return null;
  return (await tx.scheduleTick.create({ data: { ...tick, createdAt: now }, select: { id: true } })).id;
}

/** Creates the run of one tick inside `tx`, unless the workflow can no longer run. */
async function startRun(tx: Tx, schedule: Schedule, now: Date): Promise<Run | null> {
  const workflow = await tx.workflow.findUnique({ where: { id: schedule.workflowId } });
  if (!workflow || workflow.status !== 'ACTIVE' || !workflow.currentVersionId) return null;
  // Read through the transaction: on SQLite a read outside it would wait for it to end.
  const version = await tx.workflowVersion.findUniqueOrThrow({ where: { id: workflow.currentVersionId }, select: { definition: true } });
  return insertRun(
    tx,
    {
      tenantId: schedule.tenantId,
      workspaceId: schedule.workspaceId,
      workflowId: workflow.id,
      workflowVersionId: workflow.currentVersionId,
      workflowKey: workflow.key,
      workflowName: workflow.name,
      version: workflow.currentVersion,
      definition: version.definition as unknown as WorkflowDefinition,
      inputs: (schedule.inputs ?? {}) as Record<string, unknown>,
      triggeredBy: 'SCHEDULE',
      scheduleId: schedule.id,
      timeoutSeconds: workflow.timeoutSeconds,
    },
    now,
  );
}

/** Applies the overlap policy to one tick and records it; returns the runs it cancelled. */
async function fireTick(tx: Tx, provider: Resources['db']['provider'], schedule: Schedule, tickAt: Date, now: Date): Promise<string[]> {
  const policy = schedule.overlapPolicy as OverlapPolicy;
  const activeWhere = { scheduleId: schedule.id, status: { in: ACTIVE } };
  // Only CANCEL_OTHER needs the active runs themselves; SKIP and BUFFER_ONE need to know one exists.
  const toCancel = policy === 'CANCEL_OTHER' ? await tx.run.findMany({ where: activeWhere }) : [];
  const busy =
    policy === 'SKIP' || policy === 'BUFFER_ONE' ? (await tx.run.findFirst({ where: activeWhere, select: { id: true } })) !== null : false;
  let status: NewTick['status'] = 'FIRED';
  let reason: string | null = null;
  if (busy && policy === 'SKIP') {
    status = 'SKIPPED';
    reason = 'the previous run was still active';
  } else if (busy) {
    const buffered = await tx.scheduleTick.count({ where: { scheduleId: schedule.id, status: 'BUFFERED' } });
    status = buffered > 0 ? 'SKIPPED' : 'BUFFERED';
    reason = buffered > 0 ? 'a tick is already buffered' : 'waiting for the active run to finish';
  }
  const tickId = await claimTick(tx, provider, { scheduleId: schedule.id, tickAt, status, reason, backfillId: null }, now);
  // Already recorded: it keeps what it has, since firing it again would run the instant twice.
  if (!tickId || status !== 'FIRED') return [];
  const cancelled: string[] = [];
  for (const run of toCancel) {
    if (await cancelRunInTx(tx, run, `superseded by the schedule tick at ${tickAt.toISOString()}`, 'scheduler', now))
      cancelled.push(run.id);
  }
  const run = await startRun(tx, schedule, now);
  await tx.scheduleTick.update({
    where: { id: tickId },
    data: run ? { runId: run.id } : { status: 'SKIPPED', reason: 'the workflow is not active' },
  });
  return cancelled;
}

/**
 * Handles the due ticks of one schedule, at most {@link TICKS_PER_TRANSACTION} of them in one
 * transaction. The compare-and-set on nextRunAt decides which process handles them; when ticks
 * remain, nextRunAt stops at the first of them (still due), so the next pass carries on there
 * and the ticks picked stay the ones the missed-run policy chose.
 */
export async function fireSchedule(res: Resources, schedule: Schedule, now: Date, missedAfter: number): Promise<FireOutcome> {
  const from = schedule.nextRunAt;
  if (!from) return { won: false, more: false, cancelled: [] };
  const policy = schedule.missedRunPolicy as MissedRunPolicy;
  const due = dueTicks(schedule.cronExpression, schedule.timezone, from, now, policy, schedule.queueLimit, missedAfter);
  const fire = ticksToFire(due, now, policy, schedule.queueLimit, missedAfter);
  const batch = fire.slice(0, TICKS_PER_TRANSACTION);
  const rest = fire[TICKS_PER_TRANSACTION];
  const next = rest ?? nextFireTime(schedule.cronExpression, schedule.timezone, now);
  const cancelled = await res.db.prisma.$transaction(async (tx) => {
    // Every field the choice of ticks came from is part of the compare-and-set, so a change
    // committed since the read (even one that kept nextRunAt) makes this pass do nothing. `now`
    // is the agreed (database) time, so a fast local clock cannot fire a tick early.
    const won = await tx.schedule.updateMany({
      where: {
        id: schedule.id,
        enabled: true,
        nextRunAt: { equals: from, lte: now },
        cronExpression: schedule.cronExpression,
        timezone: schedule.timezone,
        missedRunPolicy: schedule.missedRunPolicy,
        queueLimit: schedule.queueLimit,
      },
      data: { nextRunAt: next, ...(batch.length > 0 ? { lastRunAt: batch.at(-1) } : {}) },
    });
    if (won.count !== 1) return null;
    // Inputs and overlap policy come from the row as set (locked by the update on PostgreSQL).
    const current = await tx.schedule.findUniqueOrThrow({ where: { id: schedule.id } });
    const out: string[] = [];
    for (const tickAt of batch) out.push(...(await fireTick(tx, res.db.provider, current, tickAt, now)));
    return out;
  });
  for (const runId of cancelled ?? []) {
    res.notifier.runChanged(runId);
    res.notifier.eventsAppended(runId);
  }
  return { won: cancelled !== null, more: cancelled !== null && rest !== undefined, cancelled: cancelled ?? [] };
}

/**
 * Starts buffered ticks whose schedule is enabled and has no active run any more, oldest first.
 * Only releasable ticks are read, so ticks still blocked by a long run never crowd them out.
 * Returns how many it started, and whether a full page came back with progress (more may wait).
 */
export async function releaseBuffered(res: Resources, now: Date, limit: number): Promise<{ released: number; more: boolean }> {
  const db = res.db.prisma;
  const ticks = await db.scheduleTick.findMany({
    where: { status: 'BUFFERED', schedule: { enabled: true, runs: { none: { status: { in: ACTIVE } } } } },
    orderBy: [{ tickAt: 'asc' }, { id: 'asc' }],
    select: { id: true, scheduleId: true },
    take: limit,
  });
  let released = 0;
  for (const tick of ticks) {
    const started = await db.$transaction(async (tx) => {
      // Checked again inside the transaction: a run may have started since the read.
      const schedule = await tx.schedule.findUnique({ where: { id: tick.scheduleId } });
      if (!schedule?.enabled) return false;
      if (await tx.run.findFirst({ where: { scheduleId: tick.scheduleId, status: { in: ACTIVE } }, select: { id: true } })) return false;
      const claimed = await tx.scheduleTick.updateMany({
        where: { id: tick.id, status: 'BUFFERED' },
        data: { status: 'FIRED', reason: null },
      });
      if (claimed.count !== 1) return false;
      const run = await startRun(tx, schedule, now);
      await tx.scheduleTick.update({
        where: { id: tick.id },
        data: run ? { runId: run.id } : { status: 'SKIPPED', reason: 'the workflow is not active' },
      });
      return true;
    });
    if (started) released++;
  }
  return { released, more: ticks.length === limit && released > 0 };
}

/**
 * Creates the next chunk of a backfill's runs; the cursor moves by compare-and-set. Returns
 * whether this process moved it, and whether the job still has ticks after this chunk.
 */
export async function advanceBackfill(
  res: Resources,
  job: BackfillJob & { schedule: Schedule },
  now: Date,
): Promise<{ moved: boolean; done: boolean }> {
  const from = job.cursorAt ? new Date(job.cursorAt.getTime() + 1) : job.fromAt;
  const ticks = fireTimesBetween(job.schedule.cronExpression, job.schedule.timezone, from, job.toAt, BACKFILL_CHUNK);
  const last = ticks.at(-1) ?? job.toAt;
  const done = ticks.length < BACKFILL_CHUNK || last.getTime() >= job.toAt.getTime();
  const moved = await res.db.prisma.$transaction(async (tx) => {
    const cas = await tx.backfillJob.updateMany({
      where: { id: job.id, cursorAt: job.cursorAt, status: { in: ['PENDING', 'RUNNING'] } },
      data: { cursorAt: last, status: done ? 'COMPLETED' : 'RUNNING', ...(done ? { completedAt: now } : {}) },
    });
    if (cas.count !== 1) return false;
    // Inputs as they are now, not as read before the transaction.
    const schedule = await tx.schedule.findUniqueOrThrow({ where: { id: job.scheduleId } });
    let created = 0;
    let skipped = 0;
    for (const tickAt of ticks) {
      const tickId = await claimTick(
        tx,
        res.db.provider,
        { scheduleId: job.scheduleId, tickAt, status: 'FIRED', reason: 'backfill', backfillId: job.id },
        now,
      );
      // A tick that already fired (by the schedule or an earlier backfill) is not run again.
      if (!tickId) {
        skipped++;
        continue;
      }
      const run = await startRun(tx, schedule, now);
      await tx.scheduleTick.update({ where: { id: tickId }, data: run ? { runId: run.id } : { status: 'SKIPPED' } });
      if (run) created++;
      else skipped++;
    }
    await tx.backfillJob.update({ where: { id: job.id }, data: { created: { increment: created }, skipped: { increment: skipped } } });
    return true;
  });
  return { moved, done };
}
