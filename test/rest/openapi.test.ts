import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
