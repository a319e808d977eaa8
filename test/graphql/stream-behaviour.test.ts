// Behaviour of live run streams seen from the outside: one gap-free sequence through cancel,
// retry and signal; resuming on every transport; unsubscribing freeing the server's stream; a
// slow subscriber cut off (and resumable) while a fast one keeps going; workspace isolation of
// live events. Everything goes through real sockets on a real port with the official clients
// (or a raw graphql-transport-ws socket); waits are on conditions, bounded only as a safety net.

import { createClient as createSseClient } from 'graphql-sse';
import { createClient as createWsClient } from 'graphql-ws';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  CancelRunDocument,
  CreateWorkspaceDocument,
  RetryRunDocument,
  type RunEventsLiveSubscription,
  RunEventsLiveDocument,
  SignalRunDocument,
  WorkflowRunsDocument,
} from '../gql/graphql.ts';
import { type RequestScope, startTestApp, type TestApp } from '../support/app.ts';
import { expectMember, flows } from '../support/flows.ts';
import { waitForRun } from '../support/runs.ts';
import { type Frame, kernelBufferBytes, RawSocket, Recording, type SubscribingClient, until } from '../support/streams.ts';

type LiveEvent = RunEventsLiveSubscription['runEvents'];
type Item = { runEvents: LiveEvent };

const OTHER_WORKSPACE = 'behaviour-other';

/** prepare → approve (waits for a signal) → publish. */
const APPROVAL = {
  steps: [
    { id: 'prepare', type: 'transform', expression: '"draft"' },
    { id: 'approve', type: 'wait', dependsOn: ['prepare'] },
    { id: 'publish', type: 'transform', dependsOn: ['approve'], expression: '"published"' },
  ],
};

/** A client of one transport, and how to throw it away. */
type OpenClient = SubscribingClient & { dispose(): unknown };

interface Transport {
  name: string;
  open(scope?: RequestScope): OpenClient;
}

/** An event, streamed or read from the log, reduced to what both must agree on. */
const view = (e: { seq: number; type: string; stepId?: string | null; payload?: unknown }) => ({
  seq: e.seq,
  type: e.type,
  stepId: e.stepId ?? null,
  payload: e.payload,
});
const seqsOf = (items: readonly Item[]) => items.map((i) => i.runEvents.seq);
const typesOf = (items: readonly Item[]) => items.map((i) => i.runEvents.type);
const range = (from: number, to: number) => Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);
const saw =
  (type: string, stepId?: string, times = 1) =>
  (r: Recording<Item>) =>
    r.data.filter((i) => i.runEvents.type === type && (stepId === undefined || i.runEvents.stepId === stepId)).length >= times;

