import { afterEach, describe, expect, it } from 'vitest';
import {
  CreateAgentDocument,
  CreateWorkflowDocument,
  ExecuteWorkflowDocument,
  RunDocument,
  RunEventsDocument,
  RunsWithAttemptsDocument,
  type RunsWithAttemptsQuery,
} from '../gql/graphql.ts';
import { type TestAgent, gate, startHttpAgent } from '../support/agents.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { type ScratchDatabase, scratchDatabase, testProvider } from '../support/database.ts';
import { type FlowdeckProcess, gqlOver, startProcess } from '../support/process.ts';
import { dbId } from '../support/flows.ts';
import { eventually } from '../support/runs.ts';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
});

function kill(p: FlowdeckProcess) {
  return async () => {
    p.child.kill('SIGKILL');
    await p.exited;
  };
}

describe('crash recovery', () => {
  it('a server killed with SIGKILL mid-step resumes the run on restart; every step completes exactly once', async () => {
    const db: ScratchDatabase = await scratchDatabase();
    cleanups.push(() => db.drop());
    const held = gate();
    let bCalls = 0;
    const agent: TestAgent = await startHttpAgent(async (body: { stepId: string }) => {
      if (body.stepId === 'b' && ++bCalls === 1) await held.wait; // the first b call never answers
      return { from: body.stepId };
    });
    cleanups.push(() => agent.close());
    const env = { DATABASE_URL: db.url, LEASE_MS: '1500', WORKER_POLL_MS: '50' };

    const first = await startProcess('server', env);
    cleanups.push(kill(first));
    const base1 = first.url as string;
    await gqlOver(base1, CreateAgentDocument, { input: { name: 'worker-agent', url: agent.url } });
    const definition = {
      steps: [
        { id: 'a', type: 'agent', agent: 'worker-agent' },
        { id: 'b', type: 'agent', agent: 'worker-agent', dependsOn: ['a'], input: { prev: '${a.output.from}' } },
        { id: 'c', type: 'agent', agent: 'worker-agent', dependsOn: ['b'] },
      ],
    };
    const wf = (await gqlOver(base1, CreateWorkflowDocument, { input: { name: 'crashy', definition } })).createWorkflow;
    if (wf.__typename !== 'Workflow') throw new Error(JSON.stringify(wf));
    const run = (await gqlOver(base1, ExecuteWorkflowDocument, { workflowId: wf.id })).executeWorkflow;
    if (run.__typename !== 'Run') throw new Error(JSON.stringify(run));

    // Kill the server while b's first call is in flight at the agent.
    await eventually(() => bCalls === 1, 'the first call of step b').catch((e: unknown) => {
      console.log(first.output().slice(-3000));
      throw e;
    });
    await kill(first)();

    const second = await startProcess('server', env);
    cleanups.push(kill(second));
    const base2 = second.url as string;
    const finished = async () => {
      const data = await gqlOver(base2, RunDocument, { id: run.id });
      return data.run.__typename === 'Run' ? data.run : null;
    };
    let done = await finished();
    for (let i = 0; i < 400 && done && !['COMPLETED', 'FAILED', 'CANCELLED'].includes(done.status); i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      done = await finished();
    }
    if (!done) throw new Error('run vanished');
    if (done.status !== 'COMPLETED') console.log(JSON.stringify(done, null, 1), second.output().slice(-3000));
    expect(done.status).toBe('COMPLETED');
    expect(done.steps.map((s) => [s.stepId, s.status])).toEqual([
      ['a', 'COMPLETED'],
      ['b', 'COMPLETED'],
      ['c', 'COMPLETED'],
    ]);
    const b = done.steps.find((s) => s.stepId === 'b');
    expect(b?.attempts.map((a) => a.status)).toEqual(['INTERRUPTED', 'SUCCEEDED']);
    expect(done.steps.find((s) => s.stepId === 'a')?.attempts.map((a) => a.status)).toEqual(['SUCCEEDED']);

    const events = await gqlOver(base2, RunEventsDocument, { id: run.id, first: 100 });
    if (events.run.__typename !== 'Run') throw new Error('no run');
    const completedSteps = events.run.events.edges.filter((e) => e.node.type === 'step.completed').map((e) => e.node.stepId);
    expect(completedSteps.sort()).toEqual(['a', 'b', 'c']);
    const seqs = events.run.events.edges.map((e) => e.node.seq);
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
    // a ran once, before the crash; b was re-sent (at least once); c once.
    const calls = agent.calls.map((c) => (c.body as { stepId: string }).stepId);
    expect(calls.filter((s) => s === 'a')).toHaveLength(1);
    expect(calls.filter((s) => s === 'b')).toHaveLength(2);
    expect(calls.filter((s) => s === 'c')).toHaveLength(1);
    // The re-sent b is a redelivery of the same execution: the same Idempotency-Key, so the
    // agent can tell it already did the work; only the attempt number differs.
    const bCallsSent = agent.calls.filter((c) => (c.body as { stepId: string }).stepId === 'b');
    const keys = bCallsSent.map((c) => c.headers['idempotency-key']);
    expect(keys[0]).toBe(`${dbId(run.id)}:b:1`);
    expect(keys[1]).toBe(keys[0]);
    expect(bCallsSent.map((c) => c.headers['x-flowdeck-attempt'])).toEqual(['1', '2']);
    held.open();
  }, 90_000);
});

