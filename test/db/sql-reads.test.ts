// The fast list reads (src/db/sql-reads.ts) answer exactly what Prisma answers. A list page whose
// nodes ask only for plain columns is read by a prepared statement on the driver; one that also
// asks for a relation is read by Prisma. For random filters, orders, page sizes and walks (forward
// with `after`, backward with `before`), over runs and workflows with many ties in the sort
// columns, both pages must hold the same rows in the same order with the same cursors and page
// info, and the statement log must show which path each took.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.ts';
import { testProvider } from '../support/database.ts';
import { dbId, flows } from '../support/flows.ts';
import { graphqlData } from '../support/list-volume.ts';
import { analyze, both, cloneRows, earlier, execute, type Expr, statementLog } from '../support/query-plans.ts';

const log = statementLog();
const nullUnless = (condition: string, value: Expr): Expr => ({
  sqlite: `CASE WHEN ${condition} THEN ${value.sqlite} END`,
  postgres: `CASE WHEN ${condition} THEN ${value.postgres} END`,
});
let t: TestApp;
let workflowA: string;
let workflowB: string;
let firstRunAt: number;

beforeAll(async () => {
  t = await startTestApp({ onQuery: log.onQuery }, { WORKER_CONCURRENCY: '0' });
  const f = flows(t);
  const definition = { steps: [{ id: 'only', type: 'transform', expression: '$' }] };
  const a = await f.workflow('alpha', definition);
  const b = await f.workflow('beta', definition);
  workflowA = a.id;
  workflowB = b.id;
  const runA = await f.execute(a.id, { n: 1 });
  const runB = await f.execute(b.id, { n: 2 });
  const statuses = `CASE n.i % 5 WHEN 0 THEN 'PENDING' WHEN 1 THEN 'RUNNING' WHEN 2 THEN 'COMPLETED' WHEN 3 THEN 'FAILED' ELSE 'CANCELLED' END`;
  for (const template of [runA, runB]) {
    // Three runs share each creation instant and updatedAt repeats, so ties are broken by id.
    await cloneRows(t.databaseUrl, 'Run', dbId(template.id), 150, {
      status: both(statuses),
      triggeredBy: both(`CASE n.i % 3 WHEN 0 THEN 'API' WHEN 1 THEN 'SCHEDULE' ELSE 'RETRY' END`),
      createdAt: earlier('createdAt', '(n.i / 3) * 60'),
      updatedAt: earlier('updatedAt', '(n.i * 7) % 40'),
      conversationId: both(`'c' || (n.i % 3)`),
      // The nullable sort columns, with nulls and many ties.
      startedAt: nullUnless('n.i % 4 > 0', earlier('createdAt', '(n.i % 6) * 60')),
      completedAt: nullUnless('n.i % 4 > 1', earlier('createdAt', '(n.i % 3) * 60')),
      durationMs: both(`CASE WHEN n.i % 4 > 1 THEN (n.i % 5) * 1000 END`),
    });
  }
  // Search words: one every run has, one about half have.
  for (const [term, where] of [
    ['every', '1 = 1'],
    ['some', `substr("id", 1, 1) < '8'`],
  ]) {
    await execute(
      t.databaseUrl,
      `INSERT INTO "RunSearchTerm" ("workspaceId", "term", "createdAt", "runId")
       SELECT "workspaceId", '${term}', "createdAt", "id" FROM "Run" WHERE ${where}`,
    );
  }
  await cloneRows(t.databaseUrl, 'Workflow', dbId(b.id), 80, {
    key: both(`t."key" || '-' || n.i`),
    name: both(`'flow ' || (n.i % 9) || '-' || n.i`),
    currentVersionId: both('NULL'),
    status: both(`CASE n.i % 4 WHEN 0 THEN 'INACTIVE' ELSE 'ACTIVE' END`),
    createdAt: earlier('createdAt', '(n.i / 2) * 60'),
    updatedAt: earlier('updatedAt', '(n.i * 3) % 20'),
  });
  await analyze(t.databaseUrl);
  firstRunAt = Date.now() - 51 * 60_000;
}, 120_000);
afterAll(async () => {
  await t?.close();
});

type Page = {
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  edges: { cursor: string; node: Record<string, unknown> }[];
};

/** Whether a statement is the fast path's (unqualified table, as sql-reads writes it) or Prisma's (schema-qualified). */
const fastRead = (table: string) => (sql: string) => new RegExp(`^SELECT (?:(?! FROM ).)* FROM "${table}" WHERE `).test(sql);

