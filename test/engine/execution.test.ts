// Execution-engine behaviour through the public GraphQL API, against real local agents: data flow
// across a DAG (with parallel branches), conditions, retries, failures, timeouts, A2A agents,
// the built-in step types and the event log. Concurrency and blocking are made deterministic with
// gates observed at the agent; waiting is done by polling the API, never by sleeping.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunEventsDocument, SignalRunDocument } from '../gql/graphql.ts';
import { AgentReply, gate, startA2AAgent, startHttpAgent, type TestAgent } from '../support/agents.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { dbId, expectMember, flows } from '../support/flows.ts';
import { eventually, type RunView, waitForRun } from '../support/runs.ts';

let t: TestApp;
let f: ReturnType<typeof flows>;
const agents: TestAgent[] = [];
const gates: (() => void)[] = [];

beforeAll(async () => {
  t = await startTestApp({}, { WORKER_POLL_MS: '50' });
  f = flows(t);
});
afterAll(async () => {
  for (const open of gates) open();
  await t?.close();
  await Promise.all(agents.map((a) => a.close()));
});

function track(agent: TestAgent): TestAgent {
  agents.push(agent);
  return agent;
}

/** A gate that afterAll opens, so no handler is left blocked. */
function blocker() {
  const g = gate();
  gates.push(() => g.open());
  return g;
}

const stepOf = (run: RunView, stepId: string) => {
  const step = run.steps.find((s) => s.stepId === stepId);
  if (!step) throw new Error(`run has no step ${stepId}`);
  return step;
};
const statuses = (run: RunView) => Object.fromEntries(run.steps.map((s) => [s.stepId, s.status]));

interface AgentBody {
  runId: string;
  stepId: string;
  attempt: number;
  input: Record<string, unknown>;
}

