// A step of a workflow definition, typed: the interface every step shares and one object type
// per step type, so a console draws the DAG and the step table without parsing `definition`.
import { createContextCache } from '@pothos/core';
import type { Agent } from '../../db/models.ts';
import type {
  CONDITION_OPERATORS,
  ConditionOperator as Operator,
  HTTP_METHODS,
  Step,
  StepOfType,
  StepType as Type,
} from '../../domain/definition/schema.ts';
import { type HttpHeader, headersOf } from '../../domain/definition-view.ts';
import type { Context } from '../../server/context.ts';
import { builder } from '../builder.ts';
import { batchLoader } from '../loaders.ts';
import { AgentRef } from './Agent.ts';
import { StepType } from './StepType.ts';

type Retry = NonNullable<Step['retry']>;
type Condition = StepOfType<'condition'>['condition'];

/**
 * The request's live agents by name, batched: every agent step of every version on a page is
 * answered by one read. Nothing is cached beyond the tick, like the other loaders.
 */
const agentsByName = createContextCache((ctx: Context) =>
  batchLoader(async (names: string[]) => {
    const found = await ctx.services.runs.dashboard.agents(
      ctx.principal,
      names.map((name) => ({ name })),
    );
    return found.byName;
  }),
);

export const HttpMethod = builder.enumType('HttpMethod', {
  description: 'The method of an `http` step’s request.',
  values: {
    GET: { description: 'GET.' },
    POST: { description: 'POST (the default).' },
    PUT: { description: 'PUT.' },
    PATCH: { description: 'PATCH.' },
    DELETE: { description: 'DELETE.' },
  } satisfies Record<(typeof HTTP_METHODS)[number], unknown>,
});

export const ConditionOperator = builder.enumType('ConditionOperator', {
  description: 'How a `condition` step compares its value.',
  values: {
    EQUALS: { value: 'equals', description: 'The value equals `compareTo` (deep equality).' },
    NOT_EQUALS: { value: 'notEquals', description: 'The value differs from `compareTo`.' },
    GT: { value: 'gt', description: 'The value is greater than `compareTo`.' },
    GTE: { value: 'gte', description: 'The value is greater than or equal to `compareTo`.' },
    LT: { value: 'lt', description: 'The value is less than `compareTo`.' },
    LTE: { value: 'lte', description: 'The value is less than or equal to `compareTo`.' },
    CONTAINS: { value: 'contains', description: 'The value (a string or a list) contains `compareTo`.' },
    IN: { value: 'in', description: 'The value is one of `compareTo` (a list).' },
    EXISTS: { value: 'exists', description: 'The value is present (not null); takes no `compareTo`.' },
    TRUTHY: { value: 'truthy', description: 'The value is truthy; takes no `compareTo`.' },
  } satisfies Record<string, { value: Operator; description: string }>,
});
// `satisfies` above checks each value is an operator; this checks none is missing.
const operatorsCovered: Record<(typeof CONDITION_OPERATORS)[number], true> = {
  equals: true,
  notEquals: true,
  gt: true,
  gte: true,
  lt: true,
  lte: true,
  contains: true,
  in: true,
  exists: true,
  truthy: true,
};
void operatorsCovered;

const RetryPolicyRef = builder.objectRef<Retry>('RetryPolicy').implement({
  description: 'How a step’s failed attempts are retried, with exponential backoff (defaults applied).',
  fields: (t) => ({
    maxRetries: t.exposeInt('maxRetries', { description: 'Retries after the first attempt (0-10).' }),
    // Float: the definition bounds neither delay, and GraphQL's Int stops at 2^31 - 1.
    initialDelayMs: t.exposeFloat('initialDelayMs', { description: 'Delay before the first retry, in milliseconds.' }),
    maxDelayMs: t.exposeFloat('maxDelayMs', { description: 'Upper bound of any delay, in milliseconds.' }),
    backoffMultiplier: t.exposeFloat('backoffMultiplier', { description: 'Factor applied to the delay after each retry.' }),
    jitter: t.exposeFloat('jitter', {
      nullable: true,
      description: 'Fraction of each delay that is randomized (0-1), so retries of many runs spread out; null for none.',
    }),
    retryOn: t.intList({
      description: 'HTTP statuses retried besides the default ones (network errors, timeouts, 5xx, 429), e.g. `[409]`.',
      resolve: (r) => r.retryOn ?? [],
    }),
  }),
});

const HttpHeaderRef = builder.objectRef<HttpHeader>('HttpHeader').implement({
  description: 'One header of an `http` step’s request.',
  fields: (t) => ({
    name: t.exposeString('name', { description: 'Header name, as written in the definition.' }),
    value: t.exposeString('value', { description: 'Header value; may contain `${…}` references, resolved when the step runs.' }),
  }),
});

const StepConditionRef = builder.objectRef<Condition>('StepCondition').implement({
  description: 'The test of a `condition` step.',
  fields: (t) => ({
    value: t.field({
      type: 'JSON',
      nullable: true,
      description: 'What is tested: user data, usually a `${…}` reference such as `${fetch.output.ok}`.',
      resolve: (c) => c.value ?? null,
    }),
    operator: t.field({ type: ConditionOperator, description: 'How the value is tested.', resolve: (c) => c.operator }),
    compareTo: t.field({
      type: 'JSON',
      nullable: true,
      description: 'The operand of a binary operator (user data, may hold `${…}` references); null for EXISTS and TRUTHY.',
      resolve: (c) => c.compareTo ?? null,
    }),
  }),
});

