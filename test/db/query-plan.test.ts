// Keyset pages seek their index to the cursor: on SQLite and on PostgreSQL, the plan of a page
// after (or before) a cursor reads its table only through index searches bounded by the cursor,
// so a deep page costs what the first page costs. Each list is paged from a cursor near its start
// (where the index must also give the order: sorting there would sort nearly the whole list) and
// from one near its far end (where the few rows beyond the cursor may be sorted, but nothing before
// it may be read). Every keyset list is covered, in every ordering and with every filter it
// offers. Plans are those of the statements the app actually sent (SQL and parameters from the
// database wrapper's query hook), over enough rows, with statistics on PostgreSQL, that the
// planner's choice is the one a real table gets. SHOW_PLANS=1 prints every plan.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.ts';
import { testProvider } from '../support/database.ts';
import { graphqlData, type ListVolume, seedListVolume } from '../support/list-volume.ts';
import { checkSeek, pageQueries, statementLog } from '../support/query-plans.ts';

const log = statementLog();
let t: TestApp;
let ids: ListVolume;

beforeAll(async () => {
  t = await startTestApp({ onQuery: log.onQuery }, { WORKER_CONCURRENCY: '0' });
  ids = await seedListVolume(t);
}, 120_000);
afterAll(async () => {
  await t?.close();
});

const graphql = <T>(query: string, variables: Record<string, unknown>) => graphqlData<T>(t, query, variables);

type PageInfo = { startCursor: string | null; endCursor: string | null };

// How far from the far end the deep cursor is: the largest page, about 1% of the runs list. Not
// the very end, where PostgreSQL may rightly read the last few rows any way it likes: with rows
// left to walk, a misjudged count of them makes it sort a bitmap scan of the whole filter.
const DEEP = 100;

/**
 * How to walk one keyset list: the cursor the first page hands out, a cursor near the far end
 * of the list (DEEP rows from it, found by walking the other way), and the page after a cursor.
 */
interface Walk {
  near(): Promise<string | null>;
  deep(): Promise<string | null>;
  from(cursor: string): Promise<unknown>;
}

/** Which way a page's cursor bounds the sort column: `<` walking toward smaller values, `>` toward larger. */
type Side = '<' | '>';

interface ListCase {
  name: string;
  table: string;
  /** The sort column the cursor's bound must seek. */
  column: string;
  /**
   * The column bounded by a cursor at the far end, when it differs: a nullable column's nulls come
   * last, ordered by id, so a cursor among them bounds id (and one near the start of a backward
   * walk does too).
   */
  deepColumn?: string;
  side: Side;
  page: Walk;
}

/** The side a cursor bounds: forward in descending order and backward in ascending order walk toward smaller values. */
const sideOf = (direction: 'ASC' | 'DESC', backward = false): Side => ((direction === 'DESC') !== backward ? '<' : '>');

/**
 * A Relay connection at `path` of `query` (which declares `$first`, `$after`, `$last`, `$before`),
 * walked forward, or backward from its last page. Variables are read when a page is fetched.
 */
function connection(query: string, path: string[], variables: () => Record<string, unknown>, backward = false): Walk {
  const fetchPage = async (window: Record<string, unknown>) => {
    let info: unknown = await graphql(query, { ...variables(), ...window });
    for (const key of path) info = (info as Record<string, unknown>)[key];
    return info as PageInfo;
  };
  return {
    near: async () => (backward ? (await fetchPage({ last: 2 })).startCursor : (await fetchPage({ first: 2 })).endCursor),
    deep: async () => (backward ? (await fetchPage({ first: DEEP })).endCursor : (await fetchPage({ last: DEEP })).startCursor),
    from: (cursor) => fetchPage(backward ? { last: 2, before: cursor } : { first: 2, after: cursor }),
  };
}

const WINDOW = '$first: Int, $after: String, $last: Int, $before: String';
const ARGS = 'first: $first, after: $after, last: $last, before: $before';
const PAGE_INFO = 'pageInfo { startCursor endCursor }';
const DAY = 86_400_000;

