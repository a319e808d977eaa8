import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Config } from './config.ts';
import { graphqlLimitPlugins } from './graphql-limits.ts';
import { loadPersistedOperations, type PersistedOperations } from './persisted-operations.ts';
import { createRequestIds, type RequestIds } from './request-ids.ts';

/**
 * Headers any of which marks a GraphQL request as sent by a script: a browser sends a custom
 * header cross-site only after a CORS preflight, which this server does not grant. Ours, the
 * GraphQL-over-HTTP convention and Apollo's, so common clients need no special setup.
 */
export const CSRF_HEADERS = ['x-graphql-csrf', 'graphql-require-preflight', 'apollo-require-preflight'] as const;

/** The body types an HTML form can send; GraphQL is never read from them. */
const FORM_TYPES = ['application/x-www-form-urlencoded', 'multipart/form-data', 'text/plain'];

/**
 * Refuses a POST whose body is a form (or text/plain) with 415, even when it carries a CSRF
 * header: yoga would read an operation from a url-encoded form, and this API has no uploads,
 * so there is no reason for GraphQL to come that way at all.
 */
export function refuseFormPosts(): Plugin {
  return {
    onRequestParse({ request }) {
      if (request.method !== 'POST') return;
      const type = request.headers.get('content-type')?.split(';', 1)[0]?.trim().toLowerCase() ?? '';
      if (!FORM_TYPES.includes(type)) return;
      throw new GraphQLError(`GraphQL requests are JSON (Content-Type: application/json), not ${type}`, {
        extensions: { code: 'UNSUPPORTED_MEDIA_TYPE', http: { status: 415, headers: { Accept: 'application/json' } } },
      });
    },
  };
}

/** What the GraphQL endpoints get from {@link createGraphqlHardening}. */
export interface GraphqlHardening {
  /** Request ids: echoed in X-Request-Id, quoted by masked errors. */
  requestIds: RequestIds;
  /** The SDK's persisted operations: the only ones that run with GRAPHQL_PERSISTED_ONLY, a shortcut by hash otherwise. */
  persisted: PersistedOperations;
  /** yoga plugins, to go first in createYoga's list (before the masking yoga appends). */
  plugins: Plugin[];
  /**
   * For graphql-ws and graphql-sse, which yoga's HTTP hooks do not see: the operation text to
   * run for a request's params (the persisted document a hash names, or the query), or the refusal.
   */
  operationText: (params: { query?: unknown; extensions?: unknown }) => string | GraphQLError;
}

/**
 * GraphQL's defences, from configuration: CSRF prevention (yoga's plugin: a request that a
 * page on another site could make without a preflight — a form post, text/plain, a GET without
 * a custom header — is refused with 403 before anything is parsed), form bodies refused, the
 * per-document limits (src/server/graphql-limits.ts), and the SDK's persisted operations (by hash
 * always; with GRAPHQL_PERSISTED_ONLY, as the allow-list).
 */
export function createGraphqlHardening(config: Pick<Config, 'env' | 'graphqlLimits' | 'graphqlPersistedOnly'>): GraphqlHardening {
  const requestIds = createRequestIds();
  const persisted = loadPersistedOperations({ only: config.graphqlPersistedOnly });
  return {
    requestIds,
    persisted,
    plugins: [
      requestIds.plugin(),
      useCSRFPrevention({ requestHeaders: [...CSRF_HEADERS] }),
      refuseFormPosts(),
      persisted.plugin(),
      ...graphqlLimitPlugins(config),
    ],
    operationText: (params) => persisted.resolve(params),
  };
}