describe('data flow', () => {
  it('runs the two branches of a diamond concurrently and passes values with their types', async () => {
    const a = track(await startHttpAgent(() => ({ items: [1, 2, 3], meta: { n: 3 } })));
    const bothInFlight = blocker();
    const bc = track(
      await startHttpAgent(async (body: AgentBody) => {
        await bothInFlight.wait;
        return body.stepId === 'b' ? { list: body.input.list } : { label: body.input.label };
      }),
    );
    const d = track(await startHttpAgent((body: AgentBody) => ({ joined: body.input })));
    const aName = await f.agent('source', a, { authType: 'BEARER', authConfig: { token: 'token-a' } });
    // Both branches wait on the gate until the agent sees them together: a long timeout keeps a
    // serial engine from passing by accident (it would block on the gate and fail below).
    const bcName = await f.agent('fanout', bc, { authType: 'BEARER', authConfig: { token: 'token-bc' }, timeoutMs: 20_000 });
    const dName = await f.agent('join', d, { authType: 'BEARER', authConfig: { token: 'token-d' } });
    const wf = await f.workflow('diamond', {
      steps: [
        { id: 'a', type: 'agent', agent: aName, input: { q: 'go' } },
        { id: 'b', type: 'agent', agent: bcName, dependsOn: ['a'], input: { list: '${a.output.items}' } },
        { id: 'c', type: 'agent', agent: bcName, dependsOn: ['a'], input: { label: 'count=${a.output.meta.n}' } },
        { id: 'd', type: 'agent', agent: dName, dependsOn: ['b', 'c'], input: { fromB: '${b.output}', fromC: '${c.output}' } },
      ],
    });

    const run = await f.execute(wf.id);
    await eventually(() => bc.maxInFlight === 2, 'b and c in flight at the same time');
    expect(d.calls).toHaveLength(0);
    bothInFlight.open();
    const done = await waitForRun(t, run.id);

    expect(done.status).toBe('COMPLETED');
    const runId = dbId(run.id);
    expect(a.calls).toHaveLength(1);
    expect(a.calls[0]?.body).toEqual({ runId, stepId: 'a', attempt: 1, idempotencyKey: `${runId}:a:1`, input: { q: 'go' } });
    expect(a.calls[0]?.headers['idempotency-key']).toBe(`${runId}:a:1`);
    expect(a.calls[0]?.headers.authorization).toBe('Bearer token-a');

    const byStep = new Map(bc.calls.map((c) => [(c.body as AgentBody).stepId, c]));
    expect(bc.calls).toHaveLength(2);
    const bBody = byStep.get('b')?.body as AgentBody;
    expect(bBody).toEqual({ runId, stepId: 'b', attempt: 1, idempotencyKey: `${runId}:b:1`, input: { list: [1, 2, 3] } });
    expect(Array.isArray(bBody.input.list)).toBe(true);
    const cBody = byStep.get('c')?.body as AgentBody;
    expect(cBody).toEqual({ runId, stepId: 'c', attempt: 1, idempotencyKey: `${runId}:c:1`, input: { label: 'count=3' } });
    expect(typeof cBody.input.label).toBe('string');
    expect(byStep.get('b')?.headers['idempotency-key']).toBe(`${runId}:b:1`);
    expect(byStep.get('c')?.headers['idempotency-key']).toBe(`${runId}:c:1`);
    expect(byStep.get('c')?.headers.authorization).toBe('Bearer token-bc');

    expect(d.calls).toHaveLength(1);
    const joined = { fromB: { list: [1, 2, 3] }, fromC: { label: 'count=3' } };
    expect(d.calls[0]?.body).toEqual({ runId, stepId: 'd', attempt: 1, idempotencyKey: `${runId}:d:1`, input: joined });
    expect(d.calls[0]?.headers['idempotency-key']).toBe(`${runId}:d:1`);
    expect(d.calls[0]?.headers.authorization).toBe('Bearer token-d');

    expect(stepOf(done, 'b').input).toEqual({ list: [1, 2, 3] });
    expect(stepOf(done, 'd').output).toEqual({ joined });
    // No output mapping: the run's outputs are its terminal step's, keyed by step id.
    expect(done.outputs).toEqual({ d: { joined } });
  });

  it('skips the branch a condition did not take, and what depends only on it, but runs the join', async () => {
    const untaken = track(await startHttpAgent(() => ({ called: true })));
    const untakenName = await f.agent('untaken', untaken);
    const wf = await f.workflow('branching', {
      inputs: [{ name: 'approved', type: 'boolean', required: true }],
      steps: [
        {
          id: 'check',
          type: 'condition',
          condition: { value: '${workflow.input.approved}', operator: 'equals', compareTo: true },
          onTrue: ['yes'],
          onFalse: ['no'],
        },
        { id: 'yes', type: 'transform', dependsOn: ['check'], expression: '"approved"' },
        { id: 'no', type: 'agent', agent: untakenName, dependsOn: ['check'], input: {} },
        { id: 'afterNo', type: 'transform', dependsOn: ['no'], expression: '"never"' },
        { id: 'join', type: 'transform', dependsOn: ['yes', 'no'], expression: '$', input: { yes: '${yes.output}', no: '${no.output}' } },
      ],
    });

    const done = await waitForRun(t, (await f.execute(wf.id, { approved: true })).id);

    expect(done.status).toBe('COMPLETED');
    expect(statuses(done)).toEqual({ check: 'COMPLETED', yes: 'COMPLETED', no: 'SKIPPED', afterNo: 'SKIPPED', join: 'COMPLETED' });
    expect(stepOf(done, 'check').output).toEqual({ result: true, branch: 'onTrue' });
    expect(stepOf(done, 'join').output).toEqual({ yes: 'approved', no: null });
    expect(untaken.calls).toHaveLength(0);
    const skipped = (await f.events(done.id)).filter((e) => e.type === 'step.skipped');
    expect(skipped.map((e) => [e.stepId, (e.payload as { reason: string }).reason])).toEqual([
      ['no', 'branch not taken'],
      ['afterNo', 'all dependencies skipped'],
    ]);
  });
});