// A range filter on the sort column is set on the side away from the cursor's bound, so the
// plan shows whether the cursor's own bound is in the index condition.
function awayFromCursor(side: Side, after: string, before: string): Record<string, string> {
  return side === '<' ? { [after]: new Date(Date.now() - DAY).toISOString() } : { [before]: new Date(Date.now() + DAY).toISOString() };
}

function runCases(): ListCase[] {
  const cases: ListCase[] = [];
  const query = `query(${WINDOW}, $filter: RunFilter, $orderBy: RunOrder) { runs(${ARGS}, filter: $filter, orderBy: $orderBy) { ${PAGE_INFO} } }`;
  const ofWorkflow = `query($id: ID!, ${WINDOW}, $orderBy: RunOrder) { workflow(id: $id) { ... on Workflow { runs(${ARGS}, orderBy: $orderBy) { ${PAGE_INFO} } } } }`;
  for (const field of ['CREATED_AT', 'UPDATED_AT'] as const) {
    for (const direction of ['DESC', 'ASC'] as const) {
      const column = field === 'CREATED_AT' ? 'createdAt' : 'updatedAt';
      const orderBy = { field, direction };
      const side = sideOf(direction);
      const filters: Record<string, () => Record<string, unknown>> = {
        'no filter': () => ({}),
        'one status': () => ({ status: ['COMPLETED'] }),
        'two statuses': () => ({ status: ['COMPLETED', 'FAILED'] }),
        workflow: () => ({ workflowId: ids.workflowA }),
        triggeredBy: () => ({ triggeredBy: 'SCHEDULE' }),
        'created after/before': () => awayFromCursor(side, 'createdAfter', 'createdBefore'),
      };
      for (const [label, filter] of Object.entries(filters)) {
        cases.push({
          name: `runs ${field} ${direction}, ${label}`,
          table: 'Run',
          column,
          side,
          page: connection(query, ['runs', 'pageInfo'], () => ({ filter: filter(), orderBy })),
        });
      }
      cases.push({
        name: `runs ${field} ${direction}, backward`,
        table: 'Run',
        column,
        side: sideOf(direction, true),
        page: connection(query, ['runs', 'pageInfo'], () => ({ orderBy }), true),
      });
      cases.push({
        name: `Workflow.runs ${field} ${direction}`,
        table: 'Run',
        column,
        side,
        page: connection(ofWorkflow, ['workflow', 'runs', 'pageInfo'], () => ({ id: ids.workflowA, orderBy })),
      });
    }
  }
  // Nullable columns: values first, then nulls by id, in both directions (src/domain/pagination.ts).
  for (const [field, column] of [
    ['STARTED_AT', 'startedAt'],
    ['COMPLETED_AT', 'completedAt'],
    ['DURATION', 'durationMs'],
  ] as const) {
    for (const direction of ['DESC', 'ASC'] as const) {
      const orderBy = { field, direction };
      const filters: Record<string, () => Record<string, unknown>> = {
        'no filter': () => ({}),
        // PENDING runs have none of the three: the list ends in nulls.
        'two statuses': () => ({ status: ['PENDING', 'COMPLETED'] }),
        workflow: () => ({ workflowId: ids.workflowA }),
      };
      for (const [label, filter] of Object.entries(filters)) {
        cases.push({
          name: `runs ${field} ${direction}, ${label}`,
          table: 'Run',
          column,
          deepColumn: 'id',
          side: sideOf(direction),
          page: connection(query, ['runs', 'pageInfo'], () => ({ filter: filter(), orderBy })),
        });
      }
      cases.push({
        name: `runs ${field} ${direction}, backward`,
        table: 'Run',
        column: 'id',
        deepColumn: column,
        side: sideOf(direction, true),
        page: connection(query, ['runs', 'pageInfo'], () => ({ orderBy }), true),
      });
      cases.push({
        name: `Workflow.runs ${field} ${direction}`,
        table: 'Run',
        column,
        deepColumn: 'id',
        side: sideOf(direction),
        page: connection(ofWorkflow, ['workflow', 'runs', 'pageInfo'], () => ({ id: ids.workflowA, orderBy })),
      });
    }
  }
  // A search reads the words' key (workspaceId, term, createdAt, runId) from the cursor on.
  for (const direction of ['DESC', 'ASC'] as const) {
    const orderBy = { field: 'CREATED_AT', direction };
    for (const [label, filter] of Object.entries({
      'a word every run has': { search: 'common' },
      'a word one run in 16 has': { search: 'rare' },
      'two words and a status': { search: 'rare common', status: ['COMPLETED'] },
    })) {
      cases.push({
        name: `runs search CREATED_AT ${direction}, ${label}`,
        table: 'RunSearchTerm',
        column: 'createdAt',
        side: sideOf(direction),
        page: connection(query, ['runs', 'pageInfo'], () => ({ filter, orderBy })),
      });
    }
    cases.push({
      name: `runs search CREATED_AT ${direction}, backward`,
      table: 'RunSearchTerm',
      column: 'createdAt',
      side: sideOf(direction, true),
      page: connection(query, ['runs', 'pageInfo'], () => ({ filter: { search: 'common' }, orderBy }), true),
    });
  }
  return cases;
}

