// A declared input of a workflow definition, typed, so a console builds a run form from it.
import type { InputDecl, InputType as Type } from '../../domain/definition/schema.ts';
import { builder } from '../builder.ts';

export const InputType = builder.enumType('InputType', {
  description: 'The type a declared workflow input must have (`executeWorkflow` checks it).',
  values: {
    STRING: { value: 'string', description: 'A string.' },
    NUMBER: { value: 'number', description: 'Any number.' },
    INTEGER: { value: 'integer', description: 'A whole number.' },
    BOOLEAN: { value: 'boolean', description: 'true or false.' },
    OBJECT: { value: 'object', description: 'A JSON object.' },
    ARRAY: { value: 'array', description: 'A JSON array.' },
    JSON: { value: 'json', description: 'Any JSON value (the default).' },
  } satisfies { [K in Type as Uppercase<K>]: { value: K; description: string } },
});

export const InputDeclarationRef = builder.objectRef<InputDecl>('InputDeclaration').implement({
  description: 'An input a workflow declares, with its type and default (defaults of the definition applied).',
  fields: (t) => ({
    name: t.exposeString('name', { description: 'Its name: the key in a run’s `inputs`, referenced as `${workflow.input.<name>}`.' }),
    type: t.field({ type: InputType, description: 'The type a value must have.', resolve: (d) => d.type }),
    required: t.exposeBoolean('required', { description: 'Whether a run must be given it (unless it has a default).' }),
    hasDefault: t.boolean({
      description: 'Whether it declares a default (which may be null), used when a run is not given it.',
      resolve: (d) => d.default !== undefined,
    }),
    defaultValue: t.field({
      type: 'JSON',
      nullable: true,
      description: 'Its default (user data); null when it has none (see `hasDefault`).',
      resolve: (d) => d.default ?? null,
    }),
    description: t.exposeString('description', { nullable: true, description: 'What it is for, when the definition says.' }),
  }),
});
