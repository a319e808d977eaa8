// Numbered pages (the REST dialects whose seed documents page/page_size, offset/limit or
// skip/limit) cannot seek to a deep page: OFFSET walks the rows it skips. What they can do, and
// what this proves on SQLite and PostgreSQL, is read their rows through an index that gives the
// order, filters applied on the way, so a page never sorts the whole matching set first. Every
// such list is covered, in each ordering and with each filter it offers, except the orderings no
// index gives (below); test/db/query-plan.test.ts covers the keyset lists, which seek.
// SHOW_PLANS=1 prints every plan.
//
// Not covered, because their order is not an index's: GET /api/v1/runs sort_by=completed_at
// (unfinished runs last in either direction: NULLS LAST, which SQLite's indexes cannot give
// ascending), sort_by=status&sort_order=asc (ties newest first, as documented: status ascending
// with time descending, the one direction the (tenant, status, createdAt, id) index does not give;
// each status's runs are sorted), and GET /api/v1/workflows sort_by=created_at (the current
// version's creation time, a column of another table).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.ts';
import { testProvider } from '../support/database.ts';
import { dbId } from '../support/flows.ts';
import { type ListVolume, seedListVolume } from '../support/list-volume.ts';
import { checkOrdered, pageQueries, statementLog } from '../support/query-plans.ts';

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

interface NumberedCase {
  name: string;
  table: string;
  /** The request of a page past the first, built when the test runs (ids are known then). */
  path: () => string;
  /** The filter pins a unique key (an exact live name): the row or two it leaves may be sorted. */
  fewRows?: boolean;
}

const numbered = (name: string, table: string, path: () => string, fewRows = false): NumberedCase => ({ name, table, path, fewRows });

function v1RunCases(): NumberedCase[] {
  const cases: NumberedCase[] = [];
  // Seed 004: "page (optional): Page number, 1-indexed", "page_size (optional): Items per page, 1-100".
  for (const sortBy of ['created_at', 'updated_at', 'status']) {
    for (const order of ['desc', 'asc']) {
      if (sortBy === 'status' && order === 'asc') continue;
      cases.push(
        numbered(
          `GET /api/v1/runs sort_by=${sortBy} sort_order=${order}`,
          'Run',
          () => `/api/v1/runs?page=2&page_size=2&sort_by=${sortBy}&sort_order=${order}`,
        ),
      );
    }
  }
  const filters: Record<string, () => string> = {
    status: () => 'status=COMPLETED',
    workflow_id: () => `workflow_id=${ids.keyA}`,
    workflow_definition_id: () => `workflow_definition_id=${ids.versionA}`,
    created_after: () => `created_after=${new Date(Date.now() - 86_400_000).toISOString()}`,
    created_before: () => `created_before=${new Date(Date.now() + 60_000).toISOString()}`,
  };
  for (const [label, filter] of Object.entries(filters)) {
    cases.push(numbered(`GET /api/v1/runs ${label}`, 'Run', () => `/api/v1/runs?page=2&page_size=2&${filter()}`));
  }
  return cases;
}

function workflowCases(): NumberedCase[] {
  const cases: NumberedCase[] = [];
  for (const sortBy of ['name', 'updated_at', 'version']) {
    for (const order of ['desc', 'asc']) {
      cases.push(
        numbered(
          `GET /api/v1/workflows sort_by=${sortBy} sort_order=${order}`,
          'Workflow',
          () => `/api/v1/workflows?page=2&page_size=2&sort_by=${sortBy}&sort_order=${order}`,
        ),
      );
    }
  }
  cases.push(
    numbered('GET /api/v1/workflows status', 'Workflow', () => '/api/v1/workflows?page=2&page_size=2&sort_by=name&status=active'),
    numbered('GET /api/v1/workflows name', 'Workflow', () => '/api/v1/workflows?page=1&page_size=2&sort_by=name&name=alpha-1', true),
    numbered(
      'GET /api/v1/workflows/{id}/versions',
      'WorkflowVersion',
      () => `/api/v1/workflows/${dbId(ids.workflowA)}/versions?page=2&page_size=2`,
    ),
    // Seed 003: "limit … Maximum number of workflows to return", "offset … Pagination offset".
    numbered('GET /api/v2/workflows', 'Workflow', () => '/api/v2/workflows?offset=2&limit=2'),
    numbered('GET /api/v2/workflows status=active', 'Workflow', () => '/api/v2/workflows?offset=2&limit=2&status=active'),
    numbered('GET /api/v2/workflows status=archived', 'Workflow', () => '/api/v2/workflows?offset=2&limit=2&status=archived'),
    // Seed 002: `GET /api/workflows/?skip=0&limit=10&project_id=...&is_active=true`.
    numbered('GET /api/workflows/', 'Workflow', () => '/api/workflows/?skip=2&limit=2'),
    numbered('GET /api/workflows/ project_id', 'Workflow', () => '/api/workflows/?skip=2&limit=2&project_id=project-1'),
    numbered('GET /api/workflows/ is_active=true', 'Workflow', () => '/api/workflows/?skip=2&limit=2&is_active=true'),
    numbered('GET /api/workflows/ is_active=false', 'Workflow', () => '/api/workflows/?skip=2&limit=2&is_active=false'),
  );
  return cases;
}

