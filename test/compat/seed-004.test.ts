// Seed 004 ("Workflow Management API - Complete Usage Guide") replayed: every example request,
// in an order that makes it valid, answered with the documented status and shape. Substitutions,
// and only these: the example agent URLs point at local A2A test agents (answering with `data`,
// as the ETL mappings expect); the example UUIDs are the ids the server returned (the guide's
// agent UUID stays where an unknown id is wanted); request bodies the guide shows twice under one
// name (the full agent body, the three-step workflow body) are renamed the second time. Calls go
// through the typed client (@flowdeck/sdk/rest, `rest.api`) wherever the document covers them, so
// the compiler checks each request against /openapi.json; every response is checked against it
// by the REST client (ajv) and by the Prism proxy it sends through.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { paths } from '../../sdk/src/rest.ts';
import { gate, startHttpAgent, type TestAgent } from '../support/agents.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { type Body, type RestClient, restClient } from '../support/rest.ts';
import { eventually } from '../support/runs.ts';
import { ETL, ETL_EXAMPLE } from './v1-workflow-fixtures.ts';
import {
  answer,
  createAgent,
  createWorkflow,
  execute,
  expectAgent,
  expectError,
  expectPage,
  expectRun,
  expectStep,
  expectWorkflow,
  dataAgent,
  type DataAgent,
  invalid,
  on,
  type Schemas,
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
/** Registers one of the agents the example workflows name, at a local test agent. */
async function agentNamed(name: string, agent: TestAgent, extraFields: Partial<Schemas['AgentCreate']> = {}): Promise<string> {
  return (await createAgent(rest, { name, url: agent.url, ...extraFields })).id;
}

describe('Agent Management', () => {
  it('Quick Start: POST /api/v1/agents creates my-first-agent (201)', async () => {
    const body = await createAgent(rest, { name: 'my-first-agent', url: processor.url });
    expectAgent(body);
    expect(body).toMatchObject({ name: 'my-first-agent', url: processor.url, status: 'active', auth_type: 'none' });
  });

  it('Create Agent: the example answers 201 with the documented agent and defaults', async () => {
    const body = await createAgent(rest, {
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
  } satisfies Schemas['AgentCreate'];

  it('the full Request Body under a taken name: 400 "Agent name \'data-processor\' already exists"', async () => {
    const response = await rest.api.POST('/api/v1/agents', { body: fullBody, ...on.request('req-dup-1') });
    expectError(answer(response), 400, '/api/v1/agents', 'req-dup-1');
    expect(response.error?.detail).toBe("Agent name 'data-processor' already exists");
  });

  it('the full Request Body (renamed) is accepted; the bearer token is never returned', async () => {
    const renamed = { ...fullBody, name: 'data-processor-secure', url: processor.url };
    const response = answer(await rest.api.POST('/api/v1/agents', { body: renamed }));
    expect(response.status, response.text).toBe(201);
    expectAgent(response.body);
    expect(response.body).toMatchObject({ auth_type: 'bearer', timeout_ms: 30000, retry_config: fullBody.retry_config });
    expect(response.text).not.toContain('secret-token-123');
    ids.secure = response.body.id;
  });

  it('List Agents: ?page=1&page_size=20&status=active is the documented envelope of active agents', async () => {
    const response = await rest.api.GET('/api/v1/agents', { params: { query: { page: 1, page_size: 20, status: 'active' } } });
    expect(response.response.status).toBe(200);
    expectPage(response.data, { page: 1, page_size: 20 });
    expect(response.data?.total).toBe(3);
    for (const item of response.data?.items ?? []) {
      expectAgent(item, 'listed agent');
      expect(item.status).toBe('active');
    }
    // Best Practices 7: "Check if agent exists" through ?name=
    const named = async (name: string) => (await rest.api.GET('/api/v1/agents', { params: { query: { name } } })).data?.items;
    expect((await named('data-processor'))?.map((a) => a.id)).toEqual([ids.processor]);
    expect(await named('DataExtractorAgent')).toEqual([]);
  });

  it('Get Agent: 200 with the same structure as Create', async () => {
    const response = await rest.api.GET('/api/v1/agents/{agent_id}', on.agent(ids.processor));
    expect(response.response.status).toBe(200);
    expectAgent(response.data);
    expect(response.data).toMatchObject({ id: ids.processor, name: 'data-processor', timeout_ms: 60000 });
  });

  it('Update Agent: the example changes only description and timeout_ms', async () => {
    const before = (await rest.api.GET('/api/v1/agents/{agent_id}', on.agent(ids.processor))).data;
    const response = await rest.api.PUT('/api/v1/agents/{agent_id}', {
      ...on.agent(ids.processor),
      body: { description: 'Updated description', timeout_ms: 60000 },
    });
    expect(response.response.status, JSON.stringify(response.error)).toBe(200);
    expectAgent(response.data);
    expect(response.data).toEqual({
      ...before,
      description: 'Updated description',
      timeout_ms: 60000,
      updated_at: response.data?.updated_at,
    });
  });

  it('Update Agent: the full Request Body (every field) is applied, retry_config merged', async () => {
    const update = {
      url: 'http://new-url:8080',
      description: 'Updated description',
      auth_type: 'apikey',
      auth_config: { key: 'new-api-key' },
      timeout_ms: 60000,
      retry_config: { max_retries: 5 },
      status: 'inactive',
    } satisfies Schemas['AgentUpdate'];
    const response = answer(await rest.api.PUT('/api/v1/agents/{agent_id}', { ...on.agent(ids.secure), body: update }));
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
    const inactive = await rest.api.GET('/api/v1/agents', { params: { query: { status: 'inactive' } } });
    expect(inactive.data?.items.map((a) => a.id)).toEqual([ids.secure]);
  });

  it('Check Agent Health: healthy (200, status_code, response_time_ms) and unhealthy (200, error)', async () => {
    const healthy = await rest.api.GET('/api/v1/agents/{agent_id}/health', on.agent(ids.processor));
    expect(healthy.response.status).toBe(200);
    expect(healthy.data).toEqual({ healthy: true, status_code: 200, response_time_ms: expect.any(Number), error: null });

    const gone = await startHttpAgent(() => ({}));
    await gone.close();
    const deadId = await agentNamed('gone-agent', gone, { timeout_ms: 1000 });
    const unhealthy = await rest.api.GET('/api/v1/agents/{agent_id}/health', on.agent(deadId));
    expect(unhealthy.response.status).toBe(200);
    expect(unhealthy.data).toEqual({ healthy: false, status_code: null, response_time_ms: null, error: expect.any(String) });
    await rest.api.DELETE('/api/v1/agents/{agent_id}', on.agent(deadId));
  });

  it('Delete Agent: 200 with the documented message; the agent is listed as deleted', async () => {
    const id = (await createAgent(rest, { name: 'short-lived', url: processor.url })).id;
    const response = await rest.api.DELETE('/api/v1/agents/{agent_id}', on.agent(id));
    expect(response.response.status).toBe(200);
    expect(response.data).toEqual({ message: `Agent '${id}' deleted successfully` });
    const listed = async (status: 'active' | 'deleted') =>
      (await rest.api.GET('/api/v1/agents', { params: { query: { status } } })).data?.items.map((a) => a.id);
    expect(await listed('deleted')).toContain(id);
    expect(await listed('active')).not.toContain(id);
  });

  it('404: "Agent with id \'...\' not found" for get, update, delete and health of an unknown id', async () => {
    const unknown = { ...on.agent(UNKNOWN), ...on.request('req-404') };
    const path = `/api/v1/agents/${UNKNOWN}`;
    for (const [call, url, response] of [
      ['GET', path, await rest.api.GET('/api/v1/agents/{agent_id}', unknown)],
      ['PUT', path, await rest.api.PUT('/api/v1/agents/{agent_id}', { ...unknown, body: { description: 'x' } })],
      ['DELETE', path, await rest.api.DELETE('/api/v1/agents/{agent_id}', unknown)],
      ['GET', `${path}/health`, await rest.api.GET('/api/v1/agents/{agent_id}/health', unknown)],
    ] as const) {
      expectError(answer(response), 404, url, 'req-404');
      expect(response.error?.detail, `${call} ${url}`).toBe(`Agent with id '${UNKNOWN}' not found`);
    }
  });

  it('422: a missing name and an empty url come back as the documented detail list', async () => {
    const response = await rest.api.POST('/api/v1/agents', {
      body: invalid<Schemas['AgentCreate']>({ url: '' }),
      ...on.request('req-422'),
    });
    expectError(answer(response), 422, '/api/v1/agents', 'req-422');
    expect(response.error?.detail).toEqual(
      expect.arrayContaining([
        { type: 'missing', loc: ['body', 'name'], msg: 'Field required', input: expect.any(Object) },
        { type: 'string_too_short', loc: ['body', 'url'], msg: 'String should have at least 1 character', input: '' },
      ]),
    );
    expect(Array.isArray(response.error?.errors), JSON.stringify(response.error)).toBe(true);
    for (const entry of response.error?.errors ?? [])
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
    const body = await createWorkflow(rest, pipeline);
    expectWorkflow(body);
    expect(body).toMatchObject({ name: pipeline.name, description: pipeline.description, version: 1, status: 'active' });
    expect(body.workflow_data.start_step).toBe('extract');
    expect(Object.keys(body.workflow_data.steps).sort()).toEqual(['extract', 'transform']);
    expect(body.workflow_data.steps).toMatchObject({ extract: pipeline.steps.extract });
    ids.workflow = body.id;
  });

  it('Create Workflow: the three-step Request Body is accepted', async () => {
    const body = await createWorkflow(rest, fullPipeline);
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
    const response = await rest.api.POST('/api/v1/workflows', { body: bad, ...on.request('req-400') });
    expectError(answer(response), 400, '/api/v1/workflows', 'req-400');
    expect(response.error?.detail).toBe("Agent 'NonExistentAgent' not found or inactive");
  });

  it('List Workflows: ?page=1&page_size=20&status=active&sort_by=name&sort_order=asc', async () => {
    const query = { page: 1, page_size: 20, status: 'active', sort_by: 'name', sort_order: 'asc' } as const;
    const response = await rest.api.GET('/api/v1/workflows', { params: { query } });
    expect(response.response.status).toBe(200);
    expectPage(response.data, { page: 1, page_size: 20 });
    response.data?.items.forEach((item) => expectWorkflow(item, 'listed workflow'));
    expect(response.data?.items.map((w) => w.name)).toEqual(['data-processing-pipeline', 'data-processing-pipeline-full']);
    const named = await rest.api.GET('/api/v1/workflows', { params: { query: { name: 'data-processing-pipeline' } } });
    expect(named.data?.items.map((w) => w.id)).toEqual([ids.workflow]);
  });

  it('Get Workflow: 200 with the same structure as Create; 404 for an unknown id', async () => {
    const response = await rest.api.GET('/api/v1/workflows/{workflow_id}', on.workflow(ids.workflow));
    expect(response.response.status).toBe(200);
    expectWorkflow(response.data);
    expect(response.data).toMatchObject({ id: ids.workflow, name: pipeline.name, version: 1 });
    const missing = await rest.api.GET('/api/v1/workflows/{workflow_id}', { ...on.workflow(UNKNOWN), ...on.request('req-wf-404') });
    expectError(answer(missing), 404, `/api/v1/workflows/${UNKNOWN}`, 'req-wf-404');
    expect(typeof missing.error?.detail).toBe('string');
  });

  it('Update Workflow: the example (description, status) keeps the version', async () => {
    const body = { description: 'Updated ETL pipeline with validation', status: 'active' } as const;
    const response = await rest.api.PUT('/api/v1/workflows/{workflow_id}', { ...on.workflow(ids.workflow), body });
    expect(response.response.status, JSON.stringify(response.error)).toBe(200);
    expectWorkflow(response.data);
    expect(response.data).toMatchObject({ description: 'Updated ETL pipeline with validation', status: 'active', version: 1 });
  });

  it('Update Workflow: new steps increment the version; Get Workflow Versions lists them newest first', async () => {
    const wf = await createWorkflow(rest, { ...pipeline, name: 'versioned-pipeline' });
    const body: Schemas['WorkflowUpdate'] = {
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
    };
    const updated = await rest.api.PUT('/api/v1/workflows/{workflow_id}', { ...on.workflow(wf.id), body });
    expect(updated.response.status, JSON.stringify(updated.error)).toBe(200);
    const response = updated.data as Schemas['Workflow'];
    expect(response.version).toBe(2);
    expect(Object.keys(response.workflow_data.steps).sort()).toEqual(['extract', 'transform', 'validate']);
    // The id create answered names the workflow through updates (the /versions example shows it
    // as version 3, active); version 1 is a row with an id of its own, now inactive.
    expect(response.id).toBe(wf.id);
    const current = await rest.api.GET('/api/v1/workflows/{workflow_id}', on.workflow(wf.id));
    expect(current.data, 'GET through the id returned by create, after a new version').toMatchObject({
      id: wf.id,
      version: 2,
      status: 'active',
    });

    const versionsOf = (id: string, query?: { page: number; page_size: number }) =>
      rest.api.GET('/api/v1/workflows/{workflow_id}/versions', { params: { path: { workflow_id: id }, query } });
    const versions = await versionsOf(wf.id, { page: 1, page_size: 10 });
    expect(versions.response.status).toBe(200);
    expectPage(versions.data, { page: 1, page_size: 10 });
    const items = versions.data?.items ?? [];
    items.forEach((item) => expectWorkflow(item, 'version'));
    expect(items.map((v) => v.version)).toEqual([2, 1]);
    expect(items.map((v) => [v.version, v.status])).toEqual([
      [2, 'active'],
      [1, 'inactive'],
    ]);
    expect(items[0]?.id).toBe(wf.id);
    const first = await rest.api.GET('/api/v1/workflows/{workflow_id}', on.workflow(items[1]?.id ?? ''));
    expect(first.data).toMatchObject({ id: items[1]?.id, version: 1, status: 'inactive' });
    // "workflow_id: UUID of any version of the workflow"
    for (const item of items) {
      const again = await versionsOf(item.id);
      expect(again.response.status, `versions through the id of version ${item.version}`).toBe(200);
      expect(again.data?.items.map((v) => v.version)).toEqual([2, 1]);
    }
    expect((await versionsOf(UNKNOWN)).response.status).toBe(404);
  });

  it('Delete Workflow: 200 with the documented message', async () => {
    const doomed = await createWorkflow(rest, { ...pipeline, name: 'doomed-pipeline' });
    const response = await rest.api.DELETE('/api/v1/workflows/{workflow_id}', on.workflow(doomed.id));
    expect(response.response.status).toBe(200);
    expect(response.data).toEqual({ message: `Workflow '${doomed.id}' deleted successfully` });
    expect((await rest.api.DELETE('/api/v1/workflows/{workflow_id}', on.workflow(UNKNOWN))).response.status).toBe(404);
  });
});

type RunsQuery = NonNullable<paths['/api/v1/runs']['get']['parameters']['query']>;
const listRuns = async (query: RunsQuery) => (await rest.api.GET('/api/v1/runs', { params: { query } })).data;

describe('Workflow Execution and Run Monitoring', () => {
  it('Execute Workflow: the example answers 202 with a PENDING run, which completes', async () => {
    const input = { data_source: 'https://api.example.com/data', format: 'json' };
    const response = await execute(rest, ids.workflow, input);
    expect(response.response.status, JSON.stringify(response.error)).toBe(202);
    expectRun(response.data);
    expect(response.data).toMatchObject({
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
    ids.run = response.data?.run_id ?? '';
    ids.workflowKey = response.data?.workflow_id ?? '';
    const done = await waitForStatus(rest, ids.run, ['COMPLETED', 'FAILED', 'CANCELLED']);
    expect(done.status, done.error_message ?? '').toBe('COMPLETED');
  });

  it('Get Run: the completed run, completed_at set, error_message null', async () => {
    const response = await rest.api.GET('/api/v1/runs/{run_id}', on.run(ids.run));
    expect(response.response.status).toBe(200);
    expectRun(response.data);
    expect(response.data).toMatchObject({ id: ids.run, status: 'COMPLETED', error_message: null, cancelled_at: null, cancelled_by: null });
    expect(response.data?.completed_at).toEqual(expect.any(String));
    const missing = await rest.api.GET('/api/v1/runs/{run_id}', { ...on.run(UNKNOWN), ...on.request('req-run-404') });
    expectError(answer(missing), 404, `/api/v1/runs/${UNKNOWN}`, 'req-run-404');
  });

  it('Get Run Steps: the three-step Request Body with the execute Request Body, steps in start order', async () => {
    const input = { data_source: 'https://api.example.com/data', format: 'json', schema: 'v2', destination: 's3://bucket/output/' };
    const started = await execute(rest, ids.fullWorkflow, input);
    expect(started.response.status, JSON.stringify(started.error)).toBe(202);
    const done = await waitForStatus(rest, started.data?.run_id ?? '', ['COMPLETED', 'FAILED', 'CANCELLED']);
    expect(done.status, done.error_message ?? '').toBe('COMPLETED');

    const response = await rest.api.GET('/api/v1/runs/{run_id}/steps', on.run(done.id));
    expect(response.response.status).toBe(200);
    expect(Array.isArray(response.data)).toBe(true);
    const steps = response.data ?? [];
    steps.forEach((step) => expectStep(step));
    expect(steps.map((s) => [s.step_id, s.agent_name, s.status])).toEqual([
      ['extract', 'DataExtractorAgent', 'COMPLETED'],
      ['transform', 'DataTransformerAgent', 'COMPLETED'],
      ['load', 'DataLoaderAgent', 'COMPLETED'],
    ]);
    const [extract, transform] = steps;
    expect(extract?.run_id).toBe(done.id);
    expect(extract?.input_data).toEqual({ source_url: 'https://api.example.com/data', format: 'json' });
    const extracted: Body = extract?.output_data;
    expect(extracted).toMatchObject({ data: { rows: [1, 2, 3] }, record_count: 3 });
    expect(transform?.input_data).toEqual({ raw_data: extracted.data, schema: 'v2' });
    expect(etl.loader.inputs[0]).toEqual({
      transformed_data: { transformed: extracted.data },
      destination: 's3://bucket/output/',
    });
    expect((await rest.api.GET('/api/v1/runs/{run_id}/steps', on.run(UNKNOWN))).response.status).toBe(404);
  });

  it('List Runs: the documented filters find the runs they name', async () => {
    const all = await rest.api.GET('/api/v1/runs', { params: { query: { page: 1, page_size: 50 } } });
    expect(all.response.status).toBe(200);
    expectPage(all.data, { page: 1, page_size: 50 });
    all.data?.items.forEach((run) => expectRun(run, 'listed run'));
    const byKey = await listRuns({ workflow_id: ids.workflowKey });
    expect(byKey?.items.map((r) => r.id)).toEqual([ids.run]);
    const byDefinition = await listRuns({ workflow_definition_id: ids.workflow });
    expect(byDefinition?.items.map((r) => r.id)).toEqual([ids.run]);
    const since = { created_after: '2024-01-01T00:00:00Z', sort_by: 'created_at', sort_order: 'desc' } as const;
    const completed = await listRuns({ status: 'COMPLETED', ...since });
    expect(completed?.total).toBe(2);
    expect(completed?.items[1]?.id).toBe(ids.run);
    const before = await listRuns({ created_before: '2024-01-01T00:00:00Z' });
    expect(before?.total).toBe(0);
    // Best Practices 2: "API enforces max page_size of 100"
    expect((await rest.api.GET('/api/v1/runs', { params: { query: { page: 1, page_size: 101 } } })).response.status).toBe(422);
  });

  it('a failed run: error_message "Step \'…\' failed: …", listed by ?status=FAILED; Retry Run (202, PENDING) completes it', async () => {
    const flaky = await dataAgent((_input, call) => {
      if (call === 1) throw new Error('Connection timeout');
      return { data: { ok: true } };
    });
    extra.push(flaky);
    await agentNamed('FlakyTransformerAgent', flaky, { retry_config: { max_retries: 0 } });
    const wf = await createWorkflow(rest, {
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
    const started = await execute(rest, wf.id, { data_source: 'x' });
    const failed = await waitForStatus(rest, started.data?.run_id ?? '', ['COMPLETED', 'FAILED', 'CANCELLED']);
    expect(failed.status).toBe('FAILED');
    expect(failed.error_message).toMatch(/^Step 'transform' failed: /);
    expect(failed.completed_at).toEqual(expect.any(String));
    const listed = await listRuns({ status: 'FAILED', created_after: '2024-01-01T00:00:00Z', sort_by: 'created_at', sort_order: 'desc' });
    expect(listed?.items.map((r) => r.id)).toEqual([failed.id]);
    const steps = (await rest.api.GET('/api/v1/runs/{run_id}/steps', on.run(failed.id))).data ?? [];
    expect(steps.map((s) => [s.step_id, s.status])).toEqual([
      ['extract', 'COMPLETED'],
      ['transform', 'FAILED'],
    ]);
    expect(steps[1]?.error_message).toEqual(expect.any(String));

    const extractCalls = etl.extractor.inputs.length;
    const retried = await rest.api.POST('/api/v1/runs/{run_id}/retry', { ...on.run(failed.id), body: {} });
    expect(retried.response.status, JSON.stringify(retried.error)).toBe(202);
    expectRun(retried.data);
    expect(retried.data).toMatchObject({ id: failed.id, status: 'PENDING' });
    const done = await waitForStatus(rest, failed.id, ['COMPLETED', 'FAILED', 'CANCELLED']);
    expect(done).toMatchObject({ status: 'COMPLETED', error_message: null });
    expect(etl.extractor.inputs.length, 'the completed step is not called again').toBe(extractCalls);
    expect(flaky.inputs).toHaveLength(2);

    const refused = await rest.api.POST('/api/v1/runs/{run_id}/retry', { ...on.run(done.id), body: {}, ...on.request('req-retry') });
    expectError(answer(refused), 400, `/api/v1/runs/${done.id}/retry`, 'req-retry');
    expect((await rest.api.POST('/api/v1/runs/{run_id}/retry', { ...on.run(UNKNOWN), body: {} })).response.status).toBe(404);
  });

  it('Cancel Run: 200 CANCELLED, cancelled_at/by set, error_message "Cancelled: <reason>"; 400 once finished', async () => {
    const slow = await dataAgent(async () => {
      await held.wait;
      return { data: null };
    });
    extra.push(slow);
    await agentNamed('SlowExtractorAgent', slow, { timeout_ms: 60000 });
    const wf = await createWorkflow(rest, {
      name: 'slow-pipeline',
      start_step: 'extract',
      steps: { extract: { id: 'extract', agent_name: 'SlowExtractorAgent', next_step: null, input_mapping: {} } },
    });
    const run = (await execute(rest, wf.id, {})).data?.run_id ?? '';
    await eventually(() => slow.inputs.length === 1, 'the slow agent is called');
    expect((await rest.api.GET('/api/v1/runs/{run_id}', on.run(run))).data?.status).toBe('RUNNING');

    const cancel = (body: Schemas['CancelRunRequest'], id = run) => rest.api.POST('/api/v1/runs/{run_id}/cancel', { ...on.run(id), body });
    const response = await cancel({ reason: 'Incorrect input data provided' });
    expect(response.response.status, JSON.stringify(response.error)).toBe(200);
    expectRun(response.data);
    expect(response.data).toMatchObject({
      status: 'CANCELLED',
      completed_at: null,
      cancelled_at: expect.any(String),
      cancelled_by: 'system',
      error_message: 'Cancelled: Incorrect input data provided',
    });
    const again = await rest.api.POST('/api/v1/runs/{run_id}/cancel', { ...on.run(run), body: {}, ...on.request('req-cancel') });
    expectError(answer(again), 400, `/api/v1/runs/${run}/cancel`, 'req-cancel');
    expect((await cancel({}, UNKNOWN)).response.status).toBe(404);
  });

  it('Execute Workflow: 400 for an inactive workflow, 404 for an unknown one, 422 without input_data', async () => {
    const wf = await createWorkflow(rest, { ...pipeline, name: 'paused-pipeline' });
    const paused = await rest.api.PUT('/api/v1/workflows/{workflow_id}', { ...on.workflow(wf.id), body: { status: 'inactive' } });
    expect(paused.data?.status).toBe('inactive');
    expect((await execute(rest, wf.id, {})).response.status).toBe(400);
    expect((await execute(rest, UNKNOWN, {})).response.status).toBe(404);
    const body = invalid<Schemas['ExecuteWorkflowRequest']>({});
    const missing = await rest.api.POST('/api/v1/workflows/{workflow_id}/execute', { ...on.workflow(ids.workflow), body });
    expect(missing.response.status).toBe(422);
    expect(missing.error?.detail).toEqual([expect.objectContaining({ type: 'missing', loc: ['body', 'input_data'] })]);
  });

  it('Get Run Logs: the placeholder became a real log (200, run_id + list envelope); 404 for an unknown run', async () => {
    // The guide documents 501 with a placeholder body "for a future release"; Flowdeck serves the log.
    const response = await rest.api.GET('/api/v1/runs/{run_id}/logs', on.run(ids.run));
    expect(response.response.status).toBe(200);
    expect(response.data?.run_id).toBe(ids.run);
    expectPage(response.data, { page: 1, page_size: response.data?.page_size ?? 0 });
    expect(response.data?.total).toBeGreaterThan(0);
    expect((await rest.api.GET('/api/v1/runs/{run_id}/logs', on.run(UNKNOWN))).response.status).toBe(404);
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
    const response = await rest.api.GET('/health');
    expect(response.response.status).toBe(200);
    expect(response.data).toMatchObject({
      status: 'healthy',
      timestamp: expect.any(String),
      version: expect.any(String),
      uptime_seconds: expect.any(Number),
    });
    expect(response.data).toHaveProperty('services');
  });

  it('GET /health/ready: 200 ready, the database check healthy', async () => {
    const response = answer(await rest.api.GET('/health/ready'));
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
    const response = await rest.api.GET('/api/v1/agents/{agent_id}', {
      ...on.agent(UNKNOWN),
      headers: { 'X-Request-Id': 'req-123e4567-e89b-12d3-a456-426614174000' },
    });
    expectError(answer(response), 404, `/api/v1/agents/${UNKNOWN}`, 'req-123e4567-e89b-12d3-a456-426614174000');
    const generated = await rest.api.GET('/api/v1/agents/{agent_id}', on.agent(UNKNOWN));
    expect(generated.error?.request_id).toEqual(expect.any(String));
    expect(generated.response.headers.get('x-request-id')).toBe(generated.error?.request_id);
  });
});
