// Seed 004's Workflow Execution endpoint (POST /api/v1/workflows/{workflow_id}/execute), and
// workflows created through one API read through the other. Every REST answer goes through
// the OpenAPI-checking client.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateWorkflowDocument, UpdateAgentDocument, WorkflowDocument, WorkflowsDocument } from '../gql/graphql.ts';
import type { TestApp } from '../support/app.ts';
import { dbId, expectMember } from '../support/flows.ts';
import type { RestClient } from '../support/rest.ts';
import { waitForRun } from '../support/runs.ts';
import { ETL, single, startWorkflowApp, UUID, type WorkflowApp } from './v1-workflow-fixtures.ts';

let shared: WorkflowApp;
let t: TestApp;
let rest: RestClient;
const created = (body: object) => shared.created(body);

beforeAll(async () => {
  shared = await startWorkflowApp();
  ({ t, rest } = shared);
});
afterAll(async () => {
  await shared?.close();
});

describe('POST /api/v1/workflows/{workflow_id}/execute', () => {
  it('answers 202 with the documented run, PENDING, which then runs the workflow', async () => {
    const wf = await created({ ...ETL, name: 'run-me' });
    // The documented request body.
    const input = { data_source: 'https://api.example.com/data', format: 'json', schema: 'v2', destination: 's3://bucket/output/' };
    const response = await rest.post(`/api/v1/workflows/${wf.id}/execute`, { input_data: input });
    expect(response.status, response.text).toBe(202);
    const [graph] = (await t.ok(WorkflowsDocument, { first: 5, filter: { nameContains: 'run-me' } })).workflows.edges.map((e) => e.node);
    expect(response.body).toEqual({
      id: expect.stringMatching(UUID),
      run_id: response.body.id,
      workflow_id: graph?.key,
      workflow_name: 'run-me',
      workflow_definition_id: wf.id,
      status: 'PENDING',
      input_data: input,
      triggered_by: 'system',
      created_at: expect.any(String),
      updated_at: expect.any(String),
      completed_at: null,
      cancelled_at: null,
      cancelled_by: null,
      error_message: null,
    });
    const run = await waitForRun(t, response.body.run_id);
    expect(run.status, JSON.stringify(run.error)).toBe('COMPLETED');
    expect(run.workflowVersion.version).toBe(1);
    expect(run.steps.map((s) => [s.stepId, s.status])).toEqual([
      ['extract', 'COMPLETED'],
      ['transform', 'COMPLETED'],
      ['load', 'COMPLETED'],
    ]);
    expect(run.steps[0]?.input).toEqual({ source_url: input.data_source, format: 'json' });
  });

  it('runs the current version whichever version id is given; 400 when inactive; 422 without input_data', async () => {
    const v1 = await created(single('moving'));
    const v2 = (
      await rest.put(`/api/v1/workflows/${v1.id}`, { steps: { only: { ...v1.workflow_data.steps.only, input_mapping: { w: 1 } } } })
    ).body;
    const viaOld = await rest.post(`/api/v1/workflows/${v1.id}/execute`, { input_data: { v: 'old id' } });
    expect(viaOld.status).toBe(202);
    expect(viaOld.body.workflow_definition_id).toBe(v2.id);
    expect((await waitForRun(t, viaOld.body.run_id)).workflowVersion.version).toBe(2);

    const missing = await rest.post(`/api/v1/workflows/${v2.id}/execute`, {});
    expect(missing.status).toBe(422);
    expect(missing.body.detail).toEqual([expect.objectContaining({ type: 'missing', loc: ['body', 'input_data'] })]);
    const notObject = await rest.post(`/api/v1/workflows/${v2.id}/execute`, { input_data: 'text' });
    expect(notObject.status).toBe(422);

    await rest.put(`/api/v1/workflows/${v2.id}`, { status: 'inactive' });
    const inactive = await rest.post(`/api/v1/workflows/${v2.id}/execute`, { input_data: {} });
    expect(inactive.status).toBe(400);
    expect(inactive.body.detail).toMatch(/INACTIVE; only ACTIVE workflows can be executed/);
  });

  it('validates input_data against the declared inputs as GraphQL does (400)', async () => {
    const g = expectMember(
      (
        await t.ok(CreateWorkflowDocument, {
          input: {
            name: 'declares-inputs',
            definition: {
              inputs: [{ name: 'count', type: 'integer', required: true }],
              steps: [{ id: 'a', type: 'agent', agent: 'DataExtractorAgent', input: { n: '${workflow.input.count}' } }],
            },
          },
        })
      ).createWorkflow,
      'Workflow',
    );
    const refused = await rest.post(`/api/v1/workflows/${dbId(g.id)}/execute`, { input_data: { count: 'many' } });
    expect(refused.status).toBe(400);
    expect(refused.body.detail).toMatch(/input\.count: must be an integer/);
    const accepted = await rest.post(`/api/v1/workflows/${dbId(g.id)}/execute`, { input_data: { count: 3 } });
    expect(accepted.status).toBe(202);
  });
});

