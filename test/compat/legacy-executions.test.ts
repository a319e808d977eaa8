// Seed 002, /api/workflows: executions. The documented execute request run for real, every
// execution endpoint's status and shape, conflicts (409), the engine being unavailable (503),
// and one execution seen with the same state through /api/v1/runs and GraphQL.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunDocument } from '../gql/graphql.ts';
import { startHttpAgent, type TestAgent } from '../support/agents.ts';
import type { TestApp } from '../support/app.ts';
import { expectMember, flows } from '../support/flows.ts';
import type { RestClient } from '../support/rest.ts';
import { waitForRun } from '../support/runs.ts';
import {
  DOCUMENTED_CREATE,
  DOCUMENTED_EXECUTE,
  expectDetail,
  expectExecution,
  type LegacyApp,
  startLegacyApp,
  waiting,
} from './legacy-fixtures.ts';

let app: LegacyApp;
let t: TestApp;
let rest: RestClient;
let agent: TestAgent;
let counter = 0;
const unique = (prefix: string) => `${prefix}-${++counter}`;

beforeAll(async () => {
  app = await startLegacyApp();
  ({ t, rest } = app);
  agent = await startHttpAgent((body: { input: { text: string } }) => ({ shout: body.input.text.toUpperCase() }));
});
afterAll(async () => {
  await agent?.close();
  await app?.close();
});

/** Waits until the execution's only wait step is parked (so the execution is running). */
async function parked(executionId: string): Promise<void> {
  await waitForRun(t, executionId, (run) => run.status === 'RUNNING' && run.steps.some((s) => s.status === 'WAITING'));
}

