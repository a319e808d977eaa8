// Seed 004's Workflow Management endpoints, replayed as documented: create, list (every
// filter and sort), get, update (with versions), soft delete and the versions listing, with
// every documented error. Every REST answer goes through the OpenAPI-checking client.
// Execution, and the same workflows seen from GraphQL: v1-workflows-execute.test.ts.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestAgent } from '../support/agents.ts';
import { startTestApp } from '../support/app.ts';
import { type Body, type RestClient, restClient } from '../support/rest.ts';
import {
  DATA_PIPELINE,
  ETL,
  ETL_EXAMPLE,
  single,
  startWorkflowApp,
  UUID,
  WITH_VALIDATION,
  type WorkflowApp,
} from './v1-workflow-fixtures.ts';

let shared: WorkflowApp;
let rest: RestClient;
let echo: TestAgent;
const created = (body: object) => shared.created(body);

beforeAll(async () => {
  shared = await startWorkflowApp();
  ({ rest, echo } = shared);
});
afterAll(async () => {
  await shared?.close();
});

describe('POST /api/v1/workflows', () => {
  it('creates the documented ETL workflow: version 1, active, workflow_data as posted', async () => {
    const response = await rest.post('/api/v1/workflows', ETL);
    expect(response.status, response.text).toBe(201);
    expect(response.body).toEqual({
      id: expect.stringMatching(UUID),
      name: 'data-processing-pipeline',
      description: 'ETL pipeline for data processing',
      version: 1,
      workflow_data: { start_step: 'extract', steps: ETL.steps },
      status: 'active',
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });
    expect(new Date(response.body.created_at).toISOString()).toBe(response.body.created_at);
    // Read by id, it also carries seed 000's descriptor fields (test/compat/history.test.ts).
    expect((await rest.get(`/api/v1/workflows/${response.body.id}`)).body).toMatchObject(response.body);

    // The documented example request reuses the name: names are unique (400, as the seed answers duplicates).
    const duplicate = await rest.post('/api/v1/workflows', ETL_EXAMPLE);
    expect(duplicate.status).toBe(400);
    expect(duplicate.body.detail).toBe("Workflow name 'data-processing-pipeline' already exists");

    const example = await created({ ...ETL_EXAMPLE, name: 'data-processing-pipeline-example' });
    expect(example.workflow_data).toEqual({ start_step: 'extract', steps: ETL_EXAMPLE.steps });
    expect((await created(DATA_PIPELINE)).version).toBe(1);
  });

  it('answers 422 with pydantic-style details for request-shape errors', async () => {
    const missing = await rest.post('/api/v1/workflows', { description: 'no name, no steps' });
    expect(missing.status).toBe(422);
    expect(missing.body.detail).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: 'missing', loc: ['body', 'name'], msg: 'Field required' }),
        expect.objectContaining({ type: 'missing', loc: ['body', 'start_step'] }),
        expect.objectContaining({ type: 'missing', loc: ['body', 'steps'] }),
      ]),
    );
    const long = await rest.post('/api/v1/workflows', { ...single('x'), name: 'n'.repeat(256) });
    expect(long.status).toBe(422);
    expect(long.body.detail).toEqual([expect.objectContaining({ type: 'string_too_long', loc: ['body', 'name'] })]);
    const empty = await rest.post('/api/v1/workflows', { ...single('x'), name: '' });
    expect(empty.body.detail).toEqual([expect.objectContaining({ type: 'string_too_short', loc: ['body', 'name'] })]);

    const noAgent = await rest.post('/api/v1/workflows', {
      ...single('no-agent-name'),
      steps: { only: { id: 'only', next_step: null, input_mapping: {} } },
    });
    expect(noAgent.status).toBe(422);
    expect(noAgent.body.detail).toEqual([expect.objectContaining({ type: 'missing', loc: ['body', 'steps', 'only', 'agent_name'] })]);

    const notJson = await rest.call('POST', '/api/v1/workflows', { raw: '{"name": ' });
    expect(notJson.status).toBe(422);
  });

  it('refuses with 400 an unknown or inactive agent, a cycle, an unreachable step or a missing start step', async () => {
    const unknown = await rest.post('/api/v1/workflows', single('ghostly', 'NonExistentAgent'));
    expect(unknown.status).toBe(400);
    expect(unknown.body.detail).toBe("Agent 'NonExistentAgent' not found or inactive");

    expect((await rest.post('/api/v1/agents', { name: 'SleepyAgent', url: echo.url })).status).toBe(201);
    const sleepy = (await rest.get('/api/v1/agents?name=SleepyAgent')).body.items[0];
    expect((await rest.put(`/api/v1/agents/${sleepy.id}`, { status: 'inactive' })).status).toBe(200);
    const inactive = await rest.post('/api/v1/workflows', single('sleepy', 'SleepyAgent'));
    expect(inactive.status).toBe(400);
    expect(inactive.body.detail).toBe("Agent 'SleepyAgent' not found or inactive");

    const a = (next: string | null) => ({ id: 'a', agent_name: 'DataExtractorAgent', next_step: next, input_mapping: {} });
    const b = (next: string | null) => ({ id: 'b', agent_name: 'DataExtractorAgent', next_step: next, input_mapping: {} });
    const cycle = await rest.post('/api/v1/workflows', { name: 'loop', start_step: 'a', steps: { a: a('b'), b: b('a') } });
    expect(cycle.status).toBe(400);
    expect(cycle.body.detail).toBe('Invalid workflow: cycle: a → b → a');

    const unreachable = await rest.post('/api/v1/workflows', { name: 'island', start_step: 'a', steps: { a: a(null), b: b(null) } });
    expect(unreachable.status).toBe(400);
    expect(unreachable.body.detail).toMatch(/"b" is unreachable/);

    const noStart = await rest.post('/api/v1/workflows', { name: 'nostart', start_step: 'zz', steps: { a: a(null) } });
    expect(noStart.status).toBe(400);
    expect(noStart.body.detail).toMatch(/start_step "zz" does not name a step/);

    const badNext = await rest.post('/api/v1/workflows', { name: 'badnext', start_step: 'a', steps: { a: a('nowhere') } });
    expect(badNext.status).toBe(400);
    expect(badNext.body.detail).toMatch(/next_step "nowhere" does not exist/);

    // None of the refused ones was stored.
    const names = ['ghostly', 'sleepy', 'loop', 'island', 'nostart', 'badnext'];
    for (const name of names) expect((await rest.get(`/api/v1/workflows?name=${name}`)).body.total, name).toBe(0);
  });
});

