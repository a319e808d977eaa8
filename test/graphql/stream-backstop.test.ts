// Backstops of live run streams, seen from the outside: an event whose nudge never arrives (a
// writer in another app instance with no notification) still reaches live subscribers and the
// workspace feed through the periodic catch-up; a subscriber replaying a long log while the run
// keeps logging catches up instead of being cut off; `npm run worker` refuses an SQLite file.
// Waits are on conditions, bounded only as a safety net.

import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
import { createClient as createWsClient } from 'graphql-ws';
import pg from 'pg';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  CancelRunDocument,
  type RunEventsLiveSubscription,
  RunEventsLiveDocument,
  type RunsChangedLiveSubscription,
  RunsChangedLiveDocument,
  SignalRunDocument,
} from '../gql/graphql.ts';
import { type App, createApp } from '../../src/server/app.ts';
import { loadConfig } from '../../src/server/config.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { testProvider } from '../support/database.ts';
import { expectMember, flows } from '../support/flows.ts';
import { startProcess } from '../support/process.ts';
import { waitForRun } from '../support/runs.ts';
import { type Frame, kernelBufferBytes, RawSocket, Recording, until } from '../support/streams.ts';

type LiveEvent = RunEventsLiveSubscription['runEvents'];
type Item = { runEvents: LiveEvent };
type Change = RunsChangedLiveSubscription;

const APPROVAL = {
  steps: [
    { id: 'prepare', type: 'transform', expression: '"draft"' },
    { id: 'approve', type: 'wait', dependsOn: ['prepare'] },
    { id: 'publish', type: 'transform', dependsOn: ['approve'], expression: '"published"' },
  ],
};

const seqsOf = (items: readonly Item[]) => items.map((i) => i.runEvents.seq);
const range = (from: number, to: number) => Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);

/** Runs an SDK document against an app in-process, failing unless data comes back without errors. */
async function ok<T, V>(app: App, document: TypedDocumentNode<T, V>, variables: V): Promise<T> {
  const response = await app.fetch(
    new Request('http://flowdeck.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: print(document), variables }),
    }),
  );
  const body = (await response.json()) as { data?: T; errors?: unknown };
  if (body.errors || !body.data) throw new Error(`GraphQL errors: ${JSON.stringify(body.errors)}`);
  return body.data;
}

describe('the periodic catch-up (STREAM_CATCHUP_MS=200)', () => {
  let t: TestApp;
  /** A second app instance on the same database: its nudges reach only itself. */
  let other: App;
  let ws: ReturnType<typeof createWsClient>;

  beforeAll(async () => {
    // Polling only on nudges: after the run parks, this instance writes nothing of its own.
    t = await startTestApp({}, { STREAM_CATCHUP_MS: '200', WORKER_POLL_MS: '600000', LEASE_MS: '3600000' });
    const url = (await t.app.start()).url;
    ws = createWsClient({ url: `${url.replace('http', 'ws')}/graphql`, webSocketImpl: WebSocket, lazy: true, retryAttempts: 0 });
    const config = loadConfig({ NODE_ENV: 'test', PORT: '0', HOST: '127.0.0.1', WORKER_CONCURRENCY: '0', DATABASE_URL: t.databaseUrl });
    other = await createApp(config, { logger: pino({ level: 'silent' }) });
  });
  afterAll(async () => {
    await ws?.dispose();
    await other?.stop();
    await t?.close();
  });

  /** Stops PostgreSQL from notifying anyone of new events (SQLite never notifies across instances). */
  async function withoutNotify(fn: () => Promise<void>): Promise<void> {
    if (testProvider !== 'postgres') return fn();
    const admin = new pg.Client({ connectionString: t.databaseUrl });
    await admin.connect();
    try {
      await admin.query('ALTER TABLE "RunEvent" DISABLE TRIGGER "RunEvent_notify"');
      await fn();
    } finally {
      await admin.query('ALTER TABLE "RunEvent" ENABLE TRIGGER "RunEvent_notify"');
      await admin.end();
    }
  }

  it('delivers events committed by another writer whose nudge never arrives, to run streams and the workspace feed', async () => {
    const f = flows(t);
    const wf = await f.workflow('approval', APPROVAL);
    const feed = new Recording<Change>(ws, RunsChangedLiveDocument, {});
    await until(() => t.app.runChanges.watchers() === 1, 'the feed to be ready');
    const run = await f.execute(wf.id);
    const stream = new Recording<Item>(ws, RunEventsLiveDocument, { runId: run.id });
    await stream.wait((r) => r.data.some((i) => i.runEvents.type === 'step.waiting'), 'the approval step to wait');
    await feed.wait((r) => r.data.some((c) => c.runsChanged.run.id === run.id && c.runsChanged.run.status === 'RUNNING'), 'RUNNING');

    await withoutNotify(async () => {
      // Cancelled through the other instance: its in-process nudge stays there, and nothing
      // else happens to the run, so only the catch-up can tell this instance's subscribers.
      const cancelled = expectMember((await ok(other, CancelRunDocument, { id: run.id, reason: 'elsewhere' })).cancelRun, 'Run');
      expect(cancelled.status).toBe('CANCELLED');
      await stream.wait((r) => r.data.some((i) => i.runEvents.type === 'run.cancelled'), 'run.cancelled');
      await feed.wait((r) => r.data.some((c) => c.runsChanged.run.status === 'CANCELLED'), 'the feed to report CANCELLED');
    });
    stream.stop();
    feed.stop();

    expect([...stream.errors, ...feed.errors]).toEqual([]);
    const log = await f.events(run.id);
    expect(seqsOf(stream.data)).toEqual(range(1, log.length));
    expect(stream.data.map((i) => i.runEvents.type)).toEqual(log.map((e) => e.type));
    const mine = feed.data.map((c) => c.runsChanged).filter((c) => c.run.id === run.id);
    expect(mine.at(-1)).toMatchObject({ kind: 'STATUS_CHANGED', previousStatus: 'RUNNING', run: { status: 'CANCELLED' } });
    expect(mine.filter((c) => c.run.status === 'CANCELLED')).toHaveLength(1);
  });
});

