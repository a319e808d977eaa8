// Breaking changes between two OpenAPI 3.1 documents, as a client generated from the older one
// (openapi-typescript, openapi-generator) or written against it would feel them. A focused
// check, because the npm diff tools tried do not handle 3.1 reliably (see the report of issue 16,
// point 5): openapi-diff refuses 3.1, @useoptic/optic does not start, and api-smart-diff (3.0
// only) calls a response property that became nullable non-breaking and an operationId rename an
// annotation.
//
// Direction matters. A request is written by the client: it breaks when the server accepts less
// (a new required parameter or property, an enum value or type no longer accepted). A response
// is read by the client: it breaks when the server may send what the client was not told about
// (a new enum value or type, e.g. null) or stops sending what it was promised (a removed or
// no-longer-required property).

/** What kind of break; the direction is in the name. */
export type BreakKind =
  | 'path-removed'
  | 'operation-removed'
  | 'operation-id-changed'
  | 'operation-id-removed'
  | 'request-parameter-removed'
  | 'request-parameter-required'
  | 'request-body-required'
  | 'request-property-required'
  | 'request-enum-value-removed'
  | 'request-type-narrowed'
  | 'request-range-narrowed'
  | 'response-property-removed'
  | 'response-property-optional'
  | 'response-enum-value-added'
  | 'response-type-widened';

/** One breaking change: `kind` and `at` identify it; `message` explains it. */
export interface OpenApiBreak {
  kind: BreakKind;
  /** Where: `METHOD /path`, then the parameter, or the schema (named by its component) and property path. */
  at: string;
  message: string;
}

type Json = Record<string, unknown>;
type Direction = 'request' | 'response';

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'];

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const asObject = (value: unknown): Json => (isObject(value) ? value : {});
const asArray = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
const asStrings = (value: unknown): string[] => asArray(value).filter((item): item is string => typeof item === 'string');

/** A path template with its parameter names blanked: `/a/{id}` and `/a/{key}` are one path. */
const templateOf = (path: string) => path.replace(/\{[^}]*\}/g, '{}');

/** Resolves a local `$ref` (`#/...`), following chains; returns the target and the last ref's component name. */
function resolve(doc: Json, value: unknown): { schema: Json; name: string | null } {
  let current = value;
  let name: string | null = null;
  for (let hops = 0; isObject(current) && typeof current.$ref === 'string' && hops < 32; hops += 1) {
    const pointer = current.$ref;
    if (!pointer.startsWith('#/')) throw new Error(`only local $refs are supported: ${pointer}`);
    name = decodeURIComponent(pointer.slice(pointer.lastIndexOf('/') + 1));
    current = pointer
      .slice(2)
      .split('/')
      .map((part) => decodeURIComponent(part).replace(/~1/g, '/').replace(/~0/g, '~'))
      .reduce<unknown>((node, part) => asObject(node)[part], doc);
  }
  return { schema: asObject(current), name };
}

/** One alternative of a schema: a single type (or none), after anyOf/oneOf/type lists are spread out. */
interface Variant {
  schema: Json;
  /** Component name of the $ref it came through, if any. */
  name: string | null;
  /** Its one JSON type, or `any`. */
  type: string;
}

/** allOf merged into one object schema (properties and required add up). */
function merged(doc: Json, schema: Json): Json {
  if (!Array.isArray(schema.allOf)) return schema;
  const parts = [{ ...schema, allOf: undefined }, ...schema.allOf.map((part) => merged(doc, resolve(doc, part).schema))];
  const properties: Json = {};
  const required = new Set<string>();
  let result: Json = {};
  for (const part of parts) {
    result = { ...part, ...result };
    Object.assign(properties, asObject(part.properties));
    for (const name of asStrings(part.required)) required.add(name);
  }
  return { ...result, allOf: undefined, properties, required: [...required] };
}

function typeOf(schema: Json): string {
  if (typeof schema.type === 'string') return schema.type;
  if (isObject(schema.properties)) return 'object';
  if (isObject(schema.items)) return 'array';
  const values = Array.isArray(schema.enum) ? schema.enum : 'const' in schema ? [schema.const] : [];
  const first = values[0];
  if (values.length > 0) return first === null ? 'null' : typeof first === 'number' ? 'number' : typeof first;
  return 'any';
}

function variantsOf(doc: Json, value: unknown): Variant[] {
  const { schema: raw, name } = resolve(doc, value);
  const schema = merged(doc, raw);
  const alternatives = [...asArray(schema.anyOf), ...asArray(schema.oneOf)];
  if (alternatives.length > 0) return alternatives.flatMap((alternative) => variantsOf(doc, alternative));
  const types = Array.isArray(schema.type) ? asStrings(schema.type) : [typeOf(schema)];
  if (schema.nullable === true && !types.includes('null')) types.push('null');
  return types.map((type) => ({ schema: types.length > 1 ? { ...schema, type } : schema, name, type }));
}

/** Whether a value of type `type` is one of `types` (an integer is a number). */
const covers = (types: string[], type: string) =>
  types.includes(type) || types.includes('any') || (type === 'integer' && types.includes('number'));

