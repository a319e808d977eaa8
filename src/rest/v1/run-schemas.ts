// Request and response schemas of seed 004's /api/v1/runs endpoints (the run object itself is
// in run-view.ts, shared with the execute endpoint).
import { z } from '@hono/zod-openapi';
import type { Run } from '../../db/models.ts';
import { runEventType } from '../../domain/run-event-details.ts';
import type { RunLogEntry } from '../../domain/run-logs.ts';
import { asStatus, STEP_STATUSES } from '../../domain/statuses.ts';
import type { StepExecution } from '../../domain/run-queries.ts';
import { iso, JsonObject, PageQuery, pageOf } from '../schemas.ts';
import { RUN_EVENT_TYPES } from '../sse.ts';
import { V1_RUN_STATUSES, V1_STEP_STATUSES, v1StepStatus } from '../statuses.ts';
import { RunResponse, runErrorMessage } from './run-view.ts';

const RUN_STATUS = z.enum(V1_RUN_STATUSES);

// ISO 8601 instants as pydantic accepts them: a date-time with or without an offset (none
// means UTC, whatever the server's zone), or a bare date (midnight UTC).
const ZONED = /(Z|[+-]\d{2}:?\d{2})$/i;
/** An optional ISO 8601 instant query parameter, parsed as pydantic does (no offset means UTC; a bare date is midnight UTC). */
export const instant = (description: string) =>
  z
    .union([z.iso.datetime({ offset: true, local: true }), z.iso.date()])
    .transform((value) => new Date(value.includes('T') && !ZONED.test(value) ? `${value}Z` : value))
    .optional()
    .openapi({ description, example: '2024-01-01T00:00:00Z' });

/** Query of GET /api/v1/runs. */
export const RunListQuery = PageQuery.extend({
  status: RUN_STATUS.optional().openapi({ description: 'Only runs in this status.' }),
  workflow_id: z
    .string()
    .min(1)
    .optional()
    .openapi({ description: "Only runs of the workflow with this key (the run object's `workflow_id`, e.g. `wf-data-pipeline-001`)." }),
  workflow_definition_id: z.string().min(1).optional().openapi({
    description:
      "Only runs of this workflow version (the run object's `workflow_definition_id`; the workflow's id names its current version).",
  }),
  created_after: instant(
    'Only runs created strictly after this instant (ISO 8601; without an offset it is UTC; a bare date means midnight UTC).',
  ),
  created_before: instant(
    'Only runs created strictly before this instant (ISO 8601; without an offset it is UTC; a bare date means midnight UTC).',
  ),
  sort_by: z.enum(['created_at', 'updated_at', 'completed_at', 'status']).default('created_at').openapi({
    description:
      'Sort field (default `created_at`). `completed_at` puts unfinished runs last in either order; `status` sorts alphabetically, ties newest first.',
  }),
  sort_order: z.enum(['asc', 'desc']).default('desc').openapi({ description: 'Sort order (default `desc`).' }),
});

/** A page of runs. */
export const RunListResponse = pageOf(RunResponse, 'RunListResponse');

/** The `{run_id}` path parameter. */
export const RunIdParam = z.object({
  run_id: z.string().openapi({ param: { name: 'run_id', in: 'path' }, description: 'Run identifier.' }),
});

/** Optional body of POST /api/v1/runs/{run_id}/retry (nothing to set; `{}` is accepted). */
export const RetryRunRequest = z.object({}).openapi('RetryRunRequest', { description: 'No fields; send `{}` or no body.' });

/** Optional body of POST /api/v1/runs/{run_id}/cancel. */
export const CancelRunRequest = z
  .object({
    reason: z
      .string()
      .max(2000)
      .nullish()
      .openapi({ description: "Why the run is cancelled; the run's `error_message` becomes `Cancelled: <reason>`." }),
    cancelled_by: z.string().max(255).nullish().openapi({ description: "Who cancels it, shown as `cancelled_by` (default `'system'`)." }),
  })
  .openapi('CancelRunRequest');

// Sent for every step, null included, so required in the document (a bare z.unknown() would
// make it optional there).
const presentJson = (description: string) =>
  z
    .unknown()
    .refine((value) => value !== undefined)
    .openapi({ description });

