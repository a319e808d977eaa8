// One domain behind two APIs: what seed 004's REST endpoints create, GraphQL reads the same,
// and the other way round, for agents, workflows (with their versions) and runs (status,
// input, steps, cancellation). REST through the OpenAPI-checking client, GraphQL through the
// generated SDK documents.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AgentDocument,
  CancelRunDocument,
  CreateAgentDocument,
  CreateWorkflowDocument,
  ExecuteWorkflowDocument,
  RunDocument,
  UpdateAgentDocument,
  UpdateWorkflowDocument,
  WorkflowDocument,
  WorkflowVersionsDocument,
  WorkflowsDocument,
} from '../gql/graphql.ts';
import { gate } from '../support/agents.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { dbId, expectMember } from '../support/flows.ts';
import { type Body, type RestClient, restClient } from '../support/rest.ts';
import { eventually, waitForRun } from '../support/runs.ts';
import { dataAgent, type DataAgent, waitForStatus } from './seed-004-shapes.ts';

let t: TestApp;
let rest: RestClient;
let echo: DataAgent;
let slow: DataAgent;
const held = gate();

beforeAll(async () => {
  t = await startTestApp({}, { WORKER_POLL_MS: '50' });
  rest = restClient(t);
  echo = await dataAgent((input: unknown) => ({ data: { got: input } }));
  slow = await dataAgent(async () => {
    await held.wait;
    return { data: null };
  });
  for (const [name, agent] of [
    ['EchoAgent', echo],
    ['SlowAgent', slow],
  ] as const) {
    expect((await rest.post('/api/v1/agents', { name, url: agent.url, timeout_ms: 60000 })).status).toBe(201);
  }
});
afterAll(async () => {
  held.open();
  await t?.close();
  await Promise.all([echo, slow].map((a) => a?.close()));
});

const sameInstant = (a: string | null | undefined, b: string | null | undefined) =>
  a === null || a === undefined
    ? b === null || b === undefined
    : b !== null && b !== undefined && new Date(a).getTime() === new Date(b).getTime();

async function gqlAgent(id: string) {
  return expectMember((await t.ok(AgentDocument, { id })).agent, 'Agent');
}

/** The REST agent and the GraphQL agent are the same record. */
function expectSameAgent(r: Body, g: Awaited<ReturnType<typeof gqlAgent>>): void {
  expect(dbId(g.id)).toBe(r.id);
  expect({
    name: g.name,
    url: g.url,
    description: g.description ?? null,
    auth_type: g.authType.toLowerCase(),
    timeout_ms: g.timeoutMs,
    retry_config: {
      max_retries: g.retryConfig.maxRetries,
      initial_delay_ms: g.retryConfig.initialDelayMs,
      max_delay_ms: g.retryConfig.maxDelayMs,
      backoff_multiplier: g.retryConfig.backoffMultiplier,
    },
    status: g.status.toLowerCase(),
  }).toEqual({
    name: r.name,
    url: r.url,
    description: r.description,
    auth_type: r.auth_type,
    timeout_ms: r.timeout_ms,
    retry_config: r.retry_config,
    status: r.status,
  });
  expect(sameInstant(g.createdAt, r.created_at), `created_at ${r.created_at} vs ${String(g.createdAt)}`).toBe(true);
  expect(sameInstant(g.updatedAt, r.updated_at), `updated_at ${r.updated_at} vs ${String(g.updatedAt)}`).toBe(true);
}

