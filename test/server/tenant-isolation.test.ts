// Issue 12: tenant A's objects are invisible and untouchable from tenant B through every
// GraphQL root field, and cross-tenant access is indistinguishable from "not found". The
// requests are generated from the schema (test/support/isolation-graphql.ts): every query and
// mutation, with each of A's objects in each id form its arguments accept, is sent with tenant
// B's token and compared with the same request naming an object that never existed. Without
// credentials every field answers 401. The server runs with NODE_ENV=production.
// Subscriptions: tenant-isolation-streams.test.ts; REST: tenant-isolation-rest.test.ts.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateAgentDocument, CreateWorkflowDocument, CreateWorkspaceDocument, ExecuteWorkflowDocument } from '../gql/graphql.ts';
import { expectMember } from '../support/flows.ts';
import { casesOf, documentOf, type RootField, rootFields } from '../support/isolation-graphql.ts';
import { leaked, normalize, notFoundShape, stringsIn } from '../support/tenant-answers.ts';
import { A_MARK, startTenants, type Tenants, TENANT_A, type World } from '../support/tenants.ts';
import { mintToken } from '../support/auth.ts';

let f: Tenants;
let secrets: string[];
let before: Record<string, unknown[]>;

beforeAll(async () => {
  f = await startTenants();
  secrets = await f.secretsOfA();
  before = await f.snapshotA();
}, 120_000);
afterAll(async () => {
  await f?.t.close();
});

interface Answer {
  status: number;
  body: { data?: Record<string, unknown> | null; errors?: { message: string; extensions?: Record<string, unknown> }[] };
  text: string;
}

/** Sends a document as the given headers say (none: no credentials). */
async function post(query: string, variables: Record<string, unknown>, headers: Record<string, string>): Promise<Answer> {
  const response = await f.t.app.fetch(
    new Request('http://flowdeck.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...headers },
      body: JSON.stringify({ query, variables }),
    }),
  );
  const text = await response.text();
  return { status: response.status, body: JSON.parse(text) as Answer['body'], text };
}

/** Fails on an answer that refused the generated document itself: such a request would test nothing. */
function expectExecuted(answer: Answer, what: string): void {
  const refused = (answer.body.errors ?? []).filter((e) => {
    const code = e.extensions?.code;
    return typeof code === 'string' && /^(GRAPHQL_|MAX_)/.test(code);
  });
  expect(refused, `${what}: the generated document was refused: ${answer.text.slice(0, 2000)}`).toEqual([]);
}

const asB = () => ({ authorization: `Bearer ${f.tokenB}` });
let nonce = 0;

/** One request of the table as tenant B, against A's world or its ghost. */
async function askAsB(root: RootField, variables: (w: World, nonce: string) => Record<string, unknown>, world: World) {
  const vars = variables(world, String(++nonce));
  const query = documentOf(root.kind, root.field, vars);
  return { query, vars, sent: stringsIn(vars), answer: await post(query, vars, asB()) };
}

const fields = rootFields(['query', 'mutation']);

