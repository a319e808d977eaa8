import { stepsOf, storedDefinition } from '../../domain/definition-view.ts';
import type { SourceFormat } from '../../domain/definitions.ts';
import { builder } from '../builder.ts';
import { InputDeclarationRef } from './InputDeclaration.ts';
import { StepDefinitionRef } from './StepDefinition.ts';

/** The shapes a definition can be posted in (each dialect's shape, or the canonical one). */
export const DefinitionFormat = builder.enumType('DefinitionFormat', {
  description: 'The shape a workflow definition is written in. All are stored in the canonical form.',
  values: {
    AUTO: { value: 'auto', description: 'Detect the shape from the document.' },
    CANONICAL: {
      value: 'canonical',
      description: 'Flowdeck canonical form: `{steps: [{id, type, dependsOn, input, ...}], inputs, outputs}`.',
    },
    START_STEP_CHAIN: {
      value: 'v004',
      description: '`{start_step, steps: {id: {agent_name, next_step, input_mapping}}}` (the /api/v1 dialect).',
    },
    NODES: { value: 'v003', description: '`{nodes: [{id, type, action, input_from, config}], inputs, outputs}` (the /api/v2 dialect).' },
    STEP_LIST: {
      value: 'v002',
      description: '`{steps: [{name, step_type, depends_on_steps, ...}], variables}` (the /api/workflows dialect).',
    },
  } as const,
});

export const WorkflowVersionRef = builder.prismaNode('WorkflowVersion', {
  description: 'An immutable snapshot of a workflow definition. Runs pin the version they ran.',
  id: { field: 'id', description: 'Global id.' },
  nullable: true,
  findUnique: (id, ctx) => ({ id, tenantId: ctx.principal.tenantId, workspaceId: ctx.principal.workspaceId }),
  fields: (t) => ({
    version: t.exposeInt('version', { description: 'Version number: 1 for the first, increasing by one per definition change.' }),
    label: t.exposeString('label', { nullable: true, description: 'Optional semantic version label, e.g. `1.2.0`.' }),
    definition: t.expose('definition', {
      type: 'JSON',
      description:
        'The canonical definition (steps, declared inputs, outputs) as one document: what an editor loads and posts back to updateWorkflow. To show it, read the typed `steps` and `inputs`.',
    }),
    steps: t.field({
      type: [StepDefinitionRef],
      description: 'Its steps, typed, in definition order: enough to draw the DAG and a step table.',
      resolve: (v) => stepsOf(storedDefinition(v.definition)),
    }),
    inputs: t.field({
      type: [InputDeclarationRef],
      description: 'Its declared inputs, typed, in definition order.',
      resolve: (v) => [...storedDefinition(v.definition).inputs],
    }),
    sourceFormat: t.field({
      type: DefinitionFormat,
      description: 'The shape the definition was posted in.',
      resolve: (v) => v.sourceFormat as SourceFormat,
    }),
    source: t.expose('source', { type: 'JSON', nullable: true, description: 'The definition exactly as it was posted.' }),
    createdBy: t.exposeString('createdBy', { nullable: true, description: 'Who created this version, when known.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When this version was created.' }),
    workflow: t.relation('workflow', { description: 'The workflow this is a version of.' }),
  }),
});
