// The GraphQL half of the cross-tenant isolation table: for every root field of the schema,
// the requests tenant B makes with tenant A's ids (and the same requests with ids that never
// existed), generated from the field's arguments. A field or argument the table cannot fill
// fails loudly, naming itself, so a new root field is covered or breaks the test.

import {
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputField,
  type GraphQLInputObjectType,
  type GraphQLObjectType,
  type GraphQLOutputType,
  getNamedType,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isNonNullType,
  isObjectType,
  isScalarType,
  isUnionType,
} from 'graphql';
import { schema } from '../../src/graphql/schema.ts';
import {
  ARGS,
  entityOf,
  everyGlobalId,
  FILTERS,
  idForms,
  INPUTS,
  LOOKUPS,
  own,
  TEMPLATE_ID,
  type Value,
  VARIANTS,
} from './isolation-table.ts';
import type { World } from './tenants.ts';

/** A root operation type. */
export type OperationKind = 'query' | 'mutation' | 'subscription';

/** One root field of the schema. */
export interface RootField {
  kind: OperationKind;
  field: GraphQLField<unknown, unknown>;
}

/** Every root field: queries, mutations and subscriptions. */
export function rootFields(kinds: readonly OperationKind[] = ['query', 'mutation', 'subscription']): RootField[] {
  const roots: Record<OperationKind, GraphQLObjectType | null | undefined> = {
    query: schema.getQueryType(),
    mutation: schema.getMutationType(),
    subscription: schema.getSubscriptionType(),
  };
  return kinds.flatMap((kind) => Object.values(roots[kind]?.getFields() ?? {}).map((field) => ({ kind, field })));
}

/** An argument, or a field of an input object: what the table fills. */
type Slot = GraphQLArgument | GraphQLInputField;

/**
 * Lookups: arguments (or fields of input objects, `owner` being the input type) that name an
 * object, and every way tenant A's objects can be named in them.
 */
function lookupOf(fieldName: string, owner: string | null, slot: Slot): ((w: World) => unknown[]) | 'builtin' | null {
  const named = getNamedType(slot.type).name;
  const listed = LOOKUPS[`${fieldName}.${slot.name}`];
  if (listed) return listed;
  // An input type names its object (`CancelRunInput`, `WorkflowRef`, `RunSelection`); an argument, its field.
  const ownerEntity = owner ? entityOf(owner.replace(/Input$/, '')) : null;
  if (slot.name === 'ids') {
    const variants = ownerEntity ? VARIANTS[ownerEntity] : undefined;
    return variants ? (w) => [idForms(variants(w)), everyGlobalId(w)] : (w) => [everyGlobalId(w)];
  }
  // Keys and names name an object as an argument or in a reference (`WorkflowRef`, `AgentRef`);
  // in an input that creates one (`CreateWorkflowInput.key`) they are the new object's own.
  const naming = !owner || owner.endsWith('Ref');
  if (naming && (slot.name === 'key' || slot.name === 'workflowKey')) {
    return (w) => [w.workflow.key, w.transformWorkflow.key, w.agentWorkflow.key, w.secondWorkspaceWorkflow.key];
  }
  let entity: string | null;
  if (slot.name === 'id') {
    if (fieldName === 'node') return (w) => [...everyGlobalId(w), ...idForms(VARIANTS.Run?.(w) ?? [])];
    entity = ownerEntity ?? entityOf(fieldName);
    if (!entity) throw new Error(`add ${fieldName}(${owner ? `${owner}.` : ''}id) to the isolation table: no entity name in the names`);
  } else if (slot.name === 'name' && naming && (ownerEntity ?? entityOf(fieldName)) === 'Agent') {
    return (w) => [w.agent.name];
  } else if (named === 'ID' && /Id$/.test(slot.name)) {
    const prefix = slot.name.slice(0, -2);
    entity = prefix === 'template' ? 'WorkflowTemplate' : prefix.charAt(0).toUpperCase() + prefix.slice(1);
  } else {
    return null;
  }
  if (entity === 'WorkflowTemplate') return 'builtin';
  const variants = VARIANTS[entity];
  if (!variants) throw new Error(`add ${fieldName}(${slot.name}) to the isolation table: no variants of ${entity}`);
  return (w) => idForms(variants(w));
}

/** Whether an argument (or input field) must be given. */
function required(slot: Slot): boolean {
  return isNonNullType(slot.type) && slot.defaultValue === undefined;
}

/** A required argument's value: from ARGS, else from INPUTS by its input type. */
function requiredValue(fieldName: string, slot: Slot): Value {
  const byArg = ARGS[`${fieldName}.${slot.name}`];
  if (byArg) return byArg;
  const named = getNamedType(slot.type);
  if (isInputObjectType(named)) {
    const input = INPUTS[named.name];
    if (!input) throw new Error(`add the input ${named.name} (of ${fieldName}.${slot.name}) to the isolation table (INPUTS)`);
    return input;
  }
  if (isEnumType(named)) return own(() => named.getValues()[0]?.value);
  throw new Error(`add ${fieldName}(${slot.name}: ${String(slot.type)}) to the isolation table (ARGS)`);
}

