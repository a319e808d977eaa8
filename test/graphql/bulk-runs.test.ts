// Bulk cancel and retry (issue 14, point 5): cancelRuns / retryRuns accept a selection as a
// durable job, a processor works through it in chunks, and every run's outcome is exact. The
// 1,000-run workspaces are made by one run through the API, copied in the database in every
// status. Processors are stepped by the tests (WORKER_CONCURRENCY=0), except in the last test,
// which lets the server's own loop finish a job.
import { encodeGlobalID } from '@pothos/plugin-relay';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BulkRunOperationDocument,
  BulkRunOperationNodeDocument,
  BulkRunOperationResultsDocument,
  BulkRunOperationsDocument,
  CancelRunDocument,
  CancelRunsDocument,
  type CancelRunsInput,
  CreateWorkflowDocument,
  CreateWorkspaceDocument,
  ExecuteWorkflowDocument,
  RetryRunsDocument,
  type RunOperationResultFieldsFragment,
  RunStatusesDocument,
} from '../gql/graphql.ts';
import { createBulkProcessor, type BulkProcessor, type BulkProcessorOptions } from '../../src/engine/bulk-operations.ts';
import { type RequestScope, startTestApp, type TestApp } from '../support/app.ts';
import { authEnv, mintToken } from '../support/auth.ts';
import { ManualClock } from '../support/clock.ts';
import { dbId, expectMember, flows } from '../support/flows.ts';
import { testProvider } from '../support/database.ts';
import { type FlowdeckProcess, startProcess } from '../support/process.ts';
import { both, cloneRows, earlier } from '../support/query-plans.ts';
import { waitForRun } from '../support/runs.ts';

const WAITS = { steps: [{ id: 'approve', type: 'wait' }] };
/** Copies in each of the five statuses, round-robin: n % 5 = 0 PENDING, 1 RUNNING, 2 COMPLETED, 3 FAILED, 4 CANCELLED. */
const STATUS_OF_COPY = `CASE n.i % 5 WHEN 0 THEN 'PENDING' WHEN 1 THEN 'RUNNING' WHEN 2 THEN 'COMPLETED' WHEN 3 THEN 'FAILED' ELSE 'CANCELLED' END`;

type RunRow = { id: string; status: string; cancelReason?: string | null };

/** A workflow whose runs wait for a signal, one run through the API and `copies` copies of it in every status. */
async function seed(
  t: TestApp,
  copies: number,
  scope: RequestScope = {},
  list = true,
): Promise<{ workflowId: string; runs: Map<string, RunRow> }> {
  const name = `bulk-${Math.random().toString(36).slice(2)}`;
  const workflow = expectMember(
    (await t.ok(CreateWorkflowDocument, { input: { name, definition: WAITS } }, scope)).createWorkflow,
    'Workflow',
  );
  const template = expectMember(
    (await t.ok(ExecuteWorkflowDocument, { workflowId: workflow.id, input: {} }, scope)).executeWorkflow,
    'Run',
  );
  if (copies > 0) {
    await cloneRows(t.databaseUrl, 'Run', dbId(template.id), copies, {
      status: both(STATUS_OF_COPY),
      // Parked (waiting for a signal), as a run on a `wait` step is: no worker would claim it.
      runnableAt: both('NULL'),
      createdAt: earlier('createdAt', 'n.i'),
      completedAt: both(`CASE WHEN n.i % 5 >= 2 THEN t."createdAt" END`),
    });
  }
  return { workflowId: workflow.id, runs: list ? await runsOf(t, workflow.id, scope) : new Map() };
}

/** Every run of the workflow as the API lists it, by global id. */
async function runsOf(t: TestApp, workflowId: string, scope: RequestScope = {}): Promise<Map<string, RunRow>> {
  const out = new Map<string, RunRow>();
  let after: string | null | undefined;
  for (;;) {
    const page = (await t.ok(RunStatusesDocument, { filter: { workflowId }, first: 100, after }, scope)).runs;
    for (const { node } of page.edges) out.set(node.id, node);
    if (!page.pageInfo.hasNextPage) return out;
    after = page.pageInfo.endCursor;
  }
}

