// Seed 001's /workflows API: a configuration is submitted and starts at once, its status is read
// by the instance id (Flowdeck's run id), /start only reports, /stop cancels; 503 while no worker
// is alive anywhere, 404 for unknown ids, 400 for bad configurations. Every answer is checked
// against /openapi.json; runs started here are compared with seed 004's /api/v1/runs and GraphQL.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArchiveWorkflowDocument, CreateWorkspaceDocument, RunDocument, WorkflowDocument } from '../gql/graphql.ts';
import { AgentReply, gate, startHttpAgent, type TestAgent } from '../support/agents.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { ManualClock } from '../support/clock.ts';
import { testProvider } from '../support/database.ts';
import { expectMember, flows } from '../support/flows.ts';
import { type FlowdeckProcess, startProcess } from '../support/process.ts';
import { type Body, restClient } from '../support/rest.ts';
import { waitForRun } from '../support/runs.ts';

let t: TestApp;
let rest: ReturnType<typeof restClient>;
const agents: TestAgent[] = [];
const gates: (() => void)[] = [];
let names = 0;

/** A registered HTTP test agent (no retries); returns its registered name. */
async function agent(handler: (body: { input: Record<string, unknown> }) => unknown): Promise<string> {
  const started = await startHttpAgent(handler);
  agents.push(started);
  return flows(t).agent(`engine-agent-${++names}`, started, { retryConfig: { maxRetries: 0 } });
}

const unique = (prefix: string) => `${prefix}-${++names}`;

/** Polls GET /workflows/{id} until the instance leaves pending/running (bounded). */
async function settled(id: string): Promise<Body> {
  await waitForRun(t, id);
  const got = await rest.get(`/workflows/${id}`);
  expect(got.status).toBe(200);
  return got.body;
}

beforeAll(async () => {
  t = await startTestApp({}, { WORKER_POLL_MS: '50' });
  rest = restClient(t);
});
afterAll(async () => {
  for (const open of gates) open();
  await t?.close();
  await Promise.all(agents.map((a) => a.close()));
});

