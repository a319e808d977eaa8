// runStream, the one subscription a run page needs, over graphql-ws and SSE: the backlog in
// batches of batchSize, resume from any afterSeq with no gap or duplicate, live batches,
// untilFinished, a slow subscriber's final StreamResumeRequired; and runUpdated, which log
// lines no longer fire. Waits are on conditions, bounded only as a safety net.

import { createClient as createSseClient } from 'graphql-sse';
import { createClient as createWsClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  CancelRunDocument,
  CreateWorkspaceDocument,
  RetryRunDocument,
  type RunStreamLiveSubscription,
  RunStreamLiveDocument,
  type RunStreamEventsSubscription,
  RunStreamEventsDocument,
  type RunUpdatedLiveSubscription,
  RunUpdatedLiveDocument,
  SignalRunDocument,
} from '../gql/graphql.ts';
import { startHttpAgent, type TestAgent } from '../support/agents.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { expectMember, flows } from '../support/flows.ts';
import { waitForRun } from '../support/runs.ts';
import { type Frame, kernelBufferBytes, RawSocket, Recording, type SubscribingClient } from '../support/streams.ts';

type Payload = RunStreamLiveSubscription['runStream'];
type Batch = Extract<Payload, { __typename: 'RunEventBatch' }>;
type Item = { runStream: Payload };

const range = (from: number, to: number) => Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);
const batchesOf = (items: readonly Item[]): Batch[] =>
  items.map((i) => i.runStream).filter((p): p is Batch => p.__typename === 'RunEventBatch');
type EventsPayload = RunStreamEventsSubscription['runStream'];
type EventsBatch = Extract<EventsPayload, { __typename: 'RunEventBatch' }>;
type EventsItem = { runStream: EventsPayload };
const eventBatchesOf = (items: readonly EventsItem[]): EventsBatch[] =>
  items.map((i) => i.runStream).filter((p): p is EventsBatch => p.__typename === 'RunEventBatch');
const seqsOf = (batches: readonly { events: readonly { seq: number }[] }[]) => batches.flatMap((b) => b.events.map((e) => e.seq));

const APPROVAL = {
  steps: [
    { id: 'prepare', type: 'transform', expression: '"draft"' },
    { id: 'approve', type: 'wait', dependsOn: ['prepare'] },
    { id: 'publish', type: 'transform', dependsOn: ['approve'], expression: '"published"' },
  ],
};
/** Six chained steps: a finished run with a log long enough for several small batches. */
const CHAIN = {
  steps: Array.from({ length: 6 }, (_, i) => ({
    id: `s${i}`,
    type: 'transform',
    expression: `"${i}"`,
    ...(i > 0 ? { dependsOn: [`s${i - 1}`] } : {}),
  })),
};

let t: TestApp;
let base: string;
let f: ReturnType<typeof flows>;
const clients: { dispose(): unknown }[] = [];

beforeAll(async () => {
  t = await startTestApp({}, { WORKER_POLL_MS: '50' });
  base = (await t.app.start()).url;
  f = flows(t);
  await t.ok(CreateWorkspaceDocument, { input: { name: 'Stream other', slug: 'stream-other' } });
});
afterAll(async () => {
  for (const client of clients) await client.dispose();
  await t?.close();
});

const transports: Record<string, (slug?: string) => SubscribingClient> = {
  'graphql-ws': (slug) => {
    const client = createWsClient({
      url: `${base.replace('http', 'ws')}/graphql`,
      webSocketImpl: WebSocket,
      lazy: true,
      retryAttempts: 0,
      connectionParams: slug ? { 'x-workspace-slug': slug } : {},
    });
    clients.push(client);
    return client;
  },
  SSE: (slug) => {
    const client = createSseClient({ url: `${base}/graphql`, retryAttempts: 0, headers: slug ? { 'x-workspace-slug': slug } : {} });
    clients.push(client);
    return client;
  },
};

