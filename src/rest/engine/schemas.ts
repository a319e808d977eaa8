// Request and response schemas of seed 001's /workflows API, and the status object built from
// the domain's view of a workflow instance (a run).
import { z } from '@hono/zod-openapi';
import type { InstanceStatus } from '../../domain/workflow-instances.ts';
import { asStatus, RUN_STATUSES, STEP_STATUSES } from '../../domain/statuses.ts';
import { iso, JsonObject } from '../schemas.ts';
import { ENGINE_STATES, engineState } from '../statuses.ts';

const timestamp = (description: string) => z.string().nullable().openapi({ format: 'date-time', description });

/** The configuration of POST /workflows: a name, the definition's fields, and the run's input. */
export const EngineWorkflowConfig = z
  .object({
    name: z.string().min(1).max(255).openapi({
      description:
        "The workflow's name in the workspace. A live workflow of that name takes the submitted definition (a new version when it differs); otherwise one is created.",
      example: 'nightly-etl',
    }),
    description: z.string().max(5000).nullish().openapi({ description: "The workflow's description (kept when omitted)." }),
    input: JsonObject.nullish().openapi({
      description: "The run's input, read by steps as `${workflow.input.<name>}` and checked against the declared `inputs`.",
      example: { source: 's3://bucket/day.csv' },
    }),
    steps: z
      .union([z.array(JsonObject), JsonObject])
      .optional()
      .openapi({
        description:
          'The steps. Canonical: a list of `{id, type, dependsOn, input, ...}` (`type` agent, http, condition, transform, delay or wait). Also accepted: a list of `{name, step_type, depends_on_steps, ...}` (steps by name), or a `{<id>: {agent_name, next_step, input_mapping}}` map with `start_step`.',
        example: [{ id: 'extract', type: 'agent', agent: 'extractor', input: { url: '${workflow.input.source}' } }],
      }),
    inputs: z
      .array(JsonObject)
      .optional()
      .openapi({ description: 'Declared run inputs: `{name, type, required, default}` (canonical form).' }),
    outputs: JsonObject.optional().openapi({
      description: "The run's outputs as a mapping of references such as `${extract.output.rows}` (canonical form).",
    }),
    entry: z.array(z.string()).optional().openapi({ description: 'Steps to start from, when not every root should (canonical form).' }),
    start_step: z.string().optional().openapi({ description: 'The first step of a `{<id>: {...}}` steps map (chain form).' }),
    variables: JsonObject.optional().openapi({ description: 'Run inputs with their defaults (steps-by-name form).' }),
    nodes: z
      .array(JsonObject)
      .optional()
      .openapi({ description: 'The definition as `{id, type, action, input_from, config}` nodes (instead of `steps`).' }),
  })
  .loose()
  .openapi('EngineWorkflowConfig', {
    description:
      "A workflow configuration. Besides `name`, `description` and `input`, the body is the workflow's definition in any shape Flowdeck reads; it is validated (agents exist and are active, no cycles, references point upstream) and converted to the canonical form.",
  });

/** The `{id}` of /workflows/{id}: a workflow instance, which is a run. */
export const EngineWorkflowIdParam = z.object({
  id: z.string().openapi({
    param: { name: 'id', in: 'path' },
    description:
      'The workflow instance: the run id that POST /workflows returned (also accepted by /api/v1/runs/{run_id} and GraphQL `run(id:)`).',
  }),
});

const EngineStepStatus = z
  .object({
    id: z.string().openapi({ description: "The step's id in the definition." }),
    type: z.string().openapi({ description: 'agent, http, condition, transform, delay or wait.' }),
    status: z.enum(STEP_STATUSES).openapi({
      description: 'PENDING, RUNNING, WAITING (on a timer or signal), COMPLETED, FAILED, CANCELLED or SKIPPED (a branch not taken).',
    }),
    attempts: z.number().int().openapi({ description: 'Attempts made so far (0 before it starts).' }),
    output: z.unknown().nullable().openapi({ description: "The step's output once it completed; null before." }),
    error: z.string().nullable().openapi({ description: 'Why the step failed; null unless FAILED.' }),
    started_at: timestamp('When its first attempt started; null before.'),
    completed_at: timestamp('When it reached a final status; null before.'),
  })
  .openapi('EngineStepStatus', { description: 'One step of the workflow instance.' });

