// Seed 004's Run Monitoring endpoints for one run (/api/v1/runs/{run_id}, /steps, /retry,
// /cancel), called as its documented examples call them, over runs of real local agents.
// Workflows and runs are created through GraphQL, so these tests depend only on the runs
// endpoints; every REST answer is checked against /openapi.json.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CancelRunDocument, RunDocument } from '../gql/graphql.ts';
import { AgentReply } from '../support/agents.ts';
import { dbId, expectMember } from '../support/flows.ts';
import type { Body } from '../support/rest.ts';
import { eventually, waitForRun } from '../support/runs.ts';
import { chain, v1RunFixture, type V1RunFixture } from '../support/v1-runs.ts';

let x: V1RunFixture;
beforeAll(async () => {
  x = await v1RunFixture();
});
afterAll(async () => {
  await x?.close();
});

describe('GET /api/v1/runs/{run_id} and /steps', () => {
  it('shows a run started through GraphQL with the same state, and its steps in start order with their agents', async () => {
    const extractor = await x.agent('DataExtractorAgent', (body: { input: { source_url: string } }) => ({
      data: [1, 2, 3],
      record_count: 3,
      from: body.input.source_url,
    }));
    const transformer = await x.agent('DataTransformerAgent', (body: { input: { raw_data: number[] } }) => ({
      transformed_data: body.input.raw_data.map((n) => n * 10),
    }));
    const wf = await x.workflow(
      chain(
        {
          extract: {
            id: 'extract',
            name: 'Extract data',
            agent_name: extractor.name,
            next_step: 'transform',
            input_mapping: { source_url: '${workflow.input.data_source}', format: '${workflow.input.format}' },
          },
          transform: {
            id: 'transform',
            agent_name: transformer.name,
            next_step: null,
            input_mapping: { raw_data: '${extract.output.data}' },
          },
        },
        'extract',
      ),
    );
    const input = { data_source: 'https://api.example.com/data', format: 'json' };
    const runId = await x.start(wf, input);
    await x.finished(runId);
    const graph = expectMember((await x.t.ok(RunDocument, { id: runId })).run, 'Run');

    const got = await x.rest.get(`/api/v1/runs/${runId}`);
    expect(got.status).toBe(200);
    expect(got.body).toEqual({
      id: runId,
      run_id: runId,
      workflow_id: wf.key,
      workflow_name: wf.name,
      // Seed 004 names the current version by the workflow's id.
      workflow_definition_id: dbId(wf.id),
      status: 'COMPLETED',
      input_data: input,
      triggered_by: 'system',
      created_at: graph.createdAt,
      updated_at: expect.any(String),
      completed_at: graph.completedAt,
      cancelled_at: null,
      cancelled_by: null,
      error_message: null,
    });

    const steps = await x.rest.get(`/api/v1/runs/${runId}/steps`);
    expect(steps.status).toBe(200);
    expect(steps.body).toEqual([
      {
        id: expect.any(String),
        run_id: runId,
        step_id: 'extract',
        step_name: 'Extract data',
        agent_name: extractor.name,
        status: 'COMPLETED',
        input_data: { source_url: 'https://api.example.com/data', format: 'json' },
        output_data: { data: [1, 2, 3], record_count: 3, from: 'https://api.example.com/data' },
        started_at: expect.any(String),
        completed_at: expect.any(String),
        error_message: null,
      },
      {
        id: expect.any(String),
        run_id: runId,
        step_id: 'transform',
        step_name: 'transform',
        agent_name: transformer.name,
        status: 'COMPLETED',
        input_data: { raw_data: [1, 2, 3] },
        output_data: { transformed_data: [10, 20, 30] },
        started_at: expect.any(String),
        completed_at: expect.any(String),
        error_message: null,
      },
    ]);
    expect(Date.parse(steps.body[0].completed_at)).toBeLessThanOrEqual(Date.parse(steps.body[1].started_at));
  });

  it('orders steps by start time, not by their place in the definition; steps not started come last', async () => {
    const first = await x.agent('first', () => ({ value: 1 }));
    const broken = await x.agent('broken', () => new AgentReply(500, { error: 'Connection timeout' }));
    const never = await x.agent('never', () => ({}));
    // Listed backwards: each step depends on the one after it in the list.
    const wf = await x.workflow({
      steps: [
        { id: 'load', type: 'agent', agent: never.name, dependsOn: ['transform'], input: {} },
        { id: 'transform', type: 'agent', agent: broken.name, dependsOn: ['extract'], input: {} },
        { id: 'extract', type: 'agent', agent: first.name, input: {} },
      ],
    });
    const runId = await x.start(wf);
    await x.finished(runId);
    const steps = (await x.rest.get(`/api/v1/runs/${runId}/steps`)).body as Body[];
    expect(steps.map((s) => [s.step_id, s.status])).toEqual([
      ['extract', 'COMPLETED'],
      ['transform', 'FAILED'],
      ['load', 'PENDING'],
    ]);
    expect(steps[1].error_message).toMatch(/500/);
    expect(steps[2]).toMatchObject({ started_at: null, completed_at: null, input_data: null, output_data: null, agent_name: never.name });
  });

  it('reports a step waiting on a signal as RUNNING, and a transform step without agent', async () => {
    const wf = await x.workflow({
      steps: [
        { id: 'shape', type: 'transform', expression: '$.n + 1', input: { n: 1 } },
        { id: 'approval', type: 'wait', dependsOn: ['shape'] },
      ],
    });
    const runId = await x.start(wf);
    await waitForRun(x.t, runId, (r) => r.steps.some((s) => s.stepId === 'approval' && s.status === 'WAITING'));
    const run = await x.rest.get(`/api/v1/runs/${runId}`);
    expect(run.body.status).toBe('RUNNING');
    const steps = (await x.rest.get(`/api/v1/runs/${runId}/steps`)).body as Body[];
    expect(steps.map((s) => [s.step_id, s.status, s.agent_name])).toEqual([
      ['shape', 'COMPLETED', null],
      ['approval', 'RUNNING', null],
    ]);

    // No body: cancelled by 'system', and the error message has no reason to give.
    const cancelled = await x.rest.post(`/api/v1/runs/${runId}/cancel`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ status: 'CANCELLED', cancelled_by: 'system', error_message: 'Cancelled', completed_at: null });
    const after = (await x.rest.get(`/api/v1/runs/${runId}/steps`)).body as Body[];
    expect(after.map((s) => [s.status, s.error_message])).toEqual([
      ['COMPLETED', null],
      ['FAILED', 'Cancelled'],
    ]);
  });

  it('answers 404 with the documented detail for an unknown run, on every run endpoint', async () => {
    const id = '00000000-0000-4000-8000-00000000dead';
    for (const [method, path] of [
      ['GET', ''],
      ['GET', '/steps'],
      ['GET', '/logs'],
      ['POST', '/retry'],
      ['POST', '/cancel'],
    ] as const) {
      const response = await x.rest.call(method, `/api/v1/runs/${id}${path}`);
      expect(response.status, `${method} ${path}`).toBe(404);
      expect(response.body.detail).toBe(`Run with id '${id}' not found`);
    }
  });
});