describe('POST /workflows', () => {
  it('creates a workflow from a name and steps, starts it at once, and answers its status with the run id', async () => {
    const extractor = await agent((body) => ({ rows: [1, 2, 3], from: body.input.url }));
    const name = unique('nightly-etl');
    const created = await rest.post('/workflows', {
      name,
      description: 'Extract then count',
      input: { source: 's3://bucket/day.csv' },
      steps: [
        { id: 'extract', type: 'agent', agent: extractor, input: { url: '${workflow.input.source}' } },
        { id: 'count', type: 'transform', dependsOn: ['extract'], input: { rows: '${extract.output.rows}' }, expression: '$count(rows)' },
      ],
      outputs: { total: '${count.output}' },
    });
    expect(created.status).toBe(200);
    const id: string = created.body.id;
    expect(created.body).toMatchObject({
      id,
      workflow_id: id,
      name,
      version: 1,
      steps_total: 2,
      input: { source: 's3://bucket/day.csv' },
      stopped_at: null,
    });
    expect(['pending', 'running', 'completed']).toContain(created.body.state);
    expect(created.body.steps.map((s: Body) => s.id)).toEqual(['extract', 'count']);

    const done = await settled(id);
    expect(done).toMatchObject({
      id,
      state: 'completed',
      status: 'COMPLETED',
      progress: 1,
      steps_completed: 2,
      steps_failed: 0,
      current_steps: [],
      outputs: { total: 3 },
      error: null,
    });
    expect(done.steps[0]).toMatchObject({
      id: 'extract',
      type: 'agent',
      status: 'COMPLETED',
      attempts: 1,
      output: { rows: [1, 2, 3], from: 's3://bucket/day.csv' },
    });
    expect(done.started_at).not.toBeNull();
    expect(done.completed_at).not.toBeNull();

    // The same run through seed 004 and GraphQL, in the same state.
    const v1 = await rest.get(`/api/v1/runs/${id}`);
    expect(v1.body).toMatchObject({ id, status: 'COMPLETED', workflow_name: name, workflow_id: done.workflow_key, input_data: done.input });
    const graph = expectMember((await t.ok(RunDocument, { id })).run, 'Run');
    expect(graph.status).toBe('COMPLETED');
    expect(graph.completedAt).toBe(done.completed_at);
  });

  it('accepts the legacy shapes the domain converts: steps by name, and a start_step chain', async () => {
    const echo = await agent((body) => ({ echoed: body.input }));
    const byName = await rest.post('/workflows', {
      name: unique('by-name'),
      steps: [
        { name: 'Fetch', step_type: 'agent', step_order: 1, config: { agent_name: echo, input_mapping: { n: 1 } } },
        { name: 'Store', step_type: 'agent', step_order: 2, depends_on_steps: ['Fetch'], config: { agent_name: echo } },
      ],
    });
    expect(byName.status).toBe(200);
    expect(byName.body.steps_total).toBe(2);
    expect((await settled(byName.body.id)).state).toBe('completed');

    const chain = await rest.post('/workflows', {
      name: unique('chain'),
      start_step: 'first',
      steps: {
        first: { agent_name: echo, next_step: 'second', input_mapping: { v: '${workflow.input.v}' } },
        second: { agent_name: echo, next_step: null, input_mapping: { prev: '${first.output.echoed}' } },
      },
      input: { v: 7 },
    });
    expect(chain.status).toBe(200);
    const done = await settled(chain.body.id);
    expect(done.state).toBe('completed');
    expect(done.steps.map((s: Body) => [s.id, s.output])).toEqual([
      ['first', { echoed: { v: 7 } }],
      ['second', { echoed: { prev: { v: 7 } } }],
    ]);
  });

  it('resubmitting a name runs the same workflow; a changed definition becomes its next version and earlier runs keep theirs', async () => {
    const name = unique('resubmitted');
    const config = (expression: string) => ({ name, steps: [{ id: 'only', type: 'transform', expression }] });
    const first = (await rest.post('/workflows', config('1'))).body;
    const again = (await rest.post('/workflows', config('1'))).body;
    const changed = (await rest.post('/workflows', config('2'))).body;
    expect(new Set([first.id, again.id, changed.id]).size).toBe(3);
    expect([first.version, again.version, changed.version]).toEqual([1, 1, 2]);
    expect(new Set([first.workflow_key, again.workflow_key, changed.workflow_key]).size).toBe(1);
    expect((await settled(first.id)).steps[0].output).toBe(1);
    expect((await settled(changed.id)).steps[0].output).toBe(2);
  });

  it('answers 400 for a bad configuration, naming the problem', async () => {
    const missingName = await rest.post('/workflows', { steps: [{ id: 'a', type: 'transform', expression: '1' }] });
    expect(missingName.status).toBe(400);
    expect(missingName.body.detail).toEqual([expect.objectContaining({ loc: ['body', 'name'], type: 'missing' })]);

    const noSteps = await rest.post('/workflows', { name: unique('empty') });
    expect(noSteps.status).toBe(400);
    expect(noSteps.body.detail).toMatch(/unrecognised definition/);

    const unknownAgent = await rest.post('/workflows', {
      name: unique('ghost'),
      steps: [{ id: 'a', type: 'agent', agent: 'no-such-agent' }],
    });
    expect(unknownAgent.status).toBe(400);
    expect(unknownAgent.body.detail).toMatch(/^steps\[0\]\.agent: .*no-such-agent/);

    const cycle = await rest.post('/workflows', {
      name: unique('cycle'),
      steps: [
        { id: 'a', type: 'transform', dependsOn: ['b'], expression: '1' },
        { id: 'b', type: 'transform', dependsOn: ['a'], expression: '1' },
      ],
    });
    expect(cycle.status).toBe(400);

    const badInput = await rest.post('/workflows', {
      name: unique('typed'),
      inputs: [{ name: 'n', type: 'integer', required: true }],
      steps: [{ id: 'a', type: 'transform', expression: '1' }],
      input: {},
    });
    expect(badInput.status).toBe(400);
    expect(badInput.body.detail).toMatch(/\bn\b/);

    const notJson = await rest.call('POST', '/workflows', { raw: '{"name": ' });
    expect(notJson.status).toBe(400);
    expect(notJson.body.detail[0]).toMatchObject({ type: 'json_invalid', loc: ['body'] });
  });

  it('refuses with 400 when the workflow of that name is not ACTIVE, without adding a version', async () => {
    const name = unique('archived');
    const first = (await rest.post('/workflows', { name, steps: [{ id: 'a', type: 'transform', expression: '1' }] })).body;
    await settled(first.id);
    const run = expectMember((await t.ok(RunDocument, { id: first.id })).run, 'Run');
    expectMember((await t.ok(ArchiveWorkflowDocument, { id: run.workflow.id })).archiveWorkflow, 'Workflow');
    const refused = await rest.post('/workflows', { name, steps: [{ id: 'a', type: 'transform', expression: '2' }] });
    expect(refused.status).toBe(400);
    expect(refused.body.detail).toMatch(/ARCHIVED/);
    const workflow = expectMember((await t.ok(WorkflowDocument, { id: run.workflow.id })).workflow, 'Workflow');
    expect(workflow.currentVersion).toBe(1);
  });
});