describe('failures and retries', () => {
  it('retries a flaky agent until it succeeds, recording every attempt', async () => {
    const flaky = track(
      await startHttpAgent(() => {
        if (flaky.calls.length <= 2) return new AgentReply(503, { error: 'warming up' });
        return { ok: true };
      }),
    );
    const name = await f.agent('flaky', flaky, { retryConfig: { maxRetries: 3, initialDelayMs: 100, maxDelayMs: 1000 } });
    const wf = await f.workflow('flaky', { steps: [{ id: 'call', type: 'agent', agent: name, input: { n: 1 } }] });

    const run = await f.execute(wf.id);
    const done = await waitForRun(t, run.id);

    expect(done.status).toBe('COMPLETED');
    expect(flaky.calls).toHaveLength(3);
    const runId = dbId(run.id);
    expect(flaky.calls.map((c) => c.headers['idempotency-key'])).toEqual([`${runId}:call:1`, `${runId}:call:2`, `${runId}:call:3`]);
    expect(flaky.calls.map((c) => (c.body as AgentBody).attempt)).toEqual([1, 2, 3]);
    // Each 503 was a reply saying the work failed: every retry is a new execution, with a new key.
    expect(flaky.calls.map((c) => c.headers['x-flowdeck-attempt'])).toEqual(['1', '2', '3']);
    const step = stepOf(done, 'call');
    expect(step.output).toEqual({ ok: true });
    expect(step.attemptCount).toBe(3);
    expect(step.attempts.map((a) => a.status)).toEqual(['FAILED', 'FAILED', 'SUCCEEDED']);
    expect(step.attempts.map((a) => a.statusCode)).toEqual([503, 503, 200]);
    for (const failed of step.attempts.slice(0, 2)) {
      expect(failed.error).toMatchObject({ statusCode: 503, kind: 'http', retryable: true });
      expect(failed.retryAt).not.toBeNull();
    }
    const events = await f.events(run.id);
    const retries = events.filter((e) => e.type === 'step.retry_scheduled');
    expect(retries).toHaveLength(2);
    expect(retries.map((e) => (e.payload as { attempt: number }).attempt)).toEqual([1, 2]);
    expect(events.filter((e) => e.type === 'step.completed' && e.stepId === 'call')).toHaveLength(1);
  });

  it('fails the run when retries run out, with the agent’s error on the run and the last attempt', async () => {
    const broken = track(await startHttpAgent(() => new AgentReply(500, 'database exploded')));
    const name = await f.agent('broken', broken, { retryConfig: { maxRetries: 2, initialDelayMs: 100, maxDelayMs: 1000 } });
    const wf = await f.workflow('broken', { steps: [{ id: 'boom', type: 'agent', agent: name, input: {} }] });

    const done = await waitForRun(t, (await f.execute(wf.id)).id);

    expect(done.status).toBe('FAILED');
    expect(broken.calls).toHaveLength(3);
    const error = done.error as { message: string; stepId: string };
    expect(error.stepId).toBe('boom');
    expect(error.message).toContain('"boom"');
    expect(error.message).toContain('database exploded');
    const step = stepOf(done, 'boom');
    expect(step.status).toBe('FAILED');
    expect(step.attempts.map((a) => a.status)).toEqual(['FAILED', 'FAILED', 'FAILED']);
    const last = step.attempts.at(-1);
    expect(last?.statusCode).toBe(500);
    expect(last?.error).toMatchObject({ statusCode: 500, body: 'database exploded', attempt: 3 });
    expect(last?.retryAt).toBeNull();
    expect(step.error).toMatchObject({ statusCode: 500, body: 'database exploded', attempt: 3 });
    expect(done.completedAt).not.toBeNull();
    const events = await f.events(done.id);
    expect(events.at(-1)?.type).toBe('run.failed');
  });

  it('does not retry a 400 reply', async () => {
    const rejecting = track(await startHttpAgent(() => new AgentReply(400, { error: 'field "x" is required' })));
    const name = await f.agent('rejecting', rejecting, { retryConfig: { maxRetries: 3, initialDelayMs: 100, maxDelayMs: 1000 } });
    const wf = await f.workflow('rejected', { steps: [{ id: 'ask', type: 'agent', agent: name, input: {} }] });

    const done = await waitForRun(t, (await f.execute(wf.id)).id);

    expect(done.status).toBe('FAILED');
    expect(rejecting.calls).toHaveLength(1);
    const step = stepOf(done, 'ask');
    expect(step.attempts).toHaveLength(1);
    expect(step.attempts[0]?.error).toMatchObject({ statusCode: 400, retryable: false, attempt: 1 });
    expect((done.error as { message: string }).message).toContain('field \\"x\\" is required');
  });

  it('times out a step whose agent never answers and drops the connection', async () => {
    const never = blocker();
    const stuck = track(await startHttpAgent(() => never.wait));
    const name = await f.agent('stuck', stuck, { retryConfig: { maxRetries: 3, initialDelayMs: 100, maxDelayMs: 1000 } });
    const wf = await f.workflow('stuck', {
      steps: [{ id: 'slow', type: 'agent', agent: name, input: {}, timeoutMs: 300, retry: { maxRetries: 0 } }],
    });

    const done = await waitForRun(t, (await f.execute(wf.id)).id);

    expect(done.status).toBe('FAILED');
    expect((done.error as { message: string }).message).toContain('timed out');
    const step = stepOf(done, 'slow');
    expect(step.error).toMatchObject({ kind: 'timeout', attempt: 1 });
    expect(step.attempts.map((a) => a.status)).toEqual(['FAILED']);
    expect(stuck.calls).toHaveLength(1);
    await eventually(() => stuck.aborted === 1, 'the agent to see its connection dropped');
  });
});

