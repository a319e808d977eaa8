// The graphql-transport-ws protocol as the server speaks it at /graphql, probed with raw `ws`
// sockets so every frame and close code is observed as sent (the official client would hide
// them). Close codes are graphql-ws's own CloseCode values, not literals copied from a spec.

import { print } from 'graphql';
import { CloseCode, GRAPHQL_TRANSPORT_WS_PROTOCOL } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { RunEventsLiveDocument } from '../gql/graphql.ts';
import { WS_MAX_PAYLOAD } from '../../src/server/websocket.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { flows } from '../support/flows.ts';
import { waitForRun } from '../support/runs.ts';

/** Safety net for every wait below: a broken server fails the test instead of hanging it. */
const LIMIT_MS = 10_000;

let t: TestApp;
let url: string;
let runId: string;
const sockets: WebSocket[] = [];

beforeAll(async () => {
  t = await startTestApp({}, { WORKER_POLL_MS: '50' });
  url = `${(await t.app.start()).url.replace('http', 'ws')}/graphql`;
  // A finished run: a runEvents subscription replays its log, then stays open (nothing ends it).
  const f = flows(t);
  const wf = await f.workflow('probe', { steps: [{ id: 'only', type: 'transform', expression: '"done"' }] });
  runId = (await f.execute(wf.id)).id;
  await waitForRun(t, runId);
});
afterAll(async () => {
  for (const socket of sockets) socket.terminate();
  await t?.close();
});

interface Frame {
  type: string;
  id?: string;
  payload?: unknown;
}

interface Closed {
  code: number;
  reason: string;
}

/** Rejects with `what` if `promise` has not settled within the safety limit. */
function within<T>(promise: Promise<T>, what: string, ms = LIMIT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`gave up waiting for ${what}`)), ms);
  });
  return Promise.race([promise, limit]).finally(() => clearTimeout(timer));
}

/** A raw socket that records every frame the server sends and how the socket closed. */
class Probe {
  readonly frames: Frame[] = [];
  readonly closed: Promise<Closed>;
  #waiters = new Set<() => void>();

