// Seed 002, /api/workflows: workflow definitions. Every documented example replayed, every
// answer checked against /openapi.json (by the REST client) and against the documented shape,
// workspace scoping by header and by query, validation without saving, and templates.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkflowDocument, WorkflowsDocument } from '../gql/graphql.ts';
import { dbId, expectMember } from '../support/flows.ts';
import type { RestClient } from '../support/rest.ts';
import type { TestApp } from '../support/app.ts';
import { DOCUMENTED_CREATE, expectDetail, expectWorkflow, type LegacyApp, startLegacyApp } from './legacy-fixtures.ts';

let app: LegacyApp;
let t: TestApp;
let rest: RestClient;
let counter = 0;
const unique = (prefix: string) => `${prefix}-${++counter}`;

beforeAll(async () => {
  app = await startLegacyApp();
  ({ t, rest } = app);
});
afterAll(async () => {
  await app?.close();
});

/** The stored canonical definition of a workflow, read through GraphQL. */
async function canonical(id: string): Promise<{ steps: Record<string, unknown>[]; inputs: unknown[]; outputs: unknown }> {
  const workflow = expectMember((await t.ok(WorkflowDocument, { id })).workflow, 'Workflow');
  return workflow.latestVersion?.definition as { steps: Record<string, unknown>[]; inputs: unknown[]; outputs: unknown };
}

describe('POST /api/workflows/ (documented WorkflowCreate)', () => {
  it('answers 201 with the WorkflowResponse echoing steps, variables and metadata', async () => {
    const response = await rest.post('/api/workflows/', DOCUMENTED_CREATE);
    expect(response.status, response.text).toBe(201);
    const wf = response.body;
    expectWorkflow(wf);
    expect(wf).toMatchObject({
      name: 'Sequential Task',
      description: 'A simple 3-step workflow',
      project_id: 'proj-docs',
      version: 1,
      is_active: true,
      config: {},
      timeout_seconds: 3600,
      max_retries: 3,
      metadata: { source: 'docs/API.md' },
    });
    expect(
      wf.steps.map((s: { id: string; name: string; step_order: number; depends_on_steps: string[] }) => [
        s.id,
        s.name,
        s.step_order,
        s.depends_on_steps,
      ]),
    ).toEqual([
      ['prepare', 'prepare', 1, []],
      ['process', 'process', 2, ['prepare']],
      ['finalize', 'finalize', 3, ['process']],
    ]);
    expect(wf.steps[1]).toEqual({
      id: 'process',
      workflow_id: wf.id,
      name: 'process',
      step_type: 'task',
      step_order: 2,
      config: { processing_type: 'data_transformation' },
      timeout_seconds: 600,
      max_retries: 2,
      agent_definition_id: null,
      agent_instance_id: null,
      depends_on_steps: ['prepare'],
      condition_expression: null,
      metadata: {},
      // When this definition (version) was created.
      created_at: wf.steps[0].created_at,
      updated_at: wf.steps[0].created_at,
    });
    expect(Date.parse(wf.steps[0].created_at)).toBeGreaterThanOrEqual(Date.parse(wf.created_at));
    expect(wf.steps[2]).toMatchObject({ timeout_seconds: 120, max_retries: null });
    expect(wf.variables).toEqual([
      {
        id: 'input',
        workflow_id: wf.id,
        name: 'input',
        data_type: 'json',
        is_required: true,
        default_value: null,
        description: 'Input payload',
        metadata: {},
        created_at: wf.steps[0].created_at,
        updated_at: wf.steps[0].created_at,
      },
    ]);

    // Stored canonically: names resolved to step ids, timeouts and retries per step.
    const definition = await canonical(wf.id);
    expect(definition.steps.map((s) => [s.id, s.type, s.dependsOn, s.timeoutMs, s.retry])).toEqual([
      ['prepare', 'transform', [], 120_000, { maxRetries: 1, initialDelayMs: 1000, maxDelayMs: 30_000, backoffMultiplier: 2 }],
      ['process', 'transform', ['prepare'], 600_000, { maxRetries: 2, initialDelayMs: 1000, maxDelayMs: 30_000, backoffMultiplier: 2 }],
      ['finalize', 'transform', ['process'], 120_000, undefined],
    ]);
    expect(definition.inputs).toEqual([{ name: 'input', type: 'json', required: true, description: 'Input payload' }]);
  });

  it('applies the documented defaults and accepts `meta_data` for `metadata`', async () => {
    const response = await rest.post('/api/workflows/', {
      name: unique('minimal'),
      steps: [{ name: 'Only Step', step_type: 'task', step_order: 1, meta_data: { owner: 'ops' } }],
      meta_data: { team: 'data' },
    });
    expect(response.status, response.text).toBe(201);
    expect(response.body).toMatchObject({
      project_id: null,
      description: null,
      config: {},
      timeout_seconds: 3600,
      max_retries: 3,
      metadata: { team: 'data' },
      variables: [],
    });
    // A name that is not an id is slugged; `depends_on_steps` keeps naming it.
    expect(response.body.steps[0]).toMatchObject({ id: 'only_step', name: 'Only Step', metadata: { owner: 'ops' }, depends_on_steps: [] });
  });

  it('400 names every problem of the definition and saves nothing; 409 for a taken name', async () => {
    const before = (await rest.get('/api/workflows/?limit=100')).body.total;
    const refused = await rest.post('/api/workflows/', {
      name: unique('broken'),
      steps: [
        { name: 'a', step_type: 'task', step_order: 1, depends_on_steps: ['nope'] },
        { name: 'b', step_type: 'agent', step_order: 2, config: { agent_name: 'NoSuchAgent' } },
      ],
    });
    expectDetail(refused, 400, /^Workflow validation failed: /);
    expect(refused.body.detail).toMatch(/steps\[0\]\.depends_on_steps: step "nope" does not exist/);
    expect(refused.body.detail).toMatch(/NoSuchAgent/);
    expect((await rest.get('/api/workflows/?limit=100')).body.total).toBe(before);

    const noSteps = await rest.post('/api/workflows/', { name: unique('empty') });
    expectDetail(noSteps, 400, /^Workflow validation failed: steps/);

    const shape = await rest.post('/api/workflows/', { name: '', steps: 'x', max_retries: 11 });
    expect(shape.status).toBe(400);
    expect(shape.body.detail.map((d: { loc: unknown[] }) => d.loc)).toEqual([
      ['body', 'name'],
      ['body', 'max_retries'],
      ['body', 'steps'],
    ]);

    const name = unique('taken');
    await app.create({ ...DOCUMENTED_CREATE, name });
    expectDetail(await rest.post('/api/workflows/', { ...DOCUMENTED_CREATE, name }), 409, `Workflow name '${name}' already exists`);
  });
});

