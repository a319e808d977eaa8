// Issue 12, REST: every route of the OpenAPI document that takes an id is called by tenant B
// with each of tenant A's objects in each id form the dialects accept (alone, and paired with
// B's own objects), and must answer exactly as for an object that never existed (404); list
// routes filtered by A's ids or names show nothing of A's; without credentials every route but
// health and docs answers 401; naming A's workspace answers as for one that does not exist.
// The routes come from the app's own /openapi.json, so a new route is covered (or, if its id
// parameter is not in the table below, fails loudly).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { restOpenApi } from '../../src/rest/app.ts';
import { mintToken } from '../support/auth.ts';
import { leaked, normalize } from '../support/tenant-answers.ts';
import { type OwnB, startTenants, type Tenants, type World } from '../support/tenants.ts';

let f: Tenants;
let secrets: string[];
let before: Record<string, unknown[]>;

interface Route {
  method: string;
  /** The path template, e.g. `/api/v1/runs/{run_id}`. */
  template: string;
  pathParams: string[];
  queryParams: string[];
}

type OpenApi = { paths: Record<string, Record<string, { parameters?: { in: string; name: string }[] }>> };

/** Every operation of an OpenAPI document. */
function routesOf(doc: OpenApi): Route[] {
  return Object.entries(doc.paths).flatMap(([template, methods]) =>
    Object.entries(methods)
      .filter(([method]) => ['get', 'post', 'put', 'patch', 'delete'].includes(method))
      .map(([method, operation]) => ({
        method: method.toUpperCase(),
        template,
        pathParams: [...template.matchAll(/\{(\w+)\}/g)].map((m) => m[1] as string),
        queryParams: (operation.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name),
      })),
  );
}

// The document the app serves (checked below), built without a server so each route is a test of its own.
const routes = routesOf(restOpenApi() as unknown as OpenApi);
const named = (list: Route[]) => list.map((route) => [`${route.method} ${route.template}`, route] as const);

beforeAll(async () => {
  f = await startTenants();
  secrets = await f.secretsOfA();
  before = await f.snapshotA();
}, 120_000);
afterAll(async () => {
  await f?.t.close();
});

/** What each kind of id parameter names. */
type Kind = 'run' | 'workflow' | 'agent' | 'schedule';

/** Path parameters by name… */
const PATH_PARAMS: Record<string, Kind> = {
  run_id: 'run',
  execution_id: 'run',
  runId: 'run',
  agent_id: 'agent',
  workflow_id: 'workflow',
  scheduleId: 'schedule',
};
/** …and the bare `{id}`s, by the route they are in (seed 001's /workflows/{id} is an instance: a run). */
const ID_BY_ROUTE: [RegExp, Kind][] = [
  [/^\/api\/v2\/workflows\/\{id\}/, 'workflow'],
  [/^\/workflows\/\{id\}/, 'run'],
];

function kindOf(template: string, param: string): Kind {
  const kind = PATH_PARAMS[param] ?? (param === 'id' ? ID_BY_ROUTE.find(([route]) => route.test(template))?.[1] : undefined);
  if (!kind) throw new Error(`add the path parameter {${param}} of ${template} to the REST isolation table`);
  return kind;
}

/** Every way the dialects may be asked for A's objects: database ids of each object, keys, names, global ids. */
const FORMS: Record<Kind, (w: World) => string[]> = {
  run: (w) => [w.waitingRun.db, w.completedRun.db, w.failedRun.db, w.cancelledRun.db, w.waitingRun.global],
  workflow: (w) => [
    w.workflow.db,
    w.transformWorkflow.db,
    w.agentWorkflow.db,
    w.templateWorkflow.db,
    w.secondWorkspaceWorkflow.db,
    ...w.workflow.versions.map((v) => v.db),
    w.workflow.key,
    w.workflow.global,
  ],
  agent: (w) => [w.agent.db, w.agent.name, w.agent.global],
  schedule: (w) => [w.schedule.db, w.schedule.global],
};
/** B's own object of each kind, to pair with one of A's in routes with two ids. */
const OWN: Record<Kind, (b: OwnB) => string> = {
  run: (b) => b.run.db,
  workflow: (b) => b.workflow.db,
  agent: (b) => b.agent.db,
  schedule: (b) => b.schedule.db,
};

