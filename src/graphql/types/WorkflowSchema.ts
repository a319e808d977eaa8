import type { WorkflowDefinition } from '../../domain/definition/schema.ts';
import { inputSchema, ioSchemas, type JSONSchema, outputSchema } from '../../domain/io-schema.ts';
import { builder } from '../builder.ts';
import { WorkflowVersionRef } from './WorkflowVersion.ts';

/** A stored definition (Prisma JSON) as the definition it is. */
const definitionOf = (stored: unknown) => stored as WorkflowDefinition;

/** `{inputs, outputs}`: the JSON Schemas of a definition's input and output. */
export const WorkflowSchemaRef = builder.objectRef<{ inputs: JSONSchema; outputs: JSONSchema }>('WorkflowSchema').implement({
  description:
    'The JSON Schemas (draft-07) of a workflow’s run input and run output, derived from its declared inputs and its output mapping (or terminal steps).',
  fields: (t) => ({
    inputs: t.field({
      type: 'JSON',
      description:
        'Schema of a run’s input: one property per declared input (type, description, default), `required` for required inputs without a default, undeclared keys allowed. `executeWorkflow` validates against it.',
      resolve: (s) => s.inputs,
    }),
    outputs: t.field({
      type: 'JSON',
      description:
        'Schema of a completed run’s `outputs`: one property per output-mapping key (the declared schema when the mapping value is a JSON Schema declaration such as `{type: "string"}`, else untyped), or, without a mapping, one untyped property per terminal step.',
      resolve: (s) => s.outputs,
    }),
  }),
});

builder.objectField(WorkflowVersionRef, 'inputSchema', (t) =>
  t.field({
    type: 'JSON',
    description: 'JSON Schema of a run’s input for this version (see `WorkflowSchema.inputs`); `executeWorkflow` validates against it.',
    resolve: (v) => inputSchema(definitionOf(v.definition)),
  }),
);

builder.objectField(WorkflowVersionRef, 'outputSchema', (t) =>
  t.field({
    type: 'JSON',
    description: 'JSON Schema of a completed run’s outputs for this version (see `WorkflowSchema.outputs`).',
    resolve: (v) => outputSchema(definitionOf(v.definition)),
  }),
);

builder.prismaObjectFields('Workflow', (t) => ({
  schema: t.field({
    type: WorkflowSchemaRef,
    nullable: true,
    description:
      'Input and output JSON Schemas of the current version (what GET /api/v2/workflows/:id/schema returns); null only for a workflow without a version.',
    // Loaded with the workflow (one query for a whole page), not once per workflow.
    select: { latestVersion: { select: { definition: true } } },
    resolve: (w) => (w.latestVersion ? ioSchemas(definitionOf(w.latestVersion.definition)) : null),
  }),
}));
