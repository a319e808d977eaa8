// Seed 002's execution responses (WorkflowExecutionResponse with its step executions, the
// status snapshot, submission and cancellation), and the functions that build them.
// Seed 002 documents no statuses: they are Flowdeck's run and step statuses in lower case (see
// src/rest/statuses.ts), as closed enums; durations are in seconds.
import { z } from '@hono/zod-openapi';
import type { Run, Workflow, WorkflowVersion } from '../../db/models.ts';
import type { StepExecution } from '../../domain/run-queries.ts';
import { asStatus, RUN_STATUSES, STEP_STATUSES } from '../../domain/statuses.ts';
import type { ExecutionDetail } from '../../domain/workflow-executions.ts';
import { iso, JsonObject } from '../schemas.ts';
import { LEGACY_EXECUTION_STATUSES, LEGACY_STEP_STATUSES, legacyExecutionStatus, legacyStepStatus } from '../statuses.ts';
import { LegacyWorkflow, LegacyWorkflowStep, stepsOf, workflowView } from './views.ts';

// Not JsonObject.nullable(): JsonObject's explicit `type: object` would hide the null.
const NullableObject = z.record(z.string(), z.unknown()).nullable();

/** An execution's status. */
export const ExecutionStatus = z.enum(LEGACY_EXECUTION_STATUSES).openapi({
  description:
    '`pending` (accepted, waiting for a worker), `running` (including waiting on a timer or a signal), `completed`, `failed` (a step failed, or the execution timed out) or `cancelled`.',
});
/** A step execution's status. */
export const StepStatus = z.enum(LEGACY_STEP_STATUSES).openapi({
  description:
    '`pending`, `running` (including waiting on a timer or a signal), `completed`, `failed`, `cancelled` or `skipped` (a branch not taken).',
});
/** A nullable date-time field. */
export const timestamp = (description: string) => z.string().nullable().openapi({ format: 'date-time', description });
/** A nullable duration in seconds. */
export const seconds = (description: string) =>
  z
    .number()
    .nullable()
    .openapi({ description: `${description}, in seconds.` });
/** Any JSON value, null included; always sent, so required in the document (a bare z.unknown() is optional there). */
export const Json = z
  .unknown()
  .refine((value) => value !== undefined)
  .openapi({ description: 'Any JSON value, or null.' });

/** The answer of POST /api/workflows/{workflow_id}/execute. */
export const LegacyExecutionSubmitted = z
  .object({
    status: z.literal('submitted').openapi({ description: 'Always `submitted`.' }),
    execution_id: z.string().openapi({ description: 'The new execution (a run: the same id in /api/v1/runs and GraphQL).' }),
    message: z.literal('Workflow execution started successfully').openapi({ description: 'Always this message.' }),
    workflow_id: z.string().openapi({ description: 'The workflow.' }),
  })
  .openapi('LegacyExecutionSubmitted');

/** WorkflowStepExecutionResponse. */
export const LegacyStepExecution = z
  .object({
    id: z.string().openapi({ description: 'Id of this step execution.' }),
    execution_id: z.string().openapi({ description: 'The execution (also a run id for /api/v1/runs and GraphQL `run(id:)`).' }),
    step_id: z.string().openapi({ description: 'The step (as `id` in the workflow steps).' }),
    status: StepStatus,
    input_data: Json.openapi({ description: "The step's resolved input (its latest attempt's), or null before it started." }),
    output_data: Json.openapi({ description: "The step's output, or null." }),
    results: Json.openapi({ description: 'Same as `output_data`.' }),
    started_at: timestamp('When the step started.'),
    completed_at: timestamp('When it finished.'),
    duration: seconds('`completed_at - started_at`'),
    retry_count: z.number().int().openapi({ description: 'Attempts after the first.' }),
    error_message: z.string().nullable().openapi({ description: 'Why it failed, or `Cancelled`; null otherwise.' }),
    error_details: NullableObject.openapi({ description: 'The recorded error (status code, body, attempt, ...), or null.' }),
    metadata: JsonObject.openapi({ description: 'Always empty.' }),
    created_at: z.string().openapi({ format: 'date-time', description: 'When it was created.' }),
    updated_at: z.string().openapi({ format: 'date-time', description: 'When it last changed.' }),
    // A union, not .nullable(): a registered component made nullable loses its null in the document.
    step: z
      .union([LegacyWorkflowStep, z.null()])
      .openapi({ description: 'The step definition (null if the definition no longer names it).' }),
  })
  .openapi('LegacyStepExecution');

