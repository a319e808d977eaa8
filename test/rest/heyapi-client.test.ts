// Seed 000, Phase 4: "Export updated OpenAPI ... and regenerate HeyAPI client", "Verify the
// four existing endpoints plus new ones are present in `sdk.gen.ts` and `types.gen.ts`", and
// "Frontend SDK regenerated with zero type errors". The workflows UI's own generator
// (@hey-api/openapi-ts with its fetch client) runs over the served /openapi.json; its output
// must name every operation by its operationId, type-check under strict settings, and drive a
// live server.

import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { createClient } from '@hey-api/openapi-ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.ts';
import { testProvider } from '../support/database.ts';

const require = createRequire(import.meta.url);

let t: TestApp;
let baseUrl: string;
let dir: string;
let operationIds: string[];

beforeAll(async () => {
  t = await startTestApp();
  baseUrl = (await t.app.start()).url;
  dir = await mkdtemp(join(tmpdir(), 'flowdeck-heyapi-'));
  const served = (await (await fetch(`${baseUrl}/openapi.json`)).json()) as {
    paths: Record<string, Record<string, { operationId?: string }>>;
  };
  operationIds = Object.values(served.paths).flatMap((item) => Object.values(item).map((operation) => operation.operationId ?? ''));
  await writeFile(join(dir, 'openapi.json'), JSON.stringify(served));
  await createClient({
    input: join(dir, 'openapi.json'),
    output: { path: join(dir, 'client') },
    plugins: ['@hey-api/client-fetch'],
    logs: { level: 'silent' },
  });
}, 120_000);
afterAll(async () => {
  await t?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('a HeyAPI client regenerated from /openapi.json (seed 000, Phase 4)', () => {
  it('has a function in sdk.gen.ts for every operation, named by its operationId, with its types in types.gen.ts', () => {
    const sdk = readFileSync(join(dir, 'client', 'sdk.gen.ts'), 'utf8');
    const types = readFileSync(join(dir, 'client', 'types.gen.ts'), 'utf8');
    expect(operationIds.length).toBeGreaterThan(60);
    expect(operationIds).not.toContain('');
    for (const id of operationIds) {
      expect(sdk, `sdk.gen.ts lacks ${id}`).toMatch(new RegExp(`export const ${id} = `));
      const typeName = id.charAt(0).toUpperCase() + id.slice(1);
      expect(types, `types.gen.ts lacks ${typeName}Data`).toMatch(new RegExp(`export type ${typeName}Data = `));
    }
    // The four endpoints of the run-history milestone, by name.
    for (const id of ['historyListRuns', 'getWorkflowOrDescriptor', 'historyCancelRun', 'historyRetryRun'])
      expect(operationIds).toContain(id);
  });

  // tsc over the generated code never depends on the database: CI's SQLite pass proves it, the
  // PostgreSQL pass skips it (the live calls below run on both).
  it('type-checks with zero errors under strict settings', { timeout: 120_000, skip: testProvider === 'postgres' }, async () => {
    await writeFile(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          noEmit: true,
          target: 'es2022',
          module: 'esnext',
          moduleResolution: 'bundler',
          lib: ['es2022', 'dom', 'dom.iterable'],
        },
        include: ['client'],
      }),
    );
    const tsc = join(require.resolve('typescript/package.json'), '..', 'bin', 'tsc');
    const result = await promisify(execFile)(process.execPath, [tsc, '-p', join(dir, 'tsconfig.json')]).catch(
      (error: Error & { stdout?: string }) => ({ stdout: error.stdout || error.message, stderr: '' }),
    );
    expect(result.stdout).toBe('');
  });

  it('creates, lists and cancels through the generated functions against a live server', async () => {
    type Sdk = Record<string, (options: Record<string, unknown>) => Promise<{ data?: unknown; error?: unknown; response: Response }>>;
    const sdk = (await import(pathToFileURL(join(dir, 'client', 'sdk.gen.ts')).href)) as Sdk;
    const { client } = (await import(pathToFileURL(join(dir, 'client', 'client.gen.ts')).href)) as {
      client: { setConfig(config: { baseUrl: string }): void };
    };
    client.setConfig({ baseUrl });
    const call = (id: string, options: Record<string, unknown> = {}) => {
      const fn = sdk[id];
      if (!fn) throw new Error(`no ${id} in sdk.gen.ts`);
      return fn(options);
    };

    const created = await call('createAgent', { body: { name: 'heyapi-made', url: 'http://127.0.0.1:9/agent' } });
    expect(created.response.status, JSON.stringify(created.error)).toBe(201);
    const agents = await call('listAgents', { query: { name: 'heyapi-made' } });
    expect(agents.data).toMatchObject({ total: 1, items: [{ name: 'heyapi-made', status: 'active' }] });

    const listed = await call('historyListRuns', { query: { limit: 5 } });
    expect(listed.response.status).toBe(200);
    expect(listed.data).toMatchObject({ items: expect.any(Array) });

    const missing = await call('historyCancelRun', { path: { run_id: '00000000-0000-4000-8000-00000000dead' }, body: {} });
    expect(missing.response.status).toBe(404);
    expect(missing.error).toMatchObject({ detail: expect.stringContaining('not found') });
  });
});