describe('repeated crashes', () => {
  it('servers killed with SIGKILL at random moments: every run completes, each step once, every re-sent call with the key of the call it repeats', async () => {
    const db: ScratchDatabase = await scratchDatabase();
    cleanups.push(() => db.drop());
    const agent: TestAgent = await startHttpAgent(async (body: { stepId: string }) => {
      await new Promise((resolve) => setTimeout(resolve, Math.floor(Math.random() * 150)));
      return { from: body.stepId };
    });
    cleanups.push(() => agent.close());
    const env = { DATABASE_URL: db.url, LEASE_MS: '1500', WORKER_POLL_MS: '50' };
    const definition = {
      steps: [
        { id: 'a', type: 'agent', agent: 'crash-agent' },
        { id: 'b', type: 'agent', agent: 'crash-agent', dependsOn: ['a'] },
        { id: 'c', type: 'agent', agent: 'crash-agent', dependsOn: ['b'] },
      ],
    };
    const runIds: string[] = [];
    let server = await startProcess('server', env);
    cleanups.push(kill(server));
    await gqlOver(server.url as string, CreateAgentDocument, { input: { name: 'crash-agent', url: agent.url } });
    const wf = (await gqlOver(server.url as string, CreateWorkflowDocument, { input: { name: 'crash-often', definition } })).createWorkflow;
    if (wf.__typename !== 'Workflow') throw new Error(JSON.stringify(wf));
    for (let n = 0; n < 10; n++) {
      const run = (await gqlOver(server.url as string, ExecuteWorkflowDocument, { workflowId: wf.id })).executeWorkflow;
      if (run.__typename !== 'Run') throw new Error(JSON.stringify(run));
      runIds.push(run.id);
    }
    // Three kills, each at a random moment of the work (the moment is chosen, never asserted on).
    for (let crash = 0; crash < 3; crash++) {
      await new Promise((resolve) => setTimeout(resolve, 200 + Math.floor(Math.random() * 800)));
      await kill(server)();
      server = await startProcess('server', env);
      cleanups.push(kill(server));
    }
    const base = server.url as string;
    for (const id of runIds) {
      let run = (await gqlOver(base, RunDocument, { id })).run;
      for (let i = 0; i < 600 && run.__typename === 'Run' && !['COMPLETED', 'FAILED', 'CANCELLED'].includes(run.status); i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        run = (await gqlOver(base, RunDocument, { id })).run;
      }
      if (run.__typename !== 'Run') throw new Error('run vanished');
      expect(run.status).toBe('COMPLETED');
      for (const step of run.steps) {
        expect(step.status).toBe('COMPLETED');
        // Every delivery but the last was interrupted by a crash; the last one succeeded.
        const statuses = step.attempts.map((a) => a.status);
        expect(statuses.at(-1)).toBe('SUCCEEDED');
        expect(statuses.slice(0, -1).every((s) => s === 'INTERRUPTED')).toBe(true);
      }
      const events = await gqlOver(base, RunEventsDocument, { id, first: 100 });
      if (events.run.__typename !== 'Run') throw new Error('no run');
      const completed = events.run.events.edges.filter((e) => e.node.type === 'step.completed').map((e) => e.node.stepId);
      expect(completed.sort()).toEqual(['a', 'b', 'c']);
    }
    // Each step of each run reached the agent with one key only, however often it was sent.
    const keysByStep = new Map<string, Set<unknown>>();
    for (const call of agent.calls) {
      const body = call.body as { runId: string; stepId: string };
      const at = `${body.runId}:${body.stepId}`;
      keysByStep.set(at, (keysByStep.get(at) ?? new Set()).add(call.headers['idempotency-key']));
    }
    expect(keysByStep.size).toBe(runIds.length * 3);
    for (const [at, keys] of keysByStep) expect([...keys]).toEqual([`${at}:1`]);
  }, 240_000);
});

