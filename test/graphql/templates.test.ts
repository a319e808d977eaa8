// Built-in workflow templates through the public GraphQL API: listing, instantiating (with and
// without an agent map), and running what was instantiated to completion on the real engine.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateDefinition } from '../../src/domain/definition/validate.ts';
import { WORKFLOW_TEMPLATES } from '../../src/domain/templates.ts';
import {
  CreateWorkflowDocument,
  InstantiateTemplateDocument,
  type InstantiateTemplateInput,
  SignalRunDocument,
  WorkflowTemplateDocument,
  WorkflowTemplatesDocument,
} from '../gql/graphql.ts';
import { AgentReply, startHttpAgent, type TestAgent } from '../support/agents.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { expectMember, flows } from '../support/flows.ts';
import { waitForRun } from '../support/runs.ts';

let t: TestApp;
let f: ReturnType<typeof flows>;
const agents: TestAgent[] = [];

beforeAll(async () => {
  t = await startTestApp({}, { WORKER_POLL_MS: '50' });
  f = flows(t);
});
afterAll(async () => {
  await t?.close();
  await Promise.all(agents.map((a) => a.close()));
});

const NO_AGENT_TEMPLATES = ['sequential', 'parallel-fan-out', 'conditional-branch', 'human-approval'];
const ALL_TEMPLATES = [...NO_AGENT_TEMPLATES, 'etl-with-retries'];

async function instantiate(templateId: string, input: InstantiateTemplateInput) {
  return (await t.ok(InstantiateTemplateDocument, { templateId, input })).instantiateTemplate;
}

async function template(id: string) {
  return expectMember((await t.ok(WorkflowTemplateDocument, { id })).workflowTemplate, 'WorkflowTemplate');
}

describe('the built-in templates', () => {
  it('are valid canonical definitions when their placeholder agents exist, and only ETL needs any', () => {
    for (const tpl of WORKFLOW_TEMPLATES) {
      const known = new Map(tpl.agents.map((name) => [name, { status: 'ACTIVE' as const }]));
      const result = validateDefinition(tpl.definition, { agents: known });
      expect(result.ok, `${tpl.id}: ${JSON.stringify(result.ok ? null : result.issues)}`).toBe(true);
      // Stored as given: the template is already in normalized canonical form.
      if (result.ok) expect(result.definition).toEqual(tpl.definition);
      expect(validateDefinition(tpl.definition, { agents: new Map() }).ok).toBe(tpl.agents.length === 0);
    }
    expect(WORKFLOW_TEMPLATES.filter((tpl) => tpl.agents.length > 0).map((tpl) => tpl.id)).toEqual(['etl-with-retries']);
  });
});

describe('workflowTemplates / workflowTemplate', () => {
  it('lists the five templates, each described, with its definition and input schema', async () => {
    const list = (await t.ok(WorkflowTemplatesDocument, {})).workflowTemplates;
    expect(list.map((tpl) => tpl.slug)).toEqual(ALL_TEMPLATES);
    for (const tpl of list) {
      expect(tpl.name.length).toBeGreaterThan(3);
      expect(tpl.description.length).toBeGreaterThan(40);
      expect(tpl.category).toMatch(/^[a-z-]+$/);
      expect(tpl.tags.length).toBeGreaterThan(0);
      const definition = tpl.definition as { steps: unknown[]; inputs: { name: string }[] };
      expect(definition.steps.length).toBeGreaterThan(1);
      expect(definition.inputs.length).toBeGreaterThan(0);
      expect(tpl.inputSchema).toMatchObject({ type: 'object', additionalProperties: true });
      expect(Object.keys((tpl.inputSchema as { properties: object }).properties)).toEqual(definition.inputs.map((i) => i.name));
      expect(tpl.schema.inputs).toEqual(tpl.inputSchema);
      expect(tpl.schema.outputs).toMatchObject({ type: 'object', additionalProperties: false });
      expect(tpl.tags.includes('no-agents')).toBe(tpl.agents.length === 0);
    }
    expect(list.find((tpl) => tpl.slug === 'etl-with-retries')?.agents).toEqual(['extractor', 'transformer', 'loader']);

    const patterns = (await t.ok(WorkflowTemplatesDocument, { category: 'patterns' })).workflowTemplates;
    expect(patterns.map((tpl) => tpl.slug)).toEqual(['parallel-fan-out', 'conditional-branch']);
  });

  it('reads one template by id, and answers NotFoundError for an unknown one', async () => {
    const conditional = await template('conditional-branch');
    expect(conditional.inputSchema).toEqual({
      type: 'object',
      properties: {
        amount: { type: 'number', description: 'Amount to check, e.g. an order total' },
        threshold: { type: 'number', description: 'Amounts at or above this go to review', default: 1000 },
      },
      required: ['amount'],
      additionalProperties: true,
    });
    const missing = (await t.ok(WorkflowTemplateDocument, { id: 'no-such-template' })).workflowTemplate;
    expect(expectMember(missing, 'NotFoundError')).toMatchObject({ entity: 'WorkflowTemplate', lookup: '"no-such-template"' });
  });
});

