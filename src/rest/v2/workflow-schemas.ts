// Seed 003's workflow bodies (/api/v2/workflows): requests check the documented shape (a bad
// field answers 400 with pydantic-style details); the domain decides the rules on the nodes
// themselves (node types, agents, references, name uniqueness).
import { z } from '@hono/zod-openapi';
import type { Workflow, WorkflowVersion } from '../../db/models.ts';
import { nodesSourceOf, releaseLabelOf } from '../../domain/workflow-releases.ts';
import { JsonObject } from '../schemas.ts';

const STATUSES = ['active', 'archived'] as const;

/** The `success` flag every v2 answer carries (errors carry `false`). */
export const Success = z.literal(true).openapi({ description: 'Always `true` in a successful answer.' });

/** One node of a v003 definition. Other fields (`name`, `description`, `timeout_ms`, `retry_config`) are kept. */
export const V2Node = z
  .looseObject({
    id: z.string().min(1).openapi({ description: 'Unique node id within the workflow, e.g. `step_1`.', example: 'step_1' }),
    type: z.string().min(1).openapi({
      description:
        '`agent` or `integration` (also `tool`, `action`): calls the agent named by `action` (or by `config.agent`, `action` then naming the action); `condition`: tests `config.field` (a JSONPath such as `$.deployment.status`) with `config.operator` against `config.value`, and runs the nodes that take their input from it only when it holds; `http` (`config.method`, `url`, `headers`, `body`); `transform` (`config.expression`); `delay` (`config.duration_ms` or `seconds`); `wait`/`approval` (waits for a signal).',
      example: 'integration',
    }),
    action: z
      .string()
      .optional()
      .openapi({ description: 'The agent (or tool) an agent-like node calls; a label for the others.', example: 'slack.post_message' }),
    input_from: z
      .union([z.string(), z.array(z.string())])
      .optional()
      .openapi({
        description: 'The node(s) this one runs after; an agent node receives their output as `input` (one) or `inputs` (several).',
        example: 'step_1',
      }),
    config: JsonObject.optional().openapi({
      description:
        'Node settings; for agent nodes, the fields sent to the agent besides the output of `input_from` (`input_mapping` replaces all of it).',
    }),
  })
  .openapi('V2WorkflowNode', { description: 'One step of the workflow.' });

/** The definition document: nodes plus declared inputs and outputs. */
export const V2Definition = z
  .looseObject({
    nodes: z.array(V2Node).openapi({ description: 'The workflow steps.' }),
    inputs: JsonObject.optional().openapi({
      description:
        'Declared inputs, keyed by name: `{type, description, default, required}` (or a type name). Run inputs are checked against them; undeclared inputs are passed through.',
      example: { date_range: { type: 'string', default: 'LAST_WEEK' } },
    }),
    outputs: JsonObject.optional().openapi({
      description:
        'The run output: keys mapped to `${<node>.output.<field>}` references, or described as JSON Schemas (`{type: "string"}`). Empty: the outputs of the last nodes, keyed by node id.',
    }),
  })
  .openapi('V2WorkflowDefinition', { description: 'A workflow definition: an object with a `nodes` array.' });

const Name = z
  .string()
  .trim()
  .min(1)
  .max(255)
  .openapi({ description: 'Display name, unique in the tenant (1-255 characters).', example: 'Deploy Notification' });
const Description = z.string().nullable().optional().openapi({ description: 'What the workflow does.' });
const Version = z.string().openapi({ description: 'Semantic version, e.g. `1.0.0`.', example: '1.0.0' });

/** Body of POST /api/v2/workflows. */
export const V2WorkflowCreate = z
  .object({
    name: Name,
    description: Description,
    definition: V2Definition,
    version: Version.default('1.0.0').openapi({ description: 'Semantic version string. Default: `1.0.0`.' }),
  })
  .openapi('V2WorkflowCreate');

/** Body of PATCH /api/v2/workflows/:id: every field optional. */
export const V2WorkflowUpdate = z
  .object({
    name: Name.optional(),
    description: Description,
    definition: V2Definition.optional().openapi({ description: 'A new definition (with a `nodes` array); a change makes a new version.' }),
    version: Version.optional().openapi({
      description: 'A new semantic version: the workflow gets a new version with this label (and the given or current definition).',
    }),
    status: z.enum(STATUSES).optional().openapi({ description: '`active` (executable) or `archived` (readable, not executable).' }),
  })
  .openapi('V2WorkflowUpdate', { description: 'Only the given fields change.' });

/** The `:id` path parameter. */
export const V2WorkflowIdParam = z.object({
  id: z.string().openapi({
    param: { name: 'id', in: 'path' },
    description: 'The workflow ID (a UUID).',
    example: 'a1b2c3d4-e5f6-7890-abcd-ef1234567890',
  }),
});

/** Query of GET /api/v2/workflows. */
export const V2WorkflowListQuery = z.object({
  status: z.enum(STATUSES).optional().openapi({ description: 'Filter by status: active or archived.' }),
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(1000)
    .default(50)
    .openapi({ description: 'Maximum number of workflows to return (1-1000). Default: `50`.' }),
  offset: z.coerce.number().int().min(0).default(0).openapi({ description: 'Pagination offset. Default: `0`.' }),
});

