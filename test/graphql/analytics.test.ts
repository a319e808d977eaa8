// Run analytics through GraphQL, checked against hand-computed numbers. Runs are normally
// created by the engine with the wall clock, so the fixture runs (and the steps and attempts of
// one timeline) are inserted with the app's own Prisma client at exact instants, in an app with
// no workers so nothing touches them. One real run executed by the engine (in a second app)
// checks that a timeline built from engine-written timestamps is internally consistent.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/database.ts';
import { NotFoundError } from '../../src/domain/errors.ts';
import type { Principal } from '../../src/domain/principal.ts';
import {
  CreateWorkflowDocument,
  CreateWorkspaceDocument,
  RunTimelineDocument,
  type RunTimelineQuery,
  WorkflowStatsDocument,
  type WorkflowStatsQuery,
  WorkspaceStatsDocument,
  type WorkspaceStatsQuery,
} from '../gql/graphql.ts';
import { startTestApp, type RequestScope, type TestApp } from '../support/app.ts';
import { dbId, expectMember, flows } from '../support/flows.ts';
import { waitForRun } from '../support/runs.ts';

const SEC = 1000;
const MIN = 60 * SEC;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
/** Start of the window every fixture is laid out around. */
const T0 = Date.parse('2030-01-01T00:00:00.000Z');
const FROM = new Date(T0).toISOString();
const TO = new Date(T0 + DAY).toISOString();
/** Every started fixture run waited this long in the queue (an odd number, so ms rounding shows). */
const QUEUE_MS = 37;

type RunStatsView = Extract<NonNullable<WorkflowStatsQuery['workflow']>, { __typename: 'Workflow' }>['stats'];
type WorkspaceStatsView = Extract<WorkspaceStatsQuery['workspaceStats'], { __typename: 'WorkspaceStats' }>;
type TimelineView = Extract<NonNullable<RunTimelineQuery['run']>, { __typename: 'Run' }>['timeline'];

let t: TestApp;
let db: Db;
let other: RequestScope;
let otherPrincipal: Principal;
const wf = { w1: '', w2: '', w3: '', x: '', timeline: '' };
let timelineRunId = '';

interface FixtureWorkflow {
  id: string;
  tenantId: string;
  workspaceId: string;
  versionId: string;
}

async function fixtureWorkflow(globalId: string): Promise<FixtureWorkflow> {
  const row = await db.workflow.findUniqueOrThrow({ where: { id: dbId(globalId) } });
  return { id: row.id, tenantId: row.tenantId, workspaceId: row.workspaceId, versionId: row.currentVersionId as string };
}

/**
 * Inserts a run created at `createdAt` (epoch ms). Anything but PENDING started QUEUE_MS later;
 * finished runs ended `durationMs` after they started.
 */
async function insertRun(w: FixtureWorkflow, status: string, createdAt: number, durationMs = 0): Promise<string> {
  const startedAt = status === 'PENDING' ? null : createdAt + QUEUE_MS;
  const finished = ['COMPLETED', 'FAILED', 'CANCELLED'].includes(status);
  const run = await db.run.create({
    data: {
      tenantId: w.tenantId,
      workspaceId: w.workspaceId,
      workflowId: w.id,
      workflowVersionId: w.versionId,
      status,
      inputs: {},
      createdAt: new Date(createdAt),
      startedAt: startedAt === null ? null : new Date(startedAt),
      completedAt: finished && startedAt !== null ? new Date(startedAt + durationMs) : null,
      runnableAt: null,
    },
  });
  return run.id;
}

async function workflowStats(id: string, from?: string, to?: string, scope?: RequestScope): Promise<RunStatsView> {
  const workflow = expectMember((await t.ok(WorkflowStatsDocument, { id, from, to }, scope)).workflow, 'Workflow');
  return workflow.stats;
}

async function workspaceStats(from?: string, to?: string, scope?: RequestScope, limit?: number): Promise<WorkspaceStatsView> {
  return expectMember((await t.ok(WorkspaceStatsDocument, { from, to, limit }, scope)).workspaceStats, 'WorkspaceStats');
}

/** The RunStats part of a result, for comparing with an expected literal. */
function numbers(stats: RunStatsView | WorkspaceStatsView) {
  const s = stats.__typename === 'WorkspaceStats' ? stats : expectMember(stats, 'RunStats');
  return { counts: s.counts, total: s.total, successRate: s.successRate, durationMs: s.durationMs, window: s.window };
}

