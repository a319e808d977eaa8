// Bulk cancel and retry: the BulkRunOperation type and its per-run results, `Query.bulkRunOperation`
// and `bulkRunOperations`, and the `cancelRuns` / `retryRuns` mutations with their RunSelection.
import { brandWithType } from '@pothos/core';
import { encodeGlobalID } from '@pothos/plugin-relay';
import type { BULK_KINDS, BULK_OUTCOMES, BULK_STATUSES } from '../../domain/bulk-run-operations.ts';
import {
  type BulkItemError,
  type BulkKind,
  type BulkOutcome,
  type BulkResult,
  type BulkStatus,
  type RunSelection as Selection,
  storedItemError,
} from '../../domain/bulk-run-operations.ts';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../../domain/errors.ts';
import { builder } from '../builder.ts';
import { connectionFields } from '../connections.ts';
import { idOf } from '../ids.ts';
import { ErrorInterface } from './errors.ts';
import { RunRef } from './Run.ts';
import { RunFilter } from './RunConnection.ts';

const BulkRunOperationKind = builder.enumType('BulkRunOperationKind', {
  description: 'What a bulk operation does to each selected run.',
  values: {
    CANCEL: { description: 'Cancel each PENDING or RUNNING run (as `cancelRun` does).' },
    RETRY: { description: 'Retry each FAILED or CANCELLED run (as `retryRun` does).' },
  } satisfies Record<(typeof BULK_KINDS)[number], unknown>,
});

const BulkRunOperationStatus = builder.enumType('BulkRunOperationStatus', {
  description: 'Lifecycle of a bulk operation.',
  values: {
    PENDING: { description: 'Accepted and stored with its runs; no worker has started on it yet.' },
    RUNNING: { description: 'A worker is going through its runs, in chunks; the counts grow as it goes.' },
    COMPLETED: { description: 'Every selected run has an outcome (which may be SKIPPED, FAILED or NOT_FOUND).' },
    FAILED: {
      description:
        'The job itself could not go on (it kept failing); runs without an outcome were left as they were. Per-run failures never fail the job.',
    },
  } satisfies Record<(typeof BULK_STATUSES)[number], unknown>,
});

const RunOperationOutcome = builder.enumType('RunOperationOutcome', {
  description: 'What a bulk operation did to one run.',
  values: {
    SUCCEEDED: { description: 'The run was cancelled (or retried).' },
    SKIPPED: {
      description:
        'The run’s state did not allow it when its turn came (e.g. it had finished, or was already retried); `error` is an InvalidStateError with that status.',
    },
    FAILED: { description: 'The change failed for another reason (after retries); `failureMessage` says why. The run was left as it was.' },
    NOT_FOUND: { description: 'No such run in the workspace (or it was deleted before its turn); `error` is a NotFoundError.' },
  } satisfies Record<(typeof BULK_OUTCOMES)[number], unknown>,
});

/**
 * The stored error as the typed error object it stands for: a plain object branded with its type
 * and carrying the error's fields (`code` included), not an Error instance, which graphql-js would
 * take for a failure of the field itself.
 */
function typedError(error: Exclude<BulkItemError, { kind: 'FAILED' }>): Error {
  const branded = (type: string, fields: Record<string, unknown>) => {
    const value = { name: type, message: error.message, ...fields };
    brandWithType(value, type as never);
    return value;
  };
  switch (error.kind) {
    case 'INVALID_STATE':
      return branded('InvalidStateError', { code: 'INVALID_STATE', currentStatus: error.currentStatus });
    case 'NOT_FOUND':
      return branded('NotFoundError', { code: 'NOT_FOUND', entity: error.entity, lookup: error.lookup });
  }
}

