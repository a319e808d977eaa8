// Every status a REST dialect answers is one its seed documents (seeds 004 and 003), or one of
// the dialect's closed set where the seed documents none (seeds 002, 000 and 001), whatever
// internal state the run or step is in. Runs are driven through the API into each state with
// local test agents: a completed run with a step skipped by a condition, a failed run whose
// parallel step was cut off, a run with a step running, one waiting on a signal and one not
// started (then cancelled), and a run still pending. One worker slot (WORKER_CONCURRENCY=1)
// keeps the last one pending while the running step holds the slot. Every answer is checked
// against /openapi.json by the REST client as well.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentReply, gate, startHttpAgent, type TestAgent } from '../support/agents.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { dbId, flows } from '../support/flows.ts';
import { type Body, type RestClient, restClient } from '../support/rest.ts';
import { eventually, waitForRun } from '../support/runs.ts';

/** A run started for the test, with what each dialect needs to find it. */
interface Started {
  id: string;
  workflowId: string;
  key: string;
}

/** Every dialect's view of one run, read at one moment. */
interface Views {
  v1: Body;
  v1Steps: Body[];
  v2: Body;
  legacy: Body;
  timeline: Body;
  history: Body;
  engine: Body;
}

const REASON = 'user closed the tab';

let t: TestApp;
let rest: RestClient;
const agents: TestAgent[] = [];
const gates: (() => void)[] = [];
let skipped: Views;
let failed: Views;
let live: Views;
let pending: Views;
let cut: Views;
let runs: { skipped: Started; failed: Started; cut: Started; pending: Started };

async function ok(path: string): Promise<Body> {
  const response = await rest.get(path);
  expect(response.status, `GET ${path}: ${response.text.slice(0, 300)}`).toBe(200);
  return response.body;
}

async function views(run: Started): Promise<Views> {
  const history = (await ok(`/api/v1/workflows/runs?workflow_key=${run.key}`)).items.find((r: Body) => r.id === run.id);
  return {
    v1: await ok(`/api/v1/runs/${run.id}`),
    v1Steps: await ok(`/api/v1/runs/${run.id}/steps`),
    v2: (await ok(`/api/v2/workflows/${run.workflowId}/runs/${run.id}`)).run,
    legacy: await ok(`/api/workflows/executions/${run.id}`),
    timeline: await ok(`/api/workflows/executions/${run.id}/timeline`),
    history,
    engine: await ok(`/workflows/${run.id}`),
  };
}

/** Step id → [status, error_message] of a v1 steps answer. */
const v1Steps = (v: Views) => Object.fromEntries(v.v1Steps.map((s) => [s.step_id, [s.status, s.error_message]]));
/** Step id → status of the legacy execution's step executions. */
const legacySteps = (v: Views) => Object.fromEntries(v.legacy.step_executions.map((s: Body) => [s.step_id, s.status]));
/** Step id → attempt statuses on the legacy timeline. */
const attempts = (v: Views) =>
  Object.fromEntries(v.timeline.step_timeline.map((s: Body) => [s.step_id, s.attempts.map((a: Body) => a.status)]));
/** Step id → status of the engine instance's steps. */
const engineSteps = (v: Views) => Object.fromEntries(v.engine.steps.map((s: Body) => [s.id, s.status]));

