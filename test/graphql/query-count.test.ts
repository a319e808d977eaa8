import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ConsoleRunsDocument,
  type ConsoleRunsQuery,
  CreateAgentDocument,
  CreateWorkflowDocument,
  CreateWorkspaceDocument,
  ExecuteWorkflowDocument,
  RunsDocument,
  WorkflowRunsDocument,
  UpdateWorkflowDocument,
  WorkflowsDocument,
  WorkflowsWithLatestVersionDocument,
  type WorkflowsWithLatestVersionQuery,
  WorkflowVersionsDocument,
} from '../gql/graphql.ts';
import { startTestApp, type TestApp } from '../support/app.ts';

// Every SQL statement Prisma sends, since the last reset.
let statements: string[] = [];
let t: TestApp;
beforeAll(async () => {
  // No workers or scheduler: their background polling would be counted too.
  t = await startTestApp({ onQuery: (sql) => statements.push(sql) }, { WORKER_CONCURRENCY: '0' });
});
afterAll(async () => {
  await t?.close();
});

const definitionWith = (expression: string) => ({ steps: [{ id: 'only', type: 'transform', expression }] });
const definition = definitionWith('$');

/** Runs `request` and returns the SQL statements it sent. */
async function sqlOf(request: () => Promise<unknown>): Promise<string[]> {
  statements = [];
  await request();
  const sent = statements;
  statements = [];
  return sent;
}

const explain = (label: string, sql: string[]): string => `${label}: ${sql.length} statements\n  ${sql.join('\n  ')}`;

describe('no N+1 queries', () => {
  const created: string[] = [];
  beforeAll(async () => {
    for (let i = 0; i < 50; i++) {
      const result = (await t.ok(CreateWorkflowDocument, { input: { name: `counted-${String(i).padStart(2, '0')}`, definition } }))
        .createWorkflow;
      if (result.__typename !== 'Workflow') throw new Error(`could not create workflow ${i}: ${JSON.stringify(result)}`);
      created.push(result.id);
    }
  });

  it('workflows { latestVersion } costs the same number of statements for 5 rows and for 50', async () => {
    let small: WorkflowsWithLatestVersionQuery | undefined;
    let large: WorkflowsWithLatestVersionQuery | undefined;
    const few = await sqlOf(async () => {
      small = await t.ok(WorkflowsWithLatestVersionDocument, { first: 5 });
    });
    const many = await sqlOf(async () => {
      large = await t.ok(WorkflowsWithLatestVersionDocument, { first: 50 });
    });
    const message = `first:5 → ${few.length} statements, first:50 → ${many.length}\n${explain('first:5', few)}\n${explain('first:50', many)}`;
    console.info(`WorkflowsWithLatestVersion: first:5 → ${few.length} SQL statements, first:50 → ${many.length}`);

    expect(small?.workflows.edges).toHaveLength(5);
    expect(many.length, message).toBe(few.length);
    expect(many.length, message).toBeLessThanOrEqual(5);

    // The 50-row answer is real: every workflow, each with its version 1 and definition.
    const edges = large?.workflows.edges ?? [];
    expect(edges).toHaveLength(50);
    expect(edges.map((edge) => edge.node.id).toSorted()).toEqual(created.toSorted());
    for (const { node } of edges) {
      expect(node.latestVersion?.version, node.id).toBe(1);
      expect(node.latestVersion?.definition, node.id).toMatchObject({ steps: [{ id: 'only', type: 'transform', expression: '$' }] });
    }
  });

  it('workflows with every field and totalCount costs the same for 5 rows and for 50', async () => {
    let rows = 0;
    const few = await sqlOf(() => t.ok(WorkflowsDocument, { first: 5 }));
    const many = await sqlOf(async () => {
      rows = (await t.ok(WorkflowsDocument, { first: 50 })).workflows.edges.length;
    });
    const message = `first:5 → ${few.length} statements, first:50 → ${many.length}\n${explain('first:5', few)}\n${explain('first:50', many)}`;
    console.info(`Workflows (with totalCount): first:5 → ${few.length} SQL statements, first:50 → ${many.length}`);
    expect(rows).toBe(50);
    expect(many.length, message).toBe(few.length);
    expect(many.length, message).toBeLessThanOrEqual(5);
  });

  it('Workflow.versions costs the same for 1 version and for 4', async () => {
    const [single, multi] = created;
    if (!single || !multi) throw new Error('setup failed');
    for (const expression of ['$.a', '$.b', '$.c']) {
      const updated = (await t.ok(UpdateWorkflowDocument, { id: multi, input: { definition: definitionWith(expression) } })).updateWorkflow;
      if (updated.__typename !== 'Workflow') throw new Error(`update failed: ${JSON.stringify(updated)}`);
    }

    let versionsOfMulti: number[] = [];
    const one = await sqlOf(() => t.ok(WorkflowVersionsDocument, { id: single, first: 100, number: 1 }));
    const four = await sqlOf(async () => {
      const data = await t.ok(WorkflowVersionsDocument, { id: multi, first: 100, number: 1 });
      if (data.workflow.__typename !== 'Workflow') throw new Error('workflow not found');
      versionsOfMulti = data.workflow.versions.edges.map((edge) => edge.node.version);
    });
    const message = `1 version → ${one.length} statements, 4 versions → ${four.length}\n${explain('1 version', one)}\n${explain('4 versions', four)}`;
    console.info(`WorkflowVersions: 1 version → ${one.length} SQL statements, 4 versions → ${four.length}`);
    expect(versionsOfMulti).toEqual([4, 3, 2, 1]);
    expect(four.length, message).toBe(one.length);
    expect(four.length, message).toBeLessThanOrEqual(6);
  });

  it('a run console page (stepCounts, statusCounts, logs, steps with agent and dependsOn) costs the same for 5 runs and for 50', async () => {
    const agent = (await t.ok(CreateAgentDocument, { input: { name: 'console-counted', url: 'http://127.0.0.1:9' } })).createAgent;
    if (agent.__typename !== 'Agent') throw new Error(`could not create the agent: ${JSON.stringify(agent)}`);
    const steps = [
      { id: 'call', type: 'agent', agent: 'console-counted' },
      { id: 'shape', type: 'transform', expression: '$', dependsOn: ['call'] },
    ];
    const workflow = (await t.ok(CreateWorkflowDocument, { input: { name: 'console-counted', definition: { steps } } })).createWorkflow;
    if (workflow.__typename !== 'Workflow') throw new Error(`could not create the workflow: ${JSON.stringify(workflow)}`);
    for (let i = 0; i < 50; i++) await t.ok(ExecuteWorkflowDocument, { workflowId: workflow.id });

    let rows: ConsoleRunsQuery['runs']['edges'] = [];
    const filter = { workflowId: workflow.id };
    const few = await sqlOf(() => t.ok(ConsoleRunsDocument, { filter, first: 5, logs: 5 }));
    const many = await sqlOf(async () => {
      rows = (await t.ok(ConsoleRunsDocument, { filter, first: 50, logs: 5 })).runs.edges;
    });
    const message = `first:5 → ${few.length} statements, first:50 → ${many.length}\n${explain('first:5', few)}\n${explain('first:50', many)}`;
    console.info(`ConsoleRuns: first:5 → ${few.length} SQL statements, first:50 → ${many.length}`);
    expect(many.length, message).toBe(few.length);
    expect(many.length, message).toBeLessThanOrEqual(12);

    // The 50-run answer is real: every run with its counts, log line, steps, agent and dependencies.
    expect(rows).toHaveLength(50);
    for (const { node } of rows) {
      expect(node.stepCounts).toMatchObject({ pending: 2, total: 2 });
      expect(node.logs.edges.map((e) => e.node.message)).toEqual(['Run created from version 1']);
      expect(node.steps.map((s) => [s.stepId, s.agent?.id ?? null, s.dependsOn])).toEqual([
        ['call', agent.id, []],
        ['shape', null, ['call']],
      ]);
    }
  });
});