describe('GET /api/workflows/ (documented list)', () => {
  it('answers the documented WorkflowListResponse, filtered and paginated', async () => {
    const project = unique('proj');
    const first = await app.create({ ...DOCUMENTED_CREATE, name: unique('listed'), project_id: project });
    const second = await app.create({ ...DOCUMENTED_CREATE, name: unique('listed'), project_id: project });
    const off = await app.create({ ...DOCUMENTED_CREATE, name: unique('listed'), project_id: project });
    expect((await rest.patch(`/api/workflows/${off.id}`, { is_active: false })).status).toBe(200);

    // The documented request.
    const listed = await rest.get(`/api/workflows/?skip=0&limit=10&project_id=${project}&is_active=true`);
    expect(listed.status, listed.text).toBe(200);
    expect(Object.keys(listed.body).sort()).toEqual(['items', 'limit', 'skip', 'total']);
    expect(listed.body).toMatchObject({ total: 2, skip: 0, limit: 10 });
    expect(listed.body.items.map((w: { id: string }) => w.id)).toEqual([first.id, second.id]);
    for (const item of listed.body.items) expectWorkflow(item, 'item');
    expect(listed.body.items[0]).toEqual(first);

    const inactive = await rest.get(`/api/workflows/?project_id=${project}&is_active=false`);
    expect(inactive.body.items.map((w: { id: string }) => w.id)).toEqual([off.id]);
    const page = await rest.get(`/api/workflows/?project_id=${project}&skip=1&limit=1`);
    expect(page.body).toMatchObject({ total: 3, skip: 1, limit: 1 });
    expect(page.body.items.map((w: { id: string }) => w.id)).toEqual([second.id]);
    const defaults = await rest.get('/api/workflows/');
    expect(defaults.body).toMatchObject({ skip: 0, limit: 10 });

    for (const bad of ['limit=0', 'limit=101', 'skip=-1', 'is_active=maybe']) {
      const refused = await rest.get(`/api/workflows/?${bad}`);
      expect(refused.status, bad).toBe(400);
      expect(refused.body.detail[0].loc[0]).toBe('query');
    }
  });
});