beforeAll(async () => {
  t = await startTestApp({}, { WORKER_POLL_MS: '50', WORKER_CONCURRENCY: '1' });
  rest = restClient(t);
  const f = flows(t);
  const agent = async (prefix: string, handler: Parameters<typeof startHttpAgent>[0]) => {
    const started = await startHttpAgent(handler);
    agents.push(started);
    return { agent: started, name: await f.agent(prefix, started, { timeoutMs: 30_000, retryConfig: { maxRetries: 0 } }) };
  };
  const blocker = () => {
    const g = gate();
    gates.push(() => g.open());
    return g;
  };
  const start = async (prefix: string, definition: Record<string, unknown>, input: Record<string, unknown> = {}): Promise<Started> => {
    const wf = await f.workflow(prefix, definition);
    return { id: dbId((await f.execute(wf.id, input)).id), workflowId: dbId(wf.id), key: wf.key };
  };

  // A condition skips the branch not taken.
  const branching = await start(
    'branching',
    {
      inputs: [{ name: 'n', type: 'number', required: true }],
      steps: [
        {
          id: 'check',
          type: 'condition',
          condition: { value: '${workflow.input.n}', operator: 'gt', compareTo: 5 },
          onTrue: ['big'],
          onFalse: ['small'],
        },
        { id: 'big', type: 'transform', dependsOn: ['check'], expression: '"big"' },
        { id: 'small', type: 'transform', dependsOn: ['check'], expression: '"small"' },
      ],
    },
    { n: 1 },
  );
  await waitForRun(t, branching.id);
  skipped = await views(branching);

  // `boom` fails while `slow` is still running: the run fails and cuts `slow` off; `after` never starts.
  const boomGate = blocker();
  const slowGate = blocker();
  const boom = await agent('boom', async () => {
    await boomGate.wait;
    return new AgentReply(500, { error: 'boom' });
  });
  const slow = await agent('slow', async () => {
    await slowGate.wait;
    return {};
  });
  const quick = await agent('quick', () => ({}));
  const failing = await start('failing', {
    steps: [
      { id: 'boom', type: 'agent', agent: boom.name, input: {} },
      { id: 'slow', type: 'agent', agent: slow.name, input: {} },
      { id: 'after', type: 'agent', agent: quick.name, dependsOn: ['boom', 'slow'], input: {} },
    ],
  });
  await eventually(() => boom.agent.inFlight === 1 && slow.agent.inFlight === 1, 'both parallel steps calling their agents');
  boomGate.open();
  await waitForRun(t, failing.id);
  failed = await views(failing);

  // A step running (its agent held), one waiting on a signal, one not started yet.
  const heldGate = blocker();
  const held = await agent('held', async () => {
    await heldGate.wait;
    return {};
  });
  const cancelled = await start('cancelled', {
    steps: [
      { id: 'first', type: 'transform', expression: '1' },
      { id: 'held', type: 'agent', agent: held.name, dependsOn: ['first'], input: {} },
      { id: 'approval', type: 'wait', dependsOn: ['first'] },
      { id: 'later', type: 'agent', agent: quick.name, dependsOn: ['held'], input: {} },
    ],
  });
  await eventually(() => held.agent.inFlight === 1, 'the held step calling its agent');
  await waitForRun(t, cancelled.id, (r) => r.steps.some((s) => s.stepId === 'approval' && s.status === 'WAITING'));
  live = await views(cancelled);

  // The only worker slot is busy with `held`'s call, so a new run stays pending.
  const queued = await start('queued', { steps: [{ id: 'gate', type: 'wait' }] });
  pending = await views(queued);

  expect((await rest.post(`/api/v1/runs/${cancelled.id}/cancel`, { reason: REASON })).status).toBe(200);
  cut = await views(cancelled);
  runs = { skipped: branching, failed: failing, cut: cancelled, pending: queued };
});

afterAll(async () => {
  for (const open of gates) open();
  await t?.close();
  await Promise.all(agents.map((a) => a.close()));
});

