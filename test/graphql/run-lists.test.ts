// Run lists for a run console (issue 14, point 4): one RunConnection for Query.runs and
// Workflow.runs, `nodes` beside `edges`, the new filters (workflow key, conversation, user,
// schedule, search) alone and together, the nullable orders (STARTED_AT, COMPLETED_AT, DURATION)
// walked both ways across the null boundary, and workspaces and templates as Nodes.
import { print } from 'graphql';
import { createClient as createWsClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  CancelRunDocument,
  CreateScheduleDocument,
  CreateWorkflowDocument,
  CreateWorkspaceDocument,
  RunListBothDocument,
  RunListEdgesOnlyDocument,
  RunListExecuteDocument,
  RunListNodeDocument,
  RunListNodesOnlyDocument,
  type RunListPageQuery,
  type RunListPageQueryVariables,
  RunListPageDocument,
  RunListWorkspacesDocument,
  RetryRunDocument,
  RunsChangedLiveDocument,
  WorkflowRunListDocument,
} from '../gql/graphql.ts';
import { startTestApp, type RequestScope, type TestApp } from '../support/app.ts';
import { dbId, expectMember, flows } from '../support/flows.ts';
import { execute, selectRows, statementLog, storedInstant } from '../support/query-plans.ts';
import { eventually, waitForRun } from '../support/runs.ts';

const log = statementLog();
let t: TestApp;
const OTHER: RequestScope = { workspaceSlug: 'lists-other' };
const transform = { steps: [{ id: 'only', type: 'transform', expression: '$' }] };

/** Workflows and runs by name: global ids. */
const w = {} as Record<'ledger' | 'report', { id: string; key: string }>;
const r = {} as Record<'paid' | 'refund' | 'customer' | 'plain' | 'other', string>;
let scheduleId = '';

async function workflow(name: string, scope?: RequestScope) {
  const created = expectMember(
    (await t.ok(CreateWorkflowDocument, { input: { name, definition: transform } }, scope)).createWorkflow,
    'Workflow',
  );
  return { id: created.id, key: created.key };
}

async function run(
  workflowId: string,
  input: Record<string, unknown>,
  extra: { conversationId?: string; userId?: string } = {},
  scope?: RequestScope,
) {
  return expectMember((await t.ok(RunListExecuteDocument, { workflowId, input, ...extra }, scope)).executeWorkflow, 'Run').id;
}

beforeAll(async () => {
  // No workers: runs stay as the test sets them.
  t = await startTestApp({ onQuery: log.onQuery }, { WORKER_CONCURRENCY: '0' });
  await t.ok(CreateWorkspaceDocument, { input: { name: 'Lists other', slug: 'lists-other' } });
  w.ledger = await workflow('Quarterly Ledger');
  w.report = await workflow('Daily Report');
  r.paid = await run(w.ledger.id, { note: 'Paid by Zebra Corp', amount: 12 }, { conversationId: 'c1', userId: 'u1' });
  r.refund = await run(w.ledger.id, { note: 'pending refund' }, { conversationId: 'c2', userId: 'u1' });
  r.customer = await run(w.report.id, { customer: { name: 'Zebra', tags: ['Gold'] } }, { conversationId: 'c1', userId: 'u2' });
  r.plain = await run(w.report.id, {});
  const elsewhere = await workflow('Quarterly Ledger', OTHER);
  r.other = await run(elsewhere.id, { note: 'Zebra Corp' }, { conversationId: 'c1', userId: 'u1' }, OTHER);
  const schedule = expectMember(
    (await t.ok(CreateScheduleDocument, { workflowId: w.report.id, input: { cronExpression: '0 0 1 1 *', inputs: {} } })).createSchedule,
    'Schedule',
  );
  scheduleId = schedule.id;
  // What a tick writes (ticks fire on the hour; the filter is what is under test).
  await execute(t.databaseUrl, `UPDATE "Run" SET "scheduleId" = ?, "triggeredBy" = 'SCHEDULE' WHERE "id" = ?`, [
    dbId(scheduleId),
    dbId(r.plain),
  ]);
}, 60_000);
afterAll(async () => {
  await t?.close();
});

