// A workspace with enough of every listed thing that the query planners choose what they choose
// for a real table (the plan tests): made through the API, then copied straight in the database.
import { CreateAgentDocument, CreateScheduleDocument, UpdateWorkflowDocument } from '../gql/graphql.ts';
import type { TestApp } from './app.ts';
import { dbId, expectMember, flows } from './flows.ts';
import { analyze, both, cloneRows, earlier, execute } from './query-plans.ts';

/** What the lists hold, by the ids the API gave (global ids unless named otherwise). */
export interface ListVolume {
  workflowA: string;
  workflowB: string;
  /** Key of workflow A. */
  keyA: string;
  /** Database id of workflow A's current version. */
  versionA: string;
  /** A run of workflow A, with many events. */
  runA: string;
}

/** Runs copied from the API's two runs (half each). */
export const RUNS = 40_000;
/** Workflows, agents, schedules, versions of workflow A and events of run A, copied likewise. */
export const OTHERS = 400;

/** A GraphQL request through the app, failing unless it answers with data and no errors. */
export async function graphqlData<T>(t: TestApp, query: string, variables: Record<string, unknown>): Promise<T> {
  const response = await t.app.fetch(
    new Request('http://flowdeck.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query, variables }),
    }),
  );
  const body = (await response.json()) as { data?: T; errors?: unknown[] };
  if (body.errors?.length || !body.data) throw new Error(`GraphQL errors: ${JSON.stringify(body)}`);
  return body.data;
}

/**
 * Two workflows (A with four versions), a run of each, an agent and a schedule through the API;
 * then copies: runs in every status, trigger and conversation, a second apart, with updatedAt in
 * another order than createdAt; workflows (each with a current version), agents, schedules,
 * versions of A and events of A's run. Statistics are refreshed on PostgreSQL.
 */
export async function seedListVolume(t: TestApp): Promise<ListVolume> {
  const f = flows(t);
  const definition = (expression: string) => ({ steps: [{ id: 'only', type: 'transform', expression }] });
  const a = await f.workflow('alpha', definition('$'));
  const b = await f.workflow('beta', definition('$'));
  for (let v = 0; v < 3; v++) {
    expectMember(
      (await t.ok(UpdateWorkflowDocument, { id: a.id, input: { definition: definition(`$ + ${v}`) } })).updateWorkflow,
      'Workflow',
    );
  }
  const runA = await f.execute(a.id, {});
  const runB = await f.execute(b.id, {});
  const agent = expectMember(
    (await t.ok(CreateAgentDocument, { input: { name: 'agent', url: 'http://127.0.0.1:9/' } })).createAgent,
    'Agent',
  );
  const schedule = expectMember(
    (await t.ok(CreateScheduleDocument, { workflowId: a.id, input: { cronExpression: '0 * * * *', inputs: {} } })).createSchedule,
    'Schedule',
  );
  const { workflow } = await graphqlData<{ workflow: { latestVersion: { id: string }; versions: { edges: { node: { id: string } }[] } } }>(
    t,
    'query($id: ID!) { workflow(id: $id) { ... on Workflow { latestVersion { id } versions(last: 1) { edges { node { id } } } } } }',
    { id: a.id },
  );
  const { run } = await graphqlData<{ run: { events: { edges: { node: { id: string } }[] } } }>(
    t,
    'query($id: ID!) { run(id: $id) { ... on Run { events(first: 1) { edges { node { id } } } } } }',
    { id: runA.id },
  );

  const url = t.databaseUrl;
  const statuses = `CASE n.i % 5 WHEN 0 THEN 'PENDING' WHEN 1 THEN 'RUNNING' WHEN 2 THEN 'COMPLETED' WHEN 3 THEN 'FAILED' ELSE 'CANCELLED' END`;
  for (const template of [runA, runB]) {
    await cloneRows(url, 'Run', dbId(template.id), RUNS / 2, {
      status: both(statuses),
      triggeredBy: both(`CASE n.i % 3 WHEN 0 THEN 'API' WHEN 1 THEN 'SCHEDULE' ELSE 'RETRY' END`),
      conversationId: both(`'conversation-' || (n.i % 10)`),
      createdAt: earlier('createdAt', '2 * n.i'),
      updatedAt: earlier('updatedAt', '(n.i * 7919) % 5000'),
      completedAt: both(`CASE WHEN n.i % 5 >= 2 THEN t."createdAt" END`),
      // Nullable sort columns with a null part at either end of their orders (STARTED_AT, DURATION).
      startedAt: {
        sqlite: `CASE WHEN n.i % 5 >= 1 THEN ${earlier('createdAt', 'n.i % 7').sqlite} END`,
        postgres: `CASE WHEN n.i % 5 >= 1 THEN ${earlier('createdAt', 'n.i % 7').postgres} END`,
      },
      durationMs: both(`CASE WHEN n.i % 5 >= 2 THEN (n.i * 7919) % 100000 END`),
    });
  }
  // Search words: one every run has, one a run in 16 has.
  await execute(
    url,
    `INSERT INTO "RunSearchTerm" ("workspaceId", "term", "createdAt", "runId")
     SELECT "workspaceId", 'common', "createdAt", "id" FROM "Run"`,
  );
  await execute(
    url,
    `INSERT INTO "RunSearchTerm" ("workspaceId", "term", "createdAt", "runId")
     SELECT "workspaceId", 'rare', "createdAt", "id" FROM "Run" WHERE substr("id", 1, 1) = 'a'`,
  );
  const copies = { createdAt: earlier('createdAt', 'n.i'), updatedAt: earlier('updatedAt', '(n.i * 7919) % 1000') };
  await cloneRows(url, 'Workflow', dbId(b.id), OTHERS, {
    ...copies,
    key: both(`t."key" || '-' || n.i`),
    name: both(`t."name" || '-' || n.i`),
    currentVersionId: both('NULL'),
    status: both(`CASE n.i % 4 WHEN 0 THEN 'INACTIVE' ELSE 'ACTIVE' END`),
    projectId: both(`CASE n.i % 2 WHEN 0 THEN 'project-1' END`),
  });
  // Every workflow has a current version (the REST lists show it).
  await execute(
    url,
    `INSERT INTO "WorkflowVersion" ("id", "tenantId", "workspaceId", "workflowId", "version", "definition", "sourceFormat", "createdAt")
     SELECT 'v-' || w."id", w."tenantId", w."workspaceId", w."id", 1, v."definition", v."sourceFormat", w."createdAt"
     FROM "Workflow" w, "WorkflowVersion" v WHERE w."currentVersionId" IS NULL AND v."id" = ?`,
    [dbId(workflow.latestVersion.id)],
  );
  await execute(url, `UPDATE "Workflow" SET "currentVersionId" = 'v-' || "id" WHERE "currentVersionId" IS NULL`);
  await cloneRows(url, 'Agent', dbId(agent.id), OTHERS, { ...copies, name: both(`t."name" || '-' || n.i`) });
  await cloneRows(url, 'Schedule', dbId(schedule.id), OTHERS, { ...copies });
  await cloneRows(url, 'WorkflowVersion', dbId(workflow.versions.edges[0]!.node.id), OTHERS, {
    version: both('100 + n.i'),
    createdAt: earlier('createdAt', 'n.i'),
  });
  await cloneRows(url, 'RunEvent', dbId(run.events.edges[0]!.node.id), OTHERS, { seq: both('100 + n.i') });
  await analyze(url);
  return { workflowA: a.id, workflowB: b.id, keyA: a.key, versionA: dbId(workflow.latestVersion.id), runA: runA.id };
}
