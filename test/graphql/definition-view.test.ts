// Typed views of workflow definitions (issue 14, point 1): steps and inputs beside every
// `definition` document, and the enums of the values the definition and templates allow.
// Failure kinds and schedule tick reasons are in stored-kinds.test.ts.
import { getNamedType, isEnumType, isListType, isNonNullType, isObjectType } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CreateAgentDocument,
  DefinitionViewCreateWorkflowDocument,
  DefinitionViewParseDocument,
  DefinitionViewTemplatesDocument,
  DefinitionViewValidateDocument,
  type InputDeclarationFieldsFragment,
  type StepDefinitionFieldsFragment,
} from '../gql/graphql.ts';
import { CONDITION_OPERATORS, HTTP_METHODS, INPUT_TYPES, STEP_TYPES } from '../../src/domain/definition/schema.ts';
import { TICK_REASONS } from '../../src/domain/schedule-tick-reasons.ts';
import { TEMPLATE_CATEGORIES } from '../../src/domain/templates.ts';
import { schema } from '../../src/graphql/schema.ts';
import { startHttpAgent, type TestAgent } from '../support/agents.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { expectMember, flows } from '../support/flows.ts';

let t: TestApp;
let f: ReturnType<typeof flows>;
let agent: TestAgent;
/** SQL statements sent while `counting` is set. */
const statements: string[] = [];
let counting = false;
beforeAll(async () => {
  t = await startTestApp({ onQuery: (sql) => void (counting && statements.push(sql)) }, { WORKER_POLL_MS: '50' });
  f = flows(t);
  agent = await startHttpAgent(() => ({ ok: true }));
});
afterAll(async () => {
  await t?.close();
  await agent?.close();
});

type Json = Record<string, unknown>;

/** Drops undefined members, as the canonical form does. */
function compact(value: Json): Json {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined));
}

/** The canonical step a typed step view describes: every typed field put back where the definition keeps it. */
function canonicalOf(step: StepDefinitionFieldsFragment): Json {
  const retry = step.retry && {
    maxRetries: step.retry.maxRetries,
    initialDelayMs: step.retry.initialDelayMs,
    maxDelayMs: step.retry.maxDelayMs,
    backoffMultiplier: step.retry.backoffMultiplier,
    jitter: step.retry.jitter ?? undefined,
    retryOn: step.retry.retryOn.length > 0 ? step.retry.retryOn : undefined,
  };
  const head = {
    id: step.stepId,
    type: step.stepType.toLowerCase(),
    name: step.name ?? undefined,
    description: step.description ?? undefined,
    dependsOn: step.dependsOn,
    input: step.input,
  };
  const tail = { timeoutMs: step.timeoutMs ?? undefined, retry: retry ? compact(retry) : undefined };
  switch (step.__typename) {
    case 'AgentStepDefinition':
      return compact({ ...head, agent: step.agent, action: step.action ?? undefined, ...tail });
    case 'HttpStepDefinition': {
      const headers = step.headers.length ? Object.fromEntries(step.headers.map((h) => [h.name, h.value])) : undefined;
      const request = compact({ method: step.method, url: step.url, headers, body: step.body ?? undefined });
      return compact({ ...head, request, ...tail });
    }
    case 'ConditionStepDefinition': {
      const { value, operator, compareTo } = step.condition;
      const condition = compact({ value, operator: operatorOf(operator), compareTo: compareTo ?? undefined });
      return compact({ ...head, condition, onTrue: step.onTrue, onFalse: step.onFalse, ...tail });
    }
    case 'TransformStepDefinition':
      return compact({ ...head, expression: step.expression, ...tail });
    case 'DelayStepDefinition':
      return compact({ ...head, durationMs: step.durationMs, ...tail });
    case 'WaitStepDefinition':
      return compact({ ...head, signal: step.signal ?? undefined, ...tail });
    default:
      throw new Error(`unexpected step type ${(step as { __typename: string }).__typename}`);
  }
}

/** The canonical input declaration a typed one describes. */
function declarationOf(input: InputDeclarationFieldsFragment): Json {
  return compact({
    name: input.name,
    type: input.type.toLowerCase(),
    required: input.required,
    default: input.hasDefault ? input.defaultValue : undefined,
    description: input.description ?? undefined,
  });
}

/** The condition operators' canonical spelling: NOT_EQUALS is `notEquals`. */
const operatorOf = (op: string) => op.toLowerCase().replace(/_(.)/g, (_m, c: string) => c.toUpperCase());
/** The enum name of a canonical operator: `notEquals` is NOT_EQUALS. */
const operatorName = (op: string) => op.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase();

