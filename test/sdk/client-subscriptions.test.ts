// createFlowdeckClient's subscriptions against a real server on a loopback port: a run's events
// over graphql-ws and over graphql-sse, 'auto' moving to SSE when WebSockets cannot connect,
// reconnection after a cut (and `resubscribe: false`), credentials refused without a retry loop,
// and persisted hashes for subscriptions. Waits are on conditions, bounded only as a safety net.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gql, type OperationResult, type OperationResultSource } from '@urql/core';
import { print } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onEnd, pipe, subscribe } from 'wonka';
import WebSocket from 'ws';
import { createFlowdeckClient, type FlowdeckClient, FlowdeckConnectionError, type FlowdeckClientOptions } from '../../sdk/src/client.ts';
import { getFragmentData } from '../../sdk/src/gql/fragment-masking.ts';
import {
  EventLogLineFragmentDoc,
  ExecuteWorkflowDocument,
  RunStreamDocument,
  type RunStreamSubscription,
  type RunStreamSubscriptionVariables,
  RunSummaryFragmentDoc,
  SignalRunDocument,
  StepDetailsFragmentDoc,
} from '../../sdk/src/gql/graphql.ts';
import { CreateWorkflowDocument, RunEventsDocument } from '../gql/graphql.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { authEnv, mintToken } from '../support/auth.ts';
import { expectMember } from '../support/flows.ts';
import { within } from '../support/streams.ts';

type Batch = Extract<RunStreamSubscription['runStream'], { __typename: 'RunEventBatch' }>;

/** Everything one urql subscription delivered, with condition waits. */
class Results {
  readonly all: OperationResult<RunStreamSubscription>[] = [];
  ended = false;
  readonly stop: () => void;
  readonly #waiters = new Set<() => void>();

  constructor(source: OperationResultSource<OperationResult<RunStreamSubscription>>) {
    const wake = () => this.#waiters.forEach((waiter) => waiter());
    const subscription = pipe(
      source,
      onEnd(() => {
        this.ended = true;
        wake();
      }),
      subscribe((result) => {
        this.all.push(result);
        wake();
      }),
    );
    this.stop = () => subscription.unsubscribe();
  }

  /** The batches in order; urql repeats the last result with `hasNext: false` when a subscription completes. */
  get batches(): Batch[] {
    return this.all
      .filter((r) => r.hasNext !== false)
      .map((r) => r.data?.runStream)
      .filter((p): p is Batch => p?.__typename === 'RunEventBatch');
  }
  get seqs(): number[] {
    return [...new Set(this.batches.flatMap((b) => b.events.map((e) => getFragmentData(EventLogLineFragmentDoc, e).seq)))];
  }
  get lastStatus(): string | undefined {
    const run = this.batches.at(-1)?.run;
    return run ? getFragmentData(RunSummaryFragmentDoc, run).status : undefined;
  }
  get errors() {
    return this.all.flatMap((r) => (r.error ? [r.error] : []));
  }
  waiting(step: string): boolean {
    const steps = this.batches.at(-1)?.run.steps ?? [];
    return steps.some((s) => {
      const details = getFragmentData(StepDetailsFragmentDoc, s);
      return details.stepId === step && details.status === 'WAITING';
    });
  }

  wait(check: () => boolean, what: string): Promise<void> {
    return within(
      new Promise<void>((resolve) => {
        const test = () => {
          if (!check()) return;
          this.#waiters.delete(test);
          resolve();
        };
        this.#waiters.add(test);
        test();
      }),
      `${what} (${JSON.stringify({ seqs: this.seqs, ended: this.ended, errors: this.errors.map((e) => e.message) })})`,
    );
  }
}

const APPROVAL = {
  steps: [
    { id: 'prepare', type: 'transform', expression: '"draft"' },
    { id: 'approve', type: 'wait', dependsOn: ['prepare'] },
    { id: 'publish', type: 'transform', dependsOn: ['approve'], expression: '"published"' },
  ],
};

