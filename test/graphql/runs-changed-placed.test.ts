// runsChanged shaped for a client cache: each change carries the run's cursor in the list's
// order (equal to the `runs` edge cursor), a resume token that `after` resumes from with
// nothing missed, and, when asked for, PROGRESSED changes with step counts. Over graphql-ws and
// SSE. Waits are on conditions, bounded only as a safety net.

import { createClient as createSseClient } from 'graphql-sse';
import { createClient as createWsClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  RunCursorsDocument,
  type RunOrder,
  type RunsChangedPlacedSubscription,
  RunsChangedPlacedDocument,
  SignalRunDocument,
} from '../gql/graphql.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { flows } from '../support/flows.ts';
import { eventually, waitForRun } from '../support/runs.ts';
import { Recording, type SubscribingClient } from '../support/streams.ts';

type Item = RunsChangedPlacedSubscription;
type Change = Item['runsChanged'];

let t: TestApp;
let base: string;
let f: ReturnType<typeof flows>;
const clients: { dispose(): unknown }[] = [];

beforeAll(async () => {
  t = await startTestApp({}, { WORKER_POLL_MS: '50' });
  base = (await t.app.start()).url;
  f = flows(t);
});
afterAll(async () => {
  for (const client of clients) await client.dispose();
  await t?.close();
});

const transports: Record<string, () => SubscribingClient> = {
  'graphql-ws': () => {
    const client = createWsClient({ url: `${base.replace('http', 'ws')}/graphql`, webSocketImpl: WebSocket, lazy: true, retryAttempts: 0 });
    clients.push(client);
    return client;
  },
  SSE: () => {
    const client = createSseClient({ url: `${base}/graphql`, retryAttempts: 0 });
    clients.push(client);
    return client;
  },
};

const ONE_STEP = { steps: [{ id: 'only', type: 'transform', expression: '"done"' }] };
const changesOf = (r: Recording<Item>) => r.data.map((d) => d.runsChanged);
const feedsReady = (count: number) => eventually(() => t.app.runChanges.watchers() === count, `${count} ready feeds`);

/** Starts a run and waits until `feed` has reported it COMPLETED. */
async function completedRun(workflowId: string, feed: Recording<Item>): Promise<string> {
  const run = await f.execute(workflowId);
  await feed.wait((r) => changesOf(r).some((c) => c.run.id === run.id && c.run.status === 'COMPLETED'), `run ${run.id} to complete`);
  return run.id;
}

describe.each(Object.entries(transports))('runsChanged over %s', (_name, connect) => {
  it('gives each change the run’s cursor in the `runs` list under the same orderBy', async () => {
    const wf = await f.workflow('placed', ONE_STEP);
    const filter = { workflowId: wf.id };
    const orders: RunOrder[] = [
      { field: 'UPDATED_AT', direction: 'ASC' },
      { field: 'CREATED_AT', direction: 'DESC' },
    ];
    const feeds = orders.map((orderBy) => new Recording<Item>(connect(), RunsChangedPlacedDocument, { filter, orderBy }));
    await feedsReady(2);
    const runIds = [await completedRun(wf.id, feeds[0] as Recording<Item>), await completedRun(wf.id, feeds[0] as Recording<Item>)];
    for (const [i, orderBy] of orders.entries()) {
      const feed = feeds[i] as Recording<Item>;
      for (const id of runIds)
        await feed.wait((r) => changesOf(r).some((c) => c.run.id === id && c.run.status === 'COMPLETED'), 'the completion');
      feed.stop();
      expect(feed.errors).toEqual([]);
      const list = (await t.ok(RunCursorsDocument, { filter, orderBy, first: 10 })).runs.edges;
      for (const id of runIds) {
        const last = changesOf(feed)
          .filter((c) => c.run.id === id)
          .at(-1);
        expect(last?.cursor).toBe(list.find((e) => e.node.id === id)?.cursor);
      }
    }
    await feedsReady(0);
  });

  it('resumes after a resumeToken with every run changed since (at least once), then goes on live', async () => {
    const wf = await f.workflow('resumed', ONE_STEP);
    const filter = { workflowId: wf.id };
    const first = new Recording<Item>(connect(), RunsChangedPlacedDocument, { filter });
    await feedsReady(1);
    const [r1, r2, r3] = [await completedRun(wf.id, first), await completedRun(wf.id, first), await completedRun(wf.id, first)];
    first.stop();
    await feedsReady(0);
    expect(first.errors).toEqual([]);
    const token = changesOf(first)
      .filter((c) => c.run.id === r1)
      .at(-1)?.resumeToken as string;

    const resumed = new Recording<Item>(connect(), RunsChangedPlacedDocument, { filter, after: token });
    await resumed.wait((r) => changesOf(r).some((c) => c.run.id === r3), 'the changes since the token');
    await feedsReady(1);
    // Each run changed since, once, with its state now, oldest change first. The resume starts a
    // little before the token (a change stamped before it may commit after it), so r1, changed
    // just before, comes again first: at least once, never a gap.
    const since = changesOf(resumed).filter((c) => c.run.id !== r1);
    expect(since.map((c) => [c.kind, c.run.id, c.run.status])).toEqual([
      ['CREATED', r2, 'COMPLETED'],
      ['CREATED', r3, 'COMPLETED'],
    ]);
    expect(changesOf(resumed).findIndex((c) => c.run.id === r1)).toBeLessThanOrEqual(0);
    const r4 = await completedRun(wf.id, resumed);
    resumed.stop();
    expect(resumed.errors).toEqual([]);
    const ids = changesOf(resumed)
      .map((c) => c.run.id)
      .filter((id) => id !== r1);
    expect(ids.slice(0, 2)).toEqual([r2, r3]);
    expect(ids.slice(2).every((id) => id === r4)).toBe(true);
    expect(changesOf(resumed).at(-1)?.run.status).toBe('COMPLETED');

    // From the last token of all: only repeats of what the client already had (each with its
    // state now) until something changes.
    const lastToken = changesOf(resumed).at(-1)?.resumeToken as string;
    const caughtUp = new Recording<Item>(connect(), RunsChangedPlacedDocument, { filter, after: lastToken });
    await feedsReady(1);
    const r5 = await completedRun(wf.id, caughtUp);
    caughtUp.stop();
    const repeats = changesOf(caughtUp).filter((c) => c.run.id !== r5);
    expect(repeats.every((c) => [r1, r2, r3, r4].includes(c.run.id) && c.run.status === 'COMPLETED')).toBe(true);
    await feedsReady(0);
  });
});

