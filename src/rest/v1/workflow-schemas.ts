// Seed 004's workflow request and response bodies. These check the documented shape (a bad
// field answers 422 with pydantic-style details); the domain decides the rules on the chain
// itself (agents, cycles, reachability, name uniqueness), answered with 400.
import { z } from '@hono/zod-openapi';
import type { Workflow, WorkflowVersion } from '../../db/models.ts';
import { chainSourceOf, type ChainUpdateInput } from '../../domain/definition/chain.ts';
import type { WorkflowPageFilter, WorkflowPageOrder } from '../../domain/workflows.ts';
import type { WorkflowStatus } from '../../domain/statuses.ts';
import { DescriptorFields, HistoryWorkflowDescriptor } from '../history/descriptor.ts';
import { JsonObject, PageQuery, pageOf } from '../schemas.ts';

const STATUSES = ['active', 'inactive', 'deleted'] as const;
type Status = (typeof STATUSES)[number];

/** One step as posted: extra fields (`name`, `description`, `timeout_ms`, `retry_config`) are kept. */
const StepDefinition = z
  .looseObject({
    id: z.string().min(1).openapi({ description: 'Unique step identifier within the workflow; must equal its key in `steps`.' }),
    agent_name: z.string().min(1).openapi({ description: 'Name of the (active) agent that executes this step.' }),
    next_step: z.string().nullable().optional().openapi({ description: 'Id of the next step; null or absent for the final step.' }),
    input_mapping: JsonObject.openapi({
      description:
        'Input of the step: values may reference `${workflow.input.<field>}` or `${<step_id>.output.<field>}`; other values are passed as they are.',
    }),
  })
  .openapi('StepDefinition', {
    description: 'One step of the chain. Also accepted: `name`, `description`, `timeout_ms` and `retry_config` (as for agents).',
  });

const Steps = z.record(z.string(), StepDefinition).openapi({ description: 'Step definitions keyed by step id.' });
const StartStep = z.string().min(1).openapi({ description: 'Id of the first step to execute.' });
const Description = z.string().nullable().optional().openapi({ description: 'Human-readable description.' });

/** Body of POST /api/v1/workflows. */
export const WorkflowCreate = z
  .object({
    name: z
      .string()
      .min(1)
      .max(255)
      .openapi({ description: 'Unique workflow name (1-255 characters).', example: 'data-processing-pipeline' }),
    description: Description,
    start_step: StartStep,
    steps: Steps,
  })
  .openapi('WorkflowCreate');

/** Body of PUT /api/v1/workflows/{workflow_id}: every field optional. */
export const WorkflowUpdate = z
  .object({
    description: Description,
    start_step: StartStep.optional(),
    steps: Steps.optional(),
    status: z.enum(['active', 'inactive']).optional().openapi({ description: 'Switch the workflow on or off (DELETE deletes it).' }),
  })
  .openapi('WorkflowUpdate', {
    description:
      'Only the given fields change. A `start_step` or `steps` that changes the chain makes a new version (new `id`, `version` + 1); `start_step` or `steps` given alone keeps the other from the current version.',
  });

/** Body of POST /api/v1/workflows/{workflow_id}/execute. */
export const ExecuteRequest = z
  .object({
    input_data: JsonObject.openapi({
      description: 'Input of the run: keys match the `${workflow.input.<field>}` references of the steps.',
      example: { data_source: 'https://api.example.com/data', format: 'json' },
    }),
    conversation_id: z.string().min(1).max(255).nullish().openapi({
      description:
        'Optional: the conversation (chat thread) the run belongs to; stored on the run and filterable in `/api/v1/workflows/runs`.',
    }),
    user_id: z
      .string()
      .min(1)
      .max(255)
      .nullish()
      .openapi({ description: 'Optional: the end user the run is for; stored on the run and shown in `/api/v1/workflows/runs`.' }),
  })
  .openapi('ExecuteWorkflowRequest');

