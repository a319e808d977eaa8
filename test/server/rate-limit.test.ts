// Per-user rate limits (issue 12 point 4): one budget per user per minute for REST and GraphQL
// alike, RateLimit-* headers on every counted response, 429 with Retry-After in each dialect's
// error shape. Budgets are tiny (a handful of requests) so nothing depends on timing: the
// one-minute window never ends during a test.

import { createClient } from 'graphql-ws';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createApp } from '../../src/server/app.ts';
import { loadConfig } from '../../src/server/config.ts';
import { createRateLimiter, type RateDecision, type RateLimiter, rateKey } from '../../src/server/rate-limit.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { authEnv, bearer, mintToken } from '../support/auth.ts';
import { testProvider } from '../support/database.ts';

const silent = pino({ level: 'silent' });
const opened: { close(): Promise<void> }[] = [];

afterEach(async () => {
  // Newest first: a second app on a test app's database closes before the database is dropped.
  for (const resource of opened.splice(0).reverse()) await resource.close();
});

/** A test app whose callers may make `perMinute` requests a minute. */
async function limitedApp(perMinute: number, env: Record<string, string> = {}): Promise<TestApp> {
  const t = await startTestApp({}, { RATE_LIMIT_PER_MINUTE: String(perMinute), WORKER_CONCURRENCY: '0', ...env });
  opened.push(t);
  return t;
}

interface Answer {
  status: number;
  headers: Headers;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- bodies are read by path in assertions
  body: any;
}

async function call(
  t: TestApp,
  method: string,
  path: string,
  options: { body?: unknown; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const response = await t.app.fetch(
    new Request(`http://flowdeck.test${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...options.headers },
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    }),
  );
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : null };
}

const get = (t: TestApp, path: string, headers?: Record<string, string>) => call(t, 'GET', path, { headers });
const graphql = (t: TestApp, query: string, headers?: Record<string, string>) => call(t, 'POST', '/graphql', { body: { query }, headers });

/** The RateLimit headers of a response, as numbers (NaN when absent). */
function limits(answer: Answer) {
  const read = (name: string) => Number(answer.headers.get(name) ?? NaN);
  return { limit: read('RateLimit-Limit'), remaining: read('RateLimit-Remaining'), reset: read('RateLimit-Reset') };
}

/** Expects a 429 answer with Retry-After and the RateLimit headers of a spent budget. */
function expectRefused(answer: Answer, perMinute: number): void {
  expect(answer.status).toBe(429);
  const retryAfter = Number(answer.headers.get('Retry-After'));
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(60);
  expect(limits(answer)).toEqual({ limit: perMinute, remaining: 0, reset: retryAfter });
}

const refusal = (perMinute: number) => new RegExp(`^Rate limit exceeded: ${perMinute} requests per minute; retry in \\d+ s$`);

describe('REST', () => {
  it('counts requests down in the RateLimit headers, then refuses with 429 and Retry-After', async () => {
    const t = await limitedApp(3);
    const seen = [];
    for (let i = 0; i < 3; i++) {
      const answer = await get(t, '/api/v1/agents');
      expect(answer.status).toBe(200);
      seen.push(limits(answer));
    }
    expect(seen.map((l) => [l.limit, l.remaining])).toEqual([
      [3, 2],
      [3, 1],
      [3, 0],
    ]);
    for (const { reset } of seen) {
      expect(reset).toBeGreaterThanOrEqual(1);
      expect(reset).toBeLessThanOrEqual(60);
    }

    const refused = await get(t, '/api/v1/agents');
    expectRefused(refused, 3);
    expect(refused.body).toMatchObject({ error: 'Too Many Requests', status_code: 429, path: '/api/v1/agents' });
    expect(refused.body.detail).toMatch(refusal(3));
    expect(refused.body.request_id).toBe(refused.headers.get('X-Request-Id'));
    expect(refused.body).not.toHaveProperty('success');
  });

  it("answers 429 in each dialect's error shape", async () => {
    const t = await limitedApp(1);
    expect((await get(t, '/api/v1/agents')).status).toBe(200);

    const v2 = await get(t, '/api/v2/workflows');
    expectRefused(v2, 1);
    expect(v2.body).toMatchObject({ success: false, status_code: 429, path: '/api/v2/workflows' });
    expect(v2.body.error).toMatch(refusal(1));
    expect(v2.body.detail).toBe(v2.body.error);

    const legacy = await get(t, '/api/workflows/');
    expectRefused(legacy, 1);
    expect(legacy.body).toMatchObject({ error: 'Too Many Requests', status_code: 429 });
    expect(legacy.body.detail).toMatch(refusal(1));
    expect(legacy.body).not.toHaveProperty('success');

    const engine = await get(t, '/workflows/workflow-1');
    expectRefused(engine, 1);
    expect(engine.body.detail).toMatch(refusal(1));
  });

  it('refuses a write before it runs: nothing is created', async () => {
    const t = await limitedApp(1);
    // Error answers are counted and carry the headers too.
    const missing = await get(t, '/api/v1/agents/00000000-0000-4000-8000-00000000dead');
    expect(missing.status).toBe(404);
    expect(limits(missing)).toMatchObject({ limit: 1, remaining: 0 });
    const refused = await call(t, 'POST', '/api/v1/agents', { body: { name: 'not-made', url: 'http://127.0.0.1:9/' } });
    expectRefused(refused, 1);
    expect(await t.app.resources.db.prisma.agent.count()).toBe(0);
  });

  it('leaves health, readiness, metrics and the documentation unlimited', async () => {
    const t = await limitedApp(1);
    expect((await get(t, '/api/v1/agents')).status).toBe(200);
    expect((await get(t, '/api/v1/agents')).status).toBe(429);
    for (const path of ['/health', '/healthz', '/health/ready', '/metrics', '/api/v2/workflows/health', '/openapi.json', '/docs']) {
      const response = await t.app.fetch(new Request(`http://flowdeck.test${path}`));
      await response.arrayBuffer();
      expect(response.status, path).toBe(200);
      expect(response.headers.get('RateLimit-Limit'), path).toBeNull();
    }
  });

  it('sends no RateLimit headers when limiting is off (RATE_LIMIT_PER_MINUTE=0)', async () => {
    const t = await limitedApp(0);
    const answer = await get(t, '/api/v1/agents');
    expect(answer.status).toBe(200);
    expect(answer.headers.get('RateLimit-Limit')).toBeNull();
    expect((await graphql(t, '{ __typename }')).headers.get('RateLimit-Limit')).toBeNull();
  });
});

