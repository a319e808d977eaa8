// Seed 004 ("Workflow Management API - Complete Usage Guide") replayed: every example request,
// in an order that makes it valid, answered with the documented status and shape. Substitutions,
// and only these: the example agent URLs point at local A2A test agents (answering with `data`,
// as the ETL mappings expect); the example UUIDs are the ids the server returned (the guide's
// agent UUID stays where an unknown id is wanted); request bodies the guide shows twice under one
// name (the full agent body, the three-step workflow body) are renamed the second time. Every
// response is also checked against /openapi.json by the REST client.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gate, startHttpAgent, type TestAgent } from '../support/agents.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { type Body, type RestClient, restClient } from '../support/rest.ts';
import { eventually } from '../support/runs.ts';
import { ETL, ETL_EXAMPLE } from './v1-workflow-fixtures.ts';
import {
  expectAgent,
  expectError,
  expectPage,
  expectRun,
  expectStep,
  expectWorkflow,
  dataAgent,
  type DataAgent,
  startEtlAgents,
  waitForStatus,
} from './seed-004-shapes.ts';

let t: TestApp;
let rest: RestClient;
let etl: Awaited<ReturnType<typeof startEtlAgents>>;
let processor: DataAgent;
const extra: TestAgent[] = [];
const held = gate();

beforeAll(async () => {
  t = await startTestApp({}, { WORKER_POLL_MS: '50' });
  rest = restClient(t);
  etl = await startEtlAgents();
  processor = await dataAgent(() => ({ data: { processed: true } }));
});
afterAll(async () => {
  held.open();
  await t?.close();
  await etl?.close();
  await Promise.all([processor, ...extra].map((a) => a?.close()));
});

const UNKNOWN = '123e4567-e89b-12d3-a456-426614174000';
/** Ids the server returned, in place of the guide's example UUIDs. */
const ids = { processor: '', secure: '', workflow: '', fullWorkflow: '', run: '', workflowKey: '' };

async function created(path: string, body: unknown): Promise<Body> {
  const response = await rest.post(path, body);
  expect(response.status, response.text).toBe(201);
  return response.body;
}

/** Registers one of the agents the example workflows name, at a local test agent. */
async function agentNamed(name: string, agent: TestAgent, extraFields: Record<string, unknown> = {}): Promise<string> {
  return (await created('/api/v1/agents', { name, url: agent.url, ...extraFields })).id as string;
}

