// Lists of runs: their filter and order inputs, `Query.runs` and `Workflow.runs`.
import type { ArgBuilder } from '@pothos/core';
import { builder } from '../builder.ts';
import { connectionFields } from '../connections.ts';
import { pageQuery, sameNames } from '../scalar-selection.ts';
import { idOf } from '../ids.ts';
import { OrderDirection } from './ordering.ts';
import { RunRef, RunStatus, RunTrigger } from './Run.ts';
import { WorkflowRef } from './Workflow.ts';

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