/** Object type name of each step type. */
const TYPE_NAMES = {
  agent: 'AgentStepDefinition',
  http: 'HttpStepDefinition',
  condition: 'ConditionStepDefinition',
  transform: 'TransformStepDefinition',
  delay: 'DelayStepDefinition',
  wait: 'WaitStepDefinition',
} as const satisfies Record<Type, string>;

export const StepDefinitionRef = builder.interfaceRef<Step>('StepDefinition').implement({
  description: 'A step of a workflow definition, as the definition declares it; one object type per step type carries its own settings.',
  resolveType: (step) => TYPE_NAMES[step.type],
  fields: (t) => ({
    // Not `id`: normalized client caches take an `id` for a global id, and step ids repeat across versions.
    stepId: t.exposeString('id', { description: 'The step’s id, unique in the definition (what `dependsOn` and runs name it by).' }),
    stepType: t.field({ type: StepType, description: 'What the step does.', resolve: (s) => s.type }),
    name: t.exposeString('name', { nullable: true, description: 'Display name, when the definition gives one.' }),
    description: t.exposeString('description', { nullable: true, description: 'What the step is for, when the definition says.' }),
    dependsOn: t.stringList({
      description: 'The steps it waits for (their ids): the edges of the DAG, besides condition branches.',
      resolve: (s) => [...s.dependsOn],
    }),
    input: t.field({
      type: 'JSON',
      nullable: true,
      description: 'Its input mapping: user data whose `${…}` references (workflow inputs, step outputs) are resolved when it runs.',
      resolve: (s) => s.input ?? null,
    }),
    timeoutMs: t.exposeInt('timeoutMs', {
      nullable: true,
      description: 'Per-attempt timeout in milliseconds (for `wait` steps: how long to wait for the signal); null for the default.',
    }),
    retry: t.field({
      type: RetryPolicyRef,
      nullable: true,
      description: 'Its own retry policy; null when it has none (an agent step then uses its agent’s).',
      resolve: (s) => s.retry ?? null,
    }),
  }),
});

/** An object type for the steps of one type, implementing StepDefinition. */
function stepObject<K extends Type>(type: K) {
  return builder.objectRef<StepOfType<K>>(TYPE_NAMES[type]);
}

stepObject('agent').implement({
  description: 'An `agent` step: calls a registered agent of the workspace.',
  interfaces: [StepDefinitionRef],
  fields: (t) => ({
    agent: t.exposeString('agent', { description: 'The name of the agent it calls, as the definition gives it.' }),
    agentRef: t.field({
      type: AgentRef,
      nullable: true,
      description: 'The live agent of this workspace with that name (the one a run would call); null when there is none.',
      resolve: async (s, _args, ctx): Promise<Agent | null> => (await agentsByName(ctx).load(s.agent)) ?? null,
    }),
    action: t.exposeString('action', {
      nullable: true,
      description: 'The operation asked of the agent, when it offers several; null for its default.',
    }),
  }),
});

stepObject('http').implement({
  description: 'An `http` step: calls an HTTP endpoint that is not a registered agent.',
  interfaces: [StepDefinitionRef],
  fields: (t) => ({
    method: t.field({ type: HttpMethod, description: 'The request method.', resolve: (s) => s.request.method }),
    url: t.string({ description: 'The URL; may contain `${…}` references, resolved when the step runs.', resolve: (s) => s.request.url }),
    headers: t.field({
      type: [HttpHeaderRef],
      description: 'Request headers, in the order the canonical definition keeps them (by name).',
      resolve: (s) => headersOf(s),
    }),
    body: t.field({
      type: 'JSON',
      nullable: true,
      description: 'The request body (user data, may hold `${…}` references); null when the step sends its input.',
      resolve: (s) => s.request.body ?? null,
    }),
  }),
});

stepObject('condition').implement({
  description: 'A `condition` step: tests a value and takes one of two branches; the steps of the other are skipped.',
  interfaces: [StepDefinitionRef],
  fields: (t) => ({
    condition: t.field({ type: StepConditionRef, description: 'The test.', resolve: (s) => s.condition }),
    onTrue: t.stringList({ description: 'Steps (ids) of the branch taken when the test holds.', resolve: (s) => [...s.onTrue] }),
    onFalse: t.stringList({ description: 'Steps (ids) of the branch taken when it does not.', resolve: (s) => [...s.onFalse] }),
  }),
});

stepObject('transform').implement({
  description: 'A `transform` step: computes its output from its input with an expression.',
  interfaces: [StepDefinitionRef],
  fields: (t) => ({
    expression: t.exposeString('expression', { description: 'The expression (JSONata) evaluated against its input.' }),
  }),
});

stepObject('delay').implement({
  description: 'A `delay` step: waits a fixed time, holding no worker.',
  interfaces: [StepDefinitionRef],
  fields: (t) => ({
    // Float: a delay may last up to a year, beyond GraphQL's Int.
    durationMs: t.exposeFloat('durationMs', { description: 'How long it waits, in milliseconds.' }),
  }),
});

stepObject('wait').implement({
  description: 'A `wait` step: waits for a signal sent with `signalRun` (e.g. an approval), until `timeoutMs` if it has one.',
  interfaces: [StepDefinitionRef],
  fields: (t) => ({
    signal: t.exposeString('signal', {
      nullable: true,
      description:
        'The name of the signal it waits for, for whoever sends it (`signalRun` addresses the step by its id); null when unnamed.',
    }),
  }),
});
