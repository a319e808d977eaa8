// Seed 002's workflow responses (WorkflowResponse with its steps and variables, the list
// envelope, validation results and templates), and the functions that build them.
import { z } from '@hono/zod-openapi';
import type { Workflow, WorkflowVersion } from '../../db/models.ts';
import { stepListOf, type V002Step, type V002Variable } from '../../domain/definition/to-v002.ts';
import type { StepListCheck, StepListTemplate } from '../../domain/step-list-workflows.ts';
import { JsonObject } from '../schemas.ts';

// Not JsonObject.nullable(): JsonObject's explicit `type: object` would hide the null.
const NullableObject = z.record(z.string(), z.unknown()).nullable();

const timestamp = (description: string) => z.string().openapi({ format: 'date-time', description });

/** One step of a workflow, as posted (defaults applied); `id` is what executions call the step. */
export const LegacyWorkflowStep = z
  .looseObject({
    id: z.string().openapi({ description: 'Step id: the step name (or a slug of it); executions and timelines report steps by it.' }),
    workflow_id: z.string().openapi({ description: 'The workflow.' }),
    name: z.string().openapi({ description: 'Step name.' }),
    step_type: z.string().openapi({ description: 'Step type, as posted.' }),
    step_order: z.number().int().openapi({ description: 'Order in the execution sequence.' }),
    config: JsonObject.openapi({ description: 'Step configuration, as posted.' }),
    timeout_seconds: z.number().nullable().openapi({ description: 'Step timeout override in seconds, or null.' }),
    max_retries: z.number().int().nullable().openapi({ description: 'Step retry override, or null.' }),
    agent_definition_id: z.string().nullable().openapi({ description: 'As posted, or null.' }),
    agent_instance_id: z.string().nullable().openapi({ description: 'As posted, or null.' }),
    depends_on_steps: z.array(z.string()).openapi({ description: 'Names of the steps this one waits for, as posted.' }),
    condition_expression: z.string().nullable().openapi({ description: 'As posted, or null.' }),
    metadata: JsonObject.openapi({ description: 'Step metadata.' }),
    created_at: timestamp('When this definition of the step was created.'),
    updated_at: timestamp('Same as `created_at`: steps change only with a new workflow version.'),
  })
  .openapi('LegacyWorkflowStep', {
    description: 'A workflow step. Other fields posted with the step (e.g. `description`) are returned too.',
  });

/** One declared variable of a workflow. */
export const LegacyWorkflowVariable = z
  .object({
    id: z.string().openapi({ description: 'Variable id: its name (unique in the workflow).' }),
    workflow_id: z.string().openapi({ description: 'The workflow.' }),
    name: z.string().openapi({ description: 'Variable name.' }),
    data_type: z.string().openapi({ description: 'Data type, as posted.' }),
    is_required: z.boolean().openapi({ description: 'Whether executions must provide it.' }),
    default_value: z.unknown().openapi({ description: 'Default value, or null.' }),
    description: z.string().nullable().openapi({ description: 'Description, or null.' }),
    metadata: JsonObject.openapi({ description: 'Variable metadata.' }),
    created_at: timestamp('When this definition of the variable was created.'),
    updated_at: timestamp('Same as `created_at`.'),
  })
  .openapi('LegacyWorkflowVariable');

/** WorkflowResponse. */
export const LegacyWorkflow = z
  .object({
    id: z.string().openapi({ description: 'Workflow id.' }),
    workspace_id: z.string().openapi({ description: 'Workspace the workflow belongs to.' }),
    project_id: z.string().nullable().openapi({ description: 'Project id given at creation, or null.' }),
    name: z.string().openapi({ description: 'Workflow name.' }),
    description: z.string().nullable().openapi({ description: 'Description, or null.' }),
    version: z
      .number()
      .int()
      .openapi({ description: 'Version of the definition (1, then one more per change of the steps through another API).' }),
    is_active: z.boolean().openapi({ description: 'Whether the workflow can be executed.' }),
    config: JsonObject.openapi({ description: 'Workflow configuration.' }),
    timeout_seconds: z.number().int().nullable().openapi({ description: 'Execution timeout in seconds (null: none).' }),
    max_retries: z.number().int().nullable().openapi({ description: 'Default maximum retries per step, as set.' }),
    metadata: JsonObject.openapi({ description: 'Workflow metadata.' }),
    created_at: timestamp('When the workflow was created.'),
    updated_at: timestamp('When it last changed.'),
    steps: z.array(LegacyWorkflowStep).openapi({ description: 'The steps, in `step_order` (empty with `include_steps=false`).' }),
    variables: z.array(LegacyWorkflowVariable).openapi({ description: 'The declared variables (empty with `include_steps=false`).' }),
  })
  .openapi('LegacyWorkflow');