describe('POST /api/workflows/{workflow_id}/execute (documented)', () => {
  it('submits the documented input_variables and runs the documented task steps to completion', async () => {
    const wf = await app.create({ ...DOCUMENTED_CREATE, name: unique('docs') });
    const submitted = await rest.post(`/api/workflows/${wf.id}/execute`, DOCUMENTED_EXECUTE);
    expect(submitted.status, submitted.text).toBe(200);
    expect(submitted.body).toEqual({
      status: 'submitted',
      execution_id: expect.any(String),
      message: 'Workflow execution started successfully',
      workflow_id: wf.id,
    });
    const id = submitted.body.execution_id;

    const status = await app.settle(id);
    expect(status).toEqual({
      execution_id: id,
      workflow_id: wf.id,
      status: 'completed',
      started_at: expect.any(String),
      completed_at: expect.any(String),
      duration: (Date.parse(status.completed_at) - Date.parse(status.started_at)) / 1000,
      error_message: null,
      // `task` steps without an agent pass their (empty) input through; the result is the last step's output.
      results: { finalize: {} },
    });

    const detail = await rest.get(`/api/workflows/executions/${id}`);
    expect(detail.status).toBe(200);
    expectExecution(detail.body);
    expect(detail.body).toMatchObject({
      id,
      workflow_id: wf.id,
      workspace_id: wf.workspace_id,
      project_id: 'proj-docs',
      execution_number: 1,
      status: 'completed',
      input_variables: { input: { hello: 'world' } },
      results: { finalize: {} },
      error_message: null,
      error_details: null,
      metadata: { triggered_by: 'api' },
      definition: { id: wf.id, name: wf.name, steps: wf.steps, variables: wf.variables },
    });
    const steps = detail.body.step_executions as Record<string, unknown>[];
    expect(steps.map((s) => [s.step_id, s.status, s.retry_count, s.error_message])).toEqual([
      ['prepare', 'completed', 0, null],
      ['process', 'completed', 0, null],
      ['finalize', 'completed', 0, null],
    ]);
    expect(steps[1]).toMatchObject({ execution_id: id, input_data: {}, output_data: {}, results: {}, step: wf.steps[1] });
    for (const step of steps) {
      expect(step.duration).toBe((Date.parse(String(step.completed_at)) - Date.parse(String(step.started_at))) / 1000);
    }
  });

  it('is the same execution, in the same state, through /api/v1/runs and GraphQL', async () => {
    const wf = await app.create({ ...DOCUMENTED_CREATE, name: unique('cross') });
    const pending = await app.execute(wf.id, DOCUMENTED_EXECUTE);
    const legacy = await app.settle(pending);
    const v1 = await rest.get(`/api/v1/runs/${pending}`);
    expect(v1.status).toBe(200);
    expect(v1.body).toMatchObject({ id: pending, status: legacy.status.toUpperCase(), input_data: DOCUMENTED_EXECUTE.input_variables });
    expect(v1.body.completed_at).toBe(legacy.completed_at);
    const graph = expectMember((await t.ok(RunDocument, { id: pending })).run, 'Run');
    expect(graph).toMatchObject({ status: 'COMPLETED', inputs: DOCUMENTED_EXECUTE.input_variables, outputs: legacy.results });
    expect(graph.startedAt).toBe(legacy.started_at);
    expect(graph.steps.map((s) => [s.stepId, s.status])).toEqual([
      ['prepare', 'COMPLETED'],
      ['process', 'COMPLETED'],
      ['finalize', 'COMPLETED'],
    ]);

    // And a cancelled one reads cancelled everywhere.
    const parkedWf = await app.create(waiting(unique('cross-wait')));
    const running = await app.execute(parkedWf.id);
    await parked(running);
    expect((await rest.get(`/api/workflows/executions/${running}/status`)).body.status).toBe('running');
    expect((await rest.get(`/api/v1/runs/${running}`)).body.status).toBe('RUNNING');
    expect((await rest.post(`/api/workflows/executions/${running}/cancel`)).status).toBe(200);
    expect((await rest.get(`/api/v1/runs/${running}`)).body.status).toBe('CANCELLED');
    expect(expectMember((await t.ok(RunDocument, { id: running })).run, 'Run').status).toBe('CANCELLED');
  });

  it('runs agent steps (`agent`, or `task` naming an agent) against a registered agent', async () => {
    const name = await flows(t).agent('shouter', agent);
    const wf = await app.create({
      name: unique('agents'),
      variables: [{ name: 'text', data_type: 'string', is_required: true }],
      steps: [
        {
          name: 'shout',
          step_type: 'agent',
          step_order: 1,
          config: { agent_name: name, input_mapping: { text: '${workflow.input.text}' } },
        },
        {
          name: 'again',
          step_type: 'task',
          step_order: 2,
          depends_on_steps: ['shout'],
          config: { agent_name: name, input_mapping: { text: '${shout.output.shout} again' } },
        },
      ],
    });
    const id = await app.execute(wf.id, { input_variables: { text: 'hello' }, metadata: { requested_by: 'ops@example.com' } });
    const status = await app.settle(id);
    expect(status.status).toBe('completed');
    expect(status.results).toEqual({ again: { shout: 'HELLO AGAIN' } });
    const detail = (await rest.get(`/api/workflows/executions/${id}`)).body;
    expect(detail.metadata).toEqual({ triggered_by: 'api', requested_by: 'ops@example.com' });
    expect(detail.step_executions.map((s: { input_data: unknown }) => s.input_data)).toEqual([{ text: 'hello' }, { text: 'HELLO again' }]);
  });

  it('runs a template posted unchanged (the sequential one) to its documented outputs', async () => {
    const templates = (await rest.get('/api/workflows/templates')).body as { id: string }[];
    const {
      id: _id,
      category: _c,
      tags: _t,
      agents: _a,
      ...body
    } = templates.find((x) => x.id === 'sequential') as Record<string, unknown>;
    const wf = await app.create({ ...body, name: unique('from-template') });
    const id = await app.execute(wf.id, { input_variables: { text: '  hello flowdeck world ' } });
    expect((await app.settle(id)).results).toEqual({ result: 'hello flowdeck world', words: 3, summary: 'hello flowdeck world (3 words)' });
  });

  it('answers 400 for input breaking the variables, 404 for an unknown workflow, 409 when inactive', async () => {
    const wf = await app.create({ ...DOCUMENTED_CREATE, name: unique('guarded') });
    expectDetail(await rest.post(`/api/workflows/${wf.id}/execute`, { input_variables: {} }), 400, /input/);
    const bad = await rest.post(`/api/workflows/${wf.id}/execute`, { input_variables: 'x' });
    expect(bad.status).toBe(400);
    expect(bad.body.detail[0]).toMatchObject({ loc: ['body', 'input_variables'] });
    expectDetail(
      await rest.post('/api/workflows/00000000-0000-4000-8000-00000000dead/execute', DOCUMENTED_EXECUTE),
      404,
      'Workflow not found',
    );
    await rest.patch(`/api/workflows/${wf.id}`, { is_active: false });
    expectDetail(await rest.post(`/api/workflows/${wf.id}/execute`, DOCUMENTED_EXECUTE), 409, /only ACTIVE workflows can be executed/);
    // Nothing was started by any of these.
    expect((await rest.get(`/api/workflows/${wf.id}/executions`)).body.total).toBe(0);
  });
});