/** Every per-run result of an operation, following pages. */
async function resultsOf(t: TestApp, id: string, scope: RequestScope = {}): Promise<RunOperationResultFieldsFragment[]> {
  const out: RunOperationResultFieldsFragment[] = [];
  let after: string | null | undefined;
  for (;;) {
    const op = expectMember(
      (await t.ok(BulkRunOperationResultsDocument, { id, first: 100, after }, scope)).bulkRunOperation,
      'BulkRunOperation',
    );
    out.push(...op.results.edges.map((e) => e.node));
    if (!op.results.pageInfo.hasNextPage) return out;
    after = op.results.pageInfo.endCursor;
  }
}

async function operation(t: TestApp, id: string, scope: RequestScope = {}) {
  return expectMember((await t.ok(BulkRunOperationDocument, { id }, scope)).bulkRunOperation, 'BulkRunOperation');
}

/** Steps a processor until it has nothing left (bounded: a processor that never finishes fails the test). */
async function drain(processor: BulkProcessor): Promise<void> {
  for (let i = 0; i < 1000; i++) if (!(await processor.pass()).more) return;
  throw new Error('the processor never ran out of work');
}

function processor(t: TestApp, options: Partial<BulkProcessorOptions> = {}): BulkProcessor {
  return createBulkProcessor(t.app.resources, t.app.services.runs, { leaseMs: 30_000, pollMs: 1000, ...options });
}

async function cancelRuns(t: TestApp, input: CancelRunsInput, scope: RequestScope = {}) {
  return (await t.ok(CancelRunsDocument, { input }, scope)).cancelRuns;
}

async function operationCount(t: TestApp, scope: RequestScope = {}): Promise<number> {
  let count = 0;
  let after: string | null | undefined;
  for (;;) {
    const page = (await t.ok(BulkRunOperationsDocument, { first: 100, after }, scope)).bulkRunOperations;
    count += page.edges.length;
    if (!page.pageInfo.hasNextPage) return count;
    after = page.pageInfo.endCursor;
  }
}

const CANCELLABLE = new Set(['PENDING', 'RUNNING']);
const RETRYABLE = new Set(['FAILED', 'CANCELLED']);

