// A run started through any of the five REST dialects, or GraphQL, is the same run everywhere:
// every dialect reads it with the same state (each in its own vocabulary), and so does GraphQL.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateWorkflowDocument, ExecuteWorkflowDocument, RunDocument } from '../gql/graphql.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { dbId, expectMember } from '../support/flows.ts';
import { type Body, type RestClient, restClient } from '../support/rest.ts';
import { waitForRun } from '../support/runs.ts';

let t: TestApp;
let rest: RestClient;
/** The shared workflow: its database id and key. */
let workflow: { id: string; key: string };

beforeAll(async () => {
  t = await startTestApp({}, { WORKER_POLL_MS: '50' });
  rest = restClient(t);
  const definition = { steps: [{ id: 'only', type: 'transform', expression: '"done"' }] };
  const created = expectMember(
    (await t.ok(CreateWorkflowDocument, { input: { name: 'everywhere', definition } })).createWorkflow,
    'Workflow',
  );
  workflow = { id: dbId(created.id), key: created.key };
});
afterAll(async () => {
  await t?.close();
});

/** Starts a run through one entry point and returns its (database) id. */
const starters: Record<string, () => Promise<string>> = {
  graphql: async () => dbId(expectMember((await t.ok(ExecuteWorkflowDocument, { workflowId: workflow.id })).executeWorkflow, 'Run').id),
  'seed 004 (/api/v1)': async () => {
    const response = await rest.post(`/api/v1/workflows/${workflow.id}/execute`, { input_data: {} });
    expect(response.status, response.text).toBe(202);
    return response.body.run_id as string;
  },
  'seed 003 (/api/v2/workflows)': async () => {
    const response = await rest.post(`/api/v2/workflows/${workflow.id}/execute`, { inputs: {} });
    expect(response.status, response.text).toBe(201);
    return response.body.run.id as string;
  },
  'seed 002 (/api/workflows)': async () => {
    const response = await rest.post(`/api/workflows/${workflow.id}/execute`, { input_variables: {} });
    expect(response.status, response.text).toBeLessThan(300);
    return response.body.execution_id as string;
  },
  'seed 001 (/workflows)': async () => {
    const response = await rest.post('/workflows', {
      name: 'everywhere',
      steps: [{ id: 'only', type: 'transform', expression: '"done"' }],
    });
    expect(response.status, response.text).toBeLessThan(300);
    return response.body.id as string;
  },
};

/** The run's state as each reader reports it, normalized to Flowdeck's status. */
async function everyView(runId: string): Promise<Record<string, string>> {
  const graphql = expectMember((await t.ok(RunDocument, { id: runId })).run, 'Run');
  const v1 = await rest.get(`/api/v1/runs/${runId}`);
  const v2 = await rest.get(`/api/v2/workflows/${dbId(graphql.workflow.id)}/runs/${runId}`);
  const legacy = await rest.get(`/api/workflows/executions/${runId}`);
  const engine = await rest.get(`/workflows/${runId}`);
  const history = await rest.get(`/api/v1/workflows/runs?workflow_key=${encodeURIComponent(v1.body.workflow_id as string)}&limit=100`);
  const listed = (history.body.items as Body[]).find((item) => item.id === runId);
  const v2Status: Record<string, string> = { completed: 'COMPLETED', failed: 'FAILED', terminated: 'CANCELLED' };
  const engineState: Record<string, string> = { completed: 'COMPLETED', failed: 'FAILED', stopped: 'CANCELLED' };
  return {
    'seed 004 run': v1.body.status as string,
    'seed 003 run': v2Status[v2.body.run.status as string] ?? String(v2.body.run.status),
    'seed 002 execution': String(legacy.body.status).toUpperCase(),
    'seed 001 instance': engineState[engine.body.state as string] ?? String(engine.body.state),
    'seed 000 list item': String(listed?.status).toUpperCase(),
    graphql: graphql.status,
  };
}

describe('one run, every API', () => {
  it.each(Object.keys(starters))('a run started through %s reads COMPLETED through every dialect and GraphQL', async (entry) => {
    const runId = await (starters[entry] as () => Promise<string>)();
    await waitForRun(t, runId);
    const views = await everyView(runId);
    expect(views).toEqual({
      'seed 004 run': 'COMPLETED',
      'seed 003 run': 'COMPLETED',
      'seed 002 execution': 'COMPLETED',
      'seed 001 instance': 'COMPLETED',
      'seed 000 list item': 'COMPLETED',
      graphql: 'COMPLETED',
    });
  });
});
