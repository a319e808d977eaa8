// Mutations on runs: run a workflow, cancel, retry, re-run from a step, signal. Each takes one
// `input` object; the older separate arguments still work, deprecated, for one release.
import { ConflictError, InvalidStateError, NotFoundError, ValidationError } from '../../domain/errors.ts';
import type { Run } from '../../db/models.ts';
import { builder } from '../builder.ts';
import { fromEither, lookupOf } from '../input-shapes.ts';
import { idOf } from '../ids.ts';
import { RunRef } from './Run.ts';
import { WorkflowRefInput } from './Workflow.ts';

const CancelRunInput = builder.inputType('CancelRunInput', {
  description: 'Which run to cancel, and why.',
  fields: (t) => ({
    id: t.id({ required: true, description: 'The run (global or database id).' }),
    reason: t.string({ required: false, description: 'Why; recorded on the run.' }),
  }),
});

const RetryRunInput = builder.inputType('RetryRunInput', {
  description: 'Which run to resume.',
  fields: (t) => ({ id: t.id({ required: true, description: 'The run (global or database id).' }) }),
});

const RerunFromStepInput = builder.inputType('RerunFromStepInput', {
  description: 'Where to re-run a finished run from.',
  fields: (t) => ({
    runId: t.id({ required: true, description: 'The finished run to start from.' }),
    stepId: t.string({ required: true, description: 'The first step to execute again.' }),
    inputPatch: t.field({ type: 'JSON', required: false, description: 'Fields merged over the parent’s input.' }),
  }),
});

const SignalRunInput = builder.inputType('SignalRunInput', {
  description: 'A signal for a waiting `wait` step.',
  fields: (t) => ({
    runId: t.id({ required: true, description: 'The run.' }),
    stepId: t.string({ required: true, description: 'The waiting step.' }),
    payload: t.field({ type: 'JSON', required: false, description: 'Becomes the step’s output.' }),
  }),
});

const RunWorkflowInput = builder.inputType('RunWorkflowInput', {
  description: 'What to run, with what input, and how to make the request safe to repeat.',
  fields: (t) => ({
    workflow: t.field({ type: WorkflowRefInput, required: true, description: 'The workflow, by id or by key.' }),
    inputs: t.field({ type: 'JSON', required: false, description: 'Input object, checked against the declared inputs.' }),
    idempotencyKey: t.string({
      required: false,
      description: 'Makes retries of this request safe: the same key returns the same run (with `created: false`).',
    }),
    conversationId: t.string({
      required: false,
      description: 'The conversation (chat thread) the run belongs to, as you name it (up to 255 characters); stored on the run.',
    }),
    userId: t.string({
      required: false,
      description: 'The end user the run is for, as you name them (up to 255 characters); stored on the run.',
    }),
  }),
});

const RunWorkflowSuccess = builder.objectRef<{ run: Run; created: boolean }>('RunWorkflowSuccess').implement({
  description: 'The run a `runWorkflow` call started, or the one its idempotency key named.',
  fields: (t) => ({
    run: t.field({ type: RunRef, description: 'The run.', resolve: (r) => r.run }),
    created: t.exposeBoolean('created', {
      description: 'True when this call created the run; false when an idempotency key returned an earlier one.',
    }),
  }),
});