describe('GET /workflows/{id}, POST /workflows/{id}/start and /stop', () => {
  it('start reports the status and never starts a second run', async () => {
    const name = unique('started-once');
    const created = (await rest.post('/workflows', { name, steps: [{ id: 'a', type: 'transform', expression: '1' }] })).body;
    await settled(created.id);
    const started = await rest.post(`/workflows/${created.id}/start`);
    expect(started.status).toBe(200);
    expect(started.body).toMatchObject({ id: created.id, state: 'completed' });
    const runs = await rest.get(`/api/v1/runs?workflow_id=${created.workflow_key}`);
    expect(runs.body.total).toBe(1);
  });

  it('stop cancels a running instance (state stopped everywhere); stopping a finished one is a 400 naming its status', async () => {
    const hold = gate();
    gates.push(() => hold.open());
    const slow = await agent(async () => {
      await hold.wait;
      return { late: true };
    });
    const created = (
      await rest.post('/workflows', {
        name: unique('stoppable'),
        steps: [
          { id: 'wait', type: 'agent', agent: slow },
          { id: 'after', type: 'transform', dependsOn: ['wait'], expression: '1' },
        ],
      })
    ).body;
    await waitForRun(t, created.id, (r) => r.status === 'RUNNING');
    const stopped = await rest.post(`/workflows/${created.id}/stop`);
    expect(stopped.status).toBe(200);
    expect(stopped.body).toMatchObject({ id: created.id, state: 'stopped', status: 'CANCELLED', error: 'Cancelled', current_steps: [] });
    expect(stopped.body.stopped_at).not.toBeNull();
    expect(stopped.body.steps.map((s: Body) => s.status)).toEqual(['CANCELLED', 'CANCELLED']);
    hold.open();

    const v1 = await rest.get(`/api/v1/runs/${created.id}`);
    expect(v1.body).toMatchObject({ status: 'CANCELLED', cancelled_at: stopped.body.stopped_at });
    expect(expectMember((await t.ok(RunDocument, { id: created.id })).run, 'Run').status).toBe('CANCELLED');
    expect((await rest.get(`/workflows/${created.id}`)).body.state).toBe('stopped');

    const again = await rest.post(`/workflows/${created.id}/stop`);
    expect(again.status).toBe(400);
    expect(again.body.detail).toBe(`Workflow '${created.id}' is already stopped; only pending or running workflows can be stopped`);

    const finished = (await rest.post('/workflows', { name: unique('finished'), steps: [{ id: 'a', type: 'transform', expression: '1' }] }))
      .body;
    await settled(finished.id);
    const late = await rest.post(`/workflows/${finished.id}/stop`);
    expect(late.status).toBe(400);
    expect(late.body.detail).toMatch(/is already completed; only pending or running workflows can be stopped$/);
  });

  it('a failed instance shows the failing step and the error', async () => {
    const broken = await agent(() => new AgentReply(500, { error: 'disk full' }));
    const created = (await rest.post('/workflows', { name: unique('failing'), steps: [{ id: 'save', type: 'agent', agent: broken }] }))
      .body;
    const done = await settled(created.id);
    expect(done).toMatchObject({ state: 'failed', status: 'FAILED', steps_failed: 1, progress: 0, outputs: null });
    expect(done.error).toMatch(/save/);
    expect(done.steps[0].error).toEqual(expect.any(String));
  });

  it('answers 404 for unknown ids and for instances of another workspace', async () => {
    for (const call of [
      () => rest.get('/workflows/nope'),
      () => rest.post('/workflows/nope/start'),
      () => rest.post('/workflows/nope/stop'),
    ]) {
      const missing = await call();
      expect(missing.status).toBe(404);
      expect(missing.body.detail).toMatch(/nope/);
    }
    const mine = (await rest.post('/workflows', { name: unique('mine'), steps: [{ id: 'a', type: 'transform', expression: '1' }] })).body;
    const slug = unique('other-team');
    expectMember((await t.ok(CreateWorkspaceDocument, { input: { name: slug, slug } })).createWorkspace, 'Workspace');
    const other = { headers: { 'x-workspace-slug': slug } };
    expect((await rest.get(`/workflows/${mine.id}`, other)).status).toBe(404);
    expect((await rest.post(`/workflows/${mine.id}/stop`, undefined, other)).status).toBe(404);
    expect((await rest.post(`/workflows/${mine.id}/start`, undefined, other)).status).toBe(404);
  });
});

