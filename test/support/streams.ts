import { readFileSync } from 'node:fs';
// Helpers for stream tests that go through the public transports: a recorder for subscriptions
// made with the official graphql-ws / graphql-sse clients, a raw graphql-transport-ws socket
// for frame-level checks, and condition waits with a safety limit (never sleep-and-assert).

import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { type GraphQLFormattedError, print } from 'graphql';
import { GRAPHQL_TRANSPORT_WS_PROTOCOL } from 'graphql-ws';
import WebSocket from 'ws';

/** Safety net for every wait: a broken server fails the test instead of hanging it. */
export const STREAM_LIMIT_MS = 15_000;

/** Rejects with `what` if `promise` has not settled within the safety limit. */
export function within<T>(promise: Promise<T>, what: string, ms = STREAM_LIMIT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`gave up waiting for ${what}`)), ms);
  });
  return Promise.race([promise, limit]).finally(() => clearTimeout(timer));
}

/** Polls `check` until it holds, for state that announces no event (e.g. a server-side counter). */
export async function until(check: () => boolean, what: string, ms = STREAM_LIMIT_MS): Promise<void> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > ms) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** What graphql-ws's and graphql-sse's clients have in common: subscribe with a sink, get an unsubscribe function. */
export interface SubscribingClient {
  subscribe(
    request: { query: string; variables?: Record<string, unknown> },
    sink: { next(value: never): void; error(error: unknown): void; complete(): void },
  ): () => void;
}

/** One `next` result as the clients hand it over. */
interface Result<T> {
  data?: T | null;
  errors?: readonly GraphQLFormattedError[];
}

/**
 * Records everything one subscription delivers: data, GraphQL errors (from `next` results),
 * a transport failure (the sink's `error`) and completion. Waits are event-driven and bounded.
 */
export class Recording<T> {
  readonly data: T[] = [];
  readonly errors: GraphQLFormattedError[] = [];
  /** Every `next` result in order, errors included. */
  readonly results: Result<T>[] = [];
  failure: unknown = null;
  completed = false;
  readonly #waiters = new Set<() => void>();
  readonly #unsubscribe: () => void;
  #stopped = false;

  constructor(client: SubscribingClient, document: TypedDocumentNode<T, never> | string, variables: Record<string, unknown>) {
    const query = typeof document === 'string' ? document : print(document);
    this.#unsubscribe = client.subscribe(
      { query, variables },
      {
        next: (value: Result<T>) => {
          this.results.push(value);
          if (value.errors) this.errors.push(...value.errors);
          if (value.data) this.data.push(value.data);
          this.#wake();
        },
        error: (error: unknown) => {
          this.failure = error ?? new Error('unknown transport error');
          this.#wake();
        },
        complete: () => {
          this.completed = true;
          this.#wake();
        },
      },
    );
  }

  /** True once the server (or the transport) ended the subscription. */
  get ended(): boolean {
    return this.completed || this.failure !== null;
  }

  /** Resolves once `check` holds; fails fast if the subscription ends without it holding. */
  wait(check: (recording: this) => boolean, what: string, ms = STREAM_LIMIT_MS): Promise<void> {
    return within(
      new Promise<void>((resolve, reject) => {
        const test = () => {
          if (check(this)) {
            this.#waiters.delete(test);
            resolve();
          } else if (this.ended) {
            this.#waiters.delete(test);
            reject(new Error(`the subscription ended before ${what}: ${this.describe()}`));
          }
        };
        this.#waiters.add(test);
        test();
      }),
      what,
      ms,
    );
  }

  /** Resolves once the server (or transport) ends the subscription. */
  end(what: string, ms = STREAM_LIMIT_MS): Promise<void> {
    return this.wait((r) => r.ended, what, ms);
  }

  /** Unsubscribes (graphql-ws sends `complete`, graphql-sse aborts its request or sends DELETE). */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#unsubscribe();
  }

  describe(): string {
    return JSON.stringify({
      data: this.data.length,
      errors: this.errors,
      failure: this.failure instanceof Error ? this.failure.message : this.failure,
      completed: this.completed,
    });
  }

  #wake(): void {
    for (const waiter of [...this.#waiters]) waiter();
  }
}

/** One graphql-transport-ws frame. */
export interface Frame {
  type: string;
  id?: string;
  payload?: unknown;
}

/**
 * A raw graphql-transport-ws socket recording every frame as sent by the server. Its TCP socket
 * can be paused, so the server sees a subscriber that really stops reading.
 */
export class RawSocket {
  readonly frames: Frame[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  readonly #waiters = new Set<() => void>();

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data: WebSocket.RawData) => {
      this.frames.push(JSON.parse((data as Buffer).toString('utf8')) as Frame);
      for (const wake of [...this.#waiters]) wake();
    });
    socket.on('error', () => {});
    this.closed = new Promise((resolve) =>
      socket.once('close', (code: number, reason: Buffer) => resolve({ code, reason: String(reason) })),
    );
  }

  /** Opens a socket and completes connection_init / connection_ack. */
  static async connect(url: string, connectionParams?: Record<string, unknown>): Promise<RawSocket> {
    const socket = new WebSocket(url, [GRAPHQL_TRANSPORT_WS_PROTOCOL]);
    const raw = new RawSocket(socket);
    await within(
      new Promise<void>((resolve, reject) => {
        socket.once('open', () => resolve());
        socket.once('unexpected-response', () => reject(new Error('the upgrade was refused')));
      }),
      'the socket to open',
    );
    raw.send({ type: 'connection_init', ...(connectionParams ? { payload: connectionParams } : {}) });
    await raw.next((f) => f.type === 'connection_ack', 'connection_ack');
    return raw;
  }

  send(frame: Frame): void {
    this.socket.send(JSON.stringify(frame));
  }

  subscribe(id: string, document: TypedDocumentNode<unknown, never> | string, variables: Record<string, unknown>): void {
    this.send({ id, type: 'subscribe', payload: { query: typeof document === 'string' ? document : print(document), variables } });
  }

  /** The first frame (already received or still to come) that `match` accepts. */
  next(match: (frame: Frame) => boolean, what: string, ms = STREAM_LIMIT_MS): Promise<Frame> {
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
      ms,
    );
  }

  /** Frames of one operation, in arrival order. */
  framesOf(id: string): Frame[] {
    return this.frames.filter((f) => f.id === id);
  }

  /** Stops reading from the TCP socket: the kernel buffers fill and the server's sends back up. */
  pause(): void {
    (this.socket as unknown as { _socket: { pause(): void } })._socket.pause();
  }

  resume(): void {
    (this.socket as unknown as { _socket: { resume(): void } })._socket.resume();
  }

  get isOpen(): boolean {
    return this.socket.readyState === WebSocket.OPEN;
  }

  terminate(): void {
    this.socket.terminate();
  }
}

/**
 * How many bytes a connection can swallow before the sender's writes stop completing while the
 * receiver reads nothing: the sender's send buffer (at most tcp_wmem's maximum) plus the
 * receiver's receive buffer (tcp_rmem's default; it only grows when the application reads).
 */
export function kernelBufferBytes(): number {
  try {
    const field = (name: string, index: number) => Number(readFileSync(`/proc/sys/net/ipv4/${name}`, 'utf8').trim().split(/\s+/)[index]);
    const bytes = field('tcp_wmem', 2) + field('tcp_rmem', 1);
    if (Number.isFinite(bytes) && bytes > 0) return bytes;
  } catch {
    // Not Linux: assume generous buffers.
  }
  return 8 * 1024 * 1024;
}
