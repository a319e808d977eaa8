// The run console (issue 14, points 2 and 3) through the SDK: Run.logs (level, step, afterSeq,
// cursors both ways), stepCounts, durationMs, deadlineAt, root over a re-run chain, the
// capability flags for every status and role, StepRun.agent and dependsOn, the status facets of
// a filtered list, runActivity buckets at known instants, and Query.workers.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CancelRunDocument,
  ConsoleActivityDocument,
  type ConsoleActivityQuery,
  type ConsoleActivityQueryVariables,
  ConsoleRunDocument,
  type ConsoleRunQuery,
  type ConsoleRunQueryVariables,
  ConsoleRunsDocument,
  ConsoleWorkersDocument,
  CreateWorkflowDocument,
  ExecuteWorkflowDocument,
  RerunFromStepDocument,
  RetryRunDocument,
  RunsDocument,
} from '../gql/graphql.ts';
import { startTestApp, type RequestScope, type TestApp } from '../support/app.ts';
import { startHttpAgent, type TestAgent, AgentReply } from '../support/agents.ts';
import { authEnv, mintToken } from '../support/auth.ts';
import { ManualClock } from '../support/clock.ts';
import { dbId, expectMember, flows } from '../support/flows.ts';
import { waitForRun } from '../support/runs.ts';

type ConsoleRun = Extract<ConsoleRunQuery['run'], { __typename: 'Run' }>;
type LogEntry = ConsoleRun['logs']['edges'][number]['node'];

/** Reads one run through the console's run page query. */
async function readRun(t: TestApp, vars: ConsoleRunQueryVariables, scope?: RequestScope): Promise<ConsoleRun> {
  return expectMember((await t.ok(ConsoleRunDocument, vars, scope)).run, 'Run');
}

