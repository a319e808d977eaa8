// Lists of runs: their filter and order inputs, the one RunConnection type, `Query.runs` and `Workflow.runs`.
import type { ArgBuilder } from '@pothos/core';
import type { RunFilter as RunFilterInput } from '../../domain/schemas/run.ts';
import { builder } from '../builder.ts';
import { runConnectionFields } from '../run-connection-fields.ts';
import { pageQuery, sameNames } from '../scalar-selection.ts';
import { idOf } from '../ids.ts';
import { OrderDirection } from './ordering.ts';
import { RunRef, RunStatus, RunTrigger } from './Run.ts';
import { WorkflowRef } from './Workflow.ts';

const RunOrderField = builder.enumType('RunOrderField', {
  description:
    'Column runs are sorted by (ties broken by id). Runs without a value (not started, not finished) come last in both directions, among themselves by id in the same direction.',
  values: {
    CREATED_AT: { value: 'createdAt', description: 'By creation time.' },
    UPDATED_AT: { value: 'updatedAt', description: 'By last change.' },
    STARTED_AT: { value: 'startedAt', description: 'By when the run started; runs not started yet come last.' },
    COMPLETED_AT: {
      value: 'completedAt',
      description: 'By when the run finished (completed, failed or was cancelled); unfinished runs come last.',
    },
    DURATION: {
      value: 'durationMs',
      description:
        'By how long the run took (`completedAt - startedAt`, whole milliseconds, fixed when it finishes); unfinished runs and runs cancelled before they started come last.',
    },
  } as const,
});

export const RunOrder = builder.inputType('RunOrder', {
  description: 'How to sort runs.',
  fields: (t) => ({
    field: t.field({ type: RunOrderField, defaultValue: 'createdAt', description: 'Column (default CREATED_AT).' }),
    direction: t.field({ type: OrderDirection, defaultValue: 'desc', description: 'Direction (default DESC).' }),
  }),
});

export const RunFilter = builder.inputType('RunFilter', {
  description: 'Which runs to list. Every filter given must hold.',
  fields: (t) => ({
    status: t.field({ type: [RunStatus], required: false, description: 'Any of these statuses.' }),
    workflowId: t.id({ required: false, description: 'Runs of this workflow (global or database id).' }),
    workflowKey: t.string({
      required: false,
      description:
        'Runs of the workflows with this key (stable across versions; a deleted workflow’s key may live on in a new one). Not on `runsChanged`.',
    }),
    triggeredBy: t.field({ type: RunTrigger, required: false, description: 'What started them.' }),
    createdAfter: t.field({ type: 'DateTime', required: false, description: 'Created strictly after this instant.' }),
    createdBefore: t.field({ type: 'DateTime', required: false, description: 'Created strictly before this instant.' }),
    conversationId: t.string({ required: false, description: 'Runs of this conversation, as `executeWorkflow` was given it.' }),
    userId: t.string({ required: false, description: 'Runs for this end user, as `executeWorkflow` was given it.' }),
    scheduleId: t.id({ required: false, description: 'Runs started by this schedule (global or database id).' }),
    search: t.string({
      required: false,
      description:
        'Words every run listed has, matched whole and case-insensitively (no prefixes): words of the string values of its input, of its workflow’s key and of its workflow’s name as they were when the run was created (a later rename does not change what finds it), and of its id, so a run is found by its whole id or its first 8 characters. Words are runs of letters and digits, at most 8 per search, each cut to 64 characters; a text without any word filters nothing. Lists runs by CREATED_AT only (another order is a ValidationError). Runs created before search existed are not found by it. Not on `runsChanged`.',
    }),
  }),
});

/** A RunFilter argument as the domain takes it: workflow and schedule ids decoded, global or not. */
export function decodeRunFilter(
  filter: (RunFilterInput & { workflowId?: unknown; scheduleId?: unknown }) | null | undefined,
): RunFilterInput {
  return {
    ...filter,
    workflowId: filter?.workflowId ? idOf('Workflow', String(filter.workflowId)) : null,
    scheduleId: filter?.scheduleId ? idOf('Schedule', String(filter.scheduleId)) : null,
  };
}

const runsArgs = (t: ArgBuilder<typeof builder extends PothosSchemaTypes.SchemaBuilder<infer T> ? T : never>) => ({
  filter: t({ type: RunFilter, required: false, description: 'Filters.' }),
  orderBy: t({ type: RunOrder, required: false, description: 'Sort order (default CREATED_AT DESC).' }),
});

type RunOrderFieldValue = 'createdAt' | 'updatedAt' | 'startedAt' | 'completedAt' | 'durationMs';

export const orderOf = (orderBy: { field?: RunOrderFieldValue | null; direction?: 'asc' | 'desc' | null } | null | undefined) =>
  ({ field: orderBy?.field ?? 'createdAt', direction: orderBy?.direction ?? 'desc' }) as const;

/** The one connection type of runs, whichever field lists them. */
export const RunConnectionRef = builder.connectionObject(
  {
    type: RunRef,
    name: 'RunConnection',
    description: 'A page of runs (of the workspace, or of one workflow).',
    fields: runConnectionFields(),
  },
  { name: 'RunEdge', description: 'A run in a page.' },
);

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
        return ctx.services.runs.list(
          ctx.principal,
          decodeRunFilter(args.filter),
          order,
          args,
          pageQuery(ctx, info, 'Run', RUN_COLUMNS, order.field),
        );
      },
    },
    RunConnectionRef,
  ),
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
          { ...decodeRunFilter(args.filter), workflowId: w.id },
          order,
          args,
          pageQuery(ctx, info, 'Run', RUN_COLUMNS, order.field),
        );
      },
    },
    RunConnectionRef,
  ),
);