describe('Agent Management', () => {
  it('Quick Start: POST /api/v1/agents creates my-first-agent (201)', async () => {
    const body = await created('/api/v1/agents', { name: 'my-first-agent', url: processor.url });
    expectAgent(body);
    expect(body).toMatchObject({ name: 'my-first-agent', url: processor.url, status: 'active', auth_type: 'none' });
  });

  it('Create Agent: the example answers 201 with the documented agent and defaults', async () => {
    const body = await created('/api/v1/agents', {
      name: 'data-processor',
      url: processor.url,
      description: 'Processes data transformations',
      timeout_ms: 60000,
    });
    expectAgent(body);
    expect(body).toMatchObject({
      name: 'data-processor',
      url: processor.url,
      description: 'Processes data transformations',
      auth_type: 'none',
      timeout_ms: 60000,
      retry_config: { max_retries: 3, initial_delay_ms: 1000, max_delay_ms: 30000, backoff_multiplier: 2.0 },
      status: 'active',
    });
    ids.processor = body.id;
  });

  const fullBody = {
    name: 'data-processor',
    url: 'http://data-processor:8080',
    description: 'Processes data transformations',
    auth_type: 'bearer',
    auth_config: { token: 'secret-token-123' },
    timeout_ms: 30000,
    retry_config: { max_retries: 3, initial_delay_ms: 1000, max_delay_ms: 30000, backoff_multiplier: 2.0 },
  };

  it('the full Request Body under a taken name: 400 "Agent name \'data-processor\' already exists"', async () => {
    const response = await rest.post('/api/v1/agents', fullBody, { headers: { 'x-request-id': 'req-dup-1' } });
    expectError(response, 400, '/api/v1/agents', 'req-dup-1');
    expect(response.body.detail).toBe("Agent name 'data-processor' already exists");
  });

  it('the full Request Body (renamed) is accepted; the bearer token is never returned', async () => {
    const response = await rest.post('/api/v1/agents', { ...fullBody, name: 'data-processor-secure', url: processor.url });
    expect(response.status, response.text).toBe(201);
    expectAgent(response.body);
    expect(response.body).toMatchObject({ auth_type: 'bearer', timeout_ms: 30000, retry_config: fullBody.retry_config });
    expect(response.text).not.toContain('secret-token-123');
    ids.secure = response.body.id;
  });

  it('List Agents: ?page=1&page_size=20&status=active is the documented envelope of active agents', async () => {
    const response = await rest.get('/api/v1/agents?page=1&page_size=20&status=active');
    expect(response.status).toBe(200);
    expectPage(response.body, { page: 1, page_size: 20 });
    expect(response.body.total).toBe(3);
    for (const item of response.body.items) {
      expectAgent(item, 'listed agent');
      expect(item.status).toBe('active');
    }
    // Best Practices 7: "Check if agent exists" through ?name=
    expect((await rest.get('/api/v1/agents?name=data-processor')).body.items.map((a: Body) => a.id)).toEqual([ids.processor]);
    expect((await rest.get('/api/v1/agents?name=DataExtractorAgent')).body.items).toEqual([]);
  });

  it('Get Agent: 200 with the same structure as Create', async () => {
    const response = await rest.get(`/api/v1/agents/${ids.processor}`);
    expect(response.status).toBe(200);
    expectAgent(response.body);
    expect(response.body).toMatchObject({ id: ids.processor, name: 'data-processor', timeout_ms: 60000 });
  });

  it('Update Agent: the example changes only description and timeout_ms', async () => {
    const before = (await rest.get(`/api/v1/agents/${ids.processor}`)).body;
    const response = await rest.put(`/api/v1/agents/${ids.processor}`, { description: 'Updated description', timeout_ms: 60000 });
    expect(response.status, response.text).toBe(200);
    expectAgent(response.body);
    expect(response.body).toEqual({
      ...before,
      description: 'Updated description',
      timeout_ms: 60000,
      updated_at: response.body.updated_at,
    });
  });

  it('Update Agent: the full Request Body (every field) is applied, retry_config merged', async () => {
    const response = await rest.put(`/api/v1/agents/${ids.secure}`, {
      url: 'http://new-url:8080',
      description: 'Updated description',
      auth_type: 'apikey',
      auth_config: { key: 'new-api-key' },
      timeout_ms: 60000,
      retry_config: { max_retries: 5 },
      status: 'inactive',
    });
    expect(response.status, response.text).toBe(200);
    expectAgent(response.body);
    expect(response.body).toMatchObject({
      url: 'http://new-url:8080',
      description: 'Updated description',
      auth_type: 'apikey',
      timeout_ms: 60000,
      retry_config: { max_retries: 5, initial_delay_ms: 1000, max_delay_ms: 30000, backoff_multiplier: 2.0 },
      status: 'inactive',
    });
    expect(response.text).not.toContain('new-api-key');
    const inactive = await rest.get('/api/v1/agents?status=inactive');
    expect(inactive.body.items.map((a: Body) => a.id)).toEqual([ids.secure]);
  });

  it('Check Agent Health: healthy (200, status_code, response_time_ms) and unhealthy (200, error)', async () => {
    const healthy = await rest.get(`/api/v1/agents/${ids.processor}/health`);
    expect(healthy.status).toBe(200);
    expect(healthy.body).toEqual({ healthy: true, status_code: 200, response_time_ms: expect.any(Number), error: null });

    const gone = await startHttpAgent(() => ({}));
    await gone.close();
    const deadId = await agentNamed('gone-agent', gone, { timeout_ms: 1000 });
    const unhealthy = await rest.get(`/api/v1/agents/${deadId}/health`);
    expect(unhealthy.status).toBe(200);
    expect(unhealthy.body).toEqual({ healthy: false, status_code: null, response_time_ms: null, error: expect.any(String) });
    await rest.delete(`/api/v1/agents/${deadId}`);
  });

  it('Delete Agent: 200 with the documented message; the agent is listed as deleted', async () => {
    const id = (await created('/api/v1/agents', { name: 'short-lived', url: processor.url })).id as string;
    const response = await rest.delete(`/api/v1/agents/${id}`);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ message: `Agent '${id}' deleted successfully` });
    const deleted = await rest.get('/api/v1/agents?status=deleted');
    expect(deleted.body.items.map((a: Body) => a.id)).toContain(id);
    expect((await rest.get('/api/v1/agents?status=active')).body.items.map((a: Body) => a.id)).not.toContain(id);
  });

  it('404: "Agent with id \'...\' not found" for get, update, delete and health of an unknown id', async () => {
    for (const [method, path] of [
      ['GET', `/api/v1/agents/${UNKNOWN}`],
      ['PUT', `/api/v1/agents/${UNKNOWN}`],
      ['DELETE', `/api/v1/agents/${UNKNOWN}`],
      ['GET', `/api/v1/agents/${UNKNOWN}/health`],
    ] as const) {
      const body = method === 'PUT' ? { description: 'x' } : undefined;
      const response = await rest.call(method, path, { body, headers: { 'x-request-id': 'req-404' } });
      expectError(response, 404, path, 'req-404');
      expect(response.body.detail, `${method} ${path}`).toBe(`Agent with id '${UNKNOWN}' not found`);
    }
  });

  it('422: a missing name and an empty url come back as the documented detail list', async () => {
    const response = await rest.post('/api/v1/agents', { url: '' }, { headers: { 'x-request-id': 'req-422' } });
    expectError(response, 422, '/api/v1/agents', 'req-422');
    expect(response.body.detail).toEqual(
      expect.arrayContaining([
        { type: 'missing', loc: ['body', 'name'], msg: 'Field required', input: expect.any(Object) },
        { type: 'string_too_short', loc: ['body', 'url'], msg: 'String should have at least 1 character', input: '' },
      ]),
    );
    for (const entry of response.body.errors)
      expect(entry).toEqual({ field: expect.any(String), message: expect.any(String), type: expect.any(String) });
  });
});

