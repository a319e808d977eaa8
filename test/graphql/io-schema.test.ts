/* biome-ignore-all lint/suspicious/noTemplateCurlyInString: "${…}" here are workflow references, not JS templates. */
// Input/output JSON Schemas of workflow versions (WorkflowVersion.inputSchema/outputSchema,
// Workflow.schema) and executeWorkflow's validation of run input against the input schema.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inputSchema, isOutputDeclaration, outputSchema } from '../../src/domain/io-schema.ts';
import { checkRunInput } from '../../src/domain/run-input.ts';
import {
  CreateWorkflowDocument,
  type CreateWorkflowInput,
  ExecuteWorkflowDocument,
  RerunFromStepDocument,
  RunsDocument,
  UpdateWorkflowDocument,
  WorkflowIoSchemaDocument,
  WorkflowsIoSchemaDocument,
  WorkflowVersionIoSchemaDocument,
} from '../gql/graphql.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { expectMember } from '../support/flows.ts';
import { waitForRun } from '../support/runs.ts';

let t: TestApp;
let statements: string[] = [];

beforeAll(async () => {
  t = await startTestApp({ onQuery: (sql) => statements.push(sql) }, { WORKER_POLL_MS: '50' });
});
afterAll(async () => {
  await t?.close();
});

let counter = 0;
async function createWorkflow(definition: unknown, extra: Partial<CreateWorkflowInput> = {}) {
  const input = { name: `io-${++counter}`, definition, ...extra };
  return expectMember((await t.ok(CreateWorkflowDocument, { input })).createWorkflow, 'Workflow');
}

/** The current version's schemas, read three ways that must agree. */
async function schemasOf(id: string) {
  const workflow = expectMember((await t.ok(WorkflowIoSchemaDocument, { id })).workflow, 'Workflow');
  expect(workflow.schema).toEqual({ inputs: workflow.latestVersion?.inputSchema, outputs: workflow.latestVersion?.outputSchema });
  const version = expectMember((await t.ok(WorkflowVersionIoSchemaDocument, { id, number: workflow.currentVersion })).workflow, 'Workflow');
  expect(expectMember(version.version, 'WorkflowVersion')).toMatchObject({
    inputSchema: workflow.latestVersion?.inputSchema,
    outputSchema: workflow.latestVersion?.outputSchema,
  });
  return workflow.schema as { inputs: unknown; outputs: unknown };
}

async function runsCount(): Promise<number> {
  return (await t.ok(RunsDocument, { first: 1 })).runs.totalCount;
}

const echo = { id: 'echo', type: 'transform', expression: '$', input: { all: '${workflow.input}' } };