describe('instantiateTemplate', () => {
  it('creates a workflow with each no-agent template’s definition, and runs it to completion', async () => {
    const inputs: Record<string, Record<string, unknown>> = {
      sequential: { text: '  hello   flowdeck world ', uppercase: true },
      'parallel-fan-out': { numbers: [4, 'x', 1, 7, null] },
      'conditional-branch': { amount: 2500 },
      'human-approval': { request: 'a new laptop', requester: 'ada' },
    };
    const expectedOutputs: Record<string, unknown> = {
      // $trim also collapses runs of whitespace.
      sequential: { result: 'HELLO FLOWDECK WORLD', words: 3, summary: 'HELLO FLOWDECK WORLD (3 words)' },
      'parallel-fan-out': { count: 3, sum: 12, min: 1, max: 7, mean: 4 },
      'conditional-branch': { decision: 'review', amount: 2500 },
      'human-approval': { outcome: 'approved', summary: 'ada asks: a new laptop', comment: 'go ahead' },
    };
    for (const id of NO_AGENT_TEMPLATES) {
      const tpl = await template(id);
      const workflow = expectMember(await instantiate(id, { name: `From ${id}` }), 'Workflow');
      expect(workflow.key).toBe(`from-${id}`);
      expect(workflow.description).toBe(tpl.description);
      expect(workflow.metadata).toEqual({ templateId: id });
      expect(workflow.latestVersion).toMatchObject({ version: 1, sourceFormat: 'CANONICAL', inputSchema: tpl.inputSchema });
      expect(workflow.latestVersion?.definition).toEqual(tpl.definition);

      const run = await f.execute(workflow.id, inputs[id]);
      if (id === 'human-approval') {
        const waiting = await waitForRun(t, run.id, (r) => r.steps.some((s) => s.stepId === 'approval' && s.status === 'WAITING'));
        expect(waiting.status).not.toBe('COMPLETED');
        const signalled = (
          await t.ok(SignalRunDocument, { runId: run.id, stepId: 'approval', payload: { approved: true, comment: 'go ahead' } })
        ).signalRun;
        expectMember(signalled, 'Run');
      }
      const done = await waitForRun(t, run.id);
      expect(done.status, `${id}: ${JSON.stringify(done.error)}`).toBe('COMPLETED');
      expect(done.outputs, id).toEqual(expectedOutputs[id]);
    }
  });

  it('applies template input defaults and takes the other branch', async () => {
    const conditional = expectMember(await instantiate('conditional-branch', { name: 'Small orders', key: 'small-orders' }), 'Workflow');
    expect(conditional.key).toBe('small-orders');
    const run = await f.execute(conditional.id, { amount: 20 });
    expect(run.inputs).toEqual({ amount: 20, threshold: 1000 });
    const done = await waitForRun(t, run.id);
    expect(done.outputs).toEqual({ decision: 'approved', amount: 20 });
    expect(Object.fromEntries(done.steps.map((s) => [s.stepId, s.status]))).toEqual({
      check: 'COMPLETED',
      review: 'SKIPPED',
      auto_approve: 'COMPLETED',
      result: 'COMPLETED',
    });

    const approval = expectMember(await instantiate('human-approval', { name: 'Rejections', description: 'Mine' }), 'Workflow');
    expect(approval.description).toBe('Mine');
    const asked = await f.execute(approval.id, { request: 'a pony' });
    await waitForRun(t, asked.id, (r) => r.steps.some((s) => s.stepId === 'approval' && s.status === 'WAITING'));
    expectMember((await t.ok(SignalRunDocument, { runId: asked.id, stepId: 'approval', payload: { approved: false } })).signalRun, 'Run');
    const rejected = await waitForRun(t, asked.id);
    expect(rejected.status).toBe('COMPLETED');
    expect(rejected.outputs).toEqual({ outcome: 'rejected', summary: 'someone asks: a pony', comment: null });
  });

  it('maps placeholder agents to registered agents, and the ETL workflow runs with retries', async () => {
    let extractCalls = 0;
    const extractor = await startHttpAgent((body: { input: { source: string; batchSize: number } }) => {
      extractCalls += 1;
      // The first call fails with a 503, which the step's retry policy retries.
      if (extractCalls === 1) return new AgentReply(503, 'warming up');
      return { records: [{ n: 1 }, { n: 2 }, { n: 3 }], source: body.input.source, batchSize: body.input.batchSize };
    });
    const transformer = await startHttpAgent((body: { input: { records: { n: number }[] } }) => ({
      records: body.input.records.map((r) => ({ n: r.n * 10 })),
    }));
    const loader = await startHttpAgent((body: { input: { destination: string; records: unknown[] } }) => ({
      loaded: body.input.records.length,
      into: body.input.destination,
    }));
    agents.push(extractor, transformer, loader);
    const agentMap = {
      extractor: await f.agent('extract', extractor),
      transformer: await f.agent('transform', transformer),
      loader: await f.agent('load', loader),
    };

    const tpl = await template('etl-with-retries');
    const workflow = expectMember(await instantiate('etl-with-retries', { name: 'Nightly ETL', agentMap }), 'Workflow');
    const definition = workflow.latestVersion?.definition as { steps: { id: string; agent?: string }[] };
    expect(Object.fromEntries(definition.steps.filter((s) => s.agent).map((s) => [s.id, s.agent]))).toEqual({
      extract: agentMap.extractor,
      transform: agentMap.transformer,
      load: agentMap.loader,
    });
    // Everything but the agent names is the template's.
    const placeholders = (tpl.definition as { steps: { id: string; agent?: string }[] }).steps.map((s) => s.agent);
    expect(definition.steps.map((s) => ({ ...s, agent: undefined }))).toEqual(
      (tpl.definition as { steps: object[] }).steps.map((s) => ({ ...s, agent: undefined })),
    );
    expect(placeholders.filter(Boolean)).toEqual(['extractor', 'transformer', 'loader']);

    const run = await f.execute(workflow.id, { source: 's3://bucket/in', destination: 'warehouse.orders' });
    expect(run.inputs).toEqual({ source: 's3://bucket/in', destination: 'warehouse.orders', batchSize: 500 });
    const done = await waitForRun(t, run.id);
    expect(done.status, JSON.stringify(done.error)).toBe('COMPLETED');
    expect(done.outputs).toEqual({ records: 3, load: { loaded: 3, into: 'warehouse.orders' } });
    expect(done.steps.find((s) => s.stepId === 'extract')?.attempts.map((a) => [a.status, a.statusCode])).toEqual([
      ['FAILED', 503],
      ['SUCCEEDED', 200],
    ]);
    expect(loader.calls).toHaveLength(1);
    expect((loader.calls[0]?.body as { input: unknown }).input).toEqual({
      destination: 'warehouse.orders',
      records: [{ n: 10 }, { n: 20 }, { n: 30 }],
    });
  });

  it('answers ValidationError for unmapped agents that do not exist and for a bad agentMap', async () => {
    const unmapped = expectMember(await instantiate('etl-with-retries', { name: 'ETL without agents' }), 'ValidationError');
    expect(unmapped.issues.map((i) => i.path)).toEqual([
      'definition.steps[0].agent',
      'definition.steps[1].agent',
      'definition.steps[3].agent',
    ]);
    expect(unmapped.issues[0]?.message).toContain('extractor');

    const bad = expectMember(
      await instantiate('etl-with-retries', { name: 'ETL bad map', agentMap: { extractor: '', nosuch: 'x' } }),
      'ValidationError',
    );
    expect(bad.issues).toEqual([
      { path: 'agentMap.extractor', message: 'must be the name of an agent registered in this workspace' },
      {
        path: 'agentMap.nosuch',
        message: '"nosuch" is not a placeholder agent of template "etl-with-retries"; its placeholders are extractor, transformer, loader',
      },
    ]);
    const notObject = expectMember(await instantiate('sequential', { name: 'Seq bad map', agentMap: ['x'] }), 'ValidationError');
    expect(notObject.issues.map((i) => i.path)).toEqual(['agentMap']);
    const badName = expectMember(await instantiate('sequential', { name: '  ' }), 'ValidationError');
    expect(badName.issues.map((i) => i.path)).toEqual(['name']);
  });

  it('answers NotFoundError for an unknown template and ConflictError for a taken name or key', async () => {
    const unknown = await instantiate('no-such-template', { name: 'Whatever' });
    expect(expectMember(unknown, 'NotFoundError').entity).toBe('WorkflowTemplate');

    expectMember(
      (
        await t.ok(CreateWorkflowDocument, {
          input: { name: 'Taken', definition: { steps: [{ id: 'a', type: 'transform', expression: '1' }] } },
        })
      ).createWorkflow,
      'Workflow',
    );
    const clash = expectMember(await instantiate('sequential', { name: 'Taken' }), 'ConflictError');
    expect(clash.field).toBe('name');
    const keyClash = expectMember(await instantiate('sequential', { name: 'Not taken', key: 'taken' }), 'ConflictError');
    expect(keyClash.field).toBe('key');
  });
});
