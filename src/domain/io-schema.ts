/**
 * JSON Schemas (draft-07 compatible) of a workflow version's input and output, derived from its
 * canonical definition. They are what `WorkflowVersion.inputSchema` / `outputSchema` and
 * `Workflow.schema` return, and the input schema is what `executeWorkflow` validates a run's
 * input against (see run-input.ts), so what is published is exactly what is enforced.
 *
 * Input schema, from the declared `inputs` (v002 `variables` and v003 `inputs` are converted
 * into these declarations when a definition is stored):
 *   - one property per declaration, in declaration order: `type` mapped one to one
 *     (string, number, integer, boolean, object, array), no `type` for `json` (anything goes),
 *     then `description` and `default` when declared;
 *   - `required` lists the inputs declared required that have no default (a caller never has
 *     to send an input the run would fill in); omitted when empty;
 *   - `additionalProperties: true`: undeclared keys are accepted and passed through, because
 *     legacy workflows declare nothing (or only some inputs) and map whatever they are given
 *     with `${workflow.input.…}`.
 * Declarations carry no element or member schemas, so arrays and objects are not described
 * further (a v003 `items` is not kept by the conversion).
 *
 * Output schema (`type: object`, `additionalProperties: false`, since a run's output has
 * exactly these keys):
 *   - with an output mapping: one property per mapping key, in sorted order as canonical
 *     definitions keep them (and PostgreSQL's jsonb does not), all `required` (a mapping key is
 *     always present in a completed run's output, null when its reference found nothing).
 *     A mapped value is an expression whose type is unknown until the run, so its schema is
 *     `{}` — except when the value is itself a JSON-Schema-like declaration (see
 *     {@link isOutputDeclaration}), as v003's `outputs: {report: {type: "string"}}` converts
 *     into; that declaration is the property's schema (keys sorted). It documents the output
 *     only: the engine has no mapping to fill it from and returns the declaration itself.
 *   - without one: the engine's output is the outputs of the terminal steps (those no other
 *     step depends on), keyed by step id, so there is one property per terminal step with no
 *     type (`title`/`description` from the step's name/description), none required (a
 *     skipped branch is left out).
 */
import { canonicalJson, INPUT_TYPES, type InputDecl, type InputType, isPlainObject, type WorkflowDefinition } from './definition/schema.ts';

/** A JSON Schema document (or sub-schema): the keywords used here, plus any other keyword. */
export interface JSONSchema {
  type?: string | string[];
  title?: string;
  description?: string;
  default?: unknown;
  properties?: Record<string, JSONSchema>;
  required?: string[];
  additionalProperties?: boolean | JSONSchema;
  [keyword: string]: unknown;
}

/** The parts of a definition the schemas are derived from (stored definitions are trusted JSON). */
export type IoDefinition = Pick<WorkflowDefinition, 'inputs'> & Partial<Pick<WorkflowDefinition, 'steps' | 'outputs'>>;

/** The JSON Schema `type` of each declared input type; `json` has none. */
export const JSON_SCHEMA_TYPE: Readonly<Record<InputType, string | undefined>> = {
  string: 'string',
  number: 'number',
  integer: 'integer',
  boolean: 'boolean',
  object: 'object',
  array: 'array',
  json: undefined,
};

/** The JSON Schema type names, as `type` may use them in an output declaration. */
const SCHEMA_TYPE_NAMES: ReadonlySet<string> = new Set(['string', 'number', 'integer', 'boolean', 'object', 'array', 'null']);

/** One declared input as a property schema. */
export function inputPropertySchema(decl: InputDecl): JSONSchema {
  // Stored definitions always carry a type; one without is `json` (the schema's default).
  const type = JSON_SCHEMA_TYPE[INPUT_TYPES.includes(decl.type) ? decl.type : 'json'];
  const out: JSONSchema = {};
  if (type !== undefined) out.type = type;
  if (decl.description !== undefined) out.description = decl.description;
  if (decl.default !== undefined) out.default = canonicalJson(decl.default);
  return out;
}

/** Whether a declared input must be sent: declared required and nothing to fill it in with. */
export function mustBeSent(decl: InputDecl): boolean {
  return decl.required === true && decl.default === undefined;
}

/** The JSON Schema of a run's input (see the module comment for the rules). */
export function inputSchema(definition: Pick<WorkflowDefinition, 'inputs'>): JSONSchema {
  const decls = definition.inputs ?? [];
  // fromEntries defines own properties, so an input named "__proto__" stays a property.
  const properties = Object.fromEntries(decls.map((decl) => [decl.name, inputPropertySchema(decl)]));
  const required = decls.filter(mustBeSent).map((decl) => decl.name);
  return {
    type: 'object',
    properties,
    ...(required.length > 0 ? { required: [...new Set(required)] } : {}),
    additionalProperties: true,
  };
}

/** True when `value` holds a `${…}` reference anywhere, i.e. it is a mapping, not a declaration. */
function hasReference(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('${');
  if (Array.isArray(value)) return value.some(hasReference);
  if (isPlainObject(value)) return Object.values(value).some(hasReference);
  return false;
}

/**
 * Whether an output mapping value is a JSON-Schema-like declaration rather than an expression:
 * an object whose `type` is a JSON Schema type name (or a list of them) and that contains no
 * `${…}` reference anywhere. `{type: "string"}` is one; `{type: "${a.output.kind}"}` and
 * `{type: "invoice", total: "${a.output.total}"}` are mappings.
 */
export function isOutputDeclaration(value: unknown): value is JSONSchema {
  if (!isPlainObject(value) || hasReference(value)) return false;
  const { type } = value;
  if (typeof type === 'string') return SCHEMA_TYPE_NAMES.has(type);
  return Array.isArray(type) && type.length > 0 && type.every((t) => typeof t === 'string' && SCHEMA_TYPE_NAMES.has(t));
}

/** The JSON Schema of a completed run's output (see the module comment for the rules). */
export function outputSchema(definition: Partial<Pick<WorkflowDefinition, 'steps' | 'outputs'>>): JSONSchema {
  const mapping = definition.outputs ?? {};
  // Sorted, as canonical definitions are: PostgreSQL's jsonb does not keep key order.
  const keys = Object.keys(mapping).sort();
  if (keys.length > 0) {
    const properties = Object.fromEntries(
      keys.map((key) => {
        const value = mapping[key];
        return [key, isOutputDeclaration(value) ? (canonicalJson(value) as JSONSchema) : {}];
      }),
    );
    return { type: 'object', properties, required: keys, additionalProperties: false };
  }
  // The engine's terminalOutputs: steps no other step depends on, keyed by id.
  const steps = definition.steps ?? [];
  const dependedOn = new Set(steps.flatMap((step) => step.dependsOn ?? []));
  const properties = Object.fromEntries(
    steps
      .filter((step) => !dependedOn.has(step.id))
      .map((step) => {
        const schema: JSONSchema = {};
        if (step.name !== undefined) schema.title = step.name;
        if (step.description !== undefined) schema.description = step.description;
        return [step.id, schema];
      }),
  );
  return { type: 'object', properties, additionalProperties: false };
}

/** Both schemas of a definition, as `Workflow.schema` (and GET /api/v2/workflows/:id/schema) shape them. */
export function ioSchemas(definition: IoDefinition): { inputs: JSONSchema; outputs: JSONSchema } {
  return { inputs: inputSchema(definition), outputs: outputSchema(definition) };
}