describe('input schema', () => {
  it('maps each declared input type, description, default and requiredness', async () => {
    const wf = await createWorkflow({
      inputs: [
        { name: 's', type: 'string', required: true, description: 'A string' },
        { name: 'n', type: 'number', default: 1.5 },
        { name: 'i', type: 'integer', required: true, default: 3, description: 'Has a default, so need not be sent' },
        { name: 'b', type: 'boolean' },
        { name: 'o', type: 'object', default: { a: [1] } },
        { name: 'a', type: 'array', required: true },
        { name: 'j', type: 'json', description: 'Anything' },
        { name: 'untyped' },
      ],
      steps: [echo],
    });
    expect((await schemasOf(wf.id)).inputs).toEqual({
      type: 'object',
      properties: {
        s: { type: 'string', description: 'A string' },
        n: { type: 'number', default: 1.5 },
        i: { type: 'integer', description: 'Has a default, so need not be sent', default: 3 },
        b: { type: 'boolean' },
        o: { type: 'object', default: { a: [1] } },
        a: { type: 'array' },
        j: { description: 'Anything' },
        untyped: {},
      },
      required: ['s', 'a'],
      additionalProperties: true,
    });
  });

  it('follows the current version', async () => {
    const wf = await createWorkflow({ inputs: [{ name: 'x', type: 'string' }], steps: [echo] });
    await t.ok(UpdateWorkflowDocument, {
      id: wf.id,
      input: { definition: { inputs: [{ name: 'y', type: 'boolean', required: true }], steps: [echo] } },
    });
    expect((await schemasOf(wf.id)).inputs).toEqual({
      type: 'object',
      properties: { y: { type: 'boolean' } },
      required: ['y'],
      additionalProperties: true,
    });
    const v1 = expectMember((await t.ok(WorkflowVersionIoSchemaDocument, { id: wf.id, number: 1 })).workflow, 'Workflow');
    expect(expectMember(v1.version, 'WorkflowVersion').inputSchema).toMatchObject({ properties: { x: { type: 'string' } } });
  });

  it('describes a workflow that declares nothing as an open object', async () => {
    const wf = await createWorkflow({ steps: [echo] });
    expect(await schemasOf(wf.id)).toEqual({
      inputs: { type: 'object', properties: {}, additionalProperties: true },
      outputs: { type: 'object', properties: { echo: {} }, additionalProperties: false },
    });
  });

  it('derives the schemas of a v003 (/api/v2) definition, as its GET …/schema example shows them', async () => {
    const wf = await createWorkflow({
      nodes: [
        { id: 'summarize', type: 'transform', config: { expression: '"Q1 summary"' } },
        { id: 'send', type: 'transform', input_from: 'summarize', config: { expression: 'true' } },
      ],
      inputs: {
        date_range: { type: 'string', description: 'Override the default date range', default: 'LAST_WEEK' },
        recipients: { type: 'array', items: { type: 'string' }, description: 'Override default email recipients' },
        dry_run: 'bool',
      },
      outputs: { report: { type: 'string' }, email_sent: { type: 'boolean' } },
    });
    expect(wf.latestVersion?.sourceFormat).toBe('NODES');
    expect(await schemasOf(wf.id)).toEqual({
      inputs: {
        type: 'object',
        properties: {
          date_range: { type: 'string', description: 'Override the default date range', default: 'LAST_WEEK' },
          // The conversion keeps name, type, required, default and description; `items` is not kept.
          recipients: { type: 'array', description: 'Override default email recipients' },
          dry_run: { type: 'boolean' },
        },
        additionalProperties: true,
      },
      outputs: {
        type: 'object',
        properties: { report: { type: 'string' }, email_sent: { type: 'boolean' } },
        // Keys in sorted order, whichever order the database keeps JSON object keys in.
        required: ['email_sent', 'report'],
        additionalProperties: false,
      },
    });
  });

  it('derives the schemas of a v002 (/api/workflows) definition from its variables', async () => {
    const wf = await createWorkflow({
      steps: [
        { name: 'prepare', step_type: 'task', step_order: 1, config: {} },
        { name: 'Process it', step_type: 'task', step_order: 2, depends_on_steps: ['prepare'], config: {} },
      ],
      variables: [
        { name: 'input', data_type: 'json', is_required: true, description: 'Input payload', metadata: {} },
        { name: 'limit', data_type: 'int', default_value: 10 },
        { name: 'label', data_type: 'text', is_required: false },
        { name: 'ratio', data_type: 'float', is_required: true, default_value: 0.5 },
        { name: 'tags', data_type: 'list' },
        { name: 'strange', data_type: 'uuid' },
      ],
    });
    expect(wf.latestVersion?.sourceFormat).toBe('STEP_LIST');
    expect(await schemasOf(wf.id)).toEqual({
      inputs: {
        type: 'object',
        properties: {
          input: { description: 'Input payload' },
          limit: { type: 'integer', default: 10 },
          label: { type: 'string' },
          ratio: { type: 'number', default: 0.5 },
          tags: { type: 'array' },
          // Unknown legacy type names accept anything.
          strange: {},
        },
        required: ['input'],
        additionalProperties: true,
      },
      // v002 names become ids; the terminal step keeps its display name as the title.
      outputs: { type: 'object', properties: { process_it: { title: 'Process it' } }, additionalProperties: false },
    });
  });
});

