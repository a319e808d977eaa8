import { afterEach, expect, it } from 'vitest';
import { CreateAgentDocument, CreateWorkflowDocument, ExecuteWorkflowDocument, RunDocument } from '../gql/graphql.ts';
import { gate, startHttpAgent } from '../support/agents.ts';
import { startTestApp } from '../support/app.ts';
import { scratchDatabase } from '../support/database.ts';
import { type FlowdeckProcess, gqlOver, startProcess } from '../support/process.ts';
import { eventually, waitForRun } from '../support/runs.ts';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
});

it('a run still unfinished at its workflow timeout fails, aborting the in-flight call', async () => {
  const held = gate();
  const agent = await startHttpAgent(async () => {
    await held.wait;
    return {};
  });
  cleanups.push(async () => {
    held.open();
    await agent.close();
  });
  const t = await startTestApp({}, { WORKER_POLL_MS: '50' });
  cleanups.push(() => t.close());
  await t.ok(CreateAgentDocument, { input: { name: 'slow', url: agent.url, timeoutMs: 60_000 } });
  const definition = { steps: [{ id: 'wait-forever', type: 'agent', agent: 'slow' }] };
  const wf = (await t.ok(CreateWorkflowDocument, { input: { name: 'bounded', definition, timeoutSeconds: 2 } })).createWorkflow;
  if (wf.__typename !== 'Workflow') throw new Error(JSON.stringify(wf));
  const run = (await t.ok(ExecuteWorkflowDocument, { workflowId: wf.id })).executeWorkflow;
  if (run.__typename !== 'Run') throw new Error(JSON.stringify(run));
  // The call must be in flight at the agent for its abort to be observable there (on a loaded
  // machine a 1 s timeout could fire before the request even arrived).
  await eventually(() => agent.calls.length === 1, 'the call to reach the agent');
  const done = await waitForRun(t, run.id);
  expect(done.status).toBe('FAILED');
  expect((done.error as { message: string }).message).toMatch(/timed out/);
  expect(done.steps[0]?.status).toBe('CANCELLED');
  await eventually(() => agent.aborted === 1, 'the agent call to be aborted');
});

it('a delay timer survives a server crash: the run completes after restart', async () => {
  const db = await scratchDatabase();
  cleanups.push(() => db.drop());
  const env = { DATABASE_URL: db.url, LEASE_MS: '1000', WORKER_POLL_MS: '50' };
  const kill = (p: FlowdeckProcess) => async () => {
    p.child.kill('SIGKILL');
    await p.exited;
  };
  const first = await startProcess('server', env);
  cleanups.push(kill(first));
  const definition = {
    steps: [
      { id: 'pause', type: 'delay', durationMs: 1500 },
      { id: 'after', type: 'transform', dependsOn: ['pause'], expression: '"woke up"' },
    ],
  };
  const base1 = first.url as string;
  const wf = (await gqlOver(base1, CreateWorkflowDocument, { input: { name: 'sleepy', definition } })).createWorkflow;
  if (wf.__typename !== 'Workflow') throw new Error(JSON.stringify(wf));
  const run = (await gqlOver(base1, ExecuteWorkflowDocument, { workflowId: wf.id })).executeWorkflow;
  if (run.__typename !== 'Run') throw new Error(JSON.stringify(run));
  for (let i = 0; i < 200; i++) {
    const seen = (await gqlOver(base1, RunDocument, { id: run.id })).run;
    if (seen.__typename === 'Run' && seen.steps[0]?.status === 'WAITING') break;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  await kill(first)();

  const second = await startProcess('server', env);
  cleanups.push(kill(second));
  let status = '';
  let outputs: unknown = null;
  for (let i = 0; i < 400 && status !== 'COMPLETED' && status !== 'FAILED'; i++) {
    const seen = (await gqlOver(second.url as string, RunDocument, { id: run.id })).run;
    if (seen.__typename === 'Run') ({ status, outputs } = seen);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  expect(status).toBe('COMPLETED');
  expect(outputs).toEqual({ after: 'woke up' });
}, 60_000);

it('a run waiting for a signal holds no worker: with one worker slot, another run completes meanwhile', async () => {
  const t = await startTestApp({}, { WORKER_POLL_MS: '50', WORKER_CONCURRENCY: '1' });
  cleanups.push(() => t.close());
  const waiting = (
    await t.ok(CreateWorkflowDocument, {
      input: { name: 'approval', definition: { steps: [{ id: 'approve', type: 'wait' }] } },
    })
  ).createWorkflow;
  const quick = (
    await t.ok(CreateWorkflowDocument, {
      input: {
        name: 'quick',
        definition: {
          steps: [
            { id: 'add', type: 'transform', expression: 'a + b', input: { a: '${workflow.input.a}', b: '${workflow.input.b}' } },
            { id: 'label', type: 'transform', dependsOn: ['add'], expression: '"sum"' },
          ],
          outputs: { total: '${add.output}', note: 'total is ${add.output}' },
        },
      },
    })
  ).createWorkflow;
  if (waiting.__typename !== 'Workflow' || quick.__typename !== 'Workflow') throw new Error('setup failed');
  const parked = (await t.ok(ExecuteWorkflowDocument, { workflowId: waiting.id })).executeWorkflow;
  if (parked.__typename !== 'Run') throw new Error(JSON.stringify(parked));
  await waitForRun(t, parked.id, (r) => r.steps[0]?.status === 'WAITING');

  const other = (await t.ok(ExecuteWorkflowDocument, { workflowId: quick.id, input: { a: 2, b: 3 } })).executeWorkflow;
  if (other.__typename !== 'Run') throw new Error(JSON.stringify(other));
  const done = await waitForRun(t, other.id);
  expect(done.status).toBe('COMPLETED');
  // The workflow's output mapping, not the terminal steps, shapes the outputs (types kept).
  expect(done.outputs).toEqual({ total: 5, note: 'total is 5' });
  const still = await waitForRun(t, parked.id, () => true);
  expect(still.status).toBe('RUNNING');
  expect(still.steps[0]?.status).toBe('WAITING');
});