describe('typed steps and inputs of a workflow version', () => {
  it('show every field of all six step types and of the declared inputs, as posted', async () => {
    const agentName = await f.agent('lookup', agent);
    const definition = {
      inputs: [
        { name: 'url', type: 'string', required: true, description: 'Where to send the result' },
        { name: 'limit', type: 'integer', default: 10 },
        { name: 'extra', type: 'object', default: null },
        { name: 'anything' },
      ],
      steps: [
        {
          id: 'fetch',
          type: 'agent',
          name: 'Fetch',
          description: 'Asks the agent.',
          agent: agentName,
          action: 'lookup',
          input: { q: '${workflow.input.url}', n: '${workflow.input.limit}' },
          timeoutMs: 5000,
          // Beyond GraphQL's Int: the delays are Floats.
          retry: { maxRetries: 2, initialDelayMs: 10, maxDelayMs: 5_000_000_000, backoffMultiplier: 3, jitter: 0.5, retryOn: [409, 423] },
        },
        {
          id: 'post',
          type: 'http',
          dependsOn: ['fetch'],
          request: {
            method: 'PUT',
            url: '${workflow.input.url}',
            headers: { 'X-Trace': '${fetch.output.trace}', Accept: 'application/json' },
            body: { data: '${fetch.output}' },
          },
          retry: { maxRetries: 1 },
        },
        {
          id: 'check',
          type: 'condition',
          dependsOn: ['post'],
          condition: { value: '${post.output.status}', operator: 'in', compareTo: [200, 201] },
          onTrue: ['shape'],
          onFalse: ['approve'],
        },
        { id: 'shape', type: 'transform', dependsOn: ['check'], input: { x: 1 }, expression: '$.x + 1' },
        { id: 'pause', type: 'delay', dependsOn: ['shape'], durationMs: 31_536_000_000 },
        { id: 'approve', type: 'wait', dependsOn: ['check'], signal: 'manager-approval', timeoutMs: 60_000 },
        {
          id: 'done',
          type: 'condition',
          dependsOn: ['pause'],
          condition: { value: '${pause.output}', operator: 'notEquals', compareTo: 1 },
        },
        { id: 'seen', type: 'condition', dependsOn: ['approve'], condition: { value: '${approve.output}', operator: 'exists' } },
      ],
      outputs: { result: '${shape.output}' },
    };
    const created = expectMember(
      (await t.ok(DefinitionViewCreateWorkflowDocument, { input: { name: 'all-six', definition } })).createWorkflow,
      'Workflow',
    );
    const version = created.latestVersion;
    if (!version) throw new Error('no version');
    const stored = version.definition as { steps: Json[]; inputs: Json[] };

    // Nothing of the stored definition is missing from the typed view, and nothing is added.
    expect(version.steps.map(canonicalOf)).toEqual(stored.steps);
    expect(version.inputs.map(declarationOf)).toEqual(stored.inputs);

    const [fetch, post, check, shape, pause, approve, done, seen] = version.steps;
    expect(version.steps.map((s) => s.__typename)).toEqual([
      'AgentStepDefinition',
      'HttpStepDefinition',
      'ConditionStepDefinition',
      'TransformStepDefinition',
      'DelayStepDefinition',
      'WaitStepDefinition',
      'ConditionStepDefinition',
      'ConditionStepDefinition',
    ]);
    expect(fetch).toMatchObject({
      stepId: 'fetch',
      stepType: 'AGENT',
      name: 'Fetch',
      description: 'Asks the agent.',
      dependsOn: [],
      agent: agentName,
      action: 'lookup',
      agentRef: { name: agentName },
      input: { q: '${workflow.input.url}', n: '${workflow.input.limit}' },
      timeoutMs: 5000,
      retry: { maxRetries: 2, initialDelayMs: 10, maxDelayMs: 5_000_000_000, backoffMultiplier: 3, jitter: 0.5, retryOn: [409, 423] },
    });
    expect(post).toMatchObject({
      stepType: 'HTTP',
      method: 'PUT',
      url: '${workflow.input.url}',
      // The canonical form keeps headers by name.
      headers: [
        { name: 'Accept', value: 'application/json' },
        { name: 'X-Trace', value: '${fetch.output.trace}' },
      ],
      body: { data: '${fetch.output}' },
      // The definition's defaults, as the engine applies them.
      retry: { maxRetries: 1, initialDelayMs: 1000, maxDelayMs: 30_000, backoffMultiplier: 2, jitter: null, retryOn: [] },
    });
    expect(check).toMatchObject({
      stepType: 'CONDITION',
      condition: { value: '${post.output.status}', operator: 'IN', compareTo: [200, 201] },
      onTrue: ['shape'],
      onFalse: ['approve'],
    });
    expect(shape).toMatchObject({ stepType: 'TRANSFORM', expression: '$.x + 1', input: { x: 1 }, retry: null, timeoutMs: null });
    expect(pause).toMatchObject({ stepType: 'DELAY', durationMs: 31_536_000_000, dependsOn: ['shape'] });
    expect(approve).toMatchObject({ stepType: 'WAIT', signal: 'manager-approval', timeoutMs: 60_000 });
    expect(done).toMatchObject({ condition: { operator: 'NOT_EQUALS', compareTo: 1 }, onTrue: [], onFalse: [] });
    expect(seen).toMatchObject({ condition: { operator: 'EXISTS', compareTo: null } });
    expect(version.inputs).toEqual([
      { name: 'url', type: 'STRING', required: true, hasDefault: false, defaultValue: null, description: 'Where to send the result' },
      { name: 'limit', type: 'INTEGER', required: false, hasDefault: true, defaultValue: 10, description: null },
      { name: 'extra', type: 'OBJECT', required: false, hasDefault: true, defaultValue: null, description: null },
      { name: 'anything', type: 'JSON', required: false, hasDefault: false, defaultValue: null, description: null },
    ]);
  });

  it('has an enum value for every value the domain knows', () => {
    const valuesOf = (name: string) => {
      const type = schema.getType(name);
      if (!isEnumType(type)) throw new Error(`${name} is not an enum`);
      return type.getValues().map((v) => v.value as unknown);
    };
    expect(new Set(valuesOf('ConditionOperator'))).toEqual(new Set(CONDITION_OPERATORS));
    expect(new Set(valuesOf('InputType'))).toEqual(new Set(INPUT_TYPES));
    expect(new Set(valuesOf('HttpMethod'))).toEqual(new Set(HTTP_METHODS));
    expect(new Set(valuesOf('StepType'))).toEqual(new Set(STEP_TYPES));
    expect(new Set(valuesOf('TemplateCategory'))).toEqual(new Set(TEMPLATE_CATEGORIES));
    expect(new Set(valuesOf('ScheduleSkipReason'))).toEqual(new Set(TICK_REASONS));
    for (const op of CONDITION_OPERATORS) expect(operatorOf(operatorName(op))).toBe(op);
  });
});

