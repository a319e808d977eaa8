// Seed 004's Agent Management endpoints (/api/v1/agents), through the public REST surface,
// every response checked against /openapi.json, and cross-checked with GraphQL.
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentDocument, AgentsDocument, CreateAgentDocument, CreateWorkspaceDocument } from '../gql/graphql.ts';
import { startHttpAgent, type TestAgent } from '../support/agents.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { type Body, type RestClient, restClient } from '../support/rest.ts';

let t: TestApp;
let rest: RestClient;
beforeAll(async () => {
  t = await startTestApp();
  rest = restClient(t);
});
afterAll(async () => {
  await t?.close();
});

const DEFAULT_RETRY = { max_retries: 3, initial_delay_ms: 1000, max_delay_ms: 30000, backoff_multiplier: 2.0 };
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const MISSING_ID = '123e4567-e89b-12d3-a456-426614174000';

/** Creates an agent through REST and fails the test unless it answered 201. */
async function createAgent(body: Record<string, unknown>, headers?: Record<string, string>): Promise<Body> {
  const response = await rest.post('/api/v1/agents', body, { headers });
  expect(response.status, response.text).toBe(201);
  return response.body;
}

/** A workspace of its own, so list totals count only what the test created. */
async function freshWorkspace(slug: string): Promise<Record<string, string>> {
  const created = (await t.ok(CreateWorkspaceDocument, { input: { slug, name: slug } })).createWorkspace;
  if (created.__typename !== 'Workspace') throw new Error(`expected a Workspace, got ${JSON.stringify(created)}`);
  return { 'x-workspace-slug': slug };
}

