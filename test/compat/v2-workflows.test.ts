// Seed 003 (/api/v2/workflows): health, parsing and workflow CRUD, every example request
// replayed in a valid order and checked for status and documented shape (and, through the
// OpenAPI-checking client, against /openapi.json), plus every documented error status.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateWorkspaceDocument, WorkflowDocument, WorkflowVersionsDocument } from '../gql/graphql.ts';
import { expectMember } from '../support/flows.ts';
import {
  BASE,
  DEPLOY_NOTIFICATION,
  expectFailure,
  expectWorkflow,
  startV2App,
  TENANT,
  UUID,
  type V2App,
  WEEKLY_SALES,
} from './v2-fixtures.ts';

let x: V2App;

beforeAll(async () => {
  x = await startV2App();
});
afterAll(async () => {
  await x?.close();
});

describe('GET /api/v2/workflows/health', () => {
  it('answers the documented body without a workspace lookup (public)', async () => {
    const before = Date.now();
    // An unknown workspace fails every other route with 400; the health check never looks it up.
    const response = await x.rest.get(`${BASE}/health`, { headers: { 'X-Workspace-Slug': 'no-such-workspace' } });
    expect(response.status, response.text).toBe(200);
    expect(response.body).toEqual({ status: 'ok', service: 'workflows-api-v2', version: '2.0.0', timestamp: expect.any(String) });
    expect(Date.parse(response.body.timestamp)).toBeGreaterThanOrEqual(before - 1000);
    const scoped = await x.rest.get(BASE, { headers: { 'X-Workspace-Slug': 'no-such-workspace' } });
    expect(scoped.status).toBe(400);
  });
});

describe('POST /api/v2/workflows/parse', () => {
  it('parses the documented example into the documented steps', async () => {
    const response = await x.rest.post(`${BASE}/parse`, {
      instruction: 'Every Monday at 9am, pull the latest sales data, generate a summary report, and email it to the sales team.',
      context: { availableTools: ['salesforce.query', 'email.send'] },
    });
    expect(response.status, response.text).toBe(200);
    const { workflow } = response.body;
    expect(response.body).toEqual({ success: true, workflow: expect.any(Object), parseTimeMs: expect.any(Number) });
    expect(Object.keys(workflow).sort()).toEqual(['confidence', 'description', 'name', 'source', 'steps', 'type', 'valid']);
    expect(workflow).toMatchObject({ type: 'generated', name: expect.stringMatching(/Sales/), source: 'deterministic' });
    expect(workflow.confidence).toBeGreaterThan(0.5);
    expect(workflow.confidence).toBeLessThanOrEqual(1);
    // The documented steps: tools as integration steps, the report as the workspace's agent.
    expect(
      workflow.steps.map((s: { id: string; type: string; action: string; input_from?: string }) => [s.id, s.type, s.action, s.input_from]),
    ).toEqual([
      ['step_1', 'integration', 'salesforce.query', undefined],
      ['step_2', 'agent', 'generate_report', 'step_1'],
      ['step_3', 'integration', 'email.send', 'step_2'],
    ]);
    // Every step names a registered agent or an available tool, so the workflow is valid.
    expect(workflow.valid).toBe(true);
    // A step without settings has no config, as step_2 in the example.
    expect(workflow.steps[1]).not.toHaveProperty('config');

    // The parsed steps are a definition this API accepts as they are.
    const created = await x.rest.post(BASE, { name: workflow.name, definition: { nodes: workflow.steps } });
    expect(created.status, created.text).toBe(201);
    expect((await x.rest.delete(`${BASE}/${created.body.workflow.id}`)).status).toBe(200);
  });

  it('answers 400 for an instruction shorter than 5 characters, or none', async () => {
    const short = await x.rest.post(`${BASE}/parse`, { instruction: 'hey' });
    expectFailure(short, 400);
    expect(short.body.detail).toEqual([expect.objectContaining({ loc: ['body', 'instruction'], type: 'string_too_short' })]);
    expectFailure(await x.rest.post(`${BASE}/parse`, {}), 400);
    expectFailure(await x.rest.post(`${BASE}/parse`, { instruction: 'pull the data', context: { availableTools: 'salesforce' } }), 400);
  });
});

