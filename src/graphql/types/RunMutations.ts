// Mutations on runs: execute, cancel, retry, re-run from a step, signal.
import { ConflictError, InvalidStateError, NotFoundError, ValidationError } from '../../domain/errors.ts';
import { builder } from '../builder.ts';
import { idOf } from '../ids.ts';
import { RunRef } from './Run.ts';

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