/** One step execution of a run. */
export const StepExecutionResponse = z
  .object({
    id: z.string().openapi({ description: 'Step execution identifier.' }),
    run_id: z.string().openapi({ description: 'The run it belongs to.' }),
    step_id: z.string().openapi({ description: "The step's id in the workflow definition." }),
    step_name: z.string().openapi({ description: "The step's name in the definition (its id when it has none)." }),
    agent_name: z
      .string()
      .nullable()
      .openapi({ description: 'The agent the step calls; null for steps that call no agent (transform, condition, http, delay, wait).' }),
    status: z.enum(V1_STEP_STATUSES).openapi({
      description:
        'PENDING: waiting to execute (or to be retried after a failed attempt); RUNNING: executing, or waiting on a delay timer or an external signal; COMPLETED: finished successfully; FAILED: failed with an error, or cut off while running because the run was cancelled or failed elsewhere (`error_message` then starts with `Cancelled`); SKIPPED: skipped (conditional execution: a branch not taken), or never started because the run was cancelled (`error_message` then starts with `Cancelled`).',
    }),
    input_data: presentJson('The resolved input of its latest attempt (any JSON value); null before it starts.'),
    output_data: presentJson('What it produced (any JSON value); null unless COMPLETED.'),
    started_at: z.string().nullable().openapi({ format: 'date-time', description: 'When it first started; null before it starts.' }),
    completed_at: z.string().nullable().openapi({ format: 'date-time', description: 'When it reached COMPLETED, FAILED or SKIPPED.' }),
    error_message: z.string().nullable().openapi({
      description:
        "The error of its latest failed attempt; for a step cut off by a cancel, the run's `Cancelled: <reason>` (`Cancelled: <the run's error>` when the run failed elsewhere); null otherwise.",
    }),
  })
  .openapi('StepExecutionResponse');

/** The steps of a run, ordered by start time. */
export const StepExecutionList = z.array(StepExecutionResponse).openapi('StepExecutionList');

// Why a step was cut off: the run's own cancel message, or the run failing elsewhere.
function cutOffMessage(run: Run): string {
  const message = runErrorMessage(run);
  if (run.status === 'CANCELLED') return message ?? 'Cancelled';
  return message ? `Cancelled: ${message}` : 'Cancelled';
}

/** A step execution of `run` in seed 004's shape (statuses mapped into the documented five). */
export function stepView(run: Run, execution: StepExecution): z.infer<typeof StepExecutionResponse> {
  const { step } = execution;
  const status = asStatus(STEP_STATUSES, step.status);
  const error = step.error as { message?: unknown } | null;
  return {
    id: step.id,
    run_id: run.id,
    step_id: step.stepId,
    step_name: execution.name,
    agent_name: execution.agentName,
    status: v1StepStatus(status, step.startedAt !== null),
    input_data: execution.input ?? null,
    output_data: step.output ?? null,
    started_at: iso(step.startedAt),
    completed_at: iso(step.completedAt),
    error_message: status === 'CANCELLED' ? cutOffMessage(run) : typeof error?.message === 'string' ? error.message : null,
  };
}

/** Query of GET /api/v1/runs/{run_id}/logs. */
export const RunLogsQuery = PageQuery.extend({
  page_size: z.coerce.number().int().min(1).max(1000).default(100).openapi({ description: 'Entries per page (1-1000, default 100).' }),
  after_seq: z.coerce.number().int().min(0).optional().openapi({
    description:
      'Only entries with a greater `seq` (a cursor: pass the last `seq` you saw to read only what is new). `page` and `total` then count from that point.',
  }),
});

/** One log entry. */
export const RunLogEntryResponse = z
  .object({
    seq: z.number().int().openapi({ description: 'Sequence number of the entry in the run (increases by one per entry).' }),
    timestamp: z.string().openapi({ format: 'date-time', description: 'When it was recorded.' }),
    level: z.enum(['info', 'warning', 'error']).openapi({ description: 'Severity.' }),
    type: z.enum(RUN_EVENT_TYPES).openapi({
      description:
        'What happened: `step.log` (a line the agent logged), `step.started` / `step.completed` / `step.retry_scheduled` / `step.failed` / `step.interrupted` (attempts), `step.skipped`, `step.cancelled`, `step.waiting`, `step.signalled`, `step.reused`, `run.created`, `run.started`, `run.completed`, `run.failed`, `run.cancelled`, `run.retried`.',
    }),
    step_id: z.string().nullable().openapi({ description: 'The step it concerns; null for run-level entries.' }),
    attempt: z.number().int().nullable().openapi({ description: 'The attempt it belongs to, when it belongs to one.' }),
    message: z.string().openapi({ description: 'Human-readable text (for `step.log`, the line the agent logged).' }),
    data: JsonObject.openapi({
      description:
        "The event as recorded (for `step.log`: level, message, data and attempt; for `run.retried`: `previousStatus`, the run's FAILED or CANCELLED).",
    }),
  })
  .openapi('RunLogEntry');

/** A page of a run's log. */
export const RunLogsResponse = z
  .object({
    run_id: z.string().openapi({ description: 'The run.' }),
    items: z.array(RunLogEntryResponse).openapi({ description: 'Entries in sequence order.' }),
    total: z.number().int().openapi({ description: 'Entries (after `after_seq`, when given) across all pages.' }),
    page: z.number().int().openapi({ description: 'This page, 1-indexed.' }),
    page_size: z.number().int().openapi({ description: 'Entries per page.' }),
    total_pages: z.number().int().openapi({ description: 'Number of pages.' }),
  })
  .openapi('RunLogsResponse');

/** A log entry in the response shape. */
export function logView(entry: RunLogEntry): z.infer<typeof RunLogEntryResponse> {
  return {
    seq: entry.seq,
    timestamp: entry.timestamp.toISOString(),
    level: entry.level,
    type: runEventType(entry.type),
    step_id: entry.stepId,
    attempt: entry.attempt,
    message: entry.message,
    data: entry.data,
  };
}