describe('output schema', () => {
  it('without a mapping: one untyped property per terminal step', async () => {
    const wf = await createWorkflow({
      steps: [
        { id: 'start', type: 'transform', expression: '1' },
        { id: 'left', type: 'transform', dependsOn: ['start'], expression: '2', description: 'Left branch' },
        { id: 'right', type: 'transform', dependsOn: ['start'], expression: '3', name: 'Right' },
        {
          id: 'gate',
          type: 'condition',
          dependsOn: ['start'],
          condition: { value: '${start.output}', operator: 'equals', compareTo: 1 },
          onTrue: ['yes'],
        },
        { id: 'yes', type: 'transform', dependsOn: ['gate'], expression: '4' },
      ],
    });
    expect((await schemasOf(wf.id)).outputs).toEqual({
      type: 'object',
      properties: { left: { description: 'Left branch' }, right: { title: 'Right' }, yes: {} },
      additionalProperties: false,
    });
  });

  it('with a mapping: its keys, untyped for expressions and as declared for JSON Schema declarations', async () => {
    const wf = await createWorkflow({
      steps: [{ id: 'a', type: 'transform', expression: '{"n": 1, "kind": "x"}' }],
      outputs: {
        n: '${a.output.n}',
        label: 'n is ${a.output.n}',
        whole: { n: '${a.output.n}', kind: '${a.output.kind}' },
        typedLookalike: { type: '${a.output.kind}' },
        notAType: { type: 'invoice' },
        count: { type: 'integer', minimum: 0, description: 'How many' },
        either: { type: ['string', 'null'] },
        constant: 42,
      },
    });
    expect((await schemasOf(wf.id)).outputs).toEqual({
      type: 'object',
      properties: {
        // Stored mappings are canonical: object keys sorted.
        constant: {},
        count: { description: 'How many', minimum: 0, type: 'integer' },
        either: { type: ['string', 'null'] },
        label: {},
        n: {},
        notAType: {},
        typedLookalike: {},
        whole: {},
      },
      required: ['constant', 'count', 'either', 'label', 'n', 'notAType', 'typedLookalike', 'whole'],
      additionalProperties: false,
    });
  });

  it('recognises declarations only when they are schema-like and reference nothing', () => {
    expect(isOutputDeclaration({ type: 'string' })).toBe(true);
    expect(isOutputDeclaration({ type: ['number', 'null'], description: 'x' })).toBe(true);
    expect(isOutputDeclaration({ type: 'string', default: '${a.output}' })).toBe(false);
    expect(isOutputDeclaration({ type: 'widget' })).toBe(false);
    expect(isOutputDeclaration({ type: [] })).toBe(false);
    expect(isOutputDeclaration('string')).toBe(false);
    expect(outputSchema({ steps: [], outputs: {} })).toEqual({ type: 'object', properties: {}, additionalProperties: false });
    expect(inputSchema({ inputs: [{ name: '__proto__', type: 'string', required: true }] })).toEqual({
      type: 'object',
      properties: JSON.parse('{"__proto__": {"type": "string"}}') as object,
      required: ['__proto__'],
      additionalProperties: true,
    });
  });

  it('loads Workflow.schema with the page, not once per workflow', async () => {
    for (let i = 0; i < 12; i++) await createWorkflow({ inputs: [{ name: 'x', type: 'string' }], steps: [echo] });
    const sqlOf = async (first: number) => {
      statements = [];
      const page = await t.ok(WorkflowsIoSchemaDocument, { first });
      expect(page.workflows.edges).toHaveLength(first);
      for (const edge of page.workflows.edges) expect(edge.node.schema?.inputs).toMatchObject({ type: 'object' });
      // Workers poll the same database, so count only what could repeat per workflow.
      return statements.filter((sql) => sql.includes('WorkflowVersion')).length;
    };
    const few = await sqlOf(3);
    expect(few).toBeGreaterThan(0);
    expect(await sqlOf(12)).toBe(few);
  });
});

