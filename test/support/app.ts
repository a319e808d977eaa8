import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
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
  close(): Promise<void>;
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

  return {
    app,
    databaseUrl: database.url,
    gql,
    async ok(document, variables, scope) {
      const result = await gql(document, variables, scope);
      if (result.errors?.length || !result.data) {
        throw new Error(`GraphQL errors: ${JSON.stringify(result.errors ?? result)}`);
      }
      return result.data;
    },
    async close() {
      await app.stop();
      await database.drop();
    },
  };
}
