import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AgentDocument,
  AgentsDocument,
  CreateAgentDocument,
  CreateWorkflowDocument,
  CreateWorkspaceDocument,
  CurrentWorkspaceDocument,
  NodeDocument,
  UpdateAgentDocument,
  WorkflowDocument,
  WorkflowsDocument,
  WorkspacesDocument,
} from '../gql/graphql.ts';
import { startTestApp, type TestApp } from '../support/app.ts';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t?.close();
});

const definition = { steps: [{ id: 'only', type: 'transform', expression: '$' }] };

describe('workspace scoping', () => {
  it('acts in the default workspace when none is named', async () => {
    const data = await t.ok(CurrentWorkspaceDocument);
    expect(data.currentWorkspace.slug).toBe('default');
  });

  it('selects a workspace by X-Workspace-Slug, X-Workspace-Id or the query parameters', async () => {
    const created = await t.ok(CreateWorkspaceDocument, { input: { name: 'Team A', slug: 'team-a' } });
    if (created.createWorkspace.__typename !== 'Workspace') throw new Error('expected workspace');
    const { id } = created.createWorkspace;
    expect((await t.ok(CurrentWorkspaceDocument, {}, { workspaceSlug: 'team-a' })).currentWorkspace.id).toBe(id);
    expect((await t.ok(CurrentWorkspaceDocument, {}, { workspaceId: id })).currentWorkspace.slug).toBe('team-a');
    const viaQuery = await t.app.fetch(
      new Request('http://flowdeck.test/graphql?workspace_slug=team-a', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ currentWorkspace { slug } }' }),
      }),
    );
    expect(await viaQuery.json()).toEqual({ data: { currentWorkspace: { slug: 'team-a' } } });
  });

  it('createWorkspace reports bad input and duplicate slugs as typed errors, writing nothing', async () => {
    const before = (await t.ok(WorkspacesDocument)).workspaces.length;
    const bad = (await t.ok(CreateWorkspaceDocument, { input: { name: ' ', slug: 'Not A Slug!' } })).createWorkspace;
    expect(bad.__typename).toBe('ValidationError');
    expect(bad.__typename === 'ValidationError' && bad.message).toContain('name: must not be empty');
    await t.ok(CreateWorkspaceDocument, { input: { name: 'Dup', slug: 'dup-slug' } });
    const dup = (await t.ok(CreateWorkspaceDocument, { input: { name: 'Dup again', slug: 'dup-slug' } })).createWorkspace;
    expect(dup).toMatchObject({ __typename: 'ConflictError', message: 'A workspace with slug "dup-slug" already exists' });
    expect((await t.ok(WorkspacesDocument)).workspaces.length).toBe(before + 1);
  });

  it('rejects an unknown workspace with a 400 naming it', async () => {
    const result = await t.gql(CurrentWorkspaceDocument, {}, { workspaceSlug: 'no-such-team' });
    expect(result.status).toBe(400);
    expect(result.errors?.[0]?.message).toContain('"no-such-team" not found');
    expect(result.errors?.[0]?.extensions?.code).toBe('WORKSPACE_NOT_FOUND');
  });

  it('makes objects of workspace A invisible (not found) from workspace B', async () => {
    await t.ok(CreateWorkspaceDocument, { input: { name: 'A', slug: 'iso-a' } });
    await t.ok(CreateWorkspaceDocument, { input: { name: 'B', slug: 'iso-b' } });
    const a = { workspaceSlug: 'iso-a' };
    const b = { workspaceSlug: 'iso-b' };
    const agent = (await t.ok(CreateAgentDocument, { input: { name: 'secret-agent', url: 'http://127.0.0.1:9/' } }, a)).createAgent;
    const workflow = (await t.ok(CreateWorkflowDocument, { input: { name: 'Private flow', definition } }, a)).createWorkflow;
    if (agent.__typename !== 'Agent' || workflow.__typename !== 'Workflow') throw new Error('setup failed');

    // Reads from B: by id, by name/key, through node(), and in lists.
    expect((await t.ok(AgentDocument, { id: agent.id }, b)).agent.__typename).toBe('NotFoundError');
    expect((await t.ok(AgentDocument, { name: 'secret-agent' }, b)).agent.__typename).toBe('NotFoundError');
    expect((await t.ok(WorkflowDocument, { id: workflow.id }, b)).workflow.__typename).toBe('NotFoundError');
    expect((await t.ok(WorkflowDocument, { key: workflow.key }, b)).workflow.__typename).toBe('NotFoundError');
    expect((await t.ok(NodeDocument, { id: agent.id }, b)).node).toBeNull();
    expect((await t.ok(NodeDocument, { id: workflow.id }, b)).node).toBeNull();
    expect((await t.ok(AgentsDocument, {}, b)).agents.totalCount).toBe(0);
    expect((await t.ok(WorkflowsDocument, {}, b)).workflows.totalCount).toBe(0);

    // Writes from B cannot reach it either, and leave it unchanged.
    const update = await t.ok(UpdateAgentDocument, { id: agent.id, input: { description: 'hijacked' } }, b);
    expect(update.updateAgent.__typename).toBe('NotFoundError');
    const seen = (await t.ok(AgentDocument, { id: agent.id }, a)).agent;
    expect(seen.__typename === 'Agent' && seen.description).toBeNull();

    // The same name is free in B: names are unique per workspace.
    const twin = (await t.ok(CreateAgentDocument, { input: { name: 'secret-agent', url: 'http://127.0.0.1:9/' } }, b)).createAgent;
    expect(twin.__typename).toBe('Agent');
    // ...and A still sees only its own.
    expect((await t.ok(NodeDocument, { id: agent.id }, a)).node?.id).toBe(agent.id);
  });
});
