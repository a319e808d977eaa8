import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BackfillJobDocument,
  BackfillScheduleDocument,
  CreateScheduleDocument,
  CreateWorkflowDocument,
  DeleteScheduleDocument,
  PreviewScheduleDocument,
  ScheduleDocument,
  type ScheduleInput,
  type ScheduleQuery,
  ScheduledRunsDocument,
  SetScheduleEnabledDocument,
  SignalRunDocument,
  UpdateScheduleDocument,
} from '../gql/graphql.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { ManualClock } from '../support/clock.ts';

type ScheduleView = Extract<ScheduleQuery['schedule'], { __typename: 'Schedule' }>;

const clock = new ManualClock('2027-01-04T00:00:00Z');
let t: TestApp;
let counter = 0;
beforeAll(async () => {
  t = await startTestApp({ clock }, { WORKER_POLL_MS: '20' });
});
afterAll(async () => {
  await t?.close();
});

async function workflow(definition: object = { steps: [{ id: 'noop', type: 'transform', expression: '"ok"' }] }): Promise<string> {
  const created = (await t.ok(CreateWorkflowDocument, { input: { name: `scheduled-${++counter}`, definition } })).createWorkflow;
  if (created.__typename !== 'Workflow') throw new Error(JSON.stringify(created));
  return created.id;
}

async function schedule(workflowId: string, input: ScheduleInput) {
  const created = (await t.ok(CreateScheduleDocument, { workflowId, input })).createSchedule;
  if (created.__typename !== 'Schedule') throw new Error(JSON.stringify(created));
  return created;
}

async function view(id: string): Promise<ScheduleView> {
  const s = (await t.ok(ScheduleDocument, { id, count: 5, last: 100 })).schedule;
  if (s.__typename !== 'Schedule') throw new Error(JSON.stringify(s));
  return s;
}

/** Waits (bounded) until the scheduler has handled the current clock for the schedule. */
async function settled(id: string, nextRunAt: string): Promise<ScheduleView> {
  for (let i = 0; i < 500; i++) {
    const s = await view(id);
    if (s.nextRunAt === nextRunAt) return s;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`schedule ${id} never advanced to ${nextRunAt}: ${JSON.stringify(await view(id))}`);
}

async function scheduledRuns(workflowId: string) {
  return (await t.ok(ScheduledRunsDocument, { workflowId, first: 100 })).runs;
}

describe('schedule definitions', () => {
  it('previews fire times in a timezone across both DST changes', async () => {
    const spring = await t.ok(PreviewScheduleDocument, {
      cronExpression: '0 9 * * 1',
      timezone: 'America/New_York',
      count: 4,
      from: '2027-03-01T00:00:00Z',
    });
    expect(spring.previewSchedule).toEqual({
      __typename: 'SchedulePreview',
      // 09:00 EST is 14:00Z; after 14 March 2027, 09:00 EDT is 13:00Z.
      fireTimes: ['2027-03-01T14:00:00.000Z', '2027-03-08T14:00:00.000Z', '2027-03-15T13:00:00.000Z', '2027-03-22T13:00:00.000Z'],
    });
    const autumn = await t.ok(PreviewScheduleDocument, {
      cronExpression: '0 9 * * 1',
      timezone: 'America/New_York',
      count: 3,
      from: '2027-10-25T00:00:00Z',
    });
    expect(autumn.previewSchedule).toMatchObject({
      fireTimes: ['2027-10-25T13:00:00.000Z', '2027-11-01T13:00:00.000Z', '2027-11-08T14:00:00.000Z'],
    });
  });

  it('reports an invalid cron expression and timezone as a ValidationError naming both fields, creating nothing', async () => {
    const wf = await workflow();
    const result = (
      await t.ok(CreateScheduleDocument, { workflowId: wf, input: { cronExpression: '61 * * * *', timezone: 'Mars/Olympus' } })
    ).createSchedule;
    expect(result.__typename).toBe('ValidationError');
    expect(result.__typename === 'ValidationError' && result.issues.map((i) => i.path).sort()).toEqual(['cronExpression', 'timezone']);
    const short = (await t.ok(PreviewScheduleDocument, { cronExpression: '* * *' })).previewSchedule;
    expect(short.__typename === 'ValidationError' && short.issues[0]?.message).toContain('must have 5 fields');
  });

  it('creates, updates, disables and deletes a schedule, keeping nextRunAt right', async () => {
    clock.set('2027-01-04T00:00:00Z');
    const wf = await workflow();
    const created = await schedule(wf, {
      cronExpression: '30 6 * * *',
      timezone: 'Europe/Paris',
      inputs: { region: 'eu' },
      missedRunPolicy: 'QUEUE',
      queueLimit: 3,
    });
    // 06:30 in Paris (UTC+1 in January) is 05:30Z.
    expect(created).toMatchObject({
      nextRunAt: '2027-01-04T05:30:00.000Z',
      missedRunPolicy: 'QUEUE',
      overlapPolicy: 'ALLOW',
      inputs: { region: 'eu' },
    });
    expect((await view(created.id)).nextFireTimes.slice(0, 2)).toEqual(['2027-01-04T05:30:00.000Z', '2027-01-05T05:30:00.000Z']);
    const updated = (await t.ok(UpdateScheduleDocument, { id: created.id, input: { cronExpression: '0 12 * * *', timezone: 'UTC' } }))
      .updateSchedule;
    expect(updated).toMatchObject({ nextRunAt: '2027-01-04T12:00:00.000Z', inputs: { region: 'eu' } });
    const disabled = (await t.ok(SetScheduleEnabledDocument, { id: created.id, enabled: false })).setScheduleEnabled;
    expect(disabled).toMatchObject({ enabled: false, nextRunAt: null });
    expect((await t.ok(DeleteScheduleDocument, { id: created.id })).deleteSchedule.__typename).toBe('Schedule');
    expect((await t.ok(ScheduleDocument, { id: created.id })).schedule.__typename).toBe('NotFoundError');
  });
});

