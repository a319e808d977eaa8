import { afterAll, beforeAll, expect, it } from 'vitest';
import { CreateWorkflowDocument, ExecuteWorkflowDocument } from '../gql/graphql.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { waitForRun } from '../support/runs.ts';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({}, { WORKER_POLL_MS: '50' });
});
afterAll(async () => {
  await t?.close();
});

it('outputs declared in the v2 dialect ({report: {type: "string"}}) are filled from the terminal steps', async () => {
  const definition = {
    nodes: [{ id: 'build', type: 'transform', config: { expression: '{"report": "Q1 summary", "email_sent": true, "extra": 1}' } }],
    inputs: {},
    outputs: { report: { type: 'string' }, email_sent: { type: 'boolean' }, missing: { type: 'number' } },
  };
  const wf = (await t.ok(CreateWorkflowDocument, { input: { name: 'declared outputs', definition } })).createWorkflow;
  if (wf.__typename !== 'Workflow') throw new Error(JSON.stringify(wf));
  const run = (await t.ok(ExecuteWorkflowDocument, { workflowId: wf.id })).executeWorkflow;
  if (run.__typename !== 'Run') throw new Error(JSON.stringify(run));
  const done = await waitForRun(t, run.id);
  expect(done.status).toBe('COMPLETED');
  expect(done.outputs).toEqual({ report: 'Q1 summary', email_sent: true, missing: null });
});