describe('GET, PUT and versions', () => {
  it('keeps id and version when only description or status change', async () => {
    const wf = await created(single('describe-me'));
    // The documented example request.
    const response = await rest.put(`/api/v1/workflows/${wf.id}`, {
      description: 'Updated ETL pipeline with validation',
      status: 'active',
    });
    expect(response.status, response.text).toBe(200);
    expect(response.body).toMatchObject({ id: wf.id, version: 1, status: 'active', description: 'Updated ETL pipeline with validation' });
    expect(response.body.workflow_data).toEqual(wf.workflow_data);
    expect(new Date(response.body.updated_at).getTime()).toBeGreaterThanOrEqual(new Date(wf.updated_at).getTime());

    const off = await rest.put(`/api/v1/workflows/${wf.id}`, { status: 'inactive' });
    expect(off.body).toMatchObject({ id: wf.id, version: 1, status: 'inactive', description: 'Updated ETL pipeline with validation' });
    // Re-posting the same chain is no change either.
    const same = await rest.put(`/api/v1/workflows/${wf.id}`, { start_step: 'only', steps: wf.workflow_data.steps });
    expect(same.body).toMatchObject({ id: wf.id, version: 1 });
    expect((await rest.get(`/api/v1/workflows/${wf.id}/versions`)).body.total).toBe(1);
  });

  it('makes a new version (version 2, under the same id; version 1 keeps an id of its own) when steps change; versions are listed newest first', async () => {
    const v1 = await created({ ...DATA_PIPELINE, name: 'versioned-pipeline' });
    // "Workflow 3: Update Workflow Version", step 2: steps alone, start_step kept.
    const response = await rest.put(`/api/v1/workflows/${v1.id}`, WITH_VALIDATION);
    expect(response.status, response.text).toBe(200);
    const v2 = response.body;
    expect(v2).toMatchObject({ name: 'versioned-pipeline', version: 2, status: 'active', description: WITH_VALIDATION.description });
    // The guide's WORKFLOW_ID names the live workflow through every update.
    expect(v2.id).toBe(v1.id);
    expect(v2.workflow_data).toEqual({ start_step: 'extract', steps: WITH_VALIDATION.steps });

    // Step 3: all versions; version 1 now shows an id of its own.
    const versions = await rest.get(`/api/v1/workflows/${v1.id}/versions`);
    expect(versions.status).toBe(200);
    expect(versions.body).toMatchObject({ total: 2, page: 1, page_size: 20, total_pages: 1 });
    const oldId: string = versions.body.items[1].id;
    expect(oldId).toMatch(UUID);
    expect(oldId).not.toBe(v1.id);
    expect(versions.body.items.map((v: Body) => [v.id, v.version, v.status])).toEqual([
      [v1.id, 2, 'active'],
      [oldId, 1, 'inactive'],
    ]);
    expect(versions.body.items[1].workflow_data).toEqual(v1.workflow_data);
    expect(versions.body.items[0]).toEqual(v2);
    // Any version's id names the same history; pages follow page/page_size.
    expect((await rest.get(`/api/v1/workflows/${oldId}/versions`)).body.items.map((v: Body) => v.version)).toEqual([2, 1]);
    const second = await rest.get(`/api/v1/workflows/${oldId}/versions?page=2&page_size=1`);
    expect(second.body).toMatchObject({ total: 2, page: 2, page_size: 1, total_pages: 2 });
    expect(second.body.items.map((v: Body) => v.id)).toEqual([oldId]);

    // The id returned by create reads the current version; version 1's own id reads it as it was.
    expect((await rest.get(`/api/v1/workflows/${v1.id}`)).body).toMatchObject(v2);
    expect((await rest.get(`/api/v1/workflows/${oldId}`)).body).toMatchObject({
      id: oldId,
      version: 1,
      status: 'inactive',
      workflow_data: v1.workflow_data,
      created_at: v1.created_at,
    });

    // start_step alone is checked against the current steps: "extract" would be cut off.
    const cut = await rest.put(`/api/v1/workflows/${v1.id}`, { start_step: 'validate' });
    expect(cut.status).toBe(400);
    expect(cut.body.detail).toBe('Invalid workflow: step "extract" is unreachable from the entry steps ("validate")');
    // Both at once, through the old id, make version 3 of the same workflow.
    const swapped = await rest.put(`/api/v1/workflows/${v1.id}`, {
      start_step: 'extract',
      steps: { ...WITH_VALIDATION.steps, transform: { ...WITH_VALIDATION.steps.transform, input_mapping: { data: 'static' } } },
    });
    expect(swapped.body).toMatchObject({ version: 3 });
    expect((await rest.get(`/api/v1/workflows/${v1.id}/versions`)).body.items.map((v: Body) => [v.version, v.status])).toEqual([
      [3, 'active'],
      [2, 'inactive'],
      [1, 'inactive'],
    ]);
  });

  it('answers 400, 404 and 422 for the documented update and read errors', async () => {
    const wf = await created(single('update-errors'));
    const ghost = await rest.put(`/api/v1/workflows/${wf.id}`, {
      steps: { only: { id: 'only', agent_name: 'NonExistentAgent', next_step: null, input_mapping: {} } },
    });
    expect(ghost.status).toBe(400);
    expect(ghost.body.detail).toBe("Agent 'NonExistentAgent' not found or inactive");
    const unreachable = await rest.put(`/api/v1/workflows/${wf.id}`, {
      steps: { ...wf.workflow_data.steps, other: { id: 'other', agent_name: 'DataExtractorAgent', input_mapping: {} } },
    });
    expect(unreachable.status).toBe(400);
    expect(unreachable.body.detail).toMatch(/"other" is unreachable/);
    const badStatus = await rest.put(`/api/v1/workflows/${wf.id}`, { status: 'deleted' });
    expect(badStatus.status).toBe(422);
    expect(badStatus.body.detail).toEqual([expect.objectContaining({ type: 'enum', loc: ['body', 'status'] })]);
    const badSteps = await rest.put(`/api/v1/workflows/${wf.id}`, { steps: { only: { id: 'only', agent_name: 'X' } } });
    expect(badSteps.status).toBe(422);
    expect(badSteps.body.detail).toEqual([expect.objectContaining({ type: 'missing', loc: ['body', 'steps', 'only', 'input_mapping'] })]);
    expect((await rest.get(`/api/v1/workflows/${wf.id}`)).body).toMatchObject({ version: 1, workflow_data: wf.workflow_data });

    const nobody = '123e4567-e89b-12d3-a456-426614174000';
    for (const response of [
      await rest.get(`/api/v1/workflows/${nobody}`),
      await rest.put(`/api/v1/workflows/${nobody}`, { description: 'x' }),
      await rest.delete(`/api/v1/workflows/${nobody}`),
      await rest.get(`/api/v1/workflows/${nobody}/versions`),
      await rest.post(`/api/v1/workflows/${nobody}/execute`, { input_data: {} }),
    ]) {
      expect(response.status).toBe(404);
      expect(response.body.detail).toBe(`Workflow with id '${nobody}' not found`);
    }
    expect((await rest.get(`/api/v1/workflows/${wf.id}/versions?page_size=101`)).status).toBe(422);
  });
});