describe('503 when no worker is running', () => {
  let api: TestApp;
  let apiRest: ReturnType<typeof restClient>;
  const clock = new ManualClock(new Date());
  const workers: FlowdeckProcess[] = [];

  /** A worker process (`npm run worker`) on the API app's database. */
  async function startWorker(): Promise<FlowdeckProcess> {
    const worker = await startProcess('worker', { DATABASE_URL: api.databaseUrl, WORKER_CONCURRENCY: '1', WORKER_POLL_MS: '50' });
    workers.push(worker);
    return worker;
  }

  beforeAll(async () => {
    api = await startTestApp({ clock }, { WORKER_CONCURRENCY: '0' });
    apiRest = restClient(api);
  });
  afterAll(async () => {
    for (const worker of workers) worker.child.kill('SIGKILL');
    await Promise.all(workers.map((w) => w.exited));
    await api?.close();
  });

  const config = { name: 'remote', steps: [{ id: 'a', type: 'transform', expression: '42' }] };

  it('an API-only process answers 503 on every operation while no worker process is alive', async () => {
    clock.set(new Date());
    for (const call of [
      () => apiRest.post('/workflows', config),
      () => apiRest.get('/workflows/any'),
      () => apiRest.post('/workflows/any/start'),
      () => apiRest.post('/workflows/any/stop'),
    ]) {
      const refused = await call();
      expect(refused.status).toBe(503);
      expect(refused.body.detail).toMatch(/no worker is alive/);
    }
  });

  // A separate worker process needs PostgreSQL (`npm run worker` refuses a SQLite file).
  it.runIf(testProvider === 'postgres')(
    'accepts work once a worker process shares its database, which executes it; 503 again once that worker stops',
    async () => {
      clock.set(new Date());
      const worker = await startWorker();
      const created = await apiRest.post('/workflows', config);
      expect(created.status).toBe(200);
      await waitForRun(api, created.body.id);
      expect((await apiRest.get(`/workflows/${created.body.id}`)).body).toMatchObject({
        state: 'completed',
        outputs: { a: 42 },
        steps: [{ output: 42 }],
      });

      worker.child.kill('SIGTERM');
      expect(await worker.exited).toBe(0);
      expect((await apiRest.post('/workflows', config)).status).toBe(503);
      expect((await apiRest.get(`/workflows/${created.body.id}`)).status).toBe(503);
    },
    // Two child processes start (tsx compiles the worker each time): on a loaded CI machine
    // that alone has taken most of the default 30 s.
    120_000,
  );

  it.runIf(testProvider === 'postgres')(
    "a worker that crashed counts as alive until its heartbeat expires, a lease's time after its last beat",
    async () => {
      clock.set(new Date());
      const worker = await startWorker();
      expect((await apiRest.post('/workflows', config)).status).toBe(200);
      worker.child.kill('SIGKILL');
      await worker.exited;
      // Its row is still there: nothing tells a crash from a pause until the beat expires.
      expect((await apiRest.get('/workflows/any')).status).toBe(404);
      // The last beat said "alive for LEASE_MS (30 s)"; seen from 31 s later it has expired.
      clock.set(new Date(Date.now() + 31_000));
      expect((await apiRest.post('/workflows', config)).status).toBe(503);
    },
    120_000,
  );
});
