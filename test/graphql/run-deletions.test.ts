// Deleted runs on the live run feed, and resuming it without a gap. `runListChanges` reports a
// run deleted for good (retention, a workflow deleted through REST) as DELETED with its id, the
// status it had and its cursor, live in this process and in another one sharing the database,
// and on a resume from a token taken before the delete; feeds that did not ask for DELETED (and
// `runsChanged`, which refuses it) never see one. A resume also reports a change stamped before
// its token but committed after it. Waits are on conditions, bounded only as a safety net.

import { createClient as createWsClient } from 'graphql-ws';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  CancelRunDocument,
  type RunChangeKind,
  RunCursorsDocument,
  type RunListChangesSubscription,
  RunListChangesDocument,
  type RunsChangedPlacedSubscription,
  RunsChangedPlacedDocument,
  SignalRunDocument,
} from '../gql/graphql.ts';
import { createRetention } from '../../src/engine/retention.ts';
import { type App, createApp } from '../../src/server/app.ts';
import { loadConfig } from '../../src/server/config.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { testProvider } from '../support/database.ts';
import { dbId, flows } from '../support/flows.ts';
import { restClient } from '../support/rest.ts';
import { eventually, waitForRun } from '../support/runs.ts';
import { Recording, type SubscribingClient } from '../support/streams.ts';

type Item = RunListChangesSubscription;
type Placed = RunsChangedPlacedSubscription;

const ONE_STEP = { steps: [{ id: 'only', type: 'transform', expression: '"done"' }] };
const GATED = { steps: [{ id: 'gate', type: 'wait' }] };
const WITH_DELETED: RunChangeKind[] = ['CREATED', 'STATUS_CHANGED', 'DELETED'];
const DAY_MS = 86_400_000;

const changesOf = (r: Recording<Item>) => r.data.map((d) => d.runListChanges);
const placedOf = (r: Recording<Placed>) => r.data.map((d) => d.runsChanged);
const deletedOf = (r: Recording<Item>) => changesOf(r).filter((c) => c.kind === 'DELETED');

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
});

/** Starts an app on its own scratch database, serving subscriptions on a loopback port. */
async function serve(env: Record<string, string> = {}): Promise<{ t: TestApp; connect: () => SubscribingClient }> {
  const t = await startTestApp({}, { WORKER_POLL_MS: '50', ...env });
  cleanups.push(() => t.close());
  const base = (await t.app.start()).url;
  const connect = () => {
    const client = createWsClient({ url: `${base.replace('http', 'ws')}/graphql`, webSocketImpl: WebSocket, lazy: true, retryAttempts: 0 });
    cleanups.push(async () => client.dispose());
    return client;
  };
  return { t, connect };
}

/** Retention with a cutoff in the future: every finished run of every workspace is old enough to go. */
async function sweep(app: App): Promise<number> {
  return (await createRetention(app.resources, { defaultDays: 1 }).prune(new Date(Date.now() + 2 * DAY_MS))).deletedRuns;
}