describe('POST /api/v1/runs/{run_id}/retry', () => {
  it('resumes a failed run from the failed step: completed steps are not called again, and it completes', async () => {
    let transformFails = true;
    const extractor = await x.agent('extractor', () => ({ data: ['a', 'b'] }));
    const transformer = await x.agent('transformer', (body: { input: { data: string[] } }) =>
      transformFails
        ? new AgentReply(503, { error: 'Connection timeout' })
        : { transformed_data: body.input.data.map((s) => s.toUpperCase()) },
    );
    const loader = await x.agent('loader', (body: { input: unknown }) => ({ loaded: body.input }));
    const wf = await x.workflow(
      chain(
        {
          extract: {
            id: 'extract',
            agent_name: extractor.name,
            next_step: 'transform',
            input_mapping: { source: '${workflow.input.source}' },
          },
          transform: {
            id: 'transform',
            agent_name: transformer.name,
            next_step: 'load',
            input_mapping: { data: '${extract.output.data}' },
          },
          load: { id: 'load', agent_name: loader.name, next_step: null, input_mapping: { rows: '${transform.output.transformed_data}' } },
        },
        'extract',
      ),
    );
    const since = new Date(Date.now() - 1000).toISOString();
    const runId = await x.start(wf, { source: 'https://api.example.com/data' });
    await x.finished(runId);

    const failed = await x.rest.get(`/api/v1/runs/${runId}`);
    expect(failed.body).toMatchObject({ status: 'FAILED', completed_at: expect.any(String), cancelled_at: null });
    const steps = (await x.rest.get(`/api/v1/runs/${runId}/steps`)).body as Body[];
    expect(steps.map((s) => [s.step_id, s.status])).toEqual([
      ['extract', 'COMPLETED'],
      ['transform', 'FAILED'],
      ['load', 'PENDING'],
    ]);
    expect(failed.body.error_message).toBe(`Step 'transform' failed: ${steps[1].error_message}`);

    // The seed's "find failed runs" example finds it.
    const listed = await x.rest.get(`/api/v1/runs?status=FAILED&created_after=${since}&sort_by=created_at&sort_order=desc`);
    expect(listed.status).toBe(200);
    expect(listed.body.items.map((r: Body) => r.run_id)).toContain(runId);
    expect(listed.body.items.every((r: Body) => r.status === 'FAILED')).toBe(true);

    transformFails = false;
    const retried = await x.rest.post(`/api/v1/runs/${runId}/retry`, {});
    expect(retried.status).toBe(202);
    expect(retried.body).toMatchObject({ id: runId, status: 'PENDING', error_message: null, completed_at: null, workflow_id: wf.key });
    await x.finished(runId);

    const done = await x.rest.get(`/api/v1/runs/${runId}`);
    expect(done.body).toMatchObject({ status: 'COMPLETED', error_message: null });
    expect(extractor.agent.calls).toHaveLength(1);
    expect(transformer.agent.calls).toHaveLength(2);
    expect(loader.agent.calls).toHaveLength(1);
    expect((loader.agent.calls[0]?.body as { input: unknown }).input).toEqual({ rows: ['A', 'B'] });
    const after = (await x.rest.get(`/api/v1/runs/${runId}/steps`)).body as Body[];
    expect(after.map((s) => [s.step_id, s.status, s.error_message])).toEqual([
      ['extract', 'COMPLETED', null],
      ['transform', 'COMPLETED', null],
      ['load', 'COMPLETED', null],
    ]);

    // A completed run cannot be retried.
    const again = await x.rest.post(`/api/v1/runs/${runId}/retry`, {});
    expect(again.status).toBe(400);
    expect(again.body.detail).toMatch(/COMPLETED; only FAILED or CANCELLED runs can be retried/);
    // The body is optional.
    const noBody = await x.rest.post(`/api/v1/runs/${runId}/retry`);
    expect(noBody.status).toBe(400);
  });
});