/** One page both ways; returns the fast page after checking it equals Prisma's and that each took its path. */
async function bothWays(list: 'runs' | 'workflows', args: string, variables: Record<string, unknown>, scalars: string, relation: string) {
  const query = (node: string) =>
    `query($filter: ${list === 'runs' ? 'RunFilter' : 'WorkflowFilter'}, $orderBy: ${list === 'runs' ? 'RunOrder' : 'OrderBy'}, $first: Int, $after: String, $last: Int, $before: String) {
      ${list}(${args}) { pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor node { ${node} } } } }`;
  const table = list === 'runs' ? 'Run' : 'Workflow';
  log.clear();
  const fast = (await graphqlData<Record<string, Page>>(t, query(scalars), variables))[list] as Page;
  const fastStatements = log.list.map((s) => s.sql);
  log.clear();
  const slow = (await graphqlData<Record<string, Page>>(t, query(`${scalars} ${relation}`), variables))[list] as Page;
  const slowStatements = log.list.map((s) => s.sql);
  // A search that matches nothing reads no run at all.
  const searched = Boolean((variables.filter as { search?: string } | undefined)?.search);
  if (!searched || fast.edges.length > 0)
    expect(fastStatements.some(fastRead(table)), `fast path for ${JSON.stringify(variables)}`).toBe(true);
  expect(slowStatements.some(fastRead(table))).toBe(false);
  const strip = (page: Page) => ({
    pageInfo: page.pageInfo,
    edges: page.edges.map((e) => ({
      cursor: e.cursor,
      node: Object.fromEntries(Object.entries(e.node).filter(([k]) => scalars.split(' ').includes(k))),
    })),
  });
  expect(strip(fast)).toEqual(strip(slow));
  return fast;
}

const ARGS = 'filter: $filter, orderBy: $orderBy, first: $first, after: $after, last: $last, before: $before';

/** How a generated case walks a list: its order, page size, direction and number of pages. */
interface WalkCase {
  field: string;
  direction: string;
  size: number;
  backward: boolean;
  pages: number;
}

/** Walks `list` page by page as `c` says (forward with `after`, or backward with `before`), checking each page both ways. */
async function walk(list: 'runs' | 'workflows', c: WalkCase, filter: Record<string, unknown>, scalars: string, relation: string) {
  let cursor: string | null = null;
  for (let i = 0; i < c.pages; i++) {
    const window = c.backward ? { last: c.size, before: cursor } : { first: c.size, after: cursor };
    const page = await bothWays(list, ARGS, { filter, orderBy: { field: c.field, direction: c.direction }, ...window }, scalars, relation);
    cursor = c.backward ? page.pageInfo.startCursor : page.pageInfo.endCursor;
    if (!cursor) break;
  }
}
const minutes = (n: number) => new Date(firstRunAt + n * 60_000).toISOString();

describe(`fast list reads equal Prisma's (${testProvider})`, () => {
  it('runs: every filter, order and walk gives the same pages', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          status: fc.option(fc.subarray(['PENDING', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED']), { nil: undefined }),
          workflow: fc.constantFrom('A', 'B', null),
          triggeredBy: fc.option(fc.constantFrom('API', 'SCHEDULE', 'RETRY'), { nil: undefined }),
          after: fc.option(fc.integer({ min: 0, max: 50 }), { nil: undefined }),
          before: fc.option(fc.integer({ min: 0, max: 60 }), { nil: undefined }),
          conversation: fc.option(fc.constantFrom('c0', 'c1', 'c2'), { nil: undefined }),
          search: fc.option(fc.constantFrom('every', 'some', 'SOME every', 'none'), { nil: undefined }),
          field: fc.constantFrom('CREATED_AT', 'UPDATED_AT', 'STARTED_AT', 'COMPLETED_AT', 'DURATION'),
          direction: fc.constantFrom('ASC', 'DESC'),
          size: fc.integer({ min: 1, max: 30 }),
          backward: fc.boolean(),
          pages: fc.integer({ min: 1, max: 4 }),
        }),
        async (c) => {
          const filter = {
            ...(c.status ? { status: c.status } : {}),
            ...(c.workflow ? { workflowId: c.workflow === 'A' ? workflowA : workflowB } : {}),
            ...(c.triggeredBy ? { triggeredBy: c.triggeredBy } : {}),
            ...(c.after !== undefined ? { createdAfter: minutes(c.after) } : {}),
            ...(c.before !== undefined ? { createdBefore: minutes(c.before) } : {}),
            ...(c.conversation ? { conversationId: c.conversation } : {}),
            ...(c.search ? { search: c.search } : {}),
          };
          // A search lists by creation time only.
          await walk(
            'runs',
            c.search ? { ...c, field: 'CREATED_AT' } : c,
            filter,
            'id status triggeredBy inputs createdAt updatedAt startedAt completedAt conversationId',
            'workflow { id }',
          );
        },
      ),
      { numRuns: 60 },
    );
  }, 120_000);

  it('workflows: every status filter, order and walk gives the same pages', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          status: fc.option(fc.constantFrom('ACTIVE', 'INACTIVE'), { nil: undefined }),
          field: fc.constantFrom('CREATED_AT', 'UPDATED_AT', 'NAME'),
          direction: fc.constantFrom('ASC', 'DESC'),
          size: fc.integer({ min: 1, max: 25 }),
          backward: fc.boolean(),
          pages: fc.integer({ min: 1, max: 4 }),
        }),
        async (c) => {
          await walk('workflows', c, c.status ? { status: c.status } : {}, 'id name status createdAt updatedAt', 'latestVersion { id }');
        },
      ),
      { numRuns: 30 },
    );
  }, 120_000);
});