/** A port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve())));
  return port;
}

/** A /health endpoint answering `status`, recording the headers of each call. */
async function healthEndpoint(status: number): Promise<{ url: string; seen: IncomingHttpHeaders[]; close(): Promise<void> }> {
  const seen: IncomingHttpHeaders[] = [];
  const server = createServer((req, res) => {
    seen.push(req.headers);
    res.writeHead(req.url === '/health' ? status : 404, { 'content-type': 'application/json' }).end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, seen, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describe('POST /api/v1/agents', () => {
  it('creates the documented example agent with the documented defaults (201)', async () => {
    const response = await rest.post('/api/v1/agents', {
      name: 'data-processor',
      url: 'http://data-processor:8080',
      description: 'Processes data transformations',
      timeout_ms: 60000,
    });
    expect(response.status).toBe(201);
    expect(Object.keys(response.body).sort()).toEqual(
      [
        'id',
        'name',
        'url',
        'description',
        'protocol',
        'auth_type',
        'timeout_ms',
        'retry_config',
        'status',
        'created_at',
        'updated_at',
      ].sort(),
    );
    expect(response.body).toEqual({
      id: expect.stringMatching(UUID),
      name: 'data-processor',
      url: 'http://data-processor:8080',
      description: 'Processes data transformations',
      // Seed 004's agents speak A2A; plain JSON over HTTP is `protocol: "http"`.
      protocol: 'a2a',
      auth_type: 'none',
      timeout_ms: 60000,
      retry_config: DEFAULT_RETRY,
      status: 'active',
      created_at: expect.stringMatching(ISO),
      updated_at: expect.stringMatching(ISO),
    });
  });

  it('creates the quick-start agent from name and url alone', async () => {
    const agent = await createAgent({ name: 'my-first-agent', url: 'http://my-agent:8080' });
    expect(agent).toMatchObject({ description: null, auth_type: 'none', timeout_ms: 30000, retry_config: DEFAULT_RETRY, status: 'active' });
  });

  it('accepts the full documented request body and never returns the secret', async () => {
    const response = await rest.post('/api/v1/agents', {
      name: 'full-body-agent',
      url: 'http://data-processor:8080',
      description: 'Processes data transformations',
      auth_type: 'bearer',
      auth_config: { token: 'secret-token-123' },
      timeout_ms: 30000,
      retry_config: { max_retries: 3, initial_delay_ms: 1000, max_delay_ms: 30000, backoff_multiplier: 2.0 },
    });
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({ name: 'full-body-agent', auth_type: 'bearer', timeout_ms: 30000, retry_config: DEFAULT_RETRY });
    expect(response.body).not.toHaveProperty('auth_config');
    expect(response.text).not.toContain('secret-token-123');
    const read = await rest.get(`/api/v1/agents/${response.body.id}`);
    expect(read.text).not.toContain('secret-token-123');
  });

  it('fills omitted retry_config fields with their defaults', async () => {
    const agent = await createAgent({
      name: 'partial-retry',
      url: 'http://x:8080',
      retry_config: { max_retries: 0, backoff_multiplier: 1.5 },
    });
    expect(agent.retry_config).toEqual({ max_retries: 0, initial_delay_ms: 1000, max_delay_ms: 30000, backoff_multiplier: 1.5 });
  });

  it("answers 400 `Agent name '<name>' already exists` for a duplicate name, and creates nothing", async () => {
    const headers = await freshWorkspace('dup-names');
    await createAgent({ name: 'data-processor', url: 'http://one:8080' }, headers);
    const response = await rest.post('/api/v1/agents', { name: 'data-processor', url: 'http://two:8080' }, { headers });
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ detail: "Agent name 'data-processor' already exists", status_code: 400, path: '/api/v1/agents' });
    const list = await rest.get('/api/v1/agents', { headers });
    expect(list.body.items.map((a: Body) => a.url)).toEqual(['http://one:8080']);
  });

  it('answers 422 with pydantic-style details for a missing name and an empty url', async () => {
    const response = await rest.post('/api/v1/agents', { url: '' });
    expect(response.status).toBe(422);
    expect(response.body.detail).toEqual([
      { type: 'missing', loc: ['body', 'name'], msg: 'Field required', input: { url: '' } },
      { type: 'string_too_short', loc: ['body', 'url'], msg: 'String should have at least 1 character', input: '' },
    ]);
    const empty = await rest.post('/api/v1/agents', {});
    expect(empty.status).toBe(422);
    expect(empty.body.detail).toEqual([
      { type: 'missing', loc: ['body', 'name'], msg: 'Field required', input: {} },
      { type: 'missing', loc: ['body', 'url'], msg: 'Field required', input: {} },
    ]);
  });

  it('answers 422 for out-of-range timeout_ms, retry_config fields, a long name and an unknown auth_type', async () => {
    const base = { name: 'ranges', url: 'http://ranges:8080' };
    const cases: [Record<string, unknown>, Body][] = [
      [
        { timeout_ms: 999 },
        { type: 'greater_than_equal', loc: ['body', 'timeout_ms'], msg: 'Input should be greater than or equal to 1000', input: 999 },
      ],
      [
        { timeout_ms: 300001 },
        { type: 'less_than_equal', loc: ['body', 'timeout_ms'], msg: 'Input should be less than or equal to 300000', input: 300001 },
      ],
      [
        { retry_config: { max_retries: 11 } },
        {
          type: 'less_than_equal',
          loc: ['body', 'retry_config', 'max_retries'],
          msg: 'Input should be less than or equal to 10',
          input: 11,
        },
      ],
      [
        { retry_config: { max_retries: -1 } },
        {
          type: 'greater_than_equal',
          loc: ['body', 'retry_config', 'max_retries'],
          msg: 'Input should be greater than or equal to 0',
          input: -1,
        },
      ],
      [
        { retry_config: { initial_delay_ms: 99 } },
        {
          type: 'greater_than_equal',
          loc: ['body', 'retry_config', 'initial_delay_ms'],
          msg: 'Input should be greater than or equal to 100',
          input: 99,
        },
      ],
      [
        { retry_config: { max_delay_ms: 999 } },
        {
          type: 'greater_than_equal',
          loc: ['body', 'retry_config', 'max_delay_ms'],
          msg: 'Input should be greater than or equal to 1000',
          input: 999,
        },
      ],
      [
        { retry_config: { backoff_multiplier: 0.5 } },
        {
          type: 'greater_than_equal',
          loc: ['body', 'retry_config', 'backoff_multiplier'],
          msg: 'Input should be greater than or equal to 1',
          input: 0.5,
        },
      ],
      [
        { name: 'n'.repeat(256) },
        { type: 'string_too_long', loc: ['body', 'name'], msg: 'String should have at most 255 characters', input: 'n'.repeat(256) },
      ],
      [
        { auth_type: 'basic' },
        { type: 'enum', loc: ['body', 'auth_type'], msg: "Input should be 'none', 'bearer' or 'apikey'", input: 'basic' },
      ],
    ];
    for (const [change, detail] of cases) {
      const response = await rest.post('/api/v1/agents', { ...base, ...change });
      expect(response.status, JSON.stringify(change)).toBe(422);
      expect(response.body.detail, JSON.stringify(change)).toEqual([detail]);
    }
    expect((await rest.get('/api/v1/agents?name=ranges')).body.total).toBe(0);
  });
});

describe('GET /api/v1/agents', () => {
  it('lists with page, page_size and status, with totals and total_pages', async () => {
    const headers = await freshWorkspace('listing');
    const names = ['a1', 'a2', 'a3', 'a4', 'a5'];
    const created: Body[] = [];
    for (const name of names) created.push(await createAgent({ name, url: `http://${name}:8080` }, headers));
    const [, second, , , fifth] = created;
    expect((await rest.put(`/api/v1/agents/${second.id}`, { status: 'inactive' }, { headers })).status).toBe(200);
    expect((await rest.delete(`/api/v1/agents/${fifth.id}`, { headers })).status).toBe(200);

    const documented = await rest.get('/api/v1/agents?page=1&page_size=20&status=active', { headers });
    expect(documented.status).toBe(200);
    expect(documented.body).toMatchObject({ total: 3, page: 1, page_size: 20, total_pages: 1 });
    expect(documented.body.items.map((a: Body) => a.name).sort()).toEqual(['a1', 'a3', 'a4']);
    expect(documented.body.items[0]).toEqual((await rest.get(`/api/v1/agents/${documented.body.items[0].id}`, { headers })).body);

    const all = await rest.get('/api/v1/agents', { headers });
    expect(all.body).toMatchObject({ total: 4, page: 1, page_size: 20, total_pages: 1 });
    expect(all.body.items.map((a: Body) => a.name).sort()).toEqual(['a1', 'a2', 'a3', 'a4']);

    const inactive = await rest.get('/api/v1/agents?status=inactive', { headers });
    expect(inactive.body.items.map((a: Body) => [a.name, a.status])).toEqual([['a2', 'inactive']]);
    const deleted = await rest.get('/api/v1/agents?status=deleted', { headers });
    expect(deleted.body.items.map((a: Body) => [a.name, a.status])).toEqual([['a5', 'deleted']]);

    const pages: string[][] = [];
    for (const page of [1, 2, 3]) {
      const response = await rest.get(`/api/v1/agents?page=${page}&page_size=2&status=active`, { headers });
      expect(response.body).toMatchObject({ total: 3, page, page_size: 2, total_pages: 2 });
      pages.push(response.body.items.map((a: Body) => a.name));
    }
    expect(pages.map((p) => p.length)).toEqual([2, 1, 0]);
    expect(pages.flat().sort()).toEqual(['a1', 'a3', 'a4']);

    const none = await rest.get('/api/v1/agents?status=active&name=nobody', { headers });
    expect(none.body).toEqual({ items: [], total: 0, page: 1, page_size: 20, total_pages: 0 });
  });

  it('filters by exact name, as the Best Practices check does', async () => {
    const headers = await freshWorkspace('by-name');
    await createAgent({ name: 'DataExtractorAgent', url: 'http://extractor:8080' }, headers);
    await createAgent({ name: 'DataExtractorAgent2', url: 'http://extractor2:8080' }, headers);
    const found = await rest.get('/api/v1/agents?name=DataExtractorAgent', { headers });
    expect(found.body.items.map((a: Body) => a.name)).toEqual(['DataExtractorAgent']);
    const missing = await rest.get('/api/v1/agents?name=DataExtractor', { headers });
    expect(missing.body.items).toHaveLength(0);
  });

  it('answers 422 for a bad page_size, page or status', async () => {
    const big = await rest.get('/api/v1/agents?page_size=101');
    expect(big.status).toBe(422);
    expect(big.body.detail).toEqual([
      { type: 'less_than_equal', loc: ['query', 'page_size'], msg: 'Input should be less than or equal to 100', input: '101' },
    ]);
    expect((await rest.get('/api/v1/agents?page=0')).status).toBe(422);
    const status = await rest.get('/api/v1/agents?status=archived');
    expect(status.status).toBe(422);
    expect(status.body.detail[0]).toMatchObject({ type: 'enum', loc: ['query', 'status'], input: 'archived' });
  });
});

describe('GET /api/v1/agents/{agent_id}', () => {
  it('returns the same structure as create', async () => {
    const created = await createAgent({ name: 'get-me', url: 'http://get-me:8080', description: 'readable' });
    const response = await rest.get(`/api/v1/agents/${created.id}`);
    expect(response.status).toBe(200);
    expect(response.body).toEqual(created);
  });

  it("answers 404 `Agent with id '<id>' not found`", async () => {
    const response = await rest.get(`/api/v1/agents/${MISSING_ID}`);
    expect(response.status).toBe(404);
    expect(response.body).toMatchObject({ detail: `Agent with id '${MISSING_ID}' not found`, status_code: 404 });
  });
});

describe('PUT /api/v1/agents/{agent_id}', () => {
  it('applies the documented update body, merging retry_config over the current policy', async () => {
    const target = await healthEndpoint(200);
    try {
      const created = await createAgent({
        name: 'to-update',
        url: 'http://old-url:8080',
        retry_config: { max_retries: 2, initial_delay_ms: 500, max_delay_ms: 5000, backoff_multiplier: 3 },
      });
      const response = await rest.put(`/api/v1/agents/${created.id}`, {
        url: target.url,
        description: 'Updated description',
        auth_type: 'apikey',
        auth_config: { key: 'new-api-key' },
        timeout_ms: 60000,
        retry_config: { max_retries: 5 },
        status: 'inactive',
      });
      expect(response.status).toBe(200);
      expect(response.body).toEqual({
        ...created,
        url: target.url,
        description: 'Updated description',
        auth_type: 'apikey',
        timeout_ms: 60000,
        retry_config: { max_retries: 5, initial_delay_ms: 500, max_delay_ms: 5000, backoff_multiplier: 3 },
        status: 'inactive',
        updated_at: expect.stringMatching(ISO),
      });
      expect(response.text).not.toContain('new-api-key');
      expect((await rest.get(`/api/v1/agents/${created.id}`)).body).toEqual(response.body);
      // The write-only key was stored: the health check authenticates with it.
      expect((await rest.get(`/api/v1/agents/${created.id}/health`)).body.healthy).toBe(true);
      expect(target.seen.at(-1)?.['x-api-key']).toBe('new-api-key');
    } finally {
      await target.close();
    }
  });

  it('changes only the fields of the documented example request', async () => {
    const created = await createAgent({
      name: 'example-update',
      url: 'http://example:8080',
      auth_type: 'bearer',
      auth_config: { token: 't' },
    });
    const response = await rest.put(`/api/v1/agents/${created.id}`, { description: 'Updated description', timeout_ms: 60000 });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      ...created,
      description: 'Updated description',
      timeout_ms: 60000,
      updated_at: expect.stringMatching(ISO),
    });
  });

  it('answers 404 for an unknown agent and 422 (changing nothing) for out-of-range values', async () => {
    const missing = await rest.put(`/api/v1/agents/${MISSING_ID}`, { description: 'x' });
    expect(missing.status).toBe(404);
    expect(missing.body.detail).toBe(`Agent with id '${MISSING_ID}' not found`);

    const created = await createAgent({ name: 'update-ranges', url: 'http://ranges:8080' });
    const bad = await rest.put(`/api/v1/agents/${created.id}`, {
      timeout_ms: 500,
      retry_config: { backoff_multiplier: 0.9 },
      status: 'deleted',
    });
    expect(bad.status).toBe(422);
    expect(bad.body.detail.map((d: Body) => [d.type, d.loc])).toEqual([
      ['greater_than_equal', ['body', 'timeout_ms']],
      ['greater_than_equal', ['body', 'retry_config', 'backoff_multiplier']],
      ['enum', ['body', 'status']],
    ]);
    expect((await rest.get(`/api/v1/agents/${created.id}`)).body).toEqual(created);
  });

  it("answers 400 for renaming onto another live agent's name", async () => {
    await createAgent({ name: 'taken', url: 'http://taken:8080' });
    const other = await createAgent({ name: 'wants-taken', url: 'http://other:8080' });
    const response = await rest.put(`/api/v1/agents/${other.id}`, { name: 'taken' });
    expect(response.status).toBe(400);
    expect(response.body.detail).toBe("Agent name 'taken' already exists");
  });
});

