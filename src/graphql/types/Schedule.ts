import { NotFoundError, ValidationError } from '../../domain/errors.ts';
import type { MISSED_RUN_POLICIES, OVERLAP_POLICIES } from '../../domain/schemas/schedule.ts';
import { type MissedRunPolicy as Missed, type OverlapPolicy as Overlap } from '../../domain/schemas/schedule.ts';
import { BACKFILL_STATUSES, type BackfillStatus, TICK_STATUSES, type TickStatus } from '../../domain/schedule-statuses.ts';
import { type TickReason, tickReasonOf } from '../../domain/schedule-tick-reasons.ts';
import { asStatus } from '../../domain/statuses.ts';
import { builder } from '../builder.ts';
import { fromEither, idArgs, idFrom, idInput, lookupOf } from '../input-shapes.ts';
import { connectionFields } from '../connections.ts';
import { idOf } from '../ids.ts';
import { WorkflowRefInput } from './Workflow.ts';

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

export const ScheduleTickStatus = builder.enumType('ScheduleTickStatus', {
  description: 'What came of one schedule tick.',
  values: {
    FIRED: { description: 'It started a run (or a backfill did, for its instant).' },
    SKIPPED: { description: 'It started nothing: the overlap policy skipped it, or the workflow was not active (see `reason`).' },
    BUFFERED: { description: 'Held by BUFFER_ONE until the active run finishes; it then fires.' },
  } satisfies Record<TickStatus, unknown>,
});

export const BackfillJobStatus = builder.enumType('BackfillJobStatus', {
  description: 'Progress of a backfill job.',
  values: {
    PENDING: { description: 'Requested; the scheduler has not handled a chunk yet.' },
    RUNNING: { description: 'The scheduler is working through its ticks, a chunk at a time.' },
    COMPLETED: { description: 'Every tick in the range was handled (run created, or skipped as already fired).' },
  } satisfies Record<BackfillStatus, unknown>,
});

export const ScheduleSkipReason = builder.enumType('ScheduleSkipReason', {
  description: 'Why a schedule tick started no run, waits, or was fired by a backfill rather than by the schedule.',
  values: {
    OVERLAP_ACTIVE_RUN: {
      value: 'overlap_active_run',
      description: 'SKIPPED: the overlap policy is SKIP and the previous run was still active.',
    },
    TICK_ALREADY_BUFFERED: {
      value: 'tick_already_buffered',
      description: 'SKIPPED: the overlap policy is BUFFER_ONE and another tick was already waiting.',
    },
    WAITING_FOR_ACTIVE_RUN: {
      value: 'waiting_for_active_run',
      description: 'BUFFERED: the overlap policy is BUFFER_ONE; it fires when the active run finishes.',
    },
    WORKFLOW_NOT_ACTIVE: { value: 'workflow_not_active', description: 'SKIPPED: the workflow was not ACTIVE when the tick came.' },
    BACKFILL: { value: 'backfill', description: 'FIRED by a backfill job rather than by the schedule itself.' },
  } satisfies { [K in TickReason as Uppercase<K>]: { value: K; description: string } },
});

