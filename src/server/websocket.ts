import type { Server } from 'node:http';
import { type ExecutionArgs, GraphQLError } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import type { YogaServerInstance } from 'graphql-yoga';
import { WebSocketServer } from 'ws';
import { UnauthenticatedError } from '../domain/errors.ts';
import { type Authenticator, credentialsOf } from './auth/authenticate.ts';
import type { Context } from './context.ts';

/** Close code of a connection refused for its credentials (graphql-ws reserves 4400-4499 for such). */
export const WS_UNAUTHORIZED = 4401;

/** The upgrade request's headers, with what connection_init's payload says layered over them. */
function headersOf(upgrade: Record<string, string | string[] | undefined>, params: Record<string, unknown> | undefined): Headers {
  const headers = new Headers();
  for (const [key, value] of Object.entries(upgrade)) if (typeof value === 'string') headers.set(key, value);
  // Browsers cannot set headers on a WebSocket: credentials and the workspace travel in connectionParams.
  const fromParams: Record<string, string> = {
    authorization: 'authorization',
    Authorization: 'authorization',
    apiKey: 'x-api-key',
    'x-api-key': 'x-api-key',
    'x-workspace-id': 'x-workspace-id',
    'x-workspace-slug': 'x-workspace-slug',
  };
  for (const [key, header] of Object.entries(fromParams)) {
    const value = params?.[key];
    if (typeof value === 'string') headers.set(header, value);
  }
  // A bare token in `authorization` is taken as a bearer token.
  const authorization = headers.get('authorization');
  if (authorization && !/^Bearer\s/i.test(authorization)) headers.set('authorization', `Bearer ${authorization}`);
  return headers;
}

/** Largest WebSocket message accepted by default; a GraphQL operation is far smaller (ws defaults to 100 MiB). */
export const WS_MAX_PAYLOAD = 1024 * 1024;

/** What the app tells the WebSocket endpoint beyond yoga and authentication. */
export interface GraphqlWsOptions {
  /** Largest message accepted (the app passes MAX_BODY_BYTES); WS_MAX_PAYLOAD when omitted. */
  maxPayload?: number;
  /** The operation text to run for a subscribe payload, or its refusal (GRAPHQL_PERSISTED_ONLY); `payload.query` when omitted. */
  operationText?: (params: { query?: unknown; extensions?: unknown }) => string | GraphQLError;
}

/** Ping interval keeping idle sockets alive through proxies. */
export const WS_KEEP_ALIVE_MS = 12_000;

/**
 * Serves graphql-ws (the graphql-transport-ws protocol) on the HTTP server's own port at
 * /graphql, through yoga's envelop so the context, principal and error masking are the same
 * as over HTTP. The workspace is chosen by the upgrade request's headers or query, or by
 * `x-workspace-id` / `x-workspace-slug` in the connection_init payload.
 */
export function attachGraphqlWs(
  server: Server,
  yoga: YogaServerInstance<Record<string, unknown>, Context>,
  auth: Authenticator,
  options: GraphqlWsOptions = {},
): { close(): Promise<void> } {
  const wss = new WebSocketServer({ server, path: '/graphql', maxPayload: options.maxPayload ?? WS_MAX_PAYLOAD });
  const disposer = useServer(
    {
      execute: (args) => (args.rootValue as { execute: (a: ExecutionArgs) => unknown }).execute(args) as never,
      subscribe: (args) => (args.rootValue as { subscribe: (a: ExecutionArgs) => unknown }).subscribe(args) as never,
      // Credentials are checked once at connection_init, so a bad token closes the socket with a
      // clear reason instead of failing every operation; each operation checks them again.
      onConnect: async (ctx) => {
        try {
          await auth.identify(credentialsOf(headersOf(ctx.extra.request.headers, ctx.connectionParams)));
          return true;
        } catch (error) {
          if (!(error instanceof UnauthenticatedError)) throw error;
          // A close reason may be at most 123 bytes.
          ctx.extra.socket.close(WS_UNAUTHORIZED, Buffer.from(error.message).subarray(0, 123).toString());
          return false;
        }
      },
      onSubscribe: async (ctx, _id, payload) => {
        const headers = headersOf(ctx.extra.request.headers, ctx.connectionParams);
        // POST: the operation comes in a message, and yoga refuses a mutation it believes came by GET.
        const request = new Request(`http://localhost${ctx.extra.request.url ?? '/graphql'}`, { method: 'POST', headers });
        const { schema, execute, subscribe, contextFactory, validate, parse } = yoga.getEnveloped({
          request,
          params: payload,
          req: ctx.extra.request,
        });
        // A malformed, invalid, over-limit or (with GRAPHQL_PERSISTED_ONLY) unlisted operation is
        // answered on its own id; the socket stays open. Envelop's parse and validate apply the limits.
        let document;
        try {
          const text = options.operationText ? options.operationText(payload) : payload.query;
          if (text instanceof GraphQLError) return [text];
          document = parse(text);
          const errors = validate(schema, document);
          if (errors.length > 0) return errors;
        } catch (error) {
          return [error instanceof GraphQLError ? error : new GraphQLError(String(error))];
        }
        let contextValue;
        try {
          contextValue = await contextFactory();
        } catch (error) {
          return [error instanceof GraphQLError ? error : new GraphQLError('Could not establish the request context')];
        }
        return {
          schema,
          document,
          operationName: payload.operationName,
          variableValues: payload.variables,
          contextValue,
          rootValue: { execute, subscribe },
        };
      },
    },
    wss,
    WS_KEEP_ALIVE_MS,
  );
  return {
    async close() {
      await disposer.dispose();
    },
  };
}
