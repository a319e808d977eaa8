// Keyset pages seek their index to the cursor: the plan of a page after a cursor has a range
// on the sort column of the index it uses, so a deep page costs what the first page costs.
// Plans are read from SQLite's EXPLAIN QUERY PLAN for the statements the app actually sent.
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentsDocument, CreateAgentDocument, RunsDocument, WorkflowsDocument } from '../../sdk/gql/graphql.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { testProvider } from '../support/database.ts';
import { flows } from '../support/flows.ts';

const sqlite = testProvider === 'sqlite';
let t: TestApp;
const statements: string[] = [];

beforeAll(async () => {
  if (!sqlite) return;
  t = await startTestApp({ onQuery: (sql) => statements.push(sql) }, { WORKER_CONCURRENCY: '0' });
  const f = flows(t);
  for (let i = 0; i < 3; i++) {
    const wf = await f.workflow('paged', { steps: [{ id: 'only', type: 'transform', expression: '$' }] });
    await f.execute(wf.id);
    await t.ok(CreateAgentDocument, { input: { name: `agent-${i}`, url: 'http://127.0.0.1:9/' } });
  }
});
afterAll(async () => {
  await t?.close();
});

/** The query plan of a statement, parameters bound to null (the plan does not depend on them). */
function plan(sql: string): string {
  const file = new URL(t.databaseUrl.replace(/^(file|sqlite):/, 'file:')).pathname;
  const db = new Database(file, { readonly: true });
  try {
    const text = sql.replaceAll('`', '"');
    const count = (text.match(/\?/g) ?? []).length;
    const rows = db.prepare(`EXPLAIN QUERY PLAN ${text}`).all(...Array.from({ length: count }, () => null)) as { detail: string }[];
    return rows.map((r) => r.detail).join('\n');
  } finally {
    db.close();
  }
}

/** Runs a list's second page and returns the plan of its page query (the one bounded by the cursor). */
async function secondPagePlan(table: string, fetchPage: (after?: string) => Promise<string | null | undefined>): Promise<string> {
  const cursor = await fetchPage();
  expect(cursor).toBeTruthy();
  statements.length = 0;
  await fetchPage(cursor as string);
  const page = statements.filter(
    (s) => s.startsWith('SELECT') && new RegExp(`FROM [\`"]main[\`"]\\.[\`"]${table}[\`"]`).test(s) && /LIMIT/.test(s),
  );
  expect(page.length, `no page query on ${table} among ${statements.join('\n')}`).toBeGreaterThan(0);
  return plan(page[0] as string);
}

describe.skipIf(!sqlite)('keyset pages seek their index (SQLite plans)', () => {
  const cases: [string, string, (after?: string) => Promise<string | null | undefined>][] = [
    ['runs', 'Run', async (after) => (await t.ok(RunsDocument, { first: 1, after })).runs.pageInfo.endCursor],
    ['workflows', 'Workflow', async (after) => (await t.ok(WorkflowsDocument, { first: 1, after })).workflows.pageInfo.endCursor],
    ['agents', 'Agent', async (after) => (await t.ok(AgentsDocument, { first: 1, after })).agents.pageInfo.endCursor],
    [
      'REST run history (seed 000)',
      'Run',
      async (after) => {
        const query = after ? `?limit=1&cursor=${encodeURIComponent(after)}` : '?limit=1';
        const response = await t.app.fetch(new Request(`http://flowdeck.test/api/v1/workflows/runs${query}`));
        return ((await response.json()) as { next_cursor: string | null }).next_cursor;
      },
    ],
  ];
  it.each(cases)('%s: the page after a cursor is a range search on the sort column', async (_name, table, fetchPage) => {
    const detail = await secondPagePlan(table, fetchPage);
    expect(detail, detail).toMatch(new RegExp(`SEARCH (main\\.)?${table} USING (COVERING )?INDEX \\S+ \\(.*createdAt[<>]`));
  });
});