describe('workflow CRUD', () => {
  let deploy: { id: string };
  let weekly: { id: string };

  it('POST / creates the documented example (201), echoing the definition as posted', async () => {
    const response = await x.rest.post(BASE, DEPLOY_NOTIFICATION);
    expect(response.status, response.text).toBe(201);
    expect(response.body.success).toBe(true);
    const { workflow } = response.body;
    expectWorkflow(workflow);
    expect(workflow).toEqual({
      id: expect.stringMatching(UUID),
      customer_id: TENANT,
      name: 'Deploy Notification',
      description: 'Notify the team when a deployment completes',
      definition: DEPLOY_NOTIFICATION.definition,
      version: '1.0.0',
      status: 'active',
      created_by: null,
      created_at: workflow.created_at,
      updated_at: workflow.updated_at,
    });
    // The documented key order.
    expect(Object.keys(workflow)).toEqual([
      'id',
      'customer_id',
      'name',
      'description',
      'definition',
      'version',
      'status',
      'created_by',
      'created_at',
      'updated_at',
    ]);
    deploy = workflow;
    weekly = await x.create({ ...WEEKLY_SALES, version: '2.3.0' });
    expect(weekly).toMatchObject({ version: '2.3.0', definition: WEEKLY_SALES.definition });

    // GraphQL sees one workflow, its nodes converted: the condition gates the Slack step.
    const g = expectMember((await x.t.ok(WorkflowDocument, { id: deploy.id })).workflow, 'Workflow');
    expect(g).toMatchObject({ name: 'Deploy Notification', status: 'ACTIVE', currentVersion: 1 });
    expect(g.latestVersion).toMatchObject({ label: '1.0.0', sourceFormat: 'NODES', source: DEPLOY_NOTIFICATION.definition });
    const steps = (g.latestVersion?.definition as { steps: { id: string; type: string; onTrue?: string[] }[] }).steps;
    expect(steps.map((s) => [s.id, s.type])).toEqual([
      ['step_1', 'condition'],
      ['step_2', 'agent'],
    ]);
    expect(steps[0]?.onTrue).toEqual(['step_2']);
  });

  it('POST / answers 409 for a duplicate name in the tenant', async () => {
    const response = await x.rest.post(BASE, DEPLOY_NOTIFICATION);
    expectFailure(response, 409);
    expect(response.body.error).toMatch(/Deploy Notification/);
  });

  it('POST / answers 400 without a nodes array, with unknown agents, or a version that is not semver', async () => {
    const noNodes = await x.rest.post(BASE, { name: 'No nodes', definition: { steps: [] } });
    expectFailure(noNodes, 400);
    expect(noNodes.body.detail).toEqual([expect.objectContaining({ loc: ['body', 'definition', 'nodes'], type: 'missing' })]);
    expectFailure(await x.rest.post(BASE, { name: 'No definition' }), 400);
    expectFailure(await x.rest.post(BASE, { name: 'Nodes not a list', definition: { nodes: {} } }), 400);
    expectFailure(await x.rest.post(BASE, { definition: DEPLOY_NOTIFICATION.definition }), 400);
    const unknown = await x.rest.post(BASE, {
      name: 'Unknown tool',
      definition: { nodes: [{ id: 'a', type: 'integration', action: 'jira.create_issue' }] },
    });
    expectFailure(unknown, 400);
    expect(unknown.body.error).toMatch(/jira\.create_issue/);
    const badType = await x.rest.post(BASE, { name: 'Bad type', definition: { nodes: [{ id: 'a', type: 'teleport', action: 'x' }] } });
    expectFailure(badType, 400);
    expect(badType.body.error).toMatch(/unknown node type "teleport"/);
    const badVersion = await x.rest.post(BASE, { ...DEPLOY_NOTIFICATION, name: 'Bad version', version: 'one' });
    expectFailure(badVersion, 400);
    expect(badVersion.body.error).toMatch(/semantic version/);
    expectFailure(await x.rest.call('POST', BASE, { raw: '{"name": ' }), 400);
  });

  it('GET / lists the documented example, newest first, with the total count', async () => {
    const response = await x.rest.get(`${BASE}?status=active&limit=10`);
    expect(response.status, response.text).toBe(200);
    expect(response.body).toEqual({ success: true, workflows: expect.any(Array), count: 2 });
    for (const [i, w] of response.body.workflows.entries()) expectWorkflow(w, `workflows[${i}]`, false);
    expect(response.body.workflows.map((w: { id: string }) => w.id)).toEqual([weekly.id, deploy.id]);
    expect(response.body.workflows[0]).not.toHaveProperty('definition');
    expect(response.body.workflows[0]).toMatchObject({ name: 'Weekly Sales Report', customer_id: TENANT, version: '2.3.0' });

    const second = await x.rest.get(`${BASE}?limit=1&offset=1`);
    expect(second.body).toMatchObject({ count: 2, workflows: [{ id: deploy.id }] });
    expect((await x.rest.get(`${BASE}?status=archived`)).body).toEqual({ success: true, workflows: [], count: 0 });
    expect((await x.rest.get(BASE)).body.count).toBe(2);
    expectFailure(await x.rest.get(`${BASE}?status=deleted`), 400);
    expectFailure(await x.rest.get(`${BASE}?limit=0`), 400);
    expectFailure(await x.rest.get(`${BASE}?offset=-1`), 400);
  });

  it('GET /:id returns the full definition; 404 when not found', async () => {
    const response = await x.rest.get(`${BASE}/${weekly.id}`);
    expect(response.status, response.text).toBe(200);
    expect(response.body).toEqual({ success: true, workflow: weekly });
    expectFailure(await x.rest.get(`${BASE}/a1b2c3d4-e5f6-7890-abcd-ef1234567890`), 404);
  });

  it('is scoped to the caller’s workspace: another one neither lists nor reads nor changes it', async () => {
    expectMember((await x.t.ok(CreateWorkspaceDocument, { input: { name: 'Elsewhere', slug: 'elsewhere' } })).createWorkspace, 'Workspace');
    const headers = { 'X-Workspace-Slug': 'elsewhere' };
    expect((await x.rest.get(BASE, { headers })).body).toEqual({ success: true, workflows: [], count: 0 });
    expectFailure(await x.rest.get(`${BASE}/${weekly.id}`, { headers }), 404);
    expectFailure(await x.rest.patch(`${BASE}/${weekly.id}`, { name: 'Taken over' }, { headers }), 404);
    expectFailure(await x.rest.delete(`${BASE}/${weekly.id}`, { headers }), 404);
    expectFailure(await x.rest.post(`${BASE}/${weekly.id}/execute`, { inputs: {} }, { headers }), 404);
    expect((await x.rest.get(`${BASE}/${weekly.id}`)).body.workflow.name).toBe('Weekly Sales Report');
  });

  it('PATCH /:id answers the documented partial body; status, version and definition changes', async () => {
    const response = await x.rest.patch(`${BASE}/${weekly.id}`, { name: 'Weekly Sales & Marketing Report', status: 'active' });
    expect(response.status, response.text).toBe(200);
    expect(response.body).toEqual({
      success: true,
      workflow: { id: weekly.id, name: 'Weekly Sales & Marketing Report', status: 'active', updated_at: expect.any(String) },
    });

    const archived = await x.rest.patch(`${BASE}/${deploy.id}`, { status: 'archived' });
    expect(archived.body.workflow.status).toBe('archived');
    expect((await x.rest.get(`${BASE}?status=archived`)).body).toMatchObject({
      count: 1,
      workflows: [{ id: deploy.id, status: 'archived' }],
    });
    expect((await x.rest.get(`${BASE}?status=active`)).body).toMatchObject({ count: 1, workflows: [{ id: weekly.id }] });
    expect((await x.rest.patch(`${BASE}/${deploy.id}`, { status: 'active' })).body.workflow.status).toBe('active');

    // A new version string is a new version with the same definition.
    expect((await x.rest.patch(`${BASE}/${weekly.id}`, { version: '2.4.0' })).status).toBe(200);
    const relabelled = (await x.rest.get(`${BASE}/${weekly.id}`)).body.workflow;
    expect(relabelled).toMatchObject({ version: '2.4.0', definition: WEEKLY_SALES.definition, name: 'Weekly Sales & Marketing Report' });
    // A changed definition keeps the version string unless a new one is given.
    const definition = { ...WEEKLY_SALES.definition, nodes: WEEKLY_SALES.definition.nodes.slice(0, 2) };
    expect((await x.rest.patch(`${BASE}/${weekly.id}`, { definition })).status).toBe(200);
    expect((await x.rest.get(`${BASE}/${weekly.id}`)).body.workflow).toMatchObject({ version: '2.4.0', definition });
    expect((await x.rest.patch(`${BASE}/${weekly.id}`, { definition: WEEKLY_SALES.definition, version: '3.0.0' })).status).toBe(200);
    const latest = (await x.rest.get(`${BASE}/${weekly.id}`)).body.workflow;
    expect(latest).toMatchObject({ version: '3.0.0', definition: WEEKLY_SALES.definition });
    // The same label again changes nothing.
    expect((await x.rest.patch(`${BASE}/${weekly.id}`, { version: '3.0.0' })).status).toBe(200);

    const versions = expectMember(
      (await x.t.ok(WorkflowVersionsDocument, { id: weekly.id, first: 10, number: 1 })).workflow,
      'Workflow',
    ).versions.edges.map((e) => [e.node.version, e.node.label]);
    expect(versions).toEqual([
      [4, '3.0.0'],
      [3, '2.4.0'],
      [2, '2.4.0'],
      [1, '2.3.0'],
    ]);
  });

  it('PATCH /:id answers 409 for a taken name, 400 for invalid fields, 404 when not found', async () => {
    expectFailure(await x.rest.patch(`${BASE}/${weekly.id}`, { name: 'Deploy Notification' }), 409);
    expectFailure(await x.rest.patch(`${BASE}/${weekly.id}`, { status: 'deleted' }), 400);
    expectFailure(await x.rest.patch(`${BASE}/${weekly.id}`, { definition: { nodes: 'none' } }), 400);
    expectFailure(await x.rest.patch(`${BASE}/${weekly.id}`, { version: 'v2' }), 400);
    // Nothing was written by the refused requests.
    expect((await x.rest.get(`${BASE}/${weekly.id}`)).body.workflow).toMatchObject({ version: '3.0.0', status: 'active' });
    expectFailure(await x.rest.patch(`${BASE}/a1b2c3d4-e5f6-7890-abcd-ef1234567890`, { name: 'x' }), 404);
  });

  it('GET /:id/schema returns the JSON Schemas of the documented inputs and outputs', async () => {
    const response = await x.rest.get(`${BASE}/${weekly.id}/schema`);
    expect(response.status, response.text).toBe(200);
    expect(response.body).toEqual({
      success: true,
      schema: {
        inputs: {
          type: 'object',
          properties: {
            date_range: { type: 'string', description: 'Override the default date range', default: 'LAST_WEEK' },
            // Declared inputs carry no item schema, so `items` is not repeated here.
            recipients: { type: 'array', description: 'Override default email recipients' },
          },
          additionalProperties: true,
        },
        outputs: {
          type: 'object',
          properties: { email_sent: { type: 'boolean' }, report: { type: 'string' } },
          required: ['email_sent', 'report'],
          additionalProperties: false,
        },
      },
    });
    expectFailure(await x.rest.get(`${BASE}/a1b2c3d4-e5f6-7890-abcd-ef1234567890/schema`), 404);
  });

  it('DELETE /:id deletes the workflow (the documented message); 404 afterwards', async () => {
    const response = await x.rest.delete(`${BASE}/${deploy.id}`);
    expect(response.status, response.text).toBe(200);
    expect(response.body).toEqual({ success: true, message: 'Workflow deleted successfully' });
    expectFailure(await x.rest.get(`${BASE}/${deploy.id}`), 404);
    expectFailure(await x.rest.delete(`${BASE}/${deploy.id}`), 404);
    // Gone everywhere, not soft-deleted: GraphQL does not find it either, and the name is free.
    expect((await x.t.ok(WorkflowDocument, { id: deploy.id })).workflow?.__typename).toBe('NotFoundError');
    expect((await x.rest.get(BASE)).body.count).toBe(1);
    expect((await x.rest.post(BASE, DEPLOY_NOTIFICATION)).status).toBe(201);
  });
});