// Processing 1,000 runs commits one transaction per changed run: minutes on a loaded machine.
describe('bulk cancel and retry over 1,000 runs', { timeout: 300_000 }, () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({}, { WORKER_CONCURRENCY: '0' });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('cancelRuns by filter cancels every cancellable run, skips every finished one with its status, and touches nothing else', async () => {
    const { workflowId, runs: before } = await seed(t, 1000);
    const other = await seed(t, 50);
    expect(before.size).toBe(1001);
    const accepted = expectMember(await cancelRuns(t, { runs: { filter: { workflowId } }, reason: 'bulk cleanup' }), 'BulkRunOperation');
    expect(accepted).toMatchObject({ kind: 'CANCEL', status: 'PENDING', total: 1001, processed: 0, reason: 'bulk cleanup' });
    // Created after acceptance: not part of the selection.
    const late = expectMember((await t.ok(ExecuteWorkflowDocument, { workflowId, input: {} })).executeWorkflow, 'Run');

    await drain(processor(t));

    const cancellable = [...before.values()].filter((r) => CANCELLABLE.has(r.status));
    const done = await operation(t, accepted.id);
    expect(done).toMatchObject({
      status: 'COMPLETED',
      total: 1001,
      processed: 1001,
      succeeded: cancellable.length,
      skipped: 1001 - cancellable.length,
      failed: 0,
      notFound: 0,
    });
    expect(done.startedAt).not.toBeNull();
    expect(done.completedAt).not.toBeNull();

    const results = await resultsOf(t, accepted.id);
    expect(results).toHaveLength(1001);
    expect(new Set(results.map((r) => r.runId))).toEqual(new Set(before.keys()));
    for (const result of results) {
      const was = before.get(result.runId)!;
      if (CANCELLABLE.has(was.status)) {
        expect(result).toMatchObject({ outcome: 'SUCCEEDED', error: null, run: { status: 'CANCELLED', cancelReason: 'bulk cleanup' } });
      } else {
        expect(result).toMatchObject({
          outcome: 'SKIPPED',
          run: { status: was.status },
          error: { __typename: 'InvalidStateError', code: 'INVALID_STATE', currentStatus: was.status },
        });
      }
    }
    const skipped = expectMember(
      (await t.ok(BulkRunOperationResultsDocument, { id: accepted.id, outcome: 'SKIPPED', first: 1 })).bulkRunOperation,
      'BulkRunOperation',
    );
    expect(skipped.results.totalCount).toBe(1001 - cancellable.length);

    const after = await runsOf(t, workflowId);
    expect(after.get(late.id)?.status).toBe('PENDING');
    for (const [id, run] of before) expect(after.get(id)?.status).toBe(CANCELLABLE.has(run.status) ? 'CANCELLED' : run.status);
    expect(await runsOf(t, other.workflowId)).toEqual(other.runs);
  });

  it('cancelRuns by ids: ids of another workspace, unknown and repeated ids come back NOT_FOUND or once, never leaked', async () => {
    const { runs: before } = await seed(t, 999);
    const workspace = expectMember(
      (await t.ok(CreateWorkspaceDocument, { input: { name: 'Elsewhere', slug: `elsewhere-${Math.random().toString(36).slice(2, 8)}` } }))
        .createWorkspace,
      'Workspace',
    );
    const elsewhere = { workspaceId: workspace.id };
    const foreign = await seed(t, 1, elsewhere);
    const foreignIds = [...foreign.runs.keys()];
    const ids = [...before.keys()];
    const unknown = encodeGlobalID('Run', '00000000-0000-4000-8000-00000000dead');
    const accepted = expectMember(
      await cancelRuns(t, { runs: { ids: [...ids, ids[0]!, ...foreignIds, unknown] }, reason: 'by ids' }),
      'BulkRunOperation',
    );
    expect(accepted).toMatchObject({ total: 1003, processed: 3, notFound: 3, status: 'PENDING' });

    await drain(processor(t));

    const cancellable = [...before.values()].filter((r) => CANCELLABLE.has(r.status)).length;
    expect(await operation(t, accepted.id)).toMatchObject({
      status: 'COMPLETED',
      processed: 1003,
      succeeded: cancellable,
      skipped: 1000 - cancellable,
      notFound: 3,
      failed: 0,
    });
    const results = await resultsOf(t, accepted.id);
    // Selection order, each id once.
    expect(results.map((r) => r.runId)).toEqual([...ids, ...foreignIds, unknown]);
    for (const result of results.slice(1000)) {
      expect(result).toMatchObject({
        outcome: 'NOT_FOUND',
        run: null,
        failureMessage: null,
        error: { __typename: 'NotFoundError', code: 'NOT_FOUND', entity: 'Run' },
      });
    }
    for (const result of results.slice(0, 1000))
      expect(result.outcome).toBe(CANCELLABLE.has(before.get(result.runId)!.status) ? 'SUCCEEDED' : 'SKIPPED');
    // The other workspace's runs are as they were, and the operation is not visible there.
    expect(await runsOf(t, foreign.workflowId, elsewhere)).toEqual(foreign.runs);
    expect((await t.ok(BulkRunOperationDocument, { id: accepted.id }, elsewhere)).bulkRunOperation.__typename).toBe('NotFoundError');
    expect((await t.ok(BulkRunOperationNodeDocument, { id: accepted.id }, elsewhere)).node).toBeNull();
    expect((await t.ok(BulkRunOperationNodeDocument, { id: accepted.id })).node).toMatchObject({
      __typename: 'BulkRunOperation',
      status: 'COMPLETED',
    });
  });

  it('retryRuns by filter retries every FAILED and CANCELLED run and skips the rest', async () => {
    const { workflowId, runs: before } = await seed(t, 1000);
    const accepted = expectMember(
      (await t.ok(RetryRunsDocument, { input: { runs: { filter: { workflowId } } } })).retryRuns,
      'BulkRunOperation',
    );
    expect(accepted).toMatchObject({ kind: 'RETRY', status: 'PENDING', total: 1001, reason: null });

    await drain(processor(t));

    const retryable = [...before.values()].filter((r) => RETRYABLE.has(r.status)).length;
    expect(await operation(t, accepted.id)).toMatchObject({
      status: 'COMPLETED',
      processed: 1001,
      succeeded: retryable,
      skipped: 1001 - retryable,
    });
    const results = await resultsOf(t, accepted.id);
    for (const result of results) {
      const was = before.get(result.runId)!;
      if (RETRYABLE.has(was.status)) expect(result).toMatchObject({ outcome: 'SUCCEEDED', run: { status: 'PENDING' } });
      else expect(result).toMatchObject({ outcome: 'SKIPPED', error: { __typename: 'InvalidStateError', currentStatus: was.status } });
    }
    const after = await runsOf(t, workflowId);
    for (const [id, run] of before) expect(after.get(id)?.status).toBe(RETRYABLE.has(run.status) ? 'PENDING' : run.status);
  });

  it('an idempotency key replays the same operation and does nothing twice; another request with it is a ConflictError', async () => {
    const { workflowId, runs } = await seed(t, 20);
    const input = {
      runs: { filter: { workflowId, status: ['PENDING' as const, 'RUNNING' as const] } },
      reason: 'once',
      idempotencyKey: 'bulk-key-1',
    };
    const first = expectMember(await cancelRuns(t, input), 'BulkRunOperation');
    const replay = expectMember(await cancelRuns(t, input), 'BulkRunOperation');
    expect(replay.id).toBe(first.id);
    await drain(processor(t));
    const again = expectMember(await cancelRuns(t, input), 'BulkRunOperation');
    expect(again).toMatchObject({ id: first.id, status: 'COMPLETED', succeeded: first.total, processed: first.total });
    await drain(processor(t));
    // Each cancelled run was cancelled once.
    const f = flows(t);
    for (const [id, run] of runs) {
      if (!CANCELLABLE.has(run.status)) continue;
      expect((await f.events(id)).filter((e) => e.type === 'run.cancelled')).toHaveLength(1);
    }

    const count = await operationCount(t);
    const otherSelection = await cancelRuns(t, { ...input, runs: { ids: [...runs.keys()].slice(0, 2) } });
    expect(otherSelection).toMatchObject({ __typename: 'ConflictError', field: 'idempotencyKey' });
    const otherKind = (await t.ok(RetryRunsDocument, { input: { runs: input.runs, idempotencyKey: 'bulk-key-1' } })).retryRuns;
    expect(otherKind).toMatchObject({ __typename: 'ConflictError', field: 'idempotencyKey' });
    expect(await operationCount(t)).toBe(count);
  });

  it('a run that changed state between acceptance and its turn is SKIPPED, not an error', async () => {
    const { runs } = await seed(t, 0);
    const [runId] = [...runs.keys()];
    const accepted = expectMember(await cancelRuns(t, { runs: { ids: [runId!] }, reason: 'bulk' }), 'BulkRunOperation');
    expectMember((await t.ok(CancelRunDocument, { id: runId!, reason: 'someone else' })).cancelRun, 'Run');
    await drain(processor(t));
    expect(await operation(t, accepted.id)).toMatchObject({ status: 'COMPLETED', skipped: 1, failed: 0, succeeded: 0 });
    const [result] = await resultsOf(t, accepted.id);
    expect(result).toMatchObject({
      outcome: 'SKIPPED',
      run: { status: 'CANCELLED', cancelReason: 'someone else' },
      error: { __typename: 'InvalidStateError', currentStatus: 'CANCELLED' },
    });
  });

  it('refuses bad selections with a ValidationError (or a GraphQL error for a broken @oneOf), writing nothing', async () => {
    const { workflowId } = await seed(t, 10_000, {}, false);
    const count = await operationCount(t);
    const tooMany = await cancelRuns(t, { runs: { filter: { workflowId } } });
    expect(tooMany).toMatchObject({ __typename: 'ValidationError', issues: [{ path: 'runs.filter' }] });
    expect(tooMany.__typename === 'ValidationError' && tooMany.message).toContain('narrow the filter');
    const tooManyIds = await cancelRuns(t, { runs: { ids: Array.from({ length: 10_001 }, (_, i) => `run-${i}`) } });
    expect(tooManyIds).toMatchObject({ __typename: 'ValidationError', issues: [{ path: 'runs.ids' }] });
    expect(await cancelRuns(t, { runs: { ids: [] } })).toMatchObject({ __typename: 'ValidationError', issues: [{ path: 'runs.ids' }] });
    expect(await cancelRuns(t, { runs: { ids: ['  '] } })).toMatchObject({
      __typename: 'ValidationError',
      issues: [{ path: 'runs.ids[0]' }],
    });
    const both = await t.gql(CancelRunsDocument, { input: { runs: { ids: ['x'], filter: { workflowId } } as never } });
    expect(both.data ?? null).toBeNull();
    expect(both.errors?.[0]?.message).toContain('RunSelection');
    const neither = await t.gql(CancelRunsDocument, { input: { runs: {} as never } });
    expect(neither.data ?? null).toBeNull();
    expect(await operationCount(t)).toBe(count);
  });
});