describe('executeWorkflow validates input against the input schema', () => {
  const typed = {
    inputs: [
      { name: 'customer', type: 'string', required: true, description: 'Customer id' },
      { name: 'amount', type: 'number', required: true },
      { name: 'count', type: 'integer', default: 2 },
      { name: 'express', type: 'boolean', default: false },
      { name: 'options', type: 'object', default: { gift: false } },
      { name: 'items', type: 'array' },
      { name: 'note', type: 'json' },
    ],
    steps: [echo],
  };

  it('refuses a value of the wrong type with ValidationError input.<name> "must be …", and writes no run', async () => {
    const wf = await createWorkflow(typed);
    const before = await runsCount();
    const result = (
      await t.ok(ExecuteWorkflowDocument, {
        workflowId: wf.id,
        input: { customer: 42, amount: '12.5', count: 1.5, express: 'yes', options: [1], items: { a: 1 }, note: 'anything' },
      })
    ).executeWorkflow;
    const invalid = expectMember(result, 'ValidationError');
    expect(invalid.issues).toEqual([
      { path: 'input.customer', message: 'must be a string (got 42)' },
      { path: 'input.amount', message: 'must be a number (got a string)' },
      { path: 'input.count', message: 'must be an integer (got 1.5)' },
      { path: 'input.express', message: 'must be a boolean (got a string)' },
      { path: 'input.options', message: 'must be an object (got an array)' },
      { path: 'input.items', message: 'must be an array (got an object)' },
    ]);
    expect(invalid.message).toBe('input.customer: must be a string (got 42) (and 5 more problems)');
    expect(await runsCount()).toBe(before);
  });

  it('refuses missing required inputs, naming each', async () => {
    const wf = await createWorkflow(typed);
    const before = await runsCount();
    const result = (await t.ok(ExecuteWorkflowDocument, { workflowId: wf.id, input: { amount: null } })).executeWorkflow;
    expect(expectMember(result, 'ValidationError').issues).toEqual([
      { path: 'input.customer', message: 'is required (Customer id)' },
      { path: 'input.amount', message: 'is required' },
    ]);
    const none = (await t.ok(ExecuteWorkflowDocument, { workflowId: wf.id })).executeWorkflow;
    expect(expectMember(none, 'ValidationError').issues.map((i) => i.path)).toEqual(['input.customer', 'input.amount']);
    expect(await runsCount()).toBe(before);
  });

  it('applies defaults (visible in the run’s inputs), treats null as not given and passes undeclared keys through', async () => {
    const wf = await createWorkflow(typed);
    const result = (
      await t.ok(ExecuteWorkflowDocument, { workflowId: wf.id, input: { customer: 'c-1', amount: 3, express: null, extra: 'kept' } })
    ).executeWorkflow;
    const run = expectMember(result, 'Run');
    expect(run.inputs).toEqual({ customer: 'c-1', amount: 3, count: 2, express: false, options: { gift: false }, extra: 'kept' });
    const done = await waitForRun(t, run.id);
    expect(done.status).toBe('COMPLETED');
    expect(done.outputs).toEqual({ echo: { all: run.inputs } });
  });

  it('does not hold a workflow’s own mistyped default against the caller (legacy defaults are often strings)', async () => {
    const wf = await createWorkflow({
      steps: [{ name: 'only', step_type: 'task', config: {} }],
      variables: [{ name: 'limit', data_type: 'integer', default_value: '10' }],
    });
    const run = expectMember((await t.ok(ExecuteWorkflowDocument, { workflowId: wf.id, input: {} })).executeWorkflow, 'Run');
    expect(run.inputs).toEqual({ limit: '10' });
    expect((await waitForRun(t, run.id)).status).toBe('COMPLETED');
    const wrong = (await t.ok(ExecuteWorkflowDocument, { workflowId: wf.id, input: { limit: '11' } })).executeWorkflow;
    expect(expectMember(wrong, 'ValidationError').issues).toEqual([{ path: 'input.limit', message: 'must be an integer (got a string)' }]);
  });

  it('checks a re-run’s patched input the same way', async () => {
    const wf = await createWorkflow({ inputs: [{ name: 'x', type: 'number', required: true }], steps: [echo] });
    const run = expectMember((await t.ok(ExecuteWorkflowDocument, { workflowId: wf.id, input: { x: 1 } })).executeWorkflow, 'Run');
    await waitForRun(t, run.id);
    const rerun = (await t.ok(RerunFromStepDocument, { runId: run.id, stepId: 'echo', inputPatch: { x: 'two' } })).rerunFromStep;
    expect(expectMember(rerun, 'ValidationError').message).toBe('input.x: must be a number (got a string)');
  });

  it('is not fooled by inherited members or odd input names', () => {
    const definition = {
      inputs: [
        { name: 'constructor', type: 'string' as const, required: true },
        { name: 'a/b~c', type: 'integer' as const, required: false },
      ],
    };
    expect(checkRunInput(definition, {}).issues).toEqual([{ path: 'input.constructor', message: 'is required' }]);
    expect(checkRunInput(definition, { constructor: 'x', 'a/b~c': 'y' }).issues).toEqual([
      { path: 'input.a/b~c', message: 'must be an integer (got a string)' },
    ]);
    const defaults = { inputs: [{ name: 'o', type: 'object' as const, required: false, default: { list: [1] } }] };
    const first = checkRunInput(defaults, {}).input;
    (first.o as { list: number[] }).list.push(2);
    // Each run gets its own copy of a default.
    expect(checkRunInput(defaults, {}).input).toEqual({ o: { list: [1] } });
  });
});
