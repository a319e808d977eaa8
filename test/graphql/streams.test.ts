import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
import { createClient as createSseClient } from 'graphql-sse';
import { type Client, createClient as createWsClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  CreateWorkflowDocument,
  CreateWorkspaceDocument,
  ExecuteWorkflowDocument,
  type RunEventsLiveSubscription,
  RunEventsLiveDocument,
  RunUpdatedLiveDocument,
  SignalRunDocument,
} from '../gql/graphql.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { waitForRun } from '../support/runs.ts';

type LiveEvent = RunEventsLiveSubscription['runEvents'];

let t: TestApp;
let base: string;
let ws: Client;
beforeAll(async () => {
  t = await startTestApp({}, { WORKER_POLL_MS: '50' });
  base = (await t.app.start()).url;
  ws = createWsClient({ url: `${base.replace('http', 'ws')}/graphql`, webSocketImpl: WebSocket, lazy: true, retryAttempts: 0 });
});
afterAll(async () => {
  await ws?.dispose();
  await t?.close();
});

/** Collects a subscription's results until `until` says stop, then unsubscribes. */
function collect<T, V extends Record<string, unknown>>(
  client: { subscribe: Client['subscribe'] },
  document: TypedDocumentNode<T, V>,
  variables: V,
  until: (items: T[]) => boolean,
): Promise<{ items: T[]; errors: unknown[] }> {
  return new Promise((resolve) => {
    const items: T[] = [];
    const errors: unknown[] = [];
    let cancel: () => void = () => {};
    cancel = client.subscribe<T>(
      { query: print(document), variables },
      {
        next: (result) => {
          if (result.errors) errors.push(...result.errors);
          if (result.data) items.push(result.data);
          if (until(items) || errors.length > 0) {
            cancel();
            resolve({ items, errors });
          }
        },
        error: (error) => {
          errors.push(error);
          resolve({ items, errors });
        },
        complete: () => resolve({ items, errors }),
      },
    );
  });
}

async function approvalRun(scope?: { workspaceSlug: string }): Promise<string> {
  const definition = {
    steps: [
      { id: 'prepare', type: 'transform', expression: '"draft"' },
      { id: 'approve', type: 'wait', dependsOn: ['prepare'] },
      { id: 'publish', type: 'transform', dependsOn: ['approve'], expression: '"published"' },
    ],
  };
  const wf = (await t.ok(CreateWorkflowDocument, { input: { name: `approval-${Math.random()}`, definition } }, scope)).createWorkflow;
  if (wf.__typename !== 'Workflow') throw new Error(JSON.stringify(wf));
  const run = (await t.ok(ExecuteWorkflowDocument, { workflowId: wf.id }, scope)).executeWorkflow;
  if (run.__typename !== 'Run') throw new Error(JSON.stringify(run));
  return run.id;
}

const done = (items: { runEvents: LiveEvent }[]) => items.some((i) => i.runEvents.type === 'run.completed');