describe.each(Object.entries(transports))('runStream over %s', (_name, connect) => {
  it('delivers the backlog in batches of batchSize, resumes from any afterSeq, and with untilFinished completes once a finished run’s backlog is through', async () => {
    const wf = await f.workflow('chain', CHAIN);
    const run = await waitForRun(t, (await f.execute(wf.id)).id);
    expect(run.status).toBe('COMPLETED');
    const log = await f.events(run.id);
    const total = log.length;
    expect(total).toBeGreaterThan(8);

    const client = connect();
    const whole = new Recording<Item>(client, RunStreamLiveDocument, { runId: run.id, batchSize: 4, untilFinished: true });
    await whole.end('the stream to complete after the backlog');
    expect(whole.errors).toEqual([]);
    expect(whole.completed).toBe(true);
    const batches = batchesOf(whole.data);
    expect(batches).toHaveLength(whole.data.length);
    expect(batches).toHaveLength(Math.ceil(total / 4));
    expect(batches.map((b) => b.events.length)).toEqual(batches.map((_, i) => Math.min(4, total - 4 * i)));
    expect(seqsOf(batches)).toEqual(range(1, total));
    expect(batches.flatMap((b) => b.events.map((e) => e.type))).toEqual(log.map((e) => e.type));
    expect(batches.map((b) => b.lastSeq)).toEqual(batches.map((b) => b.events.at(-1)?.seq));
    expect(batches.map((b) => b.hasMorePastEvents)).toEqual(batches.map((_, i) => i < batches.length - 1));
    expect(batches.every((b) => b.run.id === run.id && b.run.status === 'COMPLETED')).toBe(true);
    expect(batches.at(-1)?.run.steps.every((s) => s.status === 'COMPLETED')).toBe(true);

    // Resuming from the middle gives exactly the rest.
    const middle = 5;
    const rest = new Recording<Item>(client, RunStreamLiveDocument, { runId: run.id, afterSeq: middle, batchSize: 3, untilFinished: true });
    await rest.end('the resumed stream to complete');
    expect(rest.errors).toEqual([]);
    expect(seqsOf(batchesOf(rest.data))).toEqual(range(middle + 1, total));

    // Nothing after afterSeq: one empty batch with the run, then completion at once.
    const none = new Recording<Item>(client, RunStreamLiveDocument, { runId: run.id, afterSeq: total, untilFinished: true });
    await none.end('the caught-up stream to complete');
    expect(none.errors).toEqual([]);
    expect(batchesOf(none.data)).toEqual([
      expect.objectContaining({
        events: [],
        lastSeq: total,
        hasMorePastEvents: false,
        run: expect.objectContaining({ status: 'COMPLETED' }),
      }),
    ]);
  });

  it('follows a live run in batches, completes with untilFinished after its final event, and a retry is followed by subscribing again', async () => {
    const wf = await f.workflow('approval', APPROVAL);
    const run = await f.execute(wf.id);
    await waitForRun(t, run.id, (r) => r.steps.some((s) => s.stepId === 'approve' && s.status === 'WAITING'));
    const client = connect();
    const stream = new Recording<Item>(client, RunStreamLiveDocument, { runId: run.id, untilFinished: true });
    await stream.wait((r) => batchesOf(r.data).some((b) => !b.hasMorePastEvents), 'the backlog');
    const backlog = batchesOf(stream.data);
    expect(backlog).toHaveLength(1);
    expect(backlog[0]?.run.status).toBe('RUNNING');
    expect(stream.completed).toBe(false);

    // A cancel commits every event it causes in one transaction: they arrive as one batch.
    expectMember((await t.ok(CancelRunDocument, { id: run.id, reason: 'stream test' })).cancelRun, 'Run');
    await stream.end('the stream to complete after run.cancelled');
    expect(stream.errors).toEqual([]);
    const batches = batchesOf(stream.data);
    const log = await f.events(run.id);
    expect(seqsOf(batches)).toEqual(range(1, log.length));
    expect(batches).toHaveLength(2);
    const live = batches[1] as Batch;
    expect(live.events.map((e) => e.type)).toContain('run.cancelled');
    expect(live.events.at(-1)?.seq).toBe(log.length);
    expect(live).toMatchObject({ lastSeq: log.length, hasMorePastEvents: false, run: { status: 'CANCELLED' } });

    // A retry re-opens the run: a new subscription from the last lastSeq follows it to the end.
    expectMember((await t.ok(RetryRunDocument, { id: run.id })).retryRun, 'Run');
    const again = new Recording<Item>(client, RunStreamLiveDocument, { runId: run.id, afterSeq: live.lastSeq, untilFinished: true });
    await again.wait(
      (r) => batchesOf(r.data).some((b) => b.run.steps.some((s) => s.stepId === 'approve' && s.status === 'WAITING')),
      'the retried run to wait',
    );
    expect(again.completed).toBe(false);
    await t.ok(SignalRunDocument, { runId: run.id, stepId: 'approve', payload: { ok: true } });
    await again.end('the retried run’s stream to complete');
    expect(again.errors).toEqual([]);
    const retried = batchesOf(again.data);
    const full = await f.events(run.id);
    expect(seqsOf(retried)).toEqual(range(live.lastSeq + 1, full.length));
    expect(retried[0]?.events[0]?.type).toBe('run.retried');
    expect(retried.at(-1)?.events.at(-1)?.type).toBe('run.completed');
    expect(retried.at(-1)?.run.status).toBe('COMPLETED');
  });

  it('refuses an unknown run, a run of another workspace and a batchSize out of bounds at subscribe time', async () => {
    const wf = await f.workflow('refused', { steps: [{ id: 'only', type: 'transform', expression: '"x"' }] });
    const run = await f.execute(wf.id);
    const cases = [
      { client: connect(), variables: { runId: 'no-such-run' }, code: 'NOT_FOUND' },
      { client: connect('stream-other'), variables: { runId: run.id }, code: 'NOT_FOUND' },
      { client: connect(), variables: { runId: run.id, batchSize: 0 }, code: 'BAD_USER_INPUT' },
      { client: connect(), variables: { runId: run.id, batchSize: 1001 }, code: 'BAD_USER_INPUT' },
    ];
    for (const { client, variables, code } of cases) {
      const refused = new Recording<Item>(client, RunStreamLiveDocument, variables);
      await refused.end(`the refusal (${code})`);
      expect(refused.data).toEqual([]);
      expect(refused.errors).toEqual([expect.objectContaining({ extensions: expect.objectContaining({ code }) as unknown })]);
    }
  });
});