const counts = (pending: number, running: number, completed: number, failed: number, cancelled: number) => ({
  pending,
  running,
  completed,
  failed,
  cancelled,
});

const noDurations = { count: 0, p50: null, p95: null, p99: null, avg: null, min: null, max: null };

beforeAll(async () => {
  t = await startTestApp({}, { WORKER_CONCURRENCY: '0' });
  db = t.app.resources.db.prisma;
  const f = flows(t);
  const simple = { steps: [{ id: 'only', type: 'transform', expression: '"x"' }] };
  wf.w1 = (await f.workflow('w1', simple)).id;
  wf.w2 = (await f.workflow('w2', simple)).id;
  wf.w3 = (await f.workflow('w3', simple)).id;
  // Definition order a, c, b, d, e (not alphabetical): the timeline must follow it.
  wf.timeline = (
    await f.workflow('timeline', {
      steps: [
        { id: 'a', type: 'transform', expression: '"a"' },
        { id: 'c', type: 'transform', dependsOn: ['a'], expression: '"c"' },
        { id: 'b', type: 'transform', dependsOn: ['a'], expression: '"b"' },
        { id: 'd', type: 'transform', dependsOn: ['b', 'c'], expression: '"d"' },
        { id: 'e', type: 'transform', dependsOn: ['d'], expression: '"e"' },
      ],
    })
  ).id;
  const created = expectMember(
    (await t.ok(CreateWorkspaceDocument, { input: { name: 'Analytics other', slug: 'analytics-other' } })).createWorkspace,
    'Workspace',
  );
  other = { workspaceId: created.id };
  wf.x = expectMember(
    (await t.ok(CreateWorkflowDocument, { input: { name: 'x', definition: simple } }, other)).createWorkflow,
    'Workflow',
  ).id;

  const w1 = await fixtureWorkflow(wf.w1);
  const w2 = await fixtureWorkflow(wf.w2);
  const x = await fixtureWorkflow(wf.x);
  otherPrincipal = { tenantId: x.tenantId, workspaceId: x.workspaceId, userId: null, role: 'admin' };

  // W1, inside [FROM, TO): 10 COMPLETED runs lasting 100..1000 ms, inserted out of order, the
  // first created exactly at FROM (inclusive bound); 2 FAILED and 1 CANCELLED with long
  // durations that must not reach the percentiles; 1 RUNNING; 1 PENDING.
  const w1Durations = [700, 100, 1000, 300, 900, 200, 500, 800, 400, 600];
  for (const [i, ms] of w1Durations.entries()) await insertRun(w1, 'COMPLETED', T0 + i * MIN, ms);
  await insertRun(w1, 'FAILED', T0 + 11 * MIN, 5000);
  await insertRun(w1, 'FAILED', T0 + 12 * MIN, 7000);
  await insertRun(w1, 'CANCELLED', T0 + 13 * MIN, 60_000);
  await insertRun(w1, 'RUNNING', T0 + 14 * MIN);
  await insertRun(w1, 'PENDING', T0 + 15 * MIN);
  // W1, outside: 1 ms before FROM (99 999 ms), exactly at TO (exclusive bound; 5 ms), after TO.
  await insertRun(w1, 'COMPLETED', T0 - 1, 99_999);
  await insertRun(w1, 'COMPLETED', T0 + DAY, 5);
  await insertRun(w1, 'FAILED', T0 + DAY + HOUR, 3000);

  // W2, inside: 20 COMPLETED runs lasting 50, 100, ..., 1000 ms (inserted longest first),
  // 1 FAILED, 1 PENDING. Outside: 1 RUNNING created an hour before FROM.
  for (let k = 20; k >= 1; k--) await insertRun(w2, 'COMPLETED', T0 + 2 * HOUR + k * SEC, 50 * k);
  await insertRun(w2, 'FAILED', T0 + 3 * HOUR, 100);
  await insertRun(w2, 'PENDING', T0 + 3 * HOUR + SEC);
  await insertRun(w2, 'RUNNING', T0 - HOUR);

  // The other workspace: 1 COMPLETED (123 ms) and 1 RUNNING, inside the window.
  await insertRun(x, 'COMPLETED', T0 + HOUR, 123);
  await insertRun(x, 'RUNNING', T0 + HOUR + SEC);

  // The timeline run (10 days before FROM, so outside every window above): a diamond
  // a → {b, c} → d → e, with times in ms after R0.
  const wt = await fixtureWorkflow(wf.timeline);
  const R0 = T0 - 10 * DAY;
  const at = (ms: number | null) => (ms === null ? null : new Date(R0 + ms));
  const run = await db.run.create({
    data: {
      tenantId: wt.tenantId,
      workspaceId: wt.workspaceId,
      workflowId: wt.id,
      workflowVersionId: wt.versionId,
      status: 'FAILED',
      inputs: {},
      createdAt: at(0) as Date,
      startedAt: at(250),
      completedAt: at(5000),
    },
  });
  timelineRunId = run.id;
  type AttemptFixture = [attempt: number, status: string, start: number, finish: number, durationMs: number | null];
  const steps: [string, string, number | null, number, AttemptFixture[]][] = [
    // inserted in reverse: the timeline must come back in definition order
    ['e', 'CANCELLED', null, 5000, []],
    [
      'd',
      'FAILED',
      3400,
      4990,
      [
        [1, 'INTERRUPTED', 3400, 3600, null], // interrupted attempts record no duration
        [2, 'FAILED', 3700, 4990, 1290],
      ],
    ],
    ['c', 'COMPLETED', 1100, 3000, [[1, 'SUCCEEDED', 1100, 3000, 1900]]],
    [
      'b',
      'COMPLETED',
      1010,
      2510,
      [
        [1, 'FAILED', 1010, 1510, 500],
        [2, 'SUCCEEDED', 2010, 2510, 500],
      ],
    ],
    ['a', 'COMPLETED', 300, 1000, [[1, 'SUCCEEDED', 300, 1000, 700]]],
  ];
  for (const [stepId, status, start, end, attempts] of steps) {
    const step = await db.stepRun.create({
      data: {
        tenantId: wt.tenantId,
        workspaceId: wt.workspaceId,
        runId: run.id,
        stepId,
        stepType: 'transform',
        status,
        attempt: attempts.length,
        createdAt: at(0) as Date,
        startedAt: at(start),
        completedAt: at(end),
      },
    });
    for (const [attempt, attemptStatus, s, e, durationMs] of attempts) {
      await db.stepAttempt.create({
        data: {
          tenantId: wt.tenantId,
          workspaceId: wt.workspaceId,
          runId: run.id,
          stepRunId: step.id,
          attempt,
          status: attemptStatus,
          startedAt: at(s) as Date,
          finishedAt: at(e),
          durationMs,
        },
      });
    }
  }
});

