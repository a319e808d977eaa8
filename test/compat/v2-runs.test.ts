// Seed 003 (/api/v2/workflows) execution: the execute example run for real against local
// agents, the runs list and detail examples, terminate, the documented errors, a run seen with
// the same state through seed 004's /api/v1/runs/{id} and GraphQL, and DELETE cascading to runs.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunDocument, ScheduleDocument } from '../gql/graphql.ts';
import { expectMember } from '../support/flows.ts';
import { eventually, waitForRun } from '../support/runs.ts';
import {
  AWAITS_APPROVAL,
  BASE,
  DEPLOY_NOTIFICATION,
  EXECUTE_INPUTS,
  expectFailure,
  expectRun,
  startV2App,
  UUID,
  type V2App,
  WEEKLY_SALES,
} from './v2-fixtures.ts';

let x: V2App;
let weekly: { id: string };

beforeAll(async () => {
  x = await startV2App();
  weekly = await x.create(WEEKLY_SALES);
});
afterAll(async () => {
  await x?.close();
});

/** Starts a run through POST /:id/execute, failing unless it answers 201. */
async function execute(workflowId: string, inputs?: Record<string, unknown>): Promise<{ id: string }> {
  const response = await x.rest.post(`${BASE}/${workflowId}/execute`, inputs === undefined ? {} : { inputs });
  expect(response.status, response.text).toBe(201);
  return response.body.run;
}

/** A run that waits for an approval until terminated, seen RUNNING (its step waiting). */
async function waitingRun(workflowId: string): Promise<string> {
  const run = await execute(workflowId);
  await waitForRun(x.t, run.id, (r) => r.status === 'RUNNING' && r.steps[0]?.status === 'WAITING');
  return run.id;
}

