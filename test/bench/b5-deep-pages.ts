// B5 deep pages: a page of 50 deep in a keyset list costs what the first page costs. For every
// ordering and filter the keyset lists offer (GraphQL runs and workflows, seed 000's REST run
// history), the p50 latency of the page at 99% of the list's length (depth 990,000 of 1,000,000
// runs; quick: 20,000) against the same list's first page, over HTTP to a Flowdeck server,
// requests one at a time, shallow and deep alternating.
//
// The deep page's cursor is what the server would have handed out on the page before: the row
// just above that depth is read straight from the database (same filter, same order) and encoded
// with the project's own cursor encoding; the server is then asked for the one row after the row
// above it, and must answer with exactly that cursor, or the case fails to run.
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import pg from 'pg';
import { encodeCursor, type KeysetOrder } from '../../src/domain/pagination.ts';
import type { BenchContext, Benchmark } from './support/context.ts';
import { startFlowdeck } from './support/context.ts';
import { median, percentile, result, type Result } from './support/report.ts';
import { seedRuns } from './support/seed.ts';

const PAGE = 50;
const JSON_HEADERS = { 'content-type': 'application/json' };

interface Plan {
  runs: number;
  workflows: number;
  /** Measured requests per depth and case (shallow and deep alternate)… */
  samples: number;
  /** …unless this many seconds pass first (after at least MIN_SAMPLES): lists whose every page counts its total are slow at any depth. */
  budget: number;
  warmup: number;
}

const MIN_SAMPLES = 5;

function planFor(ctx: BenchContext): Plan {
  const quick = ctx.mode === 'quick';
  return {
    runs: Number(process.env.B5_RUNS ?? (quick ? 20_000 : 1_000_000)),
    // Enough workflows that the workflows list has deep pages too.
    workflows: quick ? 1_000 : 10_000,
    samples: quick ? 3 : 30,
    budget: quick ? 5 : 15,
    warmup: quick ? 1 : 3,
  };
}

/** A SQL condition with `?` placeholders. */
interface Condition {
  sql: string;
  params: unknown[];
}

/** One list, in one ordering, with one filter. */
interface ListCase {
  id: string;
  title: string;
  table: 'Run' | 'Workflow';
  order: KeysetOrder;
  /** The list's filter in SQL, beside the workspace scope (what the server's query says). */
  where: Condition;
  /** The HTTP request of `size` rows after `cursor` (the first page when null). */
  request(cursor: string | null, size: number): { path: string; init?: RequestInit };
  /** The cursor a response hands out for its last row. */
  lastCursor(body: unknown): string | null | undefined;
}

/** The database, read directly by the load generator (cursors and list lengths). */
interface Sql {
  all<T>(sql: string, params: unknown[]): Promise<T[]>;
  /** A timestamp column as text this module can parse back into the instant. */
  time(column: string): string;
  /** A timestamp parameter in the column's stored form. */
  at(date: Date): string;
  like: string;
  close(): Promise<void>;
}

function openSql(url: string, provider: BenchContext['provider']): Sql {
  if (provider === 'sqlite') {
    const db = new Database(new URL(url.replace(/^(file|sqlite):/, 'file:')).pathname, { readonly: true });
    return {
      all: async <T>(sql: string, params: unknown[]) => db.prepare(sql).all(...params) as T[],
      time: (column) => `"${column}"`,
      at: (date) => date.toISOString().replace('Z', '+00:00'),
      like: 'LIKE',
      close: async () => void db.close(),
    };
  }
  const client = new pg.Client({ connectionString: url });
  const connected = client.connect();
  return {
    all: async <T>(sql: string, params: unknown[]) => {
      await connected;
      let n = 0;
      return (
        await client.query(
          sql.replace(/\?/g, () => `$${++n}`),
          params,
        )
      ).rows as T[];
    },
    // timestamp(3) holds UTC; as text it carries no zone.
    time: (column) => `to_char("${column}", 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`,
    at: (date) => date.toISOString(),
    like: 'ILIKE',
    close: async () => {
      await connected;
      await client.end();
    },
  };
}

const gql = (query: string, variables: Record<string, unknown>) => ({
  path: '/graphql',
  init: { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify({ query, variables }) },
});

