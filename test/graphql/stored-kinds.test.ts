// Failure kinds and schedule tick reasons as the server stores them (issue 14, point 1): every
// writer of a run's error records its kind, and a tick's stored reason reads as an enum.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BackfillJobDocument,
  BackfillScheduleDocument,
  CancelRunDocument,
  CreateScheduleDocument,
  DefinitionViewCreateWorkflowDocument,
  DefinitionViewRunFailureDocument,
  DefinitionViewScheduleTicksDocument,
  type DefinitionViewScheduleTicksQuery,
  type ScheduleInput,
  UpdateWorkflowInputDocument,
} from '../gql/graphql.ts';
import { tickReasonOf } from '../../src/domain/schedule-tick-reasons.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { ManualClock } from '../support/clock.ts';
import { EngineControl } from '../support/engine-hooks.ts';
import { dbId, expectMember, flows } from '../support/flows.ts';
import { waitForRun } from '../support/runs.ts';

let t: TestApp;
let f: ReturnType<typeof flows>;
const control = new EngineControl();
beforeAll(async () => {
  t = await startTestApp({ hooks: control.hooks }, { WORKER_POLL_MS: '50' });
  f = flows(t);
});
afterAll(async () => {
  await t?.close();
});

describe('the failure kind a run’s error records', () => {
  type FailedRun = Extract<Awaited<ReturnType<typeof failure>>, { __typename: 'Run' }>;
  async function failure(id: string) {
    return (await t.ok(DefinitionViewRunFailureDocument, { id })).run;
  }
  async function finished(id: string): Promise<FailedRun> {
    await waitForRun(t, id);
    return expectMember(await failure(id), 'Run');
  }
  const runFailedPayload = (run: FailedRun) => run.events.edges.find((e) => e.node.kind === 'RUN_FAILED')?.node.payload;

  it('is step_failed when a step failed', async () => {
    const wf = await f.workflow('fails', { steps: [{ id: 'boom', type: 'transform', expression: '$error("boom")' }] });
    const run = await finished((await f.execute(wf.id)).id);
    expect(run.status).toBe('FAILED');
    expect(run.error).toMatchObject({ kind: 'step_failed', stepId: 'boom' });
    expect(run.failure).toMatchObject({ kind: 'STEP_FAILED', stepId: 'boom' });
    expect(runFailedPayload(run)).toMatchObject({ kind: 'step_failed', stepId: 'boom' });
  });

  it('is timed_out when the run passed its deadline', async () => {
    const created = expectMember(
      (
        await t.ok(DefinitionViewCreateWorkflowDocument, {
          input: { name: 'deadline', timeoutSeconds: 1, definition: { steps: [{ id: 'hold', type: 'wait' }] } },
        })
      ).createWorkflow,
      'Workflow',
    );
    const run = await finished((await f.execute(created.id)).id);
    expect(run.status).toBe('FAILED');
    expect(run.error).toMatchObject({ kind: 'timed_out', stepId: null });
    expect(run.failure).toMatchObject({ kind: 'TIMED_OUT', stepId: null });
    expect(runFailedPayload(run)).toMatchObject({ kind: 'timed_out' });
  });

  it('is cancelled when the run was cancelled', async () => {
    const wf = await f.workflow('cancelled', { steps: [{ id: 'hold', type: 'wait' }] });
    const started = await f.execute(wf.id);
    await waitForRun(t, started.id, (r) => r.steps.some((s) => s.status === 'WAITING'));
    expectMember((await t.ok(CancelRunDocument, { id: started.id, reason: 'no longer needed' })).cancelRun, 'Run');
    const run = await finished(started.id);
    expect(run.status).toBe('CANCELLED');
    expect(run.error).toMatchObject({ kind: 'cancelled', message: 'Cancelled: no longer needed' });
    expect(run.failure).toMatchObject({ kind: 'CANCELLED' });
  });

  it('is engine_failed when the engine gave up driving the run', async () => {
    const wf = await f.workflow('poisoned', { steps: [{ id: 'a', type: 'transform', expression: '1' }] });
    // Hold the first start so the fault is armed before a worker gets past it.
    const first = control.pause('run.start');
    const started = await f.execute(wf.id);
    await first.reached;
    control.fail('run.start', { runId: dbId(started.id), times: Infinity });
    first.release();
    try {
      await waitForRun(t, started.id, undefined, undefined, 60_000);
    } finally {
      control.reset();
    }
    const run = expectMember(await failure(started.id), 'Run');
    expect(run.status).toBe('FAILED');
    expect(run.error).toMatchObject({ kind: 'engine_failed', stepId: null });
    expect(run.failure).toMatchObject({ kind: 'ENGINE_FAILED' });
    expect(runFailedPayload(run)).toMatchObject({ kind: 'engine_failed' });
  }, 60_000);
});

