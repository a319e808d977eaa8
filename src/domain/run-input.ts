import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { WorkflowDefinition } from './definition/schema.ts';
import type { FieldIssue } from './errors.ts';
import { inputSchema, type JSONSchema } from './io-schema.ts';

/*
 * One compiler for the process: it holds no request or tenant state, only compiled validators.
 * `ownProperties` makes `required` ignore inherited members, so an input named `constructor`
 * or `toString` is not satisfied by Object.prototype. `allErrors` reports every problem at once.
 */
const ajv = new Ajv({ allErrors: true, ownProperties: true, strict: true });

/** Compiled validators by schema JSON, least recently used first; bounded so memory is too. */
const validators = new Map<string, { schema: JSONSchema; validate: ValidateFunction }>();
const MAX_VALIDATORS = 500;

/** The compiled validator of `schema`, compiled once per distinct schema (i.e. per definition). */
export function validatorFor(schema: JSONSchema): ValidateFunction {
  const key = JSON.stringify(schema);
  const cached = validators.get(key);
  if (cached) {
    // Refresh its place in the LRU order.
    validators.delete(key);
    validators.set(key, cached);
    return cached.validate;
  }
  const entry = { schema, validate: ajv.compile(schema) };
  validators.set(key, entry);
  if (validators.size > MAX_VALIDATORS) {
    const [oldestKey, oldest] = validators.entries().next().value as [string, { schema: JSONSchema }];
    validators.delete(oldestKey);
    // Ajv also caches by schema object; drop that too.
    ajv.removeSchema(oldest.schema);
  }
  return entry.validate;
}

const ARTICLE_TYPES: Readonly<Record<string, string>> = {
  string: 'a string',
  number: 'a number',
  integer: 'an integer',
  boolean: 'a boolean',
  object: 'an object',
  array: 'an array',
  null: 'null',
};

/** What a value is, for "must be a number (got a string)". */
function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return ARTICLE_TYPES[typeof value] ?? typeof value;
}

/** `/a/b~1c/0` → `['a', 'b/c', '0']` (RFC 6901 unescaping). */
function pointerSegments(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** The value at `segments` inside `root` (own members only). */
function valueAt(root: unknown, segments: readonly string[]): unknown {
  let current = root;
  for (const segment of segments) {
    if (typeof current !== 'object' || current === null || !Object.hasOwn(current, segment)) return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}

/** One ajv error as a domain issue addressed `input.<name>`, with a message a caller can act on. */
function toIssue(error: ErrorObject, data: unknown, schema: JSONSchema): FieldIssue {
  const segments = pointerSegments(error.instancePath);
  if (error.keyword === 'required') {
    const name = String((error.params as { missingProperty: string }).missingProperty);
    const description = schema.properties?.[name]?.description;
    return { path: ['input', ...segments, name].join('.'), message: `is required${description ? ` (${description})` : ''}` };
  }
  const path = ['input', ...segments].join('.');
  if (error.keyword === 'type') {
    const expected = [(error.params as { type: string | string[] }).type].flat();
    const wanted = expected.map((t) => ARTICLE_TYPES[t] ?? t).join(' or ');
    return { path, message: `must be ${wanted} (got ${describeValue(valueAt(data, segments))})` };
  }
  return { path, message: error.message ?? `breaks the "${error.keyword}" rule` };
}

/** Sets an own, enumerable member (an input named `__proto__` must not set the prototype). */
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/**
 * Validates a run's input against the definition's input schema ({@link inputSchema}) and fills
 * in defaults. The contract:
 *   - undeclared keys pass through unchanged (`additionalProperties: true`);
 *   - a declared input given as null counts as not given (as it always has), so its default
 *     applies, or it is reported missing when required; a null with neither is kept;
 *   - defaults fill inputs not given, after validation: a default is the workflow author's,
 *     not the caller's, and is not checked against its type (the definition validator does
 *     not check it either, and legacy v002 defaults are often strings);
 *   - every problem is returned, as `{path: 'input.<name>', message}` ("is required",
 *     "must be a number (got a string)").
 */
export function checkRunInput(
  definition: Pick<WorkflowDefinition, 'inputs'>,
  input: Record<string, unknown>,
): { input: Record<string, unknown>; issues: FieldIssue[] } {
  const decls = definition.inputs ?? [];
  const schema = inputSchema(definition);
  const given: Record<string, unknown> = { ...input };
  const nulls = new Set<string>();
  for (const decl of decls) {
    if (Object.hasOwn(given, decl.name) && (given[decl.name] === null || given[decl.name] === undefined)) {
      nulls.add(decl.name);
      delete given[decl.name];
    }
  }
  const validate = validatorFor(schema);
  const issues = validate(given) ? [] : (validate.errors ?? []).map((error) => toIssue(error, given, schema));

  const out: Record<string, unknown> = { ...input };
  for (const decl of decls) {
    if (Object.hasOwn(given, decl.name)) continue;
    if (decl.default !== undefined) setOwn(out, decl.name, structuredClone(decl.default));
    else if (nulls.has(decl.name)) setOwn(out, decl.name, null);
  }
  return { input: out, issues };
}