describe('live run streams (default limits)', () => {
  let t: TestApp;
  let f: ReturnType<typeof flows>;
  let base: string;
  const clients: OpenClient[] = [];

  const transports: Transport[] = [
    {
      name: 'graphql-ws at ws://…/graphql',
      open: (scope) =>
        track(
          createWsClient({
            url: `${base.replace('http', 'ws')}/graphql`,
            webSocketImpl: WebSocket,
            lazy: true,
            retryAttempts: 0,
            connectionParams: scope?.workspaceSlug ? { 'x-workspace-slug': scope.workspaceSlug } : undefined,
          }),
        ),
    },
    {
      name: 'SSE at /graphql (yoga, distinct connections)',
      open: (scope) => track(createSseClient({ url: `${base}/graphql`, retryAttempts: 0, headers: headersOf(scope) })),
    },
    {
      name: 'graphql-sse single connection at /graphql/stream',
      open: (scope) =>
        track(createSseClient({ url: `${base}/graphql/stream`, singleConnection: true, retryAttempts: 0, headers: headersOf(scope) })),
    },
  ];
  const [wsTransport] = transports as [Transport, ...Transport[]];

  function headersOf(scope?: RequestScope): Record<string, string> {
    return scope?.workspaceSlug ? { 'x-workspace-slug': scope.workspaceSlug } : {};
  }

  function track<C extends { dispose(): unknown }>(client: C): OpenClient {
    const open = client as unknown as OpenClient;
    clients.push(open);
    return open;
  }

  /** Every subscription a test made; stopped after each test, so a failing test leaves no stream behind. */
  const recordings: Recording<Item>[] = [];
  function runEvents(client: SubscribingClient, runId: string, afterSeq?: number): Recording<Item> {
    const recording = new Recording<Item>(client, RunEventsLiveDocument, afterSeq === undefined ? { runId } : { runId, afterSeq });
    recordings.push(recording);
    return recording;
  }

  /** Streams the server holds open right now (every test leaves none behind). */
  const open = () => t.app.streams.subscribers();
  const noStreamsOpen = () => until(() => open() === 0, 'every server-side stream to be released');

  /** Starts an approval run and returns its id once its `approve` step waits for a signal. */
  async function waitingApprovalRun(): Promise<{ runId: string; workflowId: string }> {
    const wf = await f.workflow('approval', APPROVAL);
    const run = await f.execute(wf.id);
    await waitForRun(t, run.id, (r) => r.steps.find((s) => s.stepId === 'approve')?.status === 'WAITING');
    return { runId: run.id, workflowId: wf.id };
  }

  const signal = async (runId: string) =>
    expectMember((await t.ok(SignalRunDocument, { runId, stepId: 'approve', payload: { by: 'ada' } })).signalRun, 'Run');

  beforeAll(async () => {
    t = await startTestApp({}, { WORKER_POLL_MS: '50' });
    f = flows(t);
    base = (await t.app.start()).url;
    expectMember(
      (await t.ok(CreateWorkspaceDocument, { input: { name: 'Behaviour other', slug: OTHER_WORKSPACE } })).createWorkspace,
      'Workspace',
    );
  });
  afterEach(async () => {
    for (const recording of recordings.splice(0)) recording.stop();
    for (const client of clients.splice(0)) await client.dispose();
  });
  afterAll(async () => {
    await t?.close();
  });

  describe('one run through wait, cancel, retry, signal and completion', () => {
    it('streams every event once, in sequence order 1..N, exactly as the log stores them', async () => {
      const wf = await f.workflow('lifecycle', APPROVAL);
      const run = await f.execute(wf.id);
      // Subscribed from the start: whatever part of the log exists is replayed, the rest is live.
      const stream = runEvents(wsTransport.open(), run.id);
      await stream.wait(saw('step.waiting', 'approve'), 'the approval step to wait');

      const cancelled = expectMember((await t.ok(CancelRunDocument, { id: run.id, reason: 'not yet' })).cancelRun, 'Run');
      expect(cancelled.status).toBe('CANCELLED');
      await stream.wait(saw('run.cancelled'), 'run.cancelled');

      // Retry resumes the same run (same id, same log) rather than creating another one.
      const retried = expectMember((await t.ok(RetryRunDocument, { id: run.id })).retryRun, 'Run');
      expect(retried.id).toBe(run.id);
      await stream.wait(saw('run.retried'), 'run.retried');
      await stream.wait(saw('step.waiting', 'approve', 2), 'the approval step to wait again after the retry');

      await signal(run.id);
      await stream.wait(saw('run.completed'), 'run.completed');
      stream.stop();

      expect(stream.errors).toEqual([]);
      expect(stream.failure).toBeNull();
      const seqs = seqsOf(stream.data);
      expect(seqs).toEqual(range(1, seqs.length));

      const types = typesOf(stream.data);
      for (const type of ['run.cancelled', 'run.retried', 'step.signalled', 'run.completed']) {
        expect(
          types.filter((x) => x === type),
          type,
        ).toHaveLength(1);
      }
      const at = (type: string) => types.indexOf(type);
      expect(at('run.cancelled')).toBeGreaterThan(types.indexOf('step.waiting'));
      expect(at('run.retried')).toBeGreaterThan(at('run.cancelled'));
      expect(at('step.signalled')).toBeGreaterThan(at('run.retried'));
      expect(at('run.completed')).toBeGreaterThan(at('step.signalled'));
      expect(types.at(-1)).toBe('run.completed');
      // The cancel closed the waiting and pending steps; the retry reopened exactly those.
      const cancelledSteps = stream.data.filter((i) => i.runEvents.type === 'step.cancelled').map((i) => i.runEvents.stepId);
      expect(cancelledSteps.sort()).toEqual(['approve', 'publish']);
      const retriedEvent = stream.data[at('run.retried')]?.runEvents;
      expect(retriedEvent?.payload).toEqual({
        previousStatus: 'CANCELLED',
        steps: expect.arrayContaining(['approve', 'publish']) as unknown,
      });

      // The streamed list is the stored log, read afterwards through the `run { events }` connection.
      const log = await f.events(run.id);
      expect(stream.data.map((i) => view(i.runEvents))).toEqual(log.map(view));
      // …and no second run appeared: the retry lives in this run's log.
      const runs = expectMember((await t.ok(WorkflowRunsDocument, { id: wf.id, first: 10 })).workflow, 'Workflow').runs;
      expect(runs.totalCount).toBe(1);
      expect(runs.edges[0]?.node).toMatchObject({ id: run.id, status: 'COMPLETED' });
    });
  });

  describe.each(transports)('reconnecting over $name', (transport) => {
    it('a client resuming after the run finished, with the last seq the previous one saw, receives exactly the missing events', async () => {
      const { runId } = await waitingApprovalRun();
      const clientA = transport.open();
      const a = runEvents(clientA, runId);
      await a.wait(saw('step.waiting', 'approve'), 'A to reach the waiting step');
      a.stop();
      await clientA.dispose();
      const lastA = seqsOf(a.data).at(-1) ?? 0;

      // Nobody listens while the run is signalled and completes.
      await signal(runId);
      await waitForRun(t, runId);

      const b = runEvents(transport.open(), runId, lastA);
      await b.wait(saw('run.completed'), 'B to reach run.completed');
      b.stop();

      expect([...a.errors, ...b.errors]).toEqual([]);
      const log = await f.events(runId);
      expect([...seqsOf(a.data), ...seqsOf(b.data)]).toEqual(range(1, log.length));
      expect([...a.data, ...b.data].map((i) => view(i.runEvents))).toEqual(log.map(view));
      expect(seqsOf(b.data)[0]).toBe(lastA + 1);
      expect(typesOf(b.data)).toContain('step.signalled');
      expect(typesOf(b.data).at(-1)).toBe('run.completed');
    });

    it('a client resuming while the run still waits receives the rest live', async () => {
      await noStreamsOpen();
      const { runId } = await waitingApprovalRun();
      const clientA = transport.open();
      const a = runEvents(clientA, runId);
      await a.wait(saw('step.waiting', 'approve'), 'A to reach the waiting step');
      a.stop();
      await clientA.dispose();
      const lastA = seqsOf(a.data).at(-1) ?? 0;
      await noStreamsOpen();

      const b = runEvents(transport.open(), runId, lastA);
      // B is registered (and past its empty replay) before anything new is committed.
      await until(() => open() === 1, "B's stream to be registered on the server");
      expect(b.data).toEqual([]);
      await signal(runId);
      await b.wait(saw('run.completed'), 'B to receive the rest live');
      b.stop();

      expect([...a.errors, ...b.errors]).toEqual([]);
      const log = await f.events(runId);
      expect([...seqsOf(a.data), ...seqsOf(b.data)]).toEqual(range(1, log.length));
      expect(seqsOf(b.data)[0]).toBe(lastA + 1);
      expect(typesOf(b.data)[0]).toBe('step.signalled');
      expect(typesOf(b.data).at(-1)).toBe('run.completed');
    });
  });

  describe.each(transports)('unsubscribing over $name', (transport) => {
    it('frees the server-side stream at once, even on a finished run where no event will ever come', async () => {
      await noStreamsOpen();
      const wf = await f.workflow('finished', { steps: [{ id: 'only', type: 'transform', expression: '"done"' }] });
      const run = await f.execute(wf.id);
      await waitForRun(t, run.id);

      const client = transport.open();
      const stream = runEvents(client, run.id);
      await stream.wait(saw('run.completed'), 'the replay to reach run.completed');
      // The stream stays open after the replay (a finished run's stream never ends by itself)…
      expect(open()).toBe(1);
      expect(stream.ended).toBe(false);

      stream.stop();
      // …and leaving releases it although nothing more will be yielded to notice the departure.
      await until(() => open() === 0, 'the unsubscribed stream to be released', 5_000);
      expect(typesOf(stream.data).at(-1)).toBe('run.completed');
      expect(seqsOf(stream.data)).toEqual(range(1, stream.data.length));
      await client.dispose();
    });
  });

  describe.each(transports)('workspace isolation over $name', (transport) => {
    it('a subscriber in another workspace gets an error and none of the run’s live events', async () => {
      await noStreamsOpen();
      const { runId } = await waitingApprovalRun();
      const owner = runEvents(transport.open(), runId);
      await owner.wait(saw('step.waiting', 'approve'), "the owner's replay to reach the waiting step");

      const intruder = runEvents(transport.open({ workspaceSlug: OTHER_WORKSPACE }), runId);
      // Go on once the intruder was refused — or, were authorization broken, once it is listening.
      await until(() => intruder.ended || intruder.errors.length > 0 || open() > 1, "the intruder's subscription to be answered");

      await signal(runId);
      await owner.wait(saw('run.completed'), 'the owner to receive the live events through run.completed');
      // Had the intruder been registered, run.completed would reach it too; it must have ended instead.
      await intruder.wait((r) => r.ended || saw('run.completed')(r), 'the intruder to be refused');
      owner.stop();
      intruder.stop();

      // One result carrying the error, then the operation completes; the transport itself is fine.
      expect(intruder.data).toEqual([]);
      expect(intruder.results).toHaveLength(1);
      expect(intruder.errors).toEqual([
        expect.objectContaining({ message: expect.stringMatching(/not found/) as unknown, extensions: { code: 'NOT_FOUND' } }),
      ]);
      expect(intruder.failure).toBeNull();
      expect(intruder.completed).toBe(true);
      expect(owner.errors).toEqual([]);
      expect(typesOf(owner.data)).toContain('step.signalled');
    });
  });
});