/** WorkflowListResponse. */
export const LegacyWorkflowList = z
  .object({
    items: z.array(LegacyWorkflow).openapi({ description: 'The workflows of this page.' }),
    total: z.number().int().openapi({ description: 'Workflows matching the filters, across pages.' }),
    skip: z.number().int().openapi({ description: 'As requested.' }),
    limit: z.number().int().openapi({ description: 'As requested.' }),
  })
  .openapi('LegacyWorkflowList');

/** The answer of DELETE /api/workflows/{workflow_id}. */
export const LegacyWorkflowDeleted = z
  .object({
    status: z.literal('deleted').openapi({ description: 'Always `deleted`.' }),
    workflow_id: z.string().openapi({ description: 'The deleted workflow.' }),
  })
  .openapi('LegacyWorkflowDeleted');

/** WorkflowValidationResult. */
export const LegacyValidationResult = z
  .object({
    is_valid: z.boolean().openapi({ description: 'Whether the definition can be saved as it is.' }),
    errors: z
      .array(
        z.object({
          step_id: z.string().nullable().openapi({ description: 'Id of the step concerned, or null for the workflow as a whole.' }),
          step_name: z.string().nullable().openapi({ description: 'Name of the step concerned, as posted, or null.' }),
          error_type: z.string().openapi({ description: 'Always `validation_error`.' }),
          message: z.string().openapi({ description: 'What is wrong, naming the step.' }),
          details: NullableObject.openapi({ description: '`path`: where in the definition.' }),
        }),
      )
      .openapi({ description: 'Every problem found (empty when valid).' }),
    warnings: z.array(z.string()).openapi({ description: 'Always empty: every problem is an error.' }),
  })
  .openapi('LegacyValidationResult');

const TemplateStep = z
  .looseObject({
    name: z.string().openapi({ description: 'Step name (also its id).' }),
    step_type: z.string().openapi({ description: 'Step type.' }),
    step_order: z.number().int().openapi({ description: '1 for first steps, else one more than the step it waits for last.' }),
    depends_on_steps: z.array(z.string()).openapi({ description: 'Names of the steps it waits for.' }),
    timeout_seconds: z.number().nullable().openapi({ description: 'Step timeout in seconds, or null.' }),
    max_retries: z.number().int().nullable().openapi({ description: 'Retries after a failed attempt, or null.' }),
    config: JsonObject.openapi({ description: 'Step configuration (`input_mapping`, `expression`, `agent_name`, `retry_config`, ...).' }),
    metadata: JsonObject.openapi({ description: '`display_name`: the step title shown in pickers.' }),
  })
  .openapi('LegacyTemplateStep', { description: 'A step in the WorkflowCreate shape.' });

/** A built-in template: a WorkflowCreate body plus what pickers show. */
export const LegacyTemplate = z
  .object({
    id: z.string().openapi({ description: 'Template id.' }),
    name: z.string().openapi({ description: 'Template name (use your own `name` when posting it).' }),
    description: z.string().openapi({ description: 'What the template does.' }),
    category: z.string().openapi({ description: '`basics`, `patterns`, `human-in-the-loop` or `data`.' }),
    tags: z.array(z.string()).openapi({ description: 'Keywords.' }),
    agents: z
      .array(z.string())
      .openapi({ description: 'Placeholder agent names its agent steps use: replace them by registered agents before posting.' }),
    steps: z.array(TemplateStep).openapi({ description: 'The steps, as WorkflowCreate takes them.' }),
    variables: z
      .array(
        z.object({
          name: z.string().openapi({ description: 'Variable name.' }),
          data_type: z.string().openapi({ description: 'Data type.' }),
          is_required: z.boolean().openapi({ description: 'Whether executions must provide it.' }),
          default_value: z.unknown().openapi({ description: 'Default value, or null.' }),
          description: z.string().nullable().openapi({ description: 'Description, or null.' }),
          metadata: JsonObject.openapi({ description: 'Always empty.' }),
        }),
      )
      .openapi({ description: 'The variables, as WorkflowCreate takes them.' }),
    outputs: JsonObject.optional().openapi({ description: 'The output mapping (see WorkflowCreate `outputs`).' }),
    metadata: JsonObject.openapi({ description: '`template_id`, recorded on workflows created from it.' }),
  })
  .openapi('LegacyTemplate', {
    description: 'Post `{name, description, steps, variables, outputs, metadata}` (with your own name) to /api/workflows/ to create it.',
  });