describe('POST /api/v1/runs/{run_id}/cancel', () => {
  it('cancels a running run with a reason (the documented body), seen CANCELLED through GraphQL; then retry resumes it', async () => {
    const held = x.blocker();
    const slow = await x.agent('slow', async () => {
      await held.wait;
      return { done: true };
    });
    const after = await x.agent('after', () => ({ ok: true }));
    const wf = await x.workflow(
      chain(
        {
          work: { id: 'work', agent_name: slow.name, next_step: 'finish', input_mapping: {} },
          finish: { id: 'finish', agent_name: after.name, next_step: null, input_mapping: {} },
        },
        'work',
      ),
    );
    const runId = await x.start(wf, { source: 'https://api.example.com/large-dataset' });
    await eventually(() => slow.agent.inFlight === 1, 'the first step to reach its agent');
    expect((await x.rest.get(`/api/v1/runs/${runId}`)).body.status).toBe('RUNNING');

    const cancelled = await x.rest.post(`/api/v1/runs/${runId}/cancel`, { reason: 'Incorrect input data provided' });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toEqual({
      id: runId,
      run_id: runId,
      workflow_id: wf.key,
      workflow_name: wf.name,
      // Seed 004 names the current version by the workflow's id.
      workflow_definition_id: dbId(wf.id),
      status: 'CANCELLED',
      input_data: { source: 'https://api.example.com/large-dataset' },
      triggered_by: 'system',
      created_at: expect.any(String),
      updated_at: expect.any(String),
      completed_at: null,
      cancelled_at: expect.any(String),
      cancelled_by: 'system',
      error_message: 'Cancelled: Incorrect input data provided',
    });
    await eventually(() => slow.agent.aborted === 1, 'the in-flight call to be aborted');

    const graph = expectMember((await x.t.ok(RunDocument, { id: runId })).run, 'Run');
    expect(graph).toMatchObject({
      status: 'CANCELLED',
      cancelReason: 'Incorrect input data provided',
      cancelledAt: cancelled.body.cancelled_at,
    });
    const verified = await x.rest.get(`/api/v1/runs/${runId}`);
    expect(verified.body).toMatchObject({
      status: 'CANCELLED',
      cancelled_by: 'system',
      error_message: 'Cancelled: Incorrect input data provided',
    });

    // A finished run cannot be cancelled.
    const twice = await x.rest.post(`/api/v1/runs/${runId}/cancel`, { reason: 'again' });
    expect(twice.status).toBe(400);
    expect(twice.body.detail).toMatch(/already CANCELLED; only PENDING or RUNNING runs can be cancelled/);

    held.open();
    const retried = await x.rest.post(`/api/v1/runs/${runId}/retry`, {});
    expect(retried.status).toBe(202);
    expect(retried.body).toMatchObject({ status: 'PENDING', cancelled_at: null, cancelled_by: null, error_message: null });
    await x.finished(runId);
    expect((await x.rest.get(`/api/v1/runs/${runId}`)).body.status).toBe('COMPLETED');
    expect(after.agent.calls).toHaveLength(1);
  });

  it('refuses to cancel a completed run (400), and a run cancelled through GraphQL reads CANCELLED through REST', async () => {
    const quick = await x.agent('quick', () => ({ ok: true }));
    const wf = await x.workflow(chain({ only: { id: 'only', agent_name: quick.name, next_step: null, input_mapping: {} } }, 'only'));
    const runId = await x.start(wf);
    await x.finished(runId);
    const refused = await x.rest.post(`/api/v1/runs/${runId}/cancel`, { reason: 'too late' });
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ detail: expect.stringMatching(/already COMPLETED/), status_code: 400 });
    expect((await x.rest.get(`/api/v1/runs/${runId}`)).body).toMatchObject({ status: 'COMPLETED', cancelled_at: null });

    const waiting = await x.workflow({ steps: [{ id: 'gate', type: 'wait' }] });
    const other = await x.start(waiting);
    await waitForRun(x.t, other, (r) => r.status === 'RUNNING');
    expectMember((await x.t.ok(CancelRunDocument, { id: other, reason: 'from GraphQL' })).cancelRun, 'Run');
    expect((await x.rest.get(`/api/v1/runs/${other}`)).body).toMatchObject({
      status: 'CANCELLED',
      error_message: 'Cancelled: from GraphQL',
      cancelled_by: 'system',
    });
  });

  it('answers 422 for a malformed cancel body', async () => {
    const wf = await x.workflow({ steps: [{ id: 'gate', type: 'wait' }] });
    const runId = await x.start(wf);
    const bad = await x.rest.post(`/api/v1/runs/${runId}/cancel`, { reason: 42 });
    expect(bad.status).toBe(422);
    expect(bad.body.detail[0]).toMatchObject({ loc: ['body', 'reason'] });
    await x.rest.post(`/api/v1/runs/${runId}/cancel`, {});
  });
});
