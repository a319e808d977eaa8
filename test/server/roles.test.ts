// Roles, workspace-limited credentials and API keys, through GraphQL and REST.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ApiKeysDocument,
  CreateApiKeyDocument,
  CreateWorkflowDocument,
  CreateWorkspaceDocument,
  CurrentWorkspaceDocument,
  ParseWorkflowDocument,
  RevokeApiKeyDocument,
  WorkflowsDocument,
  WorkspacesDocument,
} from '../gql/graphql.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { authEnv, mintToken } from '../support/auth.ts';
import { expectMember } from '../support/flows.ts';

let t: TestApp;
let admin: string;
let editor: string;
let viewer: string;
beforeAll(async () => {
  t = await startTestApp({}, authEnv);
  admin = await mintToken({ sub: 'ada', customer_id: 'roles-co', role: 'admin' });
  editor = await mintToken({ sub: 'ed', customer_id: 'roles-co' }); // role defaults to editor
  viewer = await mintToken({ sub: 'vi', customer_id: 'roles-co', role: 'viewer' });
});
afterAll(async () => {
  await t?.close();
});

const definition = { steps: [{ id: 'only', type: 'transform', expression: '$' }] };

async function rest(method: string, path: string, headers: Record<string, string>, body?: unknown) {
  const response = await t.app.fetch(
    new Request(`http://flowdeck.test${path}`, {
      method,
      headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    }),
  );
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function workflowNames(token: string): Promise<string[]> {
  return (await t.ok(WorkflowsDocument, { first: 100 }, { token })).workflows.edges.map((e) => e.node.name);
}

describe('roles', () => {
  it('a viewer reads but every change is refused, over GraphQL and REST, and nothing is written', async () => {
    await t.ok(CreateWorkflowDocument, { input: { name: 'Visible', definition } }, { token: editor });
    expect(await workflowNames(viewer)).toContain('Visible');

    const denied = await t.gql(CreateWorkflowDocument, { input: { name: 'By viewer', definition } }, { token: viewer });
    expect(denied.errors?.[0]).toMatchObject({ extensions: { code: 'FORBIDDEN' } });
    expect(denied.errors?.[0]?.message).toContain('needs the editor role');

    const v1 = await rest('POST', '/api/v1/agents', { authorization: `Bearer ${viewer}` }, { name: 'x', url: 'http://127.0.0.1:9/' });
    expect(v1.status).toBe(403);
    expect(v1.body).toMatchObject({ status_code: 403, error: 'Forbidden' });
    const v2 = await rest('POST', '/api/v2/workflows', { authorization: `Bearer ${viewer}` }, { name: 'x', definition: { nodes: [] } });
    expect(v2.status).toBe(403);
    expect(v2.body).toMatchObject({ success: false, status_code: 403 });
    expect(await workflowNames(editor)).not.toContain('By viewer');
  });

  it('a viewer may still call the mutations that only compute (parse, validate)', async () => {
    const parsed = await t.gql(ParseWorkflowDocument, { instruction: 'Every day at 9am send a report' }, { token: viewer });
    expect(parsed.errors).toBeUndefined();
    const parse = await rest(
      'POST',
      '/api/v2/workflows/parse',
      { authorization: `Bearer ${viewer}` },
      { instruction: 'Every day at 9am send a report' },
    );
    expect(parse.status).toBe(200);
  });

  it('only an admin creates workspaces; editors get a typed ForbiddenError', async () => {
    const byEditor = (await t.ok(CreateWorkspaceDocument, { input: { name: 'Ops', slug: 'ops' } }, { token: editor })).createWorkspace;
    expect(byEditor).toMatchObject({ __typename: 'ForbiddenError' });
    const byAdmin = (await t.ok(CreateWorkspaceDocument, { input: { name: 'Ops', slug: 'ops' } }, { token: admin })).createWorkspace;
    expect(byAdmin).toMatchObject({ __typename: 'Workspace', slug: 'ops' });
  });
});

describe('workspace-limited tokens', () => {
  it('a token listing workspaces may use only those: others are 403, the default is its first', async () => {
    await t.ok(CreateWorkspaceDocument, { input: { name: 'Limited', slug: 'limited' } }, { token: admin });
    const limited = await mintToken({ sub: 'lim', customer_id: 'roles-co', workspaces: ['limited'] });
    expect((await t.ok(CurrentWorkspaceDocument, {}, { token: limited })).currentWorkspace.slug).toBe('limited');
    const other = await t.gql(CurrentWorkspaceDocument, {}, { token: limited, workspaceSlug: 'default' });
    expect(other.status).toBe(403);
    expect(other.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const restOther = await rest('GET', '/api/v1/agents', { authorization: `Bearer ${limited}`, 'x-workspace-slug': 'default' });
    expect(restOther.status).toBe(403);
    expect((await t.ok(WorkspacesDocument, {}, { token: limited })).workspaces.map((w) => w.slug)).toEqual(['limited']);
  });

  it("another tenant's workspace id is answered exactly like one that does not exist", async () => {
    const ws = (await t.ok(CurrentWorkspaceDocument, {}, { token: admin })).currentWorkspace;
    const stranger = await mintToken({ sub: 's', customer_id: 'stranger-co', role: 'admin' });
    const theirs = await t.gql(CurrentWorkspaceDocument, {}, { token: stranger, workspaceId: ws.id });
    const missing = await t.gql(CurrentWorkspaceDocument, {}, { token: stranger, workspaceId: '00000000-0000-4000-8000-00000000dead' });
    expect(theirs.status).toBe(missing.status);
    expect(theirs.errors?.[0]?.extensions?.code).toBe(missing.errors?.[0]?.extensions?.code);
  });
});

describe('API keys', () => {
  it('an admin creates a key whose secret is shown once and stored only as a hash; it works as X-API-Key and Bearer', async () => {
    const created = expectMember(
      (await t.ok(CreateApiKeyDocument, { input: { name: 'ci', role: 'EDITOR' } }, { token: admin })).createApiKey,
      'CreatedApiKey',
    );
    expect(created.secret).toMatch(/^fdk_[\w-]{43}$/);
    expect(created.apiKey).toMatchObject({ name: 'ci', role: 'EDITOR', createdBy: 'ada', revokedAt: null, lastUsedAt: null });
    expect(created.secret.startsWith(created.apiKey.prefix)).toBe(true);

    const rows = await t.app.resources.db.prisma.apiKey.findMany();
    expect(JSON.stringify(rows)).not.toContain(created.secret);
    expect(JSON.stringify(rows)).not.toContain(created.secret.slice(12));

    expect((await t.ok(CurrentWorkspaceDocument, {}, { apiKey: created.secret })).currentWorkspace.slug).toBe('default');
    const viaBearer = await rest('GET', '/api/v1/agents', { authorization: `Bearer ${created.secret}` });
    expect(viaBearer.status).toBe(200);
    const viaHeader = await rest('GET', '/api/v2/workflows', { 'x-api-key': created.secret });
    expect(viaHeader.status).toBe(200);
    // Things made with a key are recorded as made by the key.
    const made = expectMember(
      (await t.ok(CreateWorkflowDocument, { input: { name: 'By key', definition } }, { apiKey: created.secret })).createWorkflow,
      'Workflow',
    );
    expect(made.name).toBe('By key');

    const listed = expectMember((await t.ok(ApiKeysDocument, {}, { token: admin })).apiKeys, 'QueryApiKeysSuccess').data;
    const mine = listed.find((k) => k.id === created.apiKey.id);
    expect(mine?.prefix).toBe(created.apiKey.prefix);
    expect(mine?.lastUsedAt).not.toBeNull();
    expect(JSON.stringify(listed)).not.toContain(created.secret);

    const revoked = expectMember((await t.ok(RevokeApiKeyDocument, { id: created.apiKey.id }, { token: admin })).revokeApiKey, 'ApiKey');
    expect(revoked.revokedAt).not.toBeNull();
    const after = await t.gql(CurrentWorkspaceDocument, {}, { apiKey: created.secret });
    expect(after.status).toBe(401);
    expect(after.errors?.[0]?.message).toContain('not valid');
  });

  it('only admins manage keys; a key never exceeds its role; unknown and expired keys are refused', async () => {
    const byEditor = (await t.ok(CreateApiKeyDocument, { input: { name: 'x', role: 'ADMIN' } }, { token: editor })).createApiKey;
    expect(byEditor).toMatchObject({ __typename: 'ForbiddenError', message: expect.stringContaining('needs the admin role') });
    expect((await t.ok(ApiKeysDocument, {}, { token: viewer })).apiKeys.__typename).toBe('ForbiddenError');

    const readOnly = expectMember(
      (await t.ok(CreateApiKeyDocument, { input: { name: 'ro', role: 'VIEWER' } }, { token: admin })).createApiKey,
      'CreatedApiKey',
    );
    const write = await t.gql(CreateWorkflowDocument, { input: { name: 'By ro key', definition } }, { apiKey: readOnly.secret });
    expect(write.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');

    expect((await t.gql(CurrentWorkspaceDocument, {}, { apiKey: 'fdk_not-a-real-key' })).status).toBe(401);
    const past = await t.ok(
      CreateApiKeyDocument,
      { input: { name: 'old', role: 'EDITOR', expiresAt: '2000-01-01T00:00:00Z' } },
      { token: admin },
    );
    expect(past.createApiKey).toMatchObject({ __typename: 'ValidationError' });
    const soon = expectMember(
      (
        await t.ok(
          CreateApiKeyDocument,
          { input: { name: 'soon', role: 'EDITOR', expiresAt: new Date(Date.now() + 60_000).toISOString() } },
          { token: admin },
        )
      ).createApiKey,
      'CreatedApiKey',
    );
    expect((await t.gql(CurrentWorkspaceDocument, {}, { apiKey: soon.secret })).status).toBe(200);
    // Its expiry passes (moved back in the row rather than waiting a minute).
    await t.app.resources.db.prisma.apiKey.updateMany({ where: { name: 'soon' }, data: { expiresAt: new Date(Date.now() - 1000) } });
    expect((await t.gql(CurrentWorkspaceDocument, {}, { apiKey: soon.secret })).status).toBe(401);
  });

  it('a key bound to a workspace acts there by default and may not use another', async () => {
    await t.ok(CreateWorkspaceDocument, { input: { name: 'Bound', slug: 'bound' } }, { token: admin });
    const bound = expectMember(
      (await t.ok(CreateApiKeyDocument, { input: { name: 'bound', role: 'EDITOR', workspace: 'bound' } }, { token: admin })).createApiKey,
      'CreatedApiKey',
    );
    expect(bound.apiKey.workspace?.slug).toBe('bound');
    expect((await t.ok(CurrentWorkspaceDocument, {}, { apiKey: bound.secret })).currentWorkspace.slug).toBe('bound');
    expect((await t.gql(CurrentWorkspaceDocument, {}, { apiKey: bound.secret, workspaceSlug: 'default' })).status).toBe(403);
  });

  it("a key of one tenant cannot be listed, revoked or used to reach another tenant's data", async () => {
    const key = expectMember(
      (await t.ok(CreateApiKeyDocument, { input: { name: 'mine', role: 'ADMIN' } }, { token: admin })).createApiKey,
      'CreatedApiKey',
    );
    const otherAdmin = await mintToken({ sub: 'o', customer_id: 'other-co', role: 'admin' });
    const theirList = expectMember((await t.ok(ApiKeysDocument, {}, { token: otherAdmin })).apiKeys, 'QueryApiKeysSuccess').data;
    expect(theirList.map((k) => k.id)).not.toContain(key.apiKey.id);
    expect((await t.ok(RevokeApiKeyDocument, { id: key.apiKey.id }, { token: otherAdmin })).revokeApiKey.__typename).toBe('NotFoundError');
    await t.ok(CreateWorkflowDocument, { input: { name: 'Other tenant only', definition } }, { token: otherAdmin });
    const viaKey = (await t.ok(WorkflowsDocument, { first: 100 }, { apiKey: key.secret })).workflows.edges.map((e) => e.node.name);
    expect(viaKey).not.toContain('Other tenant only');
  });
});