describe('firing', () => {
  it('fires "0 9 * * 1" in America/New_York at 09:00 local on both sides of the DST change, once each', async () => {
    clock.set('2027-03-08T12:00:00Z');
    const wf = await workflow();
    const s = await schedule(wf, { cronExpression: '0 9 * * 1', timezone: 'America/New_York' });
    expect(s.nextRunAt).toBe('2027-03-08T14:00:00.000Z');
    clock.set('2027-03-08T14:00:05Z');
    await settled(s.id, '2027-03-15T13:00:00.000Z');
    clock.set('2027-03-15T13:00:05Z');
    const seen = await settled(s.id, '2027-03-22T13:00:00.000Z');
    expect(seen.ticks.map((k) => [k.tickAt, k.status]).reverse()).toEqual([
      ['2027-03-08T14:00:00.000Z', 'FIRED'],
      ['2027-03-15T13:00:00.000Z', 'FIRED'],
    ]);
    const runs = await scheduledRuns(wf);
    expect(runs.totalCount).toBe(2);
    expect(runs.edges.map((e) => [e.node.triggeredBy, e.node.schedule?.id])).toEqual([
      ['SCHEDULE', s.id],
      ['SCHEDULE', s.id],
    ]);
  });

  it('applies each missed-run policy after an outage', async () => {
    clock.set('2027-01-11T00:00:00Z');
    const cron = '*/10 * * * *';
    const skipWf = await workflow();
    const onceWf = await workflow();
    const queueWf = await workflow();
    const skip = await schedule(skipWf, { cronExpression: cron, missedRunPolicy: 'SKIP' });
    const once = await schedule(onceWf, { cronExpression: cron, missedRunPolicy: 'RUN_IMMEDIATELY' });
    const queue = await schedule(queueWf, { cronExpression: cron, missedRunPolicy: 'QUEUE', queueLimit: 4 });
    // Nobody ran for 65 minutes: ticks 00:10 … 01:00 (six) were missed.
    clock.set('2027-01-11T01:05:00Z');
    for (const s of [skip, once, queue]) await settled(s.id, '2027-01-11T01:10:00.000Z');
    expect((await scheduledRuns(skipWf)).totalCount).toBe(0);
    expect((await view(once.id)).ticks.map((k) => k.tickAt)).toEqual(['2027-01-11T01:00:00.000Z']);
    expect((await scheduledRuns(onceWf)).totalCount).toBe(1);
    expect((await view(queue.id)).ticks.map((k) => k.tickAt).reverse()).toEqual([
      '2027-01-11T00:30:00.000Z',
      '2027-01-11T00:40:00.000Z',
      '2027-01-11T00:50:00.000Z',
      '2027-01-11T01:00:00.000Z',
    ]);
    expect((await scheduledRuns(queueWf)).totalCount).toBe(4);
  });
});

