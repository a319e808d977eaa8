// Authentication through the public surface: who may call, as whom, in which tenant and
// workspace, and what each dialect answers when they may not.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFlowdeckRequest } from '../../sdk/src/request.ts';
import {
  CreateApiKeyDocument,
  CreateWorkflowDocument,
  CreateWorkspaceDocument,
  CurrentWorkspaceDocument,
  ExecuteWorkflowDocument,
  WorkflowsDocument,
  WorkspacesDocument,
} from '../gql/graphql.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { authEnv, bearer, mintToken } from '../support/auth.ts';
import { dbId, expectMember } from '../support/flows.ts';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({}, authEnv);
});
afterAll(async () => {
  await t?.close();
});

async function rest(method: string, path: string, headers: Record<string, string> = {}, body?: unknown) {
  const response = await t.app.fetch(
    new Request(`http://flowdeck.test${path}`, {
      method,
      headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    }),
  );
  const text = await response.text();
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: response.status, headers: response.headers, body: json as Record<string, unknown> | null, text };
}

describe('without credentials (AUTH_MODE=required)', () => {
  it('GraphQL answers 401 with a standard UNAUTHENTICATED error', async () => {
    const result = await t.gql(WorkflowsDocument, {});
    expect(result.status).toBe(401);
    expect(result.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(result.errors?.[0]?.message).toMatch(/Authorization: Bearer|X-API-Key/);
  });

  it('every REST dialect answers 401 in its own error shape, with WWW-Authenticate', async () => {
    for (const path of ['/api/v1/agents', '/api/v1/workflows/runs', '/api/workflows/', '/workflows/workflow-1']) {
      const answer = await rest('GET', path);
      expect(answer.status, path).toBe(401);
      expect(answer.headers.get('www-authenticate')).toBe('Bearer');
      expect(answer.body).toMatchObject({ status_code: 401, error: 'Unauthorized', path });
      expect(String(answer.body?.detail)).toContain('Not authenticated');
    }
    const v2 = await rest('GET', '/api/v2/workflows');
    expect(v2.status).toBe(401);
    expect(v2.body).toMatchObject({ success: false, status_code: 401 });
    expect(String(v2.body?.error)).toContain('Not authenticated');
  });

  it('health, readiness, seed 003 health and the docs stay open; /metrics does not', async () => {
    for (const path of ['/health', '/health/ready', '/api/v2/workflows/health', '/docs', '/openapi.json']) {
      expect((await rest('GET', path)).status, path).toBe(200);
    }
    expect((await rest('GET', '/metrics')).status).toBe(401);
  });

  it('a mutation without credentials changes nothing', async () => {
    const denied = await t.gql(CreateWorkspaceDocument, { input: { name: 'Nope', slug: 'nope' } });
    expect(denied.status).toBe(401);
    const token = await mintToken({ sub: 'root', customer_id: '00000000-0000-4000-8000-000000000001', role: 'admin' });
    const slugs = (await t.ok(WorkspacesDocument, {}, { token })).workspaces.map((w) => w.slug);
    expect(slugs).not.toContain('nope');
  });
});

describe('bearer tokens', () => {
  it('refuses bad tokens with a reason, never echoing the token', async () => {
    const now = { sub: 'u', customer_id: 'acme' };
    const cases: [string, string, RegExp][] = [
      ['bad signature', await mintToken(now, { secret: 'another-secret-another-secret-0123' }), /signature/],
      ['expired beyond the leeway', await mintToken(now, { expiresIn: -120 }), /expired/],
      ['not valid yet', await mintToken(now, { notBefore: 600 }), /not valid yet/],
      ['no customer_id', await mintToken({ sub: 'u' }), /customer_id/],
      ['no sub', await mintToken({ customer_id: 'acme' }), /sub/],
      ['unknown role', await mintToken({ ...now, role: 'owner' }), /role/],
      ['not a JWT', 'garbage', /not a JWT|malformed/],
    ];
    for (const [what, token, reason] of cases) {
      const result = await t.gql(CurrentWorkspaceDocument, {}, { token });
      expect(result.status, what).toBe(401);
      expect(result.errors?.[0]?.message, what).toMatch(reason);
      expect(result.errors?.[0]?.message, what).not.toContain(token);
    }
  });

  it('accepts a token expired within the 30 s clock leeway', async () => {
    const token = await mintToken({ sub: 'u', customer_id: 'acme' }, { expiresIn: -5 });
    expect((await t.gql(CurrentWorkspaceDocument, {}, { token })).status).toBe(200);
  });

  it('refuses unsigned tokens (alg none)', async () => {
    const header = Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url');
    const payload = Buffer.from(JSON.stringify({ sub: 'u', customer_id: 'acme', exp: 9e9 })).toString('base64url');
    const result = await t.gql(CurrentWorkspaceDocument, {}, { token: `${header}.${payload}.` });
    expect(result.status).toBe(401);
  });

  it('creates the tenant (with its default workspace) the first time a valid token names it', async () => {
    const token = await mintToken({ sub: 'first', customer_id: 'brand-new-tenant' });
    const row = () => t.app.resources.db.prisma.tenant.findUnique({ where: { id: 'brand-new-tenant' } });
    expect(await row()).toBeNull();
    expect((await t.ok(CurrentWorkspaceDocument, {}, { token })).currentWorkspace.slug).toBe('default');
    expect(await row()).not.toBeNull();
  });

  it('records the token subject as creator, trigger and canceller, whatever the body claims', async () => {
    const token = await mintToken({ sub: 'alice@example.com', customer_id: 'acme' });
    const created = await rest('POST', '/api/v2/workflows', bearer(token), {
      name: 'Owned',
      definition: { nodes: [{ id: 'approve', type: 'approval', action: 'manager_approval', config: { signal: 'approved' } }] },
    });
    expect(created.status).toBe(201);
    expect((created.body?.workflow as Record<string, unknown>).created_by).toBe('alice@example.com');
    expect((created.body?.workflow as Record<string, unknown>).customer_id).toBe('acme');

    const input = { name: 'Waits', definition: { steps: [{ id: 'hold', type: 'wait', signal: 'go' }] } };
    const wf = expectMember((await t.ok(CreateWorkflowDocument, { input }, { token })).createWorkflow, 'Workflow');
    const row = await t.app.resources.db.prisma.workflow.findUnique({ where: { id: dbId(wf.id) } });
    expect(row?.createdBy).toBe('alice@example.com');
    const run = expectMember((await t.ok(ExecuteWorkflowDocument, { workflowId: wf.id }, { token })).executeWorkflow, 'Run');
    const runId = dbId(run.id);
    expect((await rest('GET', `/api/v1/runs/${runId}`, bearer(token))).body?.triggered_by).toBe('alice@example.com');
    const cancelled = await rest('POST', `/api/v1/runs/${runId}/cancel`, bearer(token), { cancelled_by: 'mallory' });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body?.cancelled_by).toBe('alice@example.com');
  });
});

describe("the SDK's client", () => {
  it('sends a token or an API key, and nothing without them', async () => {
    const fetchIn = (input: string, init: RequestInit) => t.app.fetch(new Request(input, init));
    const url = 'http://flowdeck.test/graphql';
    const token = await mintToken({ sub: 'sdk', customer_id: 'sdk-co', role: 'admin' });
    const withToken = createFlowdeckRequest({ url, token, fetch: fetchIn });
    expect((await withToken(CurrentWorkspaceDocument)).data?.currentWorkspace.slug).toBe('default');
    const created = await withToken(CreateApiKeyDocument, { input: { name: 'sdk', role: 'VIEWER' } });
    const secret = expectMember(created.data?.createApiKey, 'CreatedApiKey').secret;
    const withKey = createFlowdeckRequest({ url, apiKey: secret, workspace: 'default', fetch: fetchIn });
    expect((await withKey(CurrentWorkspaceDocument)).data?.currentWorkspace.slug).toBe('default');
    const anonymous = createFlowdeckRequest({ url, fetch: fetchIn });
    expect((await anonymous(CurrentWorkspaceDocument)).status).toBe(401);
  });
});
