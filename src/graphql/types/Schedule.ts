import { NotFoundError, ValidationError } from '../../domain/errors.ts';
import type { MISSED_RUN_POLICIES, OVERLAP_POLICIES } from '../../domain/schemas/schedule.ts';
import { type MissedRunPolicy as Missed, type OverlapPolicy as Overlap } from '../../domain/schemas/schedule.ts';
import { builder } from '../builder.ts';
import { connectionFields } from '../connections.ts';
import { idOf } from '../ids.ts';
import './Workflow.ts';

export const MissedRunPolicy = builder.enumType('MissedRunPolicy', {
  description: 'What happens to ticks that passed while no Flowdeck process was running.',
  values: {
    RUN_IMMEDIATELY: { description: 'One catch-up run for everything missed.' },
    SKIP: { description: 'Missed ticks are dropped; the schedule resumes at its next tick.' },
    QUEUE: { description: 'Every missed tick runs, up to `queueLimit` (the most recent ones).' },
  } satisfies Record<(typeof MISSED_RUN_POLICIES)[number], unknown>,
});

export const OverlapPolicy = builder.enumType('OverlapPolicy', {
  description: 'What happens when a tick comes while the previous run of the schedule is still active.',
  values: {
    ALLOW: { description: 'Start another run anyway.' },
    SKIP: { description: 'Skip this tick.' },
    BUFFER_ONE: { description: 'Keep one tick waiting and start it when the active run finishes; further ticks are skipped.' },
    CANCEL_OTHER: { description: 'Cancel the active run and start a new one.' },
  } satisfies Record<(typeof OVERLAP_POLICIES)[number], unknown>,
});

const ScheduleTickRef = builder.prismaObject('ScheduleTick', {
  description: 'One fire time of a schedule and what came of it.',
  fields: (t) => ({
    tickAt: t.expose('tickAt', { type: 'DateTime', description: 'The instant the cron expression named.' }),
    status: t.exposeString('status', {
      description: 'FIRED (a run started), SKIPPED, or BUFFERED (waiting for the active run to finish).',
    }),
    reason: t.exposeString('reason', { nullable: true, description: 'Why it did not start a run, or `backfill`.' }),
    run: t.relation('run', { nullable: true, description: 'The run it started.' }),
  }),
});

export const ScheduleRef = builder.prismaNode('Schedule', {
  description: 'A cron trigger that runs a workflow at the instants of a 5-field cron expression in an IANA timezone.',
  id: { field: 'id', description: 'Global id.' },
  nullable: true,
  findUnique: (id, ctx) => ({ id, tenantId: ctx.principal.tenantId, workspaceId: ctx.principal.workspaceId }),
  fields: (t) => ({
    workflow: t.relation('workflow', { description: 'The workflow it runs.' }),
    cronExpression: t.exposeString('cronExpression', { description: 'minute hour day-of-month month day-of-week, e.g. `0 9 * * 1`.' }),
    timezone: t.exposeString('timezone', { description: 'IANA timezone the expression is read in (DST included).' }),
    inputs: t.expose('inputs', { type: 'JSON', description: 'Input of every run it starts.' }),
    missedRunPolicy: t.field({
      type: MissedRunPolicy,
      description: 'What happens to ticks missed during an outage.',
      resolve: (s) => s.missedRunPolicy as Missed,
    }),
    overlapPolicy: t.field({
      type: OverlapPolicy,
      description: 'What happens when the previous run is still active.',
      resolve: (s) => s.overlapPolicy as Overlap,
    }),
    queueLimit: t.exposeInt('queueLimit', { description: 'Most missed ticks QUEUE runs after an outage.' }),
    enabled: t.exposeBoolean('enabled', { description: 'Whether it fires.' }),
    nextRunAt: t.expose('nextRunAt', { type: 'DateTime', nullable: true, description: 'Its next fire time (null when disabled).' }),
    lastRunAt: t.expose('lastRunAt', { type: 'DateTime', nullable: true, description: 'The last tick it fired.' }),
    nextFireTimes: t.field({
      type: ['DateTime'],
      description: 'The next fire times from now.',
      args: { count: t.arg.int({ required: false, defaultValue: 5, description: 'How many (1-100, default 5).' }) },
      resolve: (s, args, ctx) => ctx.services.schedules.preview(s.cronExpression, s.timezone, args.count ?? 5),
    }),
    ticks: t.field({
      type: [ScheduleTickRef],
      description: 'Recent ticks, newest first.',
      args: { last: t.arg.int({ required: false, defaultValue: 20, description: 'How many (1-100, default 20).' }) },
      resolve: (s, args, ctx) => ctx.services.schedules.ticks(s.id, args.last ?? 20),
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was created.' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime', description: 'When it last changed.' }),
  }),
});

