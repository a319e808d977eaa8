// Seed 004's workflow versions, each its own row with its own id: "Retrieves all versions of a
// workflow" with "`workflow_id`: UUID of any version of the workflow", older versions shown as
// `inactive`, and "400 Bad Request: Workflow is not active" for executing one. The guide keeps
// one id for the live workflow: create answers `456e…000` as version 1, its `/versions` example
// shows the same id as version 3 `active` beside version 2's own id `…001` `inactive`, and its
// scripts update and then execute through one WORKFLOW_ID. Replays that, then reads, executes,
// updates and deletes through a superseded version's id. Every REST answer goes through the
// OpenAPI-checking client.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkflowsDocument } from '../gql/graphql.ts';
import { dbId } from '../support/flows.ts';
import type { Body, RestClient } from '../support/rest.ts';
import { waitForRun } from '../support/runs.ts';
import { DATA_PIPELINE, startWorkflowApp, UUID, WITH_VALIDATION, type WorkflowApp } from './v1-workflow-fixtures.ts';

let shared: WorkflowApp;
let rest: RestClient;

beforeAll(async () => {
  shared = await startWorkflowApp();
  ({ rest } = shared);
});
afterAll(async () => {
  await shared?.close();
});

async function runsTotal(): Promise<number> {
  const page = await rest.get('/api/v1/runs');
  expect(page.status, page.text).toBe(200);
  return page.body.total;
}

const stepIds = (body: Body): string[] => body.steps.map((s: Body) => s.id);

