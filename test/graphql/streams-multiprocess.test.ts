import { print } from 'graphql';
import { type Client, createClient } from 'graphql-ws';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  CreateWorkflowDocument,
  ExecuteWorkflowDocument,
  type RunEventsLiveSubscription,
  RunEventsLiveDocument,
  type RunsChangedLiveSubscription,
  RunsChangedLiveDocument,
} from '../gql/graphql.ts';
import { gate, startHttpAgent, type TestAgent } from '../support/agents.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { testProvider } from '../support/database.ts';
import { expectMember, flows } from '../support/flows.ts';
import { type FlowdeckProcess, startProcess } from '../support/process.ts';
import { eventually, waitForRun } from '../support/runs.ts';
import { Recording } from '../support/streams.ts';

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
});

describe.runIf(testProvider === 'postgres')('streams across processes', () => {
  it('a subscriber on one process receives every event, and the feed every status change, of a run executed by a worker in another', async () => {
    // This process serves the API and the subscription but executes nothing.
    const api: TestApp = await startTestApp({}, { WORKER_CONCURRENCY: '0' });
    cleanups.push(() => api.close());
    const { url } = await api.app.start();
    const definition = {
      steps: [
        { id: 'one', type: 'transform', expression: '1' },
        { id: 'two', type: 'transform', dependsOn: ['one'], expression: '2' },
        { id: 'three', type: 'transform', dependsOn: ['two'], expression: '3' },
      ],
    };
    const wf = (await api.ok(CreateWorkflowDocument, { input: { name: 'remote', definition } })).createWorkflow;
    if (wf.__typename !== 'Workflow') throw new Error(JSON.stringify(wf));
    const client = createClient({ url: `${url.replace('http', 'ws')}/graphql`, webSocketImpl: WebSocket, retryAttempts: 0 });
    cleanups.push(async () => client.dispose());
    // The workspace feed too: the run's status changes are all made by the other process.
    const statuses: string[] = [];
    const feedDone = new Promise<void>((resolve, reject) => {
      const cancel = client.subscribe<RunsChangedLiveSubscription>(
        { query: print(RunsChangedLiveDocument), variables: {} },
        {
          next: (result) => {
            if (!result.data) return reject(new Error(JSON.stringify(result.errors)));
            statuses.push(result.data.runsChanged.run.status);
            if (result.data.runsChanged.run.status === 'COMPLETED') {
              cancel();
              resolve();
            }
          },
          error: reject,
          complete: () => resolve(),
        },
      );
    });
    await eventually(() => api.app.runChanges.watchers() === 1, 'the feed to be ready');
    const run = (await api.ok(ExecuteWorkflowDocument, { workflowId: wf.id })).executeWorkflow;
    if (run.__typename !== 'Run') throw new Error(JSON.stringify(run));

    const events: RunEventsLiveSubscription['runEvents'][] = [];
    const finished = new Promise<void>((resolve, reject) => {
      const cancel = client.subscribe<RunEventsLiveSubscription>(
        { query: print(RunEventsLiveDocument), variables: { runId: run.id } },
        {
          next: (result) => {
            if (!result.data) return reject(new Error(JSON.stringify(result.errors)));
            events.push(result.data.runEvents);
            if (result.data.runEvents.type === 'run.completed') {
              cancel();
              resolve();
            }
          },
          error: reject,
          complete: () => resolve(),
        },
      );
    });
    // Only now does a worker exist: everything after run.created is written by another process.
    const worker: FlowdeckProcess = await startProcess('worker', { DATABASE_URL: api.databaseUrl, WORKER_POLL_MS: '20' });
    cleanups.push(async () => {
      worker.child.kill('SIGKILL');
      await worker.exited;
    });
    await finished;
    const seqs = events.map((e) => e.seq);
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
    expect(events.filter((e) => e.type === 'step.completed').map((e) => e.stepId)).toEqual(['one', 'two', 'three']);
    expect(events.at(-1)?.type).toBe('run.completed');
    await feedDone;
    expect(statuses[0]).toBe('PENDING');
    expect(statuses.at(-1)).toBe('COMPLETED');
  }, 60_000);
});

type Item = { runEvents: RunEventsLiveSubscription['runEvents'] };
type Change = RunsChangedLiveSubscription;

