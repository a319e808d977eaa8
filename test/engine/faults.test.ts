// Database failures injected into the engine's writes through the resources object's hooks,
// and outcomes the database cannot store: no outcome is lost, no step is re-sent with a new
// key, no run is left stuck, and a step that cannot be recorded fails after a bounded number
// of calls with a message that says what to do (findings C2, M4 of the engine review).

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ExecuteWorkflowDocument, RetryRunDocument, RunsDocument, SignalRunDocument } from '../gql/graphql.ts';
import { AgentReply, gate, startHttpAgent, type TestAgent } from '../support/agents.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { EngineControl } from '../support/engine-hooks.ts';
import { dbId, expectMember, flows } from '../support/flows.ts';
import { eventually, waitForRun } from '../support/runs.ts';

const control = new EngineControl();
let t: TestApp;
let f: ReturnType<typeof flows>;
let agent: TestAgent;
let agentName: string;
let held = gate();
/** What the agent answers, by step id; the default is a small JSON object. */
const replies = new Map<string, () => unknown>();

beforeAll(async () => {
  agent = await startHttpAgent(async (body: { stepId: string }) => {
    if (body.stepId.startsWith('held')) await held.wait;
    return replies.get(body.stepId)?.() ?? { step: body.stepId };
  });
  t = await startTestApp(
    { hooks: control.hooks },
    { WORKER_POLL_MS: '20', STEP_MAX_INTERRUPTIONS: '3', STEP_MAX_OUTPUT_BYTES: '4096', TRANSFORM_TIMEOUT_MS: '300' },
  );
  f = flows(t);
  agentName = await f.agent('faulty', agent, { timeoutMs: 20_000 });
});
afterEach(() => {
  control.reset();
  held.open();
  held = gate();
  replies.clear();
});
afterAll(async () => {
  await t?.close();
  await agent?.close();
});

/** The agent's calls for one run and step, in order. */
function callsOf(runId: string, stepId: string) {
  return agent.calls.filter(
    (c) => (c.body as { runId: string; stepId: string }).runId === dbId(runId) && (c.body as { stepId: string }).stepId === stepId,
  );
}

describe('recording an outcome fails', () => {
  it('transiently: the write is retried in place; the step is called once and completes', async () => {
    const wf = await f.workflow('transient-finish', { steps: [{ id: 'a', type: 'agent', agent: agentName }] });
    control.fail('step.finish', { times: 2, transient: true });
    const run = await f.execute(wf.id);
    const done = await waitForRun(t, run.id);
    expect(done.status).toBe('COMPLETED');
    expect(control.injected).toBeGreaterThanOrEqual(2);
    expect(callsOf(run.id, 'a')).toHaveLength(1);
    expect(done.steps[0]?.attempts.map((a) => a.status)).toEqual(['SUCCEEDED']);
  });

  it('always: the step is delivered again with the same key a bounded number of times, then fails saying why', async () => {
    const wf = await f.workflow('broken-finish', { steps: [{ id: 'a', type: 'agent', agent: agentName }] });
    const other = await f.workflow('healthy', { steps: [{ id: 'x', type: 'agent', agent: agentName }] });
    // Hold the run's start so the fault is armed before its step can finish.
    const first = control.pause('run.start');
    const run = await f.execute(wf.id);
    await first.reached;
    control.fail('step.finish', { runId: dbId(run.id), times: Infinity });
    first.release();
    // The worker keeps serving other runs meanwhile.
    const bystander = await f.execute(other.id);
    expect((await waitForRun(t, bystander.id)).status).toBe('COMPLETED');

    const done = await waitForRun(t, run.id);
    expect(done.status).toBe('FAILED');
    expect((done.error as { message: string }).message).toMatch(/STEP_MAX_INTERRUPTIONS=3/);
    const calls = callsOf(run.id, 'a');
    expect(calls).toHaveLength(3);
    expect(new Set(calls.map((c) => c.headers['idempotency-key']))).toEqual(new Set([`${dbId(run.id)}:a:1`]));
    expect(calls.map((c) => c.headers['x-flowdeck-attempt'])).toEqual(['1', '2', '3']);
    expect(done.steps[0]?.attempts.map((a) => a.status)).toEqual(['INTERRUPTED', 'INTERRUPTED', 'INTERRUPTED']);
  });
});

