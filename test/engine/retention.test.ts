// Retention: finished runs older than their workspace keeps them are deleted with their steps,
// attempts and events, by the scheduler loop, in bounded chunks. Time is an injected clock; the
// sweep runs when the scheduler sees the clock move, and the tests poll (bounded) for its effect.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CreateScheduleDocument,
  CreateWorkflowDocument,
  CreateWorkspaceDocument,
  ExecuteWorkflowDocument,
  NodeDocument,
  RerunFromStepDocument,
  UpdateWorkspaceDocument,
} from '../gql/graphql.ts';
import { createRetention } from '../../src/engine/retention.ts';
import { type RequestScope, startTestApp, type TestApp } from '../support/app.ts';
import { ManualClock } from '../support/clock.ts';
import { dbId, expectMember, flows } from '../support/flows.ts';
import { waitForRun } from '../support/runs.ts';

const noop = { steps: [{ id: 'noop', type: 'transform', expression: '"ok"' }] };
const waiting = { steps: [{ id: 'approve', type: 'wait' }] };

/** Polls `check` until it holds; bounded so a broken sweep fails the test instead of hanging it. */
async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 1000; i++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`gave up waiting for: ${what}`);
}

/** Whether the run can still be read (a deleted run is simply not there). */
async function exists(t: TestApp, runId: string, scope?: RequestScope): Promise<boolean> {
  return (await t.ok(NodeDocument, { id: runId }, scope)).node !== null;
}

/** Creates a workflow in the scope's workspace. */
async function workflowIn(t: TestApp, definition: object, scope?: RequestScope): Promise<string> {
  const created = (await t.ok(CreateWorkflowDocument, { input: { name: `kept-${++counter}`, definition } }, scope)).createWorkflow;
  return expectMember(created, 'Workflow').id;
}
let counter = 0;

/** Starts a run of `workflowId` and waits until it has finished (or, with `done`, reached that state). */
async function finished(t: TestApp, workflowId: string, scope?: RequestScope, done?: Parameters<typeof waitForRun>[2]): Promise<string> {
  const run = expectMember((await t.ok(ExecuteWorkflowDocument, { workflowId, input: {} }, scope)).executeWorkflow, 'Run');
  await waitForRun(t, run.id, done, scope);
  return run.id;
}