const fields = {
  id: z.string().openapi({ description: 'The workflow ID (a UUID).' }),
  customer_id: z.string().openapi({ description: 'The tenant the workflow belongs to.' }),
  name: z.string().openapi({ description: 'Display name, unique in the tenant.' }),
  description: z.string().nullable().openapi({ description: 'What the workflow does.' }),
  version: z.string().openapi({ description: 'Semantic version of the current definition.', example: '1.0.0' }),
  status: z.enum(STATUSES).openapi({ description: '`active` (executable) or `archived` (not executable).' }),
  created_by: z.string().nullable().openapi({
    description:
      "The user who created it: the token's `sub` (`apikey:<key id>` for an API key), whichever API it was created through; null when nobody was signed in (AUTH_MODE=none).",
    example: '8f3a2b1c-4d5e-6f7a-8b9c-0d1e2f3a4b5c',
  }),
  created_at: z.string().openapi({ format: 'date-time', description: 'When it was created (ISO 8601).' }),
  updated_at: z.string().openapi({ format: 'date-time', description: 'When it last changed (ISO 8601).' }),
};

/** A workflow in lists: everything but the definition. */
export const V2WorkflowSummary = z.object(fields).openapi('V2WorkflowSummary');

/** A workflow with its definition. */
export const V2Workflow = z
  .object({
    id: fields.id,
    customer_id: fields.customer_id,
    name: fields.name,
    description: fields.description,
    definition: V2Definition.openapi({
      description: 'The definition as posted (one created through another API is shown in the nodes form).',
    }),
    version: fields.version,
    status: fields.status,
    created_by: fields.created_by,
    created_at: fields.created_at,
    updated_at: fields.updated_at,
  })
  .openapi('V2Workflow');

/** `{success, workflow}` with the definition. */
export const V2WorkflowResponse = z.object({ success: Success, workflow: V2Workflow }).openapi('V2WorkflowResponse');

/** `{success, workflows, count}`. */
export const V2WorkflowListResponse = z
  .object({
    success: Success,
    workflows: z.array(V2WorkflowSummary).openapi({ description: 'This page, newest first.' }),
    count: z.number().int().openapi({ description: 'Workflows matching the filter, across all pages.' }),
  })
  .openapi('V2WorkflowListResponse');

/** The documented answer of PATCH. */
export const V2WorkflowPatchResponse = z
  .object({
    success: Success,
    workflow: z
      .object({ id: fields.id, name: fields.name, status: fields.status, updated_at: fields.updated_at })
      .openapi({ description: 'The changed workflow: its id, name, status and when it changed.' }),
  })
  .openapi('V2WorkflowPatchResponse');

/** `{success, message}`. */
export const V2MessageResponse = z
  .object({ success: Success, message: z.string().openapi({ description: 'What was done.' }) })
  .openapi('V2MessageResponse');

const SchemaDoc = JsonObject.openapi({ description: 'A JSON Schema (`type: object`, `properties`, ...).' });

/** `{success, schema: {inputs, outputs}}`. */
export const V2SchemaResponse = z
  .object({
    success: Success,
    schema: z
      .object({
        inputs: SchemaDoc.openapi({
          description: 'JSON Schema of a run input, from the declared `inputs` (undeclared keys are accepted).',
        }),
        outputs: SchemaDoc.openapi({ description: 'JSON Schema of a completed run output, from `outputs` (or the last nodes).' }),
      })
      .openapi({ description: 'The input and output schemas of the current definition.' }),
  })
  .openapi('V2SchemaResponse');

/** The documented status of a workflow: only ACTIVE ones run; INACTIVE (set elsewhere) reads as archived too. */
export const v2WorkflowStatus = (workflow: Pick<Workflow, 'status'>): (typeof STATUSES)[number] =>
  workflow.status === 'ACTIVE' ? 'active' : 'archived';

/** The domain statuses a documented status filter selects. */
export const V2_STATUS_FILTERS = { active: ['ACTIVE'], archived: ['INACTIVE', 'ARCHIVED'] } as const;

/** A workflow in a list. */
export function workflowSummary(workflow: Workflow, version: WorkflowVersion): z.output<typeof V2WorkflowSummary> {
  return {
    id: workflow.id,
    customer_id: workflow.tenantId,
    name: workflow.name,
    description: workflow.description,
    version: releaseLabelOf(version),
    status: v2WorkflowStatus(workflow),
    created_by: workflow.createdBy,
    created_at: workflow.createdAt.toISOString(),
    updated_at: workflow.updatedAt.toISOString(),
  };
}

/** A workflow with its definition, in the documented key order. */
export function workflowBody(workflow: Workflow, version: WorkflowVersion): z.output<typeof V2Workflow> {
  const { id, customer_id, name, description, ...rest } = workflowSummary(workflow, version);
  const definition = nodesSourceOf(version) as z.output<typeof V2Definition>;
  return { id, customer_id, name, description, definition, ...rest };
}
