// Seed 002's request shapes (FastAPI/pydantic models of the MGX workflow API): these check the
// documented fields and apply their documented defaults; a bad field answers 400 with
// pydantic-style details. The definition's rules (step names, dependencies, agents, cycles) are
// the domain's, answered 400 with every problem named.
import { z } from '@hono/zod-openapi';
import type { StepListCreateInput } from '../../domain/step-list-workflows.ts';
import type { UpdateWorkflowInput } from '../../domain/schemas/workflow.ts';
import { JsonObject } from '../schemas.ts';
import { LEGACY_EXECUTION_STATUSES } from '../statuses.ts';

// Not JsonObject.nullable(): JsonObject's explicit `type: object` would hide the null.
const NullableObject = z.record(z.string(), z.unknown()).nullable();

const Metadata = (description: string) => JsonObject.optional().openapi({ description });
const METADATA_ALIAS = 'Same as `metadata` (the name the model uses internally); `metadata` wins when both are sent.';

/** The workspace a request acts in, as a query parameter (headers `X-Workspace-Id` / `X-Workspace-Slug` work too). */
const workspaceQuery = {
  workspace_id: z.string().optional().openapi({
    description: 'Workspace to act in (or send `X-Workspace-Id`); default: the `default` workspace. An unknown workspace is a 400.',
  }),
  workspace_slug: z.string().optional().openapi({ description: 'Workspace to act in, by slug (or send `X-Workspace-Slug`).' }),
};

/** Query parameters every route of this API accepts: the workspace. */
export const WorkspaceQuery = z.object(workspaceQuery);

/** Headers that select the workspace (as an alternative to the query parameters). */
export const WorkspaceHeaders = z.object({
  'x-workspace-id': z.string().optional().openapi({ description: 'Workspace to act in, by id.' }),
  'x-workspace-slug': z.string().optional().openapi({ description: 'Workspace to act in, by slug.' }),
});

const TRUE = ['true', 'True', 'TRUE', '1', 'yes', 'on'];
/** A boolean query parameter as FastAPI reads one (`true`/`false`, `1`/`0`, `yes`/`no`, `on`/`off`). */
const booleanQuery = (description: string) =>
  z
    .enum(['true', 'false', 'True', 'False', 'TRUE', 'FALSE', '1', '0', 'yes', 'no', 'on', 'off'])
    .transform((value) => TRUE.includes(value))
    .optional()
    .openapi({ description });

/**
 * Seed 002 answers "400 – … invalid project/workspace scoping". Flowdeck keeps no project
 * registry (projects belong to the caller's system, and workflows are scoped by workspace), so
 * a project id is checked for its form only: 1-255 characters, not blank, no control
 * characters. A well-formed id is the caller's label, stored and filtered on as sent.
 */
// eslint-disable-next-line no-control-regex -- control characters are what this refuses
const PROJECT_ID = /^(?!\s*$)[^\u0000-\u001F\u007F-\u009F]+$/;
const projectId = (description: string) =>
  z
    .string()
    // One problem per value, as pydantic reports it: the length first, then the form.
    .min(1, { abort: true })
    .max(255, { abort: true })
    .regex(PROJECT_ID, 'String should be a project id: not blank, without control characters')
    .openapi({ description, example: 'proj-docs' });

const pageQuery = {
  skip: z.coerce.number().int().min(0).default(0).openapi({ description: 'How many items to skip (default 0).' }),
  limit: z.coerce.number().int().min(1).max(100).default(10).openapi({ description: 'Page size, 1-100 (default 10).' }),
};

/** Query of GET /api/workflows/. */
export const WorkflowListQuery = z.object({
  ...workspaceQuery,
  ...pageQuery,
  project_id: projectId(
    'Only workflows carrying this project id (1-255 characters, no control characters; a malformed one is a 400).',
  ).optional(),
  is_active: booleanQuery('Only active (`true`) or only inactive (`false`) workflows; both when absent.'),
});

/** Query of GET /api/workflows/{workflow_id}. */
export const WorkflowGetQuery = z.object({
  ...workspaceQuery,
  include_steps: booleanQuery('Include `steps` and `variables` (default `true`); `false` answers them as empty lists.'),
});

/** Query of GET /api/workflows/{workflow_id}/executions. */
export const ExecutionListQuery = z.object({
  ...workspaceQuery,
  ...pageQuery,
  status: z.enum(LEGACY_EXECUTION_STATUSES).optional().openapi({ description: 'Only executions in this status.' }),
});

