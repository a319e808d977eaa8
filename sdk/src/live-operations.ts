// What useRunStream and useLiveRuns share: subscriptions of their own (never merged with another
// component's), the line between errors worth resuming after and answers to give up on, and
// the wait before the next attempt. Internal to the package.
import type { AnyVariables, Client, CombinedError, OperationResult } from '@urql/core';
import { createRequest } from '@urql/core';
import type { DocumentNode } from 'graphql';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import type { FlowdeckOperationContext } from './client.js';
import { onEnd, pipe, type Source, subscribe, type Subscription } from 'wonka';

/**
 * GraphQL error codes a subscription cannot get past by resubscribing; SLOW_SUBSCRIBER and
 * RESUME_EXPIRED are left to the hooks, which know how to resume.
 */
const RETRYABLE_CODES = new Set(['INTERNAL_SERVER_ERROR', 'RATE_LIMITED', 'SLOW_SUBSCRIBER']);

/** Longest wait between two attempts after transport failures in a row. */
const MAX_RETRY_MS = 10_000;

/** The `extensions.code` values of a result's GraphQL errors. */
export function errorCodes(error: CombinedError): string[] {
  return error.graphQLErrors.map((e) => (typeof e.extensions?.code === 'string' ? e.extensions.code : 'INTERNAL_SERVER_ERROR'));
}

/**
 * True when resubscribing cannot help: the server answered with a GraphQL error other than a
 * transient one (NOT_FOUND, FORBIDDEN, UNAUTHENTICATED, BAD_USER_INPUT, a refused persisted
 * operation...), or the transport refused for good (a WebSocket close code 4400-4499, e.g.
 * 4401/4403 for credentials, or an HTTP 4xx from the SSE endpoint). A lost connection is not.
 */
export function isFatal(error: CombinedError): boolean {
  if (error.graphQLErrors.length > 0) return errorCodes(error).some((code) => !RETRYABLE_CODES.has(code));
  const code = (error.networkError as { code?: unknown } | undefined)?.code;
  return typeof code === 'number' && ((code >= 4400 && code < 4500) || (code >= 400 && code < 500 && code !== 408 && code !== 429));
}

/** The wait before attempt `failures` + 1 after that many failures in a row: 0.25 s doubling to 10 s. */
export function retryDelay(failures: number): number {
  return Math.min(MAX_RETRY_MS, 250 * 2 ** Math.min(failures, 10));
}

/** A 32-bit mix of an urql operation key and a salt (FNV-1a over both). */
function mixKey(key: number, salt: number): number {
  let hash = 0x811c9dc5;
  for (const word of [key, salt]) {
    for (let shift = 0; shift < 32; shift += 8) {
      hash ^= (word >>> shift) & 0xff;
      hash = Math.imul(hash, 0x01000193);
    }
  }
  return hash >>> 0;
}

/**
 * Starts `document` as a subscription of its own. urql shares an operation among everyone who
 * asks with the same document and variables, and a second subscriber would join mid-stream
 * (missing what came before) while also re-sending it to the server; a salted key keeps each
 * follower's stream whole and separate. `resubscribe: false` asks createFlowdeckClient to end
 * the subscription on a lost connection instead of re-sending the original variables: the
 * hooks resume from their own position.
 */
export function ownSubscription<Data, Variables extends AnyVariables>(
  client: Client,
  document: TypedDocumentNode<Data, Variables> & DocumentNode,
  variables: Variables,
  salt: number,
): Source<OperationResult<Data, Variables>> {
  const request = createRequest(document, variables);
  const context: FlowdeckOperationContext = { resubscribe: false };
  return client.executeSubscription({ ...request, key: mixKey(request.key, salt) }, context);
}

/** A salt for {@link ownSubscription}: distinct per follower and attempt in practice. */
export function newSalt(): number {
  return Math.floor(Math.random() * 0x100000000);
}

/**
 * Subscribes to an urql result source. `onResult` sees each result until the source ends or the
 * returned stop is called; `onDone` runs once if the source ends by itself (completion, a
 * teardown), never after stop. Stop may be called from inside `onResult`.
 */
export function follow<T>(source: Source<T>, onResult: (result: T) => void, onDone: () => void): () => void {
  let done = false;
  let ended = false;
  let subscription: Subscription | null = null;
  subscription = pipe(
    source,
    onEnd(() => {
      ended = true;
      if (done) return;
      done = true;
      onDone();
    }),
    subscribe((result: T) => {
      if (!done) onResult(result);
    }),
  );
  // Stopped synchronously, while the first results were being delivered.
  if (done && !ended) subscription.unsubscribe();
  return () => {
    if (done) return;
    done = true;
    subscription?.unsubscribe();
  };
}
