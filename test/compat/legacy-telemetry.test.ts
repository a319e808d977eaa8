// Seed 002, /api/workflows telemetry: workspace statistics, per-workflow metrics and execution
// timelines, checked against numbers computed by hand from executions created here (in a
// workspace of their own, so nothing else is counted).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Body, RestClient } from '../support/rest.ts';
import { waitForRun } from '../support/runs.ts';
import {
  DOCUMENTED_CREATE,
  DOCUMENTED_EXECUTE,
  expectDetail,
  failable,
  type LegacyApp,
  startLegacyApp,
  waiting,
} from './legacy-fixtures.ts';

let app: LegacyApp;
let rest: RestClient;
let headers: Record<string, string>;
/** Milliseconds of each completed execution of the failable workflow. */
let completedMs: number[];
let failableId: string;
let waitingId: string;
let failedExecution: string;

const ms = (status: Body) => Date.parse(status.completed_at) - Date.parse(status.started_at);
const get = (path: string) => rest.get(`/api/workflows${path}`, { headers });

beforeAll(async () => {
  app = await startLegacyApp();
  rest = app.rest;
  const ws = await app.workspace('telemetry');
  headers = { 'X-Workspace-Id': ws.id };

  // Two completed and one failed execution of one workflow...
  failableId = (await app.create(failable('failable'), headers)).id;
  const ok1 = await app.execute(failableId, { input_variables: { fail: false } }, headers);
  const ok2 = await app.execute(failableId, { input_variables: { fail: false } }, headers);
  failedExecution = await app.execute(failableId, { input_variables: { fail: true } }, headers);
  const settled = [await app.settle(ok1, undefined, headers), await app.settle(ok2, undefined, headers)];
  expect((await app.settle(failedExecution, undefined, headers)).status).toBe('failed');
  expect(settled.map((s) => s.status)).toEqual(['completed', 'completed']);
  completedMs = settled.map(ms);

  // ...and one cancelled and one still running execution of another.
  waitingId = (await app.create(waiting('waiting'), headers)).id;
  const cancelled = await app.execute(waitingId, {}, headers);
  const running = await app.execute(waitingId, {}, headers);
  for (const id of [cancelled, running]) {
    await waitForRun(app.t, id, (r) => r.status === 'RUNNING' && r.steps.some((s) => s.status === 'WAITING'), { workspaceId: ws.id });
  }
  expect((await rest.post(`/api/workflows/executions/${cancelled}/cancel`, undefined, { headers })).status).toBe(200);
});
afterAll(async () => {
  await app?.close();
});

/** Duration statistics of `values` (ms) as the API reports them, computed by hand. */
function durations(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  // Nearest rank: the value at 1-based rank ceil(p/100 × n).
  const rank = (p: number) => (sorted[Math.ceil((p / 100) * sorted.length) - 1] as number) / 1000;
  const sum = sorted.reduce((a, b) => a + b, 0);
  return {
    count: sorted.length,
    total_seconds: sum / 1000,
    average_seconds: sum / sorted.length / 1000,
    min_seconds: (sorted[0] as number) / 1000,
    max_seconds: (sorted.at(-1) as number) / 1000,
    p50_seconds: rank(50),
    p95_seconds: rank(95),
    p99_seconds: rank(99),
  };
}

describe('GET /api/workflows/executions/stats', () => {
  it("counts the workspace's executions by status, with the success rate and durations", async () => {
    const response = await get('/executions/stats');
    expect(response.status, response.text).toBe(200);
    const expected = durations(completedMs);
    expect(response.body).toEqual({
      total_executions: 5,
      recent_executions_24h: 5,
      status_counts: { pending: 0, running: 1, completed: 2, failed: 1, cancelled: 1 },
      // completed / (completed + failed + cancelled)
      success_rate: 50,
      durations: Object.fromEntries(Object.keys(expected).map((k) => [k, expect.any(Number)])),
      workflow_engine_stats: { running_executions: 1, pending_executions: 0, live_workers: 1 },
    });
    for (const [key, value] of Object.entries(expected)) expect(response.body.durations[key], key).toBeCloseTo(value, 9);

    // Another workspace (here the default one) has none of them.
    const other = await rest.get('/api/workflows/executions/stats');
    expect(other.body).toMatchObject({ total_executions: 0, success_rate: 0, status_counts: { running: 0, completed: 0 } });
    expect(other.body.durations).toEqual({
      count: 0,
      total_seconds: 0,
      average_seconds: null,
      min_seconds: null,
      max_seconds: null,
      p50_seconds: null,
      p95_seconds: null,
      p99_seconds: null,
    });
  });
});