const RunOperationResultRef = builder.objectRef<BulkResult>('RunOperationResult').implement({
  description: 'One selected run of a bulk operation and what happened to it.',
  fields: (t) => ({
    runId: t.id({
      description: 'Global id of the run as selected (also when it is not visible, or no longer exists).',
      resolve: (r) => encodeGlobalID('Run', r.item.runId),
    }),
    run: t.field({
      type: RunRef,
      nullable: true,
      description: 'The run as it is now; null when it does not exist in the workspace (or was deleted since).',
      resolve: (r) => r.run,
    }),
    outcome: t.field({
      type: RunOperationOutcome,
      nullable: true,
      description: 'What happened to the run; null while its turn has not come yet.',
      resolve: (r) => r.item.outcome as BulkOutcome | null,
    }),
    error: t.field({
      type: ErrorInterface,
      nullable: true,
      description:
        'Why the run was not changed: an InvalidStateError (SKIPPED, with the status it had) or a NotFoundError (NOT_FOUND); null otherwise (see `failureMessage` for FAILED).',
      resolve: (r) => {
        const stored = storedItemError(r.item.error);
        return stored && stored.kind !== 'FAILED' ? typedError(stored) : null;
      },
    }),
    failureMessage: t.string({
      nullable: true,
      description: 'Why the change FAILED (an unexpected failure, after retries); null for every other outcome.',
      resolve: (r) => {
        const stored = storedItemError(r.item.error);
        return stored?.kind === 'FAILED' ? stored.message : null;
      },
    }),
    processedAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When its outcome was recorded.',
      resolve: (r) => r.item.processedAt,
    }),
  }),
});