describe('agents', () => {
  it('created through REST, read through GraphQL; changed through GraphQL, read through REST', async () => {
    const created = await rest.post('/api/v1/agents', {
      name: 'rest-made-agent',
      url: echo.url,
      description: 'made through REST',
      auth_type: 'bearer',
      auth_config: { token: 'rest-secret' },
      timeout_ms: 45000,
      retry_config: { max_retries: 2, initial_delay_ms: 500, max_delay_ms: 5000, backoff_multiplier: 1.5 },
    });
    expect(created.status, created.text).toBe(201);
    const g = await gqlAgent(created.body.id);
    expectSameAgent(created.body, g);
    expect(g.hasCredentials).toBe(true);

    expectMember(
      (await t.ok(UpdateAgentDocument, { id: g.id, input: { description: 'changed in GraphQL', status: 'INACTIVE' } })).updateAgent,
      'Agent',
    );
    const read = await rest.get(`/api/v1/agents/${created.body.id}`);
    expect(read.body).toMatchObject({ description: 'changed in GraphQL', status: 'inactive' });
    expectSameAgent(read.body, await gqlAgent(g.id));
  });

  it('created through GraphQL, read through REST; changed and deleted through REST, read through GraphQL', async () => {
    const g = expectMember(
      (
        await t.ok(CreateAgentDocument, {
          input: {
            name: 'graphql-made-agent',
            url: echo.url,
            authType: 'APIKEY',
            authConfig: { key: 'k' },
            retryConfig: { maxRetries: 4 },
          },
        })
      ).createAgent,
      'Agent',
    );
    const id = dbId(g.id);
    const read = await rest.get(`/api/v1/agents/${id}`);
    expect(read.status).toBe(200);
    expectSameAgent(read.body, g);
    expect(read.text).not.toContain('"k"');

    const updated = await rest.put(`/api/v1/agents/${id}`, { timeout_ms: 2000, retry_config: { backoff_multiplier: 3 } });
    expectSameAgent(updated.body, await gqlAgent(g.id));
    expect((await gqlAgent(g.id)).retryConfig).toMatchObject({ maxRetries: 4, backoffMultiplier: 3 });

    expect((await rest.delete(`/api/v1/agents/${id}`)).status).toBe(200);
    const deleted = await gqlAgent(g.id);
    expect(deleted.status).toBe('DELETED');
    expect(deleted.deletedAt).toEqual(expect.any(String));
  });
});

/** A canonical step as GraphQL returns it (the parts a chain can express). */
interface CanonicalStep {
  id: string;
  type: string;
  agent?: string;
  dependsOn?: string[];
  input?: unknown;
}

/** The v004 chain that says the same as a canonical definition (REST `workflow_data`). */
function asChain(definition: unknown) {
  const steps = (definition as { steps: CanonicalStep[] }).steps;
  const next = new Map(steps.flatMap((s) => (s.dependsOn ?? []).map((d) => [d, s.id] as const)));
  return {
    start_step: steps.find((s) => (s.dependsOn ?? []).length === 0)?.id,
    steps: Object.fromEntries(
      steps.map((s) => [s.id, { id: s.id, agent_name: s.agent, next_step: next.get(s.id) ?? null, input_mapping: s.input ?? {} }]),
    ),
  };
}

/** REST's workflow_data, reduced to what a chain says (ignoring optional extras). */
function chainOf(workflowData: Body) {
  return {
    start_step: workflowData.start_step,
    steps: Object.fromEntries(
      Object.entries(workflowData.steps as Record<string, Body>).map(([key, s]) => [
        key,
        { id: s.id, agent_name: s.agent_name, next_step: s.next_step ?? null, input_mapping: s.input_mapping ?? {} },
      ]),
    ),
  };
}

async function gqlWorkflow(id: string) {
  return expectMember((await t.ok(WorkflowDocument, { id })).workflow, 'Workflow');
}

/** REST shows a workflow through its current version: the workflow's `id`, the version's `created_at`. */
function expectSameWorkflow(r: Body, g: Awaited<ReturnType<typeof gqlWorkflow>>): void {
  expect({ name: g.name, description: g.description ?? null, status: g.status.toLowerCase(), version: g.currentVersion }).toEqual({
    name: r.name,
    description: r.description ?? null,
    status: r.status,
    version: r.version,
  });
  expect(dbId(g.id), 'REST id = id of the workflow (seed 004 keeps it across versions)').toBe(r.id);
  expect(chainOf(r.workflow_data)).toEqual(asChain(g.latestVersion?.definition));
  const createdAt = g.latestVersion?.createdAt;
  expect(sameInstant(createdAt, r.created_at), `created_at ${r.created_at} vs ${String(createdAt)}`).toBe(true);
}

/**
 * The GraphQL id of the workflow a REST body shows: GraphQL's `workflow(id:)` takes the REST
 * id (the workflow's, or a version's) as it is, and the workflows list names the same workflow.
 */
async function gqlIdOfRestWorkflow(r: Body): Promise<string> {
  const direct = await gqlWorkflow(r.id as string);
  const page = await t.ok(WorkflowsDocument, { first: 100, filter: { nameContains: r.name as string } });
  const node = page.workflows.edges.map((e) => e.node).find((w) => w.name === r.name);
  expect(node?.id).toBe(direct.id);
  return direct.id;
}

