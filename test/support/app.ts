import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { getRequestListener } from '@hono/node-server';
import { print } from 'graphql';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { type App, type AppOverrides, createApp } from '../../src/server/app.ts';
import { loadConfig } from '../../src/server/config.ts';
import { type ScratchDatabase, scratchDatabase } from './database.ts';

/** Which workspace a request acts in (sent as headers, like a real client would). */
export interface RequestScope {
  workspaceId?: string;
  workspaceSlug?: string;
  /** A JWT, sent as `Authorization: Bearer`. */
  token?: string;
  /** An API key, sent as `X-API-Key`. */
  apiKey?: string;
  /** More headers (e.g. Origin for CSRF tests). */
  headers?: Record<string, string>;
}

/** A GraphQL response, typed by the SDK document that produced it. */
export interface Result<T> {
  status: number;
  data: T | null | undefined;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

/** A Flowdeck app on its own scratch database, called in-process. */
export interface TestApp {
  app: App;
  databaseUrl: string;
  /** Runs a generated SDK document through the public /graphql endpoint. */
  gql<T, V>(document: TypedDocumentNode<T, V>, variables?: V, scope?: RequestScope): Promise<Result<T>>;
  /** Like {@link gql}, but fails the test unless the response has data and no errors. */
  ok<T, V>(document: TypedDocumentNode<T, V>, variables?: V, scope?: RequestScope): Promise<T>;
  /**
   * `app.fetch` served on a loopback port of its own, for clients that must reach the app over
   * a socket (restClient's calls through the Prism proxy). Started on the first call, closed by
   * {@link close}; independent of `app.start()`, which tests call for WebSockets.
   */
  loopbackUrl(): Promise<string>;
  close(): Promise<void>;
}

/** A fetch handler served over HTTP on 127.0.0.1, started on first use (see {@link TestApp.loopbackUrl}). */
export interface Loopback {
  url: () => Promise<string>;
  /** Closes the server, if it was started, with its open connections. */
  close: () => Promise<void>;
}

/** Serves `fetch` on a loopback port of its own once {@link Loopback.url} is first called. */
export function serveOnLoopback(fetch: (request: Request) => Response | Promise<Response>): Loopback {
  let started: Promise<{ server: Server; url: string }> | null = null;
  return {
    url() {
      started ??= new Promise((resolve, reject) => {
        const server = createServer(getRequestListener(fetch));
        server.once('error', reject);
        server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }));
      });
      return started.then(({ url }) => url);
    },
    async close() {
      if (!started) return;
      const { server } = await started;
      const closed = new Promise((resolve) => server.close(resolve));
      server.closeAllConnections();
      await closed;
    },
  };
}

/** Builds an app over a fresh, migrated database. */
export async function startTestApp(overrides: AppOverrides = {}, env: Record<string, string> = {}): Promise<TestApp> {
  const database: ScratchDatabase = await scratchDatabase();
  // Rate limiting is off unless a test asks for it: one test file makes far more than 100 requests a minute.
  const config = loadConfig({
    NODE_ENV: 'test',
    PORT: '0',
    HOST: '127.0.0.1',
    RATE_LIMIT_PER_MINUTE: '0',
    ...env,
    DATABASE_URL: database.url,
  });
  const app = await createApp(config, { logger: pino({ level: 'silent' }), ...overrides });

  async function gql<T, V>(document: TypedDocumentNode<T, V>, variables?: V, scope: RequestScope = {}): Promise<Result<T>> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (scope.workspaceId) headers['x-workspace-id'] = scope.workspaceId;
    if (scope.workspaceSlug) headers['x-workspace-slug'] = scope.workspaceSlug;
    if (scope.token) headers.authorization = `Bearer ${scope.token}`;
    if (scope.apiKey) headers['x-api-key'] = scope.apiKey;
    Object.assign(headers, scope.headers);
    const response = await app.fetch(
      new Request('http://flowdeck.test/graphql', {
        method: 'POST',
        headers,
        body: JSON.stringify({ query: print(document), variables: variables ?? {} }),
      }),
    );
    const body = (await response.json()) as { data?: T | null; errors?: Result<T>['errors'] };
    return { status: response.status, data: body.data, errors: body.errors };
  }

  const loopback = serveOnLoopback((request) => app.fetch(request));

  return {
    app,
    databaseUrl: database.url,
    gql,
    loopbackUrl: loopback.url,
    async ok(document, variables, scope) {
      const result = await gql(document, variables, scope);
      if (result.errors?.length || !result.data) {
        throw new Error(`GraphQL errors: ${JSON.stringify(result.errors ?? result)}`);
      }
      return result.data;
    },
    async close() {
      await loopback.close();
      await app.stop();
      await database.drop();
    },
  };
}