describe('typed steps of unsaved definitions', () => {
  it('validateWorkflow gives them for a valid definition and null for an invalid one', async () => {
    const valid = (
      await t.ok(DefinitionViewValidateDocument, {
        input: {
          definition: {
            inputs: [{ name: 'n', type: 'number' }],
            steps: [
              { id: 'a', type: 'transform', expression: '$' },
              { id: 'b', type: 'delay', dependsOn: ['a'], durationMs: 5 },
            ],
          },
        },
      })
    ).validateWorkflow;
    expect(valid.valid).toBe(true);
    expect(valid.steps?.map(canonicalOf)).toEqual((valid.definition as { steps: Json[] }).steps);
    expect(valid.inputs?.map((i) => [i.name, i.type])).toEqual([['n', 'NUMBER']]);

    const invalid = (
      await t.ok(DefinitionViewValidateDocument, {
        input: { definition: { steps: [{ id: 'a', type: 'transform', expression: '$', dependsOn: ['ghost'] }] } },
      })
    ).validateWorkflow;
    expect(invalid).toMatchObject({ valid: false, definition: null, steps: null, inputs: null });
  });

  it('parseWorkflow gives them for the definition it built', async () => {
    const parsed = expectMember(
      (
        await t.ok(DefinitionViewParseDocument, {
          input: { instruction: 'Fetch the sales data, then wait for approval, then send the report' },
        })
      ).parseWorkflow,
      'ParsedWorkflow',
    );
    const definition = parsed.definition as { steps: Json[] };
    expect(parsed.steps?.map((s) => s.stepId)).toEqual(definition.steps.map((s) => s.id));
    expect(parsed.steps?.map(canonicalOf)).toEqual(definition.steps);
    expect(parsed.steps?.some((s) => s.__typename === 'WaitStepDefinition')).toBe(true);
    expect(parsed.inputs).toEqual([]);
  });
});

