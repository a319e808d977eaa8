import type { Server } from 'node:http';
import { type ExecutionArgs, GraphQLError, parse } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import type { YogaServerInstance } from 'graphql-yoga';
import { WebSocketServer } from 'ws';
import type { Context } from './context.ts';

/** Largest WebSocket message accepted; a GraphQL operation is far smaller (ws defaults to 100 MiB). */
export const WS_MAX_PAYLOAD = 1024 * 1024;
/** Ping interval keeping idle sockets alive through proxies. */
export const WS_KEEP_ALIVE_MS = 12_000;

/**
 * Serves graphql-ws (the graphql-transport-ws protocol) on the HTTP server's own port at
 * /graphql, through yoga's envelop so the context, principal and error masking are the same
 * as over HTTP. The workspace is chosen by the upgrade request's headers or query, or by
 * `x-workspace-id` / `x-workspace-slug` in the connection_init payload.
 */
export function attachGraphqlWs(server: Server, yoga: YogaServerInstance<Record<string, unknown>, Context>): { close(): Promise<void> } {
  const wss = new WebSocketServer({ server, path: '/graphql', maxPayload: WS_MAX_PAYLOAD });
  const disposer = useServer(
    {
      execute: (args) => (args.rootValue as { execute: (a: ExecutionArgs) => unknown }).execute(args) as never,
      subscribe: (args) => (args.rootValue as { subscribe: (a: ExecutionArgs) => unknown }).subscribe(args) as never,
      onSubscribe: async (ctx, _id, payload) => {
        const headers = new Headers();
        for (const [key, value] of Object.entries(ctx.extra.request.headers)) if (typeof value === 'string') headers.set(key, value);
        for (const key of ['x-workspace-id', 'x-workspace-slug']) {
          const value = ctx.connectionParams?.[key];
          if (typeof value === 'string') headers.set(key, value);
        }
        const request = new Request(`http://localhost${ctx.extra.request.url ?? '/graphql'}`, { headers });
        const { schema, execute, subscribe, contextFactory, validate } = yoga.getEnveloped({ request, params: payload });
        // A malformed or invalid operation is answered on its own id; the socket stays open.
        let document;
        try {
          document = parse(payload.query);
        } catch (error) {
          return [error instanceof GraphQLError ? error : new GraphQLError(String(error))];
        }
        const errors = validate(schema, document);
        if (errors.length > 0) return errors;
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