describe('a subscriber replaying a long log while the run keeps logging (STREAM_MAX_BUFFERED=5)', () => {
  const BIG = 512 * 1024;
  let t: TestApp;
  let wsUrl: string;
  const sockets: RawSocket[] = [];

  beforeAll(async () => {
    t = await startTestApp({}, { WORKER_POLL_MS: '50', STREAM_MAX_BUFFERED: '5' });
    wsUrl = `${(await t.app.start()).url.replace('http', 'ws')}/graphql`;
  });
  afterAll(async () => {
    for (const socket of sockets) socket.terminate();
    await t?.close();
  });

  it('is never cut off for what the run logs during its replay: it catches up, then follows live to the end', async () => {
    // More big events than the connection can buffer: a replay into a socket nobody reads
    // cannot finish, so whatever the run logs meanwhile arrives while the subscriber replays.
    const bigs = Math.ceil(kernelBufferBytes() / BIG) + 2;
    const steps: Record<string, unknown>[] = [];
    for (let i = 1; i <= bigs; i++) {
      steps.push({
        id: `big${i}`,
        type: 'transform',
        ...(i > 1 ? { dependsOn: [`big${i - 1}`] } : {}),
        expression: `$pad("", ${BIG}, "x")`,
      });
    }
    const GATES = 3;
    for (let i = 1; i <= GATES; i++) {
      steps.push({ id: `gate${i}`, type: 'wait', dependsOn: [i === 1 ? `big${bigs}` : `after${i - 1}`] });
      steps.push({ id: `after${i}`, type: 'transform', dependsOn: [`gate${i}`], expression: `${i}` });
    }
    const f = flows(t);
    const wf = await f.workflow('long-log', { steps });
    const runId = (await f.execute(wf.id)).id;
    // Megabytes of step outputs to write first: generous safety limits, never an assertion.
    await waitForRun(t, runId, (r) => r.steps.find((s) => s.stepId === 'gate1')?.status === 'WAITING', undefined, 120_000);

    const socket = await RawSocket.connect(wsUrl);
    sockets.push(socket);
    socket.pause();
    socket.subscribe('replay', RunEventsLiveDocument, { runId });
    await until(() => t.app.streams.subscribers() === 1, 'the stream to be registered on the server');
    // Each gate logs several events (signalled, completed, started, completed, waiting): far
    // more than the 5 a live subscriber may have waiting, all while this one is replaying.
    for (let i = 1; i <= GATES; i++) {
      await waitForRun(t, runId, (r) => r.steps.find((s) => s.stepId === `gate${i}`)?.status === 'WAITING');
      expectMember((await t.ok(SignalRunDocument, { runId, stepId: `gate${i}`, payload: { i } })).signalRun, 'Run');
    }
    await waitForRun(t, runId);

    socket.resume();
    const eventOf = (frame: Frame) => (frame.payload as { data?: Item | null } | undefined)?.data?.runEvents;
    await socket.next(
      (frame) => frame.id === 'replay' && (eventOf(frame)?.type === 'run.completed' || frame.type !== 'next' || !eventOf(frame)),
      'the stream to reach run.completed (or end)',
      60_000,
    );
    const frames = socket.framesOf('replay');
    expect(frames.every((frame) => frame.type === 'next' && !(frame.payload as { errors?: unknown }).errors)).toBe(true);
    const log = await f.events(runId);
    expect(frames.map((frame) => eventOf(frame)?.seq)).toEqual(range(1, log.length));
    socket.send({ id: 'replay', type: 'complete' });
  }, 240_000);
});

describe('npm run worker on SQLite', () => {
  it('refuses to start, saying why and what to do instead, before touching the database file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flowdeck-worker-'));
    try {
      const file = join(dir, 'flowdeck.db');
      const started = startProcess('worker', { DATABASE_URL: `file:${file}` });
      await expect(started).rejects.toThrow(/exited early \(78\)/);
      const message = await started.catch((error: unknown) => String(error));
      expect(message).toMatch(/npm run worker needs PostgreSQL/);
      expect(message).toMatch(/Run the server alone/);
      expect(existsSync(file)).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