describe('POST /api/v2/workflows/:id/execute', () => {
  it('answers 201 with the documented run, running, which the agents then execute', async () => {
    const response = await x.rest.post(`${BASE}/${weekly.id}/execute`, { inputs: EXECUTE_INPUTS });
    expect(response.status, response.text).toBe(201);
    expect(response.body.success).toBe(true);
    expectRun(response.body.run);
    expect(response.body.run).toEqual({
      id: expect.stringMatching(UUID),
      workflow_id: weekly.id,
      status: 'running',
      inputs: EXECUTE_INPUTS,
      outputs: null,
      error: null,
      started_at: expect.any(String),
      finished_at: null,
    });
    const runId: string = response.body.run.id;

    const done = await waitForRun(x.t, runId);
    expect(done.status, JSON.stringify(done.error)).toBe('COMPLETED');
    expect(done.steps.map((s) => [s.stepId, s.status])).toEqual([
      ['step_1', 'COMPLETED'],
      ['step_2', 'COMPLETED'],
      ['step_3', 'COMPLETED'],
    ]);
    // input_from wires each node's output into the next agent's input.
    expect(done.steps[1]?.input).toEqual({ input: { records: [{ Amount: 1200, StageName: 'Closed Won' }], total: 1200 } });
    expect(done.steps[2]?.input).toEqual({ input: { report: 'Q1 2026 Sales Summary...' } });
    expect(x.tools.email.calls).toHaveLength(1);

    // GET /:id/runs/:runId: the documented detail, now completed.
    const detail = await x.rest.get(`${BASE}/${weekly.id}/runs/${runId}`);
    expect(detail.status, detail.text).toBe(200);
    expectRun(detail.body.run);
    expect(detail.body).toEqual({
      success: true,
      run: {
        ...response.body.run,
        status: 'completed',
        outputs: done.outputs,
        finished_at: new Date(done.completedAt as string).toISOString(),
      },
    });

    // The same run through seed 004's /api/v1/runs/{id} and GraphQL's run(id:).
    const v1 = await x.rest.get(`/api/v1/runs/${runId}`);
    expect(v1.status, v1.text).toBe(200);
    expect(v1.body).toMatchObject({
      id: runId,
      status: 'COMPLETED',
      input_data: EXECUTE_INPUTS,
      created_at: response.body.run.started_at,
      completed_at: detail.body.run.finished_at,
      error_message: null,
    });
    expect(done).toMatchObject({ id: expect.any(String), inputs: EXECUTE_INPUTS, outputs: detail.body.run.outputs, error: null });
    expect(new Date(done.createdAt).toISOString()).toBe(response.body.run.started_at);
    expect(expectMember((await x.t.ok(RunDocument, { id: runId })).run, 'Run').workflow.key).toBe('weekly-sales-report');
  });

  it('runs the create example for real: the condition gates the Slack node', async () => {
    const deploy = await x.create(DEPLOY_NOTIFICATION);
    const posted = await execute(deploy.id, { deployment: { status: 'success' } });
    const ran = await waitForRun(x.t, posted.id);
    expect(ran.steps.map((s) => [s.stepId, s.status])).toEqual([
      ['step_1', 'COMPLETED'],
      ['step_2', 'COMPLETED'],
    ]);
    expect(x.tools.slack.calls).toHaveLength(1);
    expect(ran.steps[1]?.input).toMatchObject({ channel: '#deployments', message: 'Deployment completed successfully!' });

    const notPosted = await execute(deploy.id, { deployment: { status: 'failed' } });
    const skipped = await waitForRun(x.t, notPosted.id);
    expect(skipped.status).toBe('COMPLETED');
    expect(skipped.steps.map((s) => [s.stepId, s.status])).toEqual([
      ['step_1', 'COMPLETED'],
      ['step_2', 'SKIPPED'],
    ]);
    expect(x.tools.slack.calls).toHaveLength(1);
    expect((await x.rest.get(`${BASE}/${deploy.id}/runs/${notPosted.id}`)).body.run.status).toBe('completed');
  });

  it('defaults inputs to {} (body optional); 400 when archived or the inputs break the declared ones; 404 when not found', async () => {
    const approval = await x.create(AWAITS_APPROVAL('Inputs default'));
    const noBody = await x.rest.call('POST', `${BASE}/${approval.id}/execute`);
    expect(noBody.status, noBody.text).toBe(201);
    expect(noBody.body.run.inputs).toEqual({});
    expect((await x.rest.delete(`${BASE}/${approval.id}/runs/${noBody.body.run.id}`)).status).toBe(200);

    // Declared inputs are checked: date_range is a string.
    const wrong = await x.rest.post(`${BASE}/${weekly.id}/execute`, { inputs: { date_range: 7 } });
    expectFailure(wrong, 400);
    expect(wrong.body.error).toMatch(/date_range/);
    expectFailure(await x.rest.post(`${BASE}/${weekly.id}/execute`, { inputs: 'LAST_MONTH' }), 400);
    expectFailure(await x.rest.call('POST', `${BASE}/${weekly.id}/execute`, { raw: '{"inputs":' }), 400);

    await x.rest.patch(`${BASE}/${approval.id}`, { status: 'archived' });
    const archived = await x.rest.post(`${BASE}/${approval.id}/execute`, { inputs: {} });
    expectFailure(archived, 400);
    expect(archived.body.error).toMatch(/is archived/);
    expectFailure(await x.rest.post(`${BASE}/a1b2c3d4-e5f6-7890-abcd-ef1234567890/execute`, { inputs: {} }), 404);
  });
});