describe('outcomes the database cannot store', () => {
  it('a reply with a NUL character fails the step after one call, on both databases alike', async () => {
    replies.set('nul', () => ({ text: 'binary\u0000data' }));
    const wf = await f.workflow('nul', { steps: [{ id: 'nul', type: 'agent', agent: agentName }] });
    const run = await f.execute(wf.id);
    const done = await waitForRun(t, run.id);
    expect(done.status).toBe('FAILED');
    const step = done.steps[0];
    expect(step?.status).toBe('FAILED');
    expect((step?.error as { kind: string; message: string }).kind).toBe('unstorable_output');
    expect((step?.error as { message: string }).message).toMatch(/NUL character/);
    expect(callsOf(run.id, 'nul')).toHaveLength(1);
  });

  it('a reply past STEP_MAX_OUTPUT_BYTES fails the step after one call, naming the cap', async () => {
    replies.set('big', () => ({ blob: 'x'.repeat(10_000) }));
    const wf = await f.workflow('big', { steps: [{ id: 'big', type: 'agent', agent: agentName }] });
    const run = await f.execute(wf.id);
    const done = await waitForRun(t, run.id);
    expect(done.status).toBe('FAILED');
    expect((done.steps[0]?.error as { message: string }).message).toMatch(/STEP_MAX_OUTPUT_BYTES/);
    expect(callsOf(run.id, 'big')).toHaveLength(1);
  });

  it('a transform whose result is past the cap fails the same way', async () => {
    const wf = await f.workflow('big-transform', { steps: [{ id: 't', type: 'transform', expression: '$pad("", 9000, "y")' }] });
    const run = await f.execute(wf.id);
    const done = await waitForRun(t, run.id);
    expect(done.status).toBe('FAILED');
    expect((done.steps[0]?.error as { kind: string; message: string }).kind).toBe('output_too_large');
    expect((done.steps[0]?.error as { message: string }).message).toMatch(/4096-byte cap \(STEP_MAX_OUTPUT_BYTES\)/);
  });
});

describe('input the database cannot store', () => {
  it('a NUL character in a run input or a signal payload is a validation error that changes nothing', async () => {
    const wf = await f.workflow('nul-input', { steps: [{ id: 'approve', type: 'wait' }] });
    const refused = (await t.ok(ExecuteWorkflowDocument, { workflowId: wf.id, input: { text: 'a\u0000b' } })).executeWorkflow;
    expect(refused.__typename).toBe('ValidationError');
    expect(refused.__typename === 'ValidationError' && refused.message).toMatch(/input: contains a NUL character/);
    expect((await t.ok(RunsDocument, { first: 5, filter: { workflowId: wf.id } })).runs.totalCount).toBe(0);

    const run = await f.execute(wf.id);
    await waitForRun(t, run.id, (r) => r.steps[0]?.status === 'WAITING');
    const bad = (await t.ok(SignalRunDocument, { runId: run.id, stepId: 'approve', payload: { blob: '\u0000' } })).signalRun;
    expect(bad.__typename).toBe('ValidationError');
    expect((await waitForRun(t, run.id, () => true)).steps[0]?.status).toBe('WAITING');
    const good = (await t.ok(SignalRunDocument, { runId: run.id, stepId: 'approve', payload: { ok: true } })).signalRun;
    expect(good.__typename).toBe('Run');
    expect((await waitForRun(t, run.id)).status).toBe('COMPLETED');
  });
});

describe('a transform that never ends (M5)', () => {
  it('is killed at TRANSFORM_TIMEOUT_MS and fails its step, while the worker serves other runs', async () => {
    // Tail recursion: JSONata turns it into a loop that only a limit can end.
    const wf = await f.workflow('endless', {
      steps: [{ id: 'spin', type: 'transform', expression: '($f := function($x){ $f($x + 1) }; $f(0))' }],
    });
    const other = await f.workflow('beside-endless', { steps: [{ id: 'x', type: 'agent', agent: agentName }] });
    const run = await f.execute(wf.id);
    const bystander = await f.execute(other.id);
    expect((await waitForRun(t, bystander.id)).status).toBe('COMPLETED');
    const done = await waitForRun(t, run.id);
    expect(done.status).toBe('FAILED');
    expect((done.steps[0]?.error as { message: string }).message).toBe('transform exceeded its 300 ms limit (TRANSFORM_TIMEOUT_MS)');
    expect(done.steps[0]?.attempts.map((a) => a.status)).toEqual(['FAILED']);
  });
});

describe('the lease heartbeat fails while a call is in flight (M4)', () => {
  it('transiently: the call is not aborted and completes once', async () => {
    const wf = await f.workflow('heartbeat-blip', { steps: [{ id: 'held-a', type: 'agent', agent: agentName }] });
    const run = await f.execute(wf.id);
    await eventually(() => callsOf(run.id, 'held-a').length === 1, 'the call to reach the agent');
    control.fail('heartbeat', { runId: dbId(run.id), times: 3, transient: true });
    await eventually(() => control.injected >= 3, 'three failed heartbeats');
    held.open();
    const done = await waitForRun(t, run.id);
    expect(done.status).toBe('COMPLETED');
    expect(agent.aborted).toBe(0);
    expect(callsOf(run.id, 'held-a')).toHaveLength(1);
  });

  it('with an error that is not transient: the driver gives the run back, the call in flight still records its outcome', async () => {
    const wf = await f.workflow('heartbeat-broken', {
      steps: [
        { id: 'held-a', type: 'agent', agent: agentName },
        { id: 'b', type: 'agent', agent: agentName, dependsOn: ['held-a'] },
      ],
    });
    const run = await f.execute(wf.id);
    await eventually(() => callsOf(run.id, 'held-a').length === 1, 'the call to reach the agent');
    control.fail('heartbeat', { runId: dbId(run.id), times: 1 });
    await eventually(() => control.injected >= 1, 'the failed heartbeat');
    held.open();
    const done = await waitForRun(t, run.id);
    expect(done.status).toBe('COMPLETED');
    expect(callsOf(run.id, 'held-a')).toHaveLength(1);
    expect(done.steps.find((s) => s.stepId === 'held-a')?.attempts.map((a) => a.status)).toEqual(['SUCCEEDED']);
  });
});

