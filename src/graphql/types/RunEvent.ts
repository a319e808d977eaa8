import type { RunEventType } from '../../db/run-events.ts';
import { runEventDetails, runEventType } from '../../domain/run-event-details.ts';
import { logEntry } from '../../domain/run-logs.ts';
import { liveSource, liveValue } from '../live.ts';
import { builder } from '../builder.ts';
import { idOf } from '../ids.ts';
import { stepLoader } from '../step-loader.ts';
import { LogLevel } from './LogLevel.ts';
import { RunEventDetailsRef } from './RunEventDetails.ts';
import { StepRunRef } from './StepRun.ts';

/** `run.created` → `RUN_CREATED`: the enum value's name for an event type. */
type EnumName<T extends string> = Uppercase<T extends `${infer A}.${infer B}` ? `${A}_${B}` : T>;

export const RunEventKind = builder.enumType('RunEventKind', {
  description: 'What a run event records.',
  values: {
    RUN_CREATED: { value: 'run.created', description: 'The run was accepted (or created by rerunFromStep).' },
    RUN_STARTED: { value: 'run.started', description: 'A worker started the run.' },
    RUN_COMPLETED: { value: 'run.completed', description: 'Every step completed or was skipped.' },
    RUN_FAILED: { value: 'run.failed', description: 'A step failed for good, the run timed out, or the engine gave up on it.' },
    RUN_CANCELLED: { value: 'run.cancelled', description: 'A caller cancelled the run.' },
    RUN_RETRIED: { value: 'run.retried', description: 'retryRun resumed a FAILED or CANCELLED run.' },
    STEP_STARTED: { value: 'step.started', description: 'An attempt at a step started.' },
    STEP_COMPLETED: {
      value: 'step.completed',
      description: 'A step completed (an attempt succeeded, a delay elapsed or a signal arrived).',
    },
    STEP_FAILED: { value: 'step.failed', description: 'A step failed after its last allowed attempt.' },
    STEP_RETRY_SCHEDULED: { value: 'step.retry_scheduled', description: 'An attempt failed and another one is scheduled.' },
    STEP_SKIPPED: { value: 'step.skipped', description: 'A step was skipped (a branch not taken).' },
    STEP_CANCELLED: { value: 'step.cancelled', description: 'An open step was cancelled with its run.' },
    STEP_WAITING: { value: 'step.waiting', description: 'A delay or wait step started waiting, holding no worker.' },
    STEP_SIGNALLED: { value: 'step.signalled', description: 'A waiting step received its signal.' },
    STEP_REUSED: { value: 'step.reused', description: 'A re-run kept the step’s output from the run it was re-run from.' },
    STEP_INTERRUPTED: { value: 'step.interrupted', description: 'The worker running an attempt stopped; the step is delivered again.' },
    STEP_LOG: { value: 'step.log', description: 'An agent logged a line in its reply.' },
  } satisfies { [K in RunEventType as EnumName<K>]: { value: K; description: string } },
});

export const RunEventRef = builder.prismaNode('RunEvent', {
  description: "An entry of a run's append-only event log. `seq` increases by one per event of the run.",
  id: { field: 'id', description: 'Global id.' },
  nullable: true,
  findUnique: (id, ctx) => ({ id, tenantId: ctx.principal.tenantId, workspaceId: ctx.principal.workspaceId }),
  fields: (t) => ({
    seq: t.exposeInt('seq', { description: 'Position in the run’s log: 1, 2, 3… with no gaps.' }),
    type: t.exposeString('type', {
      description:
        'What happened: run.created|started|completed|failed|cancelled|retried, step.started|completed|failed|retry_scheduled|skipped|cancelled|waiting|signalled|reused|interrupted|log.',
      deprecationReason: 'Use `kind`, the same values as an enum (run.created is RUN_CREATED).',
    }),
    kind: t.field({ type: RunEventKind, description: 'What happened.', resolve: (e) => runEventType(e.type) }),
    level: t.field({ type: LogLevel, description: 'How the run’s log rates it.', resolve: (e) => logEntry(e).level }),
    message: t.string({
      description: "The event in words, as the run’s log shows it, e.g. `Step 'fetch' failed (attempt 2): … answered HTTP 500`.",
      resolve: (e) => logEntry(e).message,
    }),
    attempt: t.int({
      nullable: true,
      description: 'The attempt it belongs to, when it belongs to one.',
      resolve: (e) => logEntry(e).attempt,
    }),
    stepId: t.exposeString('stepId', { nullable: true, description: 'The step concerned, for step events.' }),
    run: t.relation('run', { description: 'The run it belongs to.' }),
    step: t.field({
      type: StepRunRef,
      nullable: true,
      description: 'The step concerned, as it is now; null for run events. Steps of one page are read together.',
      resolve: (e, _args, ctx) => (e.stepId === null ? null : stepLoader(ctx)(e.runId, e.stepId)),
    }),
    details: t.field({
      type: RunEventDetailsRef,
      description: 'What the event carries, typed by its kind.',
      resolve: (e) => runEventDetails(e),
    }),
    payload: t.expose('payload', {
      type: 'JSON',
      description: 'Details of the event.',
      deprecationReason: 'Use `details`, typed per kind (and `message`, `attempt` for what every event has).',
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was recorded.' }),
  }),
});

builder.subscriptionField('runEvents', (t) =>
  t.field({
    type: RunEventRef,
    description:
      'The run’s events after `afterSeq` from the log, then live ones as they are committed: no gap and no duplicate, so a client that reconnects with the last `seq` it saw resumes exactly there. A subscriber that falls far behind is disconnected with an error naming the `afterSeq` to resume from.',
    args: {
      runId: t.arg.id({ required: true, description: 'The run (global or database id).' }),
      afterSeq: t.arg.int({
        required: false,
        defaultValue: 0,
        description: 'Only events with a greater sequence (default 0: the whole log).',
      }),
    },
    subscribe: async (_root, args, ctx) => {
      // Authorization happens here, at subscribe time: a run of another workspace is not found.
      const run = await ctx.services.runs.get(ctx.principal, idOf('Run', String(args.runId)));
      return liveSource((signal) => ctx.streams.events(ctx.principal, run.id, args.afterSeq ?? 0, signal));
    },
    resolve: (event) => liveValue(event),
  }),
);
