// How many SQL statements (and transactions) the engine spends per run and per step, counted on
// what Prisma sends to the database, so the cost of a step transition cannot creep up unseen.
//
// Runs are accepted by an API-only app (executeWorkflow over GraphQL, in-process), then drained
// by a second app on the same database with workers on: the drain is counted on its own, with
// no test request mixed into it. The scheduler's passes and the pool's heartbeat row are
// background work whose count depends on timing, not on runs, so they are reported but not
// budgeted.
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EngineHooks } from '../../src/domain/resources.ts';
import { createApp } from '../../src/server/app.ts';
import { loadConfig } from '../../src/server/config.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { testProvider } from '../support/database.ts';
import { dbId, flows } from '../support/flows.ts';
import { restClient } from '../support/rest.ts';
import { waitForRun } from '../support/runs.ts';

/** Runs per scenario: enough that a per-run figure is not one run's accident. */
const RUNS = 10;

/**
 * The committed budgets, per run: statements and transactions as Prisma sends them (each
 * transaction also costs a BEGIN, which Prisma does not log), without the lease heartbeats a
 * slow machine adds (each one UPDATE and its COMMIT; counted through the engine's hooks).
 * A 1-step run is three transactions: the run starts with its first step; the step finishes;
 * the run completes. Each further step is two: it starts, it finishes. Before issue 13 this test
 * counted 35–37 statements in 7–8 transactions to drain a 1-step run, 19–20 in 4 for each
 * further step, and 11 in 1 to execute one.
 */
const BUDGET = {
  execute: { statements: 10, transactions: 1 },
  drain: { statements: 17, transactions: 3 },
  perStep: { statements: 11, transactions: 2 },
};

let statements: string[] = [];
let api: TestApp;
beforeAll(async () => {
  api = await startTestApp({ onQuery: (sql) => statements.push(sql) }, { WORKER_CONCURRENCY: '0' });
});
afterAll(async () => {
  await api?.close();
});