describe('DELETE /api/v1/agents/{agent_id}', () => {
  it('soft-deletes: the documented message, then readable with status deleted, and gone from the default list', async () => {
    const created = await createAgent({ name: 'to-delete', url: 'http://to-delete:8080' });
    const response = await rest.delete(`/api/v1/agents/${created.id}`);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ message: `Agent '${created.id}' deleted successfully` });

    const read = await rest.get(`/api/v1/agents/${created.id}`);
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ id: created.id, name: 'to-delete', status: 'deleted' });
    expect((await rest.get('/api/v1/agents?name=to-delete')).body.total).toBe(0);
    expect((await rest.get('/api/v1/agents?name=to-delete&status=deleted')).body.items.map((a: Body) => a.id)).toEqual([created.id]);

    // A deleted agent cannot be deleted or updated again, and frees its name.
    expect((await rest.delete(`/api/v1/agents/${created.id}`)).status).toBe(404);
    expect((await rest.put(`/api/v1/agents/${created.id}`, { description: 'x' })).status).toBe(404);
    const again = await createAgent({ name: 'to-delete', url: 'http://again:8080' });
    expect(again.id).not.toBe(created.id);
  });

  it('answers 404 for an unknown agent', async () => {
    const response = await rest.delete(`/api/v1/agents/${MISSING_ID}`);
    expect(response.status).toBe(404);
    expect(response.body.detail).toBe(`Agent with id '${MISSING_ID}' not found`);
  });
});

