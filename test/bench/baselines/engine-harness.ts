// B3's Flowdeck side, beside its baselines: the workflows a variant runs, an in-process
// Flowdeck (workers off) that sets up and enqueues backlogs through GraphQL, and cheap reads of
// the engine's tables that say when a batch is done and when its steps ran.
import Database from 'better-sqlite3';
import pg from 'pg';
import pino from 'pino';
import { parseDatabaseUrl } from '../../../src/db/target.ts';
import { type App, createApp } from '../../../src/server/app.ts';
import { loadConfig } from '../../../src/server/config.ts';
import type { JobKind } from './queue-job.ts';

/** The agent every HTTP variant calls (registered once per database). */
export const AGENT_NAME = 'b3-agent';

/**
 * One B3 workload: `steps` chained no-op transforms, or chained calls to the local agent
 * (`mixed` alternates them: the warm-up, which compiles both paths).
 */
export interface Variant<K extends JobKind | 'mixed' = JobKind | 'mixed'> {
  id: string;
  title: string;
  steps: number;
  kind: K;
}

/** The canonical definition of a variant's workflow: step n depends on step n − 1. */
export function definition(variant: Variant): unknown {
  const kindOf = (i: number): JobKind => (variant.kind === 'mixed' ? (i % 2 === 0 ? 'noop' : 'http') : variant.kind);
  return {
    steps: Array.from({ length: variant.steps }, (_, i) => ({
      id: `s${i + 1}`,
      dependsOn: i === 0 ? [] : [`s${i}`],
      ...(kindOf(i) === 'noop' ? { type: 'transform', expression: '"ok"' } : { type: 'agent', agent: AGENT_NAME, input: { n: i + 1 } }),
    })),
  };
}

/** Sends one GraphQL request body (over HTTP, or in-process through app.fetch). */
export type Send = (body: string) => Promise<Response>;

const init = (body: string): RequestInit => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body });

/** Over HTTP to a running server. */
export const overHttp =
  (baseUrl: string): Send =>
  (body) =>
    fetch(`${baseUrl}/graphql`, init(body));

const CREATE_AGENT = `mutation($input: CreateAgentInput!) { createAgent(input: $input) {
  __typename ... on Error { message } ... on ValidationError { issues { path message } } } }`;
const CREATE_WORKFLOW = `mutation($input: CreateWorkflowInput!) { createWorkflow(input: $input) {
  __typename ... on Error { message } ... on ValidationError { issues { path message } } } }`;
const EXECUTE = `mutation($key: String!) { executeWorkflow(workflowKey: $key, input: {}) {
  __typename ... on Run { id } ... on Error { message } } }`;

/** Runs one operation and returns its single top-level field, failing on errors and error members. */
async function mutate(send: Send, query: string, variables: Record<string, unknown>): Promise<Record<string, unknown>> {
  const response = await send(JSON.stringify({ query, variables }));
  const body = (await response.json()) as { data?: Record<string, Record<string, unknown>>; errors?: unknown[] };
  const field = body.data && Object.values(body.data)[0];
  if (!field || body.errors?.length || 'message' in field) throw new Error(`GraphQL failed: ${JSON.stringify(body)}`);
  return field;
}

/** Registers the local agent under {@link AGENT_NAME}. */
export async function createAgent(send: Send, agentUrl: string): Promise<void> {
  await mutate(send, CREATE_AGENT, { input: { name: AGENT_NAME, url: agentUrl, protocol: 'HTTP' } });
}

/** Creates a workflow with the given key (also its name). */
export async function createWorkflow(send: Send, key: string, variant: Variant): Promise<void> {
  await mutate(send, CREATE_WORKFLOW, { input: { name: key, key, definition: definition(variant) } });
}

/** Executes the workflow `key` once and returns the run's database id. */
export async function execute(send: Send, key: string): Promise<string> {
  const run = await mutate(send, EXECUTE, { key });
  const id = String(run.id);
  // A Relay global id is base64 of "Run:<id>".
  const decoded = Buffer.from(id, 'base64').toString();
  return decoded.startsWith('Run:') ? decoded.slice(4) : id;
}

/** Executes `key` `count` times, `callers` calls at a time. */
export async function executeMany(send: Send, key: string, count: number, callers = 8): Promise<void> {
  let next = 0;
  const caller = async () => {
    while (next < count) {
      next += 1;
      await execute(send, key);
    }
  };
  await Promise.all(Array.from({ length: Math.min(callers, count) }, caller));
}

/**
 * Flowdeck in this (load-generator) process with its workers off: production settings, loopback
 * agents allowed. Setting up and enqueueing here keeps them off the measured servers' core.
 */
export async function openInProcess(databaseUrl: string): Promise<{ app: App; send: Send }> {
  const config = loadConfig({
    NODE_ENV: 'production',
    AUTH_MODE: 'none',
    RATE_LIMIT_PER_MINUTE: '0',
    WORKER_CONCURRENCY: '0',
    EGRESS_ALLOW: 'loopback',
    DATABASE_URL: databaseUrl,
  });
  const app = await createApp(config, { logger: pino({ level: 'silent' }) });
  return { app, send: (body) => app.fetch(new Request('http://flowdeck.bench/graphql', init(body))) };
}

