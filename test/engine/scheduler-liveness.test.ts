// The scheduler cannot wedge: each test sets up one of the ways a schedule used to stop firing
// (or fire the wrong ticks) and checks that it keeps going. Clocks are injected; waits are
// bounded polls for a state, never a decision by elapsed time.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BackfillJobDocument,
  BackfillScheduleDocument,
  CreateScheduleDocument,
  CreateWorkflowDocument,
  ScheduleDocument,
  type ScheduleInput,
  type ScheduleQuery,
  ScheduledRunsDocument,
} from '../gql/graphql.ts';
import { createSchedulerPass } from '../../src/engine/scheduler.ts';
import { TICKS_PER_TRANSACTION } from '../../src/engine/scheduler-firing.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { ManualClock } from '../support/clock.ts';
import { dbId, expectMember } from '../support/flows.ts';

type ScheduleView = Extract<ScheduleQuery['schedule'], { __typename: 'Schedule' }>;

const noop = { steps: [{ id: 'noop', type: 'transform', expression: '"ok"' }] };
const waiting = { steps: [{ id: 'approve', type: 'wait' }] };

let counter = 0;
async function workflow(t: TestApp, definition: object = noop): Promise<string> {
  const created = (await t.ok(CreateWorkflowDocument, { input: { name: `liveness-${++counter}`, definition } })).createWorkflow;
  return expectMember(created, 'Workflow').id;
}

async function schedule(t: TestApp, workflowId: string, input: ScheduleInput) {
  return expectMember((await t.ok(CreateScheduleDocument, { workflowId, input })).createSchedule, 'Schedule');
}

async function view(t: TestApp, id: string): Promise<ScheduleView> {
  return expectMember((await t.ok(ScheduleDocument, { id, count: 1, last: 100 })).schedule, 'Schedule');
}

/** Polls (bounded) until the scheduler has moved the schedule's nextRunAt to `nextRunAt`. */
async function settled(t: TestApp, id: string, nextRunAt: string): Promise<ScheduleView> {
  for (let i = 0; i < 1000; i++) {
    const s = await view(t, id);
    if (s.nextRunAt === nextRunAt) return s;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`schedule ${id} never advanced to ${nextRunAt}: ${JSON.stringify(await view(t, id))}`);
}

async function runCount(t: TestApp, workflowId: string): Promise<number> {
  return (await t.ok(ScheduledRunsDocument, { workflowId, first: 1 })).runs.totalCount;
}

describe('with a live scheduler', () => {
  const clock = new ManualClock('2027-04-05T00:00:30Z');
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ clock }, { WORKER_POLL_MS: '20' });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('keeps firing when a backfill or another process already recorded the due tick', async () => {
    clock.set('2027-04-05T00:00:30Z');
    const wf = await workflow(t);
    const s = await schedule(t, wf, { cronExpression: '*/10 * * * *' });
    expect(s.nextRunAt).toBe('2027-04-05T00:10:00.000Z');
    // What a backfill in another process leaves behind when it covers the schedule's next tick first.
    await t.app.resources.db.prisma.scheduleTick.create({
      data: { scheduleId: dbId(s.id), tickAt: new Date('2027-04-05T00:10:00Z'), status: 'FIRED', reason: 'backfill' },
    });
    clock.set('2027-04-05T00:10:05Z');
    await settled(t, s.id, '2027-04-05T00:20:00.000Z');
    clock.set('2027-04-05T00:20:05Z');
    const seen = await settled(t, s.id, '2027-04-05T00:30:00.000Z');
    expect(seen.ticks.map((k) => [k.tickAt, k.status, k.reason, k.run !== null])).toEqual([
      ['2027-04-05T00:20:00.000Z', 'FIRED', null, true],
      ['2027-04-05T00:10:00.000Z', 'FIRED', 'backfill', false],
    ]);
    expect(await runCount(t, wf)).toBe(1);
  });

  it('after an outage longer than any enumeration cap, QUEUE and RUN_IMMEDIATELY pick the newest missed ticks', async () => {
    clock.set('2027-05-01T00:00:30Z');
    const queueWf = await workflow(t);
    const onceWf = await workflow(t);
    const queue = await schedule(t, queueWf, { cronExpression: '* * * * *', missedRunPolicy: 'QUEUE', queueLimit: 3 });
    const once = await schedule(t, onceWf, { cronExpression: '* * * * *', missedRunPolicy: 'RUN_IMMEDIATELY' });
    // Ten days down: 14,400 per-minute ticks, far beyond the old 5,000-tick enumeration.
    clock.set('2027-05-11T00:00:30Z');
    const queued = await settled(t, queue.id, '2027-05-11T00:01:00.000Z');
    const caughtUp = await settled(t, once.id, '2027-05-11T00:01:00.000Z');
    expect(queued.ticks.map((k) => k.tickAt).reverse()).toEqual([
      '2027-05-10T23:57:00.000Z',
      '2027-05-10T23:58:00.000Z',
      '2027-05-10T23:59:00.000Z',
      '2027-05-11T00:00:00.000Z',
    ]);
    expect(caughtUp.ticks.map((k) => k.tickAt).reverse()).toEqual(['2027-05-10T23:59:00.000Z', '2027-05-11T00:00:00.000Z']);
    expect(await runCount(t, queueWf)).toBe(4);
    expect(await runCount(t, onceWf)).toBe(2);
  });
});