describe('seed 004 (/api/v1)', () => {
  it('seed 004 Step Status Values: a step cut off by a cancel answers SKIPPED or FAILED, never CANCELLED', () => {
    expect(cut.v1.status).toBe('CANCELLED');
    expect(cut.v1.error_message).toBe(`Cancelled: ${REASON}`);
    expect(v1Steps(cut)).toEqual({
      first: ['COMPLETED', null],
      // Had started (one calling its agent, one waiting on a signal): FAILED, saying why.
      held: ['FAILED', `Cancelled: ${REASON}`],
      approval: ['FAILED', `Cancelled: ${REASON}`],
      // Never started: SKIPPED, saying why.
      later: ['SKIPPED', `Cancelled: ${REASON}`],
    });
  });

  it('seed 004 Step Status Values: "RUNNING: Step is currently executing" covers a step waiting on a signal; "PENDING: Step waiting to execute"', () => {
    expect(live.v1.status).toBe('RUNNING');
    expect(v1Steps(live)).toEqual({
      first: ['COMPLETED', null],
      held: ['RUNNING', null],
      approval: ['RUNNING', null],
      later: ['PENDING', null],
    });
  });

  it('seed 004 Step Status Values: "FAILED: Step failed with an error", also for a step cut off when another step failed', () => {
    expect(failed.v1.status).toBe('FAILED');
    expect(failed.v1.error_message).toMatch(/^Step 'boom' failed: /);
    const steps = v1Steps(failed);
    expect(steps.boom?.[0]).toBe('FAILED');
    expect(steps.boom?.[1]).toMatch(/500/);
    expect(steps.slow).toEqual(['FAILED', `Cancelled: ${failed.v1.error_message}`]);
    // Not cut off: it waits to execute if the run is retried.
    expect(steps.after).toEqual(['PENDING', null]);
  });

  it('seed 004 Step Status Values: "SKIPPED: Step was skipped (conditional execution)"', () => {
    expect(skipped.v1.status).toBe('COMPLETED');
    expect(v1Steps(skipped)).toEqual({ check: ['COMPLETED', null], big: ['SKIPPED', null], small: ['COMPLETED', null] });
  });

  it('seed 004 Run Status Values: PENDING "Run created, waiting to start" (its steps PENDING too)', () => {
    expect(pending.v1.status).toBe('PENDING');
    expect(v1Steps(pending)).toEqual({ gate: ['PENDING', null] });
  });

  it('seed 004: the document enumerates exactly the five Run and five Step Status Values; input_data and output_data are always sent', async () => {
    const schemas = ((await rest.openapi()) as unknown as { components: { schemas: Record<string, Body> } }).components.schemas;
    expect(schemas.RunResponse.properties.status.enum).toEqual(['PENDING', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED']);
    expect(schemas.StepExecutionResponse.properties.status.enum).toEqual(['PENDING', 'RUNNING', 'COMPLETED', 'FAILED', 'SKIPPED']);
    expect(schemas.StepExecutionResponse.required).toEqual(expect.arrayContaining(['input_data', 'output_data', 'agent_name']));
    for (const step of [...pending.v1Steps, ...cut.v1Steps]) {
      expect(Object.keys(step)).toEqual(expect.arrayContaining(['input_data', 'output_data']));
    }
    // null before a step starts, and for steps that call no agent.
    expect(pending.v1Steps[0]).toMatchObject({ input_data: null, output_data: null, agent_name: null });
  });

  it('seed 004: the run list filters by each Run Status Value', async () => {
    const ids = async (status: string) => (await ok(`/api/v1/runs?status=${status}&page_size=100`)).items.map((r: Body) => r.id);
    expect(await ids('CANCELLED')).toContain(runs.cut.id);
    expect(await ids('FAILED')).toContain(runs.failed.id);
    expect(await ids('COMPLETED')).toContain(runs.skipped.id);
  });
});

describe('seed 003 (/api/v2/workflows)', () => {
  it('seed 003 "Filter by run status: running, completed, failed, or terminated": every run answers one of the four', () => {
    expect([skipped, failed, live, pending, cut].map((v) => v.v2.status)).toEqual([
      'completed',
      'failed',
      'running',
      'running',
      'terminated',
    ]);
    expect(cut.v2.error).toBe(`Cancelled: ${REASON}`);
  });

  it('seed 003: each status filter finds the runs that answer it (running includes a run not yet picked up)', async () => {
    const ids = async (run: Started, status: string) =>
      (await ok(`/api/v2/workflows/${run.workflowId}/runs?status=${status}`)).runs.map((r: Body) => r.id);
    expect(await ids(runs.cut, 'terminated')).toEqual([runs.cut.id]);
    expect(await ids(runs.cut, 'running')).toEqual([]);
    expect(await ids(runs.failed, 'failed')).toEqual([runs.failed.id]);
    expect(await ids(runs.skipped, 'completed')).toEqual([runs.skipped.id]);
    // Pending or, by now, waiting on its signal: running either way.
    expect(await ids(runs.pending, 'running')).toEqual([runs.pending.id]);
  });
});

describe('seed 002 (/api/workflows): no documented statuses, Flowdeck’s lower-case words as closed enums', () => {
  it('executions answer pending, running, completed, failed or cancelled', () => {
    expect([skipped, failed, live, pending, cut].map((v) => [v.legacy.status, v.timeline.status])).toEqual([
      ['completed', 'completed'],
      ['failed', 'failed'],
      ['running', 'running'],
      ['pending', 'pending'],
      ['cancelled', 'cancelled'],
    ]);
  });

  it('step executions and timeline steps answer a waiting step as running and keep cancelled and skipped', () => {
    expect(legacySteps(live)).toEqual({ first: 'completed', held: 'running', approval: 'running', later: 'pending' });
    expect(legacySteps(cut)).toEqual({ first: 'completed', held: 'cancelled', approval: 'cancelled', later: 'cancelled' });
    expect(legacySteps(failed)).toEqual({ boom: 'failed', slow: 'cancelled', after: 'pending' });
    expect(legacySteps(skipped)).toEqual({ check: 'completed', big: 'skipped', small: 'completed' });
    const timeline = Object.fromEntries(cut.timeline.step_timeline.map((s: Body) => [s.step_id, s.status]));
    expect(timeline).toEqual(legacySteps(cut));
    expect(skipped.timeline).toMatchObject({ completed_step_count: 2, skipped_step_count: 1, failed_step_count: 0 });
  });

  it('timeline attempts answer running, succeeded, failed or cancelled', () => {
    expect(attempts(live)).toMatchObject({ first: ['succeeded'], held: ['running'], later: [] });
    expect(attempts(cut)).toMatchObject({ first: ['succeeded'], held: ['cancelled'], later: [] });
    expect(attempts(failed)).toMatchObject({ boom: ['failed'], slow: ['cancelled'], after: [] });
  });

  it('workspace statistics count every execution under exactly the five statuses', async () => {
    const stats = await ok('/api/workflows/executions/stats');
    expect(Object.keys(stats.status_counts).sort()).toEqual(['cancelled', 'completed', 'failed', 'pending', 'running']);
    expect(Object.values(stats.status_counts as Record<string, number>).reduce((a, b) => a + b, 0)).toBe(stats.total_executions);
    expect(stats.status_counts).toMatchObject({ cancelled: 1, completed: 1, failed: 1 });
  });
});

describe('seed 000 (/api/v1/workflows/runs): a status field and filter without documented values', () => {
  it('the run list answers pending, running, completed, failed or cancelled', () => {
    expect([skipped, failed, live, pending, cut].map((v) => v.history.status)).toEqual([
      'completed',
      'failed',
      'running',
      'pending',
      'cancelled',
    ]);
  });

  it('each status filter finds the run that answers it', async () => {
    const ids = async (status: string) => (await ok(`/api/v1/workflows/runs?status=${status}&limit=100`)).items.map((r: Body) => r.id);
    expect(await ids('cancelled')).toEqual([runs.cut.id]);
    expect(await ids('failed')).toEqual([runs.failed.id]);
    expect(await ids('completed')).toEqual([runs.skipped.id]);
  });
});

describe('seed 001 (/workflows): no documented statuses', () => {
  it('an instance’s state is pending, running, completed, failed or stopped; status and step statuses are the engine’s', () => {
    expect([skipped, failed, live, pending, cut].map((v) => [v.engine.state, v.engine.status])).toEqual([
      ['completed', 'COMPLETED'],
      ['failed', 'FAILED'],
      ['running', 'RUNNING'],
      ['pending', 'PENDING'],
      ['stopped', 'CANCELLED'],
    ]);
    expect(engineSteps(live)).toEqual({ first: 'COMPLETED', held: 'RUNNING', approval: 'WAITING', later: 'PENDING' });
    expect(engineSteps(cut)).toEqual({ first: 'COMPLETED', held: 'CANCELLED', approval: 'CANCELLED', later: 'CANCELLED' });
    expect(engineSteps(skipped)).toEqual({ check: 'COMPLETED', big: 'SKIPPED', small: 'COMPLETED' });
  });
});

describe('run event streams (SSE)', () => {
  it('every message of a cancelled run’s stream has a `type` from the documented enum, step.cancelled included', async () => {
    const abort = new AbortController();
    const response = await t.app.fetch(
      new Request(`http://flowdeck.test/api/v1/runs/${runs.cut.id}/events`, {
        headers: { accept: 'text/event-stream' },
        signal: abort.signal,
      }),
    );
    expect(response.status).toBe(200);
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    const messages: Body[] = [];
    let buffer = '';
    try {
      // The whole log is committed already: its replay ends with run.cancelled.
      while (!messages.some((m) => m.type === 'run.cancelled')) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        const blocks = buffer.split('\n\n');
        buffer = blocks.pop() ?? '';
        for (const block of blocks) {
          const data = block.split('\n').find((line) => line.startsWith('data: '));
          if (data) messages.push(JSON.parse(data.slice('data: '.length)));
        }
      }
    } finally {
      abort.abort();
      await reader.cancel().catch(() => {});
    }
    const documented = ((await rest.openapi()) as unknown as { components: { schemas: Record<string, Body> } }).components.schemas
      .SseRunEventData.properties.type.enum as string[];
    expect(messages.length).toBeGreaterThan(0);
    for (const message of messages) expect(documented).toContain(message.type);
    expect(messages.filter((m) => m.type === 'step.cancelled').map((m) => m.step_id)).toEqual(
      expect.arrayContaining(['held', 'approval', 'later']),
    );
  });
});