describe('DELETE /api/v1/workflows/{workflow_id}', () => {
  it('soft-deletes: readable with status deleted, listed only with status=deleted, not executable, name free again', async () => {
    const v1 = await created(single('doomed'));
    const v2 = (await rest.put(`/api/v1/workflows/${v1.id}`, { steps: { only: { ...v1.workflow_data.steps.only, input_mapping: {} } } }))
      .body;
    const response = await rest.delete(`/api/v1/workflows/${v1.id}`);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ message: `Workflow '${v1.id}' deleted successfully` });

    expect((await rest.get(`/api/v1/workflows/${v2.id}`)).body).toMatchObject({ id: v2.id, version: 2, status: 'deleted' });
    expect((await rest.get(`/api/v1/workflows/${v1.id}/versions`)).body.items.map((v: Body) => v.status)).toEqual(['deleted', 'deleted']);
    expect((await rest.get('/api/v1/workflows?name=doomed')).body.total).toBe(0);
    const deleted = await rest.get('/api/v1/workflows?status=deleted&name=doomed');
    expect(deleted.body.items.map((w: Body) => [w.id, w.status])).toEqual([[v2.id, 'deleted']]);

    const execute = await rest.post(`/api/v1/workflows/${v2.id}/execute`, { input_data: { v: 1 } });
    expect(execute.status).toBe(400);
    expect(execute.body.detail).toMatch(/deleted/);
    expect((await rest.delete(`/api/v1/workflows/${v2.id}`)).status).toBe(404);
    expect((await rest.put(`/api/v1/workflows/${v2.id}`, { description: 'too late' })).status).toBe(404);

    const again = await created(single('doomed'));
    expect(again).toMatchObject({ version: 1, status: 'active' });
    expect((await rest.get('/api/v1/workflows?name=doomed')).body.items.map((w: Body) => w.id)).toEqual([again.id]);
  });
});