/** A value at a path of the variables (`['input', 'id']`). */
interface Placed {
  path: string[];
  value: Value;
}
/** A lookup at a path of the variables: every way of naming A's objects there. */
interface Lookup {
  path: string[];
  required: boolean;
  values: (w: World) => unknown[];
}
/** What one shape of a field's arguments is filled with. */
interface Plan {
  fixed: Placed[];
  lookups: Lookup[];
  filters: Placed[];
}

/**
 * The alternatives of a `@oneOf` input (`WorkflowRef`: by id or by key; `RunSelection`: by ids
 * or by filter), each a lookup of A's: one object per way of naming A's objects.
 */
function oneOfValues(fieldName: string, type: GraphQLInputObjectType): (w: World) => unknown[] {
  const alternatives = Object.values(type.getFields()).flatMap((inner) => {
    const lookup = lookupOf(fieldName, type.name, inner);
    if (lookup === 'builtin') return [() => [{ [inner.name]: TEMPLATE_ID }]];
    if (lookup) return [(w: World) => lookup(w).map((value) => ({ [inner.name]: value }))];
    const filter = FILTERS[getNamedType(inner.type).name];
    return filter ? [(w: World) => [{ [inner.name]: filter.make(w, '') }]] : [];
  });
  if (alternatives.length === 0) throw new Error(`add the @oneOf input ${type.name} (of ${fieldName}) to the isolation table`);
  return (w) => alternatives.flatMap((values) => values(w));
}

/**
 * The table's plan for arguments (or the fields of an input object at `path`): lookups of A's
 * objects, filters, and fixed values. Inside an input the table has a whole value for
 * (`fill` false), only lookups and listed fields are added to it.
 */
function planOf(fieldName: string, slots: readonly Slot[], owner: string | null, path: string[], fill: boolean): Plan {
  const plan: Plan = { fixed: [], lookups: [], filters: [] };
  for (const slot of slots) {
    const at = [...path, slot.name];
    const named = getNamedType(slot.type);
    const lookup = lookupOf(fieldName, owner, slot);
    if (lookup === 'builtin') plan.fixed.push({ path: at, value: own(() => TEMPLATE_ID) });
    else if (lookup) plan.lookups.push({ path: at, required: required(slot), values: lookup });
    else if (ARGS[`${fieldName}.${slot.name}`]) plan.fixed.push({ path: at, value: ARGS[`${fieldName}.${slot.name}`] as Value });
    else if (isInputObjectType(named) && named.isOneOf) {
      plan.lookups.push({ path: at, required: required(slot), values: oneOfValues(fieldName, named) });
    } else if (isInputObjectType(named) && FILTERS[named.name] && !required(slot)) {
      plan.filters.push({ path: at, value: FILTERS[named.name] as Value });
    } else if (isInputObjectType(named)) {
      const whole = INPUTS[named.name];
      const inner = planOf(fieldName, Object.values(named.getFields()), named.name, at, fill && !whole);
      const used = inner.lookups.length > 0 || inner.fixed.length > 0;
      if (whole && (required(slot) || used)) plan.fixed.push({ path: at, value: whole });
      else if (!whole && required(slot) && !fill) plan.fixed.push({ path: at, value: requiredValue(fieldName, slot) });
      if (fill || whole || used) {
        plan.fixed.push(...inner.fixed);
        plan.lookups.push(...inner.lookups);
        plan.filters.push(...inner.filters);
      }
    } else if (required(slot) && fill) plan.fixed.push({ path: at, value: requiredValue(fieldName, slot) });
  }
  return plan;
}

/** One request of the table: variables from a world, and whether they carry A's data. */
export interface Case {
  label: string;
  /** True when the request names A's data (then it is compared with its ghost twin). */
  fromA: boolean;
  /** True when the request looks an object up by A's id or name: the answer must be "not found". */
  lookup: boolean;
  variables: (w: World, nonce: string) => Record<string, unknown>;
}

/** Sets `value` at `path` inside `target`, making the objects on the way. */
function setAt(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    if (!node[key] || typeof node[key] !== 'object') node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1] as string] = value;
}

