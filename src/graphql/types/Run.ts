import type { ArgBuilder } from '@pothos/core';
import { ConflictError, InvalidStateError, NotFoundError, ValidationError } from '../../domain/errors.ts';
import type { RunStatus as Status, RunTrigger as Trigger } from '../../domain/statuses.ts';
import type { RUN_STATUSES, RUN_TRIGGERS } from '../../domain/statuses.ts';
import { liveSource, liveValue } from '../live.ts';
import { builder } from '../builder.ts';
import { connectionFields } from '../connections.ts';
import { pageQuery, sameNames } from '../scalar-selection.ts';
import { idOf } from '../ids.ts';
import { OrderDirection } from './ordering.ts';
import { RunEventRef } from './RunEvent.ts';
import { StepRunRef } from './StepRun.ts';
import { WorkflowRef } from './Workflow.ts';

export const RunStatus = builder.enumType('RunStatus', {
  description: 'Lifecycle of a run.',
  values: {
    PENDING: { description: 'Accepted and stored; waiting for a worker.' },
    RUNNING: { description: 'A worker is executing it (or it waits on a timer or signal).' },
    COMPLETED: { description: 'Every step completed or was skipped; `outputs` is set.' },
    FAILED: { description: 'A step failed for good, or the run timed out; see `error`. Can be retried.' },
    CANCELLED: { description: 'Cancelled by a caller; see `cancelReason`. Can be retried.' },
  } satisfies Record<(typeof RUN_STATUSES)[number], unknown>,
});

export const RunTrigger = builder.enumType('RunTrigger', {
  description: 'What started a run.',
  values: {
    API: { description: 'executeWorkflow (GraphQL or REST).' },
    SCHEDULE: { description: 'A cron schedule.' },
    RETRY: { description: 'A retry that created a new run.' },
    RERUN: { description: 'rerunFromStep: a child of another run.' },
  } satisfies Record<(typeof RUN_TRIGGERS)[number], unknown>,
});

const RunOrderField = builder.enumType('RunOrderField', {
  description: 'Column runs are sorted by (ties broken by id).',
  values: {
    CREATED_AT: { value: 'createdAt', description: 'By creation time.' },
    UPDATED_AT: { value: 'updatedAt', description: 'By last change.' },
  } as const,
});

const RunOrder = builder.inputType('RunOrder', {
  description: 'How to sort runs.',
  fields: (t) => ({
    field: t.field({ type: RunOrderField, defaultValue: 'createdAt', description: 'Column (default CREATED_AT).' }),
    direction: t.field({ type: OrderDirection, defaultValue: 'desc', description: 'Direction (default DESC).' }),
  }),
});

export const RunFilter = builder.inputType('RunFilter', {
  description: 'Which runs to list.',
  fields: (t) => ({
    status: t.field({ type: [RunStatus], required: false, description: 'Any of these statuses.' }),
    workflowId: t.id({ required: false, description: 'Runs of this workflow (global or database id).' }),
    triggeredBy: t.field({ type: RunTrigger, required: false, description: 'What started them.' }),
    createdAfter: t.field({ type: 'DateTime', required: false, description: 'Created strictly after this instant.' }),
    createdBefore: t.field({ type: 'DateTime', required: false, description: 'Created strictly before this instant.' }),
  }),
});

