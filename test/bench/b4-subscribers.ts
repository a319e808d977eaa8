// B4's subscribers: many graphql-ws or graphql-sse clients in this (load-generator) process,
// counting every message and its bytes as received on the wire, keeping subscriber 0's
// messages verbatim (the bytes the baseline then broadcasts), and telling the benchmark when
// every subscriber has received a given event. Used against Flowdeck and the baselines alike.
import { createClient as createSseClient } from 'graphql-sse';
import { createClient as createWsClient } from 'graphql-ws';
import WebSocket from 'ws';

/** graphql-ws (`ws`) or graphql-sse in distinct-connections mode (`sse`). */
export type Transport = 'ws' | 'sse';

/**
 * Every subscription uses this operation id, so the frames Flowdeck sends each subscriber are
 * byte-identical and a broadcaster may send one encoding of them to all.
 */
const OPERATION_ID = '00000000-0000-4000-8000-000000000000';
/** Connections opened at once: more would overflow the listen backlog and stall on SYN retries. */
const BATCH = 100;

interface Tally {
  events: number;
  bytes: number;
  /** `type:stepId` of every event received (for {@link Audience.when}). */
  seen: Set<string>;
}

interface Waiter {
  key: string;
  left: number;
  resolve(): void;
  reject(error: Error): void;
}

/** One server's subscribers, open across its measurements, and what each has received. */
export class Audience {
  /** While true, messages are counted (and subscriber 0's kept). */
  #counting = false;
  /** Subscriber 0's messages since {@link startCounting}, exactly as received. */
  frames: string[] = [];
  readonly #tallies: Tally[];
  readonly #waiters = new Set<Waiter>();
  readonly #closers: (() => void)[] = [];
  #failure: Error | null = null;

  constructor(readonly size: number) {
    this.#tallies = Array.from({ length: size }, () => ({ events: 0, bytes: 0, seen: new Set<string>() }));
  }