/** WorkflowExecutionResponse. */
export const LegacyExecution = z
  .object({
    id: z.string().openapi({ description: 'The execution (also a run id for /api/v1/runs and GraphQL `run(id:)`).' }),
    workflow_id: z.string().openapi({ description: 'The workflow.' }),
    workspace_id: z.string().openapi({ description: 'The workspace.' }),
    project_id: z.string().nullable().openapi({ description: "The workflow's project id, or null." }),
    execution_number: z.number().int().openapi({ description: "Its number among the workflow's executions (1 for the first)." }),
    status: ExecutionStatus,
    input_variables: NullableObject.openapi({ description: 'The input (variable defaults applied).' }),
    results: Json.openapi({
      description: 'The result once completed (the `outputs` mapping, else the last steps’ outputs by step id), else null.',
    }),
    started_at: timestamp('When a worker started it.'),
    completed_at: timestamp('When it finished (completed, failed or cancelled).'),
    duration: seconds('`completed_at - started_at`'),
    error_message: z.string().nullable().openapi({ description: 'Why it failed, or `Cancelled`; null otherwise.' }),
    error_details: NullableObject.openapi({ description: 'The recorded error (e.g. `stepId`), or null.' }),
    metadata: JsonObject.openapi({ description: '`triggered_by` (`api`, `schedule`, `retry`, `rerun`) and `requested_by` when given.' }),
    created_at: z.string().openapi({ format: 'date-time', description: 'When it was created.' }),
    updated_at: z.string().openapi({ format: 'date-time', description: 'When it last changed.' }),
    definition: z
      .union([LegacyWorkflow, z.null()])
      .openapi({ description: 'The workflow at the version executed (details only; null in lists).' }),
    step_executions: z
      .array(LegacyStepExecution)
      .openapi({ description: 'Its steps, in the order they started (details only; empty in lists).' }),
  })
  .openapi('LegacyExecution');

/** WorkflowExecutionListResponse. */
export const LegacyExecutionList = z
  .object({
    items: z.array(LegacyExecution).openapi({ description: 'The executions of this page.' }),
    total: z.number().int().openapi({ description: 'Executions matching, across pages.' }),
    skip: z.number().int().openapi({ description: 'As requested.' }),
    limit: z.number().int().openapi({ description: 'As requested.' }),
  })
  .openapi('LegacyExecutionList');

/** The lightweight status snapshot. */
export const LegacyExecutionStatus = z
  .object({
    execution_id: z.string().openapi({ description: 'The execution (also a run id for /api/v1/runs and GraphQL `run(id:)`).' }),
    workflow_id: z.string().openapi({ description: 'The workflow.' }),
    status: ExecutionStatus,
    started_at: timestamp('When a worker started it.'),
    completed_at: timestamp('When it finished.'),
    duration: seconds('`completed_at - started_at`'),
    error_message: z.string().nullable().openapi({ description: 'Why it failed, or `Cancelled`; null otherwise.' }),
    results: Json.openapi({ description: 'The result once completed, else null.' }),
  })
  .openapi('LegacyExecutionStatus');

/** The answer of POST /api/workflows/executions/{execution_id}/cancel. */
export const LegacyExecutionCancelled = z
  .object({
    status: z.literal('cancelled').openapi({ description: 'Always `cancelled`.' }),
    execution_id: z.string().openapi({ description: 'The execution (also a run id for /api/v1/runs and GraphQL `run(id:)`).' }),
    message: z.literal('Workflow execution cancelled successfully').openapi({ description: 'Always this message.' }),
  })
  .openapi('LegacyExecutionCancelled');

