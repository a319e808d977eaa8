// The workspace feed behind live run lists: runsChanged reports creations and status changes,
// filtered like `runs`, scoped to the subscriber's workspace, over graphql-ws and SSE.

import { print } from 'graphql';
import { createClient as createSseClient } from 'graphql-sse';
import { type Client, createClient as createWsClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  CancelRunDocument,
  CreateWorkflowDocument,
  CreateWorkspaceDocument,
  ExecuteWorkflowDocument,
  RetryRunDocument,
  type RunsChangedLiveSubscription,
  RunsChangedLiveDocument,
  type RunsChangedLiveSubscriptionVariables,
  SignalRunDocument,
} from '../gql/graphql.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { expectMember, flows } from '../support/flows.ts';
import { eventually, waitForRun } from '../support/runs.ts';

type Change = RunsChangedLiveSubscription['runsChanged'];

let t: TestApp;
let base: string;
let f: ReturnType<typeof flows>;
const open: { dispose(): unknown }[] = [];

beforeAll(async () => {
  t = await startTestApp({}, { WORKER_POLL_MS: '50' });
  base = (await t.app.start()).url;
  f = flows(t);
  await t.ok(CreateWorkspaceDocument, { input: { name: 'Feed other', slug: 'feed-other' } });
});
afterAll(async () => {
  for (const client of open) await client.dispose();
  await t?.close();
});

