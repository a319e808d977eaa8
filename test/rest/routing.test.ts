// FastAPI's routing fallbacks in every dialect (seeds 004, 002, 001 and 000 are FastAPI apps;
// seed 003's paths answer alike): a path served with other methods answers 405
// `{"detail": "Method Not Allowed"}` with `Allow`; a path that differs from a route only by its
// trailing slash answers 307 to that route (Starlette's `redirect_slashes`); anything else 404
// (401 first when credentials are required and missing). 405 and 307 come before authentication
// and before any body is read. They are not documented per operation (FastAPI does not either),
// so those calls are `unchecked`; what the redirect leads to is checked against /openapi.json.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.ts';
import { authEnv } from '../support/auth.ts';
import { type RestClient, type RestResponse, restClient } from '../support/rest.ts';

const ORIGIN = 'http://flowdeck.test';
const unchecked = { unchecked: true } as const;
let counter = 0;
const unique = (prefix: string) => `${prefix}-${++counter}`;

let t: TestApp;
let rest: RestClient;
beforeAll(async () => {
  t = await startTestApp();
  rest = restClient(t);
});
afterAll(async () => {
  await t?.close();
});

/** The methods an `Allow` header lists. */
function allowOf(response: RestResponse): string[] {
  return (response.headers.get('allow') ?? '')
    .split(',')
    .map((method) => method.trim())
    .filter(Boolean)
    .sort();
}

/** A 405 in seed 004's general error format (FastAPI's `detail`), with exactly `allow` in `Allow`. */
function expectMethodNotAllowed(response: RestResponse, path: string, allow: string[]): void {
  expect(response.status, response.text).toBe(405);
  expect(allowOf(response)).toEqual([...allow].sort());
  expect(response.body).toMatchObject({ detail: 'Method Not Allowed', error: 'Method Not Allowed', status_code: 405, path });
  expect(response.body.request_id).toBe(response.headers.get('x-request-id'));
}

/** A 307 to `target` on the same origin with an empty body; answers the path and query to follow. */
function expectRedirect(response: RestResponse, target: string): string {
  expect(response.status, response.text).toBe(307);
  expect(response.text).toBe('');
  expect(response.headers.get('location')).toBe(`${ORIGIN}${target}`);
  return target;
}

describe('a wrong method answers 405 {"detail": "Method Not Allowed"} with Allow, as FastAPI does', () => {
  it('seed 004: DELETE /api/v1/runs (only "GET /api/v1/runs" is documented) and PUT /api/v1/agents', async () => {
    expectMethodNotAllowed(await rest.delete('/api/v1/runs', unchecked), '/api/v1/runs', ['GET', 'HEAD']);
    expectMethodNotAllowed(await rest.put('/api/v1/agents', {}, unchecked), '/api/v1/agents', ['GET', 'HEAD', 'POST']);
    const run = '123e4567-e89b-12d3-a456-426614174000';
    expectMethodNotAllowed(await rest.delete(`/api/v1/runs/${run}/cancel`, unchecked), `/api/v1/runs/${run}/cancel`, ['POST']);
  });

  it('seed 003: PUT /api/v2/workflows/health keeps the v2 envelope (success: false); GET /parse is not read as an id', async () => {
    const health = await rest.put('/api/v2/workflows/health', {}, unchecked);
    expectMethodNotAllowed(health, '/api/v2/workflows/health', ['GET', 'HEAD']);
    expect(health.body.success).toBe(false);
    // The concrete path is its own resource, over `/api/v2/workflows/:id` (as OpenAPI matches paths).
    const parse = await rest.get('/api/v2/workflows/parse', unchecked);
    expectMethodNotAllowed(parse, '/api/v2/workflows/parse', ['POST']);
    expect(parse.body.success).toBe(false);
    // A method no v2 path has (seed 003 updates with PATCH).
    const workflow = await rest.put('/api/v2/workflows/6f1c1a52-7c1e-4e8f-9a39-3f0ad2a1b001', {}, unchecked);
    expectMethodNotAllowed(workflow, '/api/v2/workflows/6f1c1a52-7c1e-4e8f-9a39-3f0ad2a1b001', ['GET', 'HEAD', 'PATCH', 'DELETE']);
    expect(workflow.body.success).toBe(false);
  });

  it('seed 002: PUT /api/workflows/ ("GET" and "POST /api/workflows/" are documented) and GET /api/workflows/validate', async () => {
    expectMethodNotAllowed(await rest.put('/api/workflows/', {}, unchecked), '/api/workflows/', ['GET', 'HEAD', 'POST']);
    expectMethodNotAllowed(await rest.get('/api/workflows/validate', unchecked), '/api/workflows/validate', ['POST']);
    expectMethodNotAllowed(await rest.post('/api/workflows/templates', {}, unchecked), '/api/workflows/templates', ['GET', 'HEAD']);
  });

  it('seed 000: DELETE /api/v1/workflows/runs is the run history, not a workflow id; GET on cancel', async () => {
    expectMethodNotAllowed(await rest.delete('/api/v1/workflows/runs', unchecked), '/api/v1/workflows/runs', ['GET', 'HEAD']);
    const run = '123e4567-e89b-12d3-a456-426614174000';
    const cancel = `/api/v1/workflows/runs/${run}/cancel`;
    expectMethodNotAllowed(await rest.get(cancel, unchecked), cancel, ['POST']);
  });

  it('seed 001: PATCH /workflows (only "POST /workflows" submits) and DELETE /workflows/{id}', async () => {
    expectMethodNotAllowed(await rest.patch('/workflows', {}, unchecked), '/workflows', ['POST']);
    expectMethodNotAllowed(await rest.get('/workflows', unchecked), '/workflows', ['POST']);
    expectMethodNotAllowed(await rest.delete('/workflows/workflow-1', unchecked), '/workflows/workflow-1', ['GET', 'HEAD']);
  });

  it('the probes, /metrics and the documentation pages too', async () => {
    for (const path of ['/health', '/health/ready', '/metrics', '/openapi.json', '/docs', '/redoc']) {
      expectMethodNotAllowed(await rest.post(path, {}, unchecked), path, ['GET', 'HEAD']);
    }
  });

  it('OPTIONS is one more wrong method (the REST layer has no CORS), and HEAD is answered wherever GET is', async () => {
    const options = await rest.call('OPTIONS', '/api/v1/agents', unchecked);
    expectMethodNotAllowed(options, '/api/v1/agents', ['GET', 'HEAD', 'POST']);
    const head = await rest.call('HEAD', '/api/v1/agents', unchecked);
    expect(head.status).toBe(200);
    expect(head.text).toBe('');
    const post = await rest.call('HEAD', '/workflows', unchecked);
    expect(post.status).toBe(405);
    expect(allowOf(post)).toEqual(['POST']);
  });

  it('decides before reading the body: a malformed one gets the 405, not a validation error', async () => {
    const response = await rest.call('PUT', '/api/workflows/', { raw: '{not json', unchecked: true });
    expectMethodNotAllowed(response, '/api/workflows/', ['GET', 'HEAD', 'POST']);
  });
});

