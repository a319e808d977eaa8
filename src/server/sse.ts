import type { IncomingMessage, ServerResponse } from 'node:http';
import { type ExecutionArgs, GraphQLError, parse } from 'graphql';
import { createHandler } from 'graphql-sse/lib/use/http';
import type { YogaServerInstance } from 'graphql-yoga';
import type { Context } from './context.ts';

/** Path of the graphql-sse single-connection endpoint (distinct connections are served by yoga at /graphql). */
export const SSE_STREAM_PATH = '/graphql/stream';

/**
 * graphql-sse in single-connection mode (a reservation token, then operations streamed over one
 * event stream), through yoga's envelop so context, principal and error masking match /graphql.
 * The library pings every 12 s to keep idle streams alive.
 */
export function createSseStreamHandler(
  yoga: YogaServerInstance<Record<string, unknown>, Context>,
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  return createHandler({
    execute: (args) => (args.rootValue as { execute: (a: ExecutionArgs) => unknown }).execute(args) as never,
    subscribe: (args) => (args.rootValue as { subscribe: (a: ExecutionArgs) => unknown }).subscribe(args) as never,
    onSubscribe: async (req, params) => {
      const headers = new Headers();
      for (const [key, value] of Object.entries(req.raw.headers)) if (typeof value === 'string') headers.set(key, value);
      const request = new Request(`http://localhost${req.raw.url ?? SSE_STREAM_PATH}`, { headers });
      const { schema, execute, subscribe, contextFactory, validate } = yoga.getEnveloped({ request, params });
      let document;
      try {
        document = typeof params.query === 'string' ? parse(params.query) : params.query;
      } catch (error) {
        return { errors: [error instanceof GraphQLError ? error : new GraphQLError(String(error))] };
      }
      const errors = validate(schema, document);
      if (errors.length > 0) return { errors };
      let contextValue;
      try {
        contextValue = await contextFactory();
      } catch (error) {
        return { errors: [error instanceof GraphQLError ? error : new GraphQLError('Could not establish the request context')] };
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
