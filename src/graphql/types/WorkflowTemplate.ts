import { ConflictError, NotFoundError, ValidationError } from '../../domain/errors.ts';
import { inputSchema, ioSchemas } from '../../domain/io-schema.ts';
import { stepsOf } from '../../domain/definition-view.ts';
import type { TemplateCategory as Category, TEMPLATE_CATEGORIES, WorkflowTemplate } from '../../domain/templates.ts';
import { builder } from '../builder.ts';
import { idOf } from '../ids.ts';
import { fromEither } from '../input-shapes.ts';
import { InputDeclarationRef } from './InputDeclaration.ts';
import { StepDefinitionRef } from './StepDefinition.ts';
import { WorkflowRef } from './Workflow.ts';
// Also registers WorkflowSchema.ts (Workflow.schema, WorkflowVersion.inputSchema/outputSchema) with the builder.
import { WorkflowSchemaRef } from './WorkflowSchema.ts';

/** A template by global id or slug; null when there is none (templates are the same for every tenant). */
function templateOf(ctx: { services: { templates: { list(): readonly WorkflowTemplate[] } } }, id: string): WorkflowTemplate | null {
  const slug = idOf('WorkflowTemplate', id);
  return ctx.services.templates.list().find((template) => template.id === slug) ?? null;
}

export const TemplateCategory = builder.enumType('TemplateCategory', {
  description: 'A grouping of built-in templates, for pickers.',
  values: {
    BASICS: { value: 'basics', description: 'First workflows: steps in sequence.' },
    PATTERNS: { value: 'patterns', description: 'Common shapes: parallel fan-out, conditional branches.' },
    HUMAN_IN_THE_LOOP: { value: 'human-in-the-loop', description: 'Workflows that wait for a person (an approval).' },
    DATA: { value: 'data', description: 'Data pipelines (extract, transform, load) calling agents.' },
  } satisfies Record<string, { value: Category; description: string }>,
});
// `satisfies` above checks each value is a category; this checks none is missing.
const categoriesCovered: Record<(typeof TEMPLATE_CATEGORIES)[number], true> = {
  basics: true,
  patterns: true,
  'human-in-the-loop': true,
  data: true,
};
void categoriesCovered;

const WorkflowTemplateRef = builder.node(builder.objectRef<WorkflowTemplate>('WorkflowTemplate'), {
  description:
    'A built-in starter workflow. Instantiate it with `instantiateTemplate`; templates that use no agents (tag `no-agents`) run as soon as they are created.',
  id: { resolve: (tpl) => tpl.id, description: 'Global id; every argument taking a template id also takes its `slug`.' },
  loadOne: (id, ctx) => templateOf(ctx, id),
  isTypeOf: (value) => typeof value === 'object' && value !== null && 'definition' in value && 'category' in value && 'agents' in value,
  fields: (t) => ({
    slug: t.exposeString('id', { description: 'Stable slug, e.g. `parallel-fan-out`.' }),
    name: t.exposeString('name', { description: 'Display name.' }),
    description: t.exposeString('description', { description: 'What the template does and how to use it.' }),
    category: t.exposeString('category', {
      description: 'Grouping: `basics`, `patterns`, `human-in-the-loop` or `data` (the lowercase form of `categoryKind`).',
    }),
    categoryKind: t.field({ type: TemplateCategory, description: 'Grouping, as an enum.', resolve: (tpl) => tpl.category }),
    tags: t.stringList({ description: 'Keywords, e.g. `parallel`, `no-agents`.', resolve: (tpl) => [...tpl.tags] }),
    agents: t.stringList({
      description: 'Placeholder agent names its agent steps use (map them with `agentMap` when instantiating); empty when it needs none.',
      resolve: (tpl) => [...tpl.agents],
    }),
    definition: t.field({
      type: 'JSON',
      description:
        'The canonical definition, with the placeholder agent names, as one document (what an editor starts from). To show it, read the typed `steps` and `inputs`.',
      resolve: (tpl) => tpl.definition,
    }),
    steps: t.field({
      type: [StepDefinitionRef],
      description: 'Its steps, typed, in definition order (agent steps name the placeholder agents).',
      resolve: (tpl) => stepsOf(tpl.definition),
    }),
    inputs: t.field({
      type: [InputDeclarationRef],
      description: 'Its declared inputs, typed, in definition order.',
      resolve: (tpl) => [...tpl.definition.inputs],
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
    templateId: t.id({
      required: false,
      description: 'The template to instantiate; required unless the deprecated `templateId` argument is given.',
    }),
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
    args: {
      category: t.arg.string({ required: false, description: 'Only this category, in its lowercase form (e.g. `human-in-the-loop`).' }),
      categoryKind: t.arg({
        type: TemplateCategory,
        required: false,
        description: 'Only this category; given with `category`, a template must match both.',
      }),
    },
    resolve: (_root, args, ctx) =>
      ctx.services.templates.list({ category: args.category }).filter((tpl) => !args.categoryKind || tpl.category === args.categoryKind),
  }),
  workflowTemplate: t.field({
    type: WorkflowTemplateRef,
    description: 'One built-in template by id.',
    errors: { types: [NotFoundError] },
    args: { id: t.arg.id({ required: true, description: 'Template global id or slug.' }) },
    resolve: (_root, args, ctx) => ctx.services.templates.get(idOf('WorkflowTemplate', String(args.id))),
  }),
}));

builder.mutationFields((t) => ({
  instantiateTemplate: t.field({
    type: WorkflowRef,
    description:
      'Creates a workflow (version 1) from a template, replacing placeholder agents as `agentMap` says. Validated, and clashes reported, exactly as createWorkflow.',
    errors: { types: [NotFoundError, ValidationError, ConflictError] },
    args: {
      templateId: t.arg.id({ required: false, deprecationReason: 'Use input.templateId.', description: 'Template id (slug).' }),
      input: t.arg({ type: InstantiateTemplateInput, required: true, description: 'The template and the new workflow.' }),
    },
    resolve: (_root, { templateId, input }, ctx) =>
      ctx.services.templates.instantiate(
        ctx.principal,
        idOf('WorkflowTemplate', String(fromEither('input.templateId', 'templateId', input.templateId, templateId))),
        {
          name: input.name,
          key: input.key,
          description: input.description,
          agentMap: input.agentMap as Record<string, unknown> | null | undefined,
        },
      ),
  }),
}));