function namedListCases(list: 'workflows' | 'agents'): ListCase[] {
  const filterType = list === 'workflows' ? 'WorkflowFilter' : 'AgentFilter';
  const query = `query(${WINDOW}, $filter: ${filterType}, $orderBy: OrderBy) { ${list}(${ARGS}, filter: $filter, orderBy: $orderBy) { ${PAGE_INFO} } }`;
  const filters: Record<string, Record<string, unknown>> = {
    'no filter': {},
    status: { status: 'ACTIVE' },
    'name contains': { nameContains: 'a' },
  };
  const cases: ListCase[] = [];
  for (const [field, column] of [
    ['CREATED_AT', 'createdAt'],
    ['NAME', 'name'],
    ['UPDATED_AT', 'updatedAt'],
  ] as const) {
    for (const direction of ['DESC', 'ASC'] as const) {
      for (const [label, filter] of Object.entries(filters)) {
        cases.push({
          name: `${list} ${field} ${direction}, ${label}`,
          table: list === 'workflows' ? 'Workflow' : 'Agent',
          column,
          side: sideOf(direction),
          page: connection(query, [list, 'pageInfo'], () => ({ filter, orderBy: { field, direction } })),
        });
      }
      cases.push({
        name: `${list} ${field} ${direction}, backward`,
        table: list === 'workflows' ? 'Workflow' : 'Agent',
        column,
        side: sideOf(direction, true),
        page: connection(query, [list, 'pageInfo'], () => ({ orderBy: { field, direction } }), true),
      });
    }
  }
  return cases;
}

