// The typed payload of a run event: one object type per event kind, joined in a union.
import type { UnionRef } from '@pothos/core';
import type { RunEventType } from '../../db/run-events.ts';
import type { RunEventDetails, SkipReason, WaitKind } from '../../domain/run-event-details.ts';
import { builder } from '../builder.ts';
import { LogLevel } from './LogLevel.ts';
import { RunErrorRef } from './RunError.ts';
import { RunStatus, RunTrigger } from './Run.ts';
import { StepErrorRef } from './StepError.ts';

type Types = typeof builder extends PothosSchemaTypes.SchemaBuilder<infer T> ? T : never;
type Of<K extends RunEventType> = Extract<RunEventDetails, { kind: K }>;

export const StepSkipReason = builder.enumType('StepSkipReason', {
  description: 'Why a step was skipped.',
  values: {
    BRANCH_NOT_TAKEN: { value: 'branch not taken', description: 'It is a target of the condition branch that was not taken.' },
    DEPENDENCIES_SKIPPED: { value: 'all dependencies skipped', description: 'Every step it depends on was skipped.' },
  } satisfies Record<'BRANCH_NOT_TAKEN' | 'DEPENDENCIES_SKIPPED', { value: SkipReason; description: string }>,
});

export const StepWaitKind = builder.enumType('StepWaitKind', {
  description: 'What a waiting step waits for.',
  values: {
    TIMER: { value: 'timer', description: 'A `delay` step’s timer.' },
    SIGNAL: { value: 'signal', description: 'A signal sent to a `wait` step (signalRun), until its timeout if it has one.' },
  } satisfies { [K in WaitKind as Uppercase<K>]: { value: K; description: string } },
});

const RunCreatedDetails = builder.objectRef<Of<'run.created'>>('RunCreatedDetails').implement({
  description: 'Details of RUN_CREATED.',
  fields: (t) => ({
    triggeredBy: t.field({ type: RunTrigger, nullable: true, description: 'What started the run.', resolve: (d) => d.triggeredBy }),
    version: t.exposeInt('version', {
      nullable: true,
      description: 'The workflow version it runs (null for re-runs, which keep their parent’s).',
    }),
    parentRunId: t.exposeID('parentRunId', { nullable: true, description: 'Database id of the run it was re-run from, for re-runs.' }),
    rerunFromStepId: t.exposeString('rerunFromStepId', { nullable: true, description: 'The step a re-run restarts at.' }),
  }),
});

const RunStartedDetails = builder.objectRef<Of<'run.started'>>('RunStartedDetails').implement({
  description: 'Details of RUN_STARTED.',
  fields: (t) => ({
    startedAt: t.expose('startedAt', { type: 'DateTime', description: 'When a worker started the run.' }),
  }),
});

const RunCompletedDetails = builder.objectRef<Of<'run.completed'>>('RunCompletedDetails').implement({
  description: 'Details of RUN_COMPLETED.',
  fields: (t) => ({
    outputs: t.expose('outputs', { type: 'JSON', nullable: true, description: 'The run’s outputs.' }),
  }),
});

const RunFailedDetails = builder.objectRef<Of<'run.failed'>>('RunFailedDetails').implement({
  description: 'Details of RUN_FAILED.',
  fields: (t) => ({
    error: t.field({ type: RunErrorRef, description: 'Why the run failed.', resolve: (d) => d.error }),
  }),
});

const RunCancelledDetails = builder.objectRef<Of<'run.cancelled'>>('RunCancelledDetails').implement({
  description: 'Details of RUN_CANCELLED.',
  fields: (t) => ({
    reason: t.exposeString('reason', { nullable: true, description: 'The reason the caller gave.' }),
    cancelledBy: t.exposeString('by', { nullable: true, description: 'Who cancelled it, when known.' }),
  }),
});

const RunRetriedDetails = builder.objectRef<Of<'run.retried'>>('RunRetriedDetails').implement({
  description: 'Details of RUN_RETRIED.',
  fields: (t) => ({
    previousStatus: t.field({
      type: RunStatus,
      nullable: true,
      description: 'The status the run was retried from (FAILED or CANCELLED).',
      resolve: (d) => d.previousStatus,
    }),
    stepIds: t.exposeStringList('stepIds', { description: 'The steps to run again.' }),
  }),
});

const StepStartedDetails = builder.objectRef<Of<'step.started'>>('StepStartedDetails').implement({
  description: 'Details of STEP_STARTED.',
  fields: (t) => ({
    attempt: t.exposeInt('attempt', { nullable: true, description: 'The attempt started, from 1.' }),
    input: t.expose('input', { type: 'JSON', nullable: true, description: 'The resolved input sent.' }),
    idempotencyKey: t.exposeString('idempotencyKey', {
      nullable: true,
      description: 'The `Idempotency-Key` sent with the call (the same for redeliveries of one execution).',
    }),
  }),
});

const StepCompletedDetails = builder.objectRef<Of<'step.completed'>>('StepCompletedDetails').implement({
  description: 'Details of STEP_COMPLETED.',
  fields: (t) => ({
    attempt: t.exposeInt('attempt', { nullable: true, description: 'The attempt that completed it (null for delays and signals).' }),
    output: t.expose('output', { type: 'JSON', nullable: true, description: 'The step’s output.' }),
    durationMs: t.exposeInt('durationMs', { nullable: true, description: 'How long the attempt took.' }),
  }),
});