describe('per-request work', () => {
  it('a list costs its own statements only: the workspace is not looked up again on every request', async () => {
    await t.ok(WorkflowsDocument, { first: 5 });
    const again = await sqlOf(() => t.ok(WorkflowsDocument, { first: 5 }));
    expect(
      again.filter((sql) => /FROM (?:[`"]?\w+[`"]?\.)?[`"]?Workspace[`"]? /.test(sql)),
      explain('second request', again),
    ).toEqual([]);
    expect(again.length, explain('second request', again)).toBeGreaterThan(0);
  });

  it('a workspace created a moment ago is found at once (a miss is never remembered)', async () => {
    const before = await t.gql(WorkflowsDocument, { first: 1 }, { workspaceSlug: 'made-later' });
    expect(before.status).toBe(400);
    expect(before.errors?.[0]?.extensions?.code).toBe('WORKSPACE_NOT_FOUND');
    const created = (await t.ok(CreateWorkspaceDocument, { input: { name: 'Made later', slug: 'made-later' } })).createWorkspace;
    expect(created.__typename).toBe('Workspace');
    const after = await t.ok(WorkflowsDocument, { first: 1 }, { workspaceSlug: 'made-later' });
    expect(after.workflows.edges).toEqual([]);
  });
});

describe('list columns', () => {
  it('a page of runs whose nodes ask only for columns reads only those columns; one that asks for a relation still gets it', async () => {
    const workflow = (await t.ok(CreateWorkflowDocument, { input: { name: 'columns', definition } })).createWorkflow;
    if (workflow.__typename !== 'Workflow') throw new Error('setup failed');
    await t.ok(ExecuteWorkflowDocument, { workflowId: workflow.id, input: { big: 'x'.repeat(1000) } });

    let statuses: string[] = [];
    const narrow = await sqlOf(async () => {
      const data = await t.ok(WorkflowRunsDocument, { id: workflow.id, first: 10 });
      if (data.workflow.__typename !== 'Workflow') throw new Error('workflow not found');
      statuses = data.workflow.runs.edges.map((edge) => edge.node.status);
    });
    expect(statuses).toHaveLength(1);
    const page = narrow.filter((sql) => /FROM (?:[`"]?\w+[`"]?\.)?[`"]?Run[`"]? .*ORDER BY/s.test(sql));
    expect(page, explain('WorkflowRuns', narrow)).toHaveLength(1);
    expect(page[0]).toMatch(/status/);
    for (const column of ['inputs', 'outputs', 'error', 'leaseToken'])
      expect(page[0], column).not.toMatch(new RegExp(`[\`"]${column}[\`"]`));

    const wide = await t.ok(RunsDocument, { first: 10, filter: { workflowId: workflow.id } });
    expect(wide.runs.edges.map((edge) => edge.node.workflow.id)).toEqual([workflow.id]);
  });
});
