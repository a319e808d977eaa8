// @flowdeck/sdk/rest, the typed REST client: its types are what openapi-typescript generates
// from the served /openapi.json (so CI regenerates and compares them on every run), it drives a
// live server with a token or an API key and gets typed bodies back, errors included; and the
// Prism proxy that validates the suite's REST responses does report a response that drifts.

import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { type components, createFlowdeckRestClient } from '../../sdk/src/rest.ts';
import { REST_CLIENT_TYPES_PATH, restClientTypes } from '../../src/cli/rest-client-types.ts';
import { CreateApiKeyDocument } from '../gql/graphql.ts';
import { startA2AAgent, type TestAgent } from '../support/agents.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { authEnv, mintToken } from '../support/auth.ts';
import { testProvider } from '../support/database.ts';
import { expectMember } from '../support/flows.ts';
import { responseViolations, startValidatingProxy, UPSTREAM_HEADER } from '../support/prism.ts';

type Schemas = components['schemas'];

let t: TestApp;
let baseUrl: string;
let token: string;
let agent: TestAgent;
beforeAll(async () => {
  t = await startTestApp({}, { ...authEnv, WORKER_POLL_MS: '50' });
  baseUrl = (await t.app.start()).url;
  token = await mintToken({ sub: 'rest-client', customer_id: 'rest-co', role: 'admin' });
  agent = await startA2AAgent((input: unknown) => ({ data: { echoed: input } }));
});
afterAll(async () => {
  await t?.close();
  await agent?.close();
});

// The generated types and the proxy's drift report never depend on the database: CI's SQLite
// pass proves them, the PostgreSQL pass skips them.
describe.skipIf(testProvider === 'postgres')('the generated types', () => {
  it(`equal what openapi-typescript generates from the served /openapi.json (${REST_CLIENT_TYPES_PATH}; run \`npm run openapi\`)`, async () => {
    const served = await fetch(`${baseUrl}/openapi.json`);
    expect(served.status).toBe(200);
    const generated = await restClientTypes((await served.json()) as object);
    const committed = readFileSync(new URL(`../../${REST_CLIENT_TYPES_PATH}`, import.meta.url), 'utf8');
    // Not toBe: a 350 KB string diff is unreadable; the first differing line says what drifted.
    const [want, have] = [generated.split('\n'), committed.split('\n')];
    const first = want.findIndex((line, i) => line !== have[i]);
    expect(
      first === -1 && want.length === have.length,
      `${REST_CLIENT_TYPES_PATH} is stale (run \`npm run openapi\`): line ${first + 1} is ${have[first]}, generated ${want[first]}`,
    ).toBe(true);
  });
});