describe('GET /api/v1/workflows', () => {
  it('filters by status and exact name, sorts by every field both ways, and pages', async () => {
    const app = await startTestApp({}, { WORKER_CONCURRENCY: '0' });
    try {
      const api = restClient(app);
      expect((await api.post('/api/v1/agents', { name: 'DataExtractorAgent', url: echo.url })).status).toBe(201);
      const nextMillisecond = async () => {
        const now = Date.now();
        while (Date.now() <= now) await new Promise((resolve) => setImmediate(resolve));
      };
      const ids: Record<string, string> = {};
      // Distinct names, versions, creation and update instants, so every order is decided.
      for (const [name, versions] of [
        ['charlie', 2],
        ['alpha', 3],
        ['delta', 1],
        ['bravo', 4],
      ] as const) {
        await nextMillisecond();
        let body = (await api.post('/api/v1/workflows', single(name))).body;
        for (let v = 2; v <= versions; v++) {
          await nextMillisecond();
          body = (
            await api.put(`/api/v1/workflows/${body.id}`, { steps: { only: { ...body.workflow_data.steps.only, input_mapping: { v } } } })
          ).body;
        }
        ids[name] = body.id;
      }
      await nextMillisecond();
      await api.put(`/api/v1/workflows/${ids.delta}`, { status: 'inactive' });
      await nextMillisecond();
      await api.put(`/api/v1/workflows/${ids.charlie}`, { description: 'touched last' });
      const gone = (await api.post('/api/v1/workflows', single('echo'))).body;
      await api.delete(`/api/v1/workflows/${gone.id}`);

      const names = async (query: string) => {
        const response = await api.get(`/api/v1/workflows${query}`);
        expect(response.status, response.text).toBe(200);
        return (response.body.items as Body[]).map((w) => w.name);
      };
      // The documented example request.
      expect(await names('?page=1&page_size=20&status=active&sort_by=name&sort_order=asc')).toEqual(['alpha', 'bravo', 'charlie']);
      expect(await names('?status=inactive')).toEqual(['delta']);
      expect(await names('?status=deleted')).toEqual(['echo']);
      expect(await names('?name=bravo')).toEqual(['bravo']);
      expect(await names('?name=brav')).toEqual([]);
      expect(await names('?name=bravo&status=inactive')).toEqual([]);

      // Default: newest (current version) first, deleted ones left out.
      const all = (await api.get('/api/v1/workflows')).body;
      expect(all).toMatchObject({ total: 4, page: 1, page_size: 20, total_pages: 1 });
      const items = all.items as Body[];
      const by = (key: string, dir: 'asc' | 'desc') =>
        [...items].sort((a, b) => (a[key] < b[key] ? -1 : a[key] > b[key] ? 1 : 0) * (dir === 'asc' ? 1 : -1)).map((w) => w.name);
      expect(items.map((w) => w.name)).toEqual(by('created_at', 'desc'));
      for (const field of ['name', 'created_at', 'updated_at', 'version']) {
        for (const dir of ['asc', 'desc'] as const) {
          expect(await names(`?sort_by=${field}&sort_order=${dir}`), `${field} ${dir}`).toEqual(by(field, dir));
        }
      }
      expect(by('version', 'asc')).toEqual(['delta', 'charlie', 'alpha', 'bravo']);
      expect(by('updated_at', 'desc')[0]).toBe('charlie');

      const page2 = await api.get('/api/v1/workflows?sort_by=name&sort_order=asc&page=2&page_size=3');
      expect(page2.body).toMatchObject({ total: 4, page: 2, page_size: 3, total_pages: 2 });
      expect(page2.body.items.map((w: Body) => w.name)).toEqual(['delta']);
      expect((await api.get('/api/v1/workflows?page=9')).body).toMatchObject({ items: [], total: 4, total_pages: 1 });

      for (const bad of ['?sort_by=owner', '?sort_order=up', '?status=archived', '?page=0', '?page_size=101']) {
        const response = await api.get(`/api/v1/workflows${bad}`);
        expect(response.status, bad).toBe(422);
        expect(response.body.detail[0].loc[0]).toBe('query');
      }
    } finally {
      await app.close();
    }
  });
});
