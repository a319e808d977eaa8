import { afterAll, beforeAll, expect, it } from 'vitest';
import { RetryRunDocument } from '../gql/graphql.ts';
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
  await Promise.all(agents.map((a) => a.close()));
  await t?.close();
});

it('retryRun grants a step a fresh retry budget', async () => {
  let calls = 0;
  // Fails the first three calls; the fourth succeeds.
  const agent = await startHttpAgent(() => {
    calls++;
    if (calls <= 3) return new AgentReply(503, { error: `busy ${calls}` });
    return { ok: calls };
  });
  agents.push(agent);
  const name = await f.agent('budget', agent);
  const wf = await f.workflow('budget', {
    steps: [{ id: 'call', type: 'agent', agent: name, retry: { maxRetries: 1, initialDelayMs: 10, maxDelayMs: 1000 } }],
  });
  const run = await f.execute(wf.id);
  const failed = await waitForRun(t, run.id);
  expect(failed.status).toBe('FAILED');
  expect(calls).toBe(2);

  expectMember((await t.ok(RetryRunDocument, { id: run.id })).retryRun, 'Run');
  const done = await waitForRun(t, run.id, (r) => r.status === 'COMPLETED' || r.status === 'FAILED');
  // Attempt 3 failed and was retried (a fresh budget of one retry), attempt 4 succeeded.
  expect(done.status).toBe('COMPLETED');
  expect(calls).toBe(4);
  expect(done.steps[0]?.attempts.map((a) => a.status)).toEqual(['FAILED', 'FAILED', 'FAILED', 'SUCCEEDED']);
});

it('a 4xx listed in retry.retryOn is retried; other 4xx are not', async () => {
  let calls = 0;
  const agent = await startHttpAgent(() => {
    calls++;
    if (calls === 1) return new AgentReply(409, { error: 'locked' });
    return { ok: true };
  });
  agents.push(agent);
  const name = await f.agent('conflicted', agent);
  const wf = await f.workflow('conflicted', {
    steps: [{ id: 'call', type: 'agent', agent: name, retry: { maxRetries: 2, initialDelayMs: 10, maxDelayMs: 1000, retryOn: [409] } }],
  });
  const done = await waitForRun(t, (await f.execute(wf.id)).id);
  expect(done.status).toBe('COMPLETED');
  expect(calls).toBe(2);
  expect(done.steps[0]?.attempts.map((a) => [a.status, a.statusCode])).toEqual([
    ['FAILED', 409],
    ['SUCCEEDED', 200],
  ]);
});