describe('Get Workflow Versions: every version its own row with its own id', () => {
  it('the id create answers names the live workflow across updates ("version": 3, "status": "active"), and each superseded version has its own id, "inactive"', async () => {
    const created = await shared.created({ ...DATA_PIPELINE, name: 'three-version-pipeline' });
    expect(created).toMatchObject({ id: expect.stringMatching(UUID), version: 1, status: 'active' });
    const second = await rest.put(`/api/v1/workflows/${created.id}`, WITH_VALIDATION);
    expect(second.body).toMatchObject({ id: created.id, version: 2, status: 'active' });
    const third = await rest.put(`/api/v1/workflows/${created.id}`, { steps: DATA_PIPELINE.steps });
    expect(third.body).toMatchObject({ id: created.id, version: 3, status: 'active' });

    const versions = await rest.get(`/api/v1/workflows/${created.id}/versions?page=1&page_size=10`);
    expect(versions.body).toMatchObject({ total: 3, page: 1, page_size: 10, total_pages: 1 });
    const rows = versions.body.items.map((v: Body) => [v.id, v.version, v.status]);
    expect(rows[0]).toEqual([created.id, 3, 'active']);
    expect(rows.slice(1).map((r: unknown[]) => r.slice(1))).toEqual([
      [2, 'inactive'],
      [1, 'inactive'],
    ]);
    expect(new Set(rows.map((r: unknown[]) => r[0])).size).toBe(3);

    // The same id is the workflow in GraphQL too.
    const [node] = (await shared.t.ok(WorkflowsDocument, { first: 5, filter: { nameContains: 'three-version-pipeline' } })).workflows.edges;
    expect(dbId(node?.node.id ?? '')).toBe(created.id);
    const executed = await rest.post(`/api/v1/workflows/${created.id}/execute`, { input_data: { source: 'v3' } });
    expect(executed.status, executed.text).toBe(202);
    expect(executed.body.workflow_definition_id).toBe(created.id);
    expect((await waitForRun(shared.t, executed.body.run_id)).workflowVersion.version).toBe(3);
  });

  it('"UUID of any version": a superseded id reads that version, inactive; executing it is refused ("Workflow is not active"); update and delete act on the workflow', async () => {
    // Create Workflow: version 1, the workflow's id W.
    const w = await shared.created(DATA_PIPELINE);
    expect(w).toMatchObject({ id: expect.stringMatching(UUID), version: 1, status: 'active' });

    // Update Workflow through W with changed steps: "the version is automatically incremented"; the id stays.
    const updated = await rest.put(`/api/v1/workflows/${w.id}`, WITH_VALIDATION);
    expect(updated.status, updated.text).toBe(200);
    const current = updated.body;
    expect(current).toMatchObject({ id: w.id, version: 2, status: 'active', description: WITH_VALIDATION.description });
    expect(current.workflow_data).toEqual({ start_step: 'extract', steps: WITH_VALIDATION.steps });

    // Get Workflow Versions: version 1 now has an id of its own, O.
    const listedVersions = await rest.get(`/api/v1/workflows/${w.id}/versions`);
    const old = listedVersions.body.items[1];
    expect(old).toMatchObject({ version: 1, status: 'inactive' });
    expect(old.id).not.toBe(w.id);

    // Get Workflow with O: version 1's own row, inactive, with its own chain and descriptor.
    const readOld = await rest.get(`/api/v1/workflows/${old.id}`);
    expect(readOld.status, readOld.text).toBe(200);
    expect(readOld.body).toMatchObject({
      id: old.id,
      name: DATA_PIPELINE.name,
      version: 1,
      status: 'inactive',
      workflow_data: w.workflow_data,
      created_at: w.created_at,
      // A superseded version never changes again.
      updated_at: w.created_at,
    });
    expect(stepIds(readOld.body)).toEqual(['extract', 'transform']);
    expect(readOld.body.stages.map((s: Body) => s.steps)).toEqual([['extract'], ['transform']]);

    // Get Workflow with W: the current version, active.
    const readCurrent = await rest.get(`/api/v1/workflows/${w.id}`);
    expect(readCurrent.status, readCurrent.text).toBe(200);
    expect(readCurrent.body).toMatchObject(current);
    expect(stepIds(readCurrent.body)).toEqual(['extract', 'validate', 'transform']);
    expect(readCurrent.body.key).toBe(readOld.body.key);

    // Execute Workflow with O: "400 Bad Request: Workflow is not active", and no run is created.
    const before = await runsTotal();
    const refused = await rest.post(`/api/v1/workflows/${old.id}/execute`, { input_data: { source: 'old' } });
    expect(refused.status, refused.text).toBe(400);
    expect(refused.body.detail).toBe(`Workflow is not active: '${old.id}' is version 1, superseded by version 2 ('${w.id}')`);
    expect(await runsTotal()).toBe(before);

    // Execute Workflow with W: 202, a run of version 2.
    const accepted = await rest.post(`/api/v1/workflows/${w.id}/execute`, { input_data: { source: 'new' } });
    expect(accepted.status, accepted.text).toBe(202);
    expect(accepted.body).toMatchObject({ status: 'PENDING', workflow_definition_id: w.id, workflow_name: DATA_PIPELINE.name });
    expect((await waitForRun(shared.t, accepted.body.run_id)).workflowVersion.version).toBe(2);
    expect(await runsTotal()).toBe(before + 1);
    // The run names its version as /versions does, and List Runs filters by that name.
    const byCurrent = await rest.get(`/api/v1/runs?workflow_definition_id=${w.id}`);
    expect(byCurrent.body.items.map((r: Body) => r.run_id)).toEqual([accepted.body.run_id]);
    expect((await rest.get(`/api/v1/runs?workflow_definition_id=${old.id}`)).body.total).toBe(0);

    // Update Workflow with O (description only): acts on the workflow and answers its current row.
    const described = await rest.put(`/api/v1/workflows/${old.id}`, { description: 'Updated through version 1' });
    expect(described.status, described.text).toBe(200);
    expect(described.body).toMatchObject({ id: w.id, version: 2, status: 'active', description: 'Updated through version 1' });
    expect(described.body.workflow_data).toEqual(current.workflow_data);

    // Get Workflow Versions with O and with W: both rows, newest first.
    for (const id of [old.id, w.id]) {
      const versions = await rest.get(`/api/v1/workflows/${id}/versions`);
      expect(versions.status, versions.text).toBe(200);
      expect(versions.body).toMatchObject({ total: 2, page: 1, page_size: 20, total_pages: 1 });
      expect(versions.body.items.map((v: Body) => [v.id, v.version, v.status])).toEqual([
        [w.id, 2, 'active'],
        [old.id, 1, 'inactive'],
      ]);
      expect(versions.body.items[1].workflow_data).toEqual(w.workflow_data);
    }

    // List Workflows: one row per workflow, its current version.
    const listed = await rest.get(`/api/v1/workflows?name=${DATA_PIPELINE.name}`);
    expect(listed.body.items.map((x: Body) => [x.id, x.version])).toEqual([[w.id, 2]]);

    // Delete Workflow with O: the documented message names O; the whole workflow is deleted.
    const deleted = await rest.delete(`/api/v1/workflows/${old.id}`);
    expect(deleted.status, deleted.text).toBe(200);
    expect(deleted.body).toEqual({ message: `Workflow '${old.id}' deleted successfully` });
    expect((await rest.get(`/api/v1/workflows/${w.id}`)).body).toMatchObject({ id: w.id, version: 2, status: 'deleted' });
    expect((await rest.get(`/api/v1/workflows/${old.id}`)).body).toMatchObject({ id: old.id, version: 1, status: 'deleted' });
    const afterDelete = await rest.post(`/api/v1/workflows/${w.id}/execute`, { input_data: { source: 'late' } });
    expect(afterDelete.status, afterDelete.text).toBe(400);
    expect(afterDelete.body.detail).toMatch(/deleted/);
    expect(await runsTotal()).toBe(before + 1);
  });
});