export const RunRef = builder.prismaNode('Run', {
  description: 'One execution of a workflow version, with its steps, attempts and event log.',
  id: { field: 'id', description: 'Global id.' },
  nullable: true,
  findUnique: (id, ctx) => ({ id, tenantId: ctx.principal.tenantId, workspaceId: ctx.principal.workspaceId }),
  fields: (t) => ({
    status: t.field({ type: RunStatus, description: 'Lifecycle state.', resolve: (r) => r.status as Status }),
    workflow: t.relation('workflow', { description: 'The workflow run.' }),
    workflowVersion: t.relation('workflowVersion', { description: 'The exact version run (pinned when the run was created).' }),
    inputs: t.expose('inputs', { type: 'JSON', description: 'The input, with declared defaults applied.' }),
    outputs: t.expose('outputs', {
      type: 'JSON',
      nullable: true,
      description: 'The outputs (output mapping, or terminal step outputs) once COMPLETED.',
    }),
    error: t.expose('error', { type: 'JSON', nullable: true, description: 'Why it failed or was cancelled: `{message, stepId}`.' }),
    triggeredBy: t.field({ type: RunTrigger, description: 'What started it.', resolve: (r) => r.triggeredBy as Trigger }),
    idempotencyKey: t.exposeString('idempotencyKey', { nullable: true, description: 'The key it was started with, if any.' }),
    conversationId: t.exposeString('conversationId', {
      nullable: true,
      description: 'The conversation it belongs to, as its starter named it (re-runs keep their parent’s).',
    }),
    userId: t.exposeString('userId', {
      nullable: true,
      description: 'The end user it is for, as its starter named them (re-runs keep their parent’s).',
    }),
    parent: t.relation('parent', { nullable: true, description: 'The run this one was re-run from (rerunFromStep).' }),
    children: t.relation('children', {
      description: 'Runs re-run from this one, oldest first.',
      query: { orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] },
    }),
    rerunFromStepId: t.exposeString('rerunFromStepId', { nullable: true, description: 'The step a re-run restarted at.' }),
    steps: t.field({
      type: [StepRunRef],
      description: 'Every step of the run, in definition order.',
      resolve: (r, _args, ctx) => ctx.services.runs.steps(ctx.principal, r.id),
    }),
    events: t.connection(
      {
        type: RunEventRef,
        description: 'The event log, oldest first; `afterSeq` skips what a client has already seen.',
        args: { afterSeq: t.arg.int({ required: false, description: 'Only events with a greater sequence number.' }) },
        resolve: (r, args, ctx) => ctx.services.runs.events(ctx.principal, r.id, args.afterSeq ?? null, args),
      },
      { name: 'RunEventConnection', description: 'A page of run events.', fields: connectionFields('events') },
      { name: 'RunEventEdge', description: 'An event in a page.' },
    ),
    cancelledAt: t.expose('cancelledAt', { type: 'DateTime', nullable: true, description: 'When it was cancelled.' }),
    cancelledBy: t.exposeString('cancelledBy', { nullable: true, description: 'Who cancelled it, when known.' }),
    cancelReason: t.exposeString('cancelReason', { nullable: true, description: 'Why it was cancelled.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was accepted.' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime', description: 'When it last changed.' }),
    startedAt: t.expose('startedAt', { type: 'DateTime', nullable: true, description: 'When a worker first started it.' }),
    completedAt: t.expose('completedAt', {
      type: 'DateTime',
      nullable: true,
      description: 'When it reached COMPLETED, FAILED or CANCELLED.',
    }),
  }),
});

const runsArgs = (t: ArgBuilder<typeof builder extends PothosSchemaTypes.SchemaBuilder<infer T> ? T : never>) => ({
  filter: t({ type: RunFilter, required: false, description: 'Filters.' }),
  orderBy: t({ type: RunOrder, required: false, description: 'Sort order (default CREATED_AT DESC).' }),
});

const orderOf = (orderBy: { field?: 'createdAt' | 'updatedAt' | null; direction?: 'asc' | 'desc' | null } | null | undefined) =>
  ({ field: orderBy?.field ?? 'createdAt', direction: orderBy?.direction ?? 'desc' }) as const;

/** GraphQL fields of Run that are plain columns, which a list can select alone. */
const RUN_COLUMNS = sameNames(
  'id',
  'status',
  'inputs',
  'outputs',
  'error',
  'triggeredBy',
  'idempotencyKey',
  'conversationId',
  'userId',
  'rerunFromStepId',
  'cancelledAt',
  'cancelledBy',
  'cancelReason',
  'createdAt',
  'updatedAt',
  'startedAt',
  'completedAt',
);

builder.queryFields((t) => ({
  runs: t.connection(
    {
      type: RunRef,
      description: 'Runs of the workspace, newest first unless ordered otherwise.',
      args: runsArgs(t.arg),
      resolve: (_root, args, ctx, info) => {
        const order = orderOf(args.orderBy);
        const workflowId = args.filter?.workflowId ? idOf('Workflow', String(args.filter.workflowId)) : null;
        return ctx.services.runs.list(
          ctx.principal,
          { ...args.filter, workflowId },
          order,
          args,
          pageQuery(ctx, info, 'Run', RUN_COLUMNS, order.field),
        );
      },
    },
    { name: 'RunConnection', description: 'A page of runs.', fields: connectionFields('runs') },
    { name: 'RunEdge', description: 'A run in a page.' },
  ),
  run: t.field({
    type: RunRef,
    description: 'One run by id.',
    errors: { types: [NotFoundError] },
    args: { id: t.arg.id({ required: true, description: 'Global (or database) id.' }) },
    resolve: (_root, args, ctx) => ctx.services.runs.get(ctx.principal, idOf('Run', String(args.id))),
  }),
}));

builder.objectField(WorkflowRef, 'runs', (t) =>
  t.connection(
    {
      type: RunRef,
      description: 'Runs of this workflow, newest first unless ordered otherwise.',
      args: runsArgs(t.arg),
      resolve: (w, args, ctx, info) => {
        const order = orderOf(args.orderBy);
        return ctx.services.runs.list(
          ctx.principal,
          { ...args.filter, workflowId: w.id },
          order,
          args,
          pageQuery(ctx, info, 'Run', RUN_COLUMNS, order.field),
        );
      },
    },
    { name: 'WorkflowRunConnection', description: 'A page of runs of one workflow.', fields: connectionFields('runs') },
    { name: 'WorkflowRunEdge', description: 'A run in a page.' },
  ),
);

builder.mutationFields((t) => ({
  executeWorkflow: t.field({
    type: RunRef,
    description:
      'Starts a run of the workflow’s current version and returns it (PENDING). It is stored before this answers. Reusing an idempotency key returns the first run.',
    errors: { types: [NotFoundError, ValidationError, InvalidStateError, ConflictError] },
    args: {
      workflowId: t.arg.id({ required: false, description: 'The workflow, by id…' }),
      workflowKey: t.arg.string({ required: false, description: '…or by key.' }),
      input: t.arg({ type: 'JSON', required: false, description: 'Input object, checked against the declared inputs.' }),
      idempotencyKey: t.arg.string({
        required: false,
        description: 'Makes retries of this request safe: the same key returns the same run.',
      }),
      conversationId: t.arg.string({
        required: false,
        description: 'The conversation (chat thread) the run belongs to, as you name it (up to 255 characters); stored on the run.',
      }),
      userId: t.arg.string({
        required: false,
        description: 'The end user the run is for, as you name them (up to 255 characters); stored on the run.',
      }),
    },
    resolve: (_root, args, ctx) => {
      const lookup = args.workflowId
        ? { id: idOf('Workflow', String(args.workflowId)) }
        : args.workflowKey
          ? { key: args.workflowKey }
          : null;
      if (!lookup) throw new ValidationError([{ path: 'workflowId', message: 'give either workflowId or workflowKey' }]);
      return ctx.services.runs.execute(ctx.principal, lookup, {
        input: args.input as Record<string, unknown> | null,
        idempotencyKey: args.idempotencyKey,
        conversationId: args.conversationId,
        userId: args.userId,
      });
    },
  }),
  cancelRun: t.field({
    type: RunRef,
    description: 'Cancels a PENDING or RUNNING run: in-flight agent calls are aborted and no further step starts.',
    errors: { types: [NotFoundError, InvalidStateError, ValidationError] },
    args: {
      id: t.arg.id({ required: true, description: 'The run.' }),
      reason: t.arg.string({ required: false, description: 'Why; recorded on the run.' }),
    },
    resolve: (_root, args, ctx) => ctx.services.runs.cancel(ctx.principal, idOf('Run', String(args.id)), { reason: args.reason }),
  }),
  retryRun: t.field({
    type: RunRef,
    description: 'Resumes a FAILED or CANCELLED run from its incomplete steps; completed steps are not called again.',
    errors: { types: [NotFoundError, InvalidStateError] },
    args: { id: t.arg.id({ required: true, description: 'The run.' }) },
    resolve: (_root, args, ctx) => ctx.services.runs.retry(ctx.principal, idOf('Run', String(args.id))),
  }),
  rerunFromStep: t.field({
    type: RunRef,
    description:
      'Starts a new run (a child of this one) that reuses this run’s outputs upstream of `stepId` and executes `stepId` and everything after it again.',
    errors: { types: [NotFoundError, InvalidStateError, ValidationError] },
    args: {
      runId: t.arg.id({ required: true, description: 'The finished run to start from.' }),
      stepId: t.arg.string({ required: true, description: 'The first step to execute again.' }),
      inputPatch: t.arg({ type: 'JSON', required: false, description: 'Fields merged over the parent’s input.' }),
    },
    resolve: (_root, args, ctx) =>
      ctx.services.runs.rerunFromStep(
        ctx.principal,
        idOf('Run', String(args.runId)),
        args.stepId,
        args.inputPatch as Record<string, unknown> | null,
      ),
  }),
  signalRun: t.field({
    type: RunRef,
    description: 'Delivers a signal to a waiting `wait` step (e.g. a human approval); the payload becomes its output.',
    errors: { types: [NotFoundError, InvalidStateError, ValidationError] },
    args: {
      runId: t.arg.id({ required: true, description: 'The run.' }),
      stepId: t.arg.string({ required: true, description: 'The waiting step.' }),
      payload: t.arg({ type: 'JSON', required: false, description: 'Becomes the step’s output.' }),
    },
    resolve: (_root, args, ctx) => ctx.services.runs.signal(ctx.principal, idOf('Run', String(args.runId)), args.stepId, args.payload),
  }),
}));

builder.subscriptionField('runUpdated', (t) =>
  t.field({
    type: RunRef,
    description: 'The run’s current state (status, steps, outputs) now and each time it changes.',
    args: { runId: t.arg.id({ required: true, description: 'The run (global or database id).' }) },
    subscribe: async (_root, args, ctx) => {
      const run = await ctx.services.runs.get(ctx.principal, idOf('Run', String(args.runId)));
      return liveSource(async function* (signal) {
        yield run;
        for await (const event of ctx.streams.events(ctx.principal, run.id, run.lastEventSeq, signal)) {
          // One read per event for all of this run's subscribers; visibility was checked above.
          const now = await ctx.streams.runAt(run.id, event.seq);
          if (now) yield now;
        }
      });
    },
    resolve: (run) => liveValue(run),
  }),
);