describe("tenant B with tenant A's ids, through every query and mutation", () => {
  it('the table covers every root field of the schema', () => {
    expect(fields.length).toBeGreaterThan(40);
    // Building the cases throws "add … to the isolation table" for anything the table cannot fill.
    for (const root of fields) expect(casesOf(root.field, f.a).length, root.field.name).toBeGreaterThan(0);
  });

  it.each(fields.map((root) => [`${root.kind} ${root.field.name}`, root] as const))(
    "%s: nothing of A comes back, and A's object answers exactly as one that never existed",
    async (_name, root) => {
      for (const testCase of casesOf(root.field, f.a)) {
        const what = `${root.kind} ${root.field.name} (${testCase.label})`;
        const real = await askAsB(root, testCase.variables, f.a);
        expectExecuted(real.answer, what);
        expect(real.answer.status, `${what}: ${real.answer.text}`).toBeLessThan(500);
        expect(leaked(real.answer.text, secrets, real.sent), `${what} leaked A's data: ${real.answer.text}`).toEqual([]);
        if (!testCase.fromA) continue;
        const value = real.answer.body.data?.[root.field.name];
        if (testCase.lookup && !real.answer.body.errors?.length) {
          expect(notFoundShape(value), `${what} answered with data: ${real.answer.text}`).toBeNull();
        }
        const twin = await askAsB(root, testCase.variables, f.ghost);
        expect(
          { status: real.answer.status, body: normalize(real.answer.body, real.sent) },
          `${what}: A's object and a missing one answer differently`,
        ).toEqual({ status: twin.answer.status, body: normalize(twin.answer.body, twin.sent) });
      }
    },
  );

  // The same requests with A's own token must answer differently from their ghost twins: the
  // ids, keys and names of the table are A's real ones, so the comparison above can fail.
  // Mutations that save nothing are checked too; the others would change A's data.
  const readOnly = [
    ...rootFields(['query']),
    ...rootFields(['mutation']).filter((r) => ['parseWorkflow', 'validateWorkflow'].includes(r.field.name)),
  ];
  it.each(readOnly.map((root) => [root.field.name, root] as const))(
    "control: with A's own token, %s tells A's objects from missing ones",
    async (_name, root) => {
      const cases = casesOf(root.field, f.a).filter((c) => c.fromA);
      if (cases.length === 0) return;
      const asA = { authorization: `Bearer ${f.tokenA}` };
      let told = 0;
      for (const testCase of cases) {
        const vars = testCase.variables(f.a, String(++nonce));
        const real = await post(documentOf(root.kind, root.field, vars), vars, asA);
        expectExecuted(real, `${root.field.name} (${testCase.label}) as A`);
        const ghostVars = testCase.variables(f.ghost, String(++nonce));
        const twin = await post(documentOf(root.kind, root.field, ghostVars), ghostVars, asA);
        if (JSON.stringify(normalize(real.body, stringsIn(vars))) !== JSON.stringify(normalize(twin.body, stringsIn(ghostVars)))) told++;
      }
      expect(told, `none of the ${cases.length} requests of ${root.field.name} found anything of A's, even as A`).toBeGreaterThan(0);
    },
  );

  it('B may reuse every name, key and slug A uses: no cross-tenant conflict reveals them', async () => {
    // A third tenant, so B's own lists never hold A's names.
    const token = await mintToken({ sub: 'carol@c.example', customer_id: 'tenant-c', role: 'admin' });
    const asC = { token };
    const agent = await f.t.ok(CreateAgentDocument, { input: { name: f.a.agent.name, url: 'http://127.0.0.1:9/c' } }, asC);
    expect(agent.createAgent.__typename).toBe('Agent');
    const definition = { steps: [{ id: 'only', type: 'transform', expression: '"c"' }] };
    const workflow = await f.t.ok(CreateWorkflowDocument, { input: { name: f.a.workflow.name, key: f.a.workflow.key, definition } }, asC);
    expect(expectMember(workflow.createWorkflow, 'Workflow').key).toBe(f.a.workflow.key);
    const workspace = await f.t.ok(CreateWorkspaceDocument, { input: { name: 'C', slug: f.a.secondWorkspace.slug } }, asC);
    expect(workspace.createWorkspace.__typename).toBe('Workspace');
    // An idempotency key A used starts a new run of C's, not A's run.
    const run = expectMember(
      (await f.t.ok(ExecuteWorkflowDocument, { workflowKey: f.a.workflow.key, idempotencyKey: f.a.idempotencyKey }, asC)).executeWorkflow,
      'Run',
    );
    expect(run.id).not.toBe(f.a.completedRun.global);
    expect(run.workflow.key).toBe(f.a.workflow.key);
    expect(JSON.stringify(run)).not.toContain(f.a.completedRun.db);
  });
});

describe('worker pools (`workers`): infrastructure, not tenant data', () => {
  // `workers` names nothing of a tenant's (no arguments; the table asks it once, "nothing of
  // A", and searches the answer for A's data). Pools are shared by every tenant and carry no
  // tenant's runs or counts, so every tenant's admin reads the same list: A's activity cannot
  // show in it.
  it('reads the same for A and B, and holds nothing of A', async () => {
    const query = `{ workers { __typename ... on QueryWorkersSuccess { data { workerId concurrency startedAt expiresAt alive } } } }`;
    const asA = await post(query, {}, { authorization: `Bearer ${f.tokenA}` });
    const asBAnswer = await post(query, {}, asB());
    const pools = (asA.body.data?.workers as { data?: unknown[] } | undefined)?.data;
    expect(pools?.length, asA.text).toBeGreaterThan(0);
    expect(leaked(asBAnswer.text, secrets, []), asBAnswer.text).toEqual([]);
    expect(normalize(asBAnswer.body, [])).toEqual(normalize(asA.body, []));
  });
});