/** Pairs variants: same component first, then same type (integer and number pair). */
function pairVariants(before: Variant[], after: Variant[]): { pairs: [Variant, Variant][]; onlyBefore: Variant[]; onlyAfter: Variant[] } {
  const left = [...before];
  const right = [...after];
  const pairs: [Variant, Variant][] = [];
  const numeric = (type: string) => (type === 'integer' ? 'number' : type);
  const take = (match: (a: Variant, b: Variant) => boolean) => {
    for (const a of [...left]) {
      const index = right.findIndex((b) => match(a, b));
      if (index < 0) continue;
      pairs.push([a, right.splice(index, 1)[0] as Variant]);
      left.splice(left.indexOf(a), 1);
    }
  };
  take((a, b) => a.name !== null && a.name === b.name);
  take((a, b) => a.type === b.type);
  take((a, b) => numeric(a.type) === numeric(b.type));
  return { pairs, onlyBefore: left, onlyAfter: right };
}

const show = (value: unknown) => JSON.stringify(value);

/** Bounds a request value must keep within, and when a new bound accepts less than the old one. */
const TIGHTER: Record<string, (was: number, now: number) => boolean> = {
  minimum: (was, now) => now > was,
  exclusiveMinimum: (was, now) => now > was,
  minLength: (was, now) => now > was,
  minItems: (was, now) => now > was,
  maximum: (was, now) => now < was,
  exclusiveMaximum: (was, now) => now < was,
  maxLength: (was, now) => now < was,
  maxItems: (was, now) => now < was,
};