describe('runUpdated', () => {
  let agent: TestAgent;
  afterAll(async () => agent?.close());

  it('is not fired by step.log lines: one message per other event after the first', async () => {
    const lines = Array.from({ length: 7 }, (_, i) => ({ level: 'info', message: `line ${i}` }));
    agent = await startHttpAgent((body: { input?: { logs?: boolean } }) => ({ done: true, ...(body?.input?.logs ? { logs: lines } : {}) }));
    const name = await f.agent('chatty', agent);
    const counts: Record<string, { messages: number; logs: number }> = {};
    for (const logs of [true, false]) {
      const wf = await f.workflow('logging', {
        steps: [
          { id: 'approve', type: 'wait' },
          { id: 'call', type: 'agent', agent: name, input: { logs }, dependsOn: ['approve'] },
        ],
      });
      const run = await f.execute(wf.id);
      await waitForRun(t, run.id, (r) => r.steps.some((s) => s.stepId === 'approve' && s.status === 'WAITING'));
      const seen = (await f.events(run.id)).length;
      const updates = new Recording<RunUpdatedLiveSubscription>(transports['graphql-ws']!(), RunUpdatedLiveDocument, { runId: run.id });
      await updates.wait((r) => r.data.length === 1, 'the first state');
      await t.ok(SignalRunDocument, { runId: run.id, stepId: 'approve', payload: {} });
      await updates.wait((r) => r.data.some((d) => d.runUpdated.status === 'COMPLETED'), 'the completion');
      const after = (await f.events(run.id)).slice(seen);
      const logged = after.filter((e) => e.type === 'step.log').length;
      // Completion is the run's last event, so nothing more can come.
      updates.stop();
      expect(updates.errors).toEqual([]);
      expect(updates.data).toHaveLength(1 + after.length - logged);
      counts[String(logs)] = { messages: updates.data.length, logs: logged };
    }
    expect(counts.true?.logs).toBe(lines.length);
    expect(counts.false?.logs).toBe(0);
    expect(counts.true?.messages).toBe(counts.false?.messages);
  });
});

