// Controlling runs through the public GraphQL API: cancel, retry, rerunFromStep, idempotent and
// refused executions, and listing runs. Agents are real local servers; blocking agents wait on
// gates, so "in flight" and "aborted" are observed at the agent rather than guessed from time.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ArchiveWorkflowDocument,
  CancelRunDocument,
  DeleteWorkflowDocument,
  ExecuteWorkflowDocument,
  RerunFromStepDocument,
  RetryRunDocument,
  RunDocument,
  type RunFilter,
  RunsDocument,
  UpdateWorkflowDocument,
  WorkflowRunsDocument,
} from '../gql/graphql.ts';
import { AgentReply, gate, startHttpAgent, type TestAgent } from '../support/agents.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { expectMember, flows } from '../support/flows.ts';
import { eventually, type RunView, waitForRun } from '../support/runs.ts';

let t: TestApp;
let f: ReturnType<typeof flows>;
const agents: TestAgent[] = [];
const gates: (() => void)[] = [];

beforeAll(async () => {
  t = await startTestApp({}, { WORKER_POLL_MS: '50' });
  f = flows(t);
});
afterAll(async () => {
  for (const open of gates) open();
  await t?.close();
  await Promise.all(agents.map((a) => a.close()));
});

function track(agent: TestAgent): TestAgent {
  agents.push(agent);
  return agent;
}

/** A gate that afterAll opens, so no handler is left blocked. */
function blocker() {
  const g = gate();
  gates.push(() => g.open());
  return g;
}

const stepOf = (run: RunView, stepId: string) => {
  const step = run.steps.find((s) => s.stepId === stepId);
  if (!step) throw new Error(`run has no step ${stepId}`);
  return step;
};
const statuses = (run: RunView) => Object.fromEntries(run.steps.map((s) => [s.stepId, s.status]));
const inputOf = (agent: TestAgent, index: number) => (agent.calls[index]?.body as { input: Record<string, unknown> }).input;

async function runsCount(filter: RunFilter = {}): Promise<number> {
  return (await t.ok(RunsDocument, { first: 1, filter })).runs.totalCount;
}

describe('cancelRun', () => {
  it('cancels a run mid-step: aborts the in-flight call and starts nothing more', async () => {
    const held = blocker();
    const slow = track(
      await startHttpAgent(async () => {
        await held.wait;
        return { late: true };
      }),
    );
    const next = track(await startHttpAgent(() => ({ ok: true })));
    // A long timeout, so only the cancel can end the blocked call.
    const slowName = await f.agent('slow', slow, { timeoutMs: 30_000 });
    const nextName = await f.agent('next', next);
    const wf = await f.workflow('cancellable', {
      steps: [
        { id: 'work', type: 'agent', agent: slowName, input: {} },
        { id: 'after', type: 'agent', agent: nextName, dependsOn: ['work'], input: {} },
      ],
    });

    const run = await f.execute(wf.id);
    await eventually(() => slow.inFlight === 1, 'the first step’s call to reach the agent');
    const cancelled = expectMember((await t.ok(CancelRunDocument, { id: run.id, reason: 'no longer needed' })).cancelRun, 'Run');
    expect(cancelled.status).toBe('CANCELLED');
    expect(cancelled.cancelledAt).not.toBeNull();
    expect(cancelled.cancelReason).toBe('no longer needed');
    expect(cancelled.completedAt).not.toBeNull();

    await eventually(() => slow.aborted === 1, 'the in-flight call to be aborted');
    const done = await waitForRun(t, run.id);
    expect(done.status).toBe('CANCELLED');
    expect(statuses(done)).toEqual({ work: 'CANCELLED', after: 'CANCELLED' });
    expect(stepOf(done, 'work').attempts.map((a) => a.status)).toEqual(['CANCELLED']);
    expect(slow.calls).toHaveLength(1);
    expect(next.calls).toHaveLength(0);
    const events = await f.events(run.id);
    expect(events.filter((e) => e.type === 'step.started').map((e) => e.stepId)).toEqual(['work']);
    expect(events.at(-1)).toMatchObject({ type: 'run.cancelled', payload: { reason: 'no longer needed' } });

    const again = (await t.ok(CancelRunDocument, { id: run.id })).cancelRun;
    expect(expectMember(again, 'InvalidStateError').currentStatus).toBe('CANCELLED');
  });
});