function otherCases(): ListCase[] {
  const schedules = `query(${WINDOW}, $workflowId: ID) { schedules(${ARGS}, workflowId: $workflowId) { ${PAGE_INFO} } }`;
  const events = `query($id: ID!, ${WINDOW}, $afterSeq: Int) { run(id: $id) { ... on Run { events(${ARGS}, afterSeq: $afterSeq) { ${PAGE_INFO} } } } }`;
  const versions = `query($id: ID!, ${WINDOW}) { workflow(id: $id) { ... on Workflow { versions(${ARGS}) { ${PAGE_INFO} } } } }`;
  const history = (filter: () => Record<string, string>): Walk => {
    const fetchPage = async (query: Record<string, string>) => {
      const response = await t.app.fetch(
        new Request(`http://flowdeck.test/api/v1/workflows/runs?${new URLSearchParams({ ...filter(), ...query })}`),
      );
      expect(response.status).toBe(200);
      return (await response.json()) as { next_cursor: string | null; total: number };
    };
    return {
      near: async () => (await fetchPage({ limit: '2' })).next_cursor,
      // The documented offset reaches the DEEP-th row from the end, whose cursor the page hands out.
      deep: async () => (await fetchPage({ limit: '1', offset: String((await fetchPage({ limit: '1' })).total - DEEP) })).next_cursor,
      from: (cursor) => fetchPage({ limit: '2', cursor }),
    };
  };
  const historyFilters: Record<string, () => Record<string, string>> = {
    'no filter': () => ({}),
    status: () => ({ status: 'completed' }),
    'workflow key': () => ({ workflow_key: ids.keyA }),
    'started after': () => awayFromCursor('<', 'started_after', 'started_before'),
    conversation: () => ({ conversation_id: 'conversation-3' }),
  };
  const cases: ListCase[] = [];
  for (const [label, variables] of Object.entries({ '': () => ({}), ' of a workflow': () => ({ workflowId: ids.workflowA }) })) {
    cases.push({
      name: `schedules${label}`,
      table: 'Schedule',
      column: 'createdAt',
      side: '<',
      page: connection(schedules, ['schedules', 'pageInfo'], variables),
    });
    cases.push({
      name: `schedules${label}, backward`,
      table: 'Schedule',
      column: 'createdAt',
      side: '>',
      page: connection(schedules, ['schedules', 'pageInfo'], variables, true),
    });
  }
  const runEvents = (afterSeq?: number) => () => ({ id: ids.runA, afterSeq });
  cases.push(
    {
      name: 'Run.events',
      table: 'RunEvent',
      column: 'seq',
      side: '>',
      page: connection(events, ['run', 'events', 'pageInfo'], runEvents()),
    },
    // Backward, so the cursor's bound (an upper one) is told apart from afterSeq's (a lower one).
    {
      name: 'Run.events after a sequence, backward',
      table: 'RunEvent',
      column: 'seq',
      side: '<',
      page: connection(events, ['run', 'events', 'pageInfo'], runEvents(3), true),
    },
    {
      name: 'Workflow.versions',
      table: 'WorkflowVersion',
      column: 'version',
      side: '<',
      page: connection(versions, ['workflow', 'versions', 'pageInfo'], () => ({ id: ids.workflowA })),
    },
    {
      name: 'Workflow.versions, backward',
      table: 'WorkflowVersion',
      column: 'version',
      side: '>',
      page: connection(versions, ['workflow', 'versions', 'pageInfo'], () => ({ id: ids.workflowA }), true),
    },
    ...Object.entries(historyFilters).map(([label, filter]) => ({
      name: `REST run history (seed 000), ${label}`,
      table: 'Run',
      column: 'createdAt',
      side: '<' as const,
      page: history(filter),
    })),
  );
  return cases;
}

const cases = [...runCases(), ...namedListCases('workflows'), ...namedListCases('agents'), ...otherCases()];

describe(`keyset pages seek their index (${testProvider} plans)`, () => {
  it.each(cases.flatMap((c) => (['near the start', 'deep'] as const).map((depth) => [c.name, depth, c] as const)))(
    '%s, %s: the page after a cursor seeks the index to it',
    async (name, depth, { table, column, deepColumn, side, page }) => {
      const cursor = depth === 'deep' ? await page.deep() : await page.near();
      expect(cursor, 'the list hands out a cursor').toBeTruthy();
      log.clear();
      await page.from(cursor as string);
      const queries = pageQueries(log.list, table);
      expect(queries.length, `no page query on ${table} among:\n${log.list.map((s) => s.sql).join('\n')}`).toBeGreaterThan(0);
      const bounded = depth === 'deep' ? (deepColumn ?? column) : column;
      const verdict = await checkSeek(t.databaseUrl, queries[0]!, { table, column: bounded, side, deep: depth === 'deep' });
      if (process.env.SHOW_PLANS) console.log(`${name}, ${depth}\n${verdict.plan}\n`);
      expect(verdict.problem, `${verdict.problem}\n${queries[0]!.sql}\n${verdict.plan}`).toBeNull();
    },
  );
});