describe('one workflow, two APIs', () => {
  it('a workflow created through REST reads the same through GraphQL', async () => {
    const wf = await created({ ...ETL, name: 'rest-made' });
    const edges = (await t.ok(WorkflowsDocument, { first: 5, filter: { nameContains: 'rest-made' } })).workflows.edges;
    expect(edges).toHaveLength(1);
    const g = expectMember((await t.ok(WorkflowDocument, { id: edges[0]?.node.id })).workflow, 'Workflow');
    expect(g).toMatchObject({ name: 'rest-made', description: ETL.description, status: 'ACTIVE', currentVersion: 1 });
    expect(g.latestVersion).toMatchObject({
      version: 1,
      sourceFormat: 'START_STEP_CHAIN',
      source: { start_step: 'extract', steps: ETL.steps },
    });
    // REST's id is the workflow's own (it stays across versions).
    expect(dbId(g.id)).toBe(wf.id);
    const steps = (g.latestVersion?.definition as { steps: { id: string; agent: string; dependsOn: string[]; input: unknown }[] }).steps;
    expect(steps.map((s) => [s.id, s.agent, s.dependsOn, s.input])).toEqual([
      ['extract', 'DataExtractorAgent', [], ETL.steps.extract.input_mapping],
      ['transform', 'DataTransformerAgent', ['extract'], ETL.steps.transform.input_mapping],
      ['load', 'DataLoaderAgent', ['transform'], ETL.steps.load.input_mapping],
    ]);
    // And the version's own id (GraphQL's, decoded) reads the current version too.
    expect((await rest.get(`/api/v1/workflows/${dbId(g.latestVersion?.id ?? '')}`)).body).toMatchObject(wf);
  });

  it('a workflow created through GraphQL reads the same through REST, as a chain when it is one', async () => {
    const definition = {
      steps: [
        { id: 'a', type: 'agent', agent: 'DataExtractorAgent', input: { q: '${workflow.input.q}' } },
        { id: 'b', type: 'agent', agent: 'DataTransformerAgent', dependsOn: ['a'], input: { r: '${a.output.data}' }, timeoutMs: 5000 },
      ],
    };
    const g = expectMember(
      (await t.ok(CreateWorkflowDocument, { input: { name: 'graphql-made', description: 'from GraphQL', definition } })).createWorkflow,
      'Workflow',
    );
    const read = await rest.get(`/api/v1/workflows/${dbId(g.id)}`);
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({
      id: dbId(g.id),
      name: 'graphql-made',
      description: 'from GraphQL',
      version: 1,
      status: 'active',
      workflow_data: {
        start_step: 'a',
        steps: {
          a: { id: 'a', agent_name: 'DataExtractorAgent', next_step: 'b', input_mapping: { q: '${workflow.input.q}' } },
          b: { id: 'b', agent_name: 'DataTransformerAgent', next_step: null, input_mapping: { r: '${a.output.data}' }, timeout_ms: 5000 },
        },
      },
    });
    expect((await rest.get(`/api/v1/workflows/${read.body.id}`)).body).toEqual(read.body);
    // start_step alone completes the chain REST renders, and GraphQL sees the new version.
    const changed = await rest.put(`/api/v1/workflows/${read.body.id}`, {
      steps: { ...read.body.workflow_data.steps, b: { ...read.body.workflow_data.steps.b, input_mapping: { r: 'fixed' } } },
    });
    expect(changed.body).toMatchObject({ version: 2, workflow_data: { start_step: 'a' } });
    const after = expectMember((await t.ok(WorkflowDocument, { id: g.id })).workflow, 'Workflow');
    expect(after.currentVersion).toBe(2);
    expect(dbId(after.id)).toBe(changed.body.id);
    expect(after.latestVersion?.version).toBe(2);

    // A definition no chain can express is shown canonical, and a lone start_step cannot complete it.
    const dag = expectMember(
      (
        await t.ok(CreateWorkflowDocument, {
          input: {
            name: 'graphql-dag',
            definition: {
              steps: [
                { id: 'a', type: 'agent', agent: 'DataExtractorAgent' },
                { id: 'b', type: 'agent', agent: 'DataExtractorAgent' },
                { id: 'join', type: 'transform', dependsOn: ['a', 'b'], expression: '$' },
              ],
            },
          },
        })
      ).createWorkflow,
      'Workflow',
    );
    const dagBody = (await rest.get(`/api/v1/workflows/${dbId(dag.id)}`)).body;
    expect(dagBody.workflow_data).toEqual(dag.latestVersion?.definition);
    const lone = await rest.put(`/api/v1/workflows/${dagBody.id}`, { start_step: 'a' });
    expect(lone.status).toBe(400);
    expect(lone.body.detail).toMatch(/"steps" must be given too/);
  });

  it('an agent deactivated through GraphQL is refused by REST workflow creation', async () => {
    expect((await rest.post('/api/v1/agents', { name: 'FadingAgent', url: shared.echo.url })).status).toBe(201);
    const id = (await rest.get('/api/v1/agents?name=FadingAgent')).body.items[0].id as string;
    await t.ok(UpdateAgentDocument, { id, input: { status: 'INACTIVE' } });
    const refused = await rest.post('/api/v1/workflows', single('fading', 'FadingAgent'));
    expect(refused.status).toBe(400);
    expect(refused.body.detail).toBe("Agent 'FadingAgent' not found or inactive");
  });
});