describe('roles', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({}, { ...authEnv, WORKER_CONCURRENCY: '0' });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('a viewer is refused with FORBIDDEN and nothing is written; an editor’s operation records who asked', async () => {
    const editor = { token: await mintToken({ sub: 'erin', customer_id: 'bulk-roles', role: 'editor' }) };
    const viewer = { token: await mintToken({ sub: 'vic', customer_id: 'bulk-roles', role: 'viewer' }) };
    const { runs } = await seed(t, 4, editor);
    const ids = [...runs.keys()];
    const refused = await t.gql(CancelRunsDocument, { input: { runs: { ids } } }, viewer);
    expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const refusedRetry = await t.gql(RetryRunsDocument, { input: { runs: { ids } } }, viewer);
    expect(refusedRetry.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(await operationCount(t, viewer)).toBe(0);

    const accepted = expectMember(await cancelRuns(t, { runs: { ids }, reason: 'erin says' }, editor), 'BulkRunOperation');
    expect(accepted.createdBy).toBe('erin');
    await drain(processor(t));
    const [first] = await resultsOf(t, accepted.id, viewer);
    expect(first).toMatchObject({ outcome: 'SUCCEEDED', run: { status: 'CANCELLED', cancelledBy: 'erin', cancelReason: 'erin says' } });
  });
});