const RUNS_QUERY = `query($first: Int, $after: String, $filter: RunFilter, $orderBy: RunOrder) {
  runs(first: $first, after: $after, filter: $filter, orderBy: $orderBy) {
    pageInfo { hasNextPage endCursor } edges { cursor node { id status createdAt inputs } } } }`;
const WORKFLOWS_QUERY = `query($first: Int, $after: String, $filter: WorkflowFilter, $orderBy: OrderBy) {
  workflows(first: $first, after: $after, filter: $filter, orderBy: $orderBy) {
    pageInfo { hasNextPage endCursor } edges { cursor node { id key name status createdAt } } } }`;

type GraphqlPage = { data?: Record<string, { pageInfo: { endCursor: string | null } }> };

/** The lists and filters measured, with what the seeded data offers for each filter. */
async function listCases(sql: Sql, runs: number): Promise<ListCase[]> {
  const [top] = await sql.all<{ id: string; key: string }>(
    `SELECT w."id", w."key" FROM "Workflow" w WHERE w."id" = (SELECT "workflowId" FROM "Run" GROUP BY "workflowId" ORDER BY COUNT(*) DESC LIMIT 1)`,
    [],
  );
  const [middle] = await sql.all<{ t: string }>(
    `SELECT ${sql.time('createdAt')} AS t FROM "Run" ORDER BY "createdAt" DESC LIMIT 1 OFFSET ?`,
    [Math.floor(runs / 2)],
  );
  const [conversation] = await sql.all<{ c: string }>(
    `SELECT "conversationId" AS c FROM "Run" WHERE "conversationId" IS NOT NULL GROUP BY "conversationId" ORDER BY COUNT(*) DESC LIMIT 1`,
    [],
  );
  if (!top || !middle || !conversation) throw new Error('B5: the seeded database has no runs');
  const since = new Date(middle.t);
  const cases: ListCase[] = [];

  const runCase = (id: string, title: string, order: KeysetOrder, filter: Record<string, unknown>, where: Condition) =>
    cases.push({
      id: `runs.${id}`,
      title: `GraphQL runs, ${title}`,
      table: 'Run',
      order,
      where,
      request: (cursor, size) =>
        gql(RUNS_QUERY, {
          first: size,
          after: cursor,
          filter,
          orderBy: { field: order.field === 'createdAt' ? 'CREATED_AT' : 'UPDATED_AT', direction: order.direction.toUpperCase() },
        }),
      lastCursor: (body) => (body as GraphqlPage).data?.runs?.pageInfo.endCursor,
    });
  const none: Condition = { sql: '', params: [] };
  for (const field of ['createdAt', 'updatedAt'] as const) {
    for (const direction of ['desc', 'asc'] as const)
      runCase(`${field}_${direction}`, `${field} ${direction}`, { field, direction }, {}, none);
  }
  const newest: KeysetOrder = { field: 'createdAt', direction: 'desc' };
  runCase('status_completed', 'status COMPLETED', newest, { status: ['COMPLETED'] }, { sql: `"status" = ?`, params: ['COMPLETED'] });
  runCase('status_failed', 'status FAILED', newest, { status: ['FAILED'] }, { sql: `"status" = ?`, params: ['FAILED'] });
  runCase(
    'status_running_pending',
    'status RUNNING or PENDING',
    newest,
    { status: ['RUNNING', 'PENDING'] },
    {
      sql: `"status" IN (?, ?)`,
      params: ['RUNNING', 'PENDING'],
    },
  );
  runCase(
    'updatedAt_desc_status_failed',
    'updatedAt desc, status FAILED',
    { field: 'updatedAt', direction: 'desc' },
    { status: ['FAILED'] },
    {
      sql: `"status" = ?`,
      params: ['FAILED'],
    },
  );
  runCase('workflow', 'one workflow (its busiest)', newest, { workflowId: top.id }, { sql: `"workflowId" = ?`, params: [top.id] });
  runCase(
    'triggeredBy_schedule',
    'triggeredBy SCHEDULE',
    newest,
    { triggeredBy: 'SCHEDULE' },
    { sql: `"triggeredBy" = ?`, params: ['SCHEDULE'] },
  );
  runCase(
    'createdAfter',
    'created in the newer half',
    newest,
    { createdAfter: since.toISOString() },
    {
      sql: `"createdAt" > ?`,
      params: [sql.at(since)],
    },
  );

  const workflowCase = (id: string, title: string, order: KeysetOrder, filter: Record<string, unknown>, where: Condition) =>
    cases.push({
      id: `workflows.${id}`,
      title: `GraphQL workflows, ${title}`,
      table: 'Workflow',
      order,
      where,
      request: (cursor, size) =>
        gql(WORKFLOWS_QUERY, {
          first: size,
          after: cursor,
          filter,
          orderBy: {
            field: { createdAt: 'CREATED_AT', name: 'NAME', updatedAt: 'UPDATED_AT' }[order.field as string],
            direction: order.direction.toUpperCase(),
          },
        }),
      lastCursor: (body) => (body as GraphqlPage).data?.workflows?.pageInfo.endCursor,
    });
  const live: Condition = { sql: `"deletedAt" IS NULL`, params: [] };
  for (const field of ['createdAt', 'name', 'updatedAt'] as const) {
    for (const direction of ['desc', 'asc'] as const)
      workflowCase(`${field}_${direction}`, `${field} ${direction}`, { field, direction }, {}, live);
  }
  workflowCase('status_active', 'status ACTIVE', newest, { status: 'ACTIVE' }, { sql: `"status" = ?`, params: ['ACTIVE'] });
  workflowCase(
    'nameContains',
    'name contains "7"',
    newest,
    { nameContains: '7' },
    { sql: `"deletedAt" IS NULL AND "name" ${sql.like} ?`, params: ['%7%'] },
  );

  const historyCase = (id: string, title: string, query: Record<string, string>, where: Condition) =>
    cases.push({
      id: `history.${id}`,
      title: `REST GET /api/v1/workflows/runs (seed 000), ${title}`,
      table: 'Run',
      order: newest,
      where,
      request: (cursor, size) => ({
        path: `/api/v1/workflows/runs?${new URLSearchParams({ limit: String(size), ...query, ...(cursor ? { cursor } : {}) })}`,
      }),
      lastCursor: (body) => (body as { next_cursor?: string | null }).next_cursor,
    });
  historyCase('all', 'no filter', {}, none);
  historyCase('status', 'status completed', { status: 'completed' }, { sql: `"status" = ?`, params: ['COMPLETED'] });
  historyCase('workflow_key', 'one workflow key (the busiest)', { workflow_key: top.key }, { sql: `"workflowId" = ?`, params: [top.id] });
  historyCase(
    'started_after',
    'started in the newer half',
    { started_after: since.toISOString() },
    { sql: `"createdAt" > ?`, params: [sql.at(since)] },
  );
  historyCase(
    'conversation',
    'one conversation (the longest)',
    { conversation_id: conversation.c },
    { sql: `"conversationId" = ?`, params: [conversation.c] },
  );
  return cases;
}