/** The breaking changes from `before` to `after` (both OpenAPI 3.x documents, local $refs only). */
export function openApiBreaks(before: Json, after: Json): OpenApiBreak[] {
  const found = new Map<string, OpenApiBreak>();
  const compared = new Set<string>();
  const report = (kind: BreakKind, at: string, message: string) => {
    found.set(`${kind} ${at}`, { kind, at, message });
  };

  function compareSchemas(a: unknown, b: unknown, direction: Direction, at: string): void {
    const variantsA = variantsOf(before, a);
    const variantsB = variantsOf(after, b);
    const { pairs, onlyBefore, onlyAfter } = pairVariants(variantsA, variantsB);
    const typesA = variantsA.map((v) => v.type);
    const typesB = variantsB.map((v) => v.type);
    const label = (v: Variant) => v.name ?? v.type;
    if (direction === 'request') {
      for (const lost of onlyBefore.filter((v) => !covers(typesB, v.type)))
        report('request-type-narrowed', `${at} (${label(lost)})`, `${at} no longer accepts ${label(lost)}`);
    } else {
      for (const added of onlyAfter.filter((v) => !covers(typesA, v.type)))
        report('response-type-widened', `${at} (${label(added)})`, `${at} may now be ${label(added)}`);
    }
    for (const [va, vb] of pairs) {
      if (direction === 'request' && va.type === 'number' && vb.type === 'integer')
        report('request-type-narrowed', `${at} (number)`, `${at} accepts only integers now`);
      if (direction === 'response' && va.type === 'integer' && vb.type === 'number')
        report('response-type-widened', `${at} (number)`, `${at} may now be a fraction`);
      // A component is reported under its own name, once per direction, whichever operations use it.
      const here = vb.name ?? at;
      const memo = `${direction} ${va.name ?? at} ${here} ${va.type}`;
      if (compared.has(memo)) continue;
      compared.add(memo);
      compareVariant(va.schema, vb.schema, direction, here);
    }
  }

  function enumOf(schema: Json): unknown[] | null {
    if (Array.isArray(schema.enum)) return schema.enum;
    return 'const' in schema ? [schema.const] : null;
  }

  function compareVariant(a: Json, b: Json, direction: Direction, at: string): void {
    const enumA = enumOf(a);
    const enumB = enumOf(b);
    const has = (values: unknown[], value: unknown) => values.some((item) => show(item) === show(value));
    if (direction === 'request' && enumB) {
      // Values the server accepted (any, when there was no enum) and no longer does.
      for (const value of enumA ? enumA.filter((v) => !has(enumB, v)) : ['*'])
        report(
          'request-enum-value-removed',
          `${at} = ${show(value)}`,
          `${at} no longer accepts ${enumA ? show(value) : `values other than ${show(enumB)}`}`,
        );
    }
    if (direction === 'response' && enumA) {
      for (const value of enumB ? enumB.filter((v) => !has(enumA, v)) : ['*'])
        report(
          'response-enum-value-added',
          `${at} = ${show(value)}`,
          `${at} may now be ${enumB ? show(value) : `other than ${show(enumA)}`}`,
        );
    }

    if (direction === 'request') {
      for (const [keyword, tighter] of Object.entries(TIGHTER)) {
        const was = a[keyword];
        const now = b[keyword];
        if (typeof now === 'number' && (typeof was !== 'number' || tighter(was, now)))
          report(
            'request-range-narrowed',
            `${at} ${keyword}`,
            `${at} now needs ${keyword} ${now} (was ${typeof was === 'number' ? was : 'unset'})`,
          );
      }
      if (typeof b.pattern === 'string' && b.pattern !== a.pattern)
        report('request-range-narrowed', `${at} pattern`, `${at} must now match ${b.pattern}`);
    }

    const propertiesA = asObject(a.properties);
    const propertiesB = asObject(b.properties);
    const requiredA = new Set(asStrings(a.required));
    const requiredB = new Set(asStrings(b.required));
    if (direction === 'response') {
      for (const name of Object.keys(propertiesA)) {
        if (!(name in propertiesB)) report('response-property-removed', `${at}.${name}`, `${at}.${name} is no longer returned`);
        else if (requiredA.has(name) && !requiredB.has(name))
          report('response-property-optional', `${at}.${name}`, `${at}.${name} may now be missing`);
      }
    } else {
      for (const name of requiredB)
        if (!requiredA.has(name)) report('request-property-required', `${at}.${name}`, `${at}.${name} must now be sent`);
    }
    for (const name of Object.keys(propertiesA))
      if (name in propertiesB) compareSchemas(propertiesA[name], propertiesB[name], direction, `${at}.${name}`);
    if (isObject(a.items) && isObject(b.items)) compareSchemas(a.items, b.items, direction, `${at}[]`);
    if (isObject(a.additionalProperties) && isObject(b.additionalProperties))
      compareSchemas(a.additionalProperties, b.additionalProperties, direction, `${at}{}`);
  }

  /** An operation's parameters (path-level ones included, resolved), by `in name`. */
  function parametersOf(doc: Json, item: Json, operation: Json): Map<string, Json> {
    const result = new Map<string, Json>();
    for (const value of [...asArray(item.parameters), ...asArray(operation.parameters)]) {
      const parameter = resolve(doc, value).schema;
      const where = String(parameter.in);
      const name = String(parameter.name);
      result.set(`${where} ${where === 'header' ? name.toLowerCase() : name}`, parameter);
    }
    return result;
  }

  function compareOperations(a: Json, b: Json, itemA: Json, itemB: Json, op: string): void {
    if (typeof a.operationId === 'string') {
      if (typeof b.operationId !== 'string') report('operation-id-removed', op, `${op} lost its operationId ${show(a.operationId)}`);
      else if (a.operationId !== b.operationId)
        report('operation-id-changed', op, `${op}'s operationId changed from ${show(a.operationId)} to ${show(b.operationId)}`);
    }
    const parametersA = parametersOf(before, itemA, a);
    const parametersB = parametersOf(after, itemB, b);
    for (const [key, parameter] of parametersB) {
      const old = parametersA.get(key);
      if (parameter.required === true && old?.required !== true)
        report('request-parameter-required', `${op} ${key}`, `${op} needs ${key} now`);
      if (old) compareSchemas(old.schema ?? {}, parameter.schema ?? {}, 'request', `${op} ${key}`);
    }
    for (const key of parametersA.keys())
      if (!parametersB.has(key)) report('request-parameter-removed', `${op} ${key}`, `${op} no longer takes ${key}`);

    const bodyA = resolve(before, a.requestBody).schema;
    const bodyB = resolve(after, b.requestBody).schema;
    if (bodyB.required === true && bodyA.required !== true) report('request-body-required', op, `${op} needs a request body now`);
    const contentA = asObject(bodyA.content);
    const contentB = asObject(bodyB.content);
    for (const type of Object.keys(contentA))
      if (type in contentB)
        compareSchemas(asObject(contentA[type]).schema ?? {}, asObject(contentB[type]).schema ?? {}, 'request', `${op} body`);

    const responsesA = asObject(a.responses);
    const responsesB = asObject(b.responses);
    for (const status of Object.keys(responsesA)) {
      if (!(status in responsesB)) continue;
      const mediaA = asObject(resolve(before, responsesA[status]).schema.content);
      const mediaB = asObject(resolve(after, responsesB[status]).schema.content);
      for (const type of Object.keys(mediaA))
        if (type in mediaB)
          compareSchemas(asObject(mediaA[type]).schema ?? {}, asObject(mediaB[type]).schema ?? {}, 'response', `${op} ${status}`);
    }
  }

  const pathsB = new Map(Object.keys(asObject(after.paths)).map((path) => [templateOf(path), path]));
  for (const [path, rawItem] of Object.entries(asObject(before.paths))) {
    const matched = pathsB.get(templateOf(path));
    if (matched === undefined) {
      report('path-removed', path, `${path} is gone`);
      continue;
    }
    const itemA = resolve(before, rawItem).schema;
    const itemB = resolve(after, asObject(after.paths)[matched]).schema;
    for (const method of METHODS) {
      if (!isObject(itemA[method])) continue;
      const op = `${method.toUpperCase()} ${path}`;
      if (!isObject(itemB[method])) report('operation-removed', op, `${op} is gone`);
      else compareOperations(itemA[method], itemB[method], itemA, itemB, op);
    }
  }
  return [...found.values()].sort((x, y) => `${x.kind} ${x.at}`.localeCompare(`${y.kind} ${y.at}`));
}
