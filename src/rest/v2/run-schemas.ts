// Seed 003's run bodies: a run of a workflow, in the four-word status vocabulary the v2
// callers read (running, completed, failed, terminated).
import { z } from '@hono/zod-openapi';
import type { Run } from '../../db/models.ts';
import { asStatus, RUN_STATUSES, type RunStatus } from '../../domain/statuses.ts';
import { iso, JsonObject } from '../schemas.ts';
import { internalStatusesOf, V2_RUN_STATUSES, v2RunStatus, type V2RunStatus } from '../statuses.ts';
import { Success } from './workflow-schemas.ts';

/** The engine statuses a documented status filter selects (`running` is PENDING or RUNNING). */
export function v2RunStatusFilter(status: V2RunStatus): RunStatus[] {
  return internalStatusesOf(RUN_STATUSES, v2RunStatus, status);
}

/** A run. */
export const V2Run = z
  .object({
    id: z.string().openapi({ description: 'The run ID (a UUID); the same id /api/v1/runs/{run_id} and GraphQL `run(id:)` take.' }),
    workflow_id: z.string().openapi({ description: 'The workflow ID.' }),
    status: z.enum(V2_RUN_STATUSES).openapi({
      description:
        '`running` (accepted, executing, or waiting on a timer or signal), `completed`, `failed`, or `terminated` (stopped by DELETE .../runs/:runId or another API).',
    }),
    inputs: JsonObject.openapi({ description: 'The input the run was started with (declared defaults applied).' }),
    // Not JsonObject.nullable(): JsonObject's explicit `type: object` would hide the null.
    outputs: z.record(z.string(), z.unknown()).nullable().openapi({ description: 'What the run produced; null until it completes.' }),
    error: z.string().nullable().openapi({ description: 'Why it failed or was terminated; null otherwise.' }),
    started_at: z.string().openapi({ format: 'date-time', description: 'When the run was accepted (ISO 8601).' }),
    finished_at: z
      .string()
      .nullable()
      .openapi({ format: 'date-time', description: 'When it completed, failed or was terminated; null while running.' }),
  })
  .openapi('V2Run');

/** `{success, run}`. */
export const V2RunResponse = z.object({ success: Success, run: V2Run }).openapi('V2RunResponse');

/** `{success, runs, count}`. */
export const V2RunListResponse = z
  .object({
    success: Success,
    runs: z.array(V2Run).openapi({ description: 'This page, most recently started first.' }),
    count: z.number().int().openapi({ description: 'Runs matching the filter, across all pages.' }),
  })
  .openapi('V2RunListResponse');

/** Body of POST /api/v2/workflows/:id/execute. */
export const V2ExecuteRequest = z
  .object({
    inputs: JsonObject.default({}).openapi({
      description: 'Input parameters for the workflow execution. Defaults to an empty object.',
      example: { date_range: 'LAST_MONTH', recipients: ['ceo@company.com', 'sales-lead@company.com'] },
    }),
  })
  .openapi('V2ExecuteRequest');

/** Query of GET /api/v2/workflows/:id/runs. */
export const V2RunListQuery = z.object({
  status: z.enum(V2_RUN_STATUSES).optional().openapi({ description: 'Filter by run status: running, completed, failed, or terminated.' }),
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(1000)
    .default(50)
    .openapi({ description: 'Maximum number of runs to return (1-1000). Default: `50`.' }),
  offset: z.coerce.number().int().min(0).default(0).openapi({ description: 'Pagination offset. Default: `0`.' }),
});

/** The `:id` and `:runId` path parameters. */
export const V2RunParams = z.object({
  id: z.string().openapi({ param: { name: 'id', in: 'path' }, description: 'The workflow ID (a UUID).' }),
  runId: z.string().openapi({ param: { name: 'runId', in: 'path' }, description: 'The run ID (a UUID).' }),
});

/** A run in the documented shape. */
export function runBody(run: Run): z.output<typeof V2Run> {
  const error = run.error as { message?: unknown } | null;
  return {
    id: run.id,
    workflow_id: run.workflowId,
    status: v2RunStatus(asStatus(RUN_STATUSES, run.status)),
    inputs: (run.inputs ?? {}) as Record<string, unknown>,
    outputs: (run.outputs ?? null) as Record<string, unknown> | null,
    error: typeof error?.message === 'string' ? error.message : null,
    // The run exists (and counts as running) from when it was accepted; see v2RunStatus.
    started_at: run.createdAt.toISOString(),
    finished_at: iso(run.completedAt),
  };
}