/** The list of templates. */
export const LegacyTemplateList = z.array(LegacyTemplate).openapi('LegacyTemplateList');

function stepView(workflowId: string, step: V002Step, at: string): z.output<typeof LegacyWorkflowStep> {
  const extra = step.extra;
  return {
    ...extra,
    id: step.id,
    workflow_id: workflowId,
    name: step.name,
    step_type: step.step_type,
    step_order: step.step_order,
    config: step.config,
    timeout_seconds: step.timeout_seconds,
    max_retries: step.max_retries,
    agent_definition_id: typeof extra.agent_definition_id === 'string' ? extra.agent_definition_id : null,
    agent_instance_id: typeof extra.agent_instance_id === 'string' ? extra.agent_instance_id : null,
    depends_on_steps: step.depends_on_steps,
    condition_expression: typeof extra.condition_expression === 'string' ? extra.condition_expression : null,
    metadata: step.metadata,
    created_at: at,
    updated_at: at,
  };
}

function variableView(workflowId: string, variable: V002Variable, at: string): z.output<typeof LegacyWorkflowVariable> {
  return { id: variable.name, workflow_id: workflowId, ...variable, created_at: at, updated_at: at };
}

/** The steps of `version`, in `step_order` (ties in posted order), as WorkflowStepResponse. */
export function stepsOf(workflowId: string, version: WorkflowVersion): z.output<typeof LegacyWorkflowStep>[] {
  const at = version.createdAt.toISOString();
  return stepListOf(version)
    .steps.map((step) => stepView(workflowId, step, at))
    .sort((a, b) => a.step_order - b.step_order);
}

const objectOr = (value: unknown): Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};

/** WorkflowResponse of `workflow` at `version`; `withSteps: false` leaves steps and variables empty. */
export function workflowView(workflow: Workflow, version: WorkflowVersion, withSteps = true): z.output<typeof LegacyWorkflow> {
  const at = version.createdAt.toISOString();
  return {
    id: workflow.id,
    workspace_id: workflow.workspaceId,
    project_id: workflow.projectId,
    name: workflow.name,
    description: workflow.description,
    version: workflow.currentVersion,
    is_active: workflow.status === 'ACTIVE',
    config: objectOr(workflow.config),
    timeout_seconds: workflow.timeoutSeconds,
    max_retries: workflow.maxRetries,
    metadata: objectOr(workflow.metadata),
    created_at: workflow.createdAt.toISOString(),
    updated_at: workflow.updatedAt.toISOString(),
    steps: withSteps ? stepsOf(workflow.id, version) : [],
    variables: withSteps ? stepListOf(version).variables.map((v) => variableView(workflow.id, v, at)) : [],
  };
}

/** WorkflowValidationResult of a domain check. */
export function validationView(check: StepListCheck): z.output<typeof LegacyValidationResult> {
  return {
    is_valid: check.valid,
    errors: check.issues.map((issue) => ({
      step_id: issue.stepId,
      step_name: issue.stepName,
      error_type: 'validation_error',
      message: issue.message,
      details: { path: issue.path },
    })),
    warnings: [],
  };
}

/** A template as a WorkflowCreate body plus its picker fields. */
export function templateView({ template, definition }: StepListTemplate): z.output<typeof LegacyTemplate> {
  return {
    id: template.id,
    name: template.name,
    description: template.description,
    category: template.category,
    tags: [...template.tags],
    agents: [...template.agents],
    steps: definition.steps.map(({ id: _id, extra, ...step }) => ({ ...extra, ...step })),
    variables: definition.variables,
    ...(definition.outputs ? { outputs: definition.outputs } : {}),
    metadata: { template_id: template.id },
  };
}