/** The Example Request of Create Workflow (two steps). */
const pipeline = ETL_EXAMPLE;

/** The Request Body of Create Workflow (three steps); renamed, as the example request takes the name. */
const fullPipeline = { ...ETL, name: 'data-processing-pipeline-full' };

describe('Workflow Management', () => {
  beforeAll(async () => {
    await agentNamed('DataExtractorAgent', etl.extractor);
    await agentNamed('DataTransformerAgent', etl.transformer);
    await agentNamed('DataLoaderAgent', etl.loader);
    await agentNamed('DataValidatorAgent', etl.validator);
  });

  it('Create Workflow: the example answers 201, version 1, workflow_data holding the chain', async () => {
    const body = await created('/api/v1/workflows', pipeline);
    expectWorkflow(body);
    expect(body).toMatchObject({ name: pipeline.name, description: pipeline.description, version: 1, status: 'active' });
    expect(body.workflow_data.start_step).toBe('extract');
    expect(Object.keys(body.workflow_data.steps).sort()).toEqual(['extract', 'transform']);
    expect(body.workflow_data.steps.extract).toMatchObject(pipeline.steps.extract);
    ids.workflow = body.id;
  });

  it('Create Workflow: the three-step Request Body is accepted', async () => {
    const body = await created('/api/v1/workflows', fullPipeline);
    expectWorkflow(body);
    expect(Object.keys(body.workflow_data.steps).sort()).toEqual(['extract', 'load', 'transform']);
    ids.fullWorkflow = body.id;
  });

  it('400: a step naming an unknown agent is "Agent \'NonExistentAgent\' not found or inactive"', async () => {
    const bad = {
      ...pipeline,
      name: 'broken',
      steps: { ...pipeline.steps, extract: { ...pipeline.steps.extract, agent_name: 'NonExistentAgent' } },
    };
    const response = await rest.post('/api/v1/workflows', bad, { headers: { 'x-request-id': 'req-400' } });
    expectError(response, 400, '/api/v1/workflows', 'req-400');
    expect(response.body.detail).toBe("Agent 'NonExistentAgent' not found or inactive");
  });

  it('List Workflows: ?page=1&page_size=20&status=active&sort_by=name&sort_order=asc', async () => {
    const response = await rest.get('/api/v1/workflows?page=1&page_size=20&status=active&sort_by=name&sort_order=asc');
    expect(response.status).toBe(200);
    expectPage(response.body, { page: 1, page_size: 20 });
    response.body.items.forEach((item: Body) => expectWorkflow(item, 'listed workflow'));
    expect(response.body.items.map((w: Body) => w.name)).toEqual(['data-processing-pipeline', 'data-processing-pipeline-full']);
    const named = await rest.get('/api/v1/workflows?name=data-processing-pipeline');
    expect(named.body.items.map((w: Body) => w.id)).toEqual([ids.workflow]);
  });

  it('Get Workflow: 200 with the same structure as Create; 404 for an unknown id', async () => {
    const response = await rest.get(`/api/v1/workflows/${ids.workflow}`);
    expect(response.status).toBe(200);
    expectWorkflow(response.body);
    expect(response.body).toMatchObject({ id: ids.workflow, name: pipeline.name, version: 1 });
    const missing = await rest.get(`/api/v1/workflows/${UNKNOWN}`, { headers: { 'x-request-id': 'req-wf-404' } });
    expectError(missing, 404, `/api/v1/workflows/${UNKNOWN}`, 'req-wf-404');
    expect(typeof missing.body.detail).toBe('string');
  });

  it('Update Workflow: the example (description, status) keeps the version', async () => {
    const response = await rest.put(`/api/v1/workflows/${ids.workflow}`, {
      description: 'Updated ETL pipeline with validation',
      status: 'active',
    });
    expect(response.status, response.text).toBe(200);
    expectWorkflow(response.body);
    expect(response.body).toMatchObject({ description: 'Updated ETL pipeline with validation', status: 'active', version: 1 });
  });

  it('Update Workflow: new steps increment the version; Get Workflow Versions lists them newest first', async () => {
    const wf = await created('/api/v1/workflows', { ...pipeline, name: 'versioned-pipeline' });
    const response = await rest.put(`/api/v1/workflows/${wf.id}`, {
      steps: {
        extract: {
          id: 'extract',
          agent_name: 'DataExtractorAgent',
          next_step: 'validate',
          input_mapping: { source: '${workflow.input.source}' },
        },
        validate: {
          id: 'validate',
          agent_name: 'DataValidatorAgent',
          next_step: 'transform',
          input_mapping: { data: '${extract.output.data}' },
        },
        transform: {
          id: 'transform',
          agent_name: 'DataTransformerAgent',
          next_step: null,
          input_mapping: { data: '${validate.output.validated_data}' },
        },
      },
    });
    expect(response.status, response.text).toBe(200);
    expect(response.body.version).toBe(2);
    expect(Object.keys(response.body.workflow_data.steps).sort()).toEqual(['extract', 'transform', 'validate']);
    // The id the guide uses throughout (create, get, update, execute) keeps naming the workflow.
    const current = await rest.get(`/api/v1/workflows/${wf.id}`);
    expect(current.body, 'GET through the id returned by create, after a new version').toMatchObject({ version: 2, status: 'active' });

    const versions = await rest.get(`/api/v1/workflows/${wf.id}/versions?page=1&page_size=10`);
    expect(versions.status).toBe(200);
    expectPage(versions.body, { page: 1, page_size: 10 });
    versions.body.items.forEach((item: Body) => expectWorkflow(item, 'version'));
    expect(versions.body.items.map((v: Body) => v.version)).toEqual([2, 1]);
    expect(versions.body.items[0].status).toBe('active');
    // "workflow_id: UUID of any version of the workflow"
    for (const item of versions.body.items) {
      const again = await rest.get(`/api/v1/workflows/${item.id}/versions`);
      expect(again.status, `versions through the id of version ${item.version}`).toBe(200);
      expect(again.body.items.map((v: Body) => v.version)).toEqual([2, 1]);
    }
    expect((await rest.get(`/api/v1/workflows/${UNKNOWN}/versions`)).status).toBe(404);
  });

  it('Delete Workflow: 200 with the documented message', async () => {
    const doomed = await created('/api/v1/workflows', { ...pipeline, name: 'doomed-pipeline' });
    const response = await rest.delete(`/api/v1/workflows/${doomed.id}`);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ message: `Workflow '${doomed.id}' deleted successfully` });
    expect((await rest.delete(`/api/v1/workflows/${UNKNOWN}`)).status).toBe(404);
  });
});