builder.mutationFields((t) => ({
  executeWorkflow: t.field({
    type: RunRef,
    deprecationReason: 'Use runWorkflow(input:), which also says whether an idempotency key replayed an earlier run.',
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
    description:
      'Cancels a PENDING or RUNNING run: in-flight agent calls are aborted and no further step starts. Give `input`; the separate arguments are deprecated.',
    errors: { types: [NotFoundError, InvalidStateError, ValidationError] },
    args: {
      input: t.arg({ type: CancelRunInput, required: false, description: 'The run and why.' }),
      id: t.arg.id({ required: false, deprecationReason: 'Use input.id.', description: 'The run.' }),
      reason: t.arg.string({ required: false, deprecationReason: 'Use input.reason.', description: 'Why; recorded on the run.' }),
    },
    resolve: (_root, args, ctx) => {
      const id = fromEither('input.id', 'id', args.input?.id, args.id);
      const reason = args.input ? args.input.reason : args.reason;
      return ctx.services.runs.cancel(ctx.principal, idOf('Run', String(id)), { reason });
    },
  }),
  retryRun: t.field({
    type: RunRef,
    description:
      'Resumes a FAILED or CANCELLED run from its incomplete steps; completed steps are not called again. Give `input`; the `id` argument is deprecated.',
    errors: { types: [NotFoundError, InvalidStateError, ValidationError] },
    args: {
      input: t.arg({ type: RetryRunInput, required: false, description: 'The run.' }),
      id: t.arg.id({ required: false, deprecationReason: 'Use input.id.', description: 'The run.' }),
    },
    resolve: (_root, args, ctx) =>
      ctx.services.runs.retry(ctx.principal, idOf('Run', String(fromEither('input.id', 'id', args.input?.id, args.id)))),
  }),
  rerunFromStep: t.field({
    type: RunRef,
    description:
      'Starts a new run (a child of this one) that reuses this run’s outputs upstream of `stepId` and executes `stepId` and everything after it again. Give `input`; the separate arguments are deprecated.',
    errors: { types: [NotFoundError, InvalidStateError, ValidationError] },
    args: {
      input: t.arg({ type: RerunFromStepInput, required: false, description: 'The run, the step and the input changes.' }),
      runId: t.arg.id({ required: false, deprecationReason: 'Use input.runId.', description: 'The finished run to start from.' }),
      stepId: t.arg.string({ required: false, deprecationReason: 'Use input.stepId.', description: 'The first step to execute again.' }),
      inputPatch: t.arg({
        type: 'JSON',
        required: false,
        deprecationReason: 'Use input.inputPatch.',
        description: 'Fields merged over the parent’s input.',
      }),
    },
    resolve: (_root, args, ctx) => {
      const runId = fromEither('input.runId', 'runId', args.input?.runId, args.runId);
      const stepId = fromEither('input.stepId', 'stepId', args.input?.stepId, args.stepId);
      const patch = args.input ? args.input.inputPatch : args.inputPatch;
      return ctx.services.runs.rerunFromStep(ctx.principal, idOf('Run', String(runId)), stepId, patch as Record<string, unknown> | null);
    },
  }),
  signalRun: t.field({
    type: RunRef,
    description:
      'Delivers a signal to a waiting `wait` step (e.g. a human approval); the payload becomes its output. Give `input`; the separate arguments are deprecated.',
    errors: { types: [NotFoundError, InvalidStateError, ValidationError] },
    args: {
      input: t.arg({ type: SignalRunInput, required: false, description: 'The run, the waiting step and the payload.' }),
      runId: t.arg.id({ required: false, deprecationReason: 'Use input.runId.', description: 'The run.' }),
      stepId: t.arg.string({ required: false, deprecationReason: 'Use input.stepId.', description: 'The waiting step.' }),
      payload: t.arg({ type: 'JSON', required: false, deprecationReason: 'Use input.payload.', description: 'Becomes the step’s output.' }),
    },
    resolve: (_root, args, ctx) => {
      const runId = fromEither('input.runId', 'runId', args.input?.runId, args.runId);
      const stepId = fromEither('input.stepId', 'stepId', args.input?.stepId, args.stepId);
      const payload = args.input ? args.input.payload : args.payload;
      return ctx.services.runs.signal(ctx.principal, idOf('Run', String(runId)), stepId, payload);
    },
  }),
  runWorkflow: t.field({
    type: RunWorkflowSuccess,
    description:
      'Starts a run of the workflow’s current version (PENDING); it is stored before this answers. Reusing an idempotency key returns the first run with `created: false`.',
    errors: { types: [NotFoundError, ValidationError, InvalidStateError, ConflictError] },
    args: { input: t.arg({ type: RunWorkflowInput, required: true, description: 'What to run, with what.' }) },
    resolve: (_root, { input }, ctx) =>
      ctx.services.runs.start(ctx.principal, lookupOf('Workflow', 'key', input.workflow), {
        input: input.inputs as Record<string, unknown> | null,
        idempotencyKey: input.idempotencyKey,
        conversationId: input.conversationId,
        userId: input.userId,
      }),
  }),
}));