function otherCases(): NumberedCase[] {
  const runA = () => dbId(ids.runA);
  const workflowA = () => dbId(ids.workflowA);
  return [
    numbered('GET /api/v1/agents', 'Agent', () => '/api/v1/agents?page=2&page_size=2'),
    numbered('GET /api/v1/agents status', 'Agent', () => '/api/v1/agents?page=2&page_size=2&status=active'),
    numbered('GET /api/v1/agents name', 'Agent', () => '/api/v1/agents?page=1&page_size=2&name=agent-7', true),
    numbered('GET /api/v1/runs/{id}/logs', 'RunEvent', () => `/api/v1/runs/${runA()}/logs?page=2&page_size=2`),
    numbered('GET /api/v1/runs/{id}/logs after_seq', 'RunEvent', () => `/api/v1/runs/${runA()}/logs?page=2&page_size=2&after_seq=150`),
    numbered('GET /api/v2/workflows/{id}/runs', 'Run', () => `/api/v2/workflows/${workflowA()}/runs?offset=2&limit=2`),
    numbered(
      'GET /api/v2/workflows/{id}/runs status=completed',
      'Run',
      () => `/api/v2/workflows/${workflowA()}/runs?offset=2&limit=2&status=completed`,
    ),
    numbered(
      'GET /api/v2/workflows/{id}/runs status=running (two statuses)',
      'Run',
      () => `/api/v2/workflows/${workflowA()}/runs?offset=2&limit=2&status=running`,
    ),
    numbered('GET /api/workflows/{id}/executions', 'Run', () => `/api/workflows/${workflowA()}/executions?skip=2&limit=2`),
    numbered(
      'GET /api/workflows/{id}/executions status',
      'Run',
      () => `/api/workflows/${workflowA()}/executions?skip=2&limit=2&status=completed`,
    ),
    // Seed 000: "pagination (`limit` + `cursor` or `offset`/`limit`)": the offset half.
    numbered('GET /api/v1/workflows/runs offset', 'Run', () => '/api/v1/workflows/runs?offset=2&limit=2'),
    numbered('GET /api/v1/workflows/runs offset status', 'Run', () => '/api/v1/workflows/runs?offset=2&limit=2&status=completed'),
    numbered(
      'GET /api/v1/workflows/runs offset workflow_key',
      'Run',
      () => `/api/v1/workflows/runs?offset=2&limit=2&workflow_key=${ids.keyA}`,
    ),
  ];
}

describe(`numbered pages read in index order (${testProvider} plans)`, () => {
  it.each([...v1RunCases(), ...workflowCases(), ...otherCases()].map((c) => [c.name, c] as const))(
    '%s: the page is read through an index in list order',
    async (name, { table, path, fewRows }) => {
      log.clear();
      const response = await t.app.fetch(new Request(`http://flowdeck.test${path()}`));
      expect(response.status, await response.clone().text()).toBe(200);
      const queries = pageQueries(log.list, table);
      expect(queries.length, `no page query on ${table} among:\n${log.list.map((s) => s.sql).join('\n')}`).toBeGreaterThan(0);
      const verdict = await checkOrdered(t.databaseUrl, queries[0]!, table, fewRows);
      if (process.env.SHOW_PLANS) console.log(`${name}\n${verdict.plan}\n`);
      expect(verdict.problem, `${verdict.problem}\n${queries[0]!.sql}\n${verdict.plan}`).toBeNull();
    },
  );
});