describe('Workflow Execution and Run Monitoring', () => {
  it('Execute Workflow: the example answers 202 with a PENDING run, which completes', async () => {
    const input = { data_source: 'https://api.example.com/data', format: 'json' };
    const response = await rest.post(`/api/v1/workflows/${ids.workflow}/execute`, { input_data: input });
    expect(response.status, response.text).toBe(202);
    expectRun(response.body);
    expect(response.body).toMatchObject({
      workflow_name: 'data-processing-pipeline',
      workflow_definition_id: ids.workflow,
      status: 'PENDING',
      input_data: input,
      triggered_by: 'system',
      completed_at: null,
      cancelled_at: null,
      cancelled_by: null,
      error_message: null,
    });
    ids.run = response.body.run_id;
    ids.workflowKey = response.body.workflow_id;
    const done = await waitForStatus(rest, ids.run, ['COMPLETED', 'FAILED', 'CANCELLED']);
    expect(done.status, done.error_message).toBe('COMPLETED');
  });

  it('Get Run: the completed run, completed_at set, error_message null', async () => {
    const response = await rest.get(`/api/v1/runs/${ids.run}`);
    expect(response.status).toBe(200);
    expectRun(response.body);
    expect(response.body).toMatchObject({ id: ids.run, status: 'COMPLETED', error_message: null, cancelled_at: null, cancelled_by: null });
    expect(response.body.completed_at).toEqual(expect.any(String));
    const missing = await rest.get(`/api/v1/runs/${UNKNOWN}`, { headers: { 'x-request-id': 'req-run-404' } });
    expectError(missing, 404, `/api/v1/runs/${UNKNOWN}`, 'req-run-404');
  });

  it('Get Run Steps: the three-step Request Body with the execute Request Body, steps in start order', async () => {
    const input = { data_source: 'https://api.example.com/data', format: 'json', schema: 'v2', destination: 's3://bucket/output/' };
    const started = await rest.post(`/api/v1/workflows/${ids.fullWorkflow}/execute`, { input_data: input });
    expect(started.status, started.text).toBe(202);
    const done = await waitForStatus(rest, started.body.run_id, ['COMPLETED', 'FAILED', 'CANCELLED']);
    expect(done.status, done.error_message).toBe('COMPLETED');

    const response = await rest.get(`/api/v1/runs/${done.id}/steps`);
    expect(response.status).toBe(200);
    expect(Array.isArray(response.body)).toBe(true);
    response.body.forEach((step: Body) => expectStep(step));
    expect(response.body.map((s: Body) => [s.step_id, s.agent_name, s.status])).toEqual([
      ['extract', 'DataExtractorAgent', 'COMPLETED'],
      ['transform', 'DataTransformerAgent', 'COMPLETED'],
      ['load', 'DataLoaderAgent', 'COMPLETED'],
    ]);
    const [extract, transform] = response.body as Body[];
    expect(extract.run_id).toBe(done.id);
    expect(extract.input_data).toEqual({ source_url: 'https://api.example.com/data', format: 'json' });
    expect(extract.output_data).toMatchObject({ data: { rows: [1, 2, 3] }, record_count: 3 });
    expect(transform.input_data).toEqual({ raw_data: extract.output_data.data, schema: 'v2' });
    expect(etl.loader.inputs[0]).toEqual({
      transformed_data: { transformed: extract.output_data.data },
      destination: 's3://bucket/output/',
    });
    expect((await rest.get(`/api/v1/runs/${UNKNOWN}/steps`)).status).toBe(404);
  });

  it('List Runs: the documented filters find the runs they name', async () => {
    const all = await rest.get('/api/v1/runs?page=1&page_size=50');
    expect(all.status).toBe(200);
    expectPage(all.body, { page: 1, page_size: 50 });
    all.body.items.forEach((run: Body) => expectRun(run, 'listed run'));
    const byKey = await rest.get(`/api/v1/runs?workflow_id=${encodeURIComponent(ids.workflowKey)}`);
    expect(byKey.body.items.map((r: Body) => r.id)).toEqual([ids.run]);
    const byDefinition = await rest.get(`/api/v1/runs?workflow_definition_id=${ids.workflow}`);
    expect(byDefinition.body.items.map((r: Body) => r.id)).toEqual([ids.run]);
    const completed = await rest.get('/api/v1/runs?status=COMPLETED&created_after=2024-01-01T00:00:00Z&sort_by=created_at&sort_order=desc');
    expect(completed.body.total).toBe(2);
    expect(completed.body.items[1].id).toBe(ids.run);
    const before = await rest.get('/api/v1/runs?created_before=2024-01-01T00:00:00Z');
    expect(before.body.total).toBe(0);
    // Best Practices 2: "API enforces max page_size of 100"
    expect((await rest.get('/api/v1/runs?page=1&page_size=101')).status).toBe(422);
  });

  it('a failed run: error_message "Step \'…\' failed: …", listed by ?status=FAILED; Retry Run (202, PENDING) completes it', async () => {
    const flaky = await dataAgent((_input, call) => {
      if (call === 1) throw new Error('Connection timeout');
      return { data: { ok: true } };
    });
    extra.push(flaky);
    await agentNamed('FlakyTransformerAgent', flaky, { retry_config: { max_retries: 0 } });
    const wf = await created('/api/v1/workflows', {
      name: 'flaky-pipeline',
      start_step: 'extract',
      steps: {
        extract: {
          id: 'extract',
          agent_name: 'DataExtractorAgent',
          next_step: 'transform',
          input_mapping: { source_url: '${workflow.input.data_source}' },
        },
        transform: {
          id: 'transform',
          agent_name: 'FlakyTransformerAgent',
          next_step: null,
          input_mapping: { raw_data: '${extract.output.data}' },
        },
      },
    });
    const started = await rest.post(`/api/v1/workflows/${wf.id}/execute`, { input_data: { data_source: 'x' } });
    const failed = await waitForStatus(rest, started.body.run_id, ['COMPLETED', 'FAILED', 'CANCELLED']);
    expect(failed.status).toBe('FAILED');
    expect(failed.error_message).toMatch(/^Step 'transform' failed: /);
    expect(failed.completed_at).toEqual(expect.any(String));
    const listed = await rest.get('/api/v1/runs?status=FAILED&created_after=2024-01-01T00:00:00Z&sort_by=created_at&sort_order=desc');
    expect(listed.body.items.map((r: Body) => r.id)).toEqual([failed.id]);
    const steps = (await rest.get(`/api/v1/runs/${failed.id}/steps`)).body as Body[];
    expect(steps.map((s) => [s.step_id, s.status])).toEqual([
      ['extract', 'COMPLETED'],
      ['transform', 'FAILED'],
    ]);
    expect(steps[1].error_message).toEqual(expect.any(String));

    const extractCalls = etl.extractor.inputs.length;
    const retried = await rest.post(`/api/v1/runs/${failed.id}/retry`, {});
    expect(retried.status, retried.text).toBe(202);
    expectRun(retried.body);
    expect(retried.body).toMatchObject({ id: failed.id, status: 'PENDING' });
    const done = await waitForStatus(rest, failed.id, ['COMPLETED', 'FAILED', 'CANCELLED']);
    expect(done).toMatchObject({ status: 'COMPLETED', error_message: null });
    expect(etl.extractor.inputs.length, 'the completed step is not called again').toBe(extractCalls);
    expect(flaky.inputs).toHaveLength(2);

    const refused = await rest.post(`/api/v1/runs/${done.id}/retry`, {}, { headers: { 'x-request-id': 'req-retry' } });
    expectError(refused, 400, `/api/v1/runs/${done.id}/retry`, 'req-retry');
    expect((await rest.post(`/api/v1/runs/${UNKNOWN}/retry`, {})).status).toBe(404);
  });

  it('Cancel Run: 200 CANCELLED, cancelled_at/by set, error_message "Cancelled: <reason>"; 400 once finished', async () => {
    const slow = await dataAgent(async () => {
      await held.wait;
      return { data: null };
    });
    extra.push(slow);
    await agentNamed('SlowExtractorAgent', slow, { timeout_ms: 60000 });
    const wf = await created('/api/v1/workflows', {
      name: 'slow-pipeline',
      start_step: 'extract',
      steps: { extract: { id: 'extract', agent_name: 'SlowExtractorAgent', next_step: null, input_mapping: {} } },
    });
    const started = await rest.post(`/api/v1/workflows/${wf.id}/execute`, { input_data: {} });
    await eventually(() => slow.inputs.length === 1, 'the slow agent is called');
    expect((await rest.get(`/api/v1/runs/${started.body.run_id}`)).body.status).toBe('RUNNING');

    const response = await rest.post(`/api/v1/runs/${started.body.run_id}/cancel`, { reason: 'Incorrect input data provided' });
    expect(response.status, response.text).toBe(200);
    expectRun(response.body);
    expect(response.body).toMatchObject({
      status: 'CANCELLED',
      completed_at: null,
      cancelled_at: expect.any(String),
      cancelled_by: 'system',
      error_message: 'Cancelled: Incorrect input data provided',
    });
    const again = await rest.post(`/api/v1/runs/${started.body.run_id}/cancel`, {}, { headers: { 'x-request-id': 'req-cancel' } });
    expectError(again, 400, `/api/v1/runs/${started.body.run_id}/cancel`, 'req-cancel');
    expect((await rest.post(`/api/v1/runs/${UNKNOWN}/cancel`, {})).status).toBe(404);
  });

  it('Execute Workflow: 400 for an inactive workflow, 404 for an unknown one, 422 without input_data', async () => {
    const wf = await created('/api/v1/workflows', { ...pipeline, name: 'paused-pipeline' });
    expect((await rest.put(`/api/v1/workflows/${wf.id}`, { status: 'inactive' })).body.status).toBe('inactive');
    expect((await rest.post(`/api/v1/workflows/${wf.id}/execute`, { input_data: {} })).status).toBe(400);
    expect((await rest.post(`/api/v1/workflows/${UNKNOWN}/execute`, { input_data: {} })).status).toBe(404);
    const invalid = await rest.post(`/api/v1/workflows/${ids.workflow}/execute`, {});
    expect(invalid.status).toBe(422);
    expect(invalid.body.detail).toEqual([expect.objectContaining({ type: 'missing', loc: ['body', 'input_data'] })]);
  });

  it('Get Run Logs: the placeholder became a real log (200, run_id + list envelope); 404 for an unknown run', async () => {
    // The guide documents 501 with a placeholder body "for a future release"; Flowdeck serves the log.
    const response = await rest.get(`/api/v1/runs/${ids.run}/logs`);
    expect(response.status).toBe(200);
    expect(response.body.run_id).toBe(ids.run);
    expectPage(response.body, { page: 1, page_size: response.body.page_size });
    expect(response.body.total).toBeGreaterThan(0);
    expect((await rest.get(`/api/v1/runs/${UNKNOWN}/logs`)).status).toBe(404);
  });
});

