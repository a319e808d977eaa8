// createFlowdeckClient: the urql Client an app wraps in <FlowdeckProvider value={client}>, set up
// for this server: credentials on every transport, Graphcache over the generated schema, the SDK's
// persisted operation hashes, and subscriptions over graphql-ws or graphql-sse.
import {
  Client,
  cacheExchange as documentCacheExchange,
  type Exchange,
  fetchExchange,
  type OperationContext,
  subscriptionExchange,
} from '@urql/core';
import { cacheExchange as normalizedCacheExchange, type KeyingConfig } from '@urql/exchange-graphcache';
import { persistedExchange } from '@urql/exchange-persisted';
import type { IntrospectionQuery, IntrospectionTypeRef } from 'graphql';
import schema from './introspection.js';
import { credentialHeaders, type FlowdeckCredentials } from './request.js';
import { createSubscriptionTransport, type SubscriptionMode } from './transport.js';

export { FlowdeckConnectionError, type SubscriptionMode } from './transport.js';

/** Options of {@link createFlowdeckClient}. */
export interface FlowdeckClientOptions extends FlowdeckCredentials {
  /**
   * The GraphQL endpoint, e.g. `http://127.0.0.1:8000/graphql`, or `/graphql` in a browser (resolved
   * against the page). graphql-ws connects to the same URL with ws(s):, graphql-sse to `<url>/stream`.
   */
  url: string;
  /** A JWT: `Authorization: Bearer <token>` on HTTP and SSE, `authorization` in graphql-ws connectionParams. */
  token?: string;
  /** An API key: `X-API-Key` on HTTP and SSE, `apiKey` in graphql-ws connectionParams. */
  apiKey?: string;
  /** A workspace slug: `X-Workspace-Slug` on HTTP and SSE, `x-workspace-slug` in connectionParams. */
  workspace?: string;
  /**
   * How subscriptions travel (default 'auto'):
   * - 'ws': graphql-ws over one lazy WebSocket (createFlowdeckClient throws if there is no
   *   WebSocket implementation);
   * - 'sse': graphql-sse in single-connection mode at `<url>/stream` (one event stream, operations POSTed);
   * - 'auto': SSE from the start when there is no WebSocket implementation (no `webSocketImpl`
   *   and no global `WebSocket`, e.g. Node 20). Otherwise graphql-ws; if the very first WebSocket
   *   fails before it opens (refused, an upgrade a proxy does not allow, the server unreachable),
   *   this client moves to SSE for good: the subscriptions waiting on that socket are sent over
   *   SSE and so is every later one. Once a socket has opened, the client stays on WebSockets
   *   and only reconnects.
   *
   * Either way a lost connection is re-established forever, with exponential backoff and jitter
   * (0.25-0.5 s at first, doubling, at most 30 s), and each live subscription is re-sent with
   * its variables, unless the operation's context says `resubscribe: false` (then it ends with a
   * FlowdeckConnectionError). What retrying cannot change is not retried: a WebSocket closed
   * with 4401/4403 (credentials refused), or an SSE request answered 4xx other than 408/425/429;
   * the result's error then carries the server's GraphQL errors (e.g. UNAUTHENTICATED) or a
   * FlowdeckConnectionError with the close code or HTTP status.
   */
  subscriptions?: SubscriptionMode;
  /**
   * Persisted operations (default 'auto'). Only documents that carry a hash (the SDK's generated
   * documents: `__meta__.hash`, listed in the server's manifest) are affected; any other document
   * is always sent in full. Queries, mutations and subscriptions alike:
   * - 'always': the hash only (`extensions.persistedQuery.sha256Hash`, no query), what a server
   *   with GRAPHQL_PERSISTED_ONLY requires;
   * - 'never': the full document, no hash (refused by a GRAPHQL_PERSISTED_ONLY server);
   * - 'auto': the hash first; if the server answers `PersistedQueryNotFound` (it does not know
   *   that hash: a Flowdeck server without GRAPHQL_PERSISTED_ONLY whose manifest differs) the
   *   same operation is sent again in full, and if it answers `PersistedQueryNotSupported` this
   *   client sends full documents from then on. A GRAPHQL_PERSISTED_ONLY server that does not
   *   list the hash refuses it (PERSISTED_QUERY_NOT_IN_LIST): there is nothing else to send.
   */
  persistedOperations?: 'auto' | 'always' | 'never';
  /** The fetch used for HTTP and SSE (default: the global one). */
  fetch?: typeof fetch;
  /** A WebSocket constructor, e.g. `ws`'s default export in Node; browsers use the global one. */
  webSocketImpl?: unknown;
  /**
   * 'normalized' (default): Graphcache with the generated schema, so an entity updated by a
   * mutation or subscription result updates every query showing it; an object type is
   * normalized by its `id` only if that is a global `ID` (every other object is stored inside
   * its parent, so Graphcache has nothing to warn about). 'document': urql's document cache
   * (whole results, invalidated by the typenames a mutation returns).
   */
  cache?: 'normalized' | 'document';
}