describe('retryRun', () => {
  it('resumes a failed run at the failed step, reusing completed outputs', async () => {
    let bFails = true;
    const a = track(await startHttpAgent(() => ({ token: `a-${a.calls.length}` })));
    const b = track(
      await startHttpAgent((body: { input: { token: string } }) => {
        if (bFails) return new AgentReply(500, 'b is broken');
        return { seen: body.input.token };
      }),
    );
    const c = track(await startHttpAgent((body: { input: unknown }) => ({ final: body.input })));
    const retry = { maxRetries: 0, initialDelayMs: 100, maxDelayMs: 1000 };
    const wf = await f.workflow('resumable', {
      steps: [
        { id: 'a', type: 'agent', agent: await f.agent('a', a, { retryConfig: retry }), input: {} },
        {
          id: 'b',
          type: 'agent',
          agent: await f.agent('b', b, { retryConfig: retry }),
          dependsOn: ['a'],
          input: { token: '${a.output.token}' },
        },
        {
          id: 'c',
          type: 'agent',
          agent: await f.agent('c', c, { retryConfig: retry }),
          dependsOn: ['b'],
          input: { a: '${a.output.token}', b: '${b.output.seen}' },
        },
      ],
    });

    const run = await f.execute(wf.id);
    const failed = await waitForRun(t, run.id);
    expect(failed.status).toBe('FAILED');
    expect(statuses(failed)).toEqual({ a: 'COMPLETED', b: 'FAILED', c: 'PENDING' });
    expect(c.calls).toHaveLength(0);

    bFails = false;
    const retried = expectMember((await t.ok(RetryRunDocument, { id: run.id })).retryRun, 'Run');
    expect(retried.id).toBe(run.id);
    expect(retried.status).toBe('PENDING');
    expect(retried.error).toBeNull();
    const done = await waitForRun(t, run.id);

    expect(done.status).toBe('COMPLETED');
    expect(a.calls).toHaveLength(1);
    expect(b.calls).toHaveLength(2);
    expect(c.calls).toHaveLength(1);
    expect(inputOf(b, 1)).toEqual({ token: 'a-1' });
    expect(inputOf(c, 0)).toEqual({ a: 'a-1', b: 'a-1' });
    expect(stepOf(done, 'a').attempts.map((x) => x.status)).toEqual(['SUCCEEDED']);
    expect(stepOf(done, 'b').attempts.map((x) => x.status)).toEqual(['FAILED', 'SUCCEEDED']);
    expect(done.outputs).toEqual({ c: { final: { a: 'a-1', b: 'a-1' } } });
    expect(done.error).toBeNull();
    const types = (await f.events(run.id)).map((e) => e.type);
    expect(types.filter((type) => type === 'run.retried')).toHaveLength(1);
    expect(types.at(-1)).toBe('run.completed');
  });

  it('refuses to retry a COMPLETED run', async () => {
    const wf = await f.workflow('finished', { steps: [{ id: 'only', type: 'transform', expression: '1' }] });
    const run = await f.execute(wf.id);
    expect((await waitForRun(t, run.id)).status).toBe('COMPLETED');

    const result = (await t.ok(RetryRunDocument, { id: run.id })).retryRun;
    expect(expectMember(result, 'InvalidStateError').currentStatus).toBe('COMPLETED');
  });
});

describe('rerunFromStep', () => {
  it('starts a child run that reuses upstream outputs and runs the step and what follows again', async () => {
    const a = track(await startHttpAgent(() => ({ seed: `seed-${a.calls.length}` })));
    const b = track(await startHttpAgent((body: { input: unknown }) => ({ got: body.input })));
    const c = track(await startHttpAgent((body: { input: unknown }) => ({ final: body.input })));
    const wf = await f.workflow('rerunnable', {
      inputs: [{ name: 'x', type: 'number', required: true }],
      steps: [
        { id: 'a', type: 'agent', agent: await f.agent('a', a), input: {} },
        {
          id: 'b',
          type: 'agent',
          agent: await f.agent('b', b),
          dependsOn: ['a'],
          input: { x: '${workflow.input.x}', seed: '${a.output.seed}' },
        },
        { id: 'c', type: 'agent', agent: await f.agent('c', c), dependsOn: ['b'], input: { b: '${b.output.got}' } },
      ],
    });
    const parentRun = await f.execute(wf.id, { x: 1 });
    const parent = await waitForRun(t, parentRun.id);
    expect(parent.status).toBe('COMPLETED');

    const rerun = (await t.ok(RerunFromStepDocument, { runId: parent.id, stepId: 'b', inputPatch: { x: 2 } })).rerunFromStep;
    const child = expectMember(rerun, 'Run');
    expect(child.id).not.toBe(parent.id);
    expect(child.parent?.id).toBe(parent.id);
    expect(child.rerunFromStepId).toBe('b');
    expect(child.triggeredBy).toBe('RERUN');
    expect(child.inputs).toEqual({ x: 2 });
    const done = await waitForRun(t, child.id);

    expect(done.status).toBe('COMPLETED');
    expect(a.calls).toHaveLength(1);
    expect(b.calls).toHaveLength(2);
    expect(c.calls).toHaveLength(2);
    expect(inputOf(b, 1)).toEqual({ x: 2, seed: 'seed-1' });
    expect(stepOf(done, 'a').output).toEqual(stepOf(parent, 'a').output);
    expect(stepOf(done, 'a').attempts).toEqual([]);
    expect(stepOf(done, 'b').output).toEqual({ got: { x: 2, seed: 'seed-1' } });
    expect(done.outputs).toEqual({ c: { final: { b: { x: 2, seed: 'seed-1' } } } });
    expect(done.parent?.id).toBe(parent.id);
    // The parent is left as it was.
    const after = expectMember((await t.ok(RunDocument, { id: parent.id })).run, 'Run');
    expect(after.outputs).toEqual(parent.outputs);
    expect(after.children).toEqual([{ id: child.id, rerunFromStepId: 'b' }]);
    const types = (await f.events(child.id)).map((e) => `${e.type}${e.stepId ? `:${e.stepId}` : ''}`);
    expect(types[0]).toBe('run.created');
    expect(types).toContain('step.reused:a');
    expect(types).not.toContain('step.started:a');
  });
});