const ChainStepBody = z
  .looseObject({
    id: z.string().optional().openapi({ description: 'Step id (its key in `steps`).' }),
    agent_name: z.string().openapi({ description: 'Agent executing the step.' }),
    next_step: z.string().nullable().optional().openapi({ description: 'Next step id; null for the final step.' }),
    input_mapping: z.unknown().optional().openapi({ description: 'Input mapping, as posted.' }),
  })
  .openapi('ChainStep', { description: 'One step of a chain definition, as posted.' });

const ChainData = z
  .object({
    start_step: z.string().openapi({ description: 'Id of the first step.' }),
    steps: z.record(z.string(), ChainStepBody).openapi({ description: 'Steps keyed by id.' }),
  })
  .openapi('WorkflowChainData', { description: 'The definition as a `{start_step, steps}` chain.' });

const CanonicalData = z
  .looseObject({ steps: z.array(JsonObject).openapi({ description: 'Canonical steps (`id`, `type`, `dependsOn`, `input`, ...).' }) })
  .openapi('WorkflowCanonicalData', {
    description: 'The canonical definition, for a version created elsewhere (GraphQL, another API) that no chain can express exactly.',
  });

/** A workflow (one of its versions) as seed 004 returns it. */
export const WorkflowBody = z
  .object({
    id: z.string().openapi({
      description:
        "The workflow's id (a UUID) for its current version, the same across updates; a superseded version (listed by `/versions`) has an id of its own, which reads that version as it was.",
    }),
    name: z.string().openapi({ description: 'Unique workflow name.' }),
    description: z.string().nullable().openapi({ description: 'Human-readable description.' }),
    version: z.number().int().openapi({ description: 'Version number: 1, then one more for each change of the chain.' }),
    workflow_data: z.union([ChainData, CanonicalData]).openapi({
      description: 'The definition: `start_step` and `steps` as posted (or rendered as a chain from a version created elsewhere).',
    }),
    status: z.enum(STATUSES).openapi({
      description: '`active` (executable), `inactive` (switched off, or an older version), or `deleted`.',
    }),
    created_at: z.string().openapi({ format: 'date-time', description: 'When this version was created (ISO 8601).' }),
    updated_at: z.string().openapi({ format: 'date-time', description: 'When this version or the workflow last changed (ISO 8601).' }),
  })
  .openapi('Workflow');

/** A workflow read by id (GET /{workflow_id}): seed 004's body plus seed 000's descriptor fields. */
export const WorkflowWithDescriptor = WorkflowBody.extend({
  ...DescriptorFields.shape,
  steps: DescriptorFields.shape.steps.openapi({ description: 'Steps of this version, in definition order.' }),
}).openapi('WorkflowWithDescriptor', {
  description:
    "Seed 004's workflow, seen through the version the id names (the current one for the workflow's own id), extended with that version's descriptor fields of seed 000 (`key`, `steps`, `stages`, `agents`, `max_turns`, `reducers`, `handoffs`, `input_schema`, `output_schema`).",
});

/** GET /{workflow_id}: by id, seed 004's workflow extended; by key, seed 000's descriptor. */
export const WorkflowOrDescriptor = z.union([WorkflowWithDescriptor, HistoryWorkflowDescriptor]).openapi(
  'WorkflowOrDescriptor',
  {
    description:
      '`WorkflowWithDescriptor` when the path holds an id (of the workflow or of any of its versions), `HistoryWorkflowDescriptor` when it holds a key.',
  },
  // Exactly one matches: only the descriptor has `workflow_id`, only seed 004's body has `workflow_data`.
  { unionPreferredType: 'oneOf' },
);

/** A page of workflows. */
export const WorkflowPage = pageOf(WorkflowBody, 'WorkflowPage');

/** A page of a workflow's versions. */
export const WorkflowVersionPage = pageOf(WorkflowBody, 'WorkflowVersionPage');

const SORTS = { name: 'name', created_at: 'versionCreatedAt', updated_at: 'updatedAt', version: 'version' } as const;