describe('GET /api/v2/workflows/:id/runs and /runs/:runId', () => {
  it('lists the execution history newest first, filtered by the documented statuses, with the total', async () => {
    const wf = await x.create({ ...WEEKLY_SALES, name: 'History' });
    const first = await execute(wf.id, { date_range: 'LAST_MONTH' });
    await waitForRun(x.t, first.id);
    const second = await execute(wf.id, { date_range: 'LAST_WEEK' });
    await waitForRun(x.t, second.id);

    // The documented example query.
    const response = await x.rest.get(`${BASE}/${wf.id}/runs?status=completed&limit=5`);
    expect(response.status, response.text).toBe(200);
    expect(response.body).toEqual({ success: true, runs: expect.any(Array), count: 2 });
    for (const [i, run] of response.body.runs.entries()) expectRun(run, `runs[${i}]`);
    expect(response.body.runs.map((r: { id: string }) => r.id)).toEqual([second.id, first.id]);
    expect(response.body.runs[1]).toMatchObject({
      workflow_id: wf.id,
      status: 'completed',
      inputs: { date_range: 'LAST_MONTH' },
      error: null,
      finished_at: expect.any(String),
    });
    expect(response.body.runs[1].outputs).not.toBeNull();

    const page = await x.rest.get(`${BASE}/${wf.id}/runs?limit=1&offset=1`);
    expect(page.body).toMatchObject({ count: 2, runs: [{ id: first.id }] });
    for (const status of ['running', 'failed', 'terminated']) {
      expect((await x.rest.get(`${BASE}/${wf.id}/runs?status=${status}`)).body).toEqual({ success: true, runs: [], count: 0 });
    }
    expectFailure(await x.rest.get(`${BASE}/${wf.id}/runs?status=COMPLETED`), 400);
    expectFailure(await x.rest.get(`${BASE}/${wf.id}/runs?limit=abc`), 400);
    expectFailure(await x.rest.get(`${BASE}/a1b2c3d4-e5f6-7890-abcd-ef1234567890/runs`), 404);

    // A run is found only under its own workflow.
    expectFailure(await x.rest.get(`${BASE}/${weekly.id}/runs/${first.id}`), 404);
    expectFailure(await x.rest.get(`${BASE}/${wf.id}/runs/e5f6a7b8-c9d0-1234-ef56-789012345678`), 404);
  });

  it('reports a failed run as failed with its error', async () => {
    await x.agent('flaky.tool', () => {
      throw new Error('upstream exploded');
    });
    const wf = await x.create({ name: 'Fails', definition: { nodes: [{ id: 'only', type: 'integration', action: 'flaky.tool' }] } });
    const run = await execute(wf.id);
    await waitForRun(x.t, run.id);
    const detail = (await x.rest.get(`${BASE}/${wf.id}/runs/${run.id}`)).body.run;
    expect(detail).toMatchObject({ status: 'failed', outputs: null, finished_at: expect.any(String) });
    expect(detail.error).toMatch(/only/);
    expect((await x.rest.get(`${BASE}/${wf.id}/runs?status=failed`)).body).toMatchObject({ count: 1, runs: [{ id: run.id }] });
    expect((await x.rest.get(`/api/v1/runs/${run.id}`)).body.status).toBe('FAILED');
  });
});

