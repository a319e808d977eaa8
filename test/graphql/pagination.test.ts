import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AgentsDocument,
  type AgentsQuery,
  type AgentsQueryVariables,
  CreateAgentDocument,
  CreateWorkflowDocument,
  CreateWorkspaceDocument,
  DeleteWorkflowDocument,
  UpdateWorkflowDocument,
  WorkflowsDocument,
  type WorkflowsQuery,
  type WorkflowsQueryVariables,
  WorkflowVersionsDocument,
} from '../gql/graphql.ts';
import { type RequestScope, type Result, startTestApp, type TestApp } from '../support/app.ts';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t?.close();
});

const definition = { steps: [{ id: 'only', type: 'transform', expression: '$' }] };

type WorkflowPage = WorkflowsQuery['workflows'];
type AgentPage = AgentsQuery['agents'];

/** Each scenario gets its own workspace, so its counts and orders are exact. */
async function workspace(slug: string): Promise<RequestScope> {
  const created = await t.ok(CreateWorkspaceDocument, { input: { name: slug, slug } });
  if (created.createWorkspace.__typename !== 'Workspace') throw new Error(`workspace ${slug}: ${created.createWorkspace.message}`);
  return { workspaceSlug: slug };
}

/** Creates workflows one after the other; returns their ids in creation order. */
async function createWorkflows(scope: RequestScope, names: string[]): Promise<string[]> {
  const ids: string[] = [];
  for (const name of names) {
    const created = (await t.ok(CreateWorkflowDocument, { input: { name, definition } }, scope)).createWorkflow;
    if (created.__typename !== 'Workflow') throw new Error(`workflow ${name}: ${JSON.stringify(created)}`);
    ids.push(created.id);
  }
  return ids;
}

