// The six step types of the canonical definition, as GraphQL enum values.
import type { StepType as Type } from '../../domain/definition/schema.ts';
import { builder } from '../builder.ts';

/** Step type as GraphQL spells the definition's lowercase `type`. */
export const StepType = builder.enumType('StepType', {
  description: 'What a step does (its `type` in the workflow definition).',
  values: {
    AGENT: { value: 'agent', description: 'Calls a registered agent (A2A or HTTP).' },
    HTTP: { value: 'http', description: 'Calls an HTTP endpoint that is not a registered agent.' },
    CONDITION: { value: 'condition', description: 'Evaluates a condition and takes its `onTrue` or `onFalse` branch.' },
    TRANSFORM: { value: 'transform', description: 'Computes its output from its input with an expression.' },
    DELAY: { value: 'delay', description: 'Waits for a fixed time, holding no worker.' },
    WAIT: { value: 'wait', description: 'Waits for a signal (e.g. an approval), holding no worker.' },
  } satisfies { [K in Type as Uppercase<K>]: { value: K; description: string } },
});
