// Seed 004's operations endpoints: /health (and /healthz), /health/ready and /metrics.

import { randomUUID } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { print } from 'graphql';
import { type Client, createClient } from 'graphql-ws';
import pg from 'pg';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { AgentsDocument, CancelRunDocument, RunsChangedLiveDocument } from '../gql/graphql.ts';
import { type App, createApp } from '../../src/server/app.ts';
import { loadConfig } from '../../src/server/config.ts';
import { AgentReply, gate, startHttpAgent, type TestAgent } from '../support/agents.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { testProvider } from '../support/database.ts';
import { dbId, expectMember, flows } from '../support/flows.ts';
import { type RestClient, restClient } from '../support/rest.ts';
import { eventually, waitForRun } from '../support/runs.ts';

const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** One sample of the Prometheus text format. */
interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** A /metrics answer, parsed. */
interface Scrape {
  status: number;
  contentType: string;
  text: string;
  samples: Sample[];
  /** The value of the one sample named `name` whose labels include `labels`; undefined when absent. */
  value(name: string, labels?: Record<string, string>): number | undefined;
}

function parseSamples(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) throw new Error(`not a Prometheus sample: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, key, raw] of (match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g))
      labels[key as string] = (raw as string).replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    samples.push({ name: match[1] as string, labels, value: Number(match[3]) });
  }
  return samples;
}

/** Reads /metrics in-process (a text body, outside restClient's JSON validation). */
async function scrape(app: App): Promise<Scrape> {
  const response = await app.fetch(new Request('http://flowdeck.test/metrics'));
  const text = await response.text();
  const samples = parseSamples(text);
  return {
    status: response.status,
    contentType: response.headers.get('content-type') ?? '',
    text,
    samples,
    value(name, labels = {}) {
      const found = samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
      if (found.length > 1) throw new Error(`${name} ${JSON.stringify(labels)} matches ${found.length} samples`);
      return found[0]?.value;
    },
  };
}

/** Scrapes until `check` holds (bounded), for values that settle after the event the test saw. */
async function scrapeUntil(app: App, check: (s: Scrape) => boolean, what: string): Promise<Scrape> {
  const started = Date.now();
  for (;;) {
    const result = await scrape(app);
    if (check(result)) return result;
    if (Date.now() - started > 10_000) throw new Error(`gave up waiting for ${what}:\n${result.text}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Makes a test app's database unreachable: closes its connections and removes the database. */
async function removeDatabase(t: TestApp): Promise<void> {
  await t.app.resources.db.close();
  if (testProvider === 'sqlite') {
    // Without its folder SQLite cannot reopen the file (it would otherwise create a new one).
    rmSync(dirname(t.databaseUrl.replace(/^file:/, '')), { recursive: true, force: true });
    return;
  }
  const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS "${new URL(t.databaseUrl).pathname.slice(1)}" WITH (FORCE)`);
  await admin.end();
}

let t: TestApp;
let rest: RestClient;
let base: string;
beforeAll(async () => {
  t = await startTestApp({}, { WORKER_POLL_MS: '50' });
  rest = restClient(t);
  base = (await t.app.start()).url;
});
afterAll(async () => {
  await t?.close();
});

describe('GET /health', () => {
  it('answers 200 with status, timestamp, version, uptime and services: null', async () => {
    const before = Date.now();
    const first = await rest.get('/health');
    expect(first.status).toBe(200);
    expect(first.body).toEqual({
      status: 'healthy',
      timestamp: expect.any(String),
      version: VERSION,
      uptime_seconds: expect.any(Number),
      services: null,
    });
    expect(new Date(first.body.timestamp).toISOString()).toBe(first.body.timestamp);
    expect(Date.parse(first.body.timestamp)).toBeGreaterThanOrEqual(before - 1000);
    expect(first.body.uptime_seconds).toBeGreaterThan(0);
    const second = await rest.get('/health');
    expect(second.body.uptime_seconds).toBeGreaterThan(first.body.uptime_seconds);
  });

  it('needs no workspace (an unknown one would be a 400 on other routes), and /healthz answers the same', async () => {
    const unknown = { 'x-workspace-slug': `no-such-${randomUUID()}` };
    expect((await rest.get('/api/v1/agents', { headers: unknown, unchecked: true })).status).toBe(400);
    expect((await rest.get('/health', { headers: unknown })).status).toBe(200);
    const alias = await rest.get('/healthz', { headers: unknown });
    expect(alias.status).toBe(200);
    expect(alias.body).toMatchObject({ status: 'healthy', version: VERSION, services: null });
  });
});

describe('GET /health/ready', () => {
  it('answers 200 with a timed database check and the workers of this process', async () => {
    const response = await rest.get('/health/ready');
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      ready: true,
      timestamp: expect.any(String),
      checks: {
        database: { status: 'healthy', message: 'Database connection active', response_time_ms: expect.any(Number) },
        workers: { status: 'healthy', message: expect.stringContaining('4 runs'), response_time_ms: null },
      },
    });
    expect(response.body.checks.database.response_time_ms).toBeGreaterThanOrEqual(0);
    expect(response.body.checks).not.toHaveProperty('kafka');
  });
});

describe('an API-only server whose database goes away', () => {
  let api: TestApp;
  let apiRest: RestClient;
  beforeAll(async () => {
    api = await startTestApp({}, { WORKER_CONCURRENCY: '0' });
    apiRest = restClient(api);
    await apiRest.openapi(); // read while the database still answers
  });
  afterAll(async () => {
    await api?.close();
  });

  it('reports runs waiting for a worker in flowdeck_runs_pending, and its workers as unknown', async () => {
    const f = flows(api);
    const workflow = await f.workflow('waiting', { steps: [{ id: 'only', type: 'transform', expression: '1' }] });
    await f.execute(workflow.id);
    await f.execute(workflow.id);
    const metrics = await scrape(api.app);
    expect(metrics.value('flowdeck_runs_pending')).toBe(2);
    expect(metrics.value('flowdeck_runs_started_total', { workflow_id: dbId(workflow.id) })).toBeUndefined();
    const ready = await apiRest.get('/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body.checks.workers).toEqual({ status: 'unknown', message: expect.stringContaining('API-only'), response_time_ms: null });
  });

  it('answers /health/ready 503 with the documented body, while /health and /metrics still answer', async () => {
    await removeDatabase(api);
    const ready = await apiRest.get('/health/ready');
    expect(ready.status).toBe(503);
    expect(ready.body).toEqual({
      ready: false,
      timestamp: expect.any(String),
      checks: {
        database: { status: 'unhealthy', message: expect.stringMatching(/^Database connection failed: \S/), response_time_ms: null },
        workers: { status: 'unknown', message: expect.any(String), response_time_ms: null },
      },
    });
    expect(ready.body.checks.database.message).not.toContain('\n');
    expect((await apiRest.get('/health')).status).toBe(200);
    const metrics = await scrape(api.app);
    expect(metrics.status).toBe(200);
    expect(metrics.value('process_cpu_user_seconds_total')).toBeGreaterThan(0);
    // Absent rather than stale when the database cannot be read.
    expect(metrics.value('flowdeck_runs_pending')).toBeUndefined();
  });
});

describe('GET /metrics', () => {
  it('is documented as text/plain and serves the Prometheus format with process metrics and the version', async () => {
    const doc = await rest.openapi();
    expect(doc.paths['/metrics']?.get?.responses?.['200']?.content?.['text/plain']).toBeDefined();
    expect(doc.paths['/health/ready']?.get?.responses?.['503']?.content?.['application/json']).toBeDefined();
    const metrics = await scrape(t.app);
    expect(metrics.status).toBe(200);
    expect(metrics.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    for (const name of [
      'process_cpu_user_seconds_total',
      'process_start_time_seconds',
      'nodejs_heap_size_total_bytes',
      'nodejs_eventloop_lag_seconds',
    ])
      expect(metrics.value(name), name).toBeGreaterThanOrEqual(0);
    // The series seed 004 documents, under its names.
    expect(metrics.value('api_info', { version: VERSION })).toBe(1);
    expect(metrics.value('api_uptime_seconds')).toBeGreaterThan(0);
    expect(metrics.value('api_requests_total')).toBeGreaterThan(0);
    for (const name of ['flowdeck_http_request_duration_seconds', 'flowdeck_runs_started_total', 'flowdeck_step_duration_seconds'])
      expect(metrics.text).toContain(`# HELP ${name} `);
  });

  it('times REST and GraphQL requests by method, route pattern and status, never by raw path', async () => {
    const id = randomUUID();
    expect((await rest.get('/api/v1/agents')).status).toBe(200);
    expect((await rest.get(`/api/v1/agents/${id}`)).status).toBe(404);
    expect((await rest.get(`/nothing/${id}`, { unchecked: true })).status).toBe(404);
    await t.ok(AgentsDocument, {});
    // Through the node server too: REST and a malformed GraphQL request.
    expect((await fetch(`${base}/health/ready`)).status).toBe(200);
    const bad = await fetch(`${base}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{not json' });
    expect(bad.status).toBe(400);

    const metrics = await scrape(t.app);
    const count = (method: string, route: string, status: string) =>
      metrics.value('flowdeck_http_request_duration_seconds_count', { method, route, status }) ?? 0;
    expect(count('GET', '/api/v1/agents', '200')).toBeGreaterThanOrEqual(1);
    expect(count('GET', '/api/v1/agents/:agent_id', '404')).toBeGreaterThanOrEqual(1);
    expect(count('GET', 'unmatched', '404')).toBeGreaterThanOrEqual(1);
    expect(count('GET', '/health/ready', '200')).toBeGreaterThanOrEqual(1);
    expect(count('POST', '/graphql', '200')).toBeGreaterThanOrEqual(1);
    expect(count('POST', '/graphql', '400')).toBeGreaterThanOrEqual(1);
    expect(
      metrics.value('flowdeck_http_request_duration_seconds_bucket', { method: 'GET', route: '/api/v1/agents', status: '200', le: '+Inf' }),
    ).toBe(count('GET', '/api/v1/agents', '200'));
    expect(metrics.text).not.toContain(id);
  });

  describe('runs and agent calls', () => {
    let ok: TestAgent;
    let failing: TestAgent;
    let held: TestAgent;
    const release = gate();
    beforeAll(async () => {
      ok = await startHttpAgent(() => ({ rows: 3 }));
      failing = await startHttpAgent(() => new AgentReply(500, { error: 'boom' }));
      held = await startHttpAgent(async () => {
        await release.wait;
        return {};
      });
    });
    afterAll(async () => {
      release.open();
      await Promise.all([ok?.close(), failing?.close(), held?.close()]);
    });

    it('counts runs per workflow, times agent steps per agent and counts agent errors, but not cancellations', async () => {
      const f = flows(t);
      const noRetry = { retryConfig: { maxRetries: 0 } };
      const agents = {
        ok: await f.agent('ok', ok, noRetry),
        failing: await f.agent('failing', failing, noRetry),
        held: await f.agent('held', held, noRetry),
      };
      const step = (agent: string) => ({ steps: [{ id: 'call', type: 'agent', agent }] });
      const workflows = {
        ok: await f.workflow('completes', step(agents.ok)),
        failing: await f.workflow('fails', step(agents.failing)),
        held: await f.workflow('cancelled', step(agents.held)),
      };

      const completed = await f.execute(workflows.ok.id);
      expect((await waitForRun(t, completed.id)).status).toBe('COMPLETED');
      const failed = await f.execute(workflows.failing.id);
      expect((await waitForRun(t, failed.id)).status).toBe('FAILED');
      const cancelled = await f.execute(workflows.held.id);
      await eventually(() => held.calls.length === 1, 'the held agent is called');
      expectMember((await t.ok(CancelRunDocument, { id: cancelled.id, reason: 'metrics test' })).cancelRun, 'Run');
      expect((await waitForRun(t, cancelled.id)).status).toBe('CANCELLED');

      // The cancelled call is reported when its abort reaches the engine, just after the cancel.
      const metrics = await scrapeUntil(
        t.app,
        (s) => s.value('flowdeck_step_duration_seconds_count', { agent: agents.held, outcome: 'cancelled' }) === 1,
        'the cancelled agent call',
      );
      const runs = (workflow: { id: string }, what: string) =>
        metrics.value(`flowdeck_runs_${what}_total`, { workflow_id: dbId(workflow.id) }) ?? 0;
      expect([runs(workflows.ok, 'started'), runs(workflows.ok, 'completed'), runs(workflows.ok, 'failed')]).toEqual([1, 1, 0]);
      expect([runs(workflows.failing, 'started'), runs(workflows.failing, 'failed'), runs(workflows.failing, 'completed')]).toEqual([
        1, 1, 0,
      ]);
      expect([runs(workflows.held, 'started'), runs(workflows.held, 'cancelled'), runs(workflows.held, 'failed')]).toEqual([1, 1, 0]);
      expect(metrics.samples.find((s) => s.labels.workflow_id === dbId(workflows.ok.id))?.labels.workflow).toMatch(/^completes-/);

      const steps = (agent: string, outcome: string) => metrics.value('flowdeck_step_duration_seconds_count', { agent, outcome }) ?? 0;
      expect(steps(agents.ok, 'succeeded')).toBe(1);
      expect(metrics.value('flowdeck_step_duration_seconds_sum', { agent: agents.ok, outcome: 'succeeded' })).toBeGreaterThan(0);
      expect(steps(agents.failing, 'failed')).toBe(1);
      expect(metrics.value('flowdeck_agent_call_errors_total', { agent: agents.failing, kind: 'http' })).toBe(1);
      expect(metrics.value('flowdeck_agent_call_errors_total', { agent: agents.ok })).toBeUndefined();
      expect(metrics.value('flowdeck_agent_call_errors_total', { agent: agents.held })).toBeUndefined();

      // Another server on the same database (API-only, as with `npm run worker` doing the work)
      // reports the same run counts, but no agent calls: those are measured where they happen.
      const other = await createApp(
        loadConfig({ NODE_ENV: 'test', PORT: '0', HOST: '127.0.0.1', WORKER_CONCURRENCY: '0', DATABASE_URL: t.databaseUrl }),
        { logger: pino({ level: 'silent' }) },
      );
      try {
        const elsewhere = await scrape(other);
        expect(elsewhere.value('flowdeck_runs_completed_total', { workflow_id: dbId(workflows.ok.id) })).toBe(1);
        expect(elsewhere.value('flowdeck_runs_cancelled_total', { workflow_id: dbId(workflows.held.id) })).toBe(1);
        expect(elsewhere.value('flowdeck_step_duration_seconds_count', { agent: agents.ok, outcome: 'succeeded' })).toBeUndefined();
      } finally {
        await other.stop();
      }
    });
  });

  it('counts the GraphQL subscriptions open on this process', async () => {
    const active = (s: Scrape) => s.value('flowdeck_active_subscriptions');
    expect(active(await scrape(t.app))).toBe(0);
    const client: Client = createClient({ url: `${base.replace('http', 'ws')}/graphql`, webSocketImpl: WebSocket, retryAttempts: 0 });
    try {
      const unsubscribe = client.subscribe(
        { query: print(RunsChangedLiveDocument), variables: {} },
        { next: () => {}, error: () => {}, complete: () => {} },
      );
      await scrapeUntil(t.app, (s) => active(s) === 1, 'the subscription to be counted');
      unsubscribe();
      await scrapeUntil(t.app, (s) => active(s) === 0, 'the subscription to be released');
    } finally {
      await client.dispose();
    }
  });
});