/**
 * Operation context this client reads, beside urql's own: pass it as `context` to
 * useSubscription or as the third argument of client.subscription.
 */
export interface FlowdeckOperationContext extends Partial<OperationContext> {
  /**
   * true (default): after a lost connection the subscription is re-sent with the same variables.
   * false: a lost connection ends it with a FlowdeckConnectionError (result.error.networkError),
   * for callers that resume from their own position (e.g. an afterSeq they have reached).
   */
  resubscribe?: boolean;
}

/** An urql Client for a Flowdeck server; dispose() closes its WebSocket and SSE connections. */
export interface FlowdeckClient extends Client {
  /** Closes the WebSocket and the SSE stream; live subscriptions end. Queries over HTTP still work. */
  dispose(): Promise<void>;
}

/** The named type under any NON_NULL / LIST wrappers of a field's type. */
function namedType(type: IntrospectionTypeRef): string | null {
  if (type.kind === 'NON_NULL' || type.kind === 'LIST') return namedType(type.ofType);
  return type.name;
}

/**
 * Graphcache keys: an object type is an entity, normalized by its `id`, only if that field is
 * a global `ID`; every other object type (no `id`, or an `id` that is only unique inside its
 * parent, such as WorkflowNode's step id) is stored inside its parent.
 */
function embeddedTypes(introspection: IntrospectionQuery): KeyingConfig {
  const { queryType, mutationType, subscriptionType, types } = introspection.__schema;
  const roots = new Set([queryType.name, mutationType?.name, subscriptionType?.name]);
  const keys: KeyingConfig = {};
  for (const type of types) {
    if (type.kind !== 'OBJECT' || roots.has(type.name) || type.name.startsWith('__')) continue;
    const id = type.fields.find((field) => field.name === 'id');
    if (!id || namedType(id.type) !== 'ID') keys[type.name] = () => null;
  }
  return keys;
}

/** The bare hex sha256 codegen recorded in a generated document (`__meta__.hash`), or null for any other document. */
function recordedHash(document: unknown): string | null {
  const hash = (document as { __meta__?: { hash?: unknown } } | null)?.__meta__?.hash;
  return typeof hash === 'string' ? hash.replace(/^sha256:/, '') : null;
}

/**
 * Creates the urql Client for a Flowdeck server (see {@link FlowdeckClientOptions} for each
 * transport's behaviour). Queries and mutations go over HTTP POST; subscriptions over graphql-ws
 * or graphql-sse. Nothing connects until the first operation.
 */
export function createFlowdeckClient(options: FlowdeckClientOptions): FlowdeckClient {
  const transport = createSubscriptionTransport({
    url: options.url,
    mode: options.subscriptions ?? 'auto',
    token: options.token,
    apiKey: options.apiKey,
    workspace: options.workspace,
    fetch: options.fetch,
    webSocketImpl: options.webSocketImpl,
  });
  const persisted = options.persistedOperations ?? 'auto';
  const exchanges: Exchange[] = [
    options.cache === 'document' ? documentCacheExchange : normalizedCacheExchange({ schema, keys: embeddedTypes(schema) }),
  ];
  if (persisted !== 'never') {
    exchanges.push(
      persistedExchange({
        // POST like every other operation: the server's CSRF rules ask more of a GET.
        preferGetForPersistedQueries: false,
        enforcePersistedQueries: persisted === 'always',
        enableForMutation: true,
        enableForSubscriptions: true,
        // The hash codegen recorded: the one the server's manifest lists under the same document.
        generateHash: async (_query, document) => recordedHash(document),
      }),
    );
  }
  exchanges.push(
    subscriptionExchange({
      forwardSubscription: (request, operation) => ({
        subscribe: (observer) => {
          // Both servers want `query` to be a string: an empty one when only the hash is sent.
          const payload = { ...request, query: request.query ?? '' };
          const resubscribe = (operation.context as FlowdeckOperationContext).resubscribe !== false;
          const unsubscribe = transport.subscribe(payload, observer, resubscribe);
          return { unsubscribe };
        },
      }),
    }),
    fetchExchange,
  );
  const client = new Client({
    url: options.url,
    exchanges,
    preferGetMethod: false,
    fetchOptions: () => ({ headers: credentialHeaders(options) }),
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  return Object.assign(client, { dispose: () => transport.dispose() });
}
