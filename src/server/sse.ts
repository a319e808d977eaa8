import type { IncomingMessage, ServerResponse } from 'node:http';
import { type ExecutionArgs, GraphQLError } from 'graphql';
import type { Response as SseResponse } from 'graphql-sse';
import { createHandler } from 'graphql-sse/lib/use/http';
import type { YogaServerInstance } from 'graphql-yoga';
import type { Context } from './context.ts';

/** Path of the graphql-sse single-connection endpoint (distinct connections are served by yoga at /graphql). */
export const SSE_STREAM_PATH = '/graphql/stream';

/**
 * The answer to an operation refused before it runs (syntax, validation, limits, allow-list):
 * 400 with the errors, as graphql-sse answers its own validation failures. A bare `{ errors }`
 * would not do: graphql-sse only takes a result that has `data` for one.
 */
function refused(errors: readonly GraphQLError[]): SseResponse {
  const body = errors.map((error) => {
    const { http: _http, ...extensions } = error.extensions;
    return { ...error.toJSON(), extensions };
  });
  return [
    JSON.stringify({ errors: body }),
    { status: 400, statusText: 'Bad Request', headers: { 'content-type': 'application/json; charset=utf-8' } },
  ];
}

/**
 * graphql-sse in single-connection mode (a reservation token, then operations streamed over one
 * event stream), through yoga's envelop so context, principal and error masking match /graphql.
 * The library pings every 12 s to keep idle streams alive.
 */
export function createSseStreamHandler(
  yoga: YogaServerInstance<Record<string, unknown>, Context>,
  options: {
    /** The operation text to run for a request's params, or its refusal (GRAPHQL_PERSISTED_ONLY); `params.query` when omitted. */
    operationText?: (params: { query?: unknown; extensions?: unknown }) => string | GraphQLError;
  } = {},
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  return createHandler({
    execute: (args) => (args.rootValue as { execute: (a: ExecutionArgs) => unknown }).execute(args) as never,
    subscribe: (args) => (args.rootValue as { subscribe: (a: ExecutionArgs) => unknown }).subscribe(args) as never,
    onSubscribe: async (req, params) => {
      const headers = new Headers();
      for (const [key, value] of Object.entries(req.raw.headers)) if (typeof value === 'string') headers.set(key, value);
      // POST, as on graphql-ws: the token-bound stream is no GET link, so mutations stay allowed on it.
      const request = new Request(`http://localhost${req.raw.url ?? SSE_STREAM_PATH}`, { method: 'POST', headers });
      const { schema, execute, subscribe, contextFactory, validate, parse } = yoga.getEnveloped({ request, params, req: req.raw });
      // Envelop's parse and validate apply the limits; each refusal answers this operation only.
      let document;
      try {
        const text = options.operationText ? options.operationText(params) : params.query;
        if (text instanceof GraphQLError) return refused([text]);
        document = typeof text === 'string' ? parse(text) : text;
        const errors = validate(schema, document);
        if (errors.length > 0) return refused(errors);
      } catch (error) {
        return refused([error instanceof GraphQLError ? error : new GraphQLError(String(error))]);
      }
      let contextValue;
      try {
        contextValue = await contextFactory();
      } catch (error) {
        const refusal = error instanceof GraphQLError ? error : new GraphQLError('Could not establish the request context');
        // A refused principal (401, 403, unknown workspace) answers with its own status, as over HTTP.
        const http: { status?: number; headers?: Record<string, string> } | undefined = refusal.extensions.http;
        if (http?.status) {
          const body = JSON.stringify({ errors: [refusal.toJSON()] });
          return [
            body,
            { status: http.status, statusText: refusal.message, headers: { 'content-type': 'application/json', ...http.headers } },
          ];
        }
        return { errors: [refusal] };
      }
      return {
        schema,
        document,
        operationName: params.operationName,
        variableValues: params.variables,
        contextValue,
        rootValue: { execute, subscribe },
      };
    },
  });
}