describe.runIf(testProvider === 'postgres')('several worker processes on one PostgreSQL', () => {
  it('two worker processes execute 200 runs: none lost, no step executed twice, both did work', async () => {
    const seen = new Map<string, number>();
    const agent = await startHttpAgent((body: { runId: string; stepId: string }) => {
      const key = `${body.runId}:${body.stepId}`;
      seen.set(key, (seen.get(key) ?? 0) + 1);
      return { ok: true };
    });
    cleanups.push(() => agent.close());
    // The API process (this one) executes nothing; the two workers do all the work.
    const api: TestApp = await startTestApp({}, { WORKER_CONCURRENCY: '0' });
    cleanups.push(() => api.close());
    const env = { DATABASE_URL: api.databaseUrl, WORKER_CONCURRENCY: '6', WORKER_POLL_MS: '20', LEASE_MS: '10000' };
    const workers = await Promise.all([startProcess('worker', env), startProcess('worker', env)]);
    for (const w of workers) cleanups.push(kill(w));

    await api.ok(CreateAgentDocument, { input: { name: 'counter', url: agent.url } });
    const definition = {
      steps: [
        { id: 'call', type: 'agent', agent: 'counter', input: { n: '${workflow.input.n}' } },
        { id: 'shape', type: 'transform', dependsOn: ['call'], expression: '$', input: { ok: '${call.output.ok}' } },
      ],
    };
    const wf = (await api.ok(CreateWorkflowDocument, { input: { name: 'many', definition } })).createWorkflow;
    if (wf.__typename !== 'Workflow') throw new Error(JSON.stringify(wf));
    for (let n = 0; n < 200; n++) {
      const run = (await api.ok(ExecuteWorkflowDocument, { workflowId: wf.id, input: { n } })).executeWorkflow;
      expect(run.__typename).toBe('Run');
    }

    let completed = 0;
    for (let i = 0; i < 1200 && completed < 200; i++) {
      completed = (await api.ok(RunsWithAttemptsDocument, { first: 1, filter: { status: ['COMPLETED'] } })).runs.totalCount;
      if (completed < 200) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(completed).toBe(200);

    // Every run's agent step was called exactly once.
    expect(seen.size).toBe(200);
    expect([...seen.values()].every((count) => count === 1)).toBe(true);
    const workerIds = new Set<string>();
    let after: string | null = null;
    for (;;) {
      const data: RunsWithAttemptsQuery = await api.ok(RunsWithAttemptsDocument, { first: 100, after });
      const page = data.runs;
      for (const edge of page.edges) {
        for (const step of edge.node.steps) {
          expect(step.status).toBe('COMPLETED');
          expect(step.attempts.map((a) => a.status)).toEqual(['SUCCEEDED']);
          for (const attempt of step.attempts) if (attempt.workerId) workerIds.add(attempt.workerId);
        }
      }
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor ?? null;
    }
    expect(workerIds.size).toBe(2);
  }, 180_000);
});
