// The GraphQL half of the cross-tenant isolation table: for every root field of the schema,
// the requests tenant B makes with tenant A's ids (and the same requests with ids that never
// existed), generated from the field's arguments. A field or argument the table cannot fill
// fails loudly, naming itself, so a new root field is covered or breaks the test.

import {
  type GraphQLArgument,
  type GraphQLField,
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
import { isGlobalId } from '../../src/graphql/ids.ts';
import { schema } from '../../src/graphql/schema.ts';
import type { Ref, World } from './tenants.ts';

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

/** A value of the table: how to make it from a world, and whether it carries tenant A's data. */
interface Value {
  fromA: boolean;
  make(w: World, nonce: string): unknown;
}
const own = (make: (nonce: string) => unknown): Value => ({ fromA: false, make: (_w, nonce) => make(nonce) });
const ofA = (make: (w: World, nonce: string) => unknown): Value => ({ fromA: true, make });

/** The objects of each kind a lookup is tried with, in a world (A's, or its ghost). */
export const VARIANTS: Record<string, (w: World) => Ref[]> = {
  Run: (w) => [w.waitingRun, w.completedRun, w.failedRun, w.cancelledRun],
  // Workflows are also named by the database id of any of their versions.
  Workflow: (w) => [
    w.workflow,
    w.transformWorkflow,
    w.agentWorkflow,
    w.templateWorkflow,
    w.secondWorkspaceWorkflow,
    ...w.workflow.versions.map((v) => ({ global: v.db, db: v.db })),
  ],
  WorkflowVersion: (w) => w.workflow.versions,
  Agent: (w) => [w.agent],
  Schedule: (w) => [w.schedule],
  BackfillJob: (w) => [w.backfill],
  ApiKey: (w) => [w.apiKey],
  Workspace: (w) => [
    { global: w.defaultWorkspace.id, db: w.defaultWorkspace.id },
    { global: w.secondWorkspace.id, db: w.secondWorkspace.id },
  ],
  StepRun: (w) => [w.stepRun],
  StepAttempt: (w) => [w.stepAttempt],
  RunEvent: (w) => [w.runEvent],
};

/** Every global id of a world (for `node` / `nodes`). */
function everyGlobalId(w: World): string[] {
  const ids = Object.values(VARIANTS).flatMap((variants) => variants(w).map((r) => r.global));
  return [...new Set(ids.filter(isGlobalId))];
}

/** Both id forms of each variant (global, then database), without repeats. */
function idForms(refs: Ref[]): string[] {
  return [...new Set(refs.flatMap((r) => [r.global, r.db]))];
}

/** Built-in templates are not tenant data: anyone may read and instantiate them. */
const TEMPLATE_ID = 'sequential';

/**
 * The entity a field's `id` argument names, from the field's name: the longest entity name it
 * contains (`backfillSchedule` → Schedule, `backfillJob` → BackfillJob, `checkAgentHealth` → Agent).
 */
export function entityOf(fieldName: string): string | null {
  const name = fieldName.charAt(0).toUpperCase() + fieldName.slice(1);
  const entities = [...Object.keys(VARIANTS), 'WorkflowTemplate'].sort((a, b) => b.length - a.length);
  return entities.find((entity) => name.includes(entity)) ?? null;
}

/** Lookups: arguments that name an object, and every way tenant A's objects can be named in them. */
function lookupOf(fieldName: string, arg: GraphQLArgument): ((w: World) => unknown[]) | 'builtin' | null {
  const named = getNamedType(arg.type).name;
  if (arg.name === 'ids') return (w) => [everyGlobalId(w)];
  if (arg.name === 'key' || arg.name === 'workflowKey') {
    return (w) => [w.workflow.key, w.transformWorkflow.key, w.agentWorkflow.key, w.secondWorkspaceWorkflow.key];
  }
  let entity: string | null;
  if (arg.name === 'id') {
    if (fieldName === 'node') return (w) => [...everyGlobalId(w), ...idForms(VARIANTS.Run?.(w) ?? [])];
    entity = entityOf(fieldName);
    if (!entity) throw new Error(`add ${fieldName}(id) to the isolation table: no entity name in the field name`);
  } else if (arg.name === 'name' && entityOf(fieldName) === 'Agent') {
    return (w) => [w.agent.name];
  } else if (named === 'ID' && /Id$/.test(arg.name)) {
    const prefix = arg.name.slice(0, -2);
    entity = prefix === 'template' ? 'WorkflowTemplate' : prefix.charAt(0).toUpperCase() + prefix.slice(1);
  } else {
    return null;
  }
  if (entity === 'WorkflowTemplate') return 'builtin';
  const variants = VARIANTS[entity];
  if (!variants) throw new Error(`add ${fieldName}(${arg.name}) to the isolation table: no variants of ${entity}`);
  return (w) => idForms(variants(w));
}

/**
 * Plain arguments, by `field.arg` then by argument name: A's strings that are not lookups
 * (a step id, an idempotency key) and what required arguments need to be valid.
 */
const ARGS: Record<string, Value> = {
  'rerunFromStep.stepId': own(() => 'only'),
  'signalRun.stepId': ofA((w) => w.waitingStep),
  'signalRun.payload': own(() => ({ approved: true })),
  'rerunFromStep.inputPatch': own(() => ({ hijacked: true })),
  'cancelRun.reason': own(() => 'cancelled by tenant B'),
  'executeWorkflow.idempotencyKey': ofA((w) => w.idempotencyKey),
  'executeWorkflow.conversationId': ofA((w) => w.conversationId),
  'executeWorkflow.userId': ofA((w) => w.endUserId),
  'executeWorkflow.input': own(() => ({ from: 'tenant B' })),
  'setScheduleEnabled.enabled': own(() => true),
  'backfillSchedule.from': own(() => '2024-01-01T00:00:00Z'),
  'backfillSchedule.to': own(() => '2024-12-31T00:00:00Z'),
  'previewSchedule.cronExpression': own(() => '0 9 * * 1'),
  // The parser and validation match steps against the workspace's agents: A's must not count.
  'parseWorkflow.instruction': ofA((w) => `Every Monday at 9am ask ${w.agent.name} for the sales report and email it`),
  'validateWorkflow.definition': ofA((w) => ({ steps: [{ id: 'call', type: 'agent', agent: w.agent.name }] })),
};

/** Inputs by input type name: minimal valid values (B's own names, A's names where a lookup hides). */
const INPUTS: Record<string, Value> = {
  CreateAgentInput: own((nonce) => ({ name: `zq-beta-agent-${nonce}`, url: 'http://127.0.0.1:9/zq-beta' })),
  UpdateAgentInput: own(() => ({ description: 'changed by tenant B', status: 'INACTIVE', url: 'http://127.0.0.1:9/hijacked' })),
  // A definition calling A's agent: validation must report it missing, as for an agent that never existed.
  CreateWorkflowInput: ofA((w, nonce) => ({
    name: `zq-beta-workflow-${nonce}`,
    definition: { steps: [{ id: 'call', type: 'agent', agent: w.agent.name }] },
  })),
  UpdateWorkflowInput: own(() => ({
    description: 'changed by tenant B',
    definition: { steps: [{ id: 'only', type: 'transform', expression: '"hijacked"' }] },
    status: 'INACTIVE',
  })),
  // A's workspace slug: refused exactly like a slug no tenant has.
  CreateApiKeyInput: ofA((w, nonce) => ({ name: `zq-beta-key-${nonce}`, role: 'ADMIN', workspace: w.secondWorkspace.slug })),
  CreateWorkspaceInput: own((nonce) => ({ name: `zq-beta workspace ${nonce}`, slug: `zq-beta-${nonce}` })),
  UpdateWorkspaceInput: own(() => ({ name: 'renamed by tenant B', retentionDays: 1 })),
  ScheduleInput: own(() => ({ cronExpression: '* * * * *', enabled: true, inputs: { from: 'tenant B' } })),
  InstantiateTemplateInput: own((nonce) => ({ name: `zq-beta-template-${nonce}` })),
};

/** Optional filter inputs worth setting to A's values: a list filtered by A's id must come back empty. */
const FILTERS: Record<string, Value> = {
  RunFilter: ofA((w) => ({ workflowId: w.workflow.global })),
  AgentFilter: ofA((w) => ({ nameContains: w.agent.name })),
  WorkflowFilter: ofA((w) => ({ nameContains: w.workflow.name })),
};

/** Whether an argument must be given. */
function required(arg: GraphQLArgument): boolean {
  return isNonNullType(arg.type) && arg.defaultValue === undefined;
}

/** A required argument's value: from ARGS, else from INPUTS by its input type. */
function requiredValue(fieldName: string, arg: GraphQLArgument): Value {
  const byArg = ARGS[`${fieldName}.${arg.name}`];
  if (byArg) return byArg;
  const named = getNamedType(arg.type);
  if (isInputObjectType(named)) {
    const input = INPUTS[named.name];
    if (!input) throw new Error(`add the input ${named.name} (of ${fieldName}.${arg.name}) to the isolation table (INPUTS)`);
    return input;
  }
  if (isEnumType(named)) return own(() => named.getValues()[0]?.value);
  throw new Error(`add ${fieldName}(${arg.name}: ${String(arg.type)}) to the isolation table (ARGS)`);
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

/**
 * The requests tenant B makes for a root field: one per way of naming each of A's objects in
 * each lookup argument, one per filter set to A's values, and one naming nothing of A's (lists,
 * creations). Throws "add … to the isolation table" for an argument the table cannot fill.
 */
export function casesOf(field: GraphQLField<unknown, unknown>, world: World): Case[] {
  const base: [string, Value][] = [];
  const lookups: { arg: GraphQLArgument; values: (w: World) => unknown[] }[] = [];
  const filters: [string, Value][] = [];
  for (const arg of field.args) {
    const lookup = lookupOf(field.name, arg);
    if (lookup === 'builtin') base.push([arg.name, own(() => TEMPLATE_ID)]);
    else if (lookup) lookups.push({ arg, values: lookup });
    else if (ARGS[`${field.name}.${arg.name}`]) base.push([arg.name, ARGS[`${field.name}.${arg.name}`] as Value]);
    else if (required(arg)) base.push([arg.name, requiredValue(field.name, arg)]);
    else {
      const named = getNamedType(arg.type);
      const filter = isInputObjectType(named) ? FILTERS[named.name] : undefined;
      if (filter) filters.push([arg.name, filter]);
    }
  }
  const make = (w: World, nonce: string, extra: Record<string, unknown>) => ({
    ...Object.fromEntries(base.map(([name, value]) => [name, value.make(w, nonce)])),
    ...extra,
  });
  const baseFromA = base.some(([, value]) => value.fromA);
  const cases: Case[] = [];
  const requiredLookups = lookups.filter((l) => required(l.arg));
  // Required lookups are set together; optional ones are alternatives ("by id… or by key"), one at a time.
  const groups = requiredLookups.length > 0 ? [requiredLookups] : lookups.map((l) => [l]);
  for (const group of groups) {
    const count = group[0]?.values(world).length ?? 0;
    for (let index = 0; index < count; index++) {
      const label = group.map((l) => `${l.arg.name}=${String(l.values(world)[index]).slice(0, 60)}`).join(', ');
      cases.push({
        label,
        fromA: true,
        lookup: true,
        variables: (w, nonce) => make(w, nonce, Object.fromEntries(group.map((l) => [l.arg.name, l.values(w)[index]]))),
      });
    }
  }
  for (const [name, filter] of filters) {
    cases.push({
      label: `${name} of A`,
      fromA: true,
      lookup: true,
      variables: (w, nonce) => make(w, nonce, { [name]: filter.make(w, nonce) }),
    });
  }
  if (requiredLookups.length === 0) {
    cases.push({
      label: baseFromA ? "A's names in the input" : 'nothing of A',
      fromA: baseFromA,
      lookup: false,
      variables: (w, nonce) => make(w, nonce, {}),
    });
  }
  return cases;
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
    const parts: string[] = [];
    for (const field of Object.values(member.getFields())) {
      if (field.args.some(required)) continue;
      if (isLeaf(field.type)) parts.push(alias(member, field.name));
      else if (depth < MAX_DEPTH) parts.push(`${alias(member, field.name)} ${selectionOf(field.type, depth + 1)}`);
    }
    return `... on ${member.name} { ${parts.join(' ')} }`;
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

/**
 * Why a root field's answer is not "not found"-shaped, or null when it is: a typed error (any
 * `…Error` member), null, an empty list or list of nulls, an empty page.
 */
export function notFoundShape(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (Array.isArray(value)) return value.every((item) => item === null) ? null : `a list with ${value.length} item(s)`;
  if (typeof value !== 'object') return `the value ${JSON.stringify(value)}`;
  const record = value as Record<string, unknown>;
  if (typeof record.__typename === 'string' && record.__typename.endsWith('Error')) return null;
  const edges = Object.entries(record).find(([key]) => key === 'edges' || key.endsWith('_edges'))?.[1];
  if (Array.isArray(edges)) return edges.length === 0 ? null : `a page with ${edges.length} edge(s)`;
  if (Array.isArray(record.edges)) return record.edges.length === 0 ? null : `a page with ${record.edges.length} edge(s)`;
  return `a ${String(record.__typename)}`;
}