function numbered(prefix: string, count: number, from = 0): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}${String(i + from).padStart(3, '0')}`);
}

async function workflows(scope: RequestScope, variables: WorkflowsQueryVariables): Promise<WorkflowPage> {
  return (await t.ok(WorkflowsDocument, variables, scope)).workflows;
}

/** The whole list in one page: the reference order the paged walks are compared with. */
async function everything(scope: RequestScope, variables: WorkflowsQueryVariables = {}): Promise<WorkflowPage> {
  const page = await workflows(scope, { ...variables, first: 100 });
  expect(page.pageInfo.hasNextPage, 'reference list must fit in one page').toBe(false);
  return page;
}

/** Follows endCursor from `after` until hasNextPage is false. */
async function walkForward(scope: RequestScope, variables: WorkflowsQueryVariables, size: number, after: string | null = null) {
  const pages: WorkflowPage[] = [];
  let cursor = after;
  for (let guard = 0; guard < 200; guard++) {
    const page = await workflows(scope, { ...variables, first: size, after: cursor });
    pages.push(page);
    if (!page.pageInfo.hasNextPage) return pages;
    expect(page.pageInfo.endCursor, 'a page with a next page has an endCursor').toBeTruthy();
    cursor = page.pageInfo.endCursor;
  }
  throw new Error('forward walk never reached hasNextPage: false');
}

const ids = (page: { edges: { node: { id: string } }[] }): string[] => page.edges.map((edge) => edge.node.id);
const names = (page: WorkflowPage): string[] => page.edges.map((edge) => edge.node.name);
const flat = (pages: WorkflowPage[]): string[] => pages.flatMap(ids);

/** Plain code-point order; the names used below are lowercase ASCII, so every collation agrees. */
const byCodePoint = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function expectNoDuplicates(list: string[]): void {
  const repeated = list.filter((id, index) => list.indexOf(id) !== index);
  expect(repeated, 'rows visited more than once').toEqual([]);
}

/** A walk in pages of `size` must equal the one-page list, and each page's pageInfo must fit. */
async function expectConsistentWalk(scope: RequestScope, variables: WorkflowsQueryVariables, size: number): Promise<WorkflowPage> {
  const reference = await everything(scope, variables);
  const pages = await walkForward(scope, variables, size);
  expect(pages).toHaveLength(Math.max(1, Math.ceil(reference.edges.length / size)));
  expect(flat(pages)).toEqual(ids(reference));
  for (const [i, page] of pages.entries()) {
    expect(page.totalCount).toBe(reference.totalCount);
    expect(page.pageInfo.hasPreviousPage).toBe(i > 0);
    expect(page.pageInfo.startCursor).toBe(page.edges[0]?.cursor ?? null);
    expect(page.pageInfo.endCursor).toBe(page.edges.at(-1)?.cursor ?? null);
  }
  return reference;
}

describe('workflows: forward and backward walks', () => {
  let scope: RequestScope;
  let created: string[];
  beforeAll(async () => {
    scope = await workspace('walks');
    created = await createWorkflows(scope, numbered('walk', 45));
  });

  it('visits all 45 workflows exactly once, in the one-page order, following endCursor with first: 10', async () => {
    const reference = await everything(scope);
    expect(reference.totalCount).toBe(45);
    expect(ids(reference).toSorted()).toEqual(created.toSorted());
    // Default order is CREATED_AT DESC.
    const times = reference.edges.map((edge) => Date.parse(edge.node.createdAt));
    expect(times).toEqual(times.toSorted((a, b) => b - a));

    const pages = await walkForward(scope, {}, 10);
    expect(pages.map((page) => page.edges.length)).toEqual([10, 10, 10, 10, 5]);
    expect(pages.map((page) => page.pageInfo.hasNextPage)).toEqual([true, true, true, true, false]);
    expect(pages.map((page) => page.pageInfo.hasPreviousPage)).toEqual([false, true, true, true, true]);
    expect(pages.map((page) => page.totalCount)).toEqual([45, 45, 45, 45, 45]);
    expectNoDuplicates(flat(pages));
    expect(flat(pages)).toEqual(ids(reference));
    for (const page of pages) {
      expect(page.pageInfo.startCursor).toBe(page.edges[0]?.cursor);
      expect(page.pageInfo.endCursor).toBe(page.edges.at(-1)?.cursor);
    }

    // Past the end there is nothing more.
    const beyond = await workflows(scope, { first: 10, after: pages.at(-1)?.pageInfo.endCursor });
    expect(beyond.edges).toEqual([]);
    expect(beyond.pageInfo.hasNextPage).toBe(false);
    expect(beyond.totalCount).toBe(45);
  });

  it('visits all rows exactly once walking backward with last: 10 and before: startCursor', async () => {
    const reference = ids(await everything(scope));
    const pages: WorkflowPage[] = [];
    let before: string | null = null;
    for (let guard = 0; guard < 20; guard++) {
      const page = await workflows(scope, { last: 10, before });
      pages.push(page);
      if (!page.pageInfo.hasPreviousPage) break;
      before = page.pageInfo.startCursor;
    }
    expect(pages.map((page) => page.edges.length)).toEqual([10, 10, 10, 10, 5]);
    expect(pages.map((page) => page.pageInfo.hasPreviousPage)).toEqual([true, true, true, true, false]);
    expect(pages.map((page) => page.totalCount)).toEqual([45, 45, 45, 45, 45]);
    // Each backward page is in list order, and the first one is the tail of the list.
    expect(ids(pages[0] as WorkflowPage)).toEqual(reference.slice(35));
    const walked = pages.toReversed().flatMap(ids);
    expectNoDuplicates(walked);
    expect(walked).toEqual(reference);
  });

  it('goes back from a forward cursor: last: 10 before the 21st row gives rows 11-20', async () => {
    const reference = await everything(scope);
    const cursor = reference.edges[20]?.cursor;
    const page = await workflows(scope, { last: 10, before: cursor });
    expect(ids(page)).toEqual(ids(reference).slice(10, 20));
    expect(page.pageInfo.hasPreviousPage).toBe(true);
  });
});

describe('workflows: keyset pages are stable while rows are inserted', () => {
  it('CREATED_AT DESC: new rows (sorting first) never show up after the cursor; old rows are neither skipped nor repeated', async () => {
    const scope = await workspace('stable-created');
    await createWorkflows(scope, numbered('old', 30));
    const before = ids(await everything(scope));

    const first = await workflows(scope, { first: 10 });
    expect(ids(first)).toEqual(before.slice(0, 10));
    const added = await createWorkflows(scope, numbered('new', 5));

    const rest = await walkForward(scope, {}, 10, first.pageInfo.endCursor);
    const seen = [...ids(first), ...flat(rest)];
    expectNoDuplicates(seen);
    expect(seen).toEqual(before);
    expect(flat(rest).filter((id) => added.includes(id))).toEqual([]);
    // The inserts are real and counted: they lead a fresh list.
    expect(rest.map((page) => page.totalCount)).toEqual(rest.map(() => 35));
    expect(ids(await workflows(scope, { first: 5 })).toSorted()).toEqual(added.toSorted());
  });

  it('NAME ASC: inserted names after the cursor appear, those before it do not, existing rows appear once', async () => {
    const scope = await workspace('stable-name');
    const orderBy = { field: 'NAME', direction: 'ASC' } as const;
    const originals = numbered('b', 30);
    await createWorkflows(scope, originals);
    expect(names(await everything(scope, { orderBy }))).toEqual(originals.toSorted(byCodePoint));

    const first = await workflows(scope, { first: 10, orderBy });
    expect(names(first)).toEqual(originals.slice(0, 10));
    const lastSeen = originals[9] as string;

    const earlier = ['a001', 'a002', 'b004x'];
    const later = ['b015x', 'b029x', 'c001', 'c002'];
    await createWorkflows(scope, [...earlier, ...later]);

    const rest = await walkForward(scope, { orderBy }, 10, first.pageInfo.endCursor);
    const restNames = rest.flatMap(names);
    expectNoDuplicates([...names(first), ...restNames]);
    expect(restNames).toEqual([...originals.slice(10), ...later].toSorted(byCodePoint));
    expect(restNames.filter((name) => earlier.includes(name))).toEqual([]);
    // ...which is exactly the fresh list past the cursor row.
    const fresh = names(await everything(scope, { orderBy }));
    expect(restNames).toEqual(fresh.slice(fresh.indexOf(lastSeen) + 1));
    expect(rest.map((page) => page.totalCount)).toEqual(rest.map(() => 37));
  });
});

describe('workflows: orderings', () => {
  let scope: RequestScope;
  // Created in a scrambled name order, so name order and creation order differ.
  const scrambled = ['m07', 'm02', 'm11', 'm00', 'm09', 'm04', 'm01', 'm10', 'm05', 'm08', 'm03', 'm06'];
  beforeAll(async () => {
    scope = await workspace('orderings');
    await createWorkflows(scope, scrambled);
  });

  it('NAME ASC and NAME DESC sort by name, consistently across pages', async () => {
    const sorted = scrambled.toSorted(byCodePoint);
    const asc = await expectConsistentWalk(scope, { orderBy: { field: 'NAME', direction: 'ASC' } }, 5);
    expect(names(asc)).toEqual(sorted);
    const desc = await expectConsistentWalk(scope, { orderBy: { field: 'NAME', direction: 'DESC' } }, 5);
    expect(names(desc)).toEqual(sorted.toReversed());
  });

  it('CREATED_AT ASC is the exact reverse of the default CREATED_AT DESC, consistently across pages', async () => {
    const asc = await expectConsistentWalk(scope, { orderBy: { field: 'CREATED_AT', direction: 'ASC' } }, 5);
    const desc = await expectConsistentWalk(scope, {}, 5);
    expect(ids(asc)).toEqual(ids(desc).toReversed());
    const times = asc.edges.map((edge) => Date.parse(edge.node.createdAt));
    expect(times).toEqual(times.toSorted((a, b) => a - b));
    expect(asc.totalCount).toBe(scrambled.length);
  });

  it('UPDATED_AT DESC puts a just-updated workflow first, consistently across pages', async () => {
    const byCreation = await everything(scope, { orderBy: { field: 'CREATED_AT', direction: 'ASC' } });
    const oldest = byCreation.edges[0]?.node;
    if (!oldest) throw new Error('no workflows');
    const updated = (await t.ok(UpdateWorkflowDocument, { id: oldest.id, input: { description: 'touched' } }, scope)).updateWorkflow;
    expect(updated.__typename).toBe('Workflow');

    const orderBy = { field: 'UPDATED_AT', direction: 'DESC' } as const;
    const list = await expectConsistentWalk(scope, { orderBy }, 5);
    expect(list.edges[0]?.node.id).toBe(oldest.id);
    expect(list.edges[0]?.node.description).toBe('touched');
    const times = list.edges.map((edge) => Date.parse(edge.node.updatedAt));
    expect(times).toEqual(times.toSorted((a, b) => b - a));
  });
});

describe('workflows: page size limits', () => {
  let scope: RequestScope;
  beforeAll(async () => {
    scope = await workspace('caps');
    await createWorkflows(scope, numbered('cap', 120));
  });

  it('caps first: 500 at 100 edges, with hasNextPage true, and the rest follows', async () => {
    const page = await workflows(scope, { first: 500 });
    expect(page.edges).toHaveLength(100);
    expect(page.pageInfo.hasNextPage).toBe(true);
    expect(page.totalCount).toBe(120);
    const rest = await workflows(scope, { first: 500, after: page.pageInfo.endCursor });
    expect(rest.edges).toHaveLength(20);
    expect(rest.pageInfo.hasNextPage).toBe(false);
    expectNoDuplicates([...ids(page), ...ids(rest)]);
  });

  it('caps last: 500 at 100 edges too', async () => {
    const page = await workflows(scope, { last: 500 });
    expect(page.edges).toHaveLength(100);
    expect(page.pageInfo.hasPreviousPage).toBe(true);
  });

  it('returns 20 edges when neither first nor last is given', async () => {
    const page = await workflows(scope, {});
    expect(page.edges).toHaveLength(20);
    expect(page.pageInfo.hasNextPage).toBe(true);
    expect(ids(page)).toEqual(ids(await workflows(scope, { first: 100 })).slice(0, 20));
  });
});

describe('workflows: bad page arguments are client errors', () => {
  let scope: RequestScope;
  let nameCursor: string;
  let versionCursor: string;
  beforeAll(async () => {
    scope = await workspace('bad-args');
    const [id] = await createWorkflows(scope, ['e001', 'e002']);
    const byName = await workflows(scope, { first: 1, orderBy: { field: 'NAME', direction: 'ASC' } });
    nameCursor = byName.pageInfo.endCursor as string;
    const versions = await t.ok(WorkflowVersionsDocument, { id: id as string, first: 1, number: 1 }, scope);
    if (versions.workflow.__typename !== 'Workflow') throw new Error('no workflow');
    versionCursor = versions.workflow.versions.pageInfo.endCursor as string;
  });

  function expectBadInput(result: Result<WorkflowsQuery>, argument: string): void {
    expect(result.status, JSON.stringify(result.errors)).toBeLessThan(500);
    expect(result.errors, 'expected a GraphQL error').toHaveLength(1);
    const [error] = result.errors ?? [];
    expect(error?.message).not.toMatch(/unexpected error/i);
    expect(error?.extensions?.code, JSON.stringify(error)).toBe('BAD_USER_INPUT');
    expect(error?.message).toContain(argument);
    expect(result.data?.workflows ?? null).toBeNull();
  }

  const forged = (cursor: object): string => Buffer.from(JSON.stringify(cursor)).toString('base64url');

  it('rejects a garbage after cursor, naming after', async () => {
    expectBadInput(await t.gql(WorkflowsDocument, { first: 5, after: 'not-a-cursor' }, scope), 'after');
  });

  it('rejects a garbage before cursor, naming before', async () => {
    expectBadInput(await t.gql(WorkflowsDocument, { last: 5, before: 'definitely%not%a%cursor' }, scope), 'before');
  });

  it('rejects a cursor from the NAME ordering used with CREATED_AT, naming after', async () => {
    expectBadInput(await t.gql(WorkflowsDocument, { first: 5, after: nameCursor }, scope), 'after');
    // ...while the same cursor works with the ordering it came from.
    const ok = await t.gql(WorkflowsDocument, { first: 5, after: nameCursor, orderBy: { field: 'NAME', direction: 'ASC' } }, scope);
    expect(ok.errors).toBeUndefined();
    expect(ok.data?.workflows.edges.map((edge) => edge.node.name)).toEqual(['e002']);
  });

  it('rejects a cursor from another list (workflow versions)', async () => {
    expectBadInput(await t.gql(WorkflowsDocument, { first: 5, after: versionCursor }, scope), 'after');
  });

  // Cursors are opaque, but clients can decode and alter them; a forged one is still bad input.
  const nameOrder = { field: 'NAME', direction: 'ASC' } as const;
  it.each([
    ['JSON null', { after: Buffer.from('null').toString('base64url') }],
    ['a CREATED_AT cursor whose value is not a date', { after: forged({ f: 'createdAt', v: 'yesterday', id: 'x' }) }],
    ['a NAME cursor whose value is a number', { after: forged({ f: 'name', v: 42, id: 'x' }), orderBy: nameOrder }],
    ['a NAME cursor whose value is an object', { after: forged({ f: 'name', v: { not: 'x' }, id: 'x' }), orderBy: nameOrder }],
    ['a NAME cursor whose value is null', { after: forged({ f: 'name', v: null, id: 'x' }), orderBy: nameOrder }],
  ] as const)('rejects a tampered after cursor: %s', async (_case, variables) => {
    expectBadInput(await t.gql(WorkflowsDocument, { first: 5, ...variables }, scope), 'after');
  });

  it('rejects first and last together, naming them', async () => {
    const result = await t.gql(WorkflowsDocument, { first: 5, last: 5 }, scope);
    expectBadInput(result, 'last');
    expect(result.errors?.[0]?.message).toContain('first');
  });

  it('rejects a negative first or last, naming it', async () => {
    expectBadInput(await t.gql(WorkflowsDocument, { first: -1 }, scope), 'first');
    expectBadInput(await t.gql(WorkflowsDocument, { last: -1 }, scope), 'last');
  });

  it('rejects a garbage cursor on the agents list too', async () => {
    const result = await t.gql(AgentsDocument, { first: 5, after: 'not-a-cursor' }, scope);
    expect(result.status).toBeLessThan(500);
    expect(result.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(result.errors?.[0]?.message).toContain('after');
    expect(result.data?.agents ?? null).toBeNull();
  });
});

describe('workflows: filters combined with pagination', () => {
  let scope: RequestScope;
  let reports: string[];
  beforeAll(async () => {
    scope = await workspace('filters');
    reports = await createWorkflows(scope, numbered('report', 15));
    await createWorkflows(scope, numbered('other', 10));
    // Five reports switched off, one deleted.
    for (const id of reports.slice(0, 5)) {
      const updated = (await t.ok(UpdateWorkflowDocument, { id, input: { status: 'INACTIVE' } }, scope)).updateWorkflow;
      expect(updated.__typename === 'Workflow' && updated.status).toBe('INACTIVE');
    }
    const deleted = (await t.ok(DeleteWorkflowDocument, { id: reports[14] as string }, scope)).deleteWorkflow;
    expect(deleted.__typename === 'Workflow' && deleted.status).toBe('DELETED');
  });

  it('nameContains: every page has the filtered totalCount and only matching rows', async () => {
    const filter = { nameContains: 'report' };
    const list = await expectConsistentWalk(scope, { filter }, 4);
    expect(list.totalCount).toBe(14);
    expect(ids(list).toSorted()).toEqual(reports.slice(0, 14).toSorted());
    // Case-insensitive, as documented.
    expect((await workflows(scope, { first: 1, filter: { nameContains: 'REPORT' } })).totalCount).toBe(14);
  });

  it('status: pages hold only that status, with a matching totalCount', async () => {
    const inactive = await expectConsistentWalk(scope, { filter: { status: 'INACTIVE' } }, 2);
    expect(inactive.totalCount).toBe(5);
    expect(ids(inactive).toSorted()).toEqual(reports.slice(0, 5).toSorted());
    expect(new Set(inactive.edges.map((edge) => edge.node.status))).toEqual(new Set(['INACTIVE']));

    const active = await expectConsistentWalk(scope, { filter: { status: 'ACTIVE' } }, 4);
    expect(active.totalCount).toBe(19);
    expect(new Set(active.edges.map((edge) => edge.node.status))).toEqual(new Set(['ACTIVE']));

    const deleted = await everything(scope, { filter: { status: 'DELETED' } });
    expect(ids(deleted)).toEqual([reports[14]]);
    // The default list leaves the deleted one out.
    expect((await workflows(scope, { first: 1 })).totalCount).toBe(24);
  });

  it('nameContains and status together, in NAME order', async () => {
    const list = await expectConsistentWalk(
      scope,
      { filter: { nameContains: 'report', status: 'ACTIVE' }, orderBy: { field: 'NAME', direction: 'ASC' } },
      3,
    );
    expect(names(list)).toEqual(numbered('report', 9, 5));
    expect(list.totalCount).toBe(9);
  });
});

describe('Workflow.versions', () => {
  it('lists versions newest first and pages through them with first/after', async () => {
    const scope = await workspace('versions');
    const [id] = await createWorkflows(scope, ['versioned']);
    if (!id) throw new Error('no workflow');
    for (const expression of ['$.a', '$.b', '$.c']) {
      const input = { definition: { steps: [{ id: 'only', type: 'transform', expression }] } };
      const updated = (await t.ok(UpdateWorkflowDocument, { id, input }, scope)).updateWorkflow;
      expect(updated.__typename === 'Workflow' && updated.currentVersion).toBeGreaterThan(1);
    }

    const first = await t.ok(WorkflowVersionsDocument, { id, first: 2, number: 4 }, scope);
    if (first.workflow.__typename !== 'Workflow') throw new Error('workflow not found');
    const page1 = first.workflow.versions;
    expect(page1.totalCount).toBe(4);
    expect(page1.edges.map((edge) => edge.node.version)).toEqual([4, 3]);
    expect(page1.pageInfo.hasNextPage).toBe(true);
    const v4 = first.workflow.version;
    expect(v4.__typename === 'WorkflowVersion' && v4.definition).toMatchObject({ steps: [{ id: 'only', expression: '$.c' }] });

    const second = await t.ok(WorkflowVersionsDocument, { id, first: 2, after: page1.pageInfo.endCursor, number: 1 }, scope);
    if (second.workflow.__typename !== 'Workflow') throw new Error('workflow not found');
    const page2 = second.workflow.versions;
    expect(page2.totalCount).toBe(4);
    expect(page2.edges.map((edge) => edge.node.version)).toEqual([2, 1]);
    expect(page2.pageInfo.hasNextPage).toBe(false);
    expect(page2.edges.map((edge) => (edge.node.definition as typeof definition).steps[0]?.expression)).toEqual(['$.a', '$']);
  });
});

describe('agents', () => {
  it('pages through 25 agents with first: 10, each once, in the one-page order', async () => {
    const scope = await workspace('agents');
    const created: string[] = [];
    for (const name of numbered('agent', 25)) {
      const agent = (await t.ok(CreateAgentDocument, { input: { name, url: 'http://127.0.0.1:9/' } }, scope)).createAgent;
      if (agent.__typename !== 'Agent') throw new Error(`agent ${name}: ${JSON.stringify(agent)}`);
      created.push(agent.id);
    }
    const agents = async (variables: AgentsQueryVariables): Promise<AgentPage> => (await t.ok(AgentsDocument, variables, scope)).agents;

    const reference = await agents({ first: 100 });
    expect(reference.totalCount).toBe(25);
    expect(ids(reference).toSorted()).toEqual(created.toSorted());

    const pages: AgentPage[] = [];
    let after: string | null = null;
    for (let guard = 0; guard < 10; guard++) {
      const page = await agents({ first: 10, after });
      pages.push(page);
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(pages.map((page) => page.edges.length)).toEqual([10, 10, 5]);
    expect(pages.map((page) => page.pageInfo.hasPreviousPage)).toEqual([false, true, true]);
    expect(pages.map((page) => page.totalCount)).toEqual([25, 25, 25]);
    const walked = pages.flatMap(ids);
    expectNoDuplicates(walked);
    expect(walked).toEqual(ids(reference));

    // And in NAME DESC order.
    const byName = await agents({ first: 10, orderBy: { field: 'NAME', direction: 'DESC' } });
    expect(byName.edges.map((edge) => edge.node.name)).toEqual(numbered('agent', 25).toReversed().slice(0, 10));
    const next = await agents({ first: 10, after: byName.pageInfo.endCursor, orderBy: { field: 'NAME', direction: 'DESC' } });
    expect(next.edges.map((edge) => edge.node.name)).toEqual(numbered('agent', 25).toReversed().slice(10, 20));
  });
});