/** Run counts of one workflow version, by status. */
export type Counts = Record<string, number>;

/** Reads of the engine's tables, straight from the database. */
export interface EngineDb {
  /** The current version of the workflow `key`. */
  versionId(key: string): Promise<string>;
  counts(versionId: string): Promise<Counts>;
  /** First run start and last run completion of a version's runs (epoch ms). */
  window(versionId: string): Promise<{ first: number; last: number }>;
  /** When each run's first step started (epoch ms), by run id. */
  firstStepStarts(versionId: string): Promise<Map<string, number>>;
  /** The error of one failed run of the version, if any. */
  failure(versionId: string): Promise<string | null>;
  close(): Promise<void>;
}

/** Opens {@link EngineDb} on the database at `url` (read-only on SQLite, beside the server). */
export async function openEngineDb(url: string): Promise<EngineDb> {
  const target = parseDatabaseUrl(url);
  if ('error' in target) throw new Error(target.error);
  if (target.provider === 'postgres') {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    // timestamp(3) without time zone holds UTC; epoch() reads it as such.
    const ms = (column: string) => `extract(epoch from ${column}) * 1000`;
    const rows = async <T>(sql: string, params: unknown[]) => (await client.query(sql, params)).rows as T[];
    return {
      async versionId(key) {
        const [row] = await rows<{ v: string }>('select "currentVersionId" as v from "Workflow" where key = $1', [key]);
        if (!row) throw new Error(`no workflow ${key}`);
        return row.v;
      },
      async counts(versionId) {
        const list = await rows<{ status: string; n: number }>(
          'select status, count(*)::int as n from "Run" where "workflowVersionId" = $1 group by status',
          [versionId],
        );
        return Object.fromEntries(list.map((r) => [r.status, r.n]));
      },
      async window(versionId) {
        const [row] = await rows<{ first: string; last: string }>(
          `select ${ms('min("startedAt")')} as first, ${ms('max("completedAt")')} as last from "Run" where "workflowVersionId" = $1`,
          [versionId],
        );
        return { first: Number(row?.first), last: Number(row?.last) };
      },
      async firstStepStarts(versionId) {
        const list = await rows<{ id: string; t: string }>(
          `select s."runId" as id, ${ms('min(s."startedAt")')} as t from "StepRun" s join "Run" r on r.id = s."runId"
           where r."workflowVersionId" = $1 group by s."runId"`,
          [versionId],
        );
        return new Map(list.map((r) => [r.id, Number(r.t)]));
      },
      async failure(versionId) {
        const [row] = await rows<{ e: unknown }>(
          `select error as e from "Run" where "workflowVersionId" = $1 and status = 'FAILED' limit 1`,
          [versionId],
        );
        return row ? JSON.stringify(row.e) : null;
      },
      close: () => client.end(),
    };
  }
  const db = new Database(target.file, { readonly: true, fileMustExist: true });
  // Prisma's SQLite adapter stores DateTime as ISO 8601 text by default (epoch ms if configured so).
  const ms = (value: unknown) => (typeof value === 'number' ? value : Date.parse(String(value)));
  return {
    async versionId(key) {
      const row = db.prepare('select "currentVersionId" as v from "Workflow" where key = ?').get(key) as { v: string } | undefined;
      if (!row) throw new Error(`no workflow ${key}`);
      return row.v;
    },
    async counts(versionId) {
      const list = db.prepare('select status, count(*) as n from "Run" where "workflowVersionId" = ? group by status').all(versionId) as {
        status: string;
        n: number;
      }[];
      return Object.fromEntries(list.map((r) => [r.status, r.n]));
    },
    async window(versionId) {
      const row = db
        .prepare('select min("startedAt") as first, max("completedAt") as last from "Run" where "workflowVersionId" = ?')
        .get(versionId) as { first: unknown; last: unknown };
      return { first: ms(row.first), last: ms(row.last) };
    },
    async firstStepStarts(versionId) {
      const list = db
        .prepare(
          'select s."runId" as id, min(s."startedAt") as t from "StepRun" s join "Run" r on r.id = s."runId" where r."workflowVersionId" = ? group by s."runId"',
        )
        .all(versionId) as { id: string; t: unknown }[];
      return new Map(list.map((r) => [r.id, ms(r.t)]));
    },
    async failure(versionId) {
      const row = db.prepare(`select error as e from "Run" where "workflowVersionId" = ? and status = 'FAILED' limit 1`).get(versionId) as
        { e: unknown } | undefined;
      return row ? String(row.e) : null;
    },
    close: async () => {
      db.close();
    },
  };
}

/** Polls until all `runs` runs of the version are COMPLETED; throws on a failed run or after `timeoutMs`. */
export async function waitCompleted(edb: EngineDb, versionId: string, runs: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const counts = await edb.counts(versionId);
    if ((counts.FAILED ?? 0) > 0) throw new Error(`a benchmark run failed: ${await edb.failure(versionId)}`);
    if ((counts.COMPLETED ?? 0) >= runs) return;
    if (Date.now() > deadline) throw new Error(`runs not completed after ${timeoutMs} ms: ${JSON.stringify(counts)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