describe('retention driven by the scheduler (RUN_RETENTION_DAYS=7)', () => {
  const clock = new ManualClock('2027-06-01T00:00:00Z');
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ clock }, { WORKER_POLL_MS: '20', RUN_RETENTION_DAYS: '7' });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('deletes old finished runs with their steps, attempts and events; keeps active, young and re-run parents', async () => {
    const prisma = t.app.resources.db.prisma;
    const f = flows(t);
    const quick = await f.workflow('quick', noop);
    const slow = await f.workflow('slow', waiting);
    const [old, active, parent] = await Promise.all([
      finished(t, quick.id),
      finished(t, slow.id, undefined, (r) => r.steps.some((s) => s.status === 'WAITING')),
      finished(t, quick.id),
    ]);
    const child = expectMember((await t.ok(RerunFromStepDocument, { runId: parent, stepId: 'noop' })).rerunFromStep, 'Run').id;
    await waitForRun(t, child);
    const oldId = dbId(old);
    expect(await prisma.runEvent.count({ where: { runId: oldId } })).toBeGreaterThan(0);
    expect(await prisma.stepRun.count({ where: { runId: oldId } })).toBe(1);
    expect(await prisma.stepAttempt.count({ where: { runId: oldId } })).toBeGreaterThan(0);

    // Old ticks of a schedule: all but its newest go, except a buffered one (still pending work).
    const s = expectMember(
      (await t.ok(CreateScheduleDocument, { workflowId: quick.id, input: { cronExpression: '* * * * *', enabled: false } })).createSchedule,
      'Schedule',
    );
    const tick = (minute: number, status: string, runId: string | null = null, createdAt = `2027-06-01T00:0${minute}:00Z`) => ({
      scheduleId: dbId(s.id),
      tickAt: new Date(`2027-06-01T00:0${minute}:00Z`),
      createdAt: new Date(createdAt),
      status,
      runId,
    });
    await prisma.scheduleTick.createMany({
      data: [
        // Recorded recently for a long-past instant (a backfill): it stays until the record is old.
        tick(0, 'SKIPPED', null, '2027-06-08T00:00:00Z'),
        tick(1, 'FIRED'),
        tick(2, 'SKIPPED'),
        tick(3, 'BUFFERED'),
        tick(4, 'FIRED', oldId),
      ],
    });

    clock.set('2027-06-06T00:00:00Z');
    const young = await finished(t, quick.id);

    clock.set('2027-06-09T00:00:00Z');
    await until(async () => !(await exists(t, old)), 'the old run to be deleted');
    await until(async () => (await prisma.scheduleTick.count({ where: { scheduleId: dbId(s.id) } })) === 3, 'old ticks to be pruned');
    expect(await exists(t, child)).toBe(false);
    for (const model of [prisma.runEvent, prisma.stepRun, prisma.stepAttempt] as const) {
      expect(await (model as typeof prisma.runEvent).count({ where: { runId: { in: [oldId, dbId(child)] } } })).toBe(0);
    }
    // The re-run went in this sweep; its parent, kept while it had one, goes in the next.
    expect(await exists(t, parent)).toBe(true);
    expect(await exists(t, active)).toBe(true);
    expect(await exists(t, young)).toBe(true);
    const ticks = await prisma.scheduleTick.findMany({ where: { scheduleId: dbId(s.id) }, orderBy: { tickAt: 'asc' } });
    expect(ticks.map((k) => [k.tickAt.toISOString(), k.status, k.runId])).toEqual([
      ['2027-06-01T00:00:00.000Z', 'SKIPPED', null],
      ['2027-06-01T00:03:00.000Z', 'BUFFERED', null],
      ['2027-06-01T00:04:00.000Z', 'FIRED', null],
    ]);

    clock.set('2027-06-09T01:00:00Z');
    await until(async () => !(await exists(t, parent)), 'the re-run parent to be deleted');
    expect(await exists(t, active)).toBe(true);
    expect(await exists(t, young)).toBe(true);
  }, 120_000);

  it("honours each workspace's own retention, set on create or with updateWorkspace", async () => {
    clock.set('2027-07-01T00:00:00Z');
    const workspace = async (slug: string, retentionDays?: number | null) => {
      const created = expectMember(
        (await t.ok(CreateWorkspaceDocument, { input: { name: slug, slug, retentionDays } })).createWorkspace,
        'Workspace',
      );
      expect(created.retentionDays).toBe(retentionDays ?? null);
      return created.id;
    };
    const long = await workspace('keep-long', 30);
    const forever = await workspace('keep-forever', 0);
    const short = await workspace('keep-short');
    const updated = expectMember(
      (await t.ok(UpdateWorkspaceDocument, { id: short, input: { retentionDays: 2 } })).updateWorkspace,
      'Workspace',
    );
    expect(updated).toMatchObject({ slug: 'keep-short', retentionDays: 2 });
    const invalid = (await t.ok(UpdateWorkspaceDocument, { id: short, input: { retentionDays: -1 } })).updateWorkspace;
    expect(invalid.__typename === 'ValidationError' && invalid.issues.map((i) => i.path)).toEqual(['retentionDays']);
    const missing = (await t.ok(UpdateWorkspaceDocument, { id: 'no-such-workspace', input: { name: 'x' } })).updateWorkspace;
    expect(missing.__typename).toBe('NotFoundError');

    const runIn = async (workspaceId?: string) => {
      const scope = workspaceId ? { workspaceId } : undefined;
      return { id: await finished(t, await workflowIn(t, noop, scope), scope), scope };
    };
    const [inDefault, inLong, inForever, inShort] = await Promise.all([runIn(), runIn(long), runIn(forever), runIn(short)]);
    const alive = async (r: { id: string; scope?: RequestScope }) => exists(t, r.id, r.scope);

    clock.set('2027-07-04T00:00:00Z');
    await until(async () => !(await alive(inShort)), 'the run of the 2-day workspace to be deleted');
    expect([await alive(inDefault), await alive(inLong), await alive(inForever)]).toEqual([true, true, true]);

    clock.set('2027-07-10T00:00:00Z');
    await until(async () => !(await alive(inDefault)), 'the run of the default (7-day) workspace to be deleted');
    expect([await alive(inLong), await alive(inForever)]).toEqual([true, true]);

    clock.set('2027-08-10T00:00:00Z');
    await until(async () => !(await alive(inLong)), 'the run of the 30-day workspace to be deleted');
    expect(await alive(inForever)).toBe(true);

    // null hands the workspace back to the server's default.
    const reset = expectMember(
      (await t.ok(UpdateWorkspaceDocument, { id: forever, input: { retentionDays: null } })).updateWorkspace,
      'Workspace',
    );
    expect(reset.retentionDays).toBeNull();
    clock.set('2027-08-10T01:00:00Z');
    await until(async () => !(await alive(inForever)), 'the run of the reset workspace to be deleted');
  }, 120_000);
});

describe('retention in chunks', () => {
  const clock = new ManualClock('2027-08-01T00:00:00Z');
  let t: TestApp;
  beforeAll(async () => {
    // The app's own sweeper keeps everything (0 = forever); the test drives sweepers by hand.
    t = await startTestApp({ clock }, { WORKER_POLL_MS: '20', RUN_RETENTION_DAYS: '0' });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('deletes at most its budget per pass and resumes; concurrent sweepers delete each run once', async () => {
    const prisma = t.app.resources.db.prisma;
    const wf = await flows(t).workflow('chunked', noop);
    clock.set('2027-08-01T00:00:00Z');
    await Promise.all(Array.from({ length: 7 }, () => finished(t, wf.id)));
    const now = new Date('2027-08-10T00:00:00Z');
    const sweeper = createRetention(t.app.resources, { defaultDays: 7, rowsPerChunk: 2, chunksPerPass: 2 });
    expect(await sweeper.prune(now)).toEqual({ deletedRuns: 4, deletedTicks: 0, more: true });
    expect(await prisma.run.count({ where: { workflowId: dbId(wf.id) } })).toBe(3);
    // The budget ran out with the last chunk, so the sweeper cannot know it is done until it looks again.
    expect(await sweeper.prune(now)).toEqual({ deletedRuns: 3, deletedTicks: 0, more: true });
    expect(await sweeper.prune(now)).toEqual({ deletedRuns: 0, deletedTicks: 0, more: false });

    await Promise.all(Array.from({ length: 5 }, () => finished(t, wf.id)));
    const later = new Date('2027-08-20T00:00:00Z');
    const sweepers = [1, 2, 3].map(() => createRetention(t.app.resources, { defaultDays: 7, rowsPerChunk: 2, chunksPerPass: 10 }));
    const passes = await Promise.all(sweepers.map((s) => s.prune(later)));
    expect(passes.reduce((sum, p) => sum + p.deletedRuns, 0)).toBe(5);
    expect(await prisma.run.count({ where: { workflowId: dbId(wf.id) } })).toBe(0);
  }, 120_000);
});
