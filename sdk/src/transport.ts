// Subscriptions over graphql-ws or graphql-sse for createFlowdeckClient: which transport carries
// them, reconnection with backoff, and what a caller sees when a transport gives up. Internal to
// the package: apps configure it through FlowdeckClientOptions.subscriptions.
import type { ExecutionResult } from '@urql/core';
import { createClient as createSseClient, NetworkError } from 'graphql-sse';
import { createClient as createWsClient } from 'graphql-ws';
import { connectionParams, credentialHeaders, type FlowdeckCredentials } from './request.js';

/** Which transport carries subscriptions (see FlowdeckClientOptions.subscriptions). */
export type SubscriptionMode = 'auto' | 'ws' | 'sse';

/**
 * A subscription's transport failed for good: the server refused the connection (a WebSocket
 * close code such as 4401/4403, an HTTP status such as 401/403), or the caller asked not to be
 * resubscribed (context `resubscribe: false`) and the connection was lost. Reaches urql as the
 * result's `error.networkError`.
 */
export class FlowdeckConnectionError extends Error {
  /** The WebSocket close code (graphql-ws) or HTTP status (graphql-sse), when there was one. */
  readonly code: number | undefined;
  /** The transport that failed. */
  readonly transport: 'ws' | 'sse';

  constructor(message: string, transport: 'ws' | 'sse', code?: number) {
    super(message);
    this.name = 'FlowdeckConnectionError';
    this.transport = transport;
    this.code = code;
  }
}

/** Close codes after which reconnecting with the same credentials cannot help: surfaced, never retried. */
const AUTH_CLOSE_CODES = new Set([4401, 4403]);
/** HTTP statuses of an SSE request that are worth retrying (the rest of 4xx are answers). */
const RETRYABLE_STATUSES = new Set([408, 425, 429]);
/** Longest wait between reconnection attempts. */
const MAX_BACKOFF_MS = 30_000;

/** Exponential backoff with jitter: 0.5 s, 1 s, 2 s ... capped at 30 s, each between half and all of it. */
function backoffMs(attempt: number): number {
  const ceiling = Math.min(MAX_BACKOFF_MS, 500 * 2 ** Math.min(attempt, 16));
  return ceiling / 2 + Math.random() * (ceiling / 2);
}

function isCloseEvent(value: unknown): value is { code: number; reason: string } {
  return typeof value === 'object' && value !== null && 'code' in value && 'reason' in value && typeof value.code === 'number';
}

/** A WebSocket's close event or error as the error a subscription ends with. */
function wsFailure(problem: unknown): FlowdeckConnectionError {
  if (isCloseEvent(problem))
    return new FlowdeckConnectionError(`${problem.code}: ${problem.reason || 'connection closed'}`, 'ws', problem.code);
  return new FlowdeckConnectionError(`WebSocket: ${problem instanceof Error ? problem.message : 'connection failed'}`, 'ws');
}

/** One operation as both transports send it; `query` is empty when only the persisted hash is sent. */
export interface OperationPayload {
  query: string;
  operationName?: string;
  variables?: Record<string, unknown>;
  extensions?: Record<string, unknown>;
}

/** What urql's subscriptionExchange hands a subscription to and reads results from. */
export interface ResultSink {
  next(value: ExecutionResult): void;
  /** An array is GraphQL errors (urql makes them a result's graphQLErrors); anything else a network error. */
  error(error: unknown): void;
  complete(): void;
}

/** Options of {@link createSubscriptionTransport}. */
export interface SubscriptionTransportOptions extends FlowdeckCredentials {
  /** The GraphQL HTTP endpoint; the WebSocket URL and the SSE stream URL are derived from it. */
  url: string;
  /** Which transport (FlowdeckClientOptions.subscriptions). */
  mode: SubscriptionMode;
  /** fetch for graphql-sse (default: the global one). */
  fetch?: typeof fetch;
  /** WebSocket constructor for graphql-ws (default: the global one, if any). */
  webSocketImpl?: unknown;
}

/** Subscriptions over the chosen transport. */
export interface SubscriptionTransport {
  /**
   * Starts one subscription; returns its unsubscribe. With `resubscribe` (the default) a lost
   * connection is re-established with backoff and the subscription re-sent as it was; without,
   * a lost connection ends it with a {@link FlowdeckConnectionError}.
   */
  subscribe(payload: OperationPayload, sink: ResultSink, resubscribe: boolean): () => void;
  /** The transport new subscriptions take now ('auto' starts on 'ws' and may move to 'sse'). */
  readonly current: 'ws' | 'sse';
  /** Closes the WebSocket and the SSE stream; pending reconnections are abandoned. */
  dispose(): Promise<void>;
}

/** Absolute form of the endpoint: in a browser a relative URL is resolved against the page. */
function absolute(url: string): URL {
  const page = (globalThis as { location?: { href?: string } }).location?.href;
  return new URL(url, page);
}