/** What a statement is about: its verb and the table it touches first. */
function kindOf(sql: string): string {
  const text = sql.trim();
  if (/^(COMMIT|ROLLBACK|BEGIN)/i.test(text)) return text.split(/\s/)[0]?.toUpperCase() ?? text;
  const verb = (/^\s*(WITH|SELECT|INSERT|UPDATE|DELETE)/i.exec(text)?.[1] ?? text.slice(0, 12)).toUpperCase();
  const table = /(?:FROM|INTO|UPDATE)\s+(?:[`"]?\w+[`"]?\.)?[`"]?(\w+)[`"]?/i.exec(text)?.[1] ?? '?';
  return `${verb} ${table}`;
}

// The scheduler and retention (Schedule, ScheduleTick, BackfillJob, Workspace, the database's
// clock), the pool's heartbeat row, and the worker app's start-up (PRAGMAs, the agent-secret check).
const BACKGROUND = /ScheduleTick|["`]Schedule["`]|BackfillJob|WorkerHeartbeat|clock_timestamp|["`]Workspace["`]|["`]Agent["`]|^PRAGMA/;

interface Tally {
  statements: number;
  transactions: number;
  /** INSERTs into RunEvent: each one fires PostgreSQL's NOTIFY trigger once. */
  eventInserts: number;
  kinds: Map<string, number>;
}

function tally(sqls: string[], heartbeats = 0): Tally {
  const kinds = new Map<string, number>();
  for (const sql of sqls) kinds.set(kindOf(sql), (kinds.get(kindOf(sql)) ?? 0) + 1);
  const transactions = sqls.filter((s) => /^\s*(COMMIT|ROLLBACK)/i.test(s)).length;
  return {
    // A heartbeat is one fence UPDATE and its COMMIT.
    statements: sqls.length - 2 * heartbeats,
    transactions: transactions - heartbeats,
    eventInserts: kinds.get('INSERT RunEvent') ?? 0,
    kinds,
  };
}

function describeTally(label: string, t: Tally, per: number): string {
  const rows = [...t.kinds.entries()].sort((a, b) => b[1] - a[1]).map(([k, n]) => `    ${(n / per).toFixed(1).padStart(6)}  ${k}`);
  const received = (t.statements + t.transactions) / per;
  return (
    `${label}: ${(t.statements / per).toFixed(1)} statements in ${(t.transactions / per).toFixed(1)} transactions per run ` +
    `(${received.toFixed(1)} with their BEGINs)\n${rows.join('\n')}`
  );
}

/** Executes RUNS runs of `definition` through the API and drains them with a worker app. */
async function measure(
  prefix: string,
  definition: Record<string, unknown>,
): Promise<{ execute: Tally; drain: Tally; background: Tally; heartbeats: number }> {
  const g = flows(api);
  const wf = await g.workflow(prefix, definition);
  statements = [];
  const runs: string[] = [];
  for (let i = 0; i < RUNS; i++) runs.push((await g.execute(wf.id)).id);
  const execute = tally(statements);

  const drained: string[] = [];
  const pending = new Set(runs.map(dbId));
  let allComplete: () => void = () => {};
  const complete = new Promise<void>((resolve) => {
    allComplete = resolve;
  });
  let heartbeats = 0;
  const hooks: EngineHooks = {
    beforeWrite(write, at) {
      if (write === 'heartbeat') heartbeats += 1;
      if (write !== 'run.complete') return;
      pending.delete(at.runId);
      if (pending.size === 0) allComplete();
    },
  };
  const config = loadConfig({
    NODE_ENV: 'test',
    PORT: '0',
    HOST: '127.0.0.1',
    RATE_LIMIT_PER_MINUTE: '0',
    // Every run claimed at once, and no idle poll during the drain.
    WORKER_CONCURRENCY: String(RUNS),
    WORKER_POLL_MS: '600000',
    RUN_RETENTION_DAYS: '0',
    DATABASE_URL: api.databaseUrl,
  });
  const worker = await createApp(config, { logger: pino({ level: 'silent' }), hooks, onQuery: (sql) => drained.push(sql) });
  let stopped = false;
  try {
    await complete;
    // Stopping lets every driver finish the write it is in; after it nothing more is sent.
    await worker.stop();
    stopped = true;
  } finally {
    if (!stopped) await worker.stop();
  }
  for (const id of runs) expect((await waitForRun(api, id)).status).toBe('COMPLETED');
  return {
    execute,
    drain: tally(
      drained.filter((s) => !BACKGROUND.test(s)),
      heartbeats,
    ),
    background: tally(drained.filter((s) => BACKGROUND.test(s))),
    heartbeats,
  };
}

const chain = (n: number) => ({
  steps: Array.from({ length: n }, (_, i) => ({
    id: `s${i + 1}`,
    type: 'transform',
    expression: '$',
    ...(i > 0 ? { dependsOn: [`s${i}`] } : {}),
  })),
});

describe(`statements per run (${testProvider})`, () => {
  it('1-step and 5-step runs of a no-op transform stay within their budgets', async () => {
    const one = await measure('one-step', chain(1));
    const five = await measure('five-steps', chain(5));
    const perStep = {
      statements: (five.drain.statements - one.drain.statements) / RUNS / 4,
      transactions: (five.drain.transactions - one.drain.transactions) / RUNS / 4,
    };
    console.info(
      [
        `statement counts on ${testProvider}, ${RUNS} runs each (lease heartbeats left out: ${one.heartbeats} and ${five.heartbeats})`,
        describeTally('execute (1 step)', one.execute, RUNS),
        describeTally('drain, 1-step runs', one.drain, RUNS),
        describeTally('drain, 5-step runs', five.drain, RUNS),
        `each step past the first: ${perStep.statements.toFixed(1)} statements, ${perStep.transactions.toFixed(1)} transactions`,
        describeTally('background during the 1-step drain (not budgeted)', one.background, RUNS),
      ].join('\n'),
    );
    expect(one.execute.statements / RUNS).toBeLessThanOrEqual(BUDGET.execute.statements);
    expect(one.execute.transactions / RUNS).toBeLessThanOrEqual(BUDGET.execute.transactions);
    expect(one.drain.statements / RUNS).toBeLessThanOrEqual(BUDGET.drain.statements);
    expect(one.drain.transactions / RUNS).toBeLessThanOrEqual(BUDGET.drain.transactions);
    expect(perStep.statements).toBeLessThanOrEqual(BUDGET.perStep.statements);
    expect(perStep.transactions).toBeLessThanOrEqual(BUDGET.perStep.transactions);
    // One INSERT of events per transaction at most, so PostgreSQL notifies once per transaction.
    for (const t of [one.execute, one.drain, five.drain]) expect(t.eventInserts).toBeLessThanOrEqual(t.transactions);
  }, 120_000);
});

describe(`the legacy executions listing (${testProvider})`, () => {
  it('numbers a page of executions in one statement, whatever its size (M13)', async () => {
    const rest = restClient(api);
    const g = flows(api);
    const wf = await g.workflow('numbered', chain(1));
    // Runs are never driven here (the API app has no workers): only their numbers matter.
    const runs: string[] = [];
    for (let i = 0; i < 12; i++) runs.push(dbId((await g.execute(wf.id)).id));
    const numbering = (sqls: string[]) => sqls.filter((sql) => /ROW_NUMBER|COUNT\(/i.test(sql)).length;

    statements = [];
    const small = await rest.get(`/api/workflows/${dbId(wf.id)}/executions?skip=1&limit=2`);
    const forSmall = numbering(statements);
    statements = [];
    const large = await rest.get(`/api/workflows/${dbId(wf.id)}/executions?skip=1&limit=10`);
    const forLarge = numbering(statements);

    const numbers = (body: { items: { id: string; execution_number: number }[] }) => body.items.map((e) => [e.id, e.execution_number]);
    // Newest first, numbered from the oldest: skipping the newest, the page starts at 11.
    expect(numbers(small.body)).toEqual([runs[10], runs[9]].map((id, i) => [id, 11 - i]));
    expect(numbers(large.body)).toEqual(
      runs
        .slice(1, 11)
        .reverse()
        .map((id, i) => [id, 11 - i]),
    );
    // The page's total is one COUNT; the numbers are one more statement, for 2 rows or 10.
    expect(forLarge).toBe(forSmall);
    expect(forLarge).toBeLessThanOrEqual(2);
  });
});
