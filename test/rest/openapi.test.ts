import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECT_TAGS } from '../../src/rest/operation-ids.ts';
import { CreateWorkspaceDocument } from '../gql/graphql.ts';
import { REQUEST_ID_PATTERN } from '../../src/server/request-ids.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { restClient } from '../support/rest.ts';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t?.close();
});

describe('the OpenAPI document', () => {
  it('is served at /openapi.json as OpenAPI 3.1 and matches the committed codegen/openapi.json (run `npm run openapi`)', async () => {
    const served = (await (await t.app.fetch(new Request('http://flowdeck.test/openapi.json'))).json()) as { openapi: string };
    expect(served.openapi).toBe('3.1.0');
    const committed = JSON.parse(readFileSync(new URL('../../codegen/openapi.json', import.meta.url), 'utf8')) as unknown;
    expect(served).toEqual(committed);
  });

  it('serves Swagger UI at /docs and ReDoc at /redoc from local npm packages (no CDN)', async () => {
    for (const page of ['/docs', '/redoc']) {
      const response = await t.app.fetch(new Request(`http://flowdeck.test${page}`));
      expect(response.status).toBe(200);
      const html = await response.text();
      const sources = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1] as string);
      expect(sources.length).toBeGreaterThan(0);
      for (const source of sources) {
        expect(source.startsWith('/'), `${page} loads ${source} from elsewhere`).toBe(true);
        const asset = await t.app.fetch(new Request(`http://flowdeck.test${source}`));
        expect(asset.status, source).toBe(200);
        expect((await asset.arrayBuffer()).byteLength, source).toBeGreaterThan(10);
      }
    }
  });

  it('answers unknown paths with the documented error format, echoing X-Request-Id', async () => {
    const rest = restClient(t);
    const response = await rest.get('/api/v1/nothing-here', { headers: { 'x-request-id': 'req-test-1' }, unchecked: true });
    expect(response.status).toBe(404);
    expect(response.headers.get('x-request-id')).toBe('req-test-1');
    expect(response.body).toMatchObject({ detail: 'Not Found', status_code: 404, path: '/api/v1/nothing-here', request_id: 'req-test-1' });
    const generated = await rest.get('/api/v1/nothing-here', { unchecked: true });
    expect(generated.headers.get('x-request-id')).toMatch(/^req-[0-9a-f-]{36}$/);
    expect(generated.body.request_id).toBe(generated.headers.get('x-request-id'));
  });
});

describe('security in the OpenAPI document', () => {
  type Operation = { security?: Record<string, string[]>[]; responses: Record<string, unknown>; requestBody?: unknown };
  type Doc = { paths: Record<string, Record<string, Operation>>; components: { securitySchemes: Record<string, Record<string, string>> } };

  it('declares bearer JWT and API key schemes, required by every operation but health and docs, with their refusals', async () => {
    const doc = (await (await t.app.fetch(new Request('http://flowdeck.test/openapi.json'))).json()) as Doc;
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
    expect(doc.components.securitySchemes.apiKeyAuth).toMatchObject({ type: 'apiKey', in: 'header', name: 'X-API-Key' });
    const open = new Set(['/health', '/healthz', '/health/ready', '/api/v2/workflows/health']);
    let checked = 0;
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, operation] of Object.entries(item)) {
        checked += 1;
        if (open.has(path)) {
          expect(operation.security, `${method} ${path}`).toEqual([]);
          continue;
        }
        expect(operation.security, `${method} ${path}`).toEqual([{ bearerAuth: [] }, { apiKeyAuth: [] }]);
        expect(Object.keys(operation.responses), `${method} ${path}`).toContain('401');
        if (path !== '/metrics')
          expect(Object.keys(operation.responses), `${method} ${path}`).toEqual(expect.arrayContaining(['403', '429']));
        if (operation.requestBody) expect(Object.keys(operation.responses), `${method} ${path}`).toContain('413');
      }
    }
    expect(checked).toBeGreaterThan(60);
  });
});