describe("tenant B naming tenant A's workspace", () => {
  // X-Workspace-Id takes a workspace's global id and its database id.
  const workspaceHeaders = (w: World): Record<string, string>[] => [
    { 'x-workspace-id': w.defaultWorkspace.global },
    { 'x-workspace-id': w.defaultWorkspace.db },
    { 'x-workspace-id': w.secondWorkspace.global },
    { 'x-workspace-id': w.secondWorkspace.db },
    { 'x-workspace-slug': w.secondWorkspace.slug },
  ];

  it.each(fields.map((root) => [`${root.kind} ${root.field.name}`, root] as const))(
    '%s: answers as for a workspace that does not exist',
    async (_name, root) => {
      const [testCase] = casesOf(root.field, f.a);
      if (!testCase) throw new Error(`no case for ${root.field.name}`);
      const real = workspaceHeaders(f.a);
      const ghost = workspaceHeaders(f.ghost);
      for (const [index, headers] of real.entries()) {
        const vars = testCase.variables(f.a, String(++nonce));
        const query = documentOf(root.kind, root.field, vars);
        const answer = await post(query, vars, { ...asB(), ...headers });
        expectExecuted(answer, `${root.field.name} in ${JSON.stringify(headers)}`);
        const sent = [...Object.values(headers), ...stringsIn(vars)];
        expect(answer.status, answer.text).toBe(400);
        expect(answer.body.errors?.[0]?.extensions?.code).toBe('WORKSPACE_NOT_FOUND');
        expect(answer.body.data ?? null).toBeNull();
        expect(leaked(answer.text, secrets, sent), answer.text).toEqual([]);
        const ghostVars = testCase.variables(f.ghost, String(++nonce));
        const twin = await post(documentOf(root.kind, root.field, ghostVars), ghostVars, { ...asB(), ...ghost[index] });
        expect(normalize(answer.body, sent)).toEqual(normalize(twin.body, [...Object.values(ghost[index] ?? {}), ...stringsIn(ghostVars)]));
      }
    },
  );
  it("a token whose `workspaces` claim names A's workspace slug is refused as for a slug nobody has", async () => {
    const ask = async (slug: string) => {
      const token = await mintToken({ sub: 'bob@b.example', customer_id: 'tenant-b', role: 'admin', workspaces: [slug] });
      return post('{ currentWorkspace { id slug name } workspaces { id slug } }', {}, { authorization: `Bearer ${token}` });
    };
    const real = await ask(f.a.secondWorkspace.slug);
    const twin = await ask(f.ghost.secondWorkspace.slug);
    expect(real.status, real.text).toBeGreaterThanOrEqual(400);
    expect(leaked(real.text, secrets, [f.a.secondWorkspace.slug]), real.text).toEqual([]);
    expect(normalize(real.body, [f.a.secondWorkspace.slug])).toEqual(normalize(twin.body, [f.ghost.secondWorkspace.slug]));
  });
});

describe('without credentials', () => {
  it.each(fields.map((root) => [`${root.kind} ${root.field.name}`, root] as const))(
    '%s answers 401 UNAUTHENTICATED',
    async (_name, root) => {
      const [testCase] = casesOf(root.field, f.a);
      if (!testCase) throw new Error(`no case for ${root.field.name}`);
      const vars = testCase.variables(f.a, String(++nonce));
      const query = documentOf(root.kind, root.field, vars);
      const refused: Record<string, string>[] = [{}, { authorization: 'Bearer not-a-token' }, { 'x-api-key': 'fdk_not-a-key' }];
      for (const headers of refused) {
        const answer = await post(query, vars, headers);
        expectExecuted(answer, root.field.name);
        expect(answer.status, `${JSON.stringify(headers)}: ${answer.text}`).toBe(401);
        expect(answer.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
        expect(answer.body.data ?? null).toBeNull();
        expect(leaked(answer.text, secrets, stringsIn(vars)), answer.text).toEqual([]);
      }
    },
  );
});

describe("afterwards, A's data", () => {
  it('is exactly as it was: every row of every tenant table', async () => {
    expect(await f.snapshotA()).toEqual(before);
  });

  it("still reads the same through A's own token (the fixture was not vacuous)", async () => {
    const answer = await post(
      `{ agents { edges { node { name } } } workflows(first: 100) { totalCount } }`,
      {},
      {
        authorization: `Bearer ${f.tokenA}`,
      },
    );
    expect(answer.text).toContain(`${A_MARK}-agent`);
    expect((answer.body.data?.workflows as { totalCount: number }).totalCount).toBe(4);
    expect(before.Run?.length).toBeGreaterThan(0);
    expect(secrets).toContain(TENANT_A);
  });
});