describe('a slow subscriber (STREAM_MAX_BUFFERED=5)', () => {
  const MAX_BUFFERED = 5;
  /** Size of each big step output; its step.completed event carries it. */
  const BIG = 512 * 1024;
  let t: TestApp;
  let wsUrl: string;
  const sockets: RawSocket[] = [];
  let fastClient: ReturnType<typeof createWsClient> | undefined;

  beforeAll(async () => {
    t = await startTestApp({}, { WORKER_POLL_MS: '50', STREAM_MAX_BUFFERED: String(MAX_BUFFERED) });
    wsUrl = `${(await t.app.start()).url.replace('http', 'ws')}/graphql`;
  });
  afterAll(async () => {
    for (const socket of sockets) socket.terminate();
    await fastClient?.dispose();
    await t?.close();
  });

  it('is cut off with SLOW_SUBSCRIBER and the afterSeq to resume from, while a fast one receives everything; resuming yields the rest', async () => {
    // Enough big events to fill the slow socket's kernel buffers, then several cycles more.
    const cycles = Math.ceil(kernelBufferBytes() / BIG) + 4;
    // gate1 → big1 → gate2 → big2 → …: the test releases one gate at a time, so each cycle commits
    // a known handful of events (signalled, completed, started, completed, waiting|run.completed).
    const steps: Record<string, unknown>[] = [];
    for (let i = 1; i <= cycles; i++) {
      steps.push({ id: `gate${i}`, type: 'wait', ...(i > 1 ? { dependsOn: [`big${i - 1}`] } : {}) });
      steps.push({ id: `big${i}`, type: 'transform', dependsOn: [`gate${i}`], expression: `$pad("", ${BIG}, "x")` });
    }
    const f = flows(t);
    const wf = await f.workflow('bulk', { steps, outputs: { done: 'yes' } });
    const runId = (await f.execute(wf.id)).id;
    await waitForRun(t, runId, (r) => r.steps.find((s) => s.stepId === 'gate1')?.status === 'WAITING');

    const waitingAt = (stepId: string) => (e: LiveEvent | undefined) => e?.type === 'step.waiting' && e.stepId === stepId;
    const eventOf = (frame: Frame) => (frame.payload as { data?: Item | null } | undefined)?.data?.runEvents;

    // The slow subscriber: a raw socket, caught up with the replay, then no longer reading.
    const slow = await RawSocket.connect(wsUrl);
    sockets.push(slow);
    slow.subscribe('slow', RunEventsLiveDocument, { runId });
    await slow.next((frame) => frame.id === 'slow' && waitingAt('gate1')(eventOf(frame)), 'the slow socket to replay up to gate1');

    // The fast subscriber: the official client, reading as fast as events come.
    fastClient = createWsClient({ url: wsUrl, webSocketImpl: WebSocket, lazy: true, retryAttempts: 0 });
    const fast = new Recording<Item>(fastClient, RunEventsLiveDocument, { runId });
    await fast.wait((r) => waitingAt('gate1')(r.data.at(-1)?.runEvents), 'the fast client to replay up to gate1');

    slow.pause();
    for (let i = 1; i <= cycles; i++) {
      const before = fast.data.length;
      expectMember((await t.ok(SignalRunDocument, { runId, stepId: `gate${i}`, payload: { i } })).signalRun, 'Run');
      const last = i < cycles ? waitingAt(`gate${i + 1}`) : (e: LiveEvent | undefined) => e?.type === 'run.completed';
      await fast.wait((r) => last(r.data.at(-1)?.runEvents), `the fast client to receive cycle ${i}`);
      // The fast client was caught up before the signal, so it never had more than this outstanding.
      expect(fast.data.length - before).toBeLessThanOrEqual(MAX_BUFFERED);
    }
    fast.stop();
    expect(fast.errors).toEqual([]);
    const total = fast.data.length;
    expect(seqsOf(fast.data)).toEqual(range(1, total));
    expect(typesOf(fast.data).at(-1)).toBe('run.completed');
    expect(slow.isOpen).toBe(true);

    // Reading again, the slow socket gets what was already on its way, then the cut-off.
    slow.resume();
    const isError = (frame: Frame) =>
      frame.id === 'slow' && frame.type === 'next' && Array.isArray((frame.payload as { errors?: unknown }).errors);
    const errorFrame = await slow.next(isError, 'the SLOW_SUBSCRIBER error');
    await slow.next((frame) => frame.id === 'slow' && frame.type === 'complete', 'the cut-off operation to complete');
    const slowFrames = slow.framesOf('slow');
    const delivered = slowFrames.filter((frame) => frame !== errorFrame && frame.type === 'next').map((frame) => eventOf(frame)?.seq);
    const lastGiven = delivered.at(-1) ?? 0;
    expect(delivered).toEqual(range(1, lastGiven));
    expect(lastGiven).toBeLessThan(total);
    expect(slowFrames.map((frame) => frame.type)).toEqual([...delivered.map(() => 'next'), 'next', 'complete']);
    const [error] = (errorFrame.payload as { errors: { message: string; extensions?: Record<string, unknown> }[] }).errors;
    expect(error?.extensions).toEqual({ code: 'SLOW_SUBSCRIBER', afterSeq: lastGiven });
    expect(error?.message).toContain(`afterSeq: ${lastGiven}`);

    // The socket survived; resubscribing with that afterSeq yields the rest, with no gap.
    expect(slow.isOpen).toBe(true);
    slow.subscribe('resume', RunEventsLiveDocument, { runId, afterSeq: lastGiven });
    await slow.next(
      (frame) => frame.id === 'resume' && eventOf(frame)?.type === 'run.completed',
      'the resumed stream to reach run.completed',
    );
    const resumed = slow.framesOf('resume').map((frame) => eventOf(frame)?.seq);
    expect([...delivered, ...resumed]).toEqual(range(1, total));
    expect(slow.framesOf('resume').every((frame) => frame.type === 'next' && !(frame.payload as { errors?: unknown }).errors)).toBe(true);
    slow.send({ id: 'resume', type: 'complete' });
  });
});