async function ids(variables: RunListPageQueryVariables, scope?: RequestScope): Promise<string[]> {
  const { runs } = await t.ok(RunListPageDocument, { first: 100, ...variables }, scope);
  return runs.edges.map((e) => e.node.id);
}

const sorted = (list: string[]) => [...list].sort();

describe('filters', () => {
  it('each new filter alone', async () => {
    expect(sorted(await ids({ filter: { workflowKey: w.ledger.key } }))).toEqual(sorted([r.paid, r.refund]));
    expect(sorted(await ids({ filter: { conversationId: 'c1' } }))).toEqual(sorted([r.paid, r.customer]));
    expect(sorted(await ids({ filter: { userId: 'u1' } }))).toEqual(sorted([r.paid, r.refund]));
    expect(await ids({ filter: { scheduleId } })).toEqual([r.plain]);
    expect(await ids({ filter: { scheduleId: dbId(scheduleId) } })).toEqual([r.plain]);
    expect(await ids({ filter: { workflowKey: 'no-such-key' } })).toEqual([]);
  });

  it('filters together: every one must hold', async () => {
    expect(await ids({ filter: { conversationId: 'c1', userId: 'u1' } })).toEqual([r.paid]);
    expect(await ids({ filter: { workflowKey: w.report.key, search: 'zebra' } })).toEqual([r.customer]);
    expect(await ids({ filter: { workflowKey: w.ledger.key, workflowId: w.report.id } })).toEqual([]);
    expect(await ids({ filter: { workflowKey: w.ledger.key, workflowId: w.ledger.id, userId: 'u1', conversationId: 'c2' } })).toEqual([
      r.refund,
    ]);
    const { runs } = await t.ok(RunListPageDocument, { filter: { search: 'zebra', status: ['PENDING'] }, first: 1 });
    expect(runs.totalCount).toBe(2);
    expect(runs.edges).toHaveLength(1);
    expect(runs.pageInfo.hasNextPage).toBe(true);
  });

  it('search finds runs by a word of their input, their workflow’s name and key, and their id, in this workspace only', async () => {
    expect(sorted(await ids({ filter: { search: 'ZEBRA' } }))).toEqual(sorted([r.paid, r.customer]));
    expect(await ids({ filter: { search: 'zebra corp' } })).toEqual([r.paid]);
    expect(await ids({ filter: { search: 'gold' } })).toEqual([r.customer]);
    expect(sorted(await ids({ filter: { search: 'ledger' } }))).toEqual(sorted([r.paid, r.refund]));
    expect(sorted(await ids({ filter: { search: w.report.key } }))).toEqual(sorted([r.customer, r.plain]));
    expect(await ids({ filter: { search: dbId(r.refund).slice(0, 8) } })).toEqual([r.refund]);
    expect(await ids({ filter: { search: dbId(r.refund) } })).toEqual([r.refund]);
    // Whole words only; punctuation alone filters nothing.
    expect(await ids({ filter: { search: 'zeb' } })).toEqual([]);
    expect(await ids({ filter: { search: ' !! ' } })).toHaveLength(4);
    // The other workspace's run has the same words, and only its own workspace finds it.
    expect(await ids({ filter: { search: 'zebra corp' } }, OTHER)).toEqual([r.other]);
  });

  it('a search pages through its matches newest first and oldest first, and refuses another order', async () => {
    const newest = await ids({ filter: { search: 'u1 ledger' } });
    expect(newest).toEqual([]); // userIds are not words of a run
    const all = await ids({ filter: { search: 'zebra' } });
    const paged: string[] = [];
    let after: string | null | undefined;
    do {
      const { runs } = await t.ok(RunListPageDocument, {
        filter: { search: 'zebra' },
        orderBy: { field: 'CREATED_AT', direction: 'ASC' },
        first: 1,
        after,
      });
      paged.push(...runs.edges.map((e) => e.node.id));
      after = runs.pageInfo.hasNextPage ? runs.pageInfo.endCursor : null;
    } while (after);
    expect(paged).toEqual([...all].reverse());
    const refused = await t.gql(RunListPageDocument, { filter: { search: 'zebra' }, orderBy: { field: 'STARTED_AT', direction: 'DESC' } });
    expect(refused.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(JSON.stringify(refused.errors)).toContain('CREATED_AT');
  });

  it('Workflow.runs returns the same RunConnection, with the filters', async () => {
    const data = await t.ok(WorkflowRunListDocument, { id: w.ledger.id, filter: { search: 'refund' }, first: 10 });
    const node = data.node as { __typename: string; runs: { __typename: string; totalCount: number; nodes: { id: string }[] } };
    expect(node.runs.__typename).toBe('RunConnection');
    expect(node.runs.nodes.map((n) => n.id)).toEqual([r.refund]);
    expect(node.runs.totalCount).toBe(1);
  });
});

describe('nodes', () => {
  it('equal edges.node, relations included, at a constant number of statements per page', async () => {
    const both = (await t.ok(RunListBothDocument, { first: 10 })).runs;
    expect(both.nodes).toEqual(both.edges.map((e) => e.node));
    expect(both.nodes.find((n) => n.id === r.paid)?.workflow).toEqual({ key: w.ledger.key, name: 'Quarterly Ledger' });
    const counted = async <T>(read: () => Promise<T>) => {
      log.clear();
      const data = await read();
      return { data, statements: log.list.length };
    };
    const nodesOnly = await counted(() => t.ok(RunListNodesOnlyDocument, { first: 10 }));
    const edgesOnly = await counted(() => t.ok(RunListEdgesOnlyDocument, { first: 10 }));
    expect(nodesOnly.data.runs.nodes).toEqual(edgesOnly.data.runs.edges.map((e) => e.node));
    // A page of 1 costs what a page of 5 costs: the workflows load with the page, not per run.
    expect((await counted(() => t.ok(RunListNodesOnlyDocument, { first: 1 }))).statements).toBe(nodesOnly.statements);
    expect(nodesOnly.statements).toBe(edgesOnly.statements);
  });
});

describe('nodes of workspaces and templates', () => {
  it('node(id:) resolves a workspace and a template by global id; another tenant’s workspace is not found', async () => {
    const data = await t.ok(RunListWorkspacesDocument, {});
    const current = data.currentWorkspace;
    expect((await t.ok(RunListNodeDocument, { id: current.id })).node).toEqual({
      __typename: 'Workspace',
      id: current.id,
      slug: 'default',
    });
    const other = data.workspaces.find((ws) => ws.slug === 'lists-other');
    expect((await t.ok(RunListNodeDocument, { id: other!.id })).node).toMatchObject({ __typename: 'Workspace', slug: 'lists-other' });
    // A global id of a workspace that does not exist (as another tenant's looks) is null.
    const ghost = Buffer.from('Workspace:00000000-0000-4000-8000-00000000ffff').toString('base64');
    expect((await t.ok(RunListNodeDocument, { id: ghost })).node).toBeNull();
    // X-Workspace-Id takes the global id as well as the database id.
    expect((await t.ok(RunListWorkspacesDocument, {}, { workspaceId: other!.id })).currentWorkspace.slug).toBe('lists-other');
    expect((await t.ok(RunListWorkspacesDocument, {}, { workspaceId: dbId(other!.id) })).currentWorkspace.slug).toBe('lists-other');

    const template = data.workflowTemplates.find((tpl) => tpl.slug === 'parallel-fan-out');
    expect(template?.id).not.toBe('parallel-fan-out');
    expect((await t.ok(RunListNodeDocument, { id: template!.id })).node).toMatchObject({
      __typename: 'WorkflowTemplate',
      slug: 'parallel-fan-out',
    });
  });
});

describe('orders with nulls last', () => {
  const T0 = Date.parse('2030-01-01T00:00:00.000Z');
  // Started/completed seconds after T0 and durations; null = not yet. Ties on purpose.
  const PLAN: [number | null, number | null, number | null][] = [
    [1, 5, 4000],
    [2, 3, 1000],
    [2, null, null],
    [3, 9, 1000],
    [null, null, null],
    [null, null, null],
    [null, 5, null],
  ];
  const rows: { id: string; global: string; startedAt: number | null; completedAt: number | null; durationMs: number | null }[] = [];
  let wf = '';

  beforeAll(async () => {
    const created = await workflow('Ordering');
    wf = created.id;
    for (const [started, completed, duration] of PLAN) {
      const global = await run(wf, {});
      const at = (s: number | null) => (s === null ? null : storedInstant(new Date(T0 + s * 1000)));
      await execute(t.databaseUrl, `UPDATE "Run" SET "startedAt" = ?, "completedAt" = ?, "durationMs" = ? WHERE "id" = ?`, [
        at(started),
        at(completed),
        duration,
        dbId(global),
      ]);
      rows.push({ id: dbId(global), global, startedAt: started, completedAt: completed, durationMs: duration });
    }
  });

  const FIELDS = { STARTED_AT: 'startedAt', COMPLETED_AT: 'completedAt', DURATION: 'durationMs' } as const;

  function expected(field: keyof typeof FIELDS, direction: 'ASC' | 'DESC'): string[] {
    const key = FIELDS[field];
    const sign = direction === 'ASC' ? 1 : -1;
    const byId = (a: { id: string }, b: { id: string }) => sign * (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
    const valued = rows.filter((x) => x[key] !== null).sort((a, b) => sign * ((a[key] as number) - (b[key] as number)) || byId(a, b));
    const nulls = rows.filter((x) => x[key] === null).sort(byId);
    return [...valued, ...nulls].map((x) => x.global);
  }

  async function walk(field: keyof typeof FIELDS, direction: 'ASC' | 'DESC', size: number, backward: boolean): Promise<string[]> {
    const out: string[] = [];
    let cursor: string | null = null;
    for (let pages = 0; pages < 20; pages++) {
      const window: RunListPageQueryVariables = backward ? { last: size, before: cursor } : { first: size, after: cursor };
      const { runs }: RunListPageQuery = await t.ok(RunListPageDocument, {
        filter: { workflowId: wf },
        orderBy: { field, direction },
        ...window,
      });
      const page = runs.edges.map((e) => e.node.id);
      if (backward) out.unshift(...page);
      else out.push(...page);
      const more = backward ? runs.pageInfo.hasPreviousPage : runs.pageInfo.hasNextPage;
      cursor = backward ? runs.pageInfo.startCursor : runs.pageInfo.endCursor;
      if (!more) return out;
    }
    throw new Error('the walk did not end');
  }

  for (const field of Object.keys(FIELDS) as (keyof typeof FIELDS)[]) {
    for (const direction of ['ASC', 'DESC'] as const) {
      it(`${field} ${direction}: small pages forward and backward give every run once, values then nulls`, async () => {
        const order = expected(field, direction);
        for (const size of [1, 2, 3]) {
          expect(await walk(field, direction, size, false), `forward by ${size}`).toEqual(order);
          expect(await walk(field, direction, size, true), `backward by ${size}`).toEqual(order);
        }
      });
    }
  }

  it('a page across the boundary costs two reads; one inside a part costs one', async () => {
    const order = expected('STARTED_AT', 'ASC');
    const count = async (variables: RunListPageQueryVariables) => {
      log.clear();
      const { runs } = await t.ok(RunListPageDocument, {
        filter: { workflowId: wf },
        orderBy: { field: 'STARTED_AT', direction: 'ASC' },
        ...variables,
      });
      return {
        ids: runs.edges.map((e) => e.node.id),
        reads: log.list.filter((s) => /\bFROM\b[^]*"Run"[^]*\bORDER BY\b/.test(s.sql)).length,
      };
    };
    expect(await count({ first: 2 })).toEqual({ ids: order.slice(0, 2), reads: 1 });
    expect(await count({ first: 6 })).toEqual({ ids: order.slice(0, 6), reads: 2 });
  });
});

describe('durations written when runs finish', () => {
  let live: TestApp;
  beforeAll(async () => {
    live = await startTestApp({}, { WORKER_POLL_MS: '50' });
  }, 60_000);
  afterAll(async () => {
    await live?.close();
  });

  // SQLite hands back the stored ISO text, pg a Date (the same instant either way, for a difference).
  const instant = (value: unknown) => (value instanceof Date ? value.getTime() : new Date(String(value)).getTime());
  const stored = async (id: string) =>
    (
      await selectRows<{ durationMs: number | null; startedAt: unknown; completedAt: unknown; status: string }>(
        live.databaseUrl,
        'SELECT "durationMs", "startedAt", "completedAt", "status" FROM "Run" WHERE "id" = ?',
        [dbId(id)],
      )
    )[0]!;

  it('completed, failed after starting and cancelled while waiting: completedAt - startedAt; retried: none again', async () => {
    const f = flows(live);
    const done = await f.execute((await f.workflow('quick', transform)).id, {});
    const waiting = await f.execute((await f.workflow('waits', { steps: [{ id: 'gate', type: 'wait' }] })).id, {});
    expect((await waitForRun(live, done.id)).status).toBe('COMPLETED');
    await waitForRun(live, waiting.id, (run) => run.steps.some((s) => s.status === 'WAITING'));
    expect((await stored(waiting.id)).durationMs).toBeNull();
    expectMember((await live.ok(CancelRunDocument, { id: waiting.id })).cancelRun, 'Run');
    for (const id of [done.id, waiting.id]) {
      const row = await stored(id);
      const ms = instant(row.completedAt) - instant(row.startedAt);
      expect(row.durationMs, row.status).toBe(ms);
    }
    expectMember((await live.ok(RetryRunDocument, { id: waiting.id })).retryRun, 'Run');
    expect((await stored(waiting.id)).durationMs).toBeNull();
  });
});

describe('the live feed and the new filters', () => {
  it('runsChanged takes conversation, user and schedule filters, and refuses a workflow key or a search at subscribe time', async () => {
    const live = await startTestApp({}, { WORKER_CONCURRENCY: '0' });
    const base = (await live.app.start()).url;
    const client = createWsClient({ url: `${base.replace('http', 'ws')}/graphql`, webSocketImpl: WebSocket, retryAttempts: 0 });
    try {
      const f = flows(live);
      const wf = await f.workflow('feed', transform);
      const outcome = (filter: Record<string, unknown>) =>
        new Promise<{ errors: unknown[]; changes: { run: { id: string } }[] }>((resolve) => {
          const seen = { errors: [] as unknown[], changes: [] as { run: { id: string } }[] };
          let dispose = () => {};
          dispose = client.subscribe<{ runsChanged: { run: { id: string } } }>(
            { query: print(RunsChangedLiveDocument), variables: { filter } },
            {
              next: (result) => {
                if (result.errors) seen.errors.push(...result.errors);
                if (result.data) seen.changes.push(result.data.runsChanged);
                if (seen.errors.length > 0 || seen.changes.length > 0) {
                  dispose();
                  resolve(seen);
                }
              },
              error: (error) => resolve({ ...seen, errors: [error] }),
              complete: () => resolve(seen),
            },
          );
        });
      for (const filter of [{ search: 'zebra' }, { workflowKey: wf.key }]) {
        const refused = await outcome(filter);
        expect(JSON.stringify(refused.errors), JSON.stringify(filter)).toContain('not available on the live feed');
      }
      // A feed filtered by conversation reports the run of that conversation, not the other one.
      const feed = outcome({ conversationId: 'c9', userId: 'u9' });
      await eventually(() => live.app.runChanges.watchers() > 0, 'the feed to be ready');
      await run2(live, wf.id, { conversationId: 'c8', userId: 'u9' });
      const mine = await run2(live, wf.id, { conversationId: 'c9', userId: 'u9' });
      expect((await feed).changes.map((c) => c.run.id)).toEqual([mine]);
    } finally {
      await client.dispose();
      await live.close();
    }
  });
});

async function run2(app: TestApp, workflowId: string, extra: { conversationId: string; userId: string }) {
  return expectMember((await app.ok(RunListExecuteDocument, { workflowId, input: {}, ...extra })).executeWorkflow, 'Run').id;
}