describe('the typed client against a live server (AUTH_MODE=required)', () => {
  let runId = '';

  it('with a token (Authorization: Bearer): creates an agent and a workflow, executes it and reads the completed run', async () => {
    const api = createFlowdeckRestClient({ baseUrl, token });
    const created = await api.POST('/api/v1/agents', { body: { name: 'echo-agent', url: agent.url } });
    expect(created.response.status, JSON.stringify(created.error)).toBe(201);
    expectTypeOf(created.data).toEqualTypeOf<Schemas['Agent'] | undefined>();
    expect(created.data).toMatchObject({ name: 'echo-agent', status: 'active', auth_type: 'none' });

    const workflow = await api.POST('/api/v1/workflows', {
      body: {
        name: 'echo-pipeline',
        start_step: 'echo',
        steps: { echo: { id: 'echo', agent_name: 'echo-agent', next_step: null, input_mapping: { text: '${workflow.input.text}' } } },
      },
    });
    expect(workflow.response.status, JSON.stringify(workflow.error)).toBe(201);
    const workflowId = workflow.data?.id ?? '';

    const started = await api.POST('/api/v1/workflows/{workflow_id}/execute', {
      params: { path: { workflow_id: workflowId } },
      body: { input_data: { text: 'hello' } },
    });
    expect(started.response.status, JSON.stringify(started.error)).toBe(202);
    expectTypeOf(started.data).toEqualTypeOf<Schemas['RunResponse'] | undefined>();
    expect(started.data).toMatchObject({ status: 'PENDING', workflow_definition_id: workflowId, input_data: { text: 'hello' } });
    runId = started.data?.run_id ?? '';

    // Polled until finished; the limit is a safety net, never the assertion.
    let status = '';
    for (const started = Date.now(); !['COMPLETED', 'FAILED', 'CANCELLED'].includes(status);) {
      if (Date.now() - started > 15_000) throw new Error(`run ${runId} still ${status}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
      const run = await api.GET('/api/v1/runs/{run_id}', { params: { path: { run_id: runId } } });
      status = run.data?.status ?? '';
    }
    expect(status).toBe('COMPLETED');
    const steps = await api.GET('/api/v1/runs/{run_id}/steps', { params: { path: { run_id: runId } } });
    expect(steps.data?.map((step) => [step.step_id, step.status, step.output_data])).toEqual([
      ['echo', 'COMPLETED', { data: { echoed: { text: 'hello' } } }],
    ]);
  });

  it('with an API key (X-API-Key) and a workspace (X-Workspace-Slug): reads the run; without credentials: a typed 401', async () => {
    const key = await t.gql(CreateApiKeyDocument, { input: { name: 'rest-client', role: 'VIEWER' } }, { token });
    const apiKey = expectMember(key.data?.createApiKey, 'CreatedApiKey').secret;
    const api = createFlowdeckRestClient({ baseUrl, apiKey, workspace: 'default' });
    const run = await api.GET('/api/v1/runs/{run_id}', { params: { path: { run_id: runId } } });
    expect(run.response.status, JSON.stringify(run.error)).toBe(200);
    expect(run.data).toMatchObject({ id: runId, status: 'COMPLETED' });

    const anonymous = createFlowdeckRestClient({ baseUrl });
    const refused = await anonymous.GET('/api/v1/runs/{run_id}', { params: { path: { run_id: runId } } });
    expect(refused.response.status).toBe(401);
    expect(refused.data).toBeUndefined();
    expect(refused.error).toMatchObject({ status_code: 401, error: 'Unauthorized', path: `/api/v1/runs/${runId}` });
  });

  it('errors come back typed: 404 "Run ... not found" and 422 with the documented detail list', async () => {
    const api = createFlowdeckRestClient({ baseUrl, token, headers: { 'x-request-id': 'req-typed-404' } });
    const unknown = '123e4567-e89b-12d3-a456-426614174000';
    const missing = await api.GET('/api/v1/runs/{run_id}', { params: { path: { run_id: unknown } } });
    expect(missing.response.status).toBe(404);
    expectTypeOf(missing.error).toEqualTypeOf<Schemas['ErrorResponse'] | undefined>();
    expect(missing.error).toMatchObject({ status_code: 404, path: `/api/v1/runs/${unknown}`, request_id: 'req-typed-404' });
    expect(typeof missing.error?.detail).toBe('string');

    // A body the compiler would refuse (no name), as an untyped caller could still send it.
    const invalid = await api.POST('/api/v1/agents', { body: { url: '' } as unknown as Schemas['AgentCreate'] });
    expect(invalid.response.status).toBe(422);
    expect(invalid.error?.detail).toEqual(
      expect.arrayContaining([{ type: 'missing', loc: ['body', 'name'], msg: 'Field required', input: expect.anything() }]),
    );
  });

  it('the compiler refuses an undocumented path, a missing path parameter and a missing required body field', () => {
    const api = createFlowdeckRestClient({ baseUrl, token });
    // Never sent: these lines exist for `tsc`, which `npm test` runs over the tests.
    const misuse = () => {
      // @ts-expect-error -- not a documented path
      void api.GET('/api/v1/agent');
      // @ts-expect-error -- run_id is required
      void api.GET('/api/v1/runs/{run_id}', { params: { path: {} } });
      // @ts-expect-error -- AgentCreate requires name
      void api.POST('/api/v1/agents', { body: { url: 'http://agent' } });
    };
    expect(typeof misuse).toBe('function');
  });
});

describe.skipIf(testProvider === 'postgres')('the validating proxy (test/support/prism.ts)', () => {
  it('reports a response that drifts from the document it validates against', async () => {
    // The committed document with one drift: /health must carry a field the server never sends.
    const document = JSON.parse(readFileSync(new URL('../../codegen/openapi.json', import.meta.url), 'utf8')) as {
      components: { schemas: Record<string, { required?: string[] }> };
    };
    const health = document.components.schemas.HealthResponse ?? {};
    health.required = [...(health.required ?? []), 'drifted_field'];
    const dir = await mkdtemp(join(tmpdir(), 'flowdeck-prism-'));
    await writeFile(join(dir, 'openapi.json'), JSON.stringify(document));
    const proxy = await startValidatingProxy(join(dir, 'openapi.json'));
    let summary: Awaited<ReturnType<typeof proxy.stop>>;
    try {
      await proxy.ready;
      const upstream = { [UPSTREAM_HEADER]: await t.loopbackUrl() };
      const drifted = await fetch(`${proxy.url}/health`, { headers: upstream });
      expect(drifted.status).toBe(200);
      expect(responseViolations(drifted.headers.get('sl-violations'))).toEqual([
        expect.objectContaining({ location: ['response', 'body'], message: expect.stringContaining('drifted_field') }),
      ]);
      // A request-side finding (no credentials, which the document requires) is not drift.
      const refused = await fetch(`${proxy.url}/api/v1/agents`, { headers: upstream });
      expect(refused.status).toBe(401);
      expect(refused.headers.get('sl-violations')).toContain('"request"');
      expect(responseViolations(refused.headers.get('sl-violations'))).toEqual([]);
    } finally {
      summary = await proxy.stop();
      await rm(dir, { recursive: true, force: true });
    }
    expect(summary.validated).toBe(2);
    expect(summary.violations).toEqual([expect.stringContaining('drifted_field')]);
  }, 120_000);
});
