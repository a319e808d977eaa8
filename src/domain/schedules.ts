import type { BackfillJob, Prisma, Schedule } from '../db/models.ts';
import { agreedNow } from '../engine/scheduler-clock.ts';
import { fireTimesBetween, nextFireTime, nextFireTimes, cronIssues } from './cron.ts';
import { NotFoundError, ValidationError } from './errors.ts';
import { type Connection, type PageArgs, paginate } from './pagination.ts';
import { inScope, type Principal } from './principal.ts';
import type { Resources } from './resources.ts';
import { parseInput } from './schemas/issues.ts';
import { type CreateScheduleInput, createScheduleSchema, type UpdateScheduleInput, updateScheduleSchema } from './schemas/schedule.ts';
import type { WorkflowLookup, WorkflowService } from './workflows.ts';

/** Most fire times a preview returns, and most ticks one backfill may create. */
export const MAX_PREVIEW = 100;
export const MAX_BACKFILL_TICKS = 10_000;

/** Cron schedules of workflows: CRUD, previews and backfills. Firing is the scheduler's job. */
export function createScheduleService(res: Resources, workflows: WorkflowService) {
  const db = res.db.prisma;

  function checkCron(expression: string, timezone: string): void {
    const issues = cronIssues(expression, timezone);
    if (issues.length > 0) throw new ValidationError(issues);
  }

  const service = {
    /** Creates a schedule; its first fire time is the first tick after now. */
    async create(principal: Principal, lookup: WorkflowLookup, raw: CreateScheduleInput): Promise<Schedule> {
      const data = parseInput(createScheduleSchema, raw);
      checkCron(data.cronExpression, data.timezone);
      const workflow = await workflows.getLive(principal, lookup);
      // The scheduler's clock (the database's on PostgreSQL), so a skewed API process cannot skip a tick.
      const now = await agreedNow(res);
      const schedule = await db.schedule.create({
        data: {
          ...inScope(principal),
          workflowId: workflow.id,
          cronExpression: data.cronExpression,
          timezone: data.timezone,
          inputs: (data.inputs ?? {}) as Prisma.InputJsonValue,
          missedRunPolicy: data.missedRunPolicy,
          overlapPolicy: data.overlapPolicy,
          queueLimit: data.queueLimit,
          enabled: data.enabled,
          nextRunAt: data.enabled ? nextFireTime(data.cronExpression, data.timezone, now) : null,
        },
      });
      res.notifier.wake();
      return schedule;
    },

    /** Changes the given fields; a new cron, timezone or re-enabling recomputes the next fire time from now. */
    async update(principal: Principal, id: string, raw: UpdateScheduleInput): Promise<Schedule> {
      const current = await service.get(principal, id);
      const data = parseInput(updateScheduleSchema, raw);
      const cronExpression = data.cronExpression ?? current.cronExpression;
      const timezone = data.timezone ?? current.timezone;
      checkCron(cronExpression, timezone);
      const enabled = data.enabled ?? current.enabled;
      const timing = cronExpression !== current.cronExpression || timezone !== current.timezone || enabled !== current.enabled;
      const schedule = await db.schedule.update({
        where: { id: current.id },
        data: {
          cronExpression,
          timezone,
          inputs: data.inputs === undefined || data.inputs === null ? undefined : (data.inputs as Prisma.InputJsonValue),
          missedRunPolicy: data.missedRunPolicy,
          overlapPolicy: data.overlapPolicy,
          queueLimit: data.queueLimit,
          enabled,
          ...(timing ? { nextRunAt: enabled ? nextFireTime(cronExpression, timezone, await agreedNow(res)) : null } : {}),
        },
      });
      res.notifier.wake();
      return schedule;
    },

    /** Deletes a schedule (its past runs stay, unlinked). */
    async remove(principal: Principal, id: string): Promise<Schedule> {
      const current = await service.get(principal, id);
      // Backfill jobs first, then the schedule: the order a backfill chunk takes its locks (its
      // job row, then the schedule's key as it inserts ticks and runs). Deleting the schedule
      // first would lock it before cascading to a job a chunk holds, and on PostgreSQL the two
      // would deadlock; in this order the delete waits for the chunk instead.
      await db.$transaction(async (tx) => {
        await tx.backfillJob.deleteMany({ where: { scheduleId: current.id } });
        await tx.schedule.delete({ where: { id: current.id } });
      });
      return current;
    },

    /** One schedule by id. */
    async get(principal: Principal, id: string): Promise<Schedule> {
      const schedule = await db.schedule.findFirst({ where: { ...inScope(principal), id } });
      if (!schedule) throw new NotFoundError('Schedule', `"${id}"`);
      return schedule;
    },

    /** Every schedule of a live workflow, oldest first (seed 003 lists them without pages). */
    async forWorkflow(principal: Principal, workflowId: string): Promise<Schedule[]> {
      const workflow = await workflows.getLive(principal, { id: workflowId });
      return db.schedule.findMany({
        where: { ...inScope(principal), workflowId: workflow.id },
        orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
      });
    },

    /** One schedule of a live workflow; a schedule of another workflow is not found. */
    async ofWorkflow(principal: Principal, workflowId: string, id: string): Promise<Schedule> {
      const workflow = await workflows.getLive(principal, { id: workflowId });
      const schedule = await service.get(principal, id);
      if (schedule.workflowId !== workflow.id) throw new NotFoundError('Schedule', `"${id}"`);
      return schedule;
    },

    /** Schedules of the workspace (or of one workflow), newest first. */
    list(principal: Principal, workflowId: string | null, page: PageArgs): Promise<Connection<Schedule>> {
      return paginate(
        db.schedule,
        { ...inScope(principal), ...(workflowId ? { workflowId } : {}) },
        { field: 'createdAt', direction: 'desc' },
        page,
      );
    },

    /** The next `count` fire times of a cron expression in a timezone, after `from` (default now). */
    preview(cronExpression: string, timezone: string, count: number, from?: Date | null): Date[] {
      checkCron(cronExpression, timezone);
      if (count < 1 || count > MAX_PREVIEW) throw new ValidationError([{ path: 'count', message: `must be between 1 and ${MAX_PREVIEW}` }]);
      return nextFireTimes(cronExpression, timezone, from ?? res.clock.now(), count);
    },

    /** Recent ticks of a schedule, newest first. */
    ticks(scheduleId: string, take: number) {
      return db.scheduleTick.findMany({ where: { scheduleId }, orderBy: { tickAt: 'desc' }, take: Math.min(Math.max(take, 1), 100) });
    },

    /**
     * Queues a backfill: one run per tick of the schedule in [from, to], skipping ticks that
     * already fired. The scheduler creates the runs in chunks and tracks progress on the job.
     */
    async backfill(principal: Principal, scheduleId: string, from: Date, to: Date): Promise<BackfillJob> {
      const schedule = await service.get(principal, scheduleId);
      const issues = [];
      if (!(from < to)) issues.push({ path: 'from', message: 'must be before `to`' });
      if (to > (await agreedNow(res))) issues.push({ path: 'to', message: 'must not be in the future; backfills cover past ticks' });
      if (issues.length > 0) throw new ValidationError(issues);
      const total = fireTimesBetween(schedule.cronExpression, schedule.timezone, from, to, MAX_BACKFILL_TICKS + 1).length;
      if (total > MAX_BACKFILL_TICKS) {
        throw new ValidationError([
          { path: 'to', message: `the range holds more than ${MAX_BACKFILL_TICKS} ticks; split it into smaller backfills` },
        ]);
      }
      const job = await db.backfillJob.create({
        data: {
          ...inScope(principal),
          scheduleId: schedule.id,
          fromAt: from,
          toAt: to,
          total,
          status: total === 0 ? 'COMPLETED' : 'PENDING',
        },
      });
      res.notifier.wake();
      return job;
    },

    /** One backfill job by id. */
    async backfillJob(principal: Principal, id: string): Promise<BackfillJob> {
      const job = await db.backfillJob.findFirst({ where: { ...inScope(principal), id } });
      if (!job) throw new NotFoundError('BackfillJob', `"${id}"`);
      return job;
    },
  };
  return service;
}

/** The service's type, for code that receives it. */
export type ScheduleService = ReturnType<typeof createScheduleService>;