function wsClient(workspaceSlug?: string): Client {
  const client = createWsClient({
    url: `${base.replace('http', 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: workspaceSlug ? { 'x-workspace-slug': workspaceSlug } : {},
    retryAttempts: 0,
  });
  open.push(client);
  return client;
}

/** A feed subscription that records what it receives; `ready` resolves once the server watches. */
function watch(client: { subscribe: Client['subscribe'] }, variables: RunsChangedLiveSubscriptionVariables = {}) {
  const changes: Change[] = [];
  const errors: unknown[] = [];
  const stop = client.subscribe<RunsChangedLiveSubscription>(
    { query: print(RunsChangedLiveDocument), variables },
    {
      next: (result) => {
        if (result.errors) errors.push(...result.errors);
        if (result.data) changes.push(result.data.runsChanged);
      },
      error: (error) => errors.push(error),
      complete: () => {},
    },
  );
  return {
    changes,
    errors,
    stop,
    /** Waits until a change satisfying `match` has arrived, and returns it. */
    async until(match: (c: Change) => boolean, what: string): Promise<Change> {
      await eventually(() => changes.some(match) || errors.length > 0, what);
      expect(errors).toEqual([]);
      return changes.find(match) as Change;
    },
  };
}

/** Resolves once `count` feeds are open and seeded on the server (nothing after can be missed). */
const feedsReady = (count: number) => eventually(() => t.app.runChanges.watchers() === count, `${count} ready feeds`);

const approval = {
  steps: [
    { id: 'prepare', type: 'transform', expression: '"draft"' },
    { id: 'approve', type: 'wait', dependsOn: ['prepare'] },
  ],
};

describe('runsChanged', () => {
  it('reports a run’s creation and each status change, with the status it left; other workspaces see none of it', async () => {
    const client = wsClient();
    const mine = watch(client);
    const theirs = watch(wsClient('feed-other'));
    await feedsReady(2);

    const wf = await f.workflow('feed', approval);
    const run = await f.execute(wf.id);
    const created = await mine.until((c) => c.run.id === run.id, 'the creation');
    expect(created.kind).toBe('CREATED');
    expect(created.previousStatus).toBeNull();
    expect(created.run.workflow.id).toBe(wf.id);

    await mine.until((c) => c.run.id === run.id && c.run.status === 'RUNNING', 'the run to start');
    await waitForRun(t, run.id, (r) => r.steps.some((s) => s.stepId === 'approve' && s.status === 'WAITING'));
    expectMember((await t.ok(CancelRunDocument, { id: run.id, reason: 'feed test' })).cancelRun, 'Run');
    const cancelled = await mine.until((c) => c.run.status === 'CANCELLED', 'the cancellation');
    expect(cancelled).toMatchObject({ kind: 'STATUS_CHANGED', previousStatus: 'RUNNING', run: { id: run.id } });

    expectMember((await t.ok(RetryRunDocument, { id: run.id })).retryRun, 'Run');
    const retried = await mine.until((c) => c.previousStatus === 'CANCELLED', 'the retry');
    expect(retried.kind).toBe('STATUS_CHANGED');
    expect(['PENDING', 'RUNNING']).toContain(retried.run.status);
    await waitForRun(t, run.id, (r) => r.steps.some((s) => s.stepId === 'approve' && s.status === 'WAITING'));
    await t.ok(SignalRunDocument, { runId: run.id, stepId: 'approve', payload: {} });
    await mine.until((c) => c.run.status === 'COMPLETED', 'the completion');

    // Every status the run passed through, in order, never the same twice in a row.
    const statuses = mine.changes.map((c) => c.run.status);
    expect(statuses.every((s, i) => i === 0 || s !== statuses[i - 1])).toBe(true);
    expect(mine.changes.every((c) => c.run.id === run.id)).toBe(true);

    // The other workspace's feed was served by the same reads; it got nothing of this run, and
    // its first change is a run of its own, which the first feed never sees.
    expect(theirs.changes).toEqual([]);
    const scope = { workspaceSlug: 'feed-other' };
    const theirFlow = expectMember(
      (await t.ok(CreateWorkflowDocument, { input: { name: 'feed-theirs', definition: approval } }, scope)).createWorkflow,
      'Workflow',
    );
    const theirRun = expectMember((await t.ok(ExecuteWorkflowDocument, { workflowId: theirFlow.id }, scope)).executeWorkflow, 'Run');
    const first = await theirs.until(() => true, 'their own run');
    expect(first).toMatchObject({ kind: 'CREATED', run: { id: theirRun.id } });
    // Cancelled whatever the worker is doing with it at that instant (starting it, or not yet).
    expectMember((await t.ok(CancelRunDocument, { id: theirRun.id }, scope)).cancelRun, 'Run');
    await theirs.until((c) => c.run.status === 'CANCELLED', 'their run’s cancellation');
    expect(mine.changes.every((c) => c.run.id === run.id)).toBe(true);
    mine.stop();
    theirs.stop();
    await feedsReady(0);
  });

  it('filters like `runs`: by workflow, and by status entered or left', async () => {
    const wanted = await f.workflow('feed-wanted', approval);
    const ignored = await f.workflow('feed-ignored', approval);
    const client = wsClient();
    const byWorkflow = watch(client, { filter: { workflowId: wanted.id } });
    const cancelledOnly = watch(client, { filter: { status: ['CANCELLED'] } });
    await feedsReady(2);

    const skip = await f.execute(ignored.id);
    const keep = await f.execute(wanted.id);
    await byWorkflow.until((c) => c.run.id === keep.id && c.run.status === 'RUNNING', 'the wanted run to start');
    expectMember((await t.ok(CancelRunDocument, { id: skip.id })).cancelRun, 'Run');
    expectMember((await t.ok(CancelRunDocument, { id: keep.id })).cancelRun, 'Run');
    await byWorkflow.until((c) => c.run.id === keep.id && c.run.status === 'CANCELLED', 'the wanted run’s cancellation');
    const both = [skip.id, keep.id];
    await cancelledOnly.until((c) => c.run.id === skip.id, 'the first cancellation');
    await cancelledOnly.until((c) => c.run.id === keep.id, 'the second cancellation');

    expect(byWorkflow.changes.every((c) => c.run.id === keep.id)).toBe(true);
    expect(cancelledOnly.changes.map((c) => c.run.status)).toEqual(['CANCELLED', 'CANCELLED']);
    expect(cancelledOnly.changes.map((c) => c.run.id).sort()).toEqual([...both].sort());

    // Leaving CANCELLED (a retry) is reported to the CANCELLED-only feed too.
    await t.ok(RetryRunDocument, { id: keep.id });
    const left = await cancelledOnly.until((c) => c.previousStatus === 'CANCELLED', 'the run leaving CANCELLED');
    expect(left.run.id).toBe(keep.id);
    byWorkflow.stop();
    cancelledOnly.stop();
    await feedsReady(0);
  });

  it('streams over SSE as well', async () => {
    const sse = createSseClient({ url: `${base}/graphql`, retryAttempts: 0 });
    open.push(sse);
    const feed = watch(sse);
    await feedsReady(1);
    const wf = await f.workflow('feed-sse', { steps: [{ id: 'only', type: 'transform', expression: '"done"' }] });
    const run = await f.execute(wf.id);
    const created = await feed.until((c) => c.run.id === run.id, 'the creation over SSE');
    expect(created.kind).toBe('CREATED');
    await feed.until((c) => c.run.id === run.id && c.run.status === 'COMPLETED', 'the completion over SSE');
    feed.stop();
    await feedsReady(0);
  });

  it('rejects a bad filter at subscribe time, opening nothing', async () => {
    const feed = watch(wsClient(), { filter: { createdAfter: 'not a date' } });
    await eventually(() => feed.errors.length > 0, 'the error');
    expect(JSON.stringify(feed.errors)).toMatch(/createdAfter|DateTime/);
    expect(t.app.runChanges.watchers()).toBe(0);
  });
});