describe('DELETE /api/v2/workflows/:id/runs/:runId', () => {
  it('terminates a running run (the documented message); 400 once it is terminal', async () => {
    const wf = await x.create(AWAITS_APPROVAL('Needs approval'));
    const runId = await waitingRun(wf.id);
    expect((await x.rest.get(`${BASE}/${wf.id}/runs?status=running`)).body).toMatchObject({ count: 1, runs: [{ id: runId }] });

    const response = await x.rest.delete(`${BASE}/${wf.id}/runs/${runId}`);
    expect(response.status, response.text).toBe(200);
    expect(response.body).toEqual({ success: true, message: 'Workflow run terminated successfully' });

    const detail = (await x.rest.get(`${BASE}/${wf.id}/runs/${runId}`)).body.run;
    expect(detail).toMatchObject({ status: 'terminated', finished_at: expect.any(String), error: expect.any(String) });
    expect((await x.rest.get(`${BASE}/${wf.id}/runs?status=terminated`)).body).toMatchObject({ count: 1, runs: [{ id: runId }] });
    // The same state through seed 004 and GraphQL.
    const v1 = (await x.rest.get(`/api/v1/runs/${runId}`)).body;
    expect(v1).toMatchObject({ status: 'CANCELLED', cancelled_at: detail.finished_at });
    const g = expectMember((await x.t.ok(RunDocument, { id: runId })).run, 'Run');
    expect(g.status).toBe('CANCELLED');
    expect(g.steps[0]?.status).toBe('CANCELLED');

    const again = await x.rest.delete(`${BASE}/${wf.id}/runs/${runId}`);
    expectFailure(again, 400);
    expect(again.body.error).toMatch(/already terminated/);
    expectFailure(await x.rest.delete(`${BASE}/${weekly.id}/runs/${runId}`), 404);
    expectFailure(await x.rest.delete(`${BASE}/${wf.id}/runs/e5f6a7b8-c9d0-1234-ef56-789012345678`), 404);
  });

  it('answers 400 for a completed run', async () => {
    const run = await execute(weekly.id, EXECUTE_INPUTS);
    await waitForRun(x.t, run.id);
    const refused = await x.rest.delete(`${BASE}/${weekly.id}/runs/${run.id}`);
    expectFailure(refused, 400);
    expect(refused.body.error).toMatch(/already completed/);
    expect((await x.rest.get(`${BASE}/${weekly.id}/runs/${run.id}`)).body.run.status).toBe('completed');
  });
});

describe('DELETE /api/v2/workflows/:id cascades to its runs', () => {
  it('deletes finished and running runs and schedules with the workflow, for every API', async () => {
    const wf = await x.create(AWAITS_APPROVAL('Short lived'));
    const done = await execute(wf.id);
    await x.rest.delete(`${BASE}/${wf.id}/runs/${done.id}`);
    const running = await waitingRun(wf.id);
    const schedule = (await x.rest.post(`${BASE}/${wf.id}/schedules`, { cron_expression: '*/5 * * * *' })).body.schedule;
    expect((await x.rest.get(`/api/v1/runs/${running}`)).status).toBe(200);

    const response = await x.rest.delete(`${BASE}/${wf.id}`);
    expect(response.status, response.text).toBe(200);
    expect(response.body).toEqual({ success: true, message: 'Workflow deleted successfully' });

    for (const id of [done.id, running]) {
      const v1 = await x.rest.get(`/api/v1/runs/${id}`);
      expect(v1.status, v1.text).toBe(404);
      expect((await x.t.ok(RunDocument, { id })).run?.__typename).toBe('NotFoundError');
    }
    expectFailure(await x.rest.get(`${BASE}/${wf.id}/runs`), 404);
    expectFailure(await x.rest.get(`${BASE}/${wf.id}/runs/${running}`), 404);
    expect((await x.t.ok(ScheduleDocument, { id: schedule.id })).schedule?.__typename).toBe('NotFoundError');
    // Other workflows keep theirs.
    expect((await x.rest.get(`${BASE}/${weekly.id}/runs`)).body.count).toBeGreaterThan(0);
  });

  it('stops a run whose agent call is in flight', async () => {
    const held = x.blocker();
    const slow = await x.agent('slow.tool', async () => {
      await held.wait;
      return { late: true };
    });
    const wf = await x.create({ name: 'In flight', definition: { nodes: [{ id: 'call', type: 'integration', action: 'slow.tool' }] } });
    const run = await execute(wf.id);
    await eventually(() => slow.calls.length === 1, 'the agent call to start');
    expect((await x.rest.delete(`${BASE}/${wf.id}`)).status).toBe(200);
    // The worker driving it finds the run gone and aborts the call.
    await eventually(() => slow.aborted === 1, 'the in-flight call to be aborted');
    expect((await x.rest.get(`/api/v1/runs/${run.id}`)).status).toBe(404);
  });
});
