// Seed 000's workflow descriptor (GET /api/v1/workflows/{workflow_key}): the response schemas
// and their mapping from the domain's descriptor. Served by seed 004's GET /{workflow_id}
// route (../v1/workflows.ts), which answers a key with this descriptor and an id with seed
// 004's workflow extended with {@link DescriptorFields}.
import { z } from '@hono/zod-openapi';
import type { WorkflowDescriptor } from '../../domain/workflow-descriptor.ts';
import { STEP_TYPES } from '../../domain/definition/schema.ts';
import { JsonObject } from '../schemas.ts';

const DescriptorStep = z
  .object({
    id: z.string().openapi({ description: 'Step id, unique in the workflow.' }),
    name: z.string().nullable().openapi({ description: 'Display name, when the definition gives one.' }),
    description: z.string().nullable().openapi({ description: 'Description, when the definition gives one.' }),
    type: z.enum(STEP_TYPES).openapi({
      description:
        '`agent` (calls an agent), `http` (calls a URL), `condition` (chooses a branch), `transform` (reshapes data), `delay` (waits a fixed time), `wait` (waits for an external signal).',
    }),
    agent: z.string().nullable().openapi({ description: 'The agent an `agent` step calls; null for other types.' }),
    action: z.string().nullable().openapi({ description: 'The action an `agent` step asks its agent for, when it names one.' }),
    depends_on: z.array(z.string()).openapi({ description: 'Steps that must finish before this one starts.' }),
    stage: z.number().int().openapi({ description: 'Index of its stage in `stages`.' }),
    timeout_ms: z.number().int().nullable().openapi({ description: "The step's own timeout; null uses the agent's." }),
    max_retries: z
      .number()
      .int()
      .nullable()
      .openapi({ description: "Retries after a failed attempt, when the step sets its own policy; null uses the agent's." }),
  })
  .openapi('HistoryDescriptorStep');

const DescriptorStage = z
  .object({
    index: z.number().int().openapi({ description: '0 for steps that depend on nothing, else one more than the deepest dependency.' }),
    steps: z.array(z.string()).openapi({ description: 'Ids of its steps, in definition order.' }),
    parallel: z.boolean().openapi({ description: 'True when it has more than one step: they run in parallel.' }),
  })
  .openapi('HistoryDescriptorStage', {
    description: 'Steps at one dependency depth; a stage starts once what it depends on has finished.',
  });

const DescriptorAgent = z
  .object({
    name: z.string().openapi({ description: 'Agent name, as the steps name it.' }),
    status: z.enum(['active', 'inactive', 'deleted', 'missing']).openapi({
      description: 'Its registration now: `active`, `inactive`, `deleted`, or `missing` when no agent of that name is registered.',
    }),
    url: z.string().nullable().openapi({ description: 'Base URL; null when missing.' }),
    protocol: z.enum(['a2a', 'http']).nullable().openapi({ description: '`a2a` or `http` (JSON over HTTP); null when missing.' }),
    description: z.string().nullable().openapi({ description: 'Description, if registered with one.' }),
    steps: z.array(z.string()).openapi({ description: 'Ids of the steps that call it.' }),
  })
  .openapi('HistoryDescriptorAgent');

/** What a descriptor adds to a workflow (also added to seed 004's workflow when read by id). */
export const DescriptorFields = z.object({
  key: z.string().openapi({ description: "The workflow's key: stable, URL-safe, unique among the workspace's live workflows." }),
  steps: z.array(DescriptorStep).openapi({ description: 'Steps of the current version, in definition order.' }),
  stages: z.array(DescriptorStage).openapi({ description: 'The steps grouped by dependency depth, in execution order.' }),
  agents: z.array(DescriptorAgent).openapi({ description: 'The agents the steps call, in order of first use.' }),
  max_turns: z.null().openapi({ description: 'Always null: an agent step is one request/response call, with no turns to bound.' }),
  reducers: z.null().openapi({
    description: "Always null: a step reads its dependencies' outputs by reference (`${step.output.x}`); nothing merges them.",
  }),
  handoffs: z.literal(false).openapi({ description: 'Always false: a step cannot hand its work over to another agent.' }),
  input_schema: JsonObject.openapi({ description: "JSON Schema of a run's input (`input_data`), which execution validates against." }),
  output_schema: JsonObject.openapi({ description: "JSON Schema of a completed run's output." }),
});

/** GET /api/v1/workflows/{workflow_key}: the workflow's current version, described. */
export const HistoryWorkflowDescriptor = DescriptorFields.extend({
  workflow_id: z.string().openapi({ description: "The workflow's id (stable across versions)." }),
  version_id: z.string().openapi({ description: 'Id of the current version (seed 004 calls it the workflow `id`).' }),
  name: z.string().openapi({ description: 'Workflow name.' }),
  description: z.string().nullable().openapi({ description: 'Description.' }),
  version: z.number().int().openapi({ description: 'Current version number.' }),
  version_label: z.string().nullable().openapi({ description: 'Semantic version label of the current version, if it has one.' }),
  status: z
    .enum(['active', 'inactive', 'archived'])
    .openapi({ description: '`active` (executable), `inactive` (switched off) or `archived` (kept, not executable).' }),
  created_at: z.string().openapi({ format: 'date-time', description: 'When the workflow was created.' }),
  updated_at: z.string().openapi({ format: 'date-time', description: 'When it last changed.' }),
}).openapi('HistoryWorkflowDescriptor');

type Fields = z.infer<typeof DescriptorFields>;

/** The descriptor fields of a described workflow. */
export function descriptorFields(d: WorkflowDescriptor): Fields {
  return {
    key: d.workflow.key,
    steps: d.steps.map((s) => ({
      id: s.id,
      name: s.name,
      description: s.description,
      type: s.type,
      agent: s.agent,
      action: s.action,
      depends_on: s.dependsOn,
      stage: s.stage,
      timeout_ms: s.timeoutMs,
      max_retries: s.maxRetries,
    })),
    stages: d.stages.map((s) => ({ index: s.index, steps: s.steps, parallel: s.parallel })),
    agents: d.agents.map((a) => ({
      name: a.name,
      status: a.status.toLowerCase() as Fields['agents'][number]['status'],
      url: a.url,
      protocol: a.protocol ? (a.protocol.toLowerCase() as 'a2a' | 'http') : null,
      description: a.description,
      steps: a.steps,
    })),
    max_turns: d.maxTurns,
    reducers: d.reducers,
    handoffs: d.handoffs,
    input_schema: d.inputSchema,
    output_schema: d.outputSchema,
  };
}

/** The descriptor of a workflow named by its key (a live workflow). */
export function descriptorBody(d: WorkflowDescriptor): z.infer<typeof HistoryWorkflowDescriptor> {
  const { key, ...fields } = descriptorFields(d);
  return {
    key,
    workflow_id: d.workflow.id,
    version_id: d.version.id,
    name: d.workflow.name,
    description: d.workflow.description,
    version: d.version.version,
    version_label: d.version.label,
    // A key names live workflows only, so DELETED never reaches here.
    status: d.workflow.status.toLowerCase() as 'active' | 'inactive' | 'archived',
    created_at: d.workflow.createdAt.toISOString(),
    updated_at: d.workflow.updatedAt.toISOString(),
    ...fields,
  };
}