describe('overlap policies', () => {
  const waiting = { steps: [{ id: 'approve', type: 'wait' }] };
  const minutes = ['2027-02-01T00:01:05Z', '2027-02-01T00:02:05Z', '2027-02-01T00:03:05Z'];
  const nexts = ['2027-02-01T00:02:00.000Z', '2027-02-01T00:03:00.000Z', '2027-02-01T00:04:00.000Z'];

  async function threeTicks(policy: 'ALLOW' | 'SKIP' | 'BUFFER_ONE' | 'CANCEL_OTHER') {
    clock.set('2027-02-01T00:00:30Z');
    const wf = await workflow(waiting);
    const s = await schedule(wf, { cronExpression: '* * * * *', overlapPolicy: policy });
    for (let i = 0; i < 3; i++) {
      clock.set(minutes[i] as string);
      await settled(s.id, nexts[i] as string);
    }
    return { wf, s, seen: await view(s.id) };
  }

  it('ALLOW starts a run per tick', async () => {
    const { wf, seen } = await threeTicks('ALLOW');
    expect(seen.ticks.map((k) => k.status)).toEqual(['FIRED', 'FIRED', 'FIRED']);
    expect((await scheduledRuns(wf)).totalCount).toBe(3);
  });

  it('SKIP skips ticks while a run is active', async () => {
    const { wf, seen } = await threeTicks('SKIP');
    expect(seen.ticks.map((k) => k.status).reverse()).toEqual(['FIRED', 'SKIPPED', 'SKIPPED']);
    expect((await scheduledRuns(wf)).totalCount).toBe(1);
  });

  it('BUFFER_ONE keeps one tick and starts it when the active run finishes', async () => {
    const { wf, s, seen } = await threeTicks('BUFFER_ONE');
    expect(seen.ticks.map((k) => k.status).reverse()).toEqual(['FIRED', 'BUFFERED', 'SKIPPED']);
    const first = (await scheduledRuns(wf)).edges[0]?.node.id as string;
    await t.ok(SignalRunDocument, { runId: first, stepId: 'approve', payload: { ok: true } });
    for (let i = 0; i < 500 && (await scheduledRuns(wf)).totalCount < 2; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect((await scheduledRuns(wf)).totalCount).toBe(2);
    expect((await view(s.id)).ticks.map((k) => k.status).reverse()).toEqual(['FIRED', 'FIRED', 'SKIPPED']);
  });

  it('CANCEL_OTHER cancels the active run for each new tick', async () => {
    const { wf, seen } = await threeTicks('CANCEL_OTHER');
    expect(seen.ticks.map((k) => k.status)).toEqual(['FIRED', 'FIRED', 'FIRED']);
    // The newest run was only just created: wait (bounded) for a worker to start it.
    let runs = (await scheduledRuns(wf)).edges.map((e) => e.node.status);
    for (let i = 0; i < 500 && runs.at(-1) === 'PENDING'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      runs = (await scheduledRuns(wf)).edges.map((e) => e.node.status);
    }
    expect(runs).toEqual(['CANCELLED', 'CANCELLED', 'RUNNING']);
  });
});

describe('backfill', () => {
  it('creates one run per past tick as a tracked job, and never twice for one tick', async () => {
    clock.set('2027-01-20T00:00:00Z');
    const wf = await workflow();
    const s = await schedule(wf, { cronExpression: '0 * * * *' });
    const job = (await t.ok(BackfillScheduleDocument, { id: s.id, from: '2027-01-18T00:00:00Z', to: '2027-01-18T23:59:59Z' }))
      .backfillSchedule;
    if (job.__typename !== 'BackfillJob') throw new Error(JSON.stringify(job));
    expect(job.total).toBe(24);
    let status = job.status;
    for (let i = 0; i < 500 && status !== 'COMPLETED'; i++) {
      const seen = (await t.ok(BackfillJobDocument, { id: job.id })).backfillJob;
      if (seen.__typename === 'BackfillJob') status = seen.status;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect((await t.ok(BackfillJobDocument, { id: job.id })).backfillJob).toMatchObject({
      status: 'COMPLETED',
      created: 24,
      skipped: 0,
      progress: 1,
    });
    expect((await scheduledRuns(wf)).totalCount).toBe(24);

    const again = (await t.ok(BackfillScheduleDocument, { id: s.id, from: '2027-01-18T12:00:00Z', to: '2027-01-19T01:00:00Z' }))
      .backfillSchedule;
    if (again.__typename !== 'BackfillJob') throw new Error(JSON.stringify(again));
    expect(again.total).toBe(14);
    for (let i = 0; i < 500; i++) {
      const seen = (await t.ok(BackfillJobDocument, { id: again.id })).backfillJob;
      if (seen.__typename === 'BackfillJob' && seen.status === 'COMPLETED') break;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    // 12:00 … 23:00 on the 18th already ran; only the 19th's 00:00 and 01:00 are new.
    expect((await t.ok(BackfillJobDocument, { id: again.id })).backfillJob).toMatchObject({ created: 2, skipped: 12 });
    expect((await scheduledRuns(wf)).totalCount).toBe(26);

    const bad = (await t.ok(BackfillScheduleDocument, { id: s.id, from: '2027-01-19T00:00:00Z', to: '2027-01-18T00:00:00Z' }))
      .backfillSchedule;
    expect(bad.__typename).toBe('ValidationError');
    const future = (await t.ok(BackfillScheduleDocument, { id: s.id, from: '2027-01-19T00:00:00Z', to: '2027-02-18T00:00:00Z' }))
      .backfillSchedule;
    expect(future.__typename === 'ValidationError' && future.issues[0]?.path).toBe('to');
  });
});