const ScheduleTickRef = builder.prismaObject('ScheduleTick', {
  description: 'One fire time of a schedule and what came of it.',
  fields: (t) => ({
    tickAt: t.expose('tickAt', { type: 'DateTime', description: 'The instant the cron expression named.' }),
    status: t.field({ type: ScheduleTickStatus, description: 'What came of it.', resolve: (k) => asStatus(TICK_STATUSES, k.status) }),
    reason: t.exposeString('reason', {
      nullable: true,
      description: 'Why it did not start a run, or `backfill`, in words (`skipReason` is the same as an enum).',
    }),
    skipReason: t.field({
      type: ScheduleSkipReason,
      nullable: true,
      description: 'Why it did not start a run, is waiting, or was fired by a backfill; null when the schedule fired it.',
      resolve: (k) => tickReasonOf(asStatus(TICK_STATUSES, k.status), k.reason),
    }),
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
    status: t.field({ type: BackfillJobStatus, description: 'Its progress.', resolve: (j) => asStatus(BACKFILL_STATUSES, j.status) }),
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
    workflow: t.field({
      type: WorkflowRefInput,
      required: false,
      description: 'createSchedule: the workflow to run (required unless the deprecated workflowId/workflowKey arguments are given).',
    }),
    id: t.id({
      required: false,
      description: 'updateSchedule: the schedule to change (required unless the deprecated `id` argument is given).',
    }),
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

const DeleteScheduleInput = idInput('DeleteScheduleInput', 'schedule to delete');

const SetScheduleEnabledInput = builder.inputType('SetScheduleEnabledInput', {
  description: 'A schedule, switched on or off.',
  fields: (t) => ({
    id: t.id({ required: true, description: 'The schedule (global or database id).' }),
    enabled: t.boolean({ required: true, description: 'Whether it should fire.' }),
  }),
});

const BackfillScheduleInput = builder.inputType('BackfillScheduleInput', {
  description: 'A schedule and the range of past ticks to run.',
  fields: (t) => ({
    id: t.id({ required: true, description: 'The schedule (global or database id).' }),
    from: t.field({ type: 'DateTime', required: true, description: 'Start of the range (inclusive).' }),
    to: t.field({ type: 'DateTime', required: true, description: 'End of the range (inclusive, not in the future).' }),
  }),
});

builder.mutationFields((t) => ({
  createSchedule: t.field({
    type: ScheduleRef,
    description:
      'Creates a schedule for `input.workflow`. An invalid cron expression or timezone is a ValidationError naming the field. The workflowId/workflowKey arguments are deprecated.',
    errors: { types: [NotFoundError, ValidationError] },
    args: {
      workflowId: t.arg.id({ required: false, deprecationReason: 'Use input.workflow: {id}.', description: 'The workflow, by id…' }),
      workflowKey: t.arg.string({ required: false, deprecationReason: 'Use input.workflow: {key}.', description: '…or by key.' }),
      input: t.arg({ type: ScheduleInput, required: true, description: 'The workflow and the schedule.' }),
    },
    resolve: (_root, args, ctx) => {
      const { workflow, id, ...fields } = args.input;
      if (id) throw new ValidationError([{ path: 'input.id', message: 'a new schedule has no id yet; give input.workflow' }]);
      const legacy = args.workflowId ? { id: args.workflowId } : args.workflowKey ? { key: args.workflowKey } : null;
      const ref = fromEither('input.workflow', 'workflowId/workflowKey', workflow, legacy);
      return ctx.services.schedules.create(ctx.principal, lookupOf('Workflow', 'key', ref), {
        ...fields,
        cronExpression: fields.cronExpression ?? '',
      } as never);
    },
  }),
  updateSchedule: t.field({
    type: ScheduleRef,
    description:
      'Changes a schedule; a new cron expression, timezone or re-enabling recomputes the next fire time. Name it by `input.id`; the `id` argument is deprecated.',
    errors: { types: [NotFoundError, ValidationError] },
    args: {
      id: t.arg.id({ required: false, deprecationReason: 'Use input.id.', description: 'The schedule.' }),
      input: t.arg({ type: ScheduleInput, required: true, description: 'The schedule and the changes.' }),
    },
    resolve: (_root, args, ctx) => {
      const { workflow, id, ...changes } = args.input;
      if (workflow) throw new ValidationError([{ path: 'input.workflow', message: 'a schedule cannot move to another workflow' }]);
      const scheduleId = fromEither('input.id', 'id', id, args.id);
      return ctx.services.schedules.update(ctx.principal, idOf('Schedule', String(scheduleId)), changes as never);
    },
  }),
  setScheduleEnabled: t.field({
    type: ScheduleRef,
    description: 'Enables or disables a schedule. Give `input`; the separate arguments are deprecated.',
    errors: { types: [NotFoundError, ValidationError] },
    args: {
      input: t.arg({ type: SetScheduleEnabledInput, required: false, description: 'The schedule and whether it should fire.' }),
      id: t.arg.id({ required: false, deprecationReason: 'Use input.id.', description: 'The schedule.' }),
      enabled: t.arg.boolean({ required: false, deprecationReason: 'Use input.enabled.', description: 'Whether it should fire.' }),
    },
    resolve: (_root, args, ctx) => {
      const id = fromEither('input.id', 'id', args.input?.id, args.id);
      const enabled = fromEither('input.enabled', 'enabled', args.input?.enabled, args.enabled);
      return ctx.services.schedules.update(ctx.principal, idOf('Schedule', String(id)), { enabled });
    },
  }),
  deleteSchedule: t.field({
    type: ScheduleRef,
    description: 'Deletes a schedule; runs it started stay.',
    errors: { types: [NotFoundError, ValidationError] },
    args: idArgs(t.arg, DeleteScheduleInput, 'schedule'),
    resolve: (_root, args, ctx) => ctx.services.schedules.remove(ctx.principal, idOf('Schedule', idFrom(args))),
  }),
  backfillSchedule: t.field({
    type: BackfillJobRef,
    description:
      'Creates one run per tick of the schedule in [from, to] (ticks that already fired are skipped), as a tracked job. Give `input`; the separate arguments are deprecated.',
    errors: { types: [NotFoundError, ValidationError] },
    args: {
      input: t.arg({ type: BackfillScheduleInput, required: false, description: 'The schedule and the range.' }),
      id: t.arg.id({ required: false, deprecationReason: 'Use input.id.', description: 'The schedule.' }),
      from: t.arg({
        type: 'DateTime',
        required: false,
        deprecationReason: 'Use input.from.',
        description: 'Start of the range (inclusive).',
      }),
      to: t.arg({
        type: 'DateTime',
        required: false,
        deprecationReason: 'Use input.to.',
        description: 'End of the range (inclusive, not in the future).',
      }),
    },
    resolve: (_root, args, ctx) => {
      const id = fromEither('input.id', 'id', args.input?.id, args.id);
      const from = fromEither('input.from', 'from', args.input?.from, args.from);
      const to = fromEither('input.to', 'to', args.input?.to, args.to);
      return ctx.services.schedules.backfill(ctx.principal, idOf('Schedule', String(id)), from, to);
    },
  }),
}));