/** The rows at positions `from`… of a list, as the server orders it, with their cursors. */
async function cursorsAt(
  sql: Sql,
  c: ListCase,
  scope: { tenantId: string; workspaceId: string },
  from: number,
  count: number,
): Promise<string[]> {
  const field = c.order.field;
  const time = field === 'createdAt' || field === 'updatedAt';
  const dir = c.order.direction.toUpperCase();
  const rows = await sql.all<{ id: string; v: string }>(
    `SELECT "id", ${time ? sql.time(field) : `"${field}"`} AS v FROM "${c.table}"
     WHERE "tenantId" = ? AND "workspaceId" = ?${c.where.sql ? ` AND ${c.where.sql}` : ''}
     ORDER BY "${field}" ${dir}, "id" ${dir} LIMIT ? OFFSET ?`,
    [scope.tenantId, scope.workspaceId, ...c.where.params, count, from],
  );
  return rows.map((r) => encodeCursor(c.order, { id: r.id, [field]: time ? new Date(r.v) : r.v }));
}

async function listLength(sql: Sql, c: ListCase, scope: { tenantId: string; workspaceId: string }): Promise<number> {
  const [row] = await sql.all<{ n: number | string }>(
    `SELECT COUNT(*) AS n FROM "${c.table}" WHERE "tenantId" = ? AND "workspaceId" = ?${c.where.sql ? ` AND ${c.where.sql}` : ''}`,
    [scope.tenantId, scope.workspaceId, ...c.where.params],
  );
  return Number(row?.n ?? 0);
}