let t: TestApp;
let url: string;
let token: string;
let workflowId: string;
let refusing: Server;
let upgradesRefused = 0;
const clients: FlowdeckClient[] = [];

function client(options: Partial<FlowdeckClientOptions>): FlowdeckClient {
  const created = createFlowdeckClient({ url, token, ...options });
  clients.push(created);
  return created;
}

beforeAll(async () => {
  t = await startTestApp({}, { ...authEnv, WORKER_POLL_MS: '50' });
  url = `${(await t.app.start()).url}/graphql`;
  token = await mintToken({ sub: 'sdk@example.com', customer_id: 'sdk-co', role: 'admin' });
  const wf = await t.ok(CreateWorkflowDocument, { input: { name: 'SDK approval', definition: APPROVAL } }, { token });
  workflowId = expectMember(wf.createWorkflow, 'Workflow').id;
  // Stands for a proxy that does not allow WebSocket upgrades.
  refusing = createServer((_req, res) => res.writeHead(404).end());
  refusing.on('upgrade', (_req, socket) => {
    upgradesRefused++;
    socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
  });
  await new Promise<void>((resolve) => refusing.listen(0, '127.0.0.1', resolve));
});
afterAll(async () => {
  for (const c of clients) await c.dispose();
  await new Promise((resolve) => refusing?.close(resolve));
  await t?.close();
});

/** Starts a run of the approval workflow through the SDK client. */
async function startRun(c: FlowdeckClient): Promise<string> {
  const started = await c.mutation(ExecuteWorkflowDocument, { input: { workflow: { id: workflowId } } }).toPromise();
  return expectMember(started.data?.runWorkflow, 'RunWorkflowSuccess').run.id;
}

/** Signals the approval step, once the stream showed it waiting. */
async function approve(c: FlowdeckClient, runId: string): Promise<void> {
  const signalled = await c.mutation(SignalRunDocument, { input: { runId, stepId: 'approve', payload: { ok: true } } }).toPromise();
  expect(signalled.data?.signalRun.__typename).toBe('Run');
}

/** The run's whole event log, read over HTTP: the sequence numbers a stream must have delivered. */
async function logSeqs(runId: string): Promise<number[]> {
  const seqs: number[] = [];
  let after: string | null | undefined;
  for (;;) {
    const run = expectMember((await t.ok(RunEventsDocument, { id: runId, first: 100, after }, { token })).run, 'Run');
    seqs.push(...run.events.edges.map((e) => e.node.seq));
    if (!run.events.pageInfo.hasNextPage) return seqs;
    after = run.events.pageInfo.endCursor;
  }
}

/** A WebSocket constructor whose every socket goes to the upgrade-refusing server instead. */
class ThroughRefusingProxy extends WebSocket {
  constructor(_url: string | URL, protocols?: string | string[]) {
    super(`ws://127.0.0.1:${(refusing.address() as AddressInfo).port}/graphql`, protocols);
  }
}

describe.each(['ws', 'sse'] as const)("subscriptions: '%s'", (mode) => {
  it("deliver a run's events live, in order, and complete when the run finishes", async () => {
    const c = client({ subscriptions: mode, webSocketImpl: WebSocket });
    const runId = await startRun(c);
    const stream = new Results(c.subscription(RunStreamDocument, { runId, untilFinished: true }));
    await stream.wait(() => stream.waiting('approve'), 'the approval step to wait');
    await approve(c, runId);
    await stream.wait(() => stream.ended, 'the stream to complete');
    expect(stream.errors).toEqual([]);
    expect(stream.lastStatus).toBe('COMPLETED');
    expect(stream.batches.flatMap((b) => b.events.map((e) => getFragmentData(EventLogLineFragmentDoc, e).seq))).toEqual(
      await logSeqs(runId),
    );
  });

  it('refuse bad credentials once, without a retry loop', async () => {
    const attempts = { sockets: 0, posts: 0 };
    class Counted extends WebSocket {
      constructor(address: string | URL, protocols?: string | string[]) {
        super(address, protocols);
        attempts.sockets++;
      }
    }
    const counting: typeof fetch = (input, init) => {
      if (init?.method === 'POST') attempts.posts++;
      return fetch(input, init);
    };
    const c = client({ subscriptions: mode, webSocketImpl: Counted, fetch: counting, token: 'not-a-jwt' });
    const stream = new Results(c.subscription(RunStreamDocument, { runId: 'any', untilFinished: true }));
    // urql keeps a subscription whose transport answered with GraphQL errors open until it is
    // stopped; the refusal is its one result either way.
    await stream.wait(() => stream.all.length > 0, 'the refusal');
    stream.stop();
    expect(stream.all).toHaveLength(1);
    const error = stream.errors[0];
    if (mode === 'ws') {
      expect(error?.networkError).toBeInstanceOf(FlowdeckConnectionError);
      expect(error?.networkError).toMatchObject({ transport: 'ws', code: 4401 });
      expect(attempts.sockets).toBe(1);
    } else {
      expect(error?.graphQLErrors[0]?.extensions.code).toBe('UNAUTHENTICATED');
      expect(attempts.posts).toBe(1);
    }
  });
});