  constructor(readonly socket: WebSocket) {
    // Text frames arrive as one Buffer (ws's default binaryType).
    socket.on('message', (data: Buffer) => {
      this.frames.push(JSON.parse(data.toString('utf8')) as Frame);
      for (const wake of this.#waiters) wake();
    });
    // Writing to a socket the server is tearing down can fail; the close code is what counts.
    socket.on('error', () => {});
    this.closed = new Promise((resolve) =>
      socket.once('close', (code: number, reason: Buffer) => resolve({ code, reason: String(reason) })),
    );
  }

  static async open(protocols: string[] = [GRAPHQL_TRANSPORT_WS_PROTOCOL]): Promise<Probe> {
    const socket = new WebSocket(url, protocols);
    sockets.push(socket);
    const probe = new Probe(socket);
    await within(
      new Promise<void>((resolve, reject) => {
        socket.once('open', () => resolve());
        socket.once('unexpected-response', () => reject(new Error('the upgrade was refused')));
      }),
      'the socket to open',
    );
    return probe;
  }

  /** An open socket past connection_init / connection_ack. */
  static async acknowledged(): Promise<Probe> {
    const probe = await Probe.open();
    probe.send({ type: 'connection_init' });
    await probe.next((f) => f.type === 'connection_ack', 'connection_ack');
    return probe;
  }

  send(message: Frame | Record<string, unknown> | string): void {
    this.socket.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  subscribe(id: string, query: string, variables: Record<string, unknown> = {}): void {
    this.send({ id, type: 'subscribe', payload: { query, variables } });
  }

  /** The first frame (already received or still to come) that `match` accepts. */
  next(match: (frame: Frame) => boolean, what: string): Promise<Frame> {
    return within(
      new Promise<Frame>((resolve) => {
        const check = () => {
          const found = this.frames.find(match);
          if (!found) return;
          this.#waiters.delete(check);
          resolve(found);
        };
        this.#waiters.add(check);
        check();
      }),
      what,
    );
  }

  /** How the server closed the socket. */
  closure(what: string, ms = LIMIT_MS): Promise<Closed> {
    return within(this.closed, what, ms);
  }

  get isOpen(): boolean {
    return this.socket.readyState === WebSocket.OPEN;
  }
}

const eventsQuery = print(RunEventsLiveDocument);
const isNext = (id: string) => (f: Frame) => f.type === 'next' && f.id === id;

describe('connection initialisation', () => {
  it('closes a socket that sends no connection_init within the wait with 4408', async () => {
    const probe = await Probe.open();
    // graphql-ws waits 3 s by default; the bound only keeps a broken server from hanging the test.
    const closed = await probe.closure('the init timeout to close the socket');
    expect(closed.code).toBe(CloseCode.ConnectionInitialisationTimeout);
    expect(closed.code).toBe(4408);
    expect(probe.frames).toEqual([]);
  });

  it('acknowledges connection_init, then closes on a second one with 4429', async () => {
    const probe = await Probe.acknowledged();
    probe.send({ type: 'connection_init' });
    const closed = await probe.closure('the second connection_init to close the socket');
    expect(closed.code).toBe(CloseCode.TooManyInitialisationRequests);
    expect(closed.code).toBe(4429);
  });

  it('closes on a subscribe sent before connection_ack with 4401, without running it', async () => {
    const probe = await Probe.open();
    probe.subscribe('early', eventsQuery, { runId });
    const closed = await probe.closure('the early subscribe to close the socket');
    expect(closed.code).toBe(CloseCode.Unauthorized);
    expect(closed.code).toBe(4401);
    expect(probe.frames).toEqual([]);
  });

  it('closes a socket that did not negotiate the graphql-transport-ws subprotocol with 4406', async () => {
    const probe = await Probe.open([]);
    const closed = await probe.closure('the server to refuse the missing subprotocol');
    expect(closed.code).toBe(CloseCode.SubprotocolNotAcceptable);
  });
});

describe('messages', () => {
  it('answers ping with pong, before and after the ack', async () => {
    const probe = await Probe.open();
    probe.send({ type: 'ping' });
    await probe.next((f) => f.type === 'pong', 'pong before the ack');
    probe.send({ type: 'connection_init' });
    await probe.next((f) => f.type === 'connection_ack', 'connection_ack');
    probe.send({ type: 'ping', payload: { n: 2 } });
    const pong = await probe.next((f) => f.type === 'pong' && f.payload !== undefined, 'pong after the ack');
    expect(pong.payload).toEqual({ n: 2 });
    expect(probe.isOpen).toBe(true);
  });

  it.each([
    ['text that is not JSON', 'this is not json'],
    ['JSON that is not a message object', '[1, 2, 3]'],
    ['a message of an unknown type', JSON.stringify({ type: 'shout', payload: {} })],
    ['a subscribe without an id', JSON.stringify({ type: 'subscribe', payload: { query: '{ __typename }' } })],
  ])('closes on %s with 4400', async (_what, raw) => {
    const probe = await Probe.acknowledged();
    probe.send(raw);
    const closed = await probe.closure('the bad message to close the socket');
    expect(closed.code).toBe(CloseCode.BadRequest);
    expect(closed.code).toBe(4400);
  });

  it('closes on a second subscribe with the id of an active one with 4409', async () => {
    const probe = await Probe.acknowledged();
    probe.subscribe('dup', eventsQuery, { runId });
    // Active for sure: it has delivered an event and a runEvents stream never completes by itself.
    await probe.next(isNext('dup'), 'the first subscription to deliver');
    probe.subscribe('dup', eventsQuery, { runId });
    const closed = await probe.closure('the duplicate id to close the socket');
    expect(closed.code).toBe(CloseCode.SubscriberAlreadyExists);
    expect(closed.code).toBe(4409);
  });

  it('stops an operation the client completes and frees its stream; the socket keeps serving', async () => {
    const probe = await Probe.acknowledged();
    probe.subscribe('done', eventsQuery, { runId });
    await probe.next(isNext('done'), 'the first subscription to deliver');
    probe.send({ id: 'done', type: 'complete' });
    // Nothing else is ever delivered for the run, so only the client's complete can end the stream.
    await within(
      (async () => {
        while (t.app.streams.subscribers() > 0) await new Promise((resolve) => setTimeout(resolve, 10));
      })(),
      'the server to free the completed stream',
    );
    // graphql-ws releases a completed id a moment after the stream ends (a known library race
    // when the same id is reused at once), so the next operation takes a fresh id, as clients do.
    probe.subscribe('next-one', eventsQuery, { runId, afterSeq: 0 });
    await probe.next(isNext('next-one'), 'the next subscription to deliver');
    expect(probe.isOpen).toBe(true);
  });
});

describe('operation errors stay on their operation', () => {
  it.each([
    ['a syntax error', 'subscription { runEvents(runId: ', 'Syntax Error'],
    ['a validation error (unknown field)', 'subscription($runId: ID!) { runEvents(runId: $runId) { seq nope } }', 'nope'],
    ['a validation error (missing required argument)', 'subscription { runEvents { seq } }', 'runId'],
    ['an unknown root field', 'subscription { noSuchStream }', 'noSuchStream'],
  ])('answers %s with an error for that id; the socket keeps serving', async (_what, query, mentions) => {
    const probe = await Probe.acknowledged();
    probe.subscribe('bad', query, { runId });
    const error = await probe.next((f) => f.type === 'error' && f.id === 'bad', 'the error for the bad operation');
    expect(Array.isArray(error.payload)).toBe(true);
    expect(JSON.stringify(error.payload)).toContain(mentions);
    expect(probe.frames.filter((f) => f.id === 'bad').map((f) => f.type)).toEqual(['error']);
    expect(probe.isOpen).toBe(true);

    probe.subscribe('good', eventsQuery, { runId });
    const first = await probe.next(isNext('good'), 'events of the valid operation on the same socket');
    expect(first.payload).toMatchObject({ data: { runEvents: { seq: 1, type: 'run.created' } } });
    await probe.next(
      (f) => isNext('good')(f) && (f.payload as { data: { runEvents: { type: string } } }).data.runEvents.type === 'run.completed',
      'the replay to reach run.completed',
    );
    expect(probe.isOpen).toBe(true);
  });

  it('reuses an id whose operation failed validation', async () => {
    const probe = await Probe.acknowledged();
    probe.subscribe('same', 'subscription { runEvents { seq } }');
    await probe.next((f) => f.type === 'error' && f.id === 'same', 'the validation error');
    probe.subscribe('same', eventsQuery, { runId });
    await probe.next(isNext('same'), 'events on the reused id');
    expect(probe.isOpen).toBe(true);
  });
});

describe('message size', () => {
  it('closes the socket on a message larger than WS_MAX_PAYLOAD (1 MiB) with 1009', async () => {
    expect(WS_MAX_PAYLOAD).toBe(1024 * 1024);
    const probe = await Probe.acknowledged();
    const query = `subscription { runEvents(runId: "${runId}") { seq } } # ${'x'.repeat(WS_MAX_PAYLOAD)}`;
    probe.subscribe('huge', query);
    const closed = await probe.closure('the oversized message to close the socket');
    expect(closed.code).toBe(1009);
    expect(probe.frames.filter((f) => f.id === 'huge')).toEqual([]);
  });

  it('accepts a message just under the limit', async () => {
    const probe = await Probe.acknowledged();
    const head = `subscription { runEvents(runId: "${runId}") { seq } } # `;
    // Under the limit once wrapped in the subscribe frame (id, type, payload keys: well under 200 bytes).
    const query = head + 'x'.repeat(WS_MAX_PAYLOAD - head.length - 200);
    probe.subscribe('big', query);
    await probe.next(isNext('big'), 'events of the large but acceptable operation');
    expect(probe.isOpen).toBe(true);
  });
});