/** Query parameters that name something: set to A's value, a list must come back as for a ghost's. */
const QUERY_LOOKUPS: Record<string, (w: World, template: string) => string> = {
  workflow_key: (w) => w.workflow.key,
  workflow_id: (w) => w.workflow.db,
  workflow_definition_id: (w) => w.workflow.versions[0]?.db ?? '',
  conversation_id: (w) => w.conversationId,
  name: (w, template) => (template.includes('agents') ? w.agent.name : w.workflow.name),
  workspace_id: (w) => w.secondWorkspace.db,
  workspace_slug: (w) => w.secondWorkspace.slug,
};
/** Query parameters that look like ids but name nothing of a tenant's. */
const NOT_LOOKUPS = new Set(['last_event_id', 'project_id']);

/** Minimal valid bodies, by `METHOD template`; A's agent appears where validation looks agents up. Others send `{}`. */
const BODIES: Record<string, (w: World, nonce: string) => unknown> = {
  'POST /api/v1/workflows/runs/{run_id}/cancel': () => ({ reason: 'tenant B' }),
  'PUT /api/v1/agents/{agent_id}': () => ({ description: 'changed by tenant B', status: 'inactive' }),
  'PUT /api/v1/workflows/{workflow_id}': () => ({ description: 'changed by tenant B' }),
  'POST /api/v1/workflows/{workflow_id}/execute': () => ({ input_data: { from: 'tenant B' } }),
  'POST /api/v1/runs/{run_id}/cancel': () => ({ reason: 'tenant B' }),
  'PATCH /api/v2/workflows/{id}': () => ({ description: 'changed by tenant B' }),
  'POST /api/v2/workflows/{id}/execute': () => ({ inputs: { from: 'tenant B' } }),
  'POST /api/v2/workflows/{id}/schedules': () => ({ cron_expression: '* * * * *' }),
  'PATCH /api/v2/workflows/{id}/schedules/{scheduleId}': () => ({ enabled: true, cron_expression: '* * * * *' }),
  'POST /api/workflows/{workflow_id}/execute': () => ({ input_variables: { from: 'tenant B' } }),
  'PATCH /api/workflows/{workflow_id}': () => ({ description: 'changed by tenant B', is_active: false }),
  // Creations and validations: B's own names; a step calling A's agent must be refused as an unknown agent.
  'POST /api/v1/agents': (_w, nonce) => ({ name: `zq-beta-agent-${nonce}`, url: 'http://127.0.0.1:9/b' }),
  'POST /api/v1/workflows': (w, nonce) => ({ name: `zq-beta-v1-${nonce}`, start_step: 's', steps: { s: { agent_name: w.agent.name } } }),
  'POST /api/v2/workflows': (w, nonce) => ({
    name: `zq-beta-v2-${nonce}`,
    definition: { nodes: [{ id: 'a', type: 'agent', action: w.agent.name }] },
  }),
  'POST /api/v2/workflows/parse': (w) => ({ instruction: `Every Monday at 9am ask ${w.agent.name} for the sales report` }),
  'POST /api/workflows/': (w, nonce) => ({
    name: `zq-beta-legacy-${nonce}`,
    steps: [{ name: 'call', step_type: 'agent', config: { agent_name: w.agent.name } }],
  }),
  'POST /api/workflows/validate': (w, nonce) => ({
    name: `zq-beta-legacy-${nonce}`,
    steps: [{ name: 'call', step_type: 'agent', config: { agent_name: w.agent.name } }],
  }),
  'POST /workflows': (w, nonce) => ({ name: `zq-beta-engine-${nonce}`, steps: [{ id: 'call', type: 'agent', agent: w.agent.name }] }),
};

/** Open to anyone: probes, seed 003's health check and the documentation. */
const PUBLIC = new Set(['/health', '/healthz', '/health/ready', '/api/v2/workflows/health', '/openapi.json', '/docs', '/redoc']);

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface Answer {
  status: number;
  text: string;
  body: unknown;
}