describe('GET /api/v1/agents/{agent_id}/health', () => {
  let agent: TestAgent;
  beforeAll(async () => {
    agent = await startHttpAgent(() => ({}));
  });
  afterAll(async () => {
    await agent?.close();
  });

  it('reports a reachable agent healthy with its status code and response time', async () => {
    const created = await createAgent({ name: 'healthy-agent', url: agent.url });
    const response = await rest.get(`/api/v1/agents/${created.id}/health`);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ healthy: true, status_code: 200, response_time_ms: expect.any(Number), error: null });
    expect(response.body.response_time_ms).toBeGreaterThanOrEqual(0);
  });

  it('reports an agent on a closed port unhealthy (200) with null status and time and an error', async () => {
    const created = await createAgent({ name: 'unreachable-agent', url: `http://127.0.0.1:${await closedPort()}` });
    const response = await rest.get(`/api/v1/agents/${created.id}/health`);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ healthy: false, status_code: null, response_time_ms: null, error: expect.any(String) });
    expect(response.body.error).not.toBe('');
  });

  it('reports a failing /health unhealthy with its status code, authenticating with the bearer token', async () => {
    const target = await healthEndpoint(503);
    try {
      const created = await createAgent({ name: 'failing-health', url: target.url, auth_type: 'bearer', auth_config: { token: 'tok-1' } });
      const response = await rest.get(`/api/v1/agents/${created.id}/health`);
      expect(response.body).toMatchObject({ healthy: false, status_code: 503, error: expect.stringContaining('503') });
      expect(target.seen.at(-1)?.authorization).toBe('Bearer tok-1');
    } finally {
      await target.close();
    }
  });

  it('answers 404 for an unknown agent', async () => {
    const response = await rest.get(`/api/v1/agents/${MISSING_ID}/health`);
    expect(response.status).toBe(404);
    expect(response.body.detail).toBe(`Agent with id '${MISSING_ID}' not found`);
  });
});