describe('runsChanged', () => {
  it('reports step progress as PROGRESSED with step counts when asked for, and not by default', async () => {
    const wf = await f.workflow('progress', {
      steps: [
        { id: 'prepare', type: 'transform', expression: '"draft"' },
        { id: 'gate1', type: 'wait', dependsOn: ['prepare'] },
        { id: 'gate2', type: 'wait', dependsOn: ['gate1'] },
        { id: 'publish', type: 'transform', dependsOn: ['gate2'], expression: '"published"' },
      ],
    });
    const filter = { workflowId: wf.id };
    const ws = transports['graphql-ws'] as () => SubscribingClient;
    const all = new Recording<Item>(ws(), RunsChangedPlacedDocument, { filter, kinds: ['CREATED', 'STATUS_CHANGED', 'PROGRESSED'] });
    const plain = new Recording<Item>(ws(), RunsChangedPlacedDocument, { filter });
    await feedsReady(2);
    const run = await f.execute(wf.id);
    await waitForRun(t, run.id, (r) => r.steps.some((s) => s.stepId === 'gate1' && s.status === 'WAITING'));
    await all.wait((r) => changesOf(r).some((c) => c.completedSteps === 1), 'prepare to be counted');
    // The run stays RUNNING while gate1 completes and gate2 waits: only progress can say so.
    expect((await t.ok(SignalRunDocument, { runId: run.id, stepId: 'gate1', payload: {} })).signalRun.__typename).toBe('Run');
    await all.wait((r) => changesOf(r).some((c) => c.completedSteps === 2), 'gate1 to be counted');
    const progressed = changesOf(all).find((c) => c.completedSteps === 2) as Change;
    expect(progressed).toMatchObject({ kind: 'PROGRESSED', previousStatus: null, totalSteps: 4, run: { id: run.id, status: 'RUNNING' } });
    // gate2 takes a signal only once the engine has parked it (a signal before is refused).
    await waitForRun(t, run.id, (r) => r.steps.some((s) => s.stepId === 'gate2' && s.status === 'WAITING'));
    expect((await t.ok(SignalRunDocument, { runId: run.id, stepId: 'gate2', payload: {} })).signalRun.__typename).toBe('Run');
    await all.wait((r) => changesOf(r).some((c) => c.run.status === 'COMPLETED'), 'the completion');
    await plain.wait((r) => changesOf(r).some((c) => c.run.status === 'COMPLETED'), 'the completion (default kinds)');
    all.stop();
    plain.stop();
    expect([...all.errors, ...plain.errors]).toEqual([]);
    expect(changesOf(all).at(-1)).toMatchObject({ kind: 'STATUS_CHANGED', completedSteps: 4, totalSteps: 4 });
    expect(changesOf(plain).map((c) => c.kind)).not.toContain('PROGRESSED');
    // Without PROGRESSED, consecutive changes never repeat a status.
    const statuses = changesOf(plain).map((c) => c.run.status);
    expect(statuses.every((s, i) => i === 0 || s !== statuses[i - 1])).toBe(true);
    await feedsReady(0);
  });

  it('refuses a malformed token and one too old to resume from at subscribe time, opening nothing', async () => {
    const ws = transports['graphql-ws'] as () => SubscribingClient;
    const old = Buffer.from(JSON.stringify({ u: new Date(Date.now() - 2 * 3_600_000).toISOString(), id: 'x' })).toString('base64url');
    for (const [after, code] of [
      ['not-a-token', 'BAD_USER_INPUT'],
      [old, 'RESUME_EXPIRED'],
    ] as const) {
      const refused = new Recording<Item>(ws(), RunsChangedPlacedDocument, { after });
      await refused.end(`the refusal (${code})`);
      expect(refused.data).toEqual([]);
      expect(refused.errors).toEqual([expect.objectContaining({ extensions: expect.objectContaining({ code }) as unknown })]);
      expect(t.app.runChanges.watchers()).toBe(0);
    }
  });
});