describe('parking the run fails', () => {
  // A wait step, not a delay: the run parks for certain (a short timer could come due before
  // the driver looks, and then nothing parks), so the injected failure always meets the park.
  it('the run is given back and still finishes when its signal comes', async () => {
    const wf = await f.workflow('park-fails', {
      steps: [
        { id: 'gate', type: 'wait' },
        { id: 'b', type: 'agent', agent: agentName, dependsOn: ['gate'] },
      ],
    });
    control.fail('run.park', { times: 1 });
    const run = await f.execute(wf.id);
    await eventually(() => control.injected === 1, 'the failed park');
    await waitForRun(t, run.id, (r) => r.steps.some((s) => s.stepId === 'gate' && s.status === 'WAITING'));
    expectMember((await t.ok(SignalRunDocument, { runId: run.id, stepId: 'gate', payload: {} })).signalRun, 'Run');
    const done = await waitForRun(t, run.id);
    expect(done.status).toBe('COMPLETED');
    expect(control.injected).toBe(1);
  });
});

describe('a run whose driver keeps failing (m6)', () => {
  it('is looked at again with growing pauses, then failed with the error instead of retried forever', async () => {
    const wf = await f.workflow('poisoned', { steps: [{ id: 'a', type: 'agent', agent: agentName }] });
    // Hold the first start so the fault is armed before the worker can get past it.
    const first = control.pause('run.start');
    const run = await f.execute(wf.id);
    await first.reached;
    control.fail('run.start', { runId: dbId(run.id), times: Infinity });
    first.release();
    const done = await waitForRun(t, run.id, undefined, undefined, 60_000);
    expect(done.status).toBe('FAILED');
    expect((done.error as { message: string }).message).toMatch(
      /failed to drive this run 5 times in a row; last error: .*injected failure of run.start/,
    );
    expect(control.writes.filter((w) => w.write === 'run.start' && w.runId === dbId(run.id))).toHaveLength(5);
    expect(callsOf(run.id, 'a')).toHaveLength(0);
  }, 60_000);
});

describe('a failure reply, a timeout and retryRun (the idempotency contract)', () => {
  it('a retry after a timeout keeps the key: the agent may have done the work', async () => {
    let first = true;
    replies.set('slow', () => {
      // The first call never answers in time; later ones answer at once.
      if (first) {
        first = false;
        return new Promise(() => {});
      }
      return { ok: true };
    });
    const slow = await f.agent('slow', agent, { timeoutMs: 1000, retryConfig: { maxRetries: 1, initialDelayMs: 100, maxDelayMs: 1000 } });
    const wf = await f.workflow('timeout-key', { steps: [{ id: 'slow', type: 'agent', agent: slow }] });
    const run = await f.execute(wf.id);
    const done = await waitForRun(t, run.id);
    expect(done.status).toBe('COMPLETED');
    const calls = callsOf(run.id, 'slow');
    expect(calls.map((c) => c.headers['idempotency-key'])).toEqual([`${dbId(run.id)}:slow:1`, `${dbId(run.id)}:slow:1`]);
    expect(calls.map((c) => c.headers['x-flowdeck-attempt'])).toEqual(['1', '2']);
  });

  it('retryRun executes the failed step again with a new key', async () => {
    let failing = true;
    replies.set('flaky', () => (failing ? new AgentReply(400, { error: 'no' }) : { ok: true }));
    const wf = await f.workflow('retry-key', { steps: [{ id: 'flaky', type: 'agent', agent: agentName }] });
    const run = await f.execute(wf.id);
    expect((await waitForRun(t, run.id)).status).toBe('FAILED');
    failing = false;
    expect((await t.ok(RetryRunDocument, { id: run.id })).retryRun.__typename).toBe('Run');
    expect((await waitForRun(t, run.id)).status).toBe('COMPLETED');
    const keys = callsOf(run.id, 'flaky').map((c) => c.headers['idempotency-key']);
    expect(keys).toEqual([`${dbId(run.id)}:flaky:1`, `${dbId(run.id)}:flaky:2`]);
  });
});