/** The `{workflow_id}` path parameter. */
export const WorkflowIdParam = z.object({
  workflow_id: z
    .string()
    .openapi({ param: { name: 'workflow_id', in: 'path' }, description: 'Workflow id (as `id` in WorkflowResponse).' }),
});

/** The `{execution_id}` path parameter. */
export const ExecutionIdParam = z.object({
  execution_id: z.string().openapi({
    param: { name: 'execution_id', in: 'path' },
    description: 'Execution id (as returned by execute; the same id names the run in /api/v1/runs and GraphQL).',
  }),
});

const StepCreate = z
  .looseObject({
    name: z.string().min(1).max(255).openapi({ description: 'Step name, unique in the workflow; `depends_on_steps` refers to it.' }),
    step_type: z.string().min(1).openapi({
      description:
        'What the step does: `task` (without `config.agent_name` it passes its input through, or applies `config.expression`), `agent` (calls the registered agent `config.agent_name`; a `task` with `config.agent_name` does too), `condition` (`config.field`, `operator`, `value`, `true_steps`, `false_steps`), `http` (`config.method`, `url`, `headers`, `body`), `transform` (`config.expression`, JSONata), `delay` (`config.duration_ms` or `seconds`), `wait` / `approval` / `human` (waits for a signal).',
      example: 'task',
    }),
    step_order: z
      .number()
      .int()
      .min(1)
      .openapi({ description: 'Order in the execution sequence (steps are listed by it; dependencies decide what runs when).' }),
    config: JsonObject.default({}).openapi({
      description:
        'Step configuration; `input_mapping` (values may reference `${workflow.input.<variable>}` or `${<step>.output.<field>}`) is the step input, and `retry_config` (`initial_delay_ms`, `max_delay_ms`, `backoff_multiplier`, `jitter`, `retry_on`) refines `max_retries`.',
    }),
    timeout_seconds: z
      .number()
      .positive()
      .nullable()
      .optional()
      .openapi({ description: 'Step timeout override, in seconds (at most one day).' }),
    max_retries: z
      .number()
      .int()
      .min(0)
      .max(10)
      .nullable()
      .optional()
      .openapi({ description: 'Retries of this step after a failed attempt.' }),
    agent_definition_id: z
      .string()
      .nullable()
      .optional()
      .openapi({ description: 'Kept as sent (agents are named by `config.agent_name`).' }),
    agent_instance_id: z.string().nullable().optional().openapi({ description: 'Kept as sent.' }),
    depends_on_steps: z
      .array(z.string())
      .default([])
      .openapi({ description: 'Names of the steps (in this request) that must finish first.' }),
    condition_expression: z.string().nullable().optional().openapi({ description: 'Kept as sent (conditions are `condition` steps).' }),
    metadata: Metadata('Free-form step metadata.'),
    meta_data: Metadata(METADATA_ALIAS),
  })
  .openapi('LegacyWorkflowStepCreate', { description: 'One step. Other fields (e.g. `description`) are kept as sent.' });

const VariableCreate = z
  .looseObject({
    name: z
      .string()
      .min(1)
      .max(255)
      .openapi({ description: 'Variable name: the key of `input_variables`, read as `${workflow.input.<name>}`.' }),
    data_type: z.string().min(1).openapi({
      description: 'Data type: `string`, `int`, `float`, `bool`, `json` (or `number`, `integer`, `boolean`, `object`, `array`).',
    }),
    is_required: z.boolean().default(false).openapi({ description: 'Whether executions must provide it.' }),
    default_value: z.unknown().optional().openapi({ description: 'Value used when an execution does not provide it (any JSON).' }),
    description: z.string().nullable().optional().openapi({ description: 'Variable description.' }),
    metadata: Metadata('Free-form variable metadata.'),
    meta_data: Metadata(METADATA_ALIAS),
  })
  .openapi('LegacyWorkflowVariableCreate', { description: 'One workflow variable (a declared execution input).' });

