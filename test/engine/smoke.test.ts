import { afterAll, beforeAll, expect, it } from 'vitest';
import { CreateWorkflowDocument, ExecuteWorkflowDocument, RunEventsDocument } from '../gql/graphql.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { waitForRun } from '../support/runs.ts';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({}, { WORKER_POLL_MS: '50' });
});
afterAll(async () => {
  await t?.close();
});

it('runs transforms and a condition end to end', async () => {
  const definition = {
    inputs: [{ name: 'n', type: 'number', required: true }],
    steps: [
      { id: 'double', type: 'transform', expression: 'n * 2', input: { n: '${workflow.input.n}' } },
      {
        id: 'big',
        type: 'condition',
        dependsOn: ['double'],
        condition: { value: '${double.output}', operator: 'gt', compareTo: 10 },
        onTrue: ['yes'],
        onFalse: ['no'],
      },
      { id: 'yes', type: 'transform', dependsOn: ['big'], expression: '"big"' },
      { id: 'no', type: 'transform', dependsOn: ['big'], expression: '"small"' },
    ],
  };
  const wf = (await t.ok(CreateWorkflowDocument, { input: { name: 'smoke', definition } })).createWorkflow;
  if (wf.__typename !== 'Workflow') throw new Error(JSON.stringify(wf));
  const run = (await t.ok(ExecuteWorkflowDocument, { workflowId: wf.id, input: { n: 7 } })).executeWorkflow;
  if (run.__typename !== 'Run') throw new Error(JSON.stringify(run));
  expect(run.status).toBe('PENDING');
  const done = await waitForRun(t, run.id);
  expect(done.status).toBe('COMPLETED');
  expect(Object.fromEntries(done.steps.map((s) => [s.stepId, s.status]))).toEqual({
    double: 'COMPLETED',
    big: 'COMPLETED',
    yes: 'COMPLETED',
    no: 'SKIPPED',
  });
  expect(done.outputs).toEqual({ yes: 'big' });
  const events = await t.ok(RunEventsDocument, { id: run.id });
  if (events.run.__typename !== 'Run') throw new Error('no run');
  const seqs = events.run.events.edges.map((e) => e.node.seq);
  expect(seqs).toEqual(seqs.map((_, i) => i + 1));
  expect(events.run.events.edges.map((e) => e.node.type)).toContain('run.completed');
});