describe("subscriptions: 'auto'", () => {
  it('moves to SSE for good when WebSockets cannot connect at all', async () => {
    const c = client({ webSocketImpl: ThroughRefusingProxy });
    const runId = await startRun(c);
    const first = new Results(c.subscription(RunStreamDocument, { runId, untilFinished: true }));
    await first.wait(() => first.waiting('approve'), 'the approval step to wait, over SSE');
    expect(upgradesRefused).toBe(1);
    // A later subscription goes straight to SSE: no second upgrade is attempted.
    const second = new Results(c.subscription(RunStreamDocument, { runId, untilFinished: true, batchSize: 2 }));
    await second.wait(() => second.waiting('approve'), 'the second subscription');
    await approve(c, runId);
    await Promise.all([first.wait(() => first.ended, 'the first to complete'), second.wait(() => second.ended, 'the second to complete')]);
    expect(upgradesRefused).toBe(1);
    expect([first.lastStatus, second.lastStatus]).toEqual(['COMPLETED', 'COMPLETED']);
    expect(first.seqs).toEqual(await logSeqs(runId));
    expect(second.seqs).toEqual(first.seqs);
  });

  it('uses SSE when there is no WebSocket implementation', async () => {
    // Node 20 has no global WebSocket; a newer Node would take graphql-ws here, which also passes.
    const c = client({});
    const runId = await startRun(c);
    const stream = new Results(c.subscription(RunStreamDocument, { runId, untilFinished: true }));
    await stream.wait(() => stream.waiting('approve'), 'the approval step to wait');
    await approve(c, runId);
    await stream.wait(() => stream.ended, 'the stream to complete');
    expect(stream.lastStatus).toBe('COMPLETED');
  });
});

describe('persisted hashes', () => {
  it.each(['ws', 'sse'] as const)(
    "over %s: 'always' runs on a GRAPHQL_PERSISTED_ONLY server, 'never' is refused; 'auto' resends a hash the server does not know in full",
    async (mode) => {
      const only = await startTestApp({}, { WORKER_CONCURRENCY: '0', GRAPHQL_PERSISTED_ONLY: 'true' });
      try {
        const onlyUrl = `${(await only.app.start()).url}/graphql`;
        /** The first result of RunStream for a run that does not exist: NOT_FOUND means the operation ran. */
        const firstError = async (options: Partial<FlowdeckClientOptions>, document = RunStreamDocument) => {
          const stream = new Results(
            client({ subscriptions: mode, webSocketImpl: WebSocket, ...options }).subscription(document, { runId: 'nope' }),
          );
          await stream.wait(() => stream.all.length > 0, 'the first result');
          stream.stop();
          return stream.errors[0]?.graphQLErrors[0]?.extensions.code;
        };
        // That server runs without authentication, and would refuse the token of this file's server.
        const onlyServer = { url: onlyUrl, token: undefined };
        expect(await firstError({ ...onlyServer, persistedOperations: 'always' })).toBe('NOT_FOUND');
        expect(await firstError({ ...onlyServer, persistedOperations: 'auto' })).toBe('NOT_FOUND');
        expect(await firstError({ ...onlyServer, persistedOperations: 'never' })).toBe('CANNOT_SEND_PQ_ID_AND_BODY');
        // A hash this server's manifest lacks (a newer SDK's document, say): sent again in full.
        const text = print(RunStreamDocument).replace('subscription RunStream', 'subscription UnlistedRunStream');
        const Unlisted = Object.assign(gql<RunStreamSubscription, RunStreamSubscriptionVariables>(text), {
          __meta__: { hash: `sha256:${'0'.repeat(64)}` },
        });
        expect(await firstError({}, Unlisted)).toBe('NOT_FOUND');
      } finally {
        await only.close();
      }
    },
  );
});