/** One request, timed to the last byte of the answer, which must be a 200 with a page in it. */
async function timed(base: string, request: { path: string; init?: RequestInit }, c: ListCase): Promise<{ ms: number; body: unknown }> {
  const start = performance.now();
  const response = await fetch(`${base}${request.path}`, request.init);
  const text = await response.text();
  const ms = performance.now() - start;
  if (response.status !== 200 || text.includes('"errors"')) throw new Error(`B5 ${c.id}: ${response.status} ${text.slice(0, 400)}`);
  return { ms, body: JSON.parse(text) as unknown };
}

async function measure(plan: Plan, base: string, sql: Sql, c: ListCase, scope: { tenantId: string; workspaceId: string }): Promise<Result> {
  const rows = await listLength(sql, c, scope);
  if (rows < 2) throw new Error(`B5 ${c.id}: the list has ${rows} rows, too few for a deep page`);
  const depth = Math.max(1, Math.floor(rows * 0.99));
  // The row just above the deep page (whose cursor the page before it ends with), and the one
  // above that, after which the server's one-row page must end with exactly that cursor.
  const above2 = await cursorsAt(sql, c, scope, Math.max(0, depth - 2), Math.min(2, depth));
  const above = above2.at(-1);
  const before = above2.length === 2 ? (above2[0] as string) : null;
  const check = await timed(base, c.request(before, 1), c);
  if (c.lastCursor(check.body) !== above) {
    throw new Error(`B5 ${c.id}: the server's page before depth ${depth} ends at ${String(c.lastCursor(check.body))}, not ${above}`);
  }
  const shallow = () => timed(base, c.request(null, PAGE), c);
  const deep = () => timed(base, c.request(above ?? null, PAGE), c);
  for (let i = 0; i < plan.warmup; i++) {
    await shallow();
    await deep();
  }
  const times = { shallow: [] as number[], deep: [] as number[] };
  const end = performance.now() + plan.budget * 1000;
  for (let i = 0; i < plan.samples && (i < Math.min(MIN_SAMPLES, plan.samples) || performance.now() < end); i++) {
    // Alternating which goes first, so neither always follows the other.
    const [first, second] = i % 2 === 0 ? (['shallow', 'deep'] as const) : (['deep', 'shallow'] as const);
    times[first].push((await (first === 'shallow' ? shallow() : deep())).ms);
    times[second].push((await (second === 'shallow' ? shallow() : deep())).ms);
  }
  const figure = (values: number[]) => ({
    value: median(values),
    unit: 'ms',
    detail: { p90_ms: percentile(values, 90).toFixed(2), samples: values.length },
  });
  return result({
    id: `B5.${c.id}`,
    title: `${c.title}: p50 of a page of ${PAGE} at depth ${depth.toLocaleString('en')} of ${rows.toLocaleString('en')}`,
    flowdeck: { ...figure(times.deep), detail: { ...figure(times.deep).detail, depth, rows } },
    baseline: { ...figure(times.shallow), name: 'same list at depth 0' },
    goal: { op: '<=', value: 1.5 },
  });
}

export const benchmark: Benchmark = {
  name: 'B5 deep pages',
  async run(ctx) {
    const plan = planFor(ctx);
    const db = await ctx.scratch();
    try {
      const start = performance.now();
      const seeded = await seedRuns(db.url, ctx.provider, { runs: plan.runs, workflows: plan.workflows });
      ctx.log(
        `seeded ${plan.runs.toLocaleString('en')} runs over ${plan.workflows.toLocaleString('en')} workflows in ${((performance.now() - start) / 1000).toFixed(0)} s`,
      );
      const server = await startFlowdeck({ DATABASE_URL: db.url, WORKER_CONCURRENCY: '0', RUN_RETENTION_DAYS: '0' });
      const sql = openSql(db.url, ctx.provider);
      try {
        const results: Result[] = [];
        for (const c of await listCases(sql, seeded.runs)) {
          const start = performance.now();
          results.push(await measure(plan, server.url, sql, c, seeded));
          ctx.log(`${c.id} (${((performance.now() - start) / 1000).toFixed(1)} s)`);
        }
        return results;
      } finally {
        await sql.close();
        await server.stop();
      }
    } finally {
      await db.drop();
    }
  },
};