describe('schedule tick reasons', () => {
  type Tick = Extract<DefinitionViewScheduleTicksQuery['schedule'], { __typename: 'Schedule' }>['ticks'][number];
  const clock = new ManualClock('2027-02-01T00:00:30Z');
  let s: TestApp;
  let counter = 0;
  beforeAll(async () => {
    s = await startTestApp({ clock }, { WORKER_POLL_MS: '20' });
  });
  afterAll(async () => {
    await s?.close();
  });

  async function workflowOf(definition: object): Promise<string> {
    const created = (await s.ok(DefinitionViewCreateWorkflowDocument, { input: { name: `ticks-${++counter}`, definition } }))
      .createWorkflow;
    return expectMember(created, 'Workflow').id;
  }

  async function ticks(id: string): Promise<{ nextRunAt: string | null; ticks: Tick[] }> {
    return expectMember((await s.ok(DefinitionViewScheduleTicksDocument, { id })).schedule, 'Schedule');
  }

  /** Fires the ticks at 00:01, 00:02 and 00:03 of a `* * * * *` schedule, oldest first. */
  async function threeTicks(workflowId: string, input: Partial<ScheduleInput>): Promise<Tick[]> {
    clock.set('2027-02-01T00:00:30Z');
    const created = expectMember(
      (await s.ok(CreateScheduleDocument, { workflowId, input: { cronExpression: '* * * * *', ...input } })).createSchedule,
      'Schedule',
    );
    for (const minute of [1, 2, 3]) {
      clock.set(`2027-02-01T00:0${minute}:05Z`);
      const next = `2027-02-01T00:0${minute + 1}:00.000Z`;
      // Bounded wait for the scheduler to handle the instant; the bound is only a safety net.
      for (let i = 0; i < 500 && (await ticks(created.id)).nextRunAt !== next; i++) await new Promise((r) => setTimeout(r, 10));
    }
    return [...(await ticks(created.id)).ticks].reverse();
  }

  const waiting = { steps: [{ id: 'approve', type: 'wait' }] };

  it('SKIP: the overlap with an active run', async () => {
    const seen = await threeTicks(await workflowOf(waiting), { overlapPolicy: 'SKIP' });
    expect(seen.map((k) => [k.status, k.skipReason])).toEqual([
      ['FIRED', null],
      ['SKIPPED', 'OVERLAP_ACTIVE_RUN'],
      ['SKIPPED', 'OVERLAP_ACTIVE_RUN'],
    ]);
    expect(seen[1]?.reason).toBe('the previous run was still active');
  });

  it('BUFFER_ONE: one tick waits for the active run, the next finds it buffered', async () => {
    const seen = await threeTicks(await workflowOf(waiting), { overlapPolicy: 'BUFFER_ONE' });
    expect(seen.map((k) => [k.status, k.skipReason])).toEqual([
      ['FIRED', null],
      ['BUFFERED', 'WAITING_FOR_ACTIVE_RUN'],
      ['SKIPPED', 'TICK_ALREADY_BUFFERED'],
    ]);
  });

  it('an inactive workflow, on schedule and in a backfill; a backfill of an active one', async () => {
    const inactive = await workflowOf({ steps: [{ id: 'a', type: 'transform', expression: '1' }] });
    expectMember((await s.ok(UpdateWorkflowInputDocument, { input: { id: inactive, status: 'INACTIVE' } })).updateWorkflow, 'Workflow');
    const seen = await threeTicks(inactive, {});
    expect(seen.map((k) => [k.status, k.skipReason])).toEqual([
      ['SKIPPED', 'WORKFLOW_NOT_ACTIVE'],
      ['SKIPPED', 'WORKFLOW_NOT_ACTIVE'],
      ['SKIPPED', 'WORKFLOW_NOT_ACTIVE'],
    ]);

    for (const [workflowId, expected] of [
      [inactive, ['SKIPPED', 'WORKFLOW_NOT_ACTIVE']],
      [await workflowOf({ steps: [{ id: 'a', type: 'transform', expression: '1' }] }), ['FIRED', 'BACKFILL']],
    ] as const) {
      const created = expectMember(
        (await s.ok(CreateScheduleDocument, { workflowId, input: { cronExpression: '0 0 * * *', enabled: false } })).createSchedule,
        'Schedule',
      );
      const job = expectMember(
        (await s.ok(BackfillScheduleDocument, { id: created.id, from: '2027-01-20T00:00:00Z', to: '2027-01-21T23:59:59Z' }))
          .backfillSchedule,
        'BackfillJob',
      );
      for (let i = 0; i < 500; i++) {
        const seenJob = expectMember((await s.ok(BackfillJobDocument, { id: job.id })).backfillJob, 'BackfillJob');
        if (seenJob.status === 'COMPLETED') break;
        await new Promise((r) => setTimeout(r, 10));
      }
      const backfilled = (await ticks(created.id)).ticks;
      expect(backfilled.map((k) => [k.status, k.skipReason])).toEqual([expected, expected]);
      expect(backfilled.every((k) => k.reason === 'backfill')).toBe(true);
    }
  });

  it('every text the scheduler writes has an enum value, and an unknown one is refused', () => {
    expect(tickReasonOf('FIRED', null)).toBeNull();
    expect(tickReasonOf('SKIPPED', 'the workflow is not active')).toBe('workflow_not_active');
    expect(tickReasonOf('FIRED', 'backfill')).toBe('backfill');
    expect(() => tickReasonOf('SKIPPED', 'some new reason')).toThrow(/unexpected stored schedule tick reason/);
  });
});