afterAll(async () => {
  await t?.close();
});

describe('workflow stats', () => {
  it('counts, success rate and nearest-rank percentiles of one workflow over a window', async () => {
    expect(numbers(await workflowStats(wf.w1, FROM, TO))).toEqual({
      window: { from: FROM, to: TO },
      // in window: 10 COMPLETED (first exactly at FROM), 2 FAILED, 1 CANCELLED, 1 RUNNING, 1 PENDING;
      // the runs at FROM - 1 ms, exactly at TO and after TO are out
      counts: counts(1, 1, 10, 2, 1),
      total: 15, // 1 + 1 + 10 + 2 + 1
      successRate: 10 / 13, // COMPLETED / (COMPLETED + FAILED + CANCELLED) = 10 / (10 + 2 + 1) ≈ 0.769
      durationMs: {
        count: 10, // COMPLETED only: 100, 200, ..., 1000
        p50: 500, // rank ceil(0.50 × 10) = 5 → 500 (interpolation would say 550)
        p95: 1000, // rank ceil(0.95 × 10) = ceil(9.5) = 10 → 1000
        p99: 1000, // rank ceil(0.99 × 10) = ceil(9.9) = 10 → 1000
        avg: 550, // (100 + ... + 1000) / 10 = 5500 / 10
        min: 100,
        max: 1000,
      },
    });
  });

  it('p95 and p99 differ once there are 20 durations, and FAILED runs stay out of them', async () => {
    expect(numbers(await workflowStats(wf.w2, FROM, TO))).toEqual({
      window: { from: FROM, to: TO },
      counts: counts(1, 0, 20, 1, 0), // its RUNNING run was created before FROM
      total: 22, // 1 + 20 + 1
      successRate: 20 / 21, // 20 / (20 + 1 + 0) ≈ 0.952
      durationMs: {
        count: 20, // 50, 100, ..., 1000
        p50: 500, // rank ceil(0.50 × 20) = 10 → 10 × 50 (interpolation would say 525)
        p95: 950, // rank ceil(0.95 × 20) = 19 exactly → 19 × 50
        p99: 1000, // rank ceil(0.99 × 20) = ceil(19.8) = 20 → 20 × 50
        avg: 525, // 50 × (1 + ... + 20) / 20 = 50 × 210 / 20
        min: 50,
        max: 1000,
      },
    });
  });

  it('an open window counts every run; one-sided windows keep their inclusive/exclusive bounds', async () => {
    expect(numbers(await workflowStats(wf.w1))).toEqual({
      window: { from: null, to: null },
      counts: counts(1, 1, 12, 3, 1), // the 15 in the window + COMPLETED at FROM - 1 ms and at TO + FAILED after TO
      total: 18,
      successRate: 0.75, // 12 / (12 + 3 + 1) = 12 / 16
      durationMs: {
        count: 12, // 5, 100, 200, ..., 1000, 99 999
        p50: 500, // rank ceil(0.50 × 12) = 6 → [5, 100, 200, 300, 400, 500] → 500
        p95: 99_999, // rank ceil(0.95 × 12) = ceil(11.4) = 12 → 99 999
        p99: 99_999, // rank ceil(0.99 × 12) = ceil(11.88) = 12
        avg: 8792, // (5 + 5500 + 99 999) / 12 = 105 504 / 12
        min: 5,
        max: 99_999,
      },
    });
    // Only `to`: runs created strictly before FROM → the one at FROM - 1 ms.
    expect(numbers(await workflowStats(wf.w1, undefined, FROM))).toEqual({
      window: { from: null, to: FROM },
      counts: counts(0, 0, 1, 0, 0),
      total: 1,
      successRate: 1, // 1 / 1
      durationMs: { count: 1, p50: 99_999, p95: 99_999, p99: 99_999, avg: 99_999, min: 99_999, max: 99_999 },
    });
    // Only `from`: runs created at or after TO → COMPLETED exactly at TO (5 ms) and FAILED an hour later.
    expect(numbers(await workflowStats(wf.w1, TO))).toEqual({
      window: { from: TO, to: null },
      counts: counts(0, 0, 1, 1, 0),
      total: 2,
      successRate: 0.5, // 1 / (1 + 1)
      durationMs: { count: 1, p50: 5, p95: 5, p99: 5, avg: 5, min: 5, max: 5 },
    });
  });

  it('a workflow without runs, or an empty window, has zero counts and null rate and durations', async () => {
    const empty = { counts: counts(0, 0, 0, 0, 0), total: 0, successRate: null, durationMs: noDurations };
    expect(numbers(await workflowStats(wf.w3, FROM, TO))).toEqual({ window: { from: FROM, to: TO }, ...empty });
    // from = to is a valid, empty window (from inclusive, to exclusive).
    expect(numbers(await workflowStats(wf.w1, FROM, FROM))).toEqual({ window: { from: FROM, to: FROM }, ...empty });
  });

  it('only RUNNING and PENDING runs: no finished run, so the success rate is null', async () => {
    // [FROM + 14 min, FROM + 16 min) holds W1's RUNNING and PENDING runs only.
    const stats = numbers(await workflowStats(wf.w1, new Date(T0 + 14 * MIN).toISOString(), new Date(T0 + 16 * MIN).toISOString()));
    expect(stats.counts).toEqual(counts(1, 1, 0, 0, 0));
    expect(stats.total).toBe(2);
    expect(stats.successRate).toBeNull();
    expect(stats.durationMs).toEqual(noDurations);
  });

  it('a window whose from is after its to is a typed ValidationError', async () => {
    const stats = await workflowStats(wf.w1, TO, FROM);
    const error = expectMember(stats, 'ValidationError');
    expect(error.issues).toEqual([{ path: 'from', message: 'must not be after `to`' }]);
  });
});