describe("a trailing-slash variant answers 307 to the route, as FastAPI's redirect_slashes does", () => {
  it('seed 002: GET /api/workflows?skip=0&limit=5 → /api/workflows/?skip=0&limit=5, which lists', async () => {
    const target = expectRedirect(await rest.get('/api/workflows?skip=0&limit=5', unchecked), '/api/workflows/?skip=0&limit=5');
    const list = await rest.get(target);
    expect(list.status, list.text).toBe(200);
    expect(list.body.limit).toBe(5);
  });

  it('seed 002: POST /api/workflows keeps its method and body through the redirect and creates', async () => {
    const body = { name: unique('slashless'), steps: [{ name: 'only', step_type: 'task', step_order: 1 }] };
    const target = expectRedirect(await rest.post('/api/workflows', body, unchecked), '/api/workflows/');
    const created = await rest.post(target, body);
    expect(created.status, created.text).toBe(201);
    expect(created.body.name).toBe(body.name);
  });

  it('seed 004: GET /api/v1/agents/ → /api/v1/agents, and every trailing slash goes', async () => {
    expectRedirect(await rest.get('/api/v1/agents//', unchecked), '/api/v1/agents');
    const target = expectRedirect(await rest.get('/api/v1/agents/', unchecked), '/api/v1/agents');
    expect((await rest.get(target)).status).toBe(200);
  });

  it('seed 003: POST /api/v2/workflows/ → /api/v2/workflows, which creates', async () => {
    const body = { name: unique('v2-slash'), definition: { nodes: [{ id: 'step_1', type: 'transform', config: { expression: '1' } }] } };
    const target = expectRedirect(await rest.post('/api/v2/workflows/', body, unchecked), '/api/v2/workflows');
    const created = await rest.post(target, body);
    expect(created.status, created.text).toBe(201);
    expect(created.body.success).toBe(true);
  });

  it('seed 000: GET /api/v1/workflows/runs/?limit=2 → /api/v1/workflows/runs?limit=2', async () => {
    const target = expectRedirect(await rest.get('/api/v1/workflows/runs/?limit=2', unchecked), '/api/v1/workflows/runs?limit=2');
    expect((await rest.get(target)).status).toBe(200);
  });

  it('seed 001: POST /workflows/ → /workflows, which submits', async () => {
    const body = { name: unique('engine-slash'), steps: [{ id: 'only', type: 'transform', expression: '1' }] };
    const target = expectRedirect(await rest.post('/workflows/', body, unchecked), '/workflows');
    const submitted = await rest.post(target, body);
    expect(submitted.status, submitted.text).toBe(200);
  });

  it('the probes and the documentation, and HEAD as well', async () => {
    expect((await rest.get(expectRedirect(await rest.get('/health/', unchecked), '/health'))).status).toBe(200);
    expectRedirect(await rest.get('/docs/', unchecked), '/docs');
    expect((await rest.call('HEAD', '/api/workflows', unchecked)).headers.get('location')).toBe(`${ORIGIN}/api/workflows/`);
  });

  it('through a real socket, the Location keeps the scheme, host, port and query, and a client following it gets the list', async () => {
    const server = await startTestApp();
    try {
      const { url } = await server.app.start();
      const redirected = await fetch(`${url}/api/workflows?skip=0&limit=5`, { redirect: 'manual' });
      expect(redirected.status).toBe(307);
      expect(redirected.headers.get('location')).toBe(`${url}/api/workflows/?skip=0&limit=5`);
      const followed = await fetch(`${url}/api/workflows?skip=0&limit=5`);
      expect(followed.status).toBe(200);
      expect(followed.url).toBe(`${url}/api/workflows/?skip=0&limit=5`);
    } finally {
      await server.close();
    }
  });

  it('never for "/", and a path no variant of which is served stays 404 in its dialect\'s shape', async () => {
    const root = await rest.get('/', unchecked);
    expect(root.status).toBe(404);
    const unknown = await rest.get('/api/v1/nothing-here/', unchecked);
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ detail: 'Not Found', status_code: 404, path: '/api/v1/nothing-here/' });
    const v2 = await rest.get('/api/v2/workflows/a/b/c/d', unchecked);
    expect(v2.status).toBe(404);
    expect(v2.body).toMatchObject({ success: false, detail: 'Not Found' });
  });
});