describe('GET / PATCH / DELETE /api/workflows/{workflow_id}', () => {
  it('gets the workflow, with or without its steps; 404 in the documented format', async () => {
    const wf = await app.create({ ...DOCUMENTED_CREATE, name: unique('get-me') });
    const got = await rest.get(`/api/workflows/${wf.id}`);
    expect(got.status).toBe(200);
    expect(got.body).toEqual(wf);
    const bare = await rest.get(`/api/workflows/${wf.id}?include_steps=false`);
    expect(bare.body).toEqual({ ...wf, steps: [], variables: [] });
    expectDetail(await rest.get('/api/workflows/00000000-0000-4000-8000-00000000dead'), 404, 'Workflow not found');
  });

  it('updates metadata only; steps and version stay', async () => {
    const wf = await app.create({ ...DOCUMENTED_CREATE, name: unique('patch-me') });
    const name = unique('patched');
    const patched = await rest.patch(`/api/workflows/${wf.id}`, {
      name,
      description: 'Now documented',
      config: { retries: 'fast' },
      timeout_seconds: 60,
      max_retries: 0,
      is_active: false,
      meta_data: { source: 'patch' },
    });
    expect(patched.status, patched.text).toBe(200);
    expect(patched.body).toMatchObject({
      id: wf.id,
      name,
      description: 'Now documented',
      config: { retries: 'fast' },
      timeout_seconds: 60,
      max_retries: 0,
      is_active: false,
      metadata: { source: 'patch' },
      version: 1,
      steps: wf.steps,
      variables: wf.variables,
    });
    const again = await rest.patch(`/api/workflows/${wf.id}`, { is_active: true, metadata: { source: 'again' } });
    expect(again.body).toMatchObject({ name, is_active: true, metadata: { source: 'again' } });

    const other = await app.create({ ...DOCUMENTED_CREATE, name: unique('other') });
    expectDetail(await rest.patch(`/api/workflows/${other.id}`, { name }), 409, `Workflow name '${name}' already exists`);
    const bad = await rest.patch(`/api/workflows/${wf.id}`, { timeout_seconds: 'soon' });
    expect(bad.status).toBe(400);
    expect(bad.body.detail[0]).toMatchObject({ loc: ['body', 'timeout_seconds'] });
    expectDetail(await rest.patch('/api/workflows/00000000-0000-4000-8000-00000000dead', { name: 'x' }), 404, 'Workflow not found');
  });

  it('deletes: gone from GET and the list, the name free again', async () => {
    const wf = await app.create({ ...DOCUMENTED_CREATE, name: unique('delete-me') });
    const deleted = await rest.delete(`/api/workflows/${wf.id}`);
    expect(deleted.status, deleted.text).toBe(200);
    expect(deleted.body).toEqual({ status: 'deleted', workflow_id: wf.id });
    expectDetail(await rest.get(`/api/workflows/${wf.id}`), 404, 'Workflow not found');
    expectDetail(await rest.delete(`/api/workflows/${wf.id}`), 404, 'Workflow not found');
    const listed = await rest.get('/api/workflows/?limit=100');
    expect(listed.body.items.map((w: { id: string }) => w.id)).not.toContain(wf.id);
    await app.create({ ...DOCUMENTED_CREATE, name: wf.name });
  });
});

describe('workspace scoping', () => {
  it('selects the workspace by header or query; another workspace does not see the workflow', async () => {
    const ws = await app.workspace(unique('team'));
    const byHeader = await app.create({ ...DOCUMENTED_CREATE, name: unique('scoped') }, { 'X-Workspace-Id': ws.id });
    // REST names workspaces by database id; GraphQL's is the global id.
    expect(byHeader.workspace_id).toBe(dbId(ws.id));
    const byQuery = await rest.post(`/api/workflows/?workspace_slug=${ws.slug}`, { ...DOCUMENTED_CREATE, name: unique('scoped') });
    expect(byQuery.status).toBe(201);
    expect(byQuery.body.workspace_id).toBe(dbId(ws.id));

    const ids = (body: { items: { id: string }[] }) => body.items.map((w) => w.id);
    const scopes: { url: string; headers: Record<string, string> }[] = [
      { url: '/api/workflows/?limit=100', headers: { 'X-Workspace-Id': ws.id } },
      { url: '/api/workflows/?limit=100', headers: { 'X-Workspace-Slug': ws.slug } },
      { url: `/api/workflows/?limit=100&workspace_id=${ws.id}`, headers: {} },
      { url: `/api/workflows/?limit=100&workspace_slug=${ws.slug}`, headers: {} },
    ];
    for (const scope of scopes) {
      const listed = await rest.get(scope.url, { headers: scope.headers });
      expect(ids(listed.body), JSON.stringify(scope)).toEqual([byHeader.id, byQuery.body.id]);
    }
    // The default workspace sees neither.
    expect(ids((await rest.get('/api/workflows/?limit=100')).body)).not.toContain(byHeader.id);
    expectDetail(await rest.get(`/api/workflows/${byHeader.id}`), 404, 'Workflow not found');
    expect((await rest.get(`/api/workflows/${byHeader.id}?workspace_slug=${ws.slug}`)).status).toBe(200);
    expectDetail(await rest.delete(`/api/workflows/${byHeader.id}`), 404, 'Workflow not found');
    // An unknown workspace is the documented 400 (invalid workspace scoping).
    const unknown = await rest.get('/api/workflows/', { headers: { 'X-Workspace-Slug': 'no-such-team' } });
    expectDetail(unknown, 400, /no-such-team/);
  });
});