/** Body of POST /api/workflows/ and POST /api/workflows/validate. */
export const WorkflowCreate = z
  .object({
    name: z.string().min(1).max(255).openapi({ description: 'Workflow name, unique in the workspace.', example: 'Sequential Task' }),
    description: z.string().nullable().optional().openapi({ description: 'Workflow description.' }),
    project_id: projectId(
      'Project the workflow belongs to: 1-255 characters without control characters, or null for none. Flowdeck has no project registry, so any well-formed id is kept as sent; a malformed one is a 400.',
    )
      .nullable()
      .optional(),
    config: JsonObject.default({}).openapi({ description: 'Workflow configuration (stored and returned).' }),
    timeout_seconds: z
      .number()
      .int()
      .min(1)
      .max(31_536_000)
      .nullable()
      .default(3600)
      .openapi({ description: 'Execution timeout in seconds (default 3600): an execution still unfinished after it fails.' }),
    max_retries: z.number().int().min(0).max(10).nullable().default(3).openapi({
      description: 'Default maximum retries per step (default 3; stored and returned — each step retries per its own `max_retries`).',
    }),
    steps: z.array(StepCreate).default([]).openapi({ description: 'The steps (at least one is needed to create a workflow).' }),
    variables: z.array(VariableCreate).default([]).openapi({ description: 'The declared execution inputs.' }),
    outputs: JsonObject.optional().openapi({
      description:
        'Flowdeck extension: the execution result as a mapping of `${<step>.output...}` references; without it the result is the output of the last steps.',
    }),
    metadata: Metadata('Free-form workflow metadata (the preferred key).'),
    meta_data: Metadata(METADATA_ALIAS),
  })
  .openapi('LegacyWorkflowCreate');

/** Body of PATCH /api/workflows/{workflow_id}: only the given fields change (steps do not). */
export const WorkflowUpdate = z
  .object({
    name: z.string().min(1).max(255).optional().openapi({ description: 'New name, unique in the workspace.' }),
    description: z.string().nullable().optional().openapi({ description: 'New description (null clears it).' }),
    config: JsonObject.optional().openapi({ description: 'New configuration (replaces the old one).' }),
    timeout_seconds: z.number().int().min(1).max(31_536_000).optional().openapi({ description: 'New execution timeout in seconds.' }),
    max_retries: z.number().int().min(0).max(10).optional().openapi({ description: 'New default maximum retries per step.' }),
    project_id: projectId('Move the workflow to this project (null: to none); checked as on create.').nullable().optional(),
    is_active: z.boolean().optional().openapi({ description: 'Switch the workflow on (executable) or off.' }),
    metadata: Metadata('New metadata (replaces the old one).'),
    meta_data: Metadata(METADATA_ALIAS),
  })
  .openapi('LegacyWorkflowUpdate');

/** Body of POST /api/workflows/{workflow_id}/execute. */
export const ExecutionCreate = z
  .object({
    input_variables: NullableObject.default({}).openapi({
      description: "Input of the execution, keyed by the workflow's variable names.",
      example: { input: { hello: 'world' } },
    }),
    metadata: Metadata('Execution metadata; `requested_by` is recorded as who started it.'),
  })
  .openapi('LegacyWorkflowExecutionCreate');

type Body = z.output<typeof WorkflowCreate>;
type Loose = Record<string, unknown>;

/** `metadata`, or its alias `meta_data`, as one field (pydantic's alias handling). */
function withMetadata<T extends Loose>(item: T): Omit<T, 'meta_data'> & { metadata: Loose } {
  const { meta_data: alias, ...rest } = item;
  return { ...rest, metadata: (item.metadata ?? alias ?? {}) as Loose };
}

/** The steps list of a validated create body, as it is stored (aliases resolved, defaults applied). */
export function postedStepList(body: Body): StepListCreateInput['definition'] {
  return {
    steps: body.steps.map(withMetadata),
    variables: body.variables.map(withMetadata),
    ...(body.outputs ? { outputs: body.outputs } : {}),
  };
}

/** The domain's input for a validated create body. */
export function createInput(body: Body): StepListCreateInput {
  return {
    name: body.name,
    description: body.description,
    definition: postedStepList(body),
    metadata: body.metadata ?? body.meta_data ?? {},
    config: body.config,
    projectId: body.project_id,
    // pydantic's `workflow.timeout_seconds or 3600`: null means the default.
    timeoutSeconds: body.timeout_seconds ?? 3600,
    maxRetries: body.max_retries ?? 3,
  };
}

/** The domain's update for a validated PATCH body (absent fields stay absent). */
export function updateInput(body: z.output<typeof WorkflowUpdate>): UpdateWorkflowInput {
  return {
    name: body.name,
    description: body.description,
    config: body.config,
    timeoutSeconds: body.timeout_seconds,
    maxRetries: body.max_retries,
    projectId: body.project_id,
    status: body.is_active === undefined ? undefined : body.is_active ? 'ACTIVE' : 'INACTIVE',
    metadata: body.metadata ?? body.meta_data,
  };
}