/** Query of GET /api/v1/workflows. */
export const WorkflowListQuery = PageQuery.extend({
  status: z
    .enum(STATUSES)
    .optional()
    .openapi({ description: 'Only workflows in this status (deleted ones are listed only when asked for).' }),
  name: z.string().optional().openapi({ description: 'Only the workflow with exactly this name.' }),
  sort_by: z
    .enum(['name', 'created_at', 'updated_at', 'version'])
    .default('created_at')
    .openapi({ description: 'Sort field (`created_at` is when the current version was created).' }),
  sort_order: z.enum(['asc', 'desc']).default('desc').openapi({ description: 'Sort order.' }),
});

/** The path parameter of GET /{workflow_id}, which also takes a key. */
export const WorkflowIdOrKeyParam = z.object({
  workflow_id: z.string().openapi({
    param: { name: 'workflow_id', in: 'path' },
    description:
      "The workflow's id (its current version), or a superseded version's own id (that version is read, as `inactive`), as seed 004 names workflows; or the workflow key (`workflow_key`), as seed 000 names them. Ids are tried first.",
  }),
});

/** The `{workflow_id}` path parameter. */
export const WorkflowIdParam = z.object({
  workflow_id: z.string().openapi({
    param: { name: 'workflow_id', in: 'path' },
    description: "The workflow's id, or the id of any of its versions (it names the workflow).",
  }),
});

/** The `{workflow_id}` path parameter of execute, which refuses an older version's id. */
export const WorkflowExecuteParam = z.object({
  workflow_id: z.string().openapi({
    param: { name: 'workflow_id', in: 'path' },
    description: "The workflow's id. A superseded version's own id answers 400: that version is inactive.",
  }),
});

const STATUS_FILTERS: Record<Status, WorkflowStatus[]> = { active: ['ACTIVE'], inactive: ['INACTIVE', 'ARCHIVED'], deleted: ['DELETED'] };

/** The domain's filter and order for a validated list query. */
export function listArgs(query: z.output<typeof WorkflowListQuery>): { filter: WorkflowPageFilter; order: WorkflowPageOrder } {
  return {
    filter: { statuses: query.status ? STATUS_FILTERS[query.status] : null, name: query.name },
    order: { field: SORTS[query.sort_by], direction: query.sort_order },
  };
}

/** The domain's chain update for a validated PUT body (absent fields stay absent). */
export function updateInput(body: z.output<typeof WorkflowUpdate>): ChainUpdateInput {
  return {
    description: body.description,
    start_step: body.start_step,
    steps: body.steps,
    status: body.status === undefined ? undefined : body.status === 'active' ? 'ACTIVE' : 'INACTIVE',
  };
}

function statusOf(workflow: Workflow, current: boolean): Status {
  if (workflow.deletedAt || workflow.status === 'DELETED') return 'deleted';
  // Seed 004 keeps one row per version and shows the superseded ones as inactive.
  if (!current) return 'inactive';
  return workflow.status === 'ACTIVE' ? 'active' : 'inactive';
}

/**
 * The id seed 004 shows for a version. The current version is named by the workflow's own id,
 * which therefore never changes: the guide's create answer, its `/versions` example (the same id
 * as version 3, `active`, beside version 2's own id, `inactive`) and its scripts (update, then
 * execute, through one WORKFLOW_ID) all keep one id for the live workflow. A superseded version
 * keeps an id of its own, which reads that version as it was.
 */
export function versionPublicId(workflow: Workflow, version: WorkflowVersion): string {
  return version.id === workflow.currentVersionId ? workflow.id : version.id;
}

/** The documented body of `workflow` seen through `version`. */
export function workflowBody(workflow: Workflow, version: WorkflowVersion): z.output<typeof WorkflowBody> {
  const current = version.id === workflow.currentVersionId;
  return {
    id: versionPublicId(workflow, version),
    name: workflow.name,
    description: workflow.description,
    version: version.version,
    workflow_data: (chainSourceOf(version) ?? version.definition) as z.output<typeof WorkflowBody>['workflow_data'],
    status: statusOf(workflow, current),
    created_at: version.createdAt.toISOString(),
    // A superseded version never changes again.
    updated_at: (current ? workflow.updatedAt : version.createdAt).toISOString(),
  };
}