describe('GET /api/workflows/{workflow_id}/metrics', () => {
  it("aggregates one workflow's executions", async () => {
    const response = await get(`/${failableId}/metrics`);
    expect(response.status, response.text).toBe(200);
    const expected = durations(completedMs);
    expect(response.body).toMatchObject({
      total_executions: 3,
      successful_executions: 2,
      failed_executions: 1,
      cancelled_executions: 0,
      running_executions: 0,
    });
    expect(response.body.success_rate).toBeCloseTo((2 / 3) * 100, 9);
    expect(response.body.total_duration_seconds).toBeCloseTo(expected.total_seconds, 9);
    expect(response.body.average_duration_seconds).toBeCloseTo(expected.average_seconds, 9);
    expect(response.body.min_duration_seconds).toBeCloseTo(expected.min_seconds, 9);
    expect(response.body.max_duration_seconds).toBeCloseTo(expected.max_seconds, 9);
    expect(response.body.p50_duration_seconds).toBeCloseTo(expected.p50_seconds, 9);
    expect(response.body.p99_duration_seconds).toBeCloseTo(expected.p99_seconds, 9);

    const idle = await get(`/${waitingId}/metrics`);
    expect(idle.body).toEqual({
      total_duration_seconds: 0,
      // One finished (cancelled), none completed.
      success_rate: 0,
      total_executions: 2,
      successful_executions: 0,
      failed_executions: 0,
      cancelled_executions: 1,
      running_executions: 1,
      average_duration_seconds: 0,
      min_duration_seconds: null,
      max_duration_seconds: null,
      p50_duration_seconds: null,
      p95_duration_seconds: null,
      p99_duration_seconds: null,
    });
    expectDetail(await rest.get(`/api/workflows/${failableId}/metrics`), 404, 'Workflow not found');
  });
});

describe('GET /api/workflows/executions/{execution_id}/timeline', () => {
  it('times every step of the documented workflow, in step order', async () => {
    const wf = await app.create({ ...DOCUMENTED_CREATE, name: 'timed' }, headers);
    const id = await app.execute(wf.id, DOCUMENTED_EXECUTE, headers);
    await app.settle(id, undefined, headers);
    const detail = (await get(`/executions/${id}`)).body;
    const response = await get(`/executions/${id}/timeline`);
    expect(response.status, response.text).toBe(200);
    const timeline = response.body;
    const at = (iso: string) => Date.parse(iso);
    expect(timeline).toMatchObject({
      execution_id: id,
      workflow_id: wf.id,
      status: 'completed',
      created_at: detail.created_at,
      started_at: detail.started_at,
      completed_at: detail.completed_at,
      step_count: 3,
      completed_step_count: 3,
      failed_step_count: 0,
      skipped_step_count: 0,
      error_message: null,
    });
    expect(timeline.queue_time_seconds).toBe((at(detail.started_at) - at(detail.created_at)) / 1000);
    expect(timeline.total_duration_seconds).toBe((at(detail.completed_at) - at(detail.started_at)) / 1000);

    const executed = new Map(detail.step_executions.map((s: Body) => [s.step_id, s]));
    let readyAt = detail.started_at;
    expect(timeline.step_timeline.map((s: Body) => [s.step_id, s.step_name, s.step_order, s.step_type, s.status])).toEqual([
      ['prepare', 'prepare', 1, 'transform', 'completed'],
      ['process', 'process', 2, 'transform', 'completed'],
      ['finalize', 'finalize', 3, 'transform', 'completed'],
    ]);
    for (const entry of timeline.step_timeline) {
      const step = executed.get(entry.step_id) as Body;
      expect(entry).toMatchObject({
        started_at: step.started_at,
        completed_at: step.completed_at,
        duration_seconds: step.duration,
        ready_at: readyAt,
        retry_count: 0,
        error_message: null,
        input_summary: {},
        output_summary: {},
      });
      // The engine stamps a start with its scheduling pass's clock, which may precede a dependency's recorded end: never negative.
      expect(entry.wait_time_seconds).toBe(Math.max(0, (at(step.started_at) - at(readyAt)) / 1000));
      expect(entry.attempts).toEqual([
        {
          attempt: 1,
          status: 'succeeded',
          started_at: expect.any(String),
          finished_at: expect.any(String),
          duration_seconds: expect.any(Number),
        },
      ]);
      readyAt = step.completed_at;
    }
  });

  it('counts failed and skipped steps', async () => {
    const failed = (await get(`/executions/${failedExecution}/timeline`)).body;
    expect(failed).toMatchObject({
      status: 'failed',
      step_count: 1,
      completed_step_count: 0,
      failed_step_count: 1,
      error_message: expect.stringMatching(/boom/),
    });
    expect(failed.step_timeline[0]).toMatchObject({ step_id: 'work', status: 'failed', error_message: expect.stringMatching(/boom/) });

    const branching = await app.create(
      {
        name: 'branching',
        variables: [{ name: 'n', data_type: 'int', is_required: true }],
        steps: [
          {
            name: 'check',
            step_type: 'condition',
            step_order: 1,
            config: { field: '$.n', operator: 'greater_than', value: 5, true_steps: ['big'], false_steps: ['small'] },
          },
          { name: 'big', step_type: 'task', step_order: 2, depends_on_steps: ['check'] },
          { name: 'small', step_type: 'task', step_order: 2, depends_on_steps: ['check'] },
        ],
      },
      headers,
    );
    const id = await app.execute(branching.id, { input_variables: { n: 1 } }, headers);
    expect((await app.settle(id, undefined, headers)).status).toBe('completed');
    const timeline = (await get(`/executions/${id}/timeline`)).body;
    expect(timeline).toMatchObject({ step_count: 3, completed_step_count: 2, skipped_step_count: 1, failed_step_count: 0 });
    expect(timeline.step_timeline.map((s: Body) => [s.step_name, s.status])).toEqual([
      ['check', 'completed'],
      ['big', 'skipped'],
      ['small', 'completed'],
    ]);
  });
});
