import { randomUUID } from 'node:crypto';
import type { GraphQLError } from 'graphql';
import { handleStreamOrSingleExecutionResult, type Plugin } from 'graphql-yoga';

/** What a caller's X-Request-Id must look like to be reused (the REST layer applies the same rule). */
export const REQUEST_ID_PATTERN = /^[\w.:-]{1,128}$/;

/** A new request id. */
export function newRequestId(): string {
  return `req-${randomUUID()}`;
}

/** The caller's X-Request-Id when it is well-formed (so logs of a whole call chain line up), else a new id. */
export function requestIdFrom(incoming: string | null | undefined): string {
  return incoming && REQUEST_ID_PATTERN.test(incoming) ? incoming : newRequestId();
}

/**
 * Request ids for GraphQL: one per HTTP request (or per WebSocket / graphql-sse operation),
 * echoed in `X-Request-Id`, and remembered for the errors raised while serving it, so that an
 * unexpected error can be masked as "quote request id …" and logged under the same id.
 */
export interface RequestIds {
  /** The id of a request: computed on first use and the same for the rest of its life. */
  of(request: Request): string;
  /** The id of the request an error was raised in, when the plugin saw it go by. */
  ofError(error: unknown): string | undefined;
  /** The yoga plugin doing the echoing and remembering. */
  plugin(): Plugin;
}

/** Creates the request-id registry of one app (weak maps: nothing outlives its request). */
export function createRequestIds(): RequestIds {
  const byRequest = new WeakMap<Request, string>();
  const byError = new WeakMap<object, string>();

  function of(request: Request): string {
    let id = byRequest.get(request);
    if (id === undefined) {
      id = requestIdFrom(request.headers.get('x-request-id'));
      byRequest.set(request, id);
    }
    return id;
  }

  /** Remembers an error (and what it wraps: maskError looks at either) under a request's id. */
  function remember(error: unknown, request: unknown): void {
    if (!(request instanceof Request) || typeof error !== 'object' || error === null) return;
    const id = of(request);
    byError.set(error, id);
    const original = (error as Partial<GraphQLError>).originalError;
    if (original) byError.set(original, id);
  }

  function rememberAll(errors: readonly unknown[] | undefined, request: unknown): void {
    for (const error of errors ?? []) remember(error, request);
  }

  return {
    of,
    ofError(error) {
      if (typeof error !== 'object' || error === null) return undefined;
      const original = (error as Partial<GraphQLError>).originalError;
      return byError.get(error) ?? (original ? byError.get(original) : undefined);
    },
    plugin() {
      const requestOf = (context: unknown) => (context as { request?: unknown } | undefined)?.request;
      return {
        onPluginInit({ registerContextErrorHandler }) {
          // A context that could not be built (e.g. the database is down) is masked like any other error.
          registerContextErrorHandler(({ context, error }) => remember(error, requestOf(context)));
        },
        onResponse({ request, response }) {
          response.headers.set('X-Request-Id', of(request));
        },
        // These hooks run before yoga's masking (plugins registered first run first), so the
        // errors still carry what they wrap when they are remembered.
        onExecute({ args }) {
          const request = requestOf(args.contextValue);
          return {
            onExecuteDone: (payload) => handleStreamOrSingleExecutionResult(payload, ({ result }) => rememberAll(result.errors, request)),
          };
        },
        onSubscribe({ args }) {
          const request = requestOf(args.contextValue);
          return {
            onSubscribeResult: (payload) =>
              handleStreamOrSingleExecutionResult(payload, ({ result }) => rememberAll(result.errors, request)),
            onSubscribeError: ({ error }) => remember(error, request),
          };
        },
      };
    },
  };
}