  /** A message on the wire (`text` is read only for subscriber 0). */
  message(index: number, bytes: number, text: () => string): void {
    if (!this.#counting) return;
    const tally = this.#tallies[index]!;
    tally.events += 1;
    tally.bytes += bytes;
    if (index === 0) this.frames.push(text());
  }

  /** An event as the client library handed it over. */
  event(index: number, event: { type: string; stepId: string | null }): void {
    const key = `${event.type}:${event.stepId ?? ''}`;
    const { seen } = this.#tallies[index]!;
    if (seen.has(key)) return;
    seen.add(key);
    for (const waiter of this.#waiters) {
      if (waiter.key !== key) continue;
      waiter.left -= 1;
      if (waiter.left === 0) {
        this.#waiters.delete(waiter);
        waiter.resolve();
      }
    }
  }

  /** A subscription failed or ended: the measurement is broken. */
  fail(index: number, error: unknown): void {
    this.#abort(new Error(`B4 subscriber ${index} failed: ${describe(error)}`));
  }

  #abort(error: Error): void {
    this.#failure ??= error;
    for (const waiter of this.#waiters) waiter.reject(this.#failure);
    this.#waiters.clear();
  }

  /** Resolves once every subscriber has received an event of this `type:stepId`. */
  when(key: string): Promise<void> {
    if (this.#failure) return Promise.reject(this.#failure);
    const left = this.#tallies.filter((tally) => !tally.seen.has(key)).length;
    if (left === 0) return Promise.resolve();
    return new Promise((resolve, reject) => this.#waiters.add({ key, left, resolve, reject }));
  }

  /** How many subscribers lack `type:stepId`, and the most events any of those received (for a timeout's message). */
  missing(key: string): string {
    const lacking = this.#tallies.filter((tally) => !tally.seen.has(key));
    return `${lacking.length} of ${this.size} subscribers lack ${key}; one of them saw ${[...(lacking[0]?.seen ?? [])].join(' ')}`;
  }

  /** Counts messages from zero from now on (the subscriptions stay open between measurements). */
  startCounting(): void {
    for (const tally of this.#tallies) {
      tally.events = 0;
      tally.bytes = 0;
    }
    this.frames = [];
    this.#counting = true;
  }

  /**
   * Stops counting and returns what each subscriber received meanwhile; throws unless all
   * received the same messages and bytes.
   */
  stopCounting(): { events: number; bytes: number } {
    this.#counting = false;
    const [first] = this.#tallies;
    const odd = this.#tallies.findIndex((tally) => tally.events !== first!.events || tally.bytes !== first!.bytes);
    if (odd >= 0) {
      const tally = this.#tallies[odd]!;
      throw new Error(
        `B4: subscriber ${odd} received ${tally.events} messages / ${tally.bytes} bytes, subscriber 0 ${first!.events} / ${first!.bytes}`,
      );
    }
    return { events: first!.events, bytes: first!.bytes };
  }

  /** Registers how to close one subscriber. */
  onClose(close: () => void): void {
    this.#closers.push(close);
  }

  /** Unsubscribes everyone and closes their connections. */
  close(): void {
    this.#counting = false;
    // Unsubscribing ends each subscription; nothing may wait on them any more.
    this.#abort(new Error('B4: the subscribers were closed'));
    for (const close of this.#closers.splice(0)) close();
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.cause instanceof Error ? `${error.message} (${error.cause.message})` : error.message;
  const message = (error as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : JSON.stringify(error);
}

type Request = { query: string; variables: Record<string, unknown> };

function sink(audience: Audience, index: number) {
  return {
    next: (result: { data?: { runEvents?: { type: string; stepId: string | null } } | null; errors?: unknown }) => {
      if (result.errors || !result.data?.runEvents) audience.fail(index, result.errors ?? result);
      else audience.event(index, result.data.runEvents);
    },
    error: (error: unknown) => audience.fail(index, error),
    complete: () => audience.fail(index, new Error('the subscription completed')),
  };
}

/** One graphql-ws client on its own socket; resolves once the server acknowledged the connection. */
function openWs(audience: Audience, index: number, url: string, request: Request): Promise<void> {
  // A socket that reports each message's wire bytes before the client parses it.
  class CountingSocket extends WebSocket {
    constructor(address: string, protocols?: string | string[]) {
      super(address, protocols);
      this.on('message', (data: Buffer) => audience.message(index, data.length, () => data.toString('utf8')));
    }
  }
  return new Promise((resolve, reject) => {
    const client = createWsClient({
      url,
      webSocketImpl: CountingSocket,
      generateID: () => OPERATION_ID,
      retryAttempts: 0,
      on: {
        connected: () => resolve(),
        error: (error) => reject(new Error(`subscriber ${index} could not connect to ${url}: ${describe(error)}`)),
      },
    });
    const unsubscribe = client.subscribe(request, sink(audience, index));
    audience.onClose(() => {
      unsubscribe();
      void client.dispose();
    });
  });
}

/** One graphql-sse stream (its own connection); resolves once the response headers arrived. */
function openSse(audience: Audience, index: number, url: string, request: Request): Promise<void> {
  return new Promise((resolve, reject) => {
    const decoder = new TextDecoder();
    let pending = '';
    // Splits the stream into its messages as sent (comments, i.e. keep-alives, are not events).
    const tap = new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        pending += decoder.decode(chunk, { stream: true });
        for (let end = pending.indexOf('\n\n'); end >= 0; end = pending.indexOf('\n\n')) {
          const message = pending.slice(0, end + 2);
          pending = pending.slice(end + 2);
          if (!message.startsWith(':')) audience.message(index, Buffer.byteLength(message), () => message);
        }
        controller.enqueue(chunk);
      },
    });
    const fetchFn = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
      const response = await fetch(input, init).catch((error: unknown) => {
        reject(new Error(`subscriber ${index} could not connect to ${url}: ${describe(error)}`));
        throw error;
      });
      resolve();
      if (!response.body) return response;
      return new Response(response.body.pipeThrough(tap), {
        status: response.status,
        statusText: response.statusText,
        headers: response.headers,
      });
    };
    const client = createSseClient({ url, fetchFn, retryAttempts: 0 });
    const unsubscribe = client.subscribe(request, sink(audience, index));
    audience.onClose(() => {
      unsubscribe();
      client.dispose();
    });
  });
}

/** Opens the audience's subscribers, a batch of connections at a time. */
export async function openSubscribers(audience: Audience, transport: Transport, url: string, request: Request): Promise<void> {
  const open = transport === 'ws' ? openWs : openSse;
  const wsUrl = url.replace(/^http/, 'ws');
  for (let from = 0; from < audience.size; from += BATCH) {
    const batch: Promise<void>[] = [];
    for (let i = from; i < Math.min(audience.size, from + BATCH); i++)
      batch.push(open(audience, i, transport === 'ws' ? wsUrl : url, request));
    await Promise.all(batch);
  }
}