describe('deleted runs on the live run feed', () => {
  let t: TestApp;
  let connect: () => SubscribingClient;
  let f: ReturnType<typeof flows>;
  const feedsReady = (count: number) => eventually(() => t.app.runChanges.watchers() === count, `${count} ready feeds`);

  beforeAll(async () => {
    ({ t, connect } = await serve());
    f = flows(t);
  });

  /** Starts a run of `workflowId` and waits until `feed` has reported it COMPLETED. */
  async function completedRun(workflowId: string, feed: Recording<Item>): Promise<string> {
    const run = await f.execute(workflowId);
    await feed.wait((r) => changesOf(r).some((c) => c.run?.id === run.id && c.run.status === 'COMPLETED'), `run ${run.id} to complete`);
    return run.id;
  }

  it('reports a run deleted by retention as DELETED, placed where it was, to the feeds that asked for it and match it only', async () => {
    const wf = await f.workflow('swept', ONE_STEP);
    const apart = await f.workflow('swept-apart', ONE_STEP);
    const orderBy = { field: 'UPDATED_AT', direction: 'ASC' } as const;
    const asked = new Recording<Item>(connect(), RunListChangesDocument, { filter: { workflowId: wf.id }, orderBy, kinds: WITH_DELETED });
    const plain = new Recording<Item>(connect(), RunListChangesDocument, { filter: { workflowId: wf.id } });
    const other = new Recording<Item>(connect(), RunListChangesDocument, { filter: { workflowId: apart.id }, kinds: WITH_DELETED });
    const legacy = new Recording<Placed>(connect(), RunsChangedPlacedDocument, { filter: { workflowId: wf.id } });
    await feedsReady(4);
    const doomed = await completedRun(wf.id, asked);
    const elsewhere = await completedRun(apart.id, other);
    const listed = (await t.ok(RunCursorsDocument, { filter: { workflowId: wf.id }, orderBy, first: 10 })).runs.edges;
    const cursorBefore = listed.find((e) => e.node.id === doomed)?.cursor;
    expect(cursorBefore).toBeTruthy();

    expect(await sweep(t.app)).toBeGreaterThanOrEqual(2);
    await asked.wait((r) => deletedOf(r).length > 0, 'the deletion');
    expect(deletedOf(asked)).toEqual([
      {
        kind: 'DELETED',
        runId: doomed,
        run: null,
        previousStatus: 'COMPLETED',
        cursor: cursorBefore,
        resumeToken: expect.any(String) as unknown,
        completedSteps: 0,
        totalSteps: 0,
      },
    ]);
    await other.wait((r) => deletedOf(r).some((c) => c.runId === elsewhere), 'the other workflow’s deletion');
    expect(deletedOf(other).map((c) => c.runId)).toEqual([elsewhere]);

    // A change made after the deletion was read reaches every feed after it: none that did not ask got one.
    const later = await completedRun(wf.id, asked);
    await plain.wait((r) => changesOf(r).some((c) => c.run?.id === later && c.run.status === 'COMPLETED'), 'the later run (plain)');
    await legacy.wait((r) => placedOf(r).some((c) => c.run.id === later && c.run.status === 'COMPLETED'), 'the later run (runsChanged)');
    for (const feed of [asked, plain, other, legacy]) feed.stop();
    expect([...asked.errors, ...plain.errors, ...other.errors, ...legacy.errors]).toEqual([]);
    expect(changesOf(plain).map((c) => c.kind)).not.toContain('DELETED');
    expect(placedOf(legacy).map((c) => c.kind)).not.toContain('DELETED');
    expect(changesOf(plain).every((c) => c.run !== null)).toBe(true);
    await feedsReady(0);
  });

  it('refuses DELETED on runsChanged, whose run is never null, opening nothing', async () => {
    const refused = new Recording<Placed>(connect(), RunsChangedPlacedDocument, { kinds: ['CREATED', 'DELETED'] });
    await refused.end('the refusal');
    expect(refused.data).toEqual([]);
    expect(refused.errors).toEqual([
      expect.objectContaining({ extensions: expect.objectContaining({ code: 'BAD_USER_INPUT' }) as unknown }),
    ]);
    expect(t.app.runChanges.watchers()).toBe(0);
  });

  it('reports the deletion on a resume from a token taken before it, when asked for', async () => {
    const wf = await f.workflow('resumed-deleted', ONE_STEP);
    const filter = { workflowId: wf.id };
    const first = new Recording<Item>(connect(), RunListChangesDocument, { filter, kinds: WITH_DELETED });
    await feedsReady(1);
    const doomed = await completedRun(wf.id, first);
    first.stop();
    await feedsReady(0);
    const token = changesOf(first).at(-1)?.resumeToken as string;

    // Nobody watches while retention deletes it: only the tombstone can tell.
    expect(await sweep(t.app)).toBeGreaterThanOrEqual(1);
    const resumed = new Recording<Item>(connect(), RunListChangesDocument, { filter, kinds: WITH_DELETED, after: token });
    const plain = new Recording<Item>(connect(), RunListChangesDocument, { filter, after: token });
    await resumed.wait((r) => deletedOf(r).some((c) => c.runId === doomed), 'the deletion, on resume');
    expect(deletedOf(resumed)).toEqual([expect.objectContaining({ runId: doomed, run: null, previousStatus: 'COMPLETED' })]);
    // The resume reads runs that exist: the deleted one is not among them.
    expect(changesOf(resumed).filter((c) => c.runId === doomed)).toHaveLength(1);

    await feedsReady(2);
    const later = await completedRun(wf.id, resumed);
    await plain.wait((r) => changesOf(r).some((c) => c.run?.id === later && c.run.status === 'COMPLETED'), 'the later run');
    resumed.stop();
    plain.stop();
    expect([...resumed.errors, ...plain.errors]).toEqual([]);
    expect(changesOf(plain).some((c) => c.kind === 'DELETED' || c.runId === doomed)).toBe(false);
    await feedsReady(0);
  });

  it('reports every run of a workflow deleted for good through REST as DELETED, with the status each had', async () => {
    const wf = await f.workflow('purged', GATED);
    const filter = { workflowId: wf.id };
    const feed = new Recording<Item>(connect(), RunListChangesDocument, { filter, kinds: WITH_DELETED });
    await feedsReady(1);
    const [finished, waiting] = [await f.execute(wf.id), await f.execute(wf.id)];
    for (const run of [finished, waiting]) await waitForRun(t, run.id, (r) => r.steps.some((s) => s.status === 'WAITING'));
    await t.ok(SignalRunDocument, { runId: finished.id, stepId: 'gate', payload: {} });
    await feed.wait((r) => changesOf(r).some((c) => c.run?.id === finished.id && c.run.status === 'COMPLETED'), 'the first run to finish');

    expect((await restClient(t).delete(`/api/v2/workflows/${dbId(wf.id)}`)).status).toBe(200);
    await feed.wait((r) => deletedOf(r).length === 2, 'both deletions');
    feed.stop();
    expect(feed.errors).toEqual([]);
    const byRun = new Map(deletedOf(feed).map((c) => [c.runId, c.previousStatus]));
    expect(byRun).toEqual(
      new Map([
        [finished.id, 'COMPLETED'],
        [waiting.id, 'RUNNING'],
      ]),
    );
    await feedsReady(0);
  });

  it('resumes without a gap: a change stamped before the token but committed after it is reported', async () => {
    const wf = await f.workflow('interleaved', GATED);
    const filter = { workflowId: wf.id };
    const prisma = t.app.resources.db.prisma;
    const [a, b] = [await f.execute(wf.id), await f.execute(wf.id)];
    for (const run of [a, b]) await waitForRun(t, run.id, (r) => r.steps.some((s) => s.status === 'WAITING'));
    const first = new Recording<Placed>(connect(), RunsChangedPlacedDocument, { filter });
    await feedsReady(1);
    await t.ok(SignalRunDocument, { runId: a.id, stepId: 'gate', payload: {} });
    await first.wait((r) => placedOf(r).some((c) => c.run.id === a.id && c.run.status === 'COMPLETED'), 'a to complete');
    first.stop();
    await feedsReady(0);
    const token = placedOf(first).at(-1)?.resumeToken as string;
    const stampOfA = (await prisma.run.findUniqueOrThrow({ where: { id: dbId(a.id) } })).updatedAt;

    // b's change commits only now, after the client got its token, but carries a stamp from
    // before a's, as a write does whose transaction began first and committed last.
    await t.ok(CancelRunDocument, { id: b.id, reason: 'interleaved' });
    await prisma.run.update({ where: { id: dbId(b.id) }, data: { updatedAt: new Date(stampOfA.getTime() - 1_000) } });

    const resumed = new Recording<Placed>(connect(), RunsChangedPlacedDocument, { filter, after: token });
    await resumed.wait((r) => placedOf(r).some((c) => c.run.id === b.id && c.run.status === 'CANCELLED'), 'b’s cancellation, on resume');
    resumed.stop();
    expect(resumed.errors).toEqual([]);
    // a comes again (at least once), with its state now.
    expect(
      placedOf(resumed)
        .filter((c) => c.run.id === a.id)
        .every((c) => c.run.status === 'COMPLETED'),
    ).toBe(true);
    await feedsReady(0);
  });
});