describe('durability', () => {
  let t: TestApp;
  const clock = new ManualClock('2030-01-01T00:00:00Z');
  beforeAll(async () => {
    t = await startTestApp({ clock }, { WORKER_CONCURRENCY: '0' });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('a job whose processor dies mid-chunk is finished by a fresh processor once the lease lapses, each run changed once', async () => {
    const { workflowId, runs } = await seed(t, 29);
    const accepted = expectMember(await cancelRuns(t, { runs: { filter: { workflowId } }, reason: 'crash test' }), 'BulkRunOperation');
    let seen = 0;
    const crashing = processor(t, {
      chunkSize: 10,
      hooks: {
        beforeItem: () => {
          if (++seen > 15) throw new Error('process died');
        },
      },
    });
    await expect(drain(crashing)).rejects.toThrow('process died');
    // The first chunk is committed; of the second, the runs cancelled before the crash (their
    // outcomes commit with the cancel) but not the skips, which are recorded per chunk.
    const crashed = await operation(t, accepted.id);
    expect(crashed.status).toBe('RUNNING');
    expect(crashed.processed).toBeGreaterThanOrEqual(10);
    expect(crashed.processed).toBeLessThanOrEqual(15);

    // While the dead process's lease lasts, nobody else takes the job.
    const fresh = processor(t, { chunkSize: 10 });
    expect(await fresh.pass()).toEqual({ more: false });
    expect((await operation(t, accepted.id)).processed).toBe(crashed.processed);

    clock.set(new Date(clock.now().getTime() + 31_000));
    await drain(fresh);
    const cancellable = [...runs.values()].filter((r) => CANCELLABLE.has(r.status)).length;
    expect(await operation(t, accepted.id)).toMatchObject({
      status: 'COMPLETED',
      processed: 30,
      succeeded: cancellable,
      skipped: 30 - cancellable,
    });
    const f = flows(t);
    for (const [id, run] of runs) {
      const cancels = (await f.events(id)).filter((e) => e.type === 'run.cancelled');
      expect(cancels).toHaveLength(CANCELLABLE.has(run.status) ? 1 : 0);
    }
  });

  it('a run whose change keeps failing unexpectedly is FAILED with the reason; the job goes on and completes', async () => {
    const { workflowId, runs } = await seed(t, 4);
    const cancellable = [...runs.entries()].filter(([, r]) => CANCELLABLE.has(r.status)).map(([id]) => id);
    const broken = dbId(cancellable[0]!);
    const services = t.app.services.runs;
    // The run service failing for this run (as a bug or a database fault would), every time.
    const faulty = {
      cancel: (...args: Parameters<typeof services.cancel>) =>
        args[1] === broken ? Promise.reject(new Error('disk on fire')) : services.cancel(...args),
      retry: (...args: Parameters<typeof services.retry>) => services.retry(...args),
    };
    const accepted = expectMember(await cancelRuns(t, { runs: { filter: { workflowId } } }), 'BulkRunOperation');
    await drain(createBulkProcessor(t.app.resources, faulty, { leaseMs: 30_000, pollMs: 1000 }));
    expect(await operation(t, accepted.id)).toMatchObject({
      status: 'COMPLETED',
      processed: 5,
      failed: 1,
      succeeded: cancellable.length - 1,
    });
    const [failed] = (await resultsOf(t, accepted.id)).filter((r) => r.outcome === 'FAILED');
    expect(failed).toMatchObject({ runId: cancellable[0], error: null, run: { status: runs.get(cancellable[0]!)!.status } });
    expect(failed?.failureMessage).toContain('disk on fire');
  });

  it('a processor that lost its lease while held up changes nothing when it resumes', async () => {
    const { workflowId, runs } = await seed(t, 9);
    const failed = [...runs.entries()].filter(([, r]) => RETRYABLE.has(r.status)).map(([id]) => id);
    const target = failed[0]!;
    const accepted = expectMember(
      (await t.ok(RetryRunsDocument, { input: { runs: { filter: { workflowId } } } })).retryRuns,
      'BulkRunOperation',
    );
    let reached: () => void = () => {};
    const atTarget = new Promise<void>((resolve) => {
      reached = resolve;
    });
    let release: () => void = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    const stalled = processor(t, {
      hooks: {
        beforeItem: async ({ runId }) => {
          if (runId !== dbId(target)) return;
          reached();
          await released;
        },
      },
    });
    const stalledPass = stalled.pass();
    await atTarget;
    // Its lease lapses; another process takes the job over and retries every run, the target included.
    clock.set(new Date(clock.now().getTime() + 31_000));
    await drain(processor(t));
    expect(await operation(t, accepted.id)).toMatchObject({ status: 'COMPLETED', processed: 10, succeeded: failed.length });
    // The target fails again (here: cancelled), so a second retry would succeed if anything let it through.
    expectMember((await t.ok(CancelRunDocument, { id: target, reason: 'stopped again' })).cancelRun, 'Run');
    release();
    await stalledPass;
    expect((await waitForRun(t, target, () => true)).status).toBe('CANCELLED');
    expect((await flows(t).events(target)).filter((e) => e.type === 'run.retried')).toHaveLength(1);
    expect(await operation(t, accepted.id)).toMatchObject({ processed: 10, succeeded: failed.length });
  });
});

describe('the server’s own loop', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({}, { WORKER_POLL_MS: '50' });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('finishes an accepted job without anyone stepping it', async () => {
    const f = flows(t);
    const workflow = await f.workflow('bulk-live', WAITS);
    const started = [await f.execute(workflow.id), await f.execute(workflow.id), await f.execute(workflow.id)];
    for (const run of started) await waitForRun(t, run.id, (r) => r.status === 'RUNNING');
    const accepted = expectMember(await cancelRuns(t, { runs: { ids: started.map((r) => r.id) }, reason: 'live' }), 'BulkRunOperation');
    expect(accepted.status).toBe('PENDING');
    for (const run of started) expect((await waitForRun(t, run.id)).status).toBe('CANCELLED');
    let op = await operation(t, accepted.id);
    for (let i = 0; i < 400 && op.status !== 'COMPLETED'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      op = await operation(t, accepted.id);
    }
    expect(op).toMatchObject({ status: 'COMPLETED', succeeded: 3, processed: 3 });
  });
});

// One SQLite file serves one process, so this is PostgreSQL's: an API-only server accepts, a
// worker process elsewhere does the work; a worker killed mid-job leaves it to the next one.
describe.runIf(testProvider === 'postgres')('API-only server and worker processes', () => {
  let api: TestApp;
  const workers: FlowdeckProcess[] = [];
  beforeAll(async () => {
    api = await startTestApp({}, { WORKER_CONCURRENCY: '0' });
  });
  afterAll(async () => {
    for (const w of workers) {
      w.child.kill('SIGKILL');
      await w.exited;
    }
    await api?.close();
  });

  async function until(id: string, done: (op: Awaited<ReturnType<typeof operation>>) => boolean) {
    let op = await operation(api, id);
    for (let i = 0; i < 2400 && !done(op); i++) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      op = await operation(api, id);
    }
    return op;
  }

  it('a job accepted by an API-only server is finished by a worker process; a killed worker’s job is taken over', async () => {
    const { workflowId, runs } = await seed(api, 299);
    const accepted = expectMember(await cancelRuns(api, { runs: { filter: { workflowId } }, reason: 'from the API' }), 'BulkRunOperation');
    // Nobody works here: the API process only accepted it.
    expect((await operation(api, accepted.id)).status).toBe('PENDING');

    const env = { DATABASE_URL: api.databaseUrl, WORKER_CONCURRENCY: '1', WORKER_POLL_MS: '50', LEASE_MS: '2000' };
    const first = await startProcess('worker', env);
    workers.push(first);
    // Killed once it has made progress, without giving the job back (its lease then lapses).
    await until(accepted.id, (op) => op.processed > 0);
    first.child.kill('SIGKILL');
    await first.exited;

    workers.push(await startProcess('worker', env));
    const done = await until(accepted.id, (op) => op.status === 'COMPLETED');
    const cancellable = [...runs.values()].filter((r) => CANCELLABLE.has(r.status)).length;
    expect(done).toMatchObject({ status: 'COMPLETED', processed: 300, succeeded: cancellable, skipped: 300 - cancellable, failed: 0 });
    const after = await runsOf(api, workflowId);
    for (const [id, run] of runs) expect(after.get(id)?.status).toBe(CANCELLABLE.has(run.status) ? 'CANCELLED' : run.status);
    const f = flows(api);
    for (const [id, run] of [...runs].filter(([, r]) => CANCELLABLE.has(r.status)).slice(0, 30)) {
      expect(
        (await f.events(id)).filter((e) => e.type === 'run.cancelled'),
        `run ${id} was ${run.status}`,
      ).toHaveLength(1);
    }
  }, 180_000);
});