/** Calls the REST layer in-process. An event stream is read for a moment, then dropped. */
async function send(method: string, path: string, headers: Record<string, string>, body?: unknown): Promise<Answer> {
  const withBody = body !== undefined;
  const response = await f.t.app.fetch(
    new Request(`http://flowdeck.test${path}`, {
      method,
      headers: { ...(withBody ? { 'content-type': 'application/json' } : {}), ...headers },
      body: withBody ? JSON.stringify(body) : undefined,
    }),
  );
  let text: string;
  if (response.headers.get('content-type')?.startsWith('text/event-stream')) {
    const reader = response.body?.getReader();
    const chunk = reader ? await Promise.race([reader.read(), new Promise<null>((resolve) => setTimeout(() => resolve(null), 500))]) : null;
    await reader?.cancel();
    text = `[event stream] ${chunk && 'value' in chunk && chunk.value ? new TextDecoder().decode(chunk.value) : ''}`;
  } else {
    text = await response.text();
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = text;
  }
  return { status: response.status, text, body: parsed };
}

const asB = () => ({ authorization: `Bearer ${f.tokenB}` });
let nonce = 0;

/** The path with its parameters filled. */
function fill(template: string, values: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(values[name] ?? ''));
}

/** One call of a route: path values and query from a world (A's or its ghost). */
interface RestCase {
  label: string;
  path(w: World): Record<string, string>;
  query(w: World): Record<string, string>;
  /** The values that name A's objects, for "not found" and for echo-tolerant leak checks. */
  sent(w: World): string[];
  /** Whether the answer must be 404: a lookup by A's database id. */
  mustBe404(w: World): boolean;
}

/** For a route with id parameters: each of A's forms in each parameter, the others B's own (and once all A's). */
function pathCases(route: Route): RestCase[] {
  const kinds = route.pathParams.map((param) => kindOf(route.template, param));
  const cases: RestCase[] = [];
  const values = (w: World, chosen: number, index: number) =>
    Object.fromEntries(
      route.pathParams.map((param, i) => [
        param,
        i === chosen ? (FORMS[kinds[i] as Kind](w)[index] as string) : OWN[kinds[i] as Kind](f.b),
      ]),
    );
  route.pathParams.forEach((param, chosen) => {
    const count = FORMS[kinds[chosen] as Kind](f.a).length;
    for (let index = 0; index < count; index++) {
      cases.push({
        label: `{${param}} = A's ${kinds[chosen]} #${index}${route.pathParams.length > 1 ? ", the rest B's own" : ''}`,
        path: (w) => values(w, chosen, index),
        query: () => ({}),
        sent: (w) => [FORMS[kinds[chosen] as Kind](w)[index] as string],
        mustBe404: (w) => UUID.test(FORMS[kinds[chosen] as Kind](w)[index] as string),
      });
    }
  });
  if (route.pathParams.length > 1) {
    const allOfA = (w: World) => Object.fromEntries(route.pathParams.map((param, i) => [param, FORMS[kinds[i] as Kind](w)[0] as string]));
    cases.push({ label: "every id A's", path: allOfA, query: () => ({}), sent: (w) => Object.values(allOfA(w)), mustBe404: () => true });
  }
  return cases;
}

/** For a route without id parameters: its query lookups set to A's values, one at a time. */
function queryCases(route: Route): RestCase[] {
  return route.queryParams.flatMap((param) => {
    const lookup = QUERY_LOOKUPS[param];
    if (!lookup) {
      if (/(_id|Id|_key|_slug)$/.test(param) && !NOT_LOOKUPS.has(param)) {
        throw new Error(`add the query parameter ${param} of ${route.method} ${route.template} to the REST isolation table`);
      }
      return [];
    }
    return [
      {
        label: `?${param}= A's`,
        path: () => ({}),
        query: (w: World) => ({ [param]: lookup(w, route.template) }),
        sent: (w: World) => [lookup(w, route.template)],
        mustBe404: () => false,
      },
    ];
  });
}

function urlOf(route: Route, testCase: RestCase, w: World): string {
  const query = new URLSearchParams(testCase.query(w)).toString();
  return `${fill(route.template, testCase.path(w))}${query ? `?${query}` : ''}`;
}

function bodyOf(route: Route, w: World, n: string): unknown {
  const make = BODIES[`${route.method} ${route.template}`];
  if (make) return make(w, n);
  return ['POST', 'PUT', 'PATCH'].includes(route.method) ? {} : undefined;
}