describe('a run deleted by another process', () => {
  // PostgreSQL: the catch-up is off, so only the tombstone's NOTIFY can tell this process.
  // SQLite (no NOTIFY): only the catch-up, reading recent tombstones, can.
  const env = testProvider === 'postgres' ? { STREAM_CATCHUP_MS: '3600000' } : { STREAM_CATCHUP_MS: '200' };

  it('reaches the feed of this one as DELETED', async () => {
    const { t, connect } = await serve(env);
    const f = flows(t);
    const wf = await f.workflow('remote-sweep', ONE_STEP);
    const feed = new Recording<Item>(connect(), RunListChangesDocument, { filter: { workflowId: wf.id }, kinds: WITH_DELETED });
    await eventually(() => t.app.runChanges.watchers() === 1, 'the feed to be ready');
    const run = await f.execute(wf.id);
    await feed.wait((r) => changesOf(r).some((c) => c.run?.id === run.id && c.run.status === 'COMPLETED'), 'the run to complete');

    // Another app instance on the same database: its own notifier, so nothing reaches this one in memory.
    const config = loadConfig({
      NODE_ENV: 'test',
      PORT: '0',
      HOST: '127.0.0.1',
      RATE_LIMIT_PER_MINUTE: '0',
      WORKER_CONCURRENCY: '0',
      DATABASE_URL: t.databaseUrl,
    });
    const other = await createApp(config, { logger: pino({ level: 'silent' }) });
    cleanups.push(() => other.stop());
    expect(await sweep(other)).toBeGreaterThanOrEqual(1);

    await feed.wait((r) => deletedOf(r).some((c) => c.runId === run.id), 'the deletion made by the other process');
    feed.stop();
    expect(feed.errors).toEqual([]);
    expect(deletedOf(feed)).toEqual([expect.objectContaining({ runId: run.id, run: null, previousStatus: 'COMPLETED' })]);
  }, 60_000);
});