describe('agents over A2A', () => {
  it('returns what the A2A agent replied, having sent the input as a data part', async () => {
    const a2a = track(await startA2AAgent((data: { amount: number }) => ({ charged: data.amount * 2, currency: 'EUR' })));
    const name = await f.agent('billing', a2a, { protocol: 'A2A', authType: 'BEARER', authConfig: { token: 'a2a-token' } });
    const wf = await f.workflow('billing', {
      inputs: [{ name: 'amount', type: 'number', required: true }],
      steps: [{ id: 'charge', type: 'agent', agent: name, input: { amount: '${workflow.input.amount}' } }],
    });

    const run = await f.execute(wf.id, { amount: 21 });
    const done = await waitForRun(t, run.id);

    expect(done.status).toBe('COMPLETED');
    expect(stepOf(done, 'charge').output).toEqual({ charged: 42, currency: 'EUR' });
    expect(done.outputs).toEqual({ charge: { charged: 42, currency: 'EUR' } });
    expect(a2a.calls).toHaveLength(1);
    const [call] = a2a.calls;
    expect(call?.headers.authorization).toBe('Bearer a2a-token');
    expect(call?.headers['idempotency-key']).toBe(`${dbId(run.id)}:charge:1`);
    expect(call?.body).toMatchObject({
      jsonrpc: '2.0',
      method: 'SendMessage',
      params: { message: { parts: [{ data: { amount: 21 } }], metadata: { runId: dbId(run.id), stepId: 'charge', attempt: 1 } } },
    });
  });
});