/** The cases of one shape of a field's arguments (`prefix` names the shape in labels). */
function casesOfPlan(plan: Plan, world: World, prefix: string): Case[] {
  // Whole inputs first, then what goes inside them.
  const fixed = [...plan.fixed].sort((x, y) => x.path.length - y.path.length);
  const make = (w: World, nonce: string, extra: [string[], unknown][]) => {
    const variables: Record<string, unknown> = {};
    for (const { path, value } of fixed) setAt(variables, path, structuredClone(value.make(w, nonce)));
    for (const [path, value] of extra) setAt(variables, path, structuredClone(value));
    return variables;
  };
  const baseFromA = fixed.some(({ value }) => value.fromA);
  const show = (path: string[], value: unknown) =>
    `${prefix}${path.join('.')}=${(typeof value === 'string' ? value : JSON.stringify(value)).slice(0, 60)}`;
  const cases: Case[] = [];
  const add = (picks: { lookup: Lookup; index: number }[], filter?: Placed) => {
    const pick = (w: World): [string[], unknown][] => [
      ...picks.map(({ lookup, index }): [string[], unknown] => {
        const values = lookup.values(w);
        return [lookup.path, values[index % values.length]];
      }),
      ...(filter ? [[filter.path, filter.value.make(w, '')] as [string[], unknown]] : []),
    ];
    const label = pick(world)
      .map(([path, value]) => show(path, value))
      .join(', ');
    cases.push({
      label,
      fromA: true,
      lookup: true,
      variables: (w, nonce) => make(w, nonce, pick(w)),
    });
  };
  const requiredLookups = plan.lookups.filter((l) => l.required);
  const optional = plan.lookups.filter((l) => !l.required);
  // Required lookups are set together; optional ones are alternatives ("by id… or by key"), one
  // at a time, beside the first of the required ones.
  const first = requiredLookups.map((lookup) => ({ lookup, index: 0 }));
  const count = requiredLookups[0]?.values(world).length ?? 0;
  for (let index = 0; index < count; index++) add(requiredLookups.map((lookup) => ({ lookup, index })));
  for (const lookup of optional) {
    for (let index = 0; index < lookup.values(world).length; index++) add([...first, { lookup, index }]);
  }
  for (const filter of plan.filters) add(first, filter);
  if (requiredLookups.length === 0) {
    cases.push({
      label: `${prefix}${baseFromA ? "A's names in the input" : 'nothing of A'}`,
      fromA: baseFromA,
      lookup: false,
      variables: (w, nonce) => make(w, nonce, []),
    });
  }
  return cases;
}

/**
 * The requests tenant B makes for a root field: one per way of naming each of A's objects in
 * each lookup (an argument, or a field of its `input`), one per filter set to A's values, and
 * one naming nothing of A's (lists, creations). A field with deprecated arguments is asked in
 * both shapes: its current arguments (the `input` object), and the deprecated ones beside what
 * is still required. Throws "add … to the isolation table" for an argument the table cannot fill.
 */
export function casesOf(field: GraphQLField<unknown, unknown>, world: World): Case[] {
  const current = field.args.filter((arg) => !arg.deprecationReason);
  const deprecated = field.args.filter((arg) => arg.deprecationReason);
  const cases = casesOfPlan(planOf(field.name, current, null, [], true), world, '');
  if (deprecated.length === 0) return cases;
  // The deprecated shape: the old arguments, and the current ones still required as the table has them whole.
  const legacy = planOf(field.name, deprecated, null, [], true);
  for (const arg of current.filter(required)) legacy.fixed.push({ path: [arg.name], value: requiredValue(field.name, arg) });
  return [...cases, ...casesOfPlan(legacy, world, 'deprecated ')];
}

const MAX_DEPTH = 3;

function isLeaf(type: GraphQLOutputType): boolean {
  const named = getNamedType(type);
  return isScalarType(named) || isEnumType(named);
}

/** A selection of every field reachable without required arguments, `depth` levels of objects deep. */
export function selectionOf(type: GraphQLOutputType, depth = 0): string {
  const named = getNamedType(type);
  if (isScalarType(named) || isEnumType(named)) return '';
  const members: readonly GraphQLObjectType[] = isUnionType(named)
    ? named.getTypes()
    : isInterfaceType(named)
      ? schema.getPossibleTypes(named)
      : isObjectType(named)
        ? [named]
        : [];
  // Members' fields of one name may have different types: each member's get an alias of its own.
  const alias = (member: GraphQLObjectType, name: string) => (members.length > 1 ? `${member.name}_${name}: ${name}` : name);
  const fragments = members.map((member) => {
    const fields = Object.values(member.getFields()).filter((field) => !field.args.some(required));
    // A member of objects only (`RunFailedDetails { error }`) is looked into one level further:
    // there is no leaf to select at the last level, and an empty selection does not parse.
    const deeper = depth < MAX_DEPTH || (depth === MAX_DEPTH && !fields.some((field) => isLeaf(field.type)));
    const parts = fields.flatMap((field) => {
      if (isLeaf(field.type)) return [alias(member, field.name)];
      return deeper ? [`${alias(member, field.name)} ${selectionOf(field.type, depth + 1)}`] : [];
    });
    return parts.length > 0 ? `... on ${member.name} { ${parts.join(' ')} }` : '';
  });
  return `{ __typename ${fragments.join(' ')} }`;
}

/** The document of one request of the table: the root field with the given variables set. */
export function documentOf(kind: OperationKind, field: GraphQLField<unknown, unknown>, variables: Record<string, unknown>): string {
  const args = field.args.filter((arg) => arg.name in variables);
  const declared = args.map((arg) => `$${arg.name}: ${String(arg.type)}`).join(', ');
  const passed = args.map((arg) => `${arg.name}: $${arg.name}`).join(', ');
  return `${kind} Isolation${declared ? `(${declared})` : ''} { ${field.name}${passed ? `(${passed})` : ''} ${selectionOf(field.type)} }`;
}
