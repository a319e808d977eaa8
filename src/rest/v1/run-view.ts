// The run object of seed 004, shared by /api/v1/runs and POST /api/v1/workflows/{id}/execute.
import { z } from '@hono/zod-openapi';
import type { Run } from '../../db/models.ts';
import { asStatus, RUN_STATUSES } from '../../domain/statuses.ts';
import { iso, JsonObject } from '../schemas.ts';
import { V1_RUN_STATUSES, v1RunStatus } from '../statuses.ts';

/** What a run view needs of the run's workflow. */
export interface RunWorkflow {
  key: string;
  name: string;
  /** Seed 004 names the current version by the workflow's id (see `versionPublicId`). */
  currentVersionId: string | null;
}

const timestamp = (description: string) => z.string().openapi({ format: 'date-time', description });
const nullableTimestamp = (description: string) => z.string().nullable().openapi({ format: 'date-time', description });

/** Seed 004's run object. */
export const RunResponse = z
  .object({
    id: z.string().openapi({ description: 'Run identifier.' }),
    run_id: z.string().openapi({ description: 'Run identifier (same as `id`).' }),
    workflow_id: z.string().openapi({ description: "The workflow's key (e.g. `wf-data-pipeline-001`)." }),
    workflow_name: z.string().openapi({ description: "The workflow's name." }),
    workflow_definition_id: z.string().openapi({
      description:
        "Id of the workflow version (definition) this run executes, as `/api/v1/workflows/{workflow_id}/versions` shows it: the workflow's id while that version is current, the version's own id once superseded.",
    }),
    status: z.enum(V1_RUN_STATUSES).openapi({
      description:
        'PENDING: created, waiting to start; RUNNING: executing (including waiting on a timer or signal); COMPLETED: finished successfully; FAILED: failed with an error; CANCELLED: cancelled by a caller.',
    }),
    input_data: JsonObject.openapi({ description: 'The input the run was started with (declared defaults applied).' }),
    triggered_by: z.string().openapi({ description: "Who started the run: the triggering user, else `'system'`." }),
    created_at: timestamp('When the run was accepted (ISO 8601).'),
    updated_at: timestamp('When the run last changed (ISO 8601).'),
    completed_at: nullableTimestamp('When it reached COMPLETED, FAILED or CANCELLED; null while active.'),
    cancelled_at: nullableTimestamp('When it was cancelled; null unless CANCELLED.'),
    cancelled_by: z
      .string()
      .nullable()
      .openapi({ description: "Who cancelled it (`'system'` unless the canceller was named); null unless CANCELLED." }),
    error_message: z.string().nullable().openapi({
      description:
        "Why it did not complete: `Step '<step>' failed: <message>` when a step failed, `Cancelled: <reason>` when cancelled (plain `Cancelled` without a reason), or the run-level failure (e.g. a timeout); null otherwise.",
    }),
  })
  .openapi('RunResponse');

/** The run object as sent. */
export type RunResponseBody = z.infer<typeof RunResponse>;

/**
 * The run's `error_message` as seed 004 words it: the engine records a step failure as
 * `step "<id>" failed: <message>`, seed 004 as `Step '<id>' failed: <message>`.
 */
export function runErrorMessage(run: Run): string | null {
  const error = run.error as { message?: unknown; stepId?: unknown } | null;
  if (!error || typeof error.message !== 'string') return null;
  if (run.status === 'FAILED' && typeof error.stepId === 'string') {
    const prefix = `step "${error.stepId}" failed: `;
    const cause = error.message.startsWith(prefix) ? error.message.slice(prefix.length) : error.message;
    return `Step '${error.stepId}' failed: ${cause}`;
  }
  return error.message;
}

/** A run in seed 004's shape; `workflow` is the run's workflow (its key and name). */
export function runView(run: Run, workflow: RunWorkflow): RunResponseBody {
  const cancelled = run.status === 'CANCELLED';
  return {
    id: run.id,
    run_id: run.id,
    workflow_id: workflow.key,
    workflow_name: workflow.name,
    workflow_definition_id: run.workflowVersionId === workflow.currentVersionId ? run.workflowId : run.workflowVersionId,
    status: v1RunStatus(asStatus(RUN_STATUSES, run.status)),
    input_data: (run.inputs ?? {}) as Record<string, unknown>,
    triggered_by: run.triggeredByUser ?? 'system',
    created_at: run.createdAt.toISOString(),
    updated_at: run.updatedAt.toISOString(),
    // The engine stamps completedAt on cancel too; seed 004 reports cancellations apart from completions.
    completed_at: cancelled ? null : iso(run.completedAt),
    cancelled_at: iso(run.cancelledAt),
    cancelled_by: cancelled ? (run.cancelledBy ?? 'system') : run.cancelledBy,
    error_message: runErrorMessage(run),
  };
}