describe('GraphQL and the run console keep their own routing', () => {
  it('/graphql answers queries and /graphql/ is not redirected by the REST layer', async () => {
    const query = await rest.post('/graphql', { query: '{ __typename }' }, unchecked);
    expect(query.status, query.text).toBe(200);
    expect(query.body).toEqual({ data: { __typename: 'Query' } });
    const slashed = await rest.post('/graphql/', { query: '{ __typename }' }, unchecked);
    expect(slashed.status).not.toBe(307);
    expect(slashed.body?.detail).toBeUndefined();
  });

  it('/console answers a wrong method in its own (plain text) way and is not redirected', async () => {
    const post = await rest.post('/console', {}, unchecked);
    expect(post.status).toBe(405);
    expect(post.text).toBe('Method Not Allowed\n');
    expect((await rest.get('/console/', unchecked)).status).not.toBe(307);
  });
});

describe('routing is decided before authentication (AUTH_MODE=required)', () => {
  let secured: TestApp;
  let anonymous: RestClient;
  beforeAll(async () => {
    secured = await startTestApp({}, authEnv);
    anonymous = restClient(secured);
  });
  afterAll(async () => {
    await secured?.close();
  });

  it('a wrong method is a 405 and a trailing slash a 307 without credentials', async () => {
    expectMethodNotAllowed(await anonymous.delete('/api/v1/runs', unchecked), '/api/v1/runs', ['GET', 'HEAD']);
    const v2 = await anonymous.put('/api/v2/workflows/health', {}, unchecked);
    expectMethodNotAllowed(v2, '/api/v2/workflows/health', ['GET', 'HEAD']);
    expect(v2.body.success).toBe(false);
    expectRedirect(await anonymous.get('/api/workflows?skip=0&limit=5', unchecked), '/api/workflows/?skip=0&limit=5');
    // The public health check's path never reaches `PATCH`/`DELETE /api/v2/workflows/:id`, which
    // would run with no caller at all (it answered 500 before this check).
    for (const method of ['PATCH', 'DELETE']) {
      const health = await anonymous.call(method, '/api/v2/workflows/health', { body: {}, unchecked: true });
      expectMethodNotAllowed(health, '/api/v2/workflows/health', ['GET', 'HEAD']);
    }
    // An unknown path is still refused first, as issue 12 decided (test/server/tenant-isolation-rest.test.ts).
    expect((await anonymous.get('/api/nothing-here', unchecked)).status).toBe(401);
  });

  it('a path a route serves still answers 401 without them, before and after the redirect', async () => {
    const runs = await anonymous.get('/api/v1/runs');
    expect(runs.status, runs.text).toBe(401);
    const list = await anonymous.get('/api/workflows/');
    expect(list.status, list.text).toBe(401);
  });
});