describe.runIf(testProvider === 'postgres')('streams across processes when the PostgreSQL listener connection is killed', () => {
  let api: TestApp;
  let client: Client;
  let admin: pg.Client;
  let worker: FlowdeckProcess;
  let agent: TestAgent;
  let workflowId: string;
  /** Holds the agent's answer, so the run waits mid-way for as long as a test needs. */
  let held = gate();
  const recordings: { stop(): void }[] = [];

  beforeAll(async () => {
    // The catch-up is effectively off: after a kill, events arrive by NOTIFY or by the resync.
    api = await startTestApp({}, { WORKER_CONCURRENCY: '0', STREAM_CATCHUP_MS: '3600000' });
    const { url } = await api.app.start();
    client = createClient({ url: `${url.replace('http', 'ws')}/graphql`, webSocketImpl: WebSocket, lazy: true, retryAttempts: 0 });
    admin = new pg.Client({ connectionString: api.databaseUrl });
    await admin.connect();
    agent = await startHttpAgent(async () => {
      await held.wait;
      return { ok: true };
    });
    const f = flows(api);
    const name = await f.agent('held', agent, { timeoutMs: 60_000 });
    const definition = {
      steps: [
        { id: 'before', type: 'transform', expression: '1' },
        { id: 'call', type: 'agent', agent: name, dependsOn: ['before'] },
        { id: 'after', type: 'transform', dependsOn: ['call'], expression: '2' },
      ],
    };
    workflowId = (await f.workflow('held', definition)).id;
    worker = await startProcess('worker', { DATABASE_URL: api.databaseUrl, WORKER_POLL_MS: '20' });
  });
  afterAll(async () => {
    held.open();
    for (const recording of recordings) recording.stop();
    worker?.child.kill('SIGKILL');
    await worker?.exited;
    await client?.dispose();
    await agent?.close();
    await admin?.end();
    await api?.close();
  });

  /** The LISTEN connections of both processes (the query column keeps a backend's last statement). */
  async function listeners(): Promise<number[]> {
    const rows = await admin.query<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN %' AND pid <> pg_backend_pid()`,
    );
    return rows.rows.map((r) => r.pid);
  }

  /** Waits for both processes to listen, then terminates those connections on the server side. */
  async function killListeners(): Promise<void> {
    const started = Date.now();
    for (;;) {
      const pids = await listeners();
      if (pids.length >= 2) {
        await admin.query('SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid', [pids]);
        return;
      }
      if (Date.now() - started > 15_000) throw new Error(`gave up waiting for both listeners; saw ${pids.length}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** Starts a run, subscribes to it and to the feed, and resolves once the agent call is in flight. */
  async function runWaitingOnTheAgent() {
    held = gate();
    const calls = agent.calls.length;
    const feed = new Recording<Change>(client, RunsChangedLiveDocument, {});
    recordings.push(feed);
    await eventually(() => api.app.runChanges.watchers() === 1, 'the feed to be ready');
    const run = expectMember((await api.ok(ExecuteWorkflowDocument, { workflowId })).executeWorkflow, 'Run');
    const events = new Recording<Item>(client, RunEventsLiveDocument, { runId: run.id });
    recordings.push(events);
    await eventually(() => agent.calls.length > calls, 'the agent call', 15_000);
    await events.wait((r) => r.data.some((i) => i.runEvents.type === 'step.started' && i.runEvents.stepId === 'call'), 'the call to start');
    return { runId: run.id, events, feed };
  }

  /** The whole log arrived once, in order, ending with run.completed; the feed reported the completion. */
  async function expectCompleted(runId: string, events: Recording<Item>, feed: Recording<Change>): Promise<void> {
    await events.wait((r) => r.data.some((i) => i.runEvents.type === 'run.completed'), 'run.completed');
    await feed.wait((r) => r.data.some((c) => c.runsChanged.run.id === runId && c.runsChanged.run.status === 'COMPLETED'), 'COMPLETED');
    events.stop();
    feed.stop();
    expect([...events.errors, ...feed.errors]).toEqual([]);
    const seqs = events.data.map((i) => i.runEvents.seq);
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
    expect(events.data.filter((i) => i.runEvents.type === 'step.completed').map((i) => i.runEvents.stepId)).toEqual([
      'before',
      'call',
      'after',
    ]);
    expect(events.data.at(-1)?.runEvents.type).toBe('run.completed');
    await eventually(() => api.app.runChanges.watchers() === 0 && api.app.streams.subscribers() === 0, 'the streams to be released');
  }

  it('a subscriber receives run.completed of a run executed by another process although the listener was killed mid-run', async () => {
    const { runId, events, feed } = await runWaitingOnTheAgent();
    await killListeners();
    held.open();
    await expectCompleted(runId, events, feed);
  }, 60_000);

  it('what was committed while no notification could arrive is delivered by the resync after the listener reconnects', async () => {
    const { runId, events, feed } = await runWaitingOnTheAgent();
    // Every notification from here on is lost, as if the listener had been down all along.
    await admin.query('ALTER TABLE "RunEvent" DISABLE TRIGGER "RunEvent_notify"');
    try {
      held.open();
      await waitForRun(api, runId);
    } finally {
      await admin.query('ALTER TABLE "RunEvent" ENABLE TRIGGER "RunEvent_notify"');
    }
    // Nothing announced the end, and the catch-up is an hour away.
    expect(events.data.some((i) => i.runEvents.type === 'run.completed')).toBe(false);
    await killListeners();
    await expectCompleted(runId, events, feed);
  }, 60_000);
});
