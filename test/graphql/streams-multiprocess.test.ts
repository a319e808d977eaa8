import { print } from 'graphql';
import { createClient } from 'graphql-ws';
import { afterAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  CreateWorkflowDocument,
  ExecuteWorkflowDocument,
  type RunEventsLiveSubscription,
  RunEventsLiveDocument,
  type RunsChangedLiveSubscription,
  RunsChangedLiveDocument,
} from '../../sdk/gql/graphql.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { testProvider } from '../support/database.ts';
import { type FlowdeckProcess, startProcess } from '../support/process.ts';
import { eventually } from '../support/runs.ts';

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