/** Builds the transports lazily: nothing connects until the first subscription. */
export function createSubscriptionTransport(options: SubscriptionTransportOptions): SubscriptionTransport {
  const webSocketImpl = options.webSocketImpl ?? (globalThis as { WebSocket?: unknown }).WebSocket;
  let current: 'ws' | 'sse' = options.mode === 'sse' || (options.mode === 'auto' && !webSocketImpl) ? 'sse' : 'ws';
  let disposed = false;
  // Reconnection waits, so dispose() can end them at once instead of leaving timers behind.
  const waits = new Set<() => void>();
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        waits.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      waits.add(done);
    });

  // Set once any socket opened (the upgrade went through): from then on 'auto' stays on WebSockets.
  let opened = false;
  const ws =
    current === 'ws'
      ? createWsClient({
          url: () => {
            const url = absolute(options.url);
            url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
            return url.toString();
          },
          lazy: true,
          connectionParams: connectionParams(options),
          webSocketImpl,
          retryAttempts: Infinity,
          retryWait: (retries) => sleep(backoffMs(retries)),
          shouldRetry: (problem) => {
            if (isCloseEvent(problem) && AUTH_CLOSE_CODES.has(problem.code)) return false;
            if (options.mode === 'auto' && !opened) {
              current = 'sse';
              return false;
            }
            return true;
          },
          on: {
            opened: () => {
              opened = true;
            },
          },
        })
      : null;

  const send = options.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init));
  // graphql-sse aborts a refused request before reporting it, which would take an unread body
  // (the server's GraphQL errors) with it: a refusal's body is read first.
  const sseFetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const response = await send(input, init);
    if (response.ok) return response;
    const body = await response.text().catch(() => '');
    return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
  };

  const sse = createSseClient({
    url: () => `${absolute(options.url).toString().replace(/\/$/, '')}/stream`,
    singleConnection: true,
    lazy: true,
    // A fresh object each time: graphql-sse writes the stream's reservation token into it.
    headers: () => credentialHeaders(options),
    fetchFn: sseFetch,
    // Retries are ours (viaSse): graphql-sse would also retry a 4xx answer to a refused operation.
    retryAttempts: 0,
  });

  /** The failure an SSE subscription ends with, or null when it is worth another attempt. */
  async function sseFailure(error: unknown): Promise<unknown> {
    if (!(error instanceof NetworkError)) return error instanceof Error ? error : new Error(String(error));
    const response = error.response as Response | undefined;
    if (response && response.status >= 400 && response.status < 500 && !RETRYABLE_STATUSES.has(response.status)) {
      // A refused operation or principal: its GraphQL errors, as over HTTP.
      const body = (await response.json().catch(() => null)) as { errors?: unknown } | null;
      if (Array.isArray(body?.errors) && body.errors.length > 0) return body.errors;
      return new FlowdeckConnectionError(error.message, 'sse', response.status);
    }
    return null;
  }

  function viaSse(payload: OperationPayload, sink: ResultSink, resubscribe: boolean): () => void {
    let stopped = false;
    let attempt = 0;
    let cancel = () => {};
    const start = () => {
      cancel = sse.subscribe(payload, {
        next: (value) => {
          attempt = 0;
          if (!stopped) sink.next(value as ExecutionResult);
        },
        complete: () => {
          if (!stopped) sink.complete();
        },
        error: (error) => {
          if (stopped) return;
          void sseFailure(error).then(async (failure) => {
            if (stopped) return;
            if (failure === null && resubscribe && !disposed) {
              await sleep(backoffMs(attempt++));
              if (!stopped && !disposed) start();
              return;
            }
            sink.error(failure ?? new FlowdeckConnectionError((error as Error).message, 'sse', (error as NetworkError).response?.status));
          });
        },
      });
    };
    start();
    return () => {
      stopped = true;
      cancel();
    };
  }

  function viaWs(client: NonNullable<typeof ws>, payload: OperationPayload, sink: ResultSink, resubscribe: boolean): () => void {
    // `ended`: this transport is done with the subscription; `stopped`: the caller unsubscribed.
    let ended = false;
    let stopped = false;
    let cancel = () => {};
    let unlisten = () => {};
    const end = () => {
      ended = true;
      unlisten();
    };
    cancel = client.subscribe(payload, {
      next: (value) => {
        if (!ended) sink.next(value as ExecutionResult);
      },
      complete: () => {
        if (ended) return;
        end();
        sink.complete();
      },
      error: (error) => {
        if (ended) return;
        end();
        // 'auto' moved to SSE: the socket never opened, so nothing was delivered; start over there.
        if (current === 'sse') {
          if (!stopped) cancel = viaSse(payload, sink, resubscribe);
          return;
        }
        sink.error(Array.isArray(error) ? error : wsFailure(error));
      },
    });
    if (!resubscribe) {
      unlisten = client.on('closed', (event) => {
        // A socket that never opened under 'auto' is the fallback's business, not a loss.
        if (ended || (options.mode === 'auto' && !opened)) return;
        end();
        cancel();
        sink.error(wsFailure(event));
      });
    }
    return () => {
      stopped = true;
      end();
      cancel();
    };
  }

  return {
    get current() {
      return current;
    },
    subscribe(payload, sink, resubscribe) {
      if (current === 'ws' && ws) return viaWs(ws, payload, sink, resubscribe);
      return viaSse(payload, sink, resubscribe);
    },
    async dispose() {
      disposed = true;
      for (const wake of [...waits]) wake();
      sse.dispose();
      // graphql-ws waits for a pending connection attempt to settle before closing it.
      try {
        await ws?.dispose();
      } catch {
        // The attempt failed: nothing is left to close.
      }
    },
  };
}