/** Polls the run page until `done` (bounded: a safety net, never what a test asserts). */
async function until(t: TestApp, id: string, done: (run: ConsoleRun) => boolean, scope?: RequestScope): Promise<ConsoleRun> {
  const started = Date.now();
  for (;;) {
    const run = await readRun(t, { id }, scope);
    if (done(run)) return run;
    if (Date.now() - started > 20_000) throw new Error(`run ${id} never got there: ${JSON.stringify(run)}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** A run's whole log, following `endCursor` pages of `size` forward. */
async function walkForward(t: TestApp, vars: ConsoleRunQueryVariables, size: number): Promise<LogEntry[]> {
  const out: LogEntry[] = [];
  let after: string | null | undefined;
  for (let pages = 0; pages < 100; pages++) {
    const { logs } = await readRun(t, { ...vars, first: size, after });
    // Pages are full until the last one: the level filter is in SQL, not applied after the LIMIT.
    if (logs.pageInfo.hasNextPage) expect(logs.edges).toHaveLength(size);
    out.push(...logs.edges.map((e) => e.node));
    if (!logs.pageInfo.hasNextPage) return out;
    after = logs.pageInfo.endCursor;
  }
  throw new Error('too many pages');
}

/** The same, walking backward from the end with `startCursor`. */
async function walkBackward(t: TestApp, vars: ConsoleRunQueryVariables, size: number): Promise<LogEntry[]> {
  const out: LogEntry[] = [];
  let before: string | null | undefined;
  for (let pages = 0; pages < 100; pages++) {
    const { logs } = await readRun(t, { ...vars, last: size, before });
    if (logs.pageInfo.hasPreviousPage) expect(logs.edges).toHaveLength(size);
    out.unshift(...logs.edges.map((e) => e.node));
    if (!logs.pageInfo.hasPreviousPage) return out;
    before = logs.pageInfo.startCursor;
  }
  throw new Error('too many pages');
}

describe('run console over runs the engine executed', () => {
  let t: TestApp;
  let f: ReturnType<typeof flows>;
  const agents: TestAgent[] = [];
  let loggerName = '';
  const wf = { ok: '', bad: '', hold: '' };
  const run = { completed: '', failed: '', running: '', cancelled: '' };

  beforeAll(async () => {
    t = await startTestApp();
    f = flows(t);
    const logger = await startHttpAgent(() => ({
      rows: 3,
      // One line per level spelling: uppercase, an alias, a bare string (info), and an unknown name (info).
      logs: [
        { level: 'ERROR', message: 'disk almost full' },
        { level: 'warn', message: 'source is slow' },
        'fetched 3 rows',
        { level: 'debug', message: 'raw bytes' },
      ],
    }));
    const broken = await startHttpAgent(() => new AgentReply(500, { error: 'disk full' }));
    agents.push(logger, broken);
    loggerName = await f.agent('logger', logger, { retryConfig: { maxRetries: 0 }, timeoutMs: 60_000 });
    const brokenName = await f.agent('broken', broken, { retryConfig: { maxRetries: 0 }, timeoutMs: 60_000 });
    wf.ok = (
      await f.workflow('console-ok', {
        steps: [
          { id: 'fetch', type: 'agent', agent: loggerName },
          { id: 'shape', type: 'transform', expression: '$', dependsOn: ['fetch'] },
        ],
      })
    ).id;
    wf.bad = (
      await f.workflow('console-bad', {
        steps: [
          { id: 'fetch', type: 'agent', agent: loggerName },
          { id: 'store', type: 'agent', agent: brokenName, dependsOn: ['fetch'] },
        ],
      })
    ).id;
    wf.hold = (await f.workflow('console-hold', { steps: [{ id: 'hold', type: 'wait' }] })).id;

    run.completed = (await f.execute(wf.ok)).id;
    run.failed = (await f.execute(wf.bad)).id;
    run.running = (await f.execute(wf.hold)).id;
    run.cancelled = (await f.execute(wf.hold)).id;
    const done = await waitForRun(t, run.completed);
    expect(done.status, JSON.stringify(done.error)).toBe('COMPLETED');
    expect((await waitForRun(t, run.failed)).status).toBe('FAILED');
    const waiting = (r: ConsoleRun) => r.status === 'RUNNING' && r.steps[0]?.status === 'WAITING';
    await until(t, run.running, waiting);
    await until(t, run.cancelled, waiting);
    expectMember((await t.ok(CancelRunDocument, { id: run.cancelled, reason: 'not needed' })).cancelRun, 'Run');
  });
  afterAll(async () => {
    await t?.close();
    await Promise.all(agents.map((a) => a.close()));
  });

  it('logs: every event as a log line, levels mapped from event kinds and agent level names', async () => {
    const { logs } = await readRun(t, { id: run.completed, first: 100 });
    const entries = logs.edges.map((e) => e.node);
    expect(entries.map((e) => e.seq)).toEqual(entries.map((_, i) => i + 1));
    expect(logs.totalCount).toBe(entries.length);
    // An agent's log lines are STEP_LOG entries whose details are typed StepLogDetails.
    const lines = entries.filter((e) => e.kind === 'STEP_LOG' && e.stepId === 'fetch');
    expect(lines.every((e) => e.details.__typename === 'StepLogDetails')).toBe(true);
    expect(lines.map((e) => (e.details.__typename === 'StepLogDetails' ? e.details.message : null))).toEqual(lines.map((e) => e.message));
    expect(lines.map((e) => [e.message, e.level])).toEqual([
      ['disk almost full', 'ERROR'],
      ['source is slow', 'WARNING'],
      ['fetched 3 rows', 'INFO'],
      ['raw bytes', 'INFO'],
    ]);
    expect(entries[0]).toMatchObject({ seq: 1, level: 'INFO', stepId: null });
    expect(entries.find((e) => e.message.startsWith("Step 'fetch' started"))?.attempt).toBe(1);
    for (const entry of entries) expect(Date.parse(entry.timestamp)).not.toBeNaN();
  });

  it('logs: level and step filters are exact, and paging through them forward and backward gives full pages', async () => {
    for (const id of [run.completed, run.failed]) {
      const all = (await readRun(t, { id, first: 100 })).logs.edges.map((e) => e.node);
      const byLevel = await Promise.all(
        (['INFO', 'WARNING', 'ERROR'] as const).map(async (level) => {
          const wanted = all.filter((e) => e.level === level);
          const forward = await walkForward(t, { id, level }, 2);
          expect(forward, `${id} ${level}`).toEqual(wanted);
          expect(await walkBackward(t, { id, level }, 2), `${id} ${level} backward`).toEqual(wanted);
          expect((await readRun(t, { id, level, first: 1 })).logs.totalCount).toBe(wanted.length);
          return wanted.length;
        }),
      );
      // The three levels partition the log.
      expect(byLevel.reduce((a, b) => a + b, 0)).toBe(all.length);
      expect(byLevel[2]).toBeGreaterThan(0);

      const fetchOnly = all.filter((e) => e.stepId === 'fetch');
      expect(fetchOnly.length).toBeGreaterThan(4);
      expect(await walkForward(t, { id, stepId: 'fetch' }, 3)).toEqual(fetchOnly);
      expect(await walkForward(t, { id, stepId: 'fetch', level: 'INFO' }, 1)).toEqual(fetchOnly.filter((e) => e.level === 'INFO'));
      expect(await walkForward(t, { id, stepId: 'nope' }, 3)).toEqual([]);
    }
    const failed = (await readRun(t, { id: run.failed, level: 'ERROR', first: 10 })).logs.edges.map((e) => e.node);
    expect(failed.map((e) => e.stepId)).toEqual(['fetch', 'store', null]);
    expect(failed[1]?.message).toMatch(/^Step 'store' failed \(attempt 1\): .*500/);
  });

  it('logs: afterSeq skips what a client saw, and combines with cursors and filters', async () => {
    const all = (await readRun(t, { id: run.completed, first: 100 })).logs.edges.map((e) => e.node);
    const after3 = await walkForward(t, { id: run.completed, afterSeq: 3 }, 2);
    expect(after3).toEqual(all.filter((e) => e.seq > 3));
    const page = await readRun(t, { id: run.completed, afterSeq: 3, first: 2 });
    expect(page.logs.totalCount).toBe(all.length - 3);
    expect(page.logs.pageInfo.hasPreviousPage).toBe(false);
    const infoAfter = await walkForward(t, { id: run.completed, afterSeq: 6, level: 'INFO' }, 1);
    expect(infoAfter).toEqual(all.filter((e) => e.seq > 6 && e.level === 'INFO'));
    expect((await readRun(t, { id: run.completed, afterSeq: all.length, first: 5 })).logs.edges).toEqual([]);
    const bad = await t.gql(ConsoleRunDocument, { id: run.completed, afterSeq: -1, first: 5 });
    expect(bad.errors?.[0]?.message).toMatch(/afterSeq/);
    const mixed = await t.gql(ConsoleRunDocument, { id: run.completed, first: 1, last: 1 });
    expect(mixed.errors?.[0]?.message).toMatch(/last/);
  });

  it('stepCounts, durationMs and deadlineAt for runs in several states', async () => {
    const completed = await readRun(t, { id: run.completed, first: 0 });
    expect(completed.stepCounts).toEqual({
      pending: 0,
      running: 0,
      waiting: 0,
      completed: 2,
      failed: 0,
      cancelled: 0,
      skipped: 0,
      total: 2,
    });
    expect(completed.durationMs).toBeGreaterThanOrEqual(0);
    const failed = await readRun(t, { id: run.failed, first: 0 });
    expect(failed.stepCounts).toMatchObject({ completed: 1, failed: 1, total: 2 });
    expect(failed.durationMs).toBeGreaterThanOrEqual(0);
    const running = await readRun(t, { id: run.running, first: 0 });
    expect(running.stepCounts).toMatchObject({ waiting: 1, total: 1 });
    expect(running.durationMs).toBeNull();
    const cancelled = await readRun(t, { id: run.cancelled, first: 0 });
    expect(cancelled.stepCounts).toMatchObject({ cancelled: 1, total: 1 });
    // No workflow here has a timeout.
    expect(completed.deadlineAt).toBeNull();
  });

  it('StepRun.agent and dependsOn come from the run’s definition', async () => {
    const completed = await readRun(t, { id: run.completed, first: 0 });
    expect(completed.steps.map((s) => [s.stepId, s.dependsOn, s.agent?.name ?? null])).toEqual([
      ['fetch', [], loggerName],
      ['shape', ['fetch'], null],
    ]);
    expect(completed.steps[0]?.agent?.status).toBe('ACTIVE');
  });

  it('capability flags follow the status, and agree with what the mutations do', async () => {
    const flags = async (id: string) => {
      const r = await readRun(t, { id, first: 0 });
      return [r.status, r.canCancel, r.canRetry, r.canRerun];
    };
    expect(await flags(run.running)).toEqual(['RUNNING', true, false, false]);
    expect(await flags(run.completed)).toEqual(['COMPLETED', false, false, true]);
    expect(await flags(run.failed)).toEqual(['FAILED', false, true, true]);
    expect(await flags(run.cancelled)).toEqual(['CANCELLED', false, true, true]);
    // Refused where the flag says no…
    expect((await t.ok(CancelRunDocument, { id: run.completed })).cancelRun.__typename).toBe('InvalidStateError');
    expect((await t.ok(RetryRunDocument, { id: run.completed })).retryRun.__typename).toBe('InvalidStateError');
    expect((await t.ok(RetryRunDocument, { id: run.running })).retryRun.__typename).toBe('InvalidStateError');
    expect((await t.ok(RerunFromStepDocument, { runId: run.running, stepId: 'hold' })).rerunFromStep.__typename).toBe('InvalidStateError');
  });

  it('root walks a two-level re-run chain, for one run and for a page of runs', async () => {
    const child = expectMember((await t.ok(RerunFromStepDocument, { runId: run.completed, stepId: 'shape' })).rerunFromStep, 'Run');
    await waitForRun(t, child.id);
    const grandchild = expectMember((await t.ok(RerunFromStepDocument, { runId: child.id, stepId: 'shape' })).rerunFromStep, 'Run');
    await waitForRun(t, grandchild.id);
    const read = await readRun(t, { id: grandchild.id, first: 0 });
    expect(read.parent?.id).toBe(child.id);
    expect(read.root.id).toBe(run.completed);
    expect((await readRun(t, { id: run.completed, first: 0 })).root.id).toBe(run.completed);
    const page = await t.ok(ConsoleRunsDocument, { filter: { workflowId: wf.ok }, first: 10, logs: 1 });
    const roots = Object.fromEntries(page.runs.edges.map((e) => [e.node.id, e.node.root.id]));
    expect(roots).toEqual({ [run.completed]: run.completed, [child.id]: run.completed, [grandchild.id]: run.completed });
  });

  it('statusCounts counts every status under the other filters, equal to the per-status totalCounts', async () => {
    // Another run of `ok`, finished first: counts read while a run moves would compare two moments.
    await waitForRun(t, (await f.execute(wf.ok)).id);
    for (const workflowId of [wf.ok, wf.bad, wf.hold]) {
      const list = await t.ok(ConsoleRunsDocument, { filter: { workflowId }, first: 1, logs: 0 });
      const perStatus = await Promise.all(
        (['PENDING', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED'] as const).map(
          async (status) => (await t.ok(RunsDocument, { first: 1, filter: { workflowId, status: [status] } })).runs.totalCount,
        ),
      );
      const { pending, running, completed, failed, cancelled } = list.runs.statusCounts;
      expect([pending, running, completed, failed, cancelled], workflowId).toEqual(perStatus);
      expect(list.runs.totalCount).toBe(perStatus.reduce((a, b) => a + b, 0));
      // The status filter itself is ignored by the facets (tabs show every status).
      const tab = await t.ok(ConsoleRunsDocument, { filter: { workflowId, status: ['COMPLETED'] }, first: 1, logs: 0 });
      expect(tab.runs.statusCounts).toEqual(list.runs.statusCounts);
    }
    const hold = await t.ok(ConsoleRunsDocument, { filter: { workflowId: wf.hold }, first: 5, logs: 0 });
    expect(hold.runs.statusCounts).toEqual({ pending: 0, running: 1, completed: 0, failed: 0, cancelled: 1 });
  });

  it('workers lists this process’s pool, alive', async () => {
    await t.app.workers?.ready;
    const result = (await t.ok(ConsoleWorkersDocument)).workers;
    const pools = expectMember(result, 'QueryWorkersSuccess').data;
    const mine = pools.filter((w) => w.workerId.includes(`:${process.pid}:`));
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ concurrency: 4, alive: true });
    expect(Date.parse(mine[0]?.expiresAt ?? '')).toBeGreaterThan(Date.parse(mine[0]?.lastSeenAt ?? ''));
  });
});

describe('capabilities and workers by role', () => {
  let t: TestApp;
  let editor: RequestScope;
  let viewer: RequestScope;
  let admin: RequestScope;
  beforeAll(async () => {
    t = await startTestApp({}, authEnv);
    editor = { token: await mintToken({ sub: 'ed', customer_id: 'console-co', role: 'editor' }) };
    viewer = { token: await mintToken({ sub: 'vi', customer_id: 'console-co', role: 'viewer' }) };
    admin = { token: await mintToken({ sub: 'ad', customer_id: 'console-co', role: 'admin' }) };
  });
  afterAll(async () => {
    await t?.close();
  });

  it('a viewer may do nothing to a run in any status; an editor what the status allows', async () => {
    const input = { name: 'console-roles', definition: { steps: [{ id: 'hold', type: 'wait' }] } };
    const workflow = expectMember((await t.ok(CreateWorkflowDocument, { input }, editor)).createWorkflow, 'Workflow');
    const started = expectMember((await t.ok(ExecuteWorkflowDocument, { workflowId: workflow.id }, editor)).executeWorkflow, 'Run');
    const running = await until(t, started.id, (r) => r.status === 'RUNNING' && r.steps[0]?.status === 'WAITING', editor);
    const flags = (r: ConsoleRun) => [r.canCancel, r.canRetry, r.canRerun];
    expect(flags(running)).toEqual([true, false, false]);
    expect(flags(await readRun(t, { id: started.id }, viewer))).toEqual([false, false, false]);
    expect((await readRun(t, { id: started.id }, admin)).canCancel).toBe(true);
    // What the viewer's flag says, the mutation does.
    const refused = await t.gql(CancelRunDocument, { id: started.id }, viewer);
    expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');

    expectMember((await t.ok(CancelRunDocument, { id: started.id }, editor)).cancelRun, 'Run');
    expect(flags(await readRun(t, { id: started.id }, editor))).toEqual([false, true, true]);
    expect(flags(await readRun(t, { id: started.id }, viewer))).toEqual([false, false, false]);
  });

  it('workers are shown to admins only', async () => {
    for (const scope of [viewer, editor]) {
      const refused = expectMember((await t.ok(ConsoleWorkersDocument, {}, scope)).workers, 'ForbiddenError');
      expect(refused.requiredRole).toBe('admin');
    }
    await t.app.workers?.ready;
    const pools = expectMember((await t.ok(ConsoleWorkersDocument, {}, admin)).workers, 'QueryWorkersSuccess').data;
    expect(pools.some((w) => w.workerId.includes(`:${process.pid}:`) && w.alive)).toBe(true);
  });
});

describe('runActivity and PENDING runs, at known instants', () => {
  const clock = new ManualClock('2030-01-01T00:00:00.000Z');
  let t: TestApp;
  let workflowId = '';
  let otherWorkflowId = '';
  const ids: Record<string, string> = {};

  type Buckets = Extract<ConsoleActivityQuery['runActivity'], { __typename: 'QueryRunActivitySuccess' }>['data'];
  const activity = async (vars: ConsoleActivityQueryVariables): Promise<Buckets> =>
    expectMember((await t.ok(ConsoleActivityDocument, vars)).runActivity, 'QueryRunActivitySuccess').data;

  beforeAll(async () => {
    // No workers: nothing but this test changes the runs.
    t = await startTestApp({ clock }, { WORKER_CONCURRENCY: '0' });
    const create = async (name: string) =>
      expectMember(
        (
          await t.ok(CreateWorkflowDocument, {
            input: { name, definition: { steps: [{ id: 'only', type: 'transform', expression: '$' }] } },
          })
        ).createWorkflow,
        'Workflow',
      ).id;
    workflowId = await create('charted');
    otherWorkflowId = await create('elsewhere');
    const at = async (name: string, instant: string, workflow = workflowId) => {
      clock.set(instant);
      ids[name] = expectMember((await t.ok(ExecuteWorkflowDocument, { workflowId: workflow })).executeWorkflow, 'Run').id;
    };
    await at('before', '2029-12-31T23:59:59.999Z');
    await at('fast', '2030-01-01T00:10:00.000Z');
    await at('slow', '2030-01-01T00:50:00.000Z');
    await at('broke', '2030-01-01T00:59:59.999Z');
    await at('waiting', '2030-01-01T02:30:00.000Z');
    await at('stopped', '2030-01-01T03:59:59.999Z');
    await at('atTo', '2030-01-01T04:00:00.000Z');
    await at('other', '2030-01-01T00:20:00.000Z', otherWorkflowId);
    // Finish runs the way a worker would (the engine is off here): exact start and end instants.
    const db = t.app.resources.db.prisma;
    const finish = async (name: string, status: string, startMs: number, durationMs: number) => {
      const createdAt = (await db.run.findUniqueOrThrow({ where: { id: dbId(ids[name] ?? '') } })).createdAt.getTime();
      await db.run.update({
        where: { id: dbId(ids[name] ?? '') },
        data: { status, startedAt: new Date(createdAt + startMs), completedAt: new Date(createdAt + startMs + durationMs) },
      });
    };
    await finish('fast', 'COMPLETED', 5, 1000);
    await finish('slow', 'COMPLETED', 7, 3001);
    await finish('broke', 'FAILED', 1, 50);
    await finish('other', 'COMPLETED', 0, 99);
    clock.set('2030-01-01T04:00:00.001Z');
    expectMember((await t.ok(CancelRunDocument, { id: ids.stopped ?? '' })).cancelRun, 'Run');
  });
  afterAll(async () => {
    await t?.close();
  });

  const zero = { pending: 0, running: 0, completed: 0, failed: 0, cancelled: 0 };
  const none = { count: 0, avg: null, min: null, max: null, p50: null, p95: null, p99: null };

  it('counts runs per hour by status, with durations, and lists empty buckets as zeros', async () => {
    const hours = await activity({
      from: '2030-01-01T00:00:00.000Z',
      to: '2030-01-01T04:00:00.000Z',
      bucket: 'HOUR',
      filter: { workflowId },
    });
    expect(hours.map((b) => b.start)).toEqual([
      '2030-01-01T00:00:00.000Z',
      '2030-01-01T01:00:00.000Z',
      '2030-01-01T02:00:00.000Z',
      '2030-01-01T03:00:00.000Z',
    ]);
    expect(hours.map((b) => b.counts)).toEqual([
      { ...zero, completed: 2, failed: 1 },
      zero,
      { ...zero, pending: 1 },
      { ...zero, cancelled: 1 },
    ]);
    expect(hours[0]?.durationMs).toEqual({ count: 2, avg: 2000.5, min: 1000, max: 3001, p50: 1000, p95: 3001, p99: 3001 });
    expect(hours.slice(1).map((b) => b.durationMs)).toEqual([none, none, none]);
  });

  it('applies the list filter, and buckets by minute and day on UTC boundaries', async () => {
    const all = await activity({ from: '2030-01-01T00:00:00.000Z', to: '2030-01-01T04:00:00.000Z', bucket: 'DAY' });
    expect(all).toHaveLength(1);
    expect(all[0]).toMatchObject({
      start: '2030-01-01T00:00:00.000Z',
      counts: { ...zero, completed: 3, failed: 1, pending: 1, cancelled: 1 },
    });
    expect(all[0]?.durationMs).toMatchObject({ count: 3, min: 99, max: 3001 });
    const completedOnly = await activity({
      from: '2030-01-01T00:00:00.000Z',
      to: '2030-01-01T04:00:00.000Z',
      bucket: 'DAY',
      filter: { workflowId, status: ['COMPLETED'] },
    });
    expect(completedOnly[0]?.counts).toEqual({ ...zero, completed: 2 });
    // A window that starts and ends inside buckets: partial first and last buckets.
    const minutes = await activity({
      from: '2030-01-01T00:49:30.000Z',
      to: '2030-01-01T01:00:30.000Z',
      bucket: 'MINUTE',
      filter: { workflowId },
    });
    expect(minutes).toHaveLength(12);
    expect(minutes[0]?.start).toBe('2030-01-01T00:49:00.000Z');
    expect(minutes.at(-1)?.start).toBe('2030-01-01T01:00:00.000Z');
    const busy = minutes.filter((b) => b.counts.completed + b.counts.failed > 0).map((b) => [b.start, b.counts.completed, b.counts.failed]);
    expect(busy).toEqual([
      ['2030-01-01T00:50:00.000Z', 1, 0],
      ['2030-01-01T00:59:00.000Z', 0, 1],
    ]);
    expect(await activity({ from: '2030-01-01T00:00:00.000Z', to: '2030-01-01T00:00:00.000Z', bucket: 'HOUR' })).toEqual([]);
  });

  it('refuses too many buckets and a window that ends before it starts, as ValidationErrors', async () => {
    const tooMany = (
      await t.ok(ConsoleActivityDocument, { from: '2030-01-01T00:00:00.000Z', to: '2030-01-02T01:01:00.000Z', bucket: 'MINUTE' })
    ).runActivity;
    expect(expectMember(tooMany, 'ValidationError').issues[0]?.path).toBe('bucket');
    const backwards = (
      await t.ok(ConsoleActivityDocument, { from: '2030-01-02T00:00:00.000Z', to: '2030-01-01T00:00:00.000Z', bucket: 'DAY' })
    ).runActivity;
    expect(expectMember(backwards, 'ValidationError').issues[0]?.path).toBe('from');
    // 1,440 minutes (a day) is fine.
    expect(await activity({ from: '2030-01-01T00:00:00.000Z', to: '2030-01-02T00:00:00.000Z', bucket: 'MINUTE' })).toHaveLength(1440);
  });

  it('a PENDING run may be cancelled, not retried or re-run', async () => {
    const waiting = await readRun(t, { id: ids.waiting ?? '', first: 0 });
    expect([waiting.status, waiting.canCancel, waiting.canRetry, waiting.canRerun]).toEqual(['PENDING', true, false, false]);
    expect(waiting.durationMs).toBeNull();
    expect(waiting.stepCounts).toMatchObject({ pending: 1, total: 1 });
  });
});