describe('GraphQL', () => {
  it('counts executed operations, with headers, then answers 429 with code RATE_LIMITED', async () => {
    const t = await limitedApp(2);
    // A document that fails validation never executes, so it costs nothing.
    const invalid = await graphql(t, '{ noSuchField }');
    expect(invalid.body.errors[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(invalid.headers.get('RateLimit-Limit')).toBeNull();

    const first = await graphql(t, '{ __typename }');
    expect(first.status).toBe(200);
    expect(limits(first)).toMatchObject({ limit: 2, remaining: 1 });
    const second = await graphql(t, '{ __typename }');
    expect(limits(second)).toMatchObject({ limit: 2, remaining: 0 });

    const refused = await graphql(t, '{ __typename }');
    expectRefused(refused, 2);
    expect(refused.body.data).toBeUndefined();
    expect(refused.body.errors).toHaveLength(1);
    expect(refused.body.errors[0].message).toMatch(refusal(2));
    expect(refused.body.errors[0].extensions).toEqual({
      code: 'RATE_LIMITED',
      retryAfterSeconds: Number(refused.headers.get('Retry-After')),
    });
  });

  it('refuses a mutation before it runs: nothing is created', async () => {
    const t = await limitedApp(1);
    expect((await graphql(t, '{ __typename }')).status).toBe(200);
    const refused = await graphql(t, 'mutation { createAgent(input: { name: "not-made", url: "http://127.0.0.1:9/" }) { __typename } }');
    expectRefused(refused, 1);
    expect(refused.body.errors[0].extensions.code).toBe('RATE_LIMITED');
    expect(await t.app.resources.db.prisma.agent.count()).toBe(0);
  });

  it('shares one budget with REST', async () => {
    const t = await limitedApp(2);
    expect((await get(t, '/api/v1/agents')).status).toBe(200);
    expect(limits(await graphql(t, '{ __typename }')).remaining).toBe(0);
    expect((await get(t, '/api/v2/workflows')).status).toBe(429);
    expect((await graphql(t, '{ __typename }')).status).toBe(429);
  });

  it('counts each graphql-ws operation and refuses only the one over budget, keeping the socket open', async () => {
    const t = await limitedApp(2);
    const { port } = await t.app.start();
    const client = createClient({ url: `ws://127.0.0.1:${port}/graphql`, webSocketImpl: WebSocket, retryAttempts: 0 });
    opened.push({ close: () => client.dispose() as Promise<void> });
    const run = async (query: string) => {
      const results = [];
      for await (const result of client.iterate({ query })) results.push(result);
      return results;
    };
    expect(await run('{ __typename }')).toEqual([{ data: { __typename: 'Query' } }]);
    expect(await run('{ __typename }')).toEqual([{ data: { __typename: 'Query' } }]);
    const [refused, ...rest] = await run('{ __typename }');
    expect(rest).toEqual([]);
    expect(refused?.data).toBeUndefined();
    expect(refused?.errors?.[0]?.message).toMatch(refusal(2));
    expect(refused?.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
    // The socket is still usable (and still over budget): the next operation is answered, refused.
    expect((await run('{ __typename }'))[0]?.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
  });
});

describe('budgets', () => {
  it('keys on the user when there is one, else the client address, else one anonymous budget', () => {
    expect(rateKey({ tenantId: 'acme', userId: 'alice' }, '10.0.0.1')).toBe('user:acme:alice');
    expect(rateKey({ tenantId: 'acme', userId: 'apikey:k1' }, null)).toBe('user:acme:apikey:k1');
    expect(rateKey({ tenantId: 'acme', userId: null }, '10.0.0.1')).toBe('ip:10.0.0.1');
    expect(rateKey(undefined, undefined)).toBe('anonymous');
  });

  it('keys anonymous callers of the Node server on their address', async () => {
    const t = await limitedApp(1);
    const { url } = await t.app.start();
    expect((await fetch(`${url}/api/v1/agents`)).status).toBe(200);
    expect((await fetch(`${url}/api/v1/agents`)).status).toBe(429);
    // In-process requests have no address: they draw from the separate anonymous budget.
    expect((await get(t, '/api/v1/agents')).status).toBe(200);
  });

  it('gives each user a budget of their own', async () => {
    const t = await limitedApp(1, authEnv);
    const alice = bearer(await mintToken({ sub: 'alice', customer_id: 'acme', role: 'editor' }));
    const bob = bearer(await mintToken({ sub: 'bob', customer_id: 'acme', role: 'editor' }));
    expect((await get(t, '/api/v1/agents', alice)).status).toBe(200);
    expectRefused(await get(t, '/api/v1/agents', alice), 1);
    expect((await graphql(t, '{ __typename }', alice)).status).toBe(429);
    const forBob = await get(t, '/api/v1/agents', bob);
    expect(forBob.status).toBe(200);
    expect(limits(forBob)).toMatchObject({ limit: 1, remaining: 0 });
    // An unauthenticated request is refused for its credentials (401), not counted against anyone.
    expect((await get(t, '/api/v1/agents')).status).toBe(401);
  });

  it.skipIf(testProvider !== 'postgres')('is shared by every process on one PostgreSQL database', async () => {
    const t = await limitedApp(3);
    // A second server on the same database, as another process behind a load balancer would be.
    const config = loadConfig({ NODE_ENV: 'test', RATE_LIMIT_PER_MINUTE: '3', WORKER_CONCURRENCY: '0', DATABASE_URL: t.databaseUrl });
    const other = await createApp(config, { logger: silent });
    opened.push({ close: () => other.stop() });
    expect(limits(await get(t, '/api/v1/agents')).remaining).toBe(2);
    const fromOther = await other.fetch(new Request('http://flowdeck.test/api/v1/agents'));
    expect(fromOther.status).toBe(200);
    expect(fromOther.headers.get('RateLimit-Remaining')).toBe('1');
    expect(limits(await graphql(t, '{ __typename }')).remaining).toBe(0);
    const refused = await other.fetch(new Request('http://flowdeck.test/api/v1/agents'));
    expect(refused.status).toBe(429);
    expect(await t.app.resources.db.prisma.rateLimit.count()).toBe(1);
  });

  it.skipIf(testProvider !== 'sqlite')('is counted in each process on SQLite', async () => {
    const t = await limitedApp(1);
    const database = { provider: 'sqlite' as const, file: t.databaseUrl.replace(/^file:/, '') };
    const one = createRateLimiter({ perMinute: 1, database, logger: silent }) as RateLimiter;
    const two = createRateLimiter({ perMinute: 1, database, logger: silent }) as RateLimiter;
    opened.push(one, two);
    expect(one.store).toBe('memory');
    expect((await one.consume('user:acme:alice')).allowed).toBe(true);
    expect((await one.consume('user:acme:alice')).allowed).toBe(false);
    expect((await two.consume('user:acme:alice')).allowed).toBe(true);
  });

  it('counts in memory, with a warning, while the PostgreSQL store is unreachable', async () => {
    const warnings: unknown[] = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => warnings.push(JSON.parse(line)) });
    // Nothing listens on port 1 of the loopback address: every store query fails at once.
    const limiter = createRateLimiter({
      perMinute: 2,
      database: { provider: 'postgres', url: 'postgresql://flowdeck@127.0.0.1:1/none' },
      logger,
    }) as RateLimiter;
    opened.push(limiter);
    const decisions: RateDecision[] = [];
    for (let i = 0; i < 3; i++) decisions.push(await limiter.consume('user:acme:alice'));
    expect(decisions.map((d) => [d.allowed, d.remaining])).toEqual([
      [true, 1],
      [true, 0],
      [false, 0],
    ]);
    // One warning, not one per request.
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ msg: expect.stringContaining('rate limit store unavailable') });
  });

  it('is off when RATE_LIMIT_PER_MINUTE is 0', () => {
    expect(createRateLimiter({ perMinute: 0, database: { provider: 'sqlite', file: ':memory:' }, logger: silent })).toBeNull();
  });
});