describe('executions: list, details, status, cancel', () => {
  it("lists a workflow's executions newest first, numbered, paginated and filtered by status", async () => {
    const wf = await app.create(waiting(unique('numbered')));
    const ids = [await app.execute(wf.id), await app.execute(wf.id), await app.execute(wf.id)];
    for (const id of ids) await parked(id);
    await rest.post(`/api/workflows/executions/${ids[1]}/cancel`);

    const listed = await rest.get(`/api/workflows/${wf.id}/executions`);
    expect(listed.status).toBe(200);
    expect(listed.body).toMatchObject({ total: 3, skip: 0, limit: 10 });
    for (const item of listed.body.items) expectExecution(item, 'item');
    const rows = listed.body.items.map((e: { id: string; execution_number: number; status: string }) => [
      e.id,
      e.execution_number,
      e.status,
    ]);
    expect(rows).toEqual([
      [ids[2], 3, 'running'],
      [ids[1], 2, 'cancelled'],
      [ids[0], 1, 'running'],
    ]);
    expect(listed.body.items[0]).toMatchObject({ definition: null, step_executions: [] });
    const page = await rest.get(`/api/workflows/${wf.id}/executions?skip=1&limit=1`);
    expect(page.body.items.map((e: { id: string }) => e.id)).toEqual([ids[1]]);
    const cancelled = await rest.get(`/api/workflows/${wf.id}/executions?status=cancelled`);
    expect(cancelled.body).toMatchObject({ total: 1, items: [{ id: ids[1], execution_number: 2 }] });
    expect((await rest.get(`/api/workflows/${wf.id}/executions?status=stopped`)).status).toBe(400);
    expectDetail(await rest.get('/api/workflows/00000000-0000-4000-8000-00000000dead/executions'), 404, 'Workflow not found');
    for (const id of [ids[0], ids[2]]) await rest.post(`/api/workflows/executions/${id}/cancel`);
  });

  it('cancels a running execution (409 once finished), and the unknown ones are 404 everywhere', async () => {
    const wf = await app.create(waiting(unique('cancel-me')));
    const id = await app.execute(wf.id);
    await parked(id);
    const cancelled = await rest.post(`/api/workflows/executions/${id}/cancel`);
    expect(cancelled.status, cancelled.text).toBe(200);
    expect(cancelled.body).toEqual({ status: 'cancelled', execution_id: id, message: 'Workflow execution cancelled successfully' });
    const status = (await rest.get(`/api/workflows/executions/${id}/status`)).body;
    expect(status).toMatchObject({ status: 'cancelled', results: null, error_message: 'Cancelled' });
    const detail = (await rest.get(`/api/workflows/executions/${id}`)).body;
    expect(detail.step_executions.map((s: { step_id: string; status: string }) => [s.step_id, s.status])).toEqual([
      ['approve', 'cancelled'],
    ]);
    expectDetail(
      await rest.post(`/api/workflows/executions/${id}/cancel`),
      409,
      /^Workflow execution '.+' is already cancelled; only pending or running executions can be cancelled$/,
    );

    const unknown = '00000000-0000-4000-8000-00000000dead';
    for (const path of [`/executions/${unknown}`, `/executions/${unknown}/status`, `/executions/${unknown}/timeline`]) {
      expectDetail(await rest.get(`/api/workflows${path}`), 404, 'Workflow execution not found');
    }
    expectDetail(await rest.post(`/api/workflows/executions/${unknown}/cancel`), 404, 'Workflow execution not found');
  });

  it('refuses to delete a workflow while an execution is running (409), then deletes it', async () => {
    const wf = await app.create(waiting(unique('busy')));
    const id = await app.execute(wf.id);
    await parked(id);
    expectDetail(await rest.delete(`/api/workflows/${wf.id}`), 409, /^Cannot delete workflow with 1 running execution/);
    // Still there, still running.
    expect((await rest.get(`/api/workflows/${wf.id}`)).status).toBe(200);
    expect((await rest.get(`/api/workflows/executions/${id}/status`)).body.status).toBe('running');

    await rest.post(`/api/workflows/executions/${id}/cancel`);
    expect((await rest.delete(`/api/workflows/${wf.id}`)).status).toBe(200);
    expectDetail(await rest.get(`/api/workflows/${wf.id}`), 404, 'Workflow not found');
    // Its past execution stays readable.
    expect((await rest.get(`/api/workflows/executions/${id}`)).body).toMatchObject({ id, status: 'cancelled' });
  });

  it('keeps executions in their workspace', async () => {
    const ws = await app.workspace(unique('exec-team'));
    const headers = { 'X-Workspace-Id': ws.id };
    const wf = await app.create({ ...DOCUMENTED_CREATE, name: unique('scoped') }, headers);
    expectDetail(await rest.post(`/api/workflows/${wf.id}/execute`, DOCUMENTED_EXECUTE), 404, 'Workflow not found');
    const id = await app.execute(wf.id, DOCUMENTED_EXECUTE, headers);
    expect((await app.settle(id, undefined, headers)).status).toBe('completed');
    expectDetail(await rest.get(`/api/workflows/executions/${id}`), 404, 'Workflow execution not found');
    expect((await rest.get(`/api/workflows/executions/${id}?workspace_slug=${ws.slug}`)).body.status).toBe('completed');
  });
});

describe('503 when no workflow engine runs', () => {
  it('refuses to submit an execution no worker would pick up, and starts none', async () => {
    const apiOnly = await startLegacyApp({ WORKER_CONCURRENCY: '0' });
    try {
      const wf = await apiOnly.create({ ...DOCUMENTED_CREATE, name: 'no-engine' });
      expectDetail(await apiOnly.rest.post(`/api/workflows/${wf.id}/execute`, DOCUMENTED_EXECUTE), 503, 'Workflow engine not available');
      expect((await apiOnly.rest.get(`/api/workflows/${wf.id}/executions`)).body.total).toBe(0);
      expect((await apiOnly.rest.get('/api/workflows/executions/stats')).body.workflow_engine_stats.live_workers).toBe(0);
    } finally {
      await apiOnly.close();
    }
  });
});