describe('runEvents over graphql-ws', () => {
  it('replays the log, then streams live events through a signal to completion, in order, once each', async () => {
    const runId = await approvalRun();
    await waitForRun(t, runId, (r) => r.steps.find((s) => s.stepId === 'approve')?.status === 'WAITING');
    const streaming = collect(ws, RunEventsLiveDocument, { runId }, done);
    await t.ok(SignalRunDocument, { runId, stepId: 'approve', payload: { by: 'ada' } });
    const { items, errors } = await streaming;
    expect(errors).toEqual([]);
    const seqs = items.map((i) => i.runEvents.seq);
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
    const types = items.map((i) => i.runEvents.type);
    expect(types[0]).toBe('run.created');
    expect(types).toContain('step.signalled');
    expect(types.at(-1)).toBe('run.completed');
  });

  it('resuming with afterSeq yields exactly the events after it', async () => {
    const runId = await approvalRun();
    await waitForRun(t, runId, (r) => r.steps.find((s) => s.stepId === 'approve')?.status === 'WAITING');
    await t.ok(SignalRunDocument, { runId, stepId: 'approve', payload: {} });
    await waitForRun(t, runId);
    const all = (await collect(ws, RunEventsLiveDocument, { runId }, done)).items.map((i) => i.runEvents.seq);
    const tail = (await collect(ws, RunEventsLiveDocument, { runId, afterSeq: 4 }, done)).items.map((i) => i.runEvents.seq);
    expect(tail).toEqual(all.filter((seq) => seq > 4));
  });

  it('streams runUpdated as the run changes', async () => {
    const runId = await approvalRun();
    await waitForRun(t, runId, (r) => r.steps.find((s) => s.stepId === 'approve')?.status === 'WAITING');
    const statuses: string[] = [];
    const finished = new Promise<void>((resolve, reject) => {
      const cancel = ws.subscribe<{ runUpdated: { status: string } }>(
        { query: print(RunUpdatedLiveDocument), variables: { runId } },
        {
          next: (result) => {
            const status = result.data?.runUpdated.status;
            if (!status) return reject(new Error(JSON.stringify(result.errors)));
            statuses.push(status);
            // Signal only once the subscription has delivered the current state.
            if (statuses.length === 1) void t.ok(SignalRunDocument, { runId, stepId: 'approve', payload: {} });
            if (status === 'COMPLETED') {
              cancel();
              resolve();
            }
          },
          error: reject,
          complete: () => resolve(),
        },
      );
    });
    await finished;
    expect(statuses[0]).toBe('RUNNING');
    expect(statuses.at(-1)).toBe('COMPLETED');
  });

  it('a subscriber in another workspace gets an error and no events', async () => {
    await t.ok(CreateWorkspaceDocument, { input: { name: 'Other', slug: 'stream-other' } });
    const runId = await approvalRun();
    const other = createWsClient({
      url: `${base.replace('http', 'ws')}/graphql`,
      webSocketImpl: WebSocket,
      connectionParams: { 'x-workspace-slug': 'stream-other' },
      retryAttempts: 0,
    });
    try {
      const { items, errors } = await collect(other, RunEventsLiveDocument, { runId }, () => false);
      expect(items).toEqual([]);
      expect(JSON.stringify(errors)).toContain('not found');
    } finally {
      await other.dispose();
    }
  });

  it('an invalid operation gets an error for that operation only; the socket keeps serving others', async () => {
    const bad = await collect(ws, RunEventsLiveDocument as unknown as TypedDocumentNode<unknown, Record<string, unknown>>, {}, () => false);
    expect(JSON.stringify(bad.errors)).toContain('runId');
    const runId = await approvalRun();
    const good = await collect(ws, RunEventsLiveDocument, { runId }, (items) => items.length >= 1);
    expect(good.items[0]?.runEvents.type).toBe('run.created');
  });
});

describe('runEvents over SSE', () => {
  it('streams the same events through yoga’s SSE (distinct connections)', async () => {
    const sse = createSseClient({ url: `${base}/graphql`, retryAttempts: 0 });
    try {
      const runId = await approvalRun();
      await waitForRun(t, runId, (r) => r.steps.find((s) => s.stepId === 'approve')?.status === 'WAITING');
      const streaming = collect(sse as unknown as { subscribe: Client['subscribe'] }, RunEventsLiveDocument, { runId }, done);
      await t.ok(SignalRunDocument, { runId, stepId: 'approve', payload: {} });
      const { items, errors } = await streaming;
      expect(errors).toEqual([]);
      const seqs = items.map((i) => i.runEvents.seq);
      expect(seqs).toEqual(seqs.map((_, i) => i + 1));
      expect(items.at(-1)?.runEvents.type).toBe('run.completed');
    } finally {
      sse.dispose();
    }
  });

  it('streams the same events over graphql-sse single-connection mode at /graphql/stream', async () => {
    const sse = createSseClient({ url: `${base}/graphql/stream`, singleConnection: true, retryAttempts: 0 });
    try {
      const runId = await approvalRun();
      await waitForRun(t, runId, (r) => r.steps.find((s) => s.stepId === 'approve')?.status === 'WAITING');
      const streaming = collect(sse as unknown as { subscribe: Client['subscribe'] }, RunEventsLiveDocument, { runId }, done);
      await t.ok(SignalRunDocument, { runId, stepId: 'approve', payload: {} });
      const { items, errors } = await streaming;
      expect(errors).toEqual([]);
      const seqs = items.map((i) => i.runEvents.seq);
      expect(seqs).toEqual(seqs.map((_, i) => i + 1));
      expect(items.at(-1)?.runEvents.type).toBe('run.completed');
    } finally {
      sse.dispose();
    }
  });
});