const BackfillJobRef = builder.prismaNode('BackfillJob', {
  description: 'A request to run a schedule once per tick of a past range, processed in chunks by the scheduler.',
  id: { field: 'id', description: 'Global id.' },
  nullable: true,
  findUnique: (id, ctx) => ({ id, tenantId: ctx.principal.tenantId, workspaceId: ctx.principal.workspaceId }),
  fields: (t) => ({
    schedule: t.relation('schedule', { description: 'The schedule.' }),
    from: t.expose('fromAt', { type: 'DateTime', description: 'Start of the range (inclusive).' }),
    to: t.expose('toAt', { type: 'DateTime', description: 'End of the range (inclusive).' }),
    status: t.exposeString('status', { description: 'PENDING, RUNNING or COMPLETED.' }),
    total: t.exposeInt('total', { description: 'Ticks in the range.' }),
    created: t.exposeInt('created', { description: 'Runs created so far.' }),
    skipped: t.exposeInt('skipped', { description: 'Ticks that had already fired, so were not run again.' }),
    progress: t.float({
      description: 'Share of ticks handled, 0 to 1.',
      resolve: (j) => (j.total === 0 ? 1 : (j.created + j.skipped) / j.total),
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was requested.' }),
    completedAt: t.expose('completedAt', { type: 'DateTime', nullable: true, description: 'When it finished.' }),
  }),
});

const SchedulePreviewRef = builder.objectRef<{ cronExpression: string; timezone: string; fireTimes: Date[] }>('SchedulePreview').implement({
  description: 'Fire times a cron expression would produce, without creating anything.',
  fields: (t) => ({
    cronExpression: t.exposeString('cronExpression', { description: 'The expression.' }),
    timezone: t.exposeString('timezone', { description: 'The timezone.' }),
    fireTimes: t.field({ type: ['DateTime'], description: 'The fire times, oldest first.', resolve: (p) => p.fireTimes }),
  }),
});

const ScheduleInput = builder.inputType('ScheduleInput', {
  description: 'Fields of a schedule. On update, omitted fields stay as they are.',
  fields: (t) => ({
    cronExpression: t.string({ required: false, description: '5-field cron expression (required on create).' }),
    timezone: t.string({ required: false, description: 'IANA timezone (default UTC).' }),
    inputs: t.field({ type: 'JSON', required: false, description: 'Input of every run (an object).' }),
    missedRunPolicy: t.field({ type: MissedRunPolicy, required: false, description: 'Default SKIP.' }),
    overlapPolicy: t.field({ type: OverlapPolicy, required: false, description: 'Default ALLOW.' }),
    queueLimit: t.int({ required: false, description: 'Most missed ticks QUEUE runs (1-1000, default 10).' }),
    enabled: t.boolean({ required: false, description: 'Default true.' }),
  }),
});

builder.prismaObjectField('Workflow', 'schedules', (t) =>
  t.relation('schedules', {
    description: 'Schedules of this workflow, oldest first.',
    query: { orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] },
  }),
);

builder.prismaObjectField('Run', 'schedule', (t) =>
  t.relation('schedule', { nullable: true, description: 'The schedule that started this run (triggeredBy SCHEDULE), if it still exists.' }),
);

builder.queryFields((t) => ({
  schedules: t.connection(
    {
      type: ScheduleRef,
      description: 'Schedules of the workspace (or of one workflow), newest first.',
      args: { workflowId: t.arg.id({ required: false, description: 'Only this workflow’s schedules.' }) },
      resolve: (_root, args, ctx) =>
        ctx.services.schedules.list(ctx.principal, args.workflowId ? idOf('Workflow', String(args.workflowId)) : null, args),
    },
    { name: 'ScheduleConnection', description: 'A page of schedules.', fields: connectionFields('schedules') },
    { name: 'ScheduleEdge', description: 'A schedule in a page.' },
  ),
  schedule: t.field({
    type: ScheduleRef,
    description: 'One schedule by id.',
    errors: { types: [NotFoundError] },
    args: { id: t.arg.id({ required: true, description: 'Global (or database) id.' }) },
    resolve: (_root, args, ctx) => ctx.services.schedules.get(ctx.principal, idOf('Schedule', String(args.id))),
  }),
  previewSchedule: t.field({
    type: SchedulePreviewRef,
    description: 'The next fire times of a cron expression in a timezone (DST included), without saving anything.',
    errors: { types: [ValidationError] },
    args: {
      cronExpression: t.arg.string({ required: true, description: '5-field cron expression.' }),
      timezone: t.arg.string({ required: false, defaultValue: 'UTC', description: 'IANA timezone (default UTC).' }),
      count: t.arg.int({ required: false, defaultValue: 5, description: 'How many (1-100, default 5).' }),
      from: t.arg({ type: 'DateTime', required: false, description: 'Start after this instant (default now).' }),
    },
    resolve: (_root, args, ctx) => ({
      cronExpression: args.cronExpression,
      timezone: args.timezone ?? 'UTC',
      fireTimes: ctx.services.schedules.preview(args.cronExpression, args.timezone ?? 'UTC', args.count ?? 5, args.from),
    }),
  }),
  backfillJob: t.field({
    type: BackfillJobRef,
    description: 'One backfill job, with its progress.',
    errors: { types: [NotFoundError] },
    args: { id: t.arg.id({ required: true, description: 'Global (or database) id.' }) },
    resolve: (_root, args, ctx) => ctx.services.schedules.backfillJob(ctx.principal, idOf('BackfillJob', String(args.id))),
  }),
}));

builder.mutationFields((t) => ({
  createSchedule: t.field({
    type: ScheduleRef,
    description: 'Creates a schedule for a workflow. An invalid cron expression or timezone is a ValidationError naming the field.',
    errors: { types: [NotFoundError, ValidationError] },
    args: {
      workflowId: t.arg.id({ required: false, description: 'The workflow, by id…' }),
      workflowKey: t.arg.string({ required: false, description: '…or by key.' }),
      input: t.arg({ type: ScheduleInput, required: true, description: 'The schedule.' }),
    },
    resolve: (_root, args, ctx) => {
      const lookup = args.workflowId
        ? { id: idOf('Workflow', String(args.workflowId)) }
        : args.workflowKey
          ? { key: args.workflowKey }
          : null;
      if (!lookup) throw new ValidationError([{ path: 'workflowId', message: 'give either workflowId or workflowKey' }]);
      return ctx.services.schedules.create(ctx.principal, lookup, {
        ...args.input,
        cronExpression: args.input.cronExpression ?? '',
      } as never);
    },
  }),
  updateSchedule: t.field({
    type: ScheduleRef,
    description: 'Changes a schedule; a new cron expression, timezone or re-enabling recomputes the next fire time.',
    errors: { types: [NotFoundError, ValidationError] },
    args: {
      id: t.arg.id({ required: true, description: 'The schedule.' }),
      input: t.arg({ type: ScheduleInput, required: true, description: 'The changes.' }),
    },
    resolve: (_root, args, ctx) => ctx.services.schedules.update(ctx.principal, idOf('Schedule', String(args.id)), args.input as never),
  }),
  setScheduleEnabled: t.field({
    type: ScheduleRef,
    description: 'Enables or disables a schedule.',
    errors: { types: [NotFoundError] },
    args: {
      id: t.arg.id({ required: true, description: 'The schedule.' }),
      enabled: t.arg.boolean({ required: true, description: 'Whether it should fire.' }),
    },
    resolve: (_root, args, ctx) =>
      ctx.services.schedules.update(ctx.principal, idOf('Schedule', String(args.id)), { enabled: args.enabled }),
  }),
  deleteSchedule: t.field({
    type: ScheduleRef,
    description: 'Deletes a schedule; runs it started stay.',
    errors: { types: [NotFoundError] },
    args: { id: t.arg.id({ required: true, description: 'The schedule.' }) },
    resolve: (_root, args, ctx) => ctx.services.schedules.remove(ctx.principal, idOf('Schedule', String(args.id))),
  }),
  backfillSchedule: t.field({
    type: BackfillJobRef,
    description: 'Creates one run per tick of the schedule in [from, to] (ticks that already fired are skipped), as a tracked job.',
    errors: { types: [NotFoundError, ValidationError] },
    args: {
      id: t.arg.id({ required: true, description: 'The schedule.' }),
      from: t.arg({ type: 'DateTime', required: true, description: 'Start of the range (inclusive).' }),
      to: t.arg({ type: 'DateTime', required: true, description: 'End of the range (inclusive, not in the future).' }),
    },
    resolve: (_root, args, ctx) => ctx.services.schedules.backfill(ctx.principal, idOf('Schedule', String(args.id)), args.from, args.to),
  }),
}));