/** Asks as B with A's values, then with the ghost's, and compares. */
async function compare(route: Route, testCase: RestCase, headers: Record<string, string> = asB()) {
  const what = `${route.method} ${route.template} (${testCase.label})`;
  const n = String(++nonce);
  const body = bodyOf(route, f.a, n);
  const real = await send(route.method, urlOf(route, testCase, f.a), headers, body);
  const sent = [...testCase.sent(f.a), ...stringsOf(body)];
  expect(leaked(real.text, secrets, sent), `${what} leaked A's data: ${real.text.slice(0, 2000)}`).toEqual([]);
  expect(real.status, `${what}: ${real.text.slice(0, 1000)}`).toBeLessThan(500);
  if (testCase.mustBe404(f.a)) expect(real.status, `${what}: ${real.text.slice(0, 1000)}`).toBe(404);
  else expect([400, 404, 422, 200, 201], `${what}: ${real.text.slice(0, 1000)}`).toContain(real.status);
  const ghostBody = bodyOf(route, f.ghost, n);
  const twin = await send(route.method, urlOf(route, testCase, f.ghost), headers, ghostBody);
  expect({ status: real.status, body: normalize(real.body, sent) }, `${what}: A's object and a missing one answer differently`).toEqual({
    status: twin.status,
    body: normalize(twin.body, [...testCase.sent(f.ghost), ...stringsOf(ghostBody)]),
  });
}

function stringsOf(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(stringsOf);
  if (value && typeof value === 'object') return Object.values(value).flatMap(stringsOf);
  return [];
}

describe("tenant B with tenant A's ids, through every REST route", () => {
  it('the table covers every route of the /openapi.json the app serves', async () => {
    const served = (await (await f.t.app.fetch(new Request('http://flowdeck.test/openapi.json'))).json()) as OpenApi;
    expect(routesOf(served)).toEqual(routes);
    expect(routes.length).toBeGreaterThan(50);
    // Building the cases throws "add … to the REST isolation table" for a parameter the table cannot fill.
    for (const route of routes) expect([...pathCases(route), ...queryCases(route)]).toBeDefined();
    expect(routes.filter((r) => r.pathParams.length > 0).length).toBeGreaterThan(35);
  });

  it.each(named(routes.filter((r) => r.pathParams.length > 0)))(
    "%s answers 404 for each of A's objects, exactly as for one that never existed",
    async (_name, route) => {
      for (const testCase of pathCases(route)) await compare(route, testCase);
    },
  );

  it.each(named(routes.filter((r) => r.pathParams.length === 0 && !PUBLIC.has(r.template))))(
    "%s shows B nothing of A's, also when filtered by A's ids, keys and names",
    async (_name, route) => {
      const n = String(++nonce);
      const body = bodyOf(route, f.a, n);
      const answer = await send(route.method, route.template, asB(), body);
      const what = `${route.method} ${route.template}`;
      expect(answer.status, `${what}: ${answer.text.slice(0, 1000)}`).toBeLessThan(500);
      expect(leaked(answer.text, secrets, stringsOf(body)), `${what} leaked A's data: ${answer.text.slice(0, 2000)}`).toEqual([]);
      // A body naming A's agent: refused as for an agent that never existed.
      if (body !== undefined && JSON.stringify(body).includes(f.a.agent.name)) {
        const ghostBody = bodyOf(route, f.ghost, n);
        const twin = await send(route.method, route.template, asB(), ghostBody);
        expect(
          { status: answer.status, body: normalize(answer.body, stringsOf(body)) },
          `${what}: A's agent and a missing one answer differently`,
        ).toEqual({ status: twin.status, body: normalize(twin.body, stringsOf(ghostBody)) });
      }
      for (const testCase of queryCases(route)) await compare(route, testCase);
    },
  );

  it("B may reuse the names A uses: a workflow of the same name is B's own, A's gets no new version", async () => {
    // A third tenant, so B's own lists never hold A's names.
    const headers = { authorization: `Bearer ${await mintToken({ sub: 'carol@c.example', customer_id: 'tenant-c', role: 'admin' })}` };
    const engine = await send('POST', '/workflows', headers, {
      name: f.a.workflow.name,
      steps: [{ id: 'only', type: 'transform', expression: '"c"' }],
    });
    expect(engine.status, engine.text).toBe(200);
    const v2 = await send('POST', '/api/v2/workflows', headers, {
      name: f.a.transformWorkflow.name,
      definition: { nodes: [{ id: 'approve', type: 'approval', action: 'manager_approval', config: { signal: 'approved' } }] },
    });
    expect(v2.status, v2.text).toBe(201);
    const agent = await send('POST', '/api/v1/agents', headers, { name: f.a.agent.name, url: 'http://127.0.0.1:9/c' });
    expect(agent.status, agent.text).toBe(201);
    const names = [f.a.workflow.name, f.a.transformWorkflow.name, f.a.agent.name];
    for (const answer of [engine, v2, agent]) expect(leaked(answer.text, secrets, names), answer.text).toEqual([]);
  });
});

