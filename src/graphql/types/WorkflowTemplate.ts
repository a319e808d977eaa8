import { ConflictError, NotFoundError, ValidationError } from '../../domain/errors.ts';
import { inputSchema, ioSchemas } from '../../domain/io-schema.ts';
import type { WorkflowTemplate } from '../../domain/templates.ts';
import { builder } from '../builder.ts';
import { WorkflowRef } from './Workflow.ts';
// Also registers WorkflowSchema.ts (Workflow.schema, WorkflowVersion.inputSchema/outputSchema) with the builder.
import { WorkflowSchemaRef } from './WorkflowSchema.ts';

const WorkflowTemplateRef = builder.objectRef<WorkflowTemplate>('WorkflowTemplate').implement({
  description:
    'A built-in starter workflow. Instantiate it with `instantiateTemplate`; templates that use no agents (tag `no-agents`) run as soon as they are created.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Stable slug, e.g. `parallel-fan-out` (not a global id).' }),
    name: t.exposeString('name', { description: 'Display name.' }),
    description: t.exposeString('description', { description: 'What the template does and how to use it.' }),
    category: t.exposeString('category', { description: 'Grouping: `basics`, `patterns`, `human-in-the-loop` or `data`.' }),
    tags: t.stringList({ description: 'Keywords, e.g. `parallel`, `no-agents`.', resolve: (tpl) => [...tpl.tags] }),
    agents: t.stringList({
      description: 'Placeholder agent names its agent steps use (map them with `agentMap` when instantiating); empty when it needs none.',
      resolve: (tpl) => [...tpl.agents],
    }),
    definition: t.field({
      type: 'JSON',
      description: 'The canonical definition, with the placeholder agent names.',
      resolve: (tpl) => tpl.definition,
    }),
    inputSchema: t.field({
      type: 'JSON',
      description: 'JSON Schema of a run’s input (from its declared inputs).',
      resolve: (tpl) => inputSchema(tpl.definition),
    }),
    schema: t.field({
      type: WorkflowSchemaRef,
      description: 'Input and output JSON Schemas, as `Workflow.schema` gives them.',
      resolve: (tpl) => ioSchemas(tpl.definition),
    }),
  }),
});

const InstantiateTemplateInput = builder.inputType('InstantiateTemplateInput', {
  description: 'The workflow to create from a template.',
  fields: (t) => ({
    name: t.string({ required: true, description: 'Display name, unique in the workspace.' }),
    key: t.string({ required: false, description: 'Stable identifier (lowercase, digits, - and _); derived from the name when omitted.' }),
    description: t.string({ required: false, description: 'What the workflow does (default: the template’s description).' }),
    agentMap: t.field({
      type: 'JSON',
      required: false,
      description:
        'Placeholder agent name → name of an agent of this workspace, e.g. `{"extractor": "DataExtractorAgent"}`. Unmapped placeholders must exist as agents under their own names.',
    }),
  }),
});

builder.queryFields((t) => ({
  workflowTemplates: t.field({
    type: [WorkflowTemplateRef],
    description: 'The built-in starter workflows, in display order.',
    args: { category: t.arg.string({ required: false, description: 'Only this category.' }) },
    resolve: (_root, args, ctx) => [...ctx.services.templates.list({ category: args.category })],
  }),
  workflowTemplate: t.field({
    type: WorkflowTemplateRef,
    description: 'One built-in template by id.',
    errors: { types: [NotFoundError] },
    args: { id: t.arg.id({ required: true, description: 'Template id (slug).' }) },
    resolve: (_root, args, ctx) => ctx.services.templates.get(String(args.id)),
  }),
}));

builder.mutationFields((t) => ({
  instantiateTemplate: t.field({
    type: WorkflowRef,
    description:
      'Creates a workflow (version 1) from a template, replacing placeholder agents as `agentMap` says. Validated, and clashes reported, exactly as createWorkflow.',
    errors: { types: [NotFoundError, ValidationError, ConflictError] },
    args: {
      templateId: t.arg.id({ required: true, description: 'Template id (slug).' }),
      input: t.arg({ type: InstantiateTemplateInput, required: true, description: 'The new workflow.' }),
    },
    resolve: (_root, { templateId, input }, ctx) =>
      ctx.services.templates.instantiate(ctx.principal, String(templateId), {
        name: input.name,
        key: input.key,
        description: input.description,
        agentMap: input.agentMap as Record<string, unknown> | null | undefined,
      }),
  }),
}));