const chain = {
  name: 'rest-made-flow',
  description: 'made through REST',
  start_step: 'first',
  steps: {
    first: { id: 'first', agent_name: 'EchoAgent', next_step: 'second', input_mapping: { x: '${workflow.input.x}' } },
    second: { id: 'second', agent_name: 'EchoAgent', next_step: null, input_mapping: { y: '${first.output.data}' } },
  },
};

describe('workflows', () => {
  it('created and versioned through REST, read through GraphQL with the same versions', async () => {
    const created = await rest.post('/api/v1/workflows', chain);
    expect(created.status, created.text).toBe(201);
    const gid = await gqlIdOfRestWorkflow(created.body);
    expectSameWorkflow(created.body, await gqlWorkflow(gid));

    const third = { id: 'third', agent_name: 'EchoAgent', next_step: null, input_mapping: { z: '${second.output.data}' } };
    const updated = await rest.put(`/api/v1/workflows/${created.body.id}`, {
      steps: { ...chain.steps, second: { ...chain.steps.second, next_step: 'third' }, third },
    });
    expect(updated.status, updated.text).toBe(200);
    expect(updated.body.version).toBe(2);
    expectSameWorkflow(updated.body, await gqlWorkflow(gid));

    const versions = expectMember((await t.ok(WorkflowVersionsDocument, { id: gid, first: 10, number: 1 })).workflow, 'Workflow');
    const restVersions = (await rest.get(`/api/v1/workflows/${created.body.id}/versions`)).body.items as Body[];
    expect(restVersions.map((v) => v.version)).toEqual([2, 1]);
    expect(versions.versions.totalCount).toBe(2);
    const byNumber = new Map(versions.versions.edges.map((e) => [e.node.version, e.node]));
    for (const v of restVersions) {
      expect(chainOf(v.workflow_data), `version ${v.version}`).toEqual(asChain(byNumber.get(v.version)?.definition));
      expect(sameInstant(byNumber.get(v.version)?.createdAt as string, v.created_at), `version ${v.version} created_at`).toBe(true);
      // The current version shows the workflow's id, a superseded one its own.
      const ownId = dbId(byNumber.get(v.version)?.id ?? '');
      expect(v.id, `version ${v.version} id`).toBe(v.version === 2 ? dbId(gid) : ownId);
    }
    expect(expectMember(versions.version, 'WorkflowVersion').version).toBe(1);
  });

  it('created and changed through GraphQL, read through REST', async () => {
    const definition = {
      steps: [
        { id: 'a', type: 'agent', agent: 'EchoAgent', input: { q: '${workflow.input.q}' } },
        { id: 'b', type: 'agent', agent: 'EchoAgent', dependsOn: ['a'], input: { r: '${a.output.data}' } },
      ],
    };
    const g = expectMember(
      (await t.ok(CreateWorkflowDocument, { input: { name: 'graphql-made-flow', description: 'made through GraphQL', definition } }))
        .createWorkflow,
      'Workflow',
    );
    const read = await rest.get(`/api/v1/workflows/${dbId(g.id)}`);
    expect(read.status, read.text).toBe(200);
    expectSameWorkflow(read.body, await gqlWorkflow(g.id));
    expect(read.body.workflow_data.start_step).toBe('a');

    const changed = { steps: [definition.steps[0], { ...definition.steps[1], input: { r: '${a.output}' } }] };
    expectMember(
      (await t.ok(UpdateWorkflowDocument, { id: g.id, input: { definition: changed, status: 'INACTIVE' } })).updateWorkflow,
      'Workflow',
    );
    const after = await rest.get(`/api/v1/workflows/${dbId(g.id)}`);
    expect(after.body).toMatchObject({ version: 2, status: 'inactive' });
    expectSameWorkflow(after.body, await gqlWorkflow(g.id));
    expect((await rest.get(`/api/v1/workflows/${dbId(g.id)}/versions`)).body.items.map((v: Body) => v.version)).toEqual([2, 1]);
  });
});

