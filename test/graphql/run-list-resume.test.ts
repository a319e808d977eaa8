// A runs page's resume token (RunConnection.resumeToken, readAt): a runListChanges feed opened
// with it reports a change committed after the page was read and before the feed started, which
// a feed opened without it never reports; what it replays from before the read is stamped
// (changedAt) at or before the page's readAt, what happened after it, after.
import { print } from 'graphql';
import { type Client, createClient as createWsClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  CancelRunDocument,
  RunListResumeChangesDocument,
  type RunListResumeChangesSubscription,
  type RunListResumeChangesSubscriptionVariables,
  RunListResumePageDocument,
  SignalRunDocument,
} from '../gql/graphql.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { expectMember, flows } from '../support/flows.ts';
import { eventually, waitForRun } from '../support/runs.ts';

type Change = RunListResumeChangesSubscription['runListChanges'];

const GATED = {
  steps: [
    { id: 'gate', type: 'wait' },
    { id: 'done', type: 'transform', dependsOn: ['gate'], expression: '"ok"' },
  ],
};

let t: TestApp;
let base: string;
let f: ReturnType<typeof flows>;
const open: Client[] = [];

beforeAll(async () => {
  t = await startTestApp({}, { WORKER_POLL_MS: '50' });
  base = (await t.app.start()).url;
  f = flows(t);
});
afterAll(async () => {
  for (const client of open) await client.dispose();
  await t?.close();
});

/** A runListChanges subscription over graphql-ws that records what it receives. */
function watch(variables: RunListResumeChangesSubscriptionVariables) {
  const client = createWsClient({ url: `${base.replace('http', 'ws')}/graphql`, webSocketImpl: WebSocket, retryAttempts: 0 });
  open.push(client);
  const changes: Change[] = [];
  const errors: unknown[] = [];
  client.subscribe<RunListResumeChangesSubscription>(
    { query: print(RunListResumeChangesDocument), variables },
    {
      next: (result) => {
        if (result.errors) errors.push(...result.errors);
        if (result.data) changes.push(result.data.runListChanges);
      },
      error: (error) => errors.push(error),
      complete: () => {},
    },
  );
  return {
    changes,
    errors,
    /** Waits until a change satisfying `match` has arrived, and returns it. */
    async until(match: (c: Change) => boolean, what: string): Promise<Change> {
      await eventually(() => changes.some(match) || errors.length > 0, what, 20_000);
      expect(errors).toEqual([]);
      return changes.find(match) as Change;
    },
  };
}

/** Starts a run of `workflowId` and waits until it waits at its gate (RUNNING). */
async function gatedRun(workflowId: string): Promise<string> {
  const id = (await f.execute(workflowId)).id;
  await waitForRun(t, id, (r) => r.steps.some((s) => s.stepId === 'gate' && s.status === 'WAITING'));
  return id;
}

describe('RunConnection.resumeToken', () => {
  it('opens a feed that reports a change committed between the read and the subscription; without it the change is never reported', async () => {
    const wf = await f.workflow('resume-page', GATED);
    const filter = { workflowId: wf.id };
    const cancelled = await gatedRun(wf.id);
    const finished = await gatedRun(wf.id);
    // Finished before the read: the page has it as the feeds will.
    expectMember((await t.ok(SignalRunDocument, { runId: finished, stepId: 'gate', payload: {} })).signalRun, 'Run');
    await waitForRun(t, finished);

    const page = (await t.ok(RunListResumePageDocument, { filter, first: 10 })).runs;
    expect(page.totalCount).toBe(2);
    expect(Object.fromEntries(page.edges.map((e) => [e.node.id, e.node.status]))).toEqual({
      [cancelled]: 'RUNNING',
      [finished]: 'COMPLETED',
    });
    const readAt = Date.parse(page.readAt);
    expect(Number.isFinite(readAt)).toBe(true);

    // After the read, before any feed: the change the list would miss without the token.
    expectMember((await t.ok(CancelRunDocument, { id: cancelled, reason: 'after the read' })).cancelRun, 'Run');
    await waitForRun(t, cancelled);

    const resumed = watch({ filter, after: page.resumeToken });
    const change = await resumed.until((c) => c.run?.id === cancelled && c.run.status === 'CANCELLED', 'the cancellation after the read');
    expect(Date.parse(change.changedAt)).toBeGreaterThan(readAt);
    // Replayed from before the read (at least once): stamped at or before readAt, so a list can tell it had it.
    const replayed = await resumed.until((c) => c.run?.id === finished, 'the replay of the run finished before the read');
    expect(replayed.run?.status).toBe('COMPLETED');
    expect(Date.parse(replayed.changedAt)).toBeLessThanOrEqual(readAt);
    // The token is the feed's own format: resuming from a change's token works the same way.
    expect(resumed.changes.every((c) => typeof c.resumeToken === 'string' && c.resumeToken.length > 0)).toBe(true);

    // Without the token: the feed starts live, and the cancellation is never reported, even after a later change.
    const live = watch({ filter });
    await eventually(() => t.app.runChanges.watchers() === 2, 'both feeds to be ready', 20_000);
    const marker = (await f.execute(wf.id)).id;
    await live.until((c) => c.runId === marker, 'the run started after the feed');
    expect(live.changes.some((c) => c.runId === cancelled || c.runId === finished)).toBe(false);
    await resumed.until((c) => c.runId === marker, 'the same run on the resumed feed');
  });

  it('is issued for an empty page too, and a token that is not one is refused as invalid input', async () => {
    const wf = await f.workflow('resume-empty', GATED);
    const filter = { workflowId: wf.id, status: ['RUNNING' as const] };
    const page = (await t.ok(RunListResumePageDocument, { filter, first: 1 })).runs;
    expect(page.totalCount).toBe(0);
    const feed = watch({ filter, after: page.resumeToken });
    const started = await gatedRun(wf.id);
    const change = await feed.until((c) => c.run?.id === started && c.run.status === 'RUNNING', 'the run entering the filter');
    expect(Date.parse(change.changedAt)).toBeGreaterThan(Date.parse(page.readAt));

    const bad = watch({ filter, after: 'bm90LWEtdG9rZW4' });
    await eventually(() => bad.errors.length > 0, 'the malformed token to be refused', 20_000);
    expect(JSON.stringify(bad.errors)).toContain('is not a resume token');
  });
});