/** Every endpoint of the guide's tables (path parameters named as the guide names them). */
const SEED_ROUTES = [
  'POST /api/v1/agents',
  'GET /api/v1/agents',
  'GET /api/v1/agents/{agent_id}',
  'PUT /api/v1/agents/{agent_id}',
  'DELETE /api/v1/agents/{agent_id}',
  'GET /api/v1/agents/{agent_id}/health',
  'POST /api/v1/workflows',
  'GET /api/v1/workflows',
  'GET /api/v1/workflows/{workflow_id}',
  'PUT /api/v1/workflows/{workflow_id}',
  'DELETE /api/v1/workflows/{workflow_id}',
  'GET /api/v1/workflows/{workflow_id}/versions',
  'POST /api/v1/workflows/{workflow_id}/execute',
  'GET /api/v1/runs',
  'GET /api/v1/runs/{run_id}',
  'GET /api/v1/runs/{run_id}/steps',
  'POST /api/v1/runs/{run_id}/retry',
  'POST /api/v1/runs/{run_id}/cancel',
  'GET /api/v1/runs/{run_id}/logs',
  'GET /health',
  'GET /health/ready',
  'GET /metrics',
];

describe('System & Health, documentation', () => {
  it('GET /health: 200 healthy, with timestamp, version, uptime_seconds and services', async () => {
    const response = await rest.get('/health');
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      status: 'healthy',
      timestamp: expect.any(String),
      version: expect.any(String),
      uptime_seconds: expect.any(Number),
    });
    expect(response.body).toHaveProperty('services');
  });

  it('GET /health/ready: 200 ready, the database check healthy', async () => {
    const response = await rest.get('/health/ready');
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ ready: true, timestamp: expect.any(String) });
    expect(response.body.checks.database).toEqual({ status: 'healthy', message: expect.any(String), response_time_ms: expect.any(Number) });
    for (const check of Object.values<Body>(response.body.checks)) expect(['healthy', 'unhealthy', 'unknown']).toContain(check.status);
  });

  it('GET /metrics: 200 Prometheus text with the documented metrics', async () => {
    // A text body: restClient validates JSON bodies only, so the document is checked by hand.
    const spec = await rest.openapi();
    expect(spec.paths['/metrics']?.get?.responses?.['200']?.content?.['text/plain']).toBeDefined();
    const response = await rest.get('/metrics', { unchecked: true });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    for (const metric of ['api_info', 'api_uptime_seconds', 'api_requests_total']) {
      expect(response.text).toMatch(new RegExp(`^# HELP ${metric} `, 'm'));
      expect(response.text).toMatch(new RegExp(`^# TYPE ${metric} (gauge|counter)$`, 'm'));
    }
    expect(response.text).toMatch(/^api_info\{version="[^"]+"\} 1$/m);
  });

  it('/docs, /redoc and /openapi.json answer 200; /openapi.json lists every route of the guide', async () => {
    for (const path of ['/docs', '/redoc', '/openapi.json']) expect((await rest.get(path, { unchecked: true })).status, path).toBe(200);
    const spec = await rest.openapi();
    const normalise = (path: string) => path.replace(/\{[^}]+\}/g, '{}');
    const documented = Object.entries(spec.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${normalise(path)}`),
    );
    const missing = SEED_ROUTES.filter((route) => !documented.includes(normalise(route)));
    expect(missing, 'seed 004 routes missing from /openapi.json').toEqual([]);
  });

  it('the general error format: detail, error, status_code, timestamp, path, request_id; X-Request-Id echoed or generated', async () => {
    const response = await rest.get(`/api/v1/agents/${UNKNOWN}`, {
      headers: { 'X-Request-Id': 'req-123e4567-e89b-12d3-a456-426614174000' },
    });
    expectError(response, 404, `/api/v1/agents/${UNKNOWN}`, 'req-123e4567-e89b-12d3-a456-426614174000');
    const generated = await rest.get(`/api/v1/agents/${UNKNOWN}`);
    expect(generated.body.request_id).toEqual(expect.any(String));
    expect(generated.headers.get('x-request-id')).toBe(generated.body.request_id);
  });
});