describe('executeWorkflow', () => {
  it('returns the same run for a repeated idempotency key, and refuses the key for another workflow', async () => {
    const wf = await f.workflow('idempotent', { steps: [{ id: 'only', type: 'transform', expression: '1' }] });
    const other = await f.workflow('other', { steps: [{ id: 'only', type: 'transform', expression: '2' }] });

    const first = await f.execute(wf.id, {}, 'order-42');
    const second = await f.execute(wf.id, {}, 'order-42');
    expect(second.id).toBe(first.id);
    expect(second.idempotencyKey).toBe('order-42');
    expect(await runsCount({ workflowId: wf.id })).toBe(1);

    const conflict = (await t.ok(ExecuteWorkflowDocument, { workflowId: other.id, input: {}, idempotencyKey: 'order-42' })).executeWorkflow;
    expect(conflict.__typename).toBe('ConflictError');
    expect(await runsCount({ workflowId: other.id })).toBe(0);
    expect((await waitForRun(t, first.id)).status).toBe('COMPLETED');
  });

  it('answers with typed errors and writes no run when the workflow cannot run', async () => {
    const wf = await f.workflow('needs-input', {
      inputs: [{ name: 'customer', type: 'string', required: true }],
      steps: [{ id: 'only', type: 'transform', expression: '$', input: { c: '${workflow.input.customer}' } }],
    });
    const before = await runsCount();

    const missing = (await t.ok(ExecuteWorkflowDocument, { workflowId: wf.id, input: {} })).executeWorkflow;
    const invalid = expectMember(missing, 'ValidationError');
    expect(invalid.issues.map((i) => i.path)).toEqual(['input.customer']);
    expect(invalid.message).toContain('input.customer');
    expect(await runsCount()).toBe(before);

    const inactive = await f.workflow('inactive', { steps: [{ id: 'only', type: 'transform', expression: '1' }] });
    expectMember((await t.ok(UpdateWorkflowDocument, { id: inactive.id, input: { status: 'INACTIVE' } })).updateWorkflow, 'Workflow');
    const refused = (await t.ok(ExecuteWorkflowDocument, { workflowId: inactive.id })).executeWorkflow;
    expect(expectMember(refused, 'InvalidStateError').currentStatus).toBe('INACTIVE');

    const archived = await f.workflow('archived', { steps: [{ id: 'only', type: 'transform', expression: '1' }] });
    expectMember((await t.ok(ArchiveWorkflowDocument, { id: archived.id })).archiveWorkflow, 'Workflow');
    const byKey = (await t.ok(ExecuteWorkflowDocument, { workflowKey: archived.key })).executeWorkflow;
    expect(expectMember(byKey, 'InvalidStateError').currentStatus).toBe('ARCHIVED');

    const unknown = (await t.ok(ExecuteWorkflowDocument, { workflowKey: 'no-such-workflow' })).executeWorkflow;
    expect(unknown.__typename).toBe('NotFoundError');
    const unknownId = (await t.ok(ExecuteWorkflowDocument, { workflowId: Buffer.from('Workflow:no-such-id').toString('base64') }))
      .executeWorkflow;
    expect(unknownId.__typename).toBe('NotFoundError');
    const deleted = await f.workflow('deleted', { steps: [{ id: 'only', type: 'transform', expression: '1' }] });
    expectMember((await t.ok(DeleteWorkflowDocument, { id: deleted.id })).deleteWorkflow, 'Workflow');
    const gone = (await t.ok(ExecuteWorkflowDocument, { workflowId: deleted.id })).executeWorkflow;
    expect(gone.__typename).toBe('NotFoundError');
    expect(await runsCount()).toBe(before);
  });
});