describe('templates', () => {
  it('give their steps and inputs typed, and their category as an enum', async () => {
    const all = (await t.ok(DefinitionViewTemplatesDocument, {})).workflowTemplates;
    expect(all.length).toBeGreaterThan(0);
    for (const tpl of all) {
      const definition = tpl.definition as { steps: Json[]; inputs: Json[] };
      expect(tpl.steps.map(canonicalOf), tpl.slug).toEqual(definition.steps);
      expect(tpl.inputs.map(declarationOf), tpl.slug).toEqual(definition.inputs);
      expect(tpl.categoryKind, tpl.slug).toBe(tpl.category.toUpperCase().replaceAll('-', '_'));
    }
    expect(new Set(all.map((tpl) => tpl.categoryKind))).toEqual(new Set(['BASICS', 'PATTERNS', 'HUMAN_IN_THE_LOOP', 'DATA']));
  });

  it('are filtered by categoryKind, and by both category arguments together', async () => {
    const all = (await t.ok(DefinitionViewTemplatesDocument, {})).workflowTemplates;
    for (const kind of ['BASICS', 'PATTERNS', 'HUMAN_IN_THE_LOOP', 'DATA'] as const) {
      const some = (await t.ok(DefinitionViewTemplatesDocument, { categoryKind: kind })).workflowTemplates;
      expect(some.map((tpl) => tpl.slug)).toEqual(all.filter((tpl) => tpl.categoryKind === kind).map((tpl) => tpl.slug));
    }
    const both = await t.ok(DefinitionViewTemplatesDocument, { category: 'data', categoryKind: 'DATA' });
    expect(both.workflowTemplates.map((tpl) => tpl.slug)).toEqual(['etl-with-retries']);
    const clash = await t.ok(DefinitionViewTemplatesDocument, { category: 'data', categoryKind: 'BASICS' });
    expect(clash.workflowTemplates).toEqual([]);
  });

  it('resolve a placeholder agent only when the workspace has an agent of that name', async () => {
    const etl = async () => {
      const list = (await t.ok(DefinitionViewTemplatesDocument, { categoryKind: 'DATA' })).workflowTemplates;
      return list[0]?.steps.flatMap((s) => (s.__typename === 'AgentStepDefinition' ? [s] : [])) ?? [];
    };
    const before = await etl();
    expect(before.map((s) => s.agent)).toContain('extractor');
    expect(before.every((s) => s.agentRef === null)).toBe(true);
    // Register `extractor` exactly as the placeholder names it.
    const agentCreated = expectMember(
      (await t.ok(CreateAgentDocument, { input: { name: 'extractor', url: agent.url } })).createAgent,
      'Agent',
    );
    const after = await etl();
    expect(after.filter((s) => s.agent === 'extractor').map((s) => s.agentRef?.id)).toEqual(
      before.filter((s) => s.agent === 'extractor').map(() => agentCreated.id),
    );
    expect(after.filter((s) => s.agent !== 'extractor').every((s) => s.agentRef === null)).toBe(true);
  });

  it('resolve the agents of every step of every template with one read of agents', async () => {
    statements.length = 0;
    counting = true;
    try {
      const all = (await t.ok(DefinitionViewTemplatesDocument, {})).workflowTemplates;
      expect(all.flatMap((tpl) => tpl.steps.filter((s) => s.__typename === 'AgentStepDefinition')).length).toBeGreaterThan(1);
    } finally {
      counting = false;
    }
    expect(
      statements.filter((sql) => /\bFROM\s+\S*\bAgent\b/.test(sql)),
      statements.join('\n'),
    ).toHaveLength(1);
  });
});

describe('the schema', () => {
  it('gives every definition document typed steps and inputs beside it', () => {
    const missing: string[] = [];
    for (const type of Object.values(schema.getTypeMap())) {
      if (type.name.startsWith('__') || !isObjectType(type)) continue;
      const fields = type.getFields();
      const definition = fields.definition;
      if (!definition || getNamedType(definition.type).name !== 'JSON' || definition.deprecationReason) continue;
      for (const [name, element] of [
        ['steps', 'StepDefinition'],
        ['inputs', 'InputDeclaration'],
      ] as const) {
        const field = fields[name];
        const list = field && (isNonNullType(field.type) ? field.type.ofType : field.type);
        if (!field || !isListType(list) || getNamedType(field.type).name !== element) missing.push(`${type.name}.${name}`);
      }
    }
    expect(missing).toEqual([]);
    expect(['ParsedWorkflow', 'WorkflowTemplate', 'WorkflowValidation', 'WorkflowVersion'].every((n) => schema.getType(n))).toBe(true);
  });
});