describe('POST /api/workflows/validate', () => {
  it('validates the documented definition, and lists every problem of a broken one, saving nothing', async () => {
    const count = async () => (await t.ok(WorkflowsDocument, { first: 1 })).workflows.totalCount;
    const before = await count();
    const valid = await rest.post('/api/workflows/validate', { ...DOCUMENTED_CREATE, name: unique('checked') });
    expect(valid.status, valid.text).toBe(200);
    expect(valid.body).toEqual({ is_valid: true, errors: [], warnings: [] });

    const invalid = await rest.post('/api/workflows/validate', {
      name: unique('checked'),
      steps: [
        { name: 'Load Data', step_type: 'task', step_order: 1, depends_on_steps: ['Missing Step'] },
        { name: 'call', step_type: 'agent', step_order: 2, depends_on_steps: ['Load Data'], config: { agent_name: 'NoSuchAgent' } },
        { name: 'x', step_type: 'task', step_order: 3, depends_on_steps: ['y'] },
        { name: 'y', step_type: 'task', step_order: 4, depends_on_steps: ['x'] },
      ],
    });
    expect(invalid.status, invalid.text).toBe(200);
    expect(invalid.body.is_valid).toBe(false);
    expect(invalid.body.warnings).toEqual([]);
    const errors = invalid.body.errors as { step_id: string | null; step_name: string | null; error_type: string; message: string }[];
    expect(errors.find((e) => /Missing Step/.test(e.message))).toMatchObject({
      step_id: 'load_data',
      step_name: 'Load Data',
      error_type: 'validation_error',
    });
    expect(errors.find((e) => /NoSuchAgent/.test(e.message))).toMatchObject({ step_id: 'call', step_name: 'call' });
    expect(errors.some((e) => /cycle/i.test(e.message))).toBe(true);
    expect(await count()).toBe(before);

    const shape = await rest.post('/api/workflows/validate', { steps: [] });
    expect(shape.status).toBe(400);
    expect(shape.body.detail).toEqual([expect.objectContaining({ type: 'missing', loc: ['body', 'name'] })]);
  });
});

describe('GET /api/workflows/templates', () => {
  it('lists the built-in templates as WorkflowCreate bodies that create the same workflows', async () => {
    const listed = await rest.get('/api/workflows/templates');
    expect(listed.status, listed.text).toBe(200);
    const templates = listed.body as { id: string; steps: { name: string; metadata: Record<string, unknown> }[]; agents: string[] }[];
    expect(templates.map((x) => x.id)).toEqual([
      'sequential',
      'parallel-fan-out',
      'conditional-branch',
      'human-approval',
      'etl-with-retries',
    ]);
    const parallel = templates.find((x) => x.id === 'parallel-fan-out');
    expect(parallel?.steps.map((s) => [s.name, (s as unknown as { step_order: number }).step_order])).toEqual([
      ['split', 1],
      ['count', 2],
      ['sum', 2],
      ['min', 2],
      ['max', 2],
      ['combine', 3],
    ]);

    const { WorkflowTemplatesDocument, CreateAgentDocument } = await import('../gql/graphql.ts');
    // The ETL template names placeholder agents; register agents under those names.
    for (const name of templates.flatMap((x) => x.agents)) {
      await t.ok(CreateAgentDocument, { input: { name, url: 'http://127.0.0.1:9', timeoutMs: 1000 } });
    }
    // REST names templates by slug; GraphQL's `id` is the global id.
    const originals = new Map((await t.ok(WorkflowTemplatesDocument, {})).workflowTemplates.map((x) => [x.slug, x.definition]));
    const withoutNames = (definition: unknown) => {
      const d = definition as { steps: Record<string, unknown>[] };
      return { ...d, steps: d.steps.map(({ name: _name, ...step }) => step) };
    };
    for (const template of templates) {
      const { id, category: _c, tags: _t, agents: _a, ...body } = template as unknown as Record<string, unknown>;
      const created = await app.create({ ...body, name: unique(String(id)) });
      expect(created.metadata).toEqual({ template_id: id });
      expect(withoutNames(await canonical(created.id)), String(id)).toEqual(withoutNames(originals.get(String(id))));
    }
  });
});
