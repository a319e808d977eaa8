// The Run type, `Query.run` and the `runUpdated` subscription; lists live in RunConnection.ts,
// mutations in RunMutations.ts.
import { NotFoundError } from '../../domain/errors.ts';
import { readRunFailure } from '../../domain/failures.ts';
import { runCapabilities } from '../../domain/run-capabilities.ts';
import type { RunStatus as Status, RunTrigger as Trigger } from '../../domain/statuses.ts';
import type { RUN_STATUSES, RUN_TRIGGERS } from '../../domain/statuses.ts';
import { liveSource, liveValue } from '../live.ts';
import { builder } from '../builder.ts';
import { connectionFields } from '../connections.ts';
import { idOf } from '../ids.ts';
import { RunErrorRef } from './RunError.ts';
import { RunEventRef } from './RunEvent.ts';
import { StepRunRef } from './StepRun.ts';

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
    error: t.expose('error', {
      type: 'JSON',
      nullable: true,
      description: 'Why it failed or was cancelled: `{message, stepId}`.',
      deprecationReason: 'Use `failure`, the same typed (with its kind).',
    }),
    failure: t.field({
      type: RunErrorRef,
      nullable: true,
      description: 'Why it failed or was cancelled; null otherwise.',
      resolve: (r) => readRunFailure(r.error, r.status),
    }),
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
      // Batched: a page of runs reads all their steps (and definitions) at once.
      resolve: async (r, _args, ctx) => ctx.loaders.steps(r.id),
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
    durationMs: t.float({
      nullable: true,
      description:
        'How long it ran: `completedAt - startedAt` in whole milliseconds, once it has finished (COMPLETED, FAILED or CANCELLED); null while it is PENDING or RUNNING (show `now - startedAt` yourself) and for a run cancelled before it started. A Float: runs can outlast the 24.8 days an Int holds.',
      resolve: (r) => (r.completedAt && r.startedAt ? r.completedAt.getTime() - r.startedAt.getTime() : null),
    }),
    deadlineAt: t.expose('deadlineAt', {
      type: 'DateTime',
      nullable: true,
      description:
        'When it fails with a timeout if still unfinished (the workflow’s `timeoutSeconds`, from its creation or latest retry); null without a timeout.',
    }),
    canCancel: t.boolean({
      description:
        'Whether you may cancel it now (`cancelRun` would not refuse): it is PENDING or RUNNING and your role may change runs (editor or admin).',
      resolve: (r, _args, ctx) => runCapabilities(ctx.principal, r.status as Status).cancel,
    }),
    canRetry: t.boolean({
      description: 'Whether you may retry it now (`retryRun`): it is FAILED or CANCELLED and your role may change runs (editor or admin).',
      resolve: (r, _args, ctx) => runCapabilities(ctx.principal, r.status as Status).retry,
    }),
    canRerun: t.boolean({
      description:
        'Whether you may re-run it from a step now (`rerunFromStep` with one of its steps): it has finished (COMPLETED, FAILED or CANCELLED) and your role may change runs (editor or admin).',
      resolve: (r, _args, ctx) => runCapabilities(ctx.principal, r.status as Status).rerun,
    }),
  }),
});

// Outside the type's own fields: a field of type Run inside RunRef's initializer cannot be typed.
builder.objectField(RunRef, 'root', (t) =>
  t.field({
    type: RunRef,
    nullable: false,
    description:
      'The first run of its lineage: the ancestor reached through `parent` until a run without one (this run itself when it has no parent).',
    // Batched: one walk up every chain of a page at once.
    resolve: async (r, _args, ctx) => (r.parentRunId ? ((await ctx.loaders.root.load(r.id)) ?? r) : r),
  }),
);

builder.queryFields((t) => ({
  run: t.field({
    type: RunRef,
    description: 'One run by id.',
    errors: { types: [NotFoundError] },
    args: { id: t.arg.id({ required: true, description: 'Global (or database) id.' }) },
    resolve: (_root, args, ctx) => ctx.services.runs.get(ctx.principal, idOf('Run', String(args.id))),
  }),
}));

builder.subscriptionField('runUpdated', (t) =>
  t.field({
    type: RunRef,
    description:
      'The run’s current state (status, steps, outputs) now and after each state transition (a run or step status change, an attempt, an output); log lines (step.log events) do not fire it.',
    args: { runId: t.arg.id({ required: true, description: 'The run (global or database id).' }) },
    subscribe: async (_root, args, ctx) => {
      const run = await ctx.services.runs.get(ctx.principal, idOf('Run', String(args.runId)));
      return liveSource(async function* (signal) {
        yield run;
        for await (const event of ctx.streams.events(ctx.principal, run.id, run.lastEventSeq, signal)) {
          // A log line changes nothing the Run type shows; a chatty agent must not flood caches.
          if (event.type === 'step.log') continue;
          // One read per event for all of this run's subscribers; visibility was checked above.
          const now = await ctx.streams.runAt(run.id, event.seq);
          if (now) yield now;
        }
      });
    },
    resolve: (run) => liveValue(run),
  }),
);