describe('REST and GraphQL see the same agents', () => {
  it('reads an agent created through REST through GraphQL', async () => {
    const created = await createAgent({
      name: 'rest-made',
      url: 'http://rest-made:8080',
      description: 'made over REST',
      auth_type: 'bearer',
      auth_config: { token: 'rest-secret' },
      timeout_ms: 45000,
      retry_config: { max_retries: 4, initial_delay_ms: 200, max_delay_ms: 2000, backoff_multiplier: 1.5 },
    });
    const read = (await t.ok(AgentDocument, { id: created.id })).agent;
    if (read.__typename !== 'Agent') throw new Error(`expected an Agent, got ${JSON.stringify(read)}`);
    expect(read).toMatchObject({
      name: 'rest-made',
      url: 'http://rest-made:8080',
      description: 'made over REST',
      authType: 'BEARER',
      hasCredentials: true,
      timeoutMs: 45000,
      retryConfig: { maxRetries: 4, initialDelayMs: 200, maxDelayMs: 2000, backoffMultiplier: 1.5 },
      status: 'ACTIVE',
      createdAt: created.created_at,
      updatedAt: created.updated_at,
      deletedAt: null,
    });
    const listed = await t.ok(AgentsDocument, { filter: { nameContains: 'rest-made' }, first: 10 });
    expect(listed.agents.edges.map((e) => e.node.id)).toEqual([read.id]);

    await rest.delete(`/api/v1/agents/${created.id}`);
    const deleted = (await t.ok(AgentDocument, { id: created.id })).agent;
    expect(deleted.__typename === 'Agent' && deleted.status).toBe('DELETED');
  });

  it('reads an agent created through GraphQL through REST', async () => {
    const made = (
      await t.ok(CreateAgentDocument, {
        input: {
          name: 'graphql-made',
          url: 'http://graphql-made:8080',
          description: 'made over GraphQL',
          authType: 'APIKEY',
          authConfig: { key: 'gql-secret' },
          timeoutMs: 2000,
          retryConfig: { maxRetries: 1, backoffMultiplier: 3 },
        },
      })
    ).createAgent;
    if (made.__typename !== 'Agent') throw new Error(`expected an Agent, got ${JSON.stringify(made)}`);
    const listed = await rest.get('/api/v1/agents?name=graphql-made');
    expect(listed.body.total).toBe(1);
    const expected = {
      id: listed.body.items[0].id,
      name: 'graphql-made',
      url: 'http://graphql-made:8080',
      description: 'made over GraphQL',
      protocol: 'http',
      auth_type: 'apikey',
      timeout_ms: 2000,
      retry_config: { max_retries: 1, initial_delay_ms: 1000, max_delay_ms: 30000, backoff_multiplier: 3 },
      status: 'active',
      created_at: made.createdAt,
      updated_at: made.updatedAt,
    };
    expect(listed.body.items[0]).toEqual(expected);
    const read = await rest.get(`/api/v1/agents/${expected.id}`);
    expect(read.body).toEqual(expected);
    expect(read.text).not.toContain('gql-secret');
    // The REST id is the database id behind GraphQL's global id.
    const byRestId = (await t.ok(AgentDocument, { id: expected.id })).agent;
    expect(byRestId.__typename === 'Agent' && byRestId.id).toBe(made.id);
  });
});