describe('listing runs', () => {
  it('filters runs by status, workflow and trigger, and lists a workflow’s runs', async () => {
    const ok = await f.workflow('listed', {
      inputs: [{ name: 'fail', type: 'boolean', required: true }],
      steps: [
        {
          id: 'gate',
          type: 'condition',
          condition: { value: '${workflow.input.fail}', operator: 'equals', compareTo: true },
          onTrue: ['explode'],
          onFalse: ['fine'],
        },
        { id: 'explode', type: 'transform', dependsOn: ['gate'], expression: '$error("asked to fail")' },
        { id: 'fine', type: 'transform', dependsOn: ['gate'], expression: '"fine"' },
      ],
    });
    const other = await f.workflow('listed-other', { steps: [{ id: 'only', type: 'transform', expression: '1' }] });

    const completed = await waitForRun(t, (await f.execute(ok.id, { fail: false })).id);
    const failed = await waitForRun(t, (await f.execute(ok.id, { fail: true })).id);
    const elsewhere = await waitForRun(t, (await f.execute(other.id)).id);
    expect([completed.status, failed.status, elsewhere.status]).toEqual(['COMPLETED', 'FAILED', 'COMPLETED']);
    expect((failed.error as { message: string }).message).toContain('asked to fail');
    const rerun = expectMember((await t.ok(RerunFromStepDocument, { runId: completed.id, stepId: 'fine' })).rerunFromStep, 'Run');
    expect((await waitForRun(t, rerun.id)).status).toBe('COMPLETED');

    const ids = async (filter: RunFilter) => (await t.ok(RunsDocument, { first: 50, filter })).runs.edges.map((e) => e.node.id).sort();
    const sorted = (...list: string[]) => [...list].sort();

    expect(await ids({ workflowId: ok.id })).toEqual(sorted(completed.id, failed.id, rerun.id));
    expect(await ids({ workflowId: ok.id, status: ['FAILED'] })).toEqual([failed.id]);
    expect(await ids({ workflowId: ok.id, status: ['COMPLETED'] })).toEqual(sorted(completed.id, rerun.id));
    expect(await ids({ workflowId: ok.id, status: ['FAILED', 'COMPLETED'] })).toEqual(sorted(completed.id, failed.id, rerun.id));
    expect(await ids({ workflowId: ok.id, status: ['RUNNING', 'CANCELLED'] })).toEqual([]);
    expect(await ids({ workflowId: ok.id, triggeredBy: 'RERUN' })).toEqual([rerun.id]);
    expect(await ids({ workflowId: ok.id, triggeredBy: 'API' })).toEqual(sorted(completed.id, failed.id));
    expect(await ids({ workflowId: other.id })).toEqual([elsewhere.id]);

    // Without a workflow filter the other tests' runs show up too, but the status filter still holds.
    const everyFailed = (await t.ok(RunsDocument, { first: 100, filter: { status: ['FAILED'] } })).runs.edges.map((e) => e.node);
    expect(everyFailed.map((r) => r.id)).toContain(failed.id);
    expect(new Set(everyFailed.map((r) => r.status))).toEqual(new Set(['FAILED']));
    const reruns = (await t.ok(RunsDocument, { first: 100, filter: { triggeredBy: 'RERUN' } })).runs.edges.map((e) => e.node);
    expect(reruns.map((r) => r.id)).toContain(rerun.id);
    expect(new Set(reruns.map((r) => r.triggeredBy))).toEqual(new Set(['RERUN']));
    for (const node of (await t.ok(RunsDocument, { first: 50, filter: { workflowId: ok.id } })).runs.edges) {
      expect(node.node.workflow.id).toBe(ok.id);
    }

    const wfRuns = expectMember((await t.ok(WorkflowRunsDocument, { id: ok.id, first: 10 })).workflow, 'Workflow').runs;
    expect(wfRuns.totalCount).toBe(3);
    expect(wfRuns.edges.map((e) => e.node.id).sort()).toEqual(sorted(completed.id, failed.id, rerun.id));
    const wfFailed = expectMember(
      (await t.ok(WorkflowRunsDocument, { id: ok.id, first: 10, filter: { status: ['FAILED'] } })).workflow,
      'Workflow',
    ).runs;
    expect(wfFailed.edges.map((e) => e.node)).toEqual([{ id: failed.id, status: 'FAILED' }]);
    const otherRuns = expectMember((await t.ok(WorkflowRunsDocument, { id: other.id, first: 10 })).workflow, 'Workflow').runs;
    expect(otherRuns.edges.map((e) => e.node.id)).toEqual([elsewhere.id]);
  });
});