/** The REST run and its steps, and the GraphQL run, are the same run. */
async function expectSameRun(runId: string): Promise<void> {
  const r = (await rest.get(`/api/v1/runs/${runId}`)).body;
  const steps = (await rest.get(`/api/v1/runs/${runId}/steps`)).body as Body[];
  const g = expectMember((await t.ok(RunDocument, { id: runId })).run, 'Run');
  expect(dbId(g.id)).toBe(r.id);
  expect({ status: g.status, input: g.inputs, workflow: g.workflow.key }).toEqual({
    status: r.status,
    input: r.input_data,
    workflow: r.workflow_id,
  });
  expect(sameInstant(g.createdAt, r.created_at)).toBe(true);
  expect(sameInstant(g.cancelledAt, r.cancelled_at)).toBe(true);
  if (r.status !== 'CANCELLED') expect(sameInstant(g.completedAt, r.completed_at)).toBe(true);
  // Seed 004 has no CANCELLED or WAITING step: a step cut off by a cancel reads FAILED once started, else SKIPPED; WAITING reads RUNNING.
  const v1Status = (s: (typeof g.steps)[number]) =>
    s.status === 'WAITING' ? 'RUNNING' : s.status === 'CANCELLED' ? (s.attemptCount > 0 ? 'FAILED' : 'SKIPPED') : s.status;
  const gSteps = Object.fromEntries(
    g.steps.map((s) => [s.stepId, { status: v1Status(s), input: s.input ?? null, output: s.output ?? null }]),
  );
  const rSteps = Object.fromEntries(
    steps.map((s) => [s.step_id, { status: s.status, input: s.input_data ?? null, output: s.output_data ?? null }]),
  );
  expect(rSteps).toEqual(gSteps);
}

describe('runs', () => {
  it('started through REST, read through GraphQL; started through GraphQL, read through REST', async () => {
    const wf = await rest.post('/api/v1/workflows', { ...chain, name: 'run-flow' });
    const started = await rest.post(`/api/v1/workflows/${wf.body.id}/execute`, { input_data: { x: 'from REST' } });
    expect(started.status, started.text).toBe(202);
    await waitForStatus(rest, started.body.run_id, ['COMPLETED', 'FAILED', 'CANCELLED']);
    await expectSameRun(started.body.run_id);

    const gid = await gqlIdOfRestWorkflow(wf.body);
    const g = expectMember((await t.ok(ExecuteWorkflowDocument, { workflowId: gid, input: { x: 'from GraphQL' } })).executeWorkflow, 'Run');
    const done = await waitForRun(t, g.id);
    expect(done.status).toBe('COMPLETED');
    await expectSameRun(dbId(g.id));
    const listed = await rest.get(`/api/v1/runs?workflow_id=${encodeURIComponent(done.workflow.key)}&sort_order=asc`);
    expect(listed.body.items.map((run: Body) => run.id)).toEqual([started.body.run_id, dbId(g.id)]);
  });

  it('cancelled through REST shows its reason in GraphQL; cancelled through GraphQL reads as documented in REST', async () => {
    const wf = await rest.post('/api/v1/workflows', {
      name: 'slow-flow',
      start_step: 'wait',
      steps: { wait: { id: 'wait', agent_name: 'SlowAgent', next_step: null, input_mapping: {} } },
    });
    const first = await rest.post(`/api/v1/workflows/${wf.body.id}/execute`, { input_data: {} });
    await eventually(() => slow.inputs.length === 1, 'the first run reaches the slow agent');
    expect((await rest.post(`/api/v1/runs/${first.body.run_id}/cancel`, { reason: 'stopped through REST' })).status).toBe(200);
    const g1 = expectMember((await t.ok(RunDocument, { id: first.body.run_id })).run, 'Run');
    expect(g1).toMatchObject({ status: 'CANCELLED', cancelReason: 'stopped through REST' });
    await expectSameRun(first.body.run_id);

    const second = await rest.post(`/api/v1/workflows/${wf.body.id}/execute`, { input_data: {} });
    await eventually(() => slow.inputs.length === 2, 'the second run reaches the slow agent');
    expectMember((await t.ok(CancelRunDocument, { id: second.body.run_id, reason: 'stopped through GraphQL' })).cancelRun, 'Run');
    const r2 = (await rest.get(`/api/v1/runs/${second.body.run_id}`)).body;
    expect(r2).toMatchObject({ status: 'CANCELLED', error_message: 'Cancelled: stopped through GraphQL', completed_at: null });
    await expectSameRun(second.body.run_id);
  });
});