describe('with a poll interval longer than a minute', () => {
  const clock = new ManualClock('2027-04-06T00:00:30Z');
  let t: TestApp;
  beforeAll(async () => {
    // Two minutes between polls: only wakes (and the scheduler's own follow-ups) run passes in this test.
    t = await startTestApp({ clock }, { WORKER_POLL_MS: '120000' });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('fires ticks seen late by up to a few polls instead of skipping them as missed', async () => {
    clock.set('2027-04-06T00:00:30Z');
    const wf = await workflow(t);
    const s = await schedule(t, wf, { cronExpression: '* * * * *', missedRunPolicy: 'SKIP' });
    expect(s.nextRunAt).toBe('2027-04-06T00:01:00.000Z');
    // 00:01 is 110 s late, past the old fixed 60 s threshold, though the scheduler was up all along.
    clock.set('2027-04-06T00:02:50Z');
    // Any schedule change wakes the scheduler; a wake arriving during a pass is not lost either.
    await schedule(t, await workflow(t), { cronExpression: '0 0 1 1 *', enabled: false });
    const seen = await settled(t, s.id, '2027-04-06T00:03:00.000Z');
    expect(seen.ticks.map((k) => [k.tickAt, k.status]).reverse()).toEqual([
      ['2027-04-06T00:01:00.000Z', 'FIRED'],
      ['2027-04-06T00:02:00.000Z', 'FIRED'],
    ]);
    expect(await runCount(t, wf)).toBe(2);
  });

  it('works through a backfill of several chunks without waiting for the next poll', async () => {
    clock.set('2027-04-06T00:00:30Z');
    const wf = await workflow(t);
    const s = await schedule(t, wf, { cronExpression: '0 * * * *' });
    const job = expectMember(
      (await t.ok(BackfillScheduleDocument, { id: s.id, from: '2027-04-03T00:00:00Z', to: '2027-04-05T11:59:59Z' })).backfillSchedule,
      'BackfillJob',
    );
    // Two chunks: the second is the scheduler's own follow-up, which used to wait for the next poll.
    expect(job.total).toBe(60);
    let seen = job;
    for (let i = 0; i < 1000 && seen.status !== 'COMPLETED'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      seen = expectMember((await t.ok(BackfillJobDocument, { id: job.id })).backfillJob, 'BackfillJob');
    }
    expect(seen).toMatchObject({ status: 'COMPLETED', created: 60, skipped: 0 });
    expect(await runCount(t, wf)).toBe(60);
  }, 120_000);
});

describe('stepping the scheduler one pass at a time', () => {
  const clock = new ManualClock('2027-04-01T00:00:30Z');
  let t: TestApp;
  beforeAll(async () => {
    // No scheduler or workers of its own: only the passes the tests run touch the schedules.
    t = await startTestApp({ clock }, { WORKER_CONCURRENCY: '0' });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('catches up a long QUEUE backlog in bounded transactions, each tick once', async () => {
    clock.set('2027-04-01T00:00:30Z');
    const wf = await workflow(t);
    const s = await schedule(t, wf, { cronExpression: '* * * * *', missedRunPolicy: 'QUEUE', queueLimit: 60 });
    const pass = createSchedulerPass(t.app.resources, { pollMs: 1000 });
    // 70 ticks due (00:01 … 01:10): the newest 60 missed ones (00:10 … 01:09) plus the on-time 01:10.
    clock.set('2027-04-01T01:10:30Z');
    const ticks = () => t.app.resources.db.prisma.scheduleTick.findMany({ where: { scheduleId: dbId(s.id) }, orderBy: { tickAt: 'asc' } });

    expect(await pass()).toEqual({ more: true });
    const first = await ticks();
    expect(first).toHaveLength(TICKS_PER_TRANSACTION);
    expect([first[0]?.tickAt.toISOString(), first.at(-1)?.tickAt.toISOString()]).toEqual([
      '2027-04-01T00:10:00.000Z',
      '2027-04-01T00:59:00.000Z',
    ]);
    // The cursor is the schedule's own nextRunAt, parked on the first tick not yet handled.
    expect((await view(t, s.id)).nextRunAt).toBe('2027-04-01T01:00:00.000Z');

    // The remaining 11 ticks (01:00 … 01:10) are the second and last transaction.
    expect(await pass()).toEqual({ more: false });
    const all = await ticks();
    expect(all).toHaveLength(61);
    expect(new Set(all.map((k) => k.tickAt.toISOString())).size).toBe(61);
    expect([all[0]?.tickAt.toISOString(), all.at(-1)?.tickAt.toISOString()]).toEqual([
      '2027-04-01T00:10:00.000Z',
      '2027-04-01T01:10:00.000Z',
    ]);
    expect(all.every((k) => k.status === 'FIRED' && k.runId !== null)).toBe(true);
    expect(await runCount(t, wf)).toBe(61);
    expect((await view(t, s.id)).nextRunAt).toBe('2027-04-01T01:11:00.000Z');
    // Nothing is due any more: another pass changes nothing.
    expect(await pass()).toEqual({ more: false });
    expect(await ticks()).toHaveLength(61);
  }, 120_000);

  it('releases buffered ticks oldest first among the releasable, past ticks still blocked, and never for a disabled schedule', async () => {
    const prisma = t.app.resources.db.prisma;
    const wf = await prisma.workflow.findUniqueOrThrow({ where: { id: dbId(await workflow(t, waiting)) } });
    const scope = { tenantId: wf.tenantId, workspaceId: wf.workspaceId, workflowId: wf.id };
    const base = new Date('2027-03-01T00:00:00Z').getTime();
    const minute = (n: number) => new Date(base + n * 60_000);
    const newSchedule = (enabled: boolean) => ({
      ...scope,
      id: randomUUID(),
      cronExpression: '0 0 1 1 *',
      inputs: {},
      overlapPolicy: 'BUFFER_ONE',
      enabled,
      nextRunAt: enabled ? new Date('2100-01-01T00:00:00Z') : null,
    });
    // More blocked schedules than one pass reads, each with a long run still active and an older buffered tick.
    const blocked = Array.from({ length: 101 }, () => newSchedule(true));
    const free = newSchedule(true);
    const disabled = newSchedule(false);
    await prisma.schedule.createMany({ data: [...blocked, free, disabled] });
    await prisma.run.createMany({
      data: blocked.map((b) => ({
        ...scope,
        workflowVersionId: wf.currentVersionId as string,
        scheduleId: b.id,
        status: 'RUNNING',
        inputs: {},
      })),
    });
    await prisma.scheduleTick.createMany({
      data: [
        ...blocked.map((b, i) => ({ scheduleId: b.id, tickAt: minute(i), status: 'BUFFERED' })),
        { scheduleId: free.id, tickAt: minute(200), status: 'BUFFERED' },
        { scheduleId: disabled.id, tickAt: minute(300), status: 'BUFFERED' },
      ],
    });

    await createSchedulerPass(t.app.resources, { pollMs: 1000 })();

    const tickOf = (scheduleId: string) => prisma.scheduleTick.findFirstOrThrow({ where: { scheduleId } });
    const released = await tickOf(free.id);
    expect(released.status).toBe('FIRED');
    expect(await prisma.run.findUniqueOrThrow({ where: { id: released.runId as string } })).toMatchObject({ scheduleId: free.id });
    expect((await tickOf(disabled.id)).status).toBe('BUFFERED');
    expect(await prisma.scheduleTick.count({ where: { scheduleId: { in: blocked.map((b) => b.id) }, status: 'BUFFERED' } })).toBe(101);
  });
});
