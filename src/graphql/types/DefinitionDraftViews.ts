// Typed `steps` and `inputs` beside the `definition` of the two results that hold a definition
// nobody saved yet (parseWorkflow, validateWorkflow); stored versions and templates declare
// theirs in WorkflowVersion.ts and WorkflowTemplate.ts.
import { draftDefinition, stepsOf } from '../../domain/definition-view.ts';
import { builder } from '../builder.ts';
import { InputDeclarationRef } from './InputDeclaration.ts';
import { ParsedWorkflowRef } from './ParsedWorkflow.ts';
import { StepDefinitionRef } from './StepDefinition.ts';
import { WorkflowValidationRef } from './Workflow.ts';

builder.objectFields(ParsedWorkflowRef, (t) => ({
  steps: t.field({
    type: [StepDefinitionRef],
    nullable: true,
    description: 'The steps of `definition`, typed, in definition order; null when it is not structurally sound (see `issues`).',
    resolve: (r) => {
      const definition = draftDefinition(r.definition);
      return definition && stepsOf(definition);
    },
  }),
  inputs: t.field({
    type: [InputDeclarationRef],
    nullable: true,
    description: 'The declared inputs of `definition`, typed; null when it is not structurally sound (see `issues`).',
    resolve: (r) => draftDefinition(r.definition)?.inputs ?? null,
  }),
}));

builder.objectFields(WorkflowValidationRef, (t) => ({
  steps: t.field({
    type: [StepDefinitionRef],
    nullable: true,
    description: 'The steps of `definition`, typed, in definition order; null when it is invalid.',
    resolve: (c) => c.definition && stepsOf(c.definition),
  }),
  inputs: t.field({
    type: [InputDeclarationRef],
    nullable: true,
    description: 'The declared inputs of `definition`, typed; null when it is invalid.',
    resolve: (c) => c.definition?.inputs ?? null,
  }),
}));