/** The status object every /workflows route answers with. */
export const EngineWorkflowStatus = z
  .object({
    id: z.string().openapi({ description: 'The instance id: the run id, used in /workflows/{id}.' }),
    workflow_id: z.string().openapi({
      description:
        "The instance id again, under the seed's name (where the seed generated `workflow-<timestamp>`, Flowdeck uses the run's id, which is unique without a clock).",
    }),
    name: z.string().openapi({ description: "The workflow's name." }),
    workflow_key: z.string().openapi({ description: "The workflow's key (seed 004's `workflow_id`)." }),
    version: z.number().int().openapi({ description: 'The version of the definition this instance executes.' }),
    state: z.enum(ENGINE_STATES).openapi({
      description: 'pending (accepted, not started), running, completed, failed, or stopped (by POST /workflows/{id}/stop or any cancel).',
    }),
    status: z.enum(RUN_STATUSES).openapi({ description: "Flowdeck's run status (CANCELLED where `state` says stopped)." }),
    progress: z
      .number()
      .min(0)
      .max(1)
      .openapi({ description: 'Fraction of the steps completed (or skipped): 1 when the instance completed.' }),
    steps_total: z.number().int().openapi({ description: 'Steps in the definition.' }),
    steps_completed: z.number().int().openapi({ description: 'Steps COMPLETED or SKIPPED.' }),
    steps_failed: z.number().int().openapi({ description: 'Steps FAILED.' }),
    current_steps: z.array(z.string()).openapi({ description: 'Steps running or waiting right now.' }),
    steps: z.array(EngineStepStatus).openapi({ description: 'Every step, in the definition order.' }),
    input: JsonObject.openapi({ description: 'The input the instance was started with (declared defaults applied).' }),
    outputs: z.unknown().openapi({
      description:
        "The workflow's outputs once completed (its declared `outputs` mapping resolved, else its final steps' outputs); null before.",
    }),
    error: z.string().nullable().openapi({ description: 'Why it failed or was stopped; null otherwise.' }),
    created_at: z.string().openapi({ format: 'date-time', description: 'When the configuration was accepted.' }),
    started_at: timestamp('When a worker started it; null while pending.'),
    completed_at: timestamp('When it completed, failed or was stopped; null while active.'),
    stopped_at: timestamp('When it was stopped; null unless stopped.'),
  })
  .openapi('EngineWorkflowStatus', { description: 'The status of a workflow instance.' });

const messageOf = (error: unknown): string | null => {
  const message = (error as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : null;
};

/** The status object of an instance. */
export function engineStatus(status: InstanceStatus): z.infer<typeof EngineWorkflowStatus> {
  const { run, workflow, progress } = status;
  const runStatus = asStatus(RUN_STATUSES, run.status);
  return {
    id: run.id,
    workflow_id: run.id,
    name: workflow.name,
    workflow_key: workflow.key,
    version: status.version,
    state: engineState(runStatus),
    status: runStatus,
    progress: progress.total === 0 ? 0 : progress.done / progress.total,
    steps_total: progress.total,
    steps_completed: progress.done,
    steps_failed: progress.failed,
    current_steps: status.current,
    steps: status.steps.map((step) => ({
      id: step.stepId,
      type: step.stepType,
      status: asStatus(STEP_STATUSES, step.status),
      attempts: step.attempt,
      output: step.output ?? null,
      error: step.status === 'FAILED' ? messageOf(step.error) : null,
      started_at: iso(step.startedAt),
      completed_at: iso(step.completedAt),
    })),
    input: (run.inputs ?? {}) as Record<string, unknown>,
    outputs: run.outputs ?? null,
    error: runStatus === 'FAILED' || runStatus === 'CANCELLED' ? messageOf(run.error) : null,
    created_at: run.createdAt.toISOString(),
    started_at: iso(run.startedAt),
    completed_at: iso(run.completedAt),
    stopped_at: iso(run.cancelledAt),
  };
}