describe('built-in step types', () => {
  it('runs an http step with a templated URL and body, a JSONata transform and a delay', async () => {
    const shop = track(
      await startHttpAgent((_body, call) => ({
        path: call.path,
        items: [
          { sku: 'a', price: 2 },
          { sku: 'b', price: 3 },
        ],
      })),
    );
    const wf = await f.workflow('builtins', {
      inputs: [
        { name: 'orderId', type: 'string', required: true },
        { name: 'qty', type: 'integer', required: true },
      ],
      steps: [
        {
          id: 'fetch',
          type: 'http',
          request: {
            method: 'POST',
            url: `${shop.url}/orders/\${workflow.input.orderId}`,
            headers: { 'x-order': '${workflow.input.orderId}' },
            body: { note: 'order ${workflow.input.orderId}', qty: '${workflow.input.qty}' },
          },
        },
        {
          id: 'total',
          type: 'transform',
          dependsOn: ['fetch'],
          expression: '$sum(items.price) * qty',
          input: { items: '${fetch.output.items}', qty: '${workflow.input.qty}' },
        },
        { id: 'pause', type: 'delay', dependsOn: ['total'], durationMs: 200 },
      ],
    });

    const run = await f.execute(wf.id, { orderId: 'A-77', qty: 4 });
    const done = await waitForRun(t, run.id);

    expect(done.status).toBe('COMPLETED');
    expect(shop.calls).toHaveLength(1);
    const [call] = shop.calls;
    expect(call?.method).toBe('POST');
    expect(call?.path).toBe('/orders/A-77');
    expect(call?.headers['x-order']).toBe('A-77');
    expect(call?.headers['idempotency-key']).toBe(`${dbId(run.id)}:fetch:1`);
    expect(call?.body).toEqual({ note: 'order A-77', qty: 4 });
    expect(stepOf(done, 'fetch').output).toMatchObject({ path: '/orders/A-77' });
    expect(stepOf(done, 'total').output).toBe(20);
    expect(stepOf(done, 'pause').status).toBe('COMPLETED');
    expect(stepOf(done, 'pause').output).toEqual({ delayedMs: 200 });
    expect(done.outputs).toEqual({ pause: { delayedMs: 200 } });
    const waiting = (await f.events(run.id)).filter((e) => e.type === 'step.waiting');
    expect(waiting.map((e) => [e.stepId, (e.payload as { for: string }).for])).toEqual([['pause', 'timer']]);
  });

  it('parks a run on a wait step until signalRun delivers the payload', async () => {
    const wf = await f.workflow('approval', {
      steps: [
        { id: 'approve', type: 'wait', signal: 'approval' },
        {
          id: 'after',
          type: 'transform',
          dependsOn: ['approve'],
          expression: '"decided: " & decision',
          input: { decision: '${approve.output.decision}' },
        },
      ],
    });

    const run = await f.execute(wf.id);
    await waitForRun(t, run.id, (r) => stepOf(r, 'approve').status === 'WAITING');
    // Read again: one query reads the run and its steps in separate statements, which can
    // straddle the single commit that starts both; any read after that commit sees both.
    const waiting = await waitForRun(t, run.id, () => true);
    expect(waiting.status).toBe('RUNNING');
    expect(stepOf(waiting, 'approve').status).toBe('WAITING');
    expect(stepOf(waiting, 'after').status).toBe('PENDING');

    // Only a waiting wait step takes a signal.
    const early = (await t.ok(SignalRunDocument, { runId: run.id, stepId: 'after', payload: {} })).signalRun;
    expect(expectMember(early, 'InvalidStateError').currentStatus).toBe('PENDING');

    const signalled = (await t.ok(SignalRunDocument, { runId: run.id, stepId: 'approve', payload: { decision: 'yes', by: 'ada' } }))
      .signalRun;
    expect(expectMember(signalled, 'Run').id).toBe(run.id);
    const done = await waitForRun(t, run.id);

    expect(done.status).toBe('COMPLETED');
    expect(stepOf(done, 'approve').output).toEqual({ decision: 'yes', by: 'ada' });
    expect(stepOf(done, 'after').output).toBe('decided: yes');

    const again = (await t.ok(SignalRunDocument, { runId: run.id, stepId: 'approve', payload: { decision: 'no' } })).signalRun;
    expect(expectMember(again, 'InvalidStateError').currentStatus).toBe('COMPLETED');
    const types = (await f.events(run.id)).map((e) => e.type);
    expect(types).toContain('step.signalled');
  });

  it('fails a run whose wait step gets no signal before its timeout', async () => {
    const wf = await f.workflow('unanswered', {
      steps: [
        { id: 'approve', type: 'wait', timeoutMs: 300 },
        { id: 'after', type: 'transform', dependsOn: ['approve'], expression: '"unreachable"' },
      ],
    });

    const done = await waitForRun(t, (await f.execute(wf.id)).id);

    expect(done.status).toBe('FAILED');
    expect(statuses(done)).toEqual({ approve: 'FAILED', after: 'PENDING' });
    expect(stepOf(done, 'approve').error).toMatchObject({ kind: 'timeout' });
    expect(done.error).toMatchObject({ stepId: 'approve' });
    expect((done.error as { message: string }).message).toContain('no signal arrived within 300ms');
  });
});

describe('event log', () => {
  it('numbers a run’s events 1..n from run.created to run.completed, and pages after a sequence number', async () => {
    const wf = await f.workflow('logged', {
      steps: [
        { id: 'one', type: 'transform', expression: '1' },
        { id: 'two', type: 'transform', dependsOn: ['one'], expression: 'n + 1', input: { n: '${one.output}' } },
      ],
    });
    const run = await f.execute(wf.id);
    await waitForRun(t, run.id);

    const events = await f.events(run.id);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    expect(events[0]?.type).toBe('run.created');
    expect(events.at(-1)?.type).toBe('run.completed');
    expect(events.at(-1)?.payload).toEqual({ outputs: { two: 2 } });
    expect(events.map((e) => `${e.type}${e.stepId ? `:${e.stepId}` : ''}`)).toEqual([
      'run.created',
      'run.started',
      'step.started:one',
      'step.completed:one',
      'step.started:two',
      'step.completed:two',
      'run.completed',
    ]);

    for (const k of [0, 1, 3, events.length - 1, events.length]) {
      expect(await f.events(run.id, k)).toEqual(events.slice(k));
    }
    // Small pages from a sequence number still give every later event once, in order.
    const paged = expectMember((await t.ok(RunEventsDocument, { id: run.id, afterSeq: 2, first: 2 })).run, 'Run');
    expect(paged.events.edges.map((e) => e.node.seq)).toEqual([3, 4]);
    expect(paged.events.pageInfo.hasNextPage).toBe(true);
    expect(paged.events.totalCount).toBe(events.length - 2);
  });
});