describe('a slow runStream subscriber (STREAM_MAX_BUFFERED=5)', () => {
  const BIG = 512 * 1024;
  let slowApp: TestApp;
  let wsUrl: string;
  const sockets: RawSocket[] = [];

  beforeAll(async () => {
    slowApp = await startTestApp({}, { WORKER_POLL_MS: '50', STREAM_MAX_BUFFERED: '5' });
    wsUrl = `${(await slowApp.app.start()).url.replace('http', 'ws')}/graphql`;
  });
  afterAll(async () => {
    for (const socket of sockets) socket.terminate();
    await slowApp?.close();
  });

  it('ends with StreamResumeRequired naming the last lastSeq delivered; resuming from it loses nothing', { timeout: 120_000 }, async () => {
    // Big events enough to fill the paused socket's kernel buffers, then several cycles more
    // (the cut-off needs a few rounds of events queued behind the full socket; a busy machine
    // may drain it a little later, hence a wider margin than the minimum).
    const cycles = Math.ceil(kernelBufferBytes() / BIG) + 8;
    const steps: Record<string, unknown>[] = [];
    for (let i = 1; i <= cycles; i++) {
      steps.push({ id: `gate${i}`, type: 'wait', ...(i > 1 ? { dependsOn: [`big${i - 1}`] } : {}) });
      steps.push({ id: `big${i}`, type: 'transform', dependsOn: [`gate${i}`], expression: `$pad("", ${BIG}, "x")` });
    }
    const sf = flows(slowApp);
    const wf = await sf.workflow('bulk', { steps });
    const runId = (await sf.execute(wf.id)).id;
    // A fast subscriber, reading as events come, tells when each cycle is through.
    const fastClient = createWsClient({ url: wsUrl, webSocketImpl: WebSocket, lazy: true, retryAttempts: 0 });
    clients.push(fastClient);
    const fast = new Recording<EventsItem>(fastClient, RunStreamEventsDocument, { runId });
    const reached = (done: (e: EventsBatch['events'][number]) => boolean, what: string) =>
      fast.wait((r) => eventBatchesOf(r.data).some((b) => b.events.some(done)), what);
    const waitingAt = (stepId: string) => () => reached((e) => e.type === 'step.waiting' && e.stepId === stepId, `${stepId} to wait`);
    await waitingAt('gate1')();

    const payloadOf = (frame: Frame) => (frame.payload as { data?: EventsItem | null } | undefined)?.data?.runStream;
    const slow = await RawSocket.connect(wsUrl);
    sockets.push(slow);
    slow.subscribe('slow', RunStreamEventsDocument, { runId, batchSize: 1 });
    // Caught up with the backlog, then no longer reading.
    await slow.next((frame) => {
      const p = payloadOf(frame);
      return frame.id === 'slow' && p?.__typename === 'RunEventBatch' && !p.hasMorePastEvents;
    }, 'the backlog');
    slow.pause();
    for (let i = 1; i <= cycles; i++) {
      expectMember((await slowApp.ok(SignalRunDocument, { runId, stepId: `gate${i}`, payload: { i } })).signalRun, 'Run');
      if (i < cycles) await waitingAt(`gate${i + 1}`)();
    }
    await reached((e) => e.type === 'run.completed', 'the run to complete');
    fast.stop();
    expect(fast.errors).toEqual([]);
    slow.resume();
    await slow.next((frame) => frame.id === 'slow' && frame.type === 'complete', 'the cut-off stream to complete', 60_000);
    const payloads = slow
      .framesOf('slow')
      .filter((frame) => frame.type === 'next')
      .map((frame) => {
        expect((frame.payload as { errors?: unknown }).errors).toBeUndefined();
        return payloadOf(frame) as EventsPayload;
      });
    const last = payloads.at(-1);
    const delivered = payloads.slice(0, -1) as EventsBatch[];
    expect(delivered.every((p) => p.__typename === 'RunEventBatch')).toBe(true);
    const lastSeq = delivered.at(-1)?.lastSeq ?? 0;
    expect(seqsOf(delivered)).toEqual(range(1, lastSeq));
    expect(last).toMatchObject({ __typename: 'StreamResumeRequired', afterSeq: lastSeq });
    expect((last as { message: string }).message).toContain(`afterSeq: ${lastSeq}`);

    const total = (await sf.events(runId)).length;
    expect(lastSeq).toBeLessThan(total);
    slow.subscribe('resume', RunStreamEventsDocument, { runId, afterSeq: lastSeq, batchSize: 50, untilFinished: true });
    // A bigger safety net: the replay carries every big event again, on a machine that may be busy.
    await slow.next((frame) => frame.id === 'resume' && frame.type === 'complete', 'the resumed stream to complete', 60_000);
    const resumed = slow
      .framesOf('resume')
      .filter((frame) => frame.type === 'next')
      .map((frame) => payloadOf(frame) as EventsBatch);
    expect(resumed.every((p) => p.__typename === 'RunEventBatch')).toBe(true);
    expect([...seqsOf(delivered), ...seqsOf(resumed)]).toEqual(range(1, total));
  });
});