export const BulkRunOperationRef = builder.prismaNode('BulkRunOperation', {
  description:
    'A cancel or retry of many runs at once, tracked as a durable job: its runs were fixed when it was accepted, and its counts show progress.',
  id: { field: 'id', description: 'Global id.' },
  nullable: true,
  findUnique: (id, ctx) => ({ id, tenantId: ctx.principal.tenantId, workspaceId: ctx.principal.workspaceId }),
  fields: (t) => ({
    kind: t.field({ type: BulkRunOperationKind, description: 'Cancel or retry.', resolve: (o) => o.kind as BulkKind }),
    status: t.field({ type: BulkRunOperationStatus, description: 'Where the job is.', resolve: (o) => o.status as BulkStatus }),
    total: t.exposeInt('total', { description: 'Runs selected (ids not found included), fixed at acceptance.' }),
    processed: t.exposeInt('processed', {
      description: 'Runs with an outcome so far: succeeded + skipped + failed + notFound. Equals total once COMPLETED.',
    }),
    succeeded: t.exposeInt('succeeded', { description: 'Runs cancelled (or retried).' }),
    skipped: t.exposeInt('skipped', { description: 'Runs whose state did not allow the change when their turn came.' }),
    failed: t.exposeInt('failed', { description: 'Runs whose change failed for another reason.' }),
    notFound: t.exposeInt('notFound', {
      description: 'Selected ids that are not runs of the workspace (or were deleted before their turn).',
    }),
    reason: t.exposeString('reason', { nullable: true, description: 'The cancel reason recorded on every cancelled run.' }),
    failureMessage: t.string({
      nullable: true,
      description: 'Why the job FAILED as a whole; null otherwise.',
      resolve: (o) => ((o.error as { message?: unknown } | null)?.message as string | undefined) ?? null,
    }),
    idempotencyKey: t.exposeString('idempotencyKey', { nullable: true, description: 'The key it was requested with, if any.' }),
    createdBy: t.exposeString('createdBy', {
      nullable: true,
      description: 'Who requested it (token subject or API key); null without authentication.',
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was accepted (the instant its selection was resolved).' }),
    startedAt: t.expose('startedAt', { type: 'DateTime', nullable: true, description: 'When a worker first took it up.' }),
    completedAt: t.expose('completedAt', { type: 'DateTime', nullable: true, description: 'When it COMPLETED or FAILED.' }),
    results: t.connection(
      {
        type: RunOperationResultRef,
        description: 'Per-run results in selection order (ids as given; filter selections newest run first).',
        args: {
          outcome: t.arg({ type: RunOperationOutcome, required: false, description: 'Only results with this outcome.' }),
        },
        resolve: (o, args, ctx) => ctx.services.bulkRuns.results(ctx.principal, o, args.outcome ?? null, args),
      },
      { name: 'RunOperationResultConnection', description: 'A page of per-run results.', fields: connectionFields('results') },
      { name: 'RunOperationResultEdge', description: 'A per-run result in a page.' },
    ),
  }),
});

const RunSelection = builder.inputType('RunSelection', {
  description: 'Which runs a bulk operation acts on: exactly one of `ids` or `filter`. Resolved when the operation is accepted.',
  isOneOf: true,
  fields: (t) => ({
    ids: t.idList({
      description:
        'These runs (global or database ids; 1 to 10,000, repeats ignored). Ids that are not runs of the workspace become NOT_FOUND results.',
    }),
    filter: t.field({
      type: RunFilter,
      description: 'Every run of the workspace matching this filter at acceptance (at most 10,000; more is a ValidationError).',
    }),
  }),
});

const CancelRunsInput = builder.inputType('CancelRunsInput', {
  description: 'Which runs to cancel, why, and how to make the request safe to repeat.',
  fields: (t) => ({
    runs: t.field({ type: RunSelection, required: true, description: 'The runs.' }),
    reason: t.string({ required: false, description: 'Why; recorded on every cancelled run.' }),
    idempotencyKey: t.string({
      required: false,
      description:
        'Makes retries of this request safe: the same key returns the same operation (another request with it is a ConflictError).',
    }),
  }),
});

const RetryRunsInput = builder.inputType('RetryRunsInput', {
  description: 'Which runs to retry, and how to make the request safe to repeat.',
  fields: (t) => ({
    runs: t.field({ type: RunSelection, required: true, description: 'The runs.' }),
    idempotencyKey: t.string({
      required: false,
      description:
        'Makes retries of this request safe: the same key returns the same operation (another request with it is a ConflictError).',
    }),
  }),
});

/** The selection with its global ids decoded to database ids. */
function selectionOf(runs: {
  ids?: readonly (string | number)[] | null;
  filter?: ({ workflowId?: string | number | null } & Record<string, unknown>) | null;
}): Selection {
  if (runs.ids != null) return { ids: runs.ids.map((id) => idOf('Run', String(id))) };
  const filter = runs.filter ?? {};
  const workflowId = filter.workflowId != null ? idOf('Workflow', String(filter.workflowId)) : null;
  return { filter: { ...filter, workflowId } };
}

const ACCEPTANCE =
  'It returns as soon as the operation and its runs are stored (PENDING, or COMPLETED when no selected run exists); the runs are then changed in chunks of 100 by whichever server or worker process runs workers (WORKER_CONCURRENCY > 0) on the same database, and a job interrupted by a crash is taken over by another process. Follow it with `bulkRunOperation(id:)`.';

builder.queryFields((t) => ({
  bulkRunOperation: t.field({
    type: BulkRunOperationRef,
    description: 'One bulk cancel or retry of the workspace, with its progress and per-run results.',
    errors: { types: [NotFoundError] },
    args: { id: t.arg.id({ required: true, description: 'Global (or database) id.' }) },
    resolve: (_root, args, ctx) => ctx.services.bulkRuns.get(ctx.principal, idOf('BulkRunOperation', String(args.id))),
  }),
  bulkRunOperations: t.connection(
    {
      type: BulkRunOperationRef,
      description: 'Bulk cancels and retries of the workspace, newest first.',
      resolve: (_root, args, ctx) => ctx.services.bulkRuns.list(ctx.principal, args),
    },
    { name: 'BulkRunOperationConnection', description: 'A page of bulk operations.', fields: connectionFields('bulk operations') },
    { name: 'BulkRunOperationEdge', description: 'A bulk operation in a page.' },
  ),
}));

builder.mutationFields((t) => ({
  cancelRuns: t.field({
    type: BulkRunOperationRef,
    description: `Cancels many runs at once, as a tracked job: each selected PENDING or RUNNING run is cancelled as \`cancelRun\` would, and a run that has finished by its turn is SKIPPED. ${ACCEPTANCE}`,
    errors: { types: [ValidationError, ForbiddenError, ConflictError] },
    args: { input: t.arg({ type: CancelRunsInput, required: true, description: 'The runs and why.' }) },
    resolve: (_root, { input }, ctx) =>
      ctx.services.bulkRuns.accept(ctx.principal, 'CANCEL', {
        runs: selectionOf(input.runs),
        reason: input.reason,
        idempotencyKey: input.idempotencyKey,
      }),
  }),
  retryRuns: t.field({
    type: BulkRunOperationRef,
    description: `Retries many runs at once, as a tracked job: each selected FAILED or CANCELLED run is retried as \`retryRun\` would, and any other run is SKIPPED. ${ACCEPTANCE}`,
    errors: { types: [ValidationError, ForbiddenError, ConflictError] },
    args: { input: t.arg({ type: RetryRunsInput, required: true, description: 'The runs.' }) },
    resolve: (_root, { input }, ctx) =>
      ctx.services.bulkRuns.accept(ctx.principal, 'RETRY', { runs: selectionOf(input.runs), idempotencyKey: input.idempotencyKey }),
  }),
}));