describe("tenant B naming tenant A's workspace", () => {
  const namings: [(w: World) => Record<string, string>, 'header' | 'query'][] = [
    [(w) => ({ 'x-workspace-id': w.defaultWorkspace.db }), 'header'],
    [(w) => ({ 'x-workspace-id': w.secondWorkspace.db }), 'header'],
    // X-Workspace-Id also takes the global id GraphQL gives a workspace.
    [(w) => ({ 'x-workspace-id': w.defaultWorkspace.global }), 'header'],
    [(w) => ({ 'x-workspace-id': w.secondWorkspace.global }), 'header'],
    [(w) => ({ 'x-workspace-slug': w.secondWorkspace.slug }), 'header'],
    [(w) => ({ workspace_id: w.secondWorkspace.db }), 'query'],
  ];

  it.each(named(routes.filter((r) => !PUBLIC.has(r.template) && r.template !== '/metrics')))(
    '%s answers as for a workspace that does not exist (400), by header or query parameter',
    async (_name, route) => {
      const [testCase] = route.pathParams.length > 0 ? pathCases(route) : [{ path: (): Record<string, string> => ({}) }];
      const path = fill(route.template, testCase?.path(f.a) ?? {});
      for (const [pick, how] of namings) {
        const call = (w: World) =>
          how === 'header'
            ? send(route.method, path, { ...asB(), ...pick(w) }, bodyOf(route, w, 'ws'))
            : send(route.method, `${path}?${new URLSearchParams(pick(w)).toString()}`, asB(), bodyOf(route, w, 'ws'));
        const what = `${route.method} ${route.template} with ${how} ${JSON.stringify(pick(f.a))}`;
        const real = await call(f.a);
        const sent = Object.values(pick(f.a));
        expect(real.status, `${what}: ${real.text}`).toBe(400);
        expect(leaked(real.text, secrets, [...sent, ...Object.values(testCase?.path(f.a) ?? {})]), real.text).toEqual([]);
        const twin = await call(f.ghost);
        expect(normalize(real.body, sent), what).toEqual(normalize(twin.body, Object.values(pick(f.ghost))));
      }
    },
  );
});

describe('without credentials', () => {
  it.each(named(routes))('%s answers 401 (unless it is health or docs), for no credentials and for bad ones', async (_name, route) => {
    const [testCase] = route.pathParams.length > 0 ? pathCases(route) : [{ path: (): Record<string, string> => ({}) }];
    const path = fill(route.template, testCase?.path(f.a) ?? {});
    const refused: Record<string, string>[] = [{}, { authorization: 'Bearer not-a-token' }, { 'x-api-key': 'fdk_not-a-key' }];
    for (const headers of refused) {
      const answer = await send(route.method, path, headers, bodyOf(route, f.a, 'anon'));
      const what = `${route.method} ${route.template} with ${JSON.stringify(headers)}`;
      if (PUBLIC.has(route.template)) expect([200, 503], `${what}: ${answer.text.slice(0, 500)}`).toContain(answer.status);
      else expect(answer.status, `${what}: ${answer.text.slice(0, 500)}`).toBe(401);
      expect(leaked(answer.text, secrets, [...Object.values(testCase?.path(f.a) ?? {}), ...stringsOf(bodyOf(route, f.a, 'anon'))])).toEqual(
        [],
      );
    }
  });

  it("the documentation and probes stay open; /metrics does not, not even to a tenant's token", async () => {
    for (const path of PUBLIC) expect((await send('GET', path, {})).status, path).toBe(200);
    expect((await send('GET', '/metrics', {})).status).toBe(401);
    expect((await send('GET', '/no-such-route', {})).status).toBe(401);
    // Its labels name every tenant's workflows and agents: no tenant's credential reads it.
    const metrics = await send('GET', '/metrics', asB());
    expect(metrics.status, metrics.text.slice(0, 500)).toBe(401);
    expect(leaked(metrics.text, secrets, [])).toEqual([]);
  });
});

describe("afterwards, A's data", () => {
  it('is exactly as it was: every row of every tenant table', async () => {
    expect(await f.snapshotA()).toEqual(before);
  });
});