describe('operation ids, tags and common parameters in the OpenAPI document (for generated clients)', () => {
  type Parameter = { name?: string; in?: string; required?: boolean; schema?: { pattern?: string }; $ref?: string };
  type Response = { headers?: Record<string, unknown>; content?: Record<string, { schema?: { $ref?: string } }> };
  type Operation = {
    operationId?: string;
    tags?: string[];
    description?: string;
    security?: unknown[];
    parameters?: Parameter[];
    responses: Record<string, Response>;
  };
  type Doc = {
    tags: { name: string; description: string }[];
    paths: Record<string, Record<string, Operation>>;
    components: {
      parameters: Record<string, Parameter>;
      headers: Record<string, { schema: { pattern?: string } }>;
      schemas: Record<string, { oneOf?: { $ref: string }[] }>;
    };
  };

  const served = async () => (await (await t.app.fetch(new Request('http://flowdeck.test/openapi.json'))).json()) as Doc;
  const operations = (doc: Doc) =>
    Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.entries(item).map(([method, operation]) => ({ key: `${method.toUpperCase()} ${path}`, path, operation })),
    );
  const resolved = (doc: Doc, parameter: Parameter) =>
    parameter.$ref ? (doc.components.parameters[parameter.$ref.replace('#/components/parameters/', '')] as Parameter) : parameter;
  const parameterKeys = (doc: Doc, operation: Operation) =>
    (operation.parameters ?? []).map((p) => resolved(doc, p)).map((p) => `${p.in} ${p.in === 'header' ? p.name?.toLowerCase() : p.name}`);

  it('gives every operation its operationId from src/rest/operation-ids.ts, unique, and every table entry an operation', async () => {
    const doc = await served();
    const table = new Map(DIALECT_TAGS.flatMap((tag) => Object.entries(tag.operations)));
    const found = operations(doc);
    for (const { key, operation } of found) expect(operation.operationId, `${key} is missing from the table`).toBe(table.get(key));
    const ids = found.map(({ operation }) => operation.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(new Set(table.values()).size, 'the table repeats an operationId').toBe(table.size);
    const keys = new Set(found.map(({ key }) => key));
    expect(
      [...table.keys()].filter((key) => !keys.has(key)),
      'table entries without an operation',
    ).toEqual([]);
    for (const id of ids) expect(id, 'operationIds are camelCase identifiers').toMatch(/^[a-z][A-Za-z0-9]*$/);
  });

  it('tags every operation with exactly one dialect, declared with a description in the top-level tags', async () => {
    const doc = await served();
    expect(doc.tags.map((tag) => tag.name)).toEqual(['v1', 'v2', 'mgx', 'history', 'engine', 'ops']);
    for (const tag of doc.tags) expect(tag.description.length, tag.name).toBeGreaterThan(20);
    const dialectOf = new Map(DIALECT_TAGS.flatMap((tag) => Object.keys(tag.operations).map((key) => [key, tag.name])));
    for (const { key, operation } of operations(doc)) expect(operation.tags, key).toEqual([dialectOf.get(key)]);
  });

  it('declares X-Request-Id as an optional request header (with its pattern) and a header of every response', async () => {
    const doc = await served();
    expect(doc.components.parameters.RequestId).toMatchObject({ name: 'X-Request-Id', in: 'header', required: false });
    expect(doc.components.parameters.RequestId?.schema?.pattern).toBe(REQUEST_ID_PATTERN.source);
    expect(doc.components.headers.RequestId?.schema.pattern).toBe(REQUEST_ID_PATTERN.source);
    for (const { key, operation } of operations(doc)) {
      expect(
        parameterKeys(doc, operation).filter((k) => k === 'header x-request-id'),
        key,
      ).toHaveLength(1);
      for (const [status, response] of Object.entries(operation.responses))
        expect(response.headers?.['X-Request-Id'], `${key} ${status}`).toEqual({ $ref: '#/components/headers/RequestId' });
    }
  });

  it("documents the workspace selectors once on every operation that acts in a workspace (seed 002's headers and query parameters), and on no other", async () => {
    const doc = await served();
    const selectors = ['header x-workspace-id', 'header x-workspace-slug', 'query workspace_id', 'query workspace_slug'];
    let scoped = 0;
    for (const { key, path, operation } of operations(doc)) {
      const keys = parameterKeys(doc, operation);
      const inWorkspace = (operation.security ?? []).length > 0 && path !== '/metrics';
      for (const selector of selectors)
        expect(
          keys.filter((k) => k === selector),
          `${key} ${selector}`,
        ).toHaveLength(inWorkspace ? 1 : 0);
      if (!inWorkspace) continue;
      scoped += 1;
      expect(Object.keys(operation.responses), `${key} may answer 400 for an unknown workspace`).toContain('400');
    }
    expect(scoped).toBeGreaterThan(55);
  });

  it("honours the documented selectors on every dialect: seed 004's agents live in the workspace a header or query parameter names, and an unknown workspace is a 400 on seed 004 and seed 001 routes", async () => {
    const rest = restClient(t);
    const byHeader = await rest.get('/api/v1/agents', { headers: { 'X-Workspace-Slug': 'no-such-team', 'X-Request-Id': 'req-ws-1' } });
    expect(byHeader.status).toBe(400);
    expect(byHeader.body).toMatchObject({ status_code: 400, request_id: 'req-ws-1' });
    expect(String(byHeader.body.detail)).toContain('no-such-team');
    const byQuery = await rest.get('/workflows/00000000-0000-4000-8000-000000000000?workspace_slug=no-such-team');
    expect(byQuery.status).toBe(400);

    await t.ok(CreateWorkspaceDocument, { input: { name: 'Selector team', slug: 'selector-team' } });
    const created = await rest.post(
      '/api/v1/agents',
      { name: 'selected-agent', url: 'http://127.0.0.1:9/agent' },
      { headers: { 'X-Workspace-Slug': 'selector-team' } },
    );
    expect(created.status).toBe(201);
    const names = async (url: string) => ((await rest.get(url)).body.items as { name: string }[]).map((agent) => agent.name);
    expect(await names('/api/v1/agents?workspace_slug=selector-team')).toEqual(['selected-agent']);
    expect(await names('/api/v1/agents')).not.toContain('selected-agent');
  });

  it("documents seed 000's GET /api/v1/workflows/{workflow_key} inside seed 004's GET /api/v1/workflows/{workflow_id} (one path template), as getWorkflowOrDescriptor", async () => {
    const doc = await served();
    const templates = Object.keys(doc.paths).map((path) => path.replace(/\{[^}]*\}/g, '{}'));
    expect(new Set(templates).size, 'two paths differ only in their parameter names').toBe(templates.length);
    const operation = doc.paths['/api/v1/workflows/{workflow_id}']?.get as Operation;
    expect(operation.operationId).toBe('getWorkflowOrDescriptor');
    expect(operation.description).toContain("seed 004's `GET /api/v1/workflows/{workflow_id}`");
    expect(operation.description).toContain("seed 000's `GET /api/v1/workflows/{workflow_key}`");
    expect(operation.responses['200']?.content?.['application/json']?.schema).toEqual({
      $ref: '#/components/schemas/WorkflowOrDescriptor',
    });
    expect(doc.components.schemas.WorkflowOrDescriptor?.oneOf).toEqual([
      { $ref: '#/components/schemas/WorkflowWithDescriptor' },
      { $ref: '#/components/schemas/HistoryWorkflowDescriptor' },
    ]);
    expect(doc.tags.find((tag) => tag.name === 'history')?.description).toContain('getWorkflowOrDescriptor');
  });
});