describe('workspace stats', () => {
  it('aggregates every workflow of the workspace over the window, plus what is running and pending now', async () => {
    const stats = await workspaceStats(FROM, TO);
    expect(numbers(stats)).toEqual({
      window: { from: FROM, to: TO },
      // W1 (P1 R1 C10 F2 X1) + W2 (P1 C20 F1); W3 has no runs; W2's RUNNING run is before FROM
      counts: counts(2, 1, 30, 3, 1),
      total: 37, // 15 + 22
      successRate: 30 / 34, // 30 / (30 + 3 + 1) ≈ 0.882
      durationMs: {
        count: 30, // W1's 100..1000 step 100 and W2's 50..1000 step 50
        // sorted: 50, 100, 100, 150, 200, 200, 250, 300, 300, 350, 400, 400, 450, 500, 500 (rank 15), 550, 600, 600,
        // 650, 700, 700, 750, 800, 800, 850, 900, 900, 950, 1000 (rank 29), 1000 (rank 30)
        p50: 500, // rank ceil(0.50 × 30) = 15
        p95: 1000, // rank ceil(0.95 × 30) = ceil(28.5) = 29
        p99: 1000, // rank ceil(0.99 × 30) = ceil(29.7) = 30
        avg: expect.closeTo(16_000 / 30, 9), // (5500 + 10 500) / 30 ≈ 533.33
        min: 50,
        max: 1000,
      },
    });
    // Now, whatever the window: W1's RUNNING + W2's RUNNING (created before FROM) = 2; W1's and W2's PENDING = 2.
    expect(stats.running).toBe(2);
    expect(stats.pending).toBe(2);
  });

  it('lists the workflows with the most runs in the window, each with its own statistics', async () => {
    const stats = await workspaceStats(FROM, TO, undefined, 5);
    // W2 has 22 runs in the window, W1 15; W3 none (absent); the timeline workflow's run is outside.
    expect(stats.topWorkflows.map((e) => e.workflow.id)).toEqual([wf.w2, wf.w1]);
    expect(stats.topWorkflows[0]?.stats).toEqual(numbers(await workflowStats(wf.w2, FROM, TO)));
    expect(stats.topWorkflows[1]?.stats).toEqual(numbers(await workflowStats(wf.w1, FROM, TO)));
    expect((await workspaceStats(FROM, TO, undefined, 1)).topWorkflows.map((e) => e.workflow.id)).toEqual([wf.w2]);
    expect((await workspaceStats(FROM, TO, undefined, 0)).topWorkflows).toEqual([]);
  });

  it('a window whose from is after its to is a typed ValidationError', async () => {
    const result = (await t.ok(WorkspaceStatsDocument, { from: TO, to: FROM })).workspaceStats;
    expect(expectMember(result, 'ValidationError').issues).toEqual([{ path: 'from', message: 'must not be after `to`' }]);
  });

  it('another workspace sees only its own runs, and none of this one’s workflows or runs', async () => {
    const stats = await workspaceStats(FROM, TO, other);
    expect(numbers(stats)).toEqual({
      window: { from: FROM, to: TO },
      counts: counts(0, 1, 1, 0, 0), // its own COMPLETED (123 ms) and RUNNING runs
      total: 2,
      successRate: 1, // 1 / 1
      durationMs: { count: 1, p50: 123, p95: 123, p99: 123, avg: 123, min: 123, max: 123 },
    });
    expect(stats.running).toBe(1);
    expect(stats.pending).toBe(0);
    expect(stats.topWorkflows.map((e) => e.workflow.id)).toEqual([wf.x]);

    // This workspace's workflow and run are not found from there, through GraphQL and the service.
    expect((await t.ok(WorkflowStatsDocument, { id: wf.w1, from: FROM, to: TO }, other)).workflow.__typename).toBe('NotFoundError');
    expect((await t.ok(RunTimelineDocument, { id: timelineRunId }, other)).run.__typename).toBe('NotFoundError');
    const analytics = t.app.services.analytics;
    await expect(analytics.workflowStats(otherPrincipal, dbId(wf.w1), {})).rejects.toBeInstanceOf(NotFoundError);
    await expect(analytics.runTimeline(otherPrincipal, timelineRunId)).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe('run timeline', () => {
  it('gives each step of a diamond its readiness, start, wait, duration and attempts, in definition order', async () => {
    const run = expectMember((await t.ok(RunTimelineDocument, { id: timelineRunId })).run, 'Run');
    const R0 = T0 - 10 * DAY;
    const at = (ms: number) => new Date(R0 + ms).toISOString();
    const attempt = (n: number, status: string, start: number, finish: number, durationMs: number) => ({
      attempt: n,
      status,
      startedAt: at(start),
      finishedAt: at(finish),
      durationMs,
    });
    expect(run.timeline).toEqual({
      status: 'FAILED',
      createdAt: at(0),
      startedAt: at(250),
      completedAt: at(5000),
      queueTimeMs: 250, // 250 - 0
      durationMs: 4750, // 5000 - 250
      steps: [
        {
          stepId: 'a',
          type: 'transform',
          status: 'COMPLETED',
          dependsOn: [],
          readyAt: at(250), // a root: ready when the run started
          startedAt: at(300),
          completedAt: at(1000),
          durationMs: 700, // 1000 - 300
          waitTimeMs: 50, // 300 - 250
          attemptCount: 1,
          attempts: [attempt(1, 'SUCCEEDED', 300, 1000, 700)],
        },
        {
          stepId: 'c',
          type: 'transform',
          status: 'COMPLETED',
          dependsOn: ['a'],
          readyAt: at(1000), // a completed
          startedAt: at(1100),
          completedAt: at(3000),
          durationMs: 1900, // 3000 - 1100
          waitTimeMs: 100, // 1100 - 1000
          attemptCount: 1,
          attempts: [attempt(1, 'SUCCEEDED', 1100, 3000, 1900)],
        },
        {
          stepId: 'b',
          type: 'transform',
          status: 'COMPLETED',
          dependsOn: ['a'],
          readyAt: at(1000),
          startedAt: at(1010),
          completedAt: at(2510),
          durationMs: 1500, // 2510 - 1010: both attempts and the back-off between them
          waitTimeMs: 10, // 1010 - 1000
          attemptCount: 2,
          attempts: [attempt(1, 'FAILED', 1010, 1510, 500), attempt(2, 'SUCCEEDED', 2010, 2510, 500)],
        },
        {
          stepId: 'd',
          type: 'transform',
          status: 'FAILED',
          dependsOn: ['b', 'c'],
          readyAt: at(3000), // max(b 2510, c 3000)
          startedAt: at(3400),
          completedAt: at(4990),
          durationMs: 1590, // 4990 - 3400
          waitTimeMs: 400, // 3400 - 3000
          attemptCount: 2,
          attempts: [
            attempt(1, 'INTERRUPTED', 3400, 3600, 200), // no recorded duration: 3600 - 3400
            attempt(2, 'FAILED', 3700, 4990, 1290),
          ],
        },
        {
          stepId: 'e',
          type: 'transform',
          status: 'CANCELLED',
          dependsOn: ['d'],
          readyAt: null, // d FAILED, so e never became ready
          startedAt: null,
          completedAt: at(5000),
          durationMs: null,
          waitTimeMs: null,
          attemptCount: 0,
          attempts: [],
        },
      ],
    });
  });

  it('a run no worker has started has no queue time, duration or step readiness yet', async () => {
    const w1 = await fixtureWorkflow(wf.w1);
    const id = await insertRun(w1, 'PENDING', T0 - 20 * DAY);
    await db.stepRun.create({
      data: { tenantId: w1.tenantId, workspaceId: w1.workspaceId, runId: id, stepId: 'only', stepType: 'transform' },
    });
    const timeline = expectMember((await t.ok(RunTimelineDocument, { id })).run, 'Run').timeline;
    expect(timeline).toMatchObject({ status: 'PENDING', startedAt: null, queueTimeMs: null, durationMs: null });
    expect(timeline.steps).toEqual([
      expect.objectContaining({ stepId: 'only', status: 'PENDING', readyAt: null, startedAt: null, waitTimeMs: null, attemptCount: 0 }),
    ]);
  });
});

describe('a run executed by the engine', () => {
  let live: TestApp;
  afterAll(async () => {
    await live?.close();
  });

  it('has a timeline consistent with itself, with its steps and with its workflow’s stats', async () => {
    live = await startTestApp({}, { WORKER_POLL_MS: '50' });
    const f = flows(live);
    const workflow = await f.workflow('engine-diamond', {
      steps: [
        { id: 'a', type: 'transform', expression: '"a"' },
        { id: 'b', type: 'delay', dependsOn: ['a'], durationMs: 60 },
        { id: 'c', type: 'transform', dependsOn: ['a'], expression: '"c"' },
        { id: 'd', type: 'transform', dependsOn: ['b', 'c'], expression: '"d"' },
      ],
    });
    const started = await f.execute(workflow.id);
    const done = await waitForRun(live, started.id);
    expect(done.status).toBe('COMPLETED');
    const timeline: TimelineView = expectMember((await live.ok(RunTimelineDocument, { id: started.id })).run, 'Run').timeline;

    const ms = (iso: string | null | undefined) => (iso ? Date.parse(iso) : NaN);
    expect(timeline.status).toBe('COMPLETED');
    expect(timeline.createdAt).toBe(done.createdAt);
    expect(timeline.startedAt).toBe(done.startedAt);
    expect(timeline.completedAt).toBe(done.completedAt);
    expect(timeline.queueTimeMs).toBe(ms(done.startedAt) - ms(done.createdAt));
    expect(timeline.durationMs).toBe(ms(done.completedAt) - ms(done.startedAt));
    expect(timeline.queueTimeMs).toBeGreaterThanOrEqual(0);

    expect(timeline.steps.map((s) => s.stepId)).toEqual(['a', 'b', 'c', 'd']);
    const step = (id: string) => timeline.steps.find((s) => s.stepId === id) as TimelineView['steps'][number];
    const expectedReady: Record<string, number> = {
      a: ms(done.startedAt),
      b: ms(step('a').completedAt),
      c: ms(step('a').completedAt),
      d: Math.max(ms(step('b').completedAt), ms(step('c').completedAt)),
    };
    for (const s of timeline.steps) {
      const recorded = done.steps.find((r) => r.stepId === s.stepId);
      expect(s.status).toBe('COMPLETED');
      expect(ms(s.readyAt)).toBe(expectedReady[s.stepId]);
      // The engine stamps a start with the clock reading of the scheduling pass that saw the
      // dependencies done, which can be a few ms before their recorded end: such waits are 0.
      expect(s.waitTimeMs).toBe(Math.max(0, ms(s.startedAt) - ms(s.readyAt)));
      expect(s.durationMs).toBe(ms(s.completedAt) - ms(s.startedAt));
      expect(s.durationMs).toBeGreaterThanOrEqual(0);
      expect(ms(s.startedAt)).toBeGreaterThanOrEqual(ms(done.startedAt));
      // The timeline counts attempt records; the engine's counter also counts a delay's timer start.
      expect(s.attemptCount).toBe(s.attempts.length);
      if (s.type === 'delay') continue;
      expect(s.attemptCount).toBe(recorded?.attemptCount);
      expect(s.attempts.map((a) => a.attempt)).toEqual(s.attempts.map((_, i) => i + 1));
      // Attempts follow one another: the first starts with the step, the last (which succeeded)
      // ends with it, and each lasts exactly from its start to its finish.
      expect(s.attempts[0]?.startedAt).toBe(s.startedAt);
      expect(s.attempts.at(-1)?.finishedAt).toBe(s.completedAt);
      expect(s.attempts.at(-1)?.status).toBe('SUCCEEDED');
      for (const [i, a] of s.attempts.entries()) {
        expect(a.durationMs).toBe(ms(a.finishedAt) - ms(a.startedAt));
        if (i > 0) expect(ms(a.startedAt)).toBeGreaterThanOrEqual(ms(s.attempts[i - 1]?.finishedAt));
      }
    }
    // The delay makes no attempt and lasts at least its 60 ms.
    expect(step('b').attemptCount).toBe(0);
    expect(step('b').type).toBe('delay');
    expect(step('b').durationMs).toBeGreaterThanOrEqual(60);

    // The database's duration of the one COMPLETED run is the timeline's, to the millisecond.
    const stats = expectMember((await live.ok(WorkflowStatsDocument, { id: workflow.id })).workflow, 'Workflow').stats;
    const runStats = expectMember(stats, 'RunStats');
    expect(runStats.counts).toEqual(counts(0, 0, 1, 0, 0));
    expect(runStats.successRate).toBe(1);
    const d = timeline.durationMs;
    expect(runStats.durationMs).toEqual({ count: 1, p50: d, p95: d, p99: d, avg: d, min: d, max: d });
  });
});