const StepFailedDetails = builder.objectRef<Of<'step.failed'>>('StepFailedDetails').implement({
  description: 'Details of STEP_FAILED: the step failed for good.',
  fields: (t) => ({
    error: t.field({ type: StepErrorRef, description: 'Why it failed.', resolve: (d) => d.error }),
  }),
});

const StepRetryScheduledDetails = builder.objectRef<Of<'step.retry_scheduled'>>('StepRetryScheduledDetails').implement({
  description: 'Details of STEP_RETRY_SCHEDULED: an attempt failed and another is due.',
  fields: (t) => ({
    error: t.field({ type: StepErrorRef, description: 'Why the attempt failed.', resolve: (d) => d.error }),
    retryAt: t.expose('retryAt', { type: 'DateTime', nullable: true, description: 'When the next attempt is due.' }),
  }),
});

const StepSkippedDetails = builder.objectRef<Of<'step.skipped'>>('StepSkippedDetails').implement({
  description: 'Details of STEP_SKIPPED.',
  fields: (t) => ({
    reason: t.field({ type: StepSkipReason, nullable: true, description: 'Why it was skipped.', resolve: (d) => d.reason }),
  }),
});

const StepCancelledDetails = builder.objectRef<Of<'step.cancelled'>>('StepCancelledDetails').implement({
  description: 'Details of STEP_CANCELLED (the run was cancelled or failed while the step was open).',
  fields: (t) => ({
    stepId: t.exposeString('stepId', { description: 'The step cancelled.' }),
  }),
});

const StepWaitingDetails = builder.objectRef<Of<'step.waiting'>>('StepWaitingDetails').implement({
  description: 'Details of STEP_WAITING.',
  fields: (t) => ({
    waitingFor: t.field({ type: StepWaitKind, description: 'What it waits for.', resolve: (d) => d.waitingFor }),
    until: t.expose('until', {
      type: 'DateTime',
      nullable: true,
      description: 'When the timer fires, or the wait times out; null for a wait without a timeout.',
    }),
  }),
});

const StepSignalledDetails = builder.objectRef<Of<'step.signalled'>>('StepSignalledDetails').implement({
  description: 'Details of STEP_SIGNALLED.',
  fields: (t) => ({
    payload: t.expose('payload', { type: 'JSON', nullable: true, description: 'What the signal carried (it becomes the step’s output).' }),
  }),
});

const StepReusedDetails = builder.objectRef<Of<'step.reused'>>('StepReusedDetails').implement({
  description: 'Details of STEP_REUSED: a re-run kept the step’s output from the run it was re-run from.',
  fields: (t) => ({
    // By model name rather than RunRef: Run's type refers to events, so importing it here is a cycle.
    fromRun: t.prismaField({
      type: 'Run',
      nullable: true,
      description: 'The run the output comes from.',
      resolve: (query, d, _args, ctx) =>
        d.fromRunId === null
          ? null
          : ctx.db.run.findFirst({
              ...query,
              where: { id: d.fromRunId, tenantId: ctx.principal.tenantId, workspaceId: ctx.principal.workspaceId },
            }),
    }),
  }),
});

const StepInterruptedDetails = builder.objectRef<Of<'step.interrupted'>>('StepInterruptedDetails').implement({
  description: 'Details of STEP_INTERRUPTED: the worker running the attempt stopped; the step is delivered again.',
  fields: (t) => ({
    attempt: t.exposeInt('attempt', { nullable: true, description: 'The attempt interrupted.' }),
    interruptions: t.exposeInt('interruptions', {
      nullable: true,
      description: 'Interruptions of this execution so far; at STEP_MAX_INTERRUPTIONS the step fails.',
    }),
  }),
});

const StepLogDetails = builder.objectRef<Of<'step.log'>>('StepLogDetails').implement({
  description: 'Details of STEP_LOG: a line an agent logged in its reply.',
  fields: (t) => ({
    level: t.field({ type: LogLevel, description: 'Its level (agents’ own names folded into three).', resolve: (d) => d.level }),
    message: t.exposeString('message', { description: 'The line.' }),
    fields: t.expose('data', { type: 'JSON', nullable: true, description: 'Structured data the agent attached to the line.' }),
    attempt: t.exposeInt('attempt', { nullable: true, description: 'The attempt that logged it.' }),
  }),
});

/** The member type of each event kind. */
const MEMBERS = {
  'run.created': RunCreatedDetails,
  'run.started': RunStartedDetails,
  'run.completed': RunCompletedDetails,
  'run.failed': RunFailedDetails,
  'run.cancelled': RunCancelledDetails,
  'run.retried': RunRetriedDetails,
  'step.started': StepStartedDetails,
  'step.completed': StepCompletedDetails,
  'step.failed': StepFailedDetails,
  'step.retry_scheduled': StepRetryScheduledDetails,
  'step.skipped': StepSkippedDetails,
  'step.cancelled': StepCancelledDetails,
  'step.waiting': StepWaitingDetails,
  'step.signalled': StepSignalledDetails,
  'step.reused': StepReusedDetails,
  'step.interrupted': StepInterruptedDetails,
  'step.log': StepLogDetails,
} satisfies Record<RunEventType, unknown>;

// Annotated: Run's type reaches this union through its events, and this file uses Run's enums.
export const RunEventDetailsRef: UnionRef<Types, RunEventDetails, RunEventDetails> = builder.unionType('RunEventDetails', {
  description: 'What a run event carries; one member per `RunEventKind`.',
  types: Object.values(MEMBERS),
  resolveType: (details: RunEventDetails) => MEMBERS[details.kind],
});