describe('after a lost connection', () => {
  /** WebSockets that the test can cut, as a network failure would. */
  function cuttableSockets() {
    const sockets: WebSocket[] = [];
    class Recorded extends WebSocket {
      constructor(address: string | URL, protocols?: string | string[]) {
        super(address, protocols);
        sockets.push(this);
      }
    }
    return { sockets, webSocketImpl: Recorded };
  }

  /** A fetch whose SSE event streams the test can cut. */
  function cuttableStreams() {
    const streams: AbortController[] = [];
    const cuttable: typeof fetch = (input, init) => {
      if (init?.method !== 'GET') return fetch(input, init);
      const controller = new AbortController();
      init.signal?.addEventListener('abort', () => controller.abort());
      streams.push(controller);
      return fetch(input, { ...init, signal: controller.signal });
    };
    return { streams, fetch: cuttable };
  }

  it.each(['ws', 'sse'] as const)('over %s, reconnects and re-sends the subscription, which still sees the run finish', async (mode) => {
    const ws = cuttableSockets();
    const sse = cuttableStreams();
    const c = client({ subscriptions: mode, webSocketImpl: ws.webSocketImpl, fetch: sse.fetch });
    const runId = await startRun(c);
    const stream = new Results(c.subscription(RunStreamDocument, { runId, untilFinished: true }));
    await stream.wait(() => stream.waiting('approve'), 'the approval step to wait');
    const connections = mode === 'ws' ? ws.sockets : sse.streams;
    expect(connections).toHaveLength(1);
    if (mode === 'ws') ws.sockets[0]?.terminate();
    else sse.streams[0]?.abort();
    await approve(c, runId);
    await stream.wait(() => stream.ended, 'the stream to complete after the reconnection');
    expect(stream.errors).toEqual([]);
    expect(connections.length).toBeGreaterThan(1);
    expect(stream.lastStatus).toBe('COMPLETED');
    // Re-sent as it was (from the start): every event arrives, some twice.
    expect(stream.seqs).toEqual(await logSeqs(runId));
  });

  it.each(['ws', 'sse'] as const)('over %s, with resubscribe: false ends the subscription with a FlowdeckConnectionError', async (mode) => {
    const ws = cuttableSockets();
    const sse = cuttableStreams();
    const c = client({ subscriptions: mode, webSocketImpl: ws.webSocketImpl, fetch: sse.fetch });
    const runId = await startRun(c);
    const stream = new Results(c.subscription(RunStreamDocument, { runId, untilFinished: true }, { resubscribe: false }));
    await stream.wait(() => stream.waiting('approve'), 'the approval step to wait');
    if (mode === 'ws') ws.sockets[0]?.terminate();
    else sse.streams[0]?.abort();
    await stream.wait(() => stream.ended, 'the subscription to end');
    expect(stream.errors).toHaveLength(1);
    expect(stream.errors[0]?.networkError).toBeInstanceOf(FlowdeckConnectionError);
    expect(stream.errors[0]?.networkError).toMatchObject({ transport: mode });
    expect(mode === 'ws' ? ws.sockets : sse.streams).toHaveLength(1);
  });
});