/** A stored run status in this API's words. */
const executionStatus = (status: string) => legacyExecutionStatus(asStatus(RUN_STATUSES, status));
/** A stored step status in this API's words (a waiting step is running). */
const stepStatus = (status: string) => legacyStepStatus(asStatus(STEP_STATUSES, status));
const secondsBetween = (from: Date | null, to: Date | null) => (from && to ? (to.getTime() - from.getTime()) / 1000 : null);
/** Milliseconds as seconds. */
export const sec = (ms: number | null) => (ms === null ? null : ms / 1000);
const objectOrNull = (value: unknown) =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
/** The `message` of a recorded error, or null. */
export const messageOf = (error: unknown): string | null => {
  const message = objectOrNull(error)?.message;
  return typeof message === 'string' ? message : null;
};

function stepExecutionView(run: Run, s: StepExecution, steps: ReturnType<typeof stepsOf>): z.output<typeof LegacyStepExecution> {
  const { step } = s;
  return {
    id: step.id,
    execution_id: run.id,
    step_id: step.stepId,
    status: stepStatus(step.status),
    input_data: s.input ?? null,
    output_data: step.output ?? null,
    results: step.output ?? null,
    started_at: iso(step.startedAt),
    completed_at: iso(step.completedAt),
    duration: secondsBetween(step.startedAt, step.completedAt),
    retry_count: Math.max(0, step.attempt - 1),
    error_message: messageOf(step.error),
    error_details: objectOrNull(step.error),
    metadata: {},
    created_at: step.createdAt.toISOString(),
    updated_at: step.updatedAt.toISOString(),
    step: steps.find((d) => d.id === step.stepId) ?? null,
  };
}

/** WorkflowExecutionResponse of a run; `detail` (GET by id) adds the definition and the step executions. */
export function executionView(
  run: Run,
  number: number,
  workflow: Workflow,
  detail?: { version: WorkflowVersion; steps: StepExecution[] },
): z.output<typeof LegacyExecution> {
  const steps = detail ? stepsOf(workflow.id, detail.version) : [];
  return {
    id: run.id,
    workflow_id: run.workflowId,
    workspace_id: run.workspaceId,
    project_id: workflow.projectId,
    execution_number: number,
    status: executionStatus(run.status),
    input_variables: objectOrNull(run.inputs),
    results: run.outputs ?? null,
    started_at: iso(run.startedAt),
    completed_at: iso(run.completedAt),
    duration: secondsBetween(run.startedAt, run.completedAt),
    error_message: messageOf(run.error),
    error_details: objectOrNull(run.error),
    metadata: { triggered_by: run.triggeredBy.toLowerCase(), ...(run.triggeredByUser ? { requested_by: run.triggeredByUser } : {}) },
    created_at: run.createdAt.toISOString(),
    updated_at: run.updatedAt.toISOString(),
    definition: detail ? { ...workflowView(workflow, detail.version), version: detail.version.version } : null,
    step_executions: detail ? detail.steps.map((s) => stepExecutionView(run, s, steps)) : [],
  };
}

/** The full execution view of a domain detail. */
export function executionDetailView(d: ExecutionDetail): z.output<typeof LegacyExecution> {
  return executionView(d.run, d.number, d.workflow, { version: d.version, steps: d.steps });
}

/** The status snapshot of a run. */
export function statusView(run: Run): z.output<typeof LegacyExecutionStatus> {
  return {
    execution_id: run.id,
    workflow_id: run.workflowId,
    status: executionStatus(run.status),
    started_at: iso(run.startedAt),
    completed_at: iso(run.completedAt),
    duration: secondsBetween(run.startedAt, run.completedAt),
    error_message: messageOf(run.error),
    results: run.outputs ?? null,
  };
}
