// B1 lists, B2 ORM and B6 REST: the first page of the two big lists, over a seeded history
// (1,000,000 runs over 300 workflows; quick: 5,000 over 60), measured three ways.
//
// B1: GraphQL `runs(first: 50)` and `workflows(first: 50)` POSTed to a Flowdeck server,
//     against a bare node:http server over the raw driver (baselines/bare-lists.ts) that answers
//     the same POST with byte-identical JSON. The bytes are compared before anything is measured;
//     a baseline that answers differently gets no ratio.
// B2: the reads behind those lists in this process, through the project's Prisma client against
//     the raw driver returning the same values (baselines/list-reads.ts); ops/s with 8 in flight.
// B6: REST `GET /api/v1/runs?page_size=50` against the GraphQL list that carries the same
//     fields (total included), both on the same Flowdeck server.
//
// Flowdeck runs with WORKER_CONCURRENCY=0 (the API alone: nothing but the measured requests
// touches the database) and RUN_RETENTION_DAYS=0 (the seeded months of history stay put).
import { performance } from 'node:perf_hooks';
import type { BenchContext, Benchmark, Child } from './support/context.ts';
import { startFlowdeck, startNode } from './support/context.ts';
import { interleaved, type Load, load, type LoadOptions } from './support/load.ts';
import { median, type Figure, result, type Result } from './support/report.ts';
import { seedRuns } from './support/seed.ts';
import { appListReads, type ListReads, prismaListReads, rawListReads } from './baselines/list-reads.ts';
import { PAGE_SIZE, RUNS_QUERY, WORKFLOWS_QUERY } from './baselines/list-queries.ts';

const BARE_LISTS = new URL('./baselines/bare-lists.ts', import.meta.url).pathname;
const JSON_HEADERS = { 'content-type': 'application/json' };

/** B6's GraphQL side: what a REST run object carries (workflow key and name, version id, total). */
const REST_EQUIVALENT_QUERY =
  '{ runs(first: 50) { totalCount edges { node { id status inputs triggeredBy createdAt updatedAt completedAt cancelledAt cancelledBy error workflow { key name } workflowVersion { id } } } } }';

interface Plan {
  runs: number;
  workflows: number;
  rounds: number;
  /** Seconds of load per round and side. */
  seconds: number;
  /** Seconds of unmeasured load per target before its first round (JIT, statement caches). */
  warmup: number;
}

function planFor(ctx: BenchContext): Plan {
  const quick = ctx.mode === 'quick';
  return {
    runs: Number(process.env.B1_RUNS ?? (quick ? 5_000 : 1_000_000)),
    // More live workflows than a page holds, so hasNextPage is true and a cursor follows.
    workflows: quick ? 60 : 300,
    rounds: quick ? 1 : 3,
    seconds: quick ? 1 : 10,
    warmup: quick ? 0.5 : 2,
  };
}

async function fetchText(url: string, init?: RequestInit): Promise<{ status: number; text: string }> {
  const response = await fetch(url, init);
  return { status: response.status, text: await response.text() };
}

/**
 * One load run, then one more request: requests still queued when the run stops (on SQLite,
 * behind the one connection) finish before the next run starts, so they do not slow it.
 */
async function round(options: LoadOptions): Promise<Load> {
  const measured = await load(options);
  await fetchText(options.url, { method: options.method ?? 'GET', headers: options.headers, body: options.body });
  return measured;
}

/** Where two texts first differ, with a little of each around it. */
function firstDifference(a: string, b: string): string {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  const around = (s: string) => JSON.stringify(s.slice(Math.max(0, i - 40), i + 40));
  return `byte ${i} (Flowdeck ${a.length} bytes, baseline ${b.length}): Flowdeck …${around(a)}… baseline …${around(b)}…`;
}

/** The median round of interleaved load runs as a figure, with p50/p99 and every round's req/s. */
function loadFigure(rounds: Load[], bytes: number): Figure {
  return {
    value: median(rounds.map((r) => r.rps)),
    unit: 'req/s',
    detail: {
      p50_ms: median(rounds.map((r) => r.p50)),
      p99_ms: median(rounds.map((r) => r.p99)),
      rounds_rps: rounds.map((r) => r.rps.toFixed(r.rps < 10 ? 2 : 0)).join(' / '),
      requests: rounds.reduce((sum, r) => sum + r.requests, 0),
      failures: rounds.reduce((sum, r) => sum + r.failures, 0),
      response_bytes: bytes,
    },
  };
}

/** A note for a figure whose load runs saw errors (a suspect measurement, not a slow one). */
function failureNote(...figures: Figure[]): string | undefined {
  const failed = figures.reduce((sum, f) => sum + Number(f.detail?.failures ?? 0), 0);
  return failed > 0
    ? `${failed} requests failed (non-2xx, errors or timeouts) during the measurement: treat the figure as suspect`
    : undefined;
}

/** B1 for one list: the byte check, then interleaved rounds against Flowdeck and the bare server. */
async function b1List(plan: Plan, flowdeck: string, bare: string, list: 'runs' | 'workflows', query: string): Promise<Result> {
  const body = JSON.stringify({ query });
  const post = (base: string) => fetchText(`${base}/graphql`, { method: 'POST', headers: JSON_HEADERS, body });
  const [ours, theirs] = await Promise.all([post(flowdeck), post(bare)]);
  const page = ours.status === 200 ? (JSON.parse(ours.text) as { data?: Record<string, { edges: unknown[] }> }).data?.[list] : undefined;
  if (page?.edges.length !== PAGE_SIZE)
    throw new Error(`B1 ${list}: Flowdeck did not answer a full page (${ours.status}): ${ours.text.slice(0, 500)}`);
  const same = theirs.status === 200 && ours.text === theirs.text;
  const target = (base: string) => ({ url: `${base}/graphql`, method: 'POST' as const, headers: JSON_HEADERS, body });
  await round({ ...target(flowdeck), seconds: plan.warmup });
  if (same) await round({ ...target(bare), seconds: plan.warmup });
  // A baseline that answers differently is not measured: its speed would compare nothing.
  const rounds = await interleaved(
    plan.rounds,
    async () => [await round({ ...target(flowdeck), seconds: plan.seconds })],
    async () => (same ? [await round({ ...target(bare), seconds: plan.seconds })] : []),
  );
  const ourFigure = loadFigure(rounds.a.flat(), Buffer.byteLength(ours.text));
  const theirFigure = same ? loadFigure(rounds.b.flat(), Buffer.byteLength(theirs.text)) : null;
  return result({
    id: `B1.${list}`,
    title: `GraphQL ${list}(first: 50) over HTTP, 8 connections`,
    flowdeck: ourFigure,
    baseline: theirFigure && { ...theirFigure, name: 'node:http + raw driver, identical bytes' },
    goal: { op: '>=', value: 0.35 },
    note: same
      ? failureNote(ourFigure, ...(theirFigure ? [theirFigure] : []))
      : `NO RATIO: the baseline's response differs from Flowdeck's at ${firstDifference(ours.text, theirs.text)}`,
  });
}

/** B6: REST's runs page against the GraphQL list with the same fields, on the same server. */
async function b6Rest(plan: Plan, flowdeck: string): Promise<Result> {
  // Both sides count every run of the workspace (REST's `total`, GraphQL's `totalCount`): at a
  // million runs one request can take seconds, so requests get far longer than autocannon's 10 s.
  const rest = { url: `${flowdeck}/api/v1/runs?page_size=50`, seconds: plan.seconds, timeout: 120 };
  const body = JSON.stringify({ query: REST_EQUIVALENT_QUERY });
  const graphql = { url: `${flowdeck}/graphql`, method: 'POST' as const, headers: JSON_HEADERS, body, seconds: plan.seconds, timeout: 120 };
  const [restPage, graphqlPage] = await Promise.all([
    fetchText(rest.url),
    fetchText(graphql.url, { method: 'POST', headers: JSON_HEADERS, body }),
  ]);
  const items = restPage.status === 200 ? (JSON.parse(restPage.text) as { items: unknown[]; total: number }) : null;
  const runs =
    graphqlPage.status === 200
      ? (JSON.parse(graphqlPage.text) as { data?: { runs?: { edges: unknown[]; totalCount: number } } }).data?.runs
      : undefined;
  if (!items || !runs || items.items.length !== PAGE_SIZE || runs.edges.length !== PAGE_SIZE || items.total !== runs.totalCount) {
    throw new Error(`B6: REST and GraphQL do not list the same page: ${restPage.text.slice(0, 300)} / ${graphqlPage.text.slice(0, 300)}`);
  }
  await round({ ...rest, seconds: plan.warmup });
  await round({ ...graphql, seconds: plan.warmup });
  const rounds = await interleaved(
    plan.rounds,
    () => round(rest),
    () => round(graphql),
  );
  const restFigure = loadFigure(rounds.a, Buffer.byteLength(restPage.text));
  const graphqlFigure = loadFigure(rounds.b, Buffer.byteLength(graphqlPage.text));
  return result({
    id: 'B6.rest',
    title: 'REST GET /api/v1/runs?page_size=50 vs GraphQL, same fields',
    flowdeck: restFigure,
    baseline: { ...graphqlFigure, name: 'GraphQL runs(first: 50) with totalCount, workflow, version' },
    goal: { op: '>=', value: 1.2 },
    note: [
      "both sides count the workspace's runs on every request (REST `total`, GraphQL `totalCount`)",
      failureNote(restFigure, graphqlFigure),
    ]
      .filter(Boolean)
      .join('; '),
  });
}

/** Completed calls of `op` per second, with `concurrency` calls in flight for `seconds`. */
async function opsPerSecond(op: () => Promise<unknown>, seconds: number, concurrency = 8): Promise<number> {
  let done = 0;
  const start = performance.now();
  const end = start + seconds * 1000;
  const worker = async () => {
    while (performance.now() < end) {
      await op();
      done++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return done / ((performance.now() - start) / 1000);
}

/** B2 for both lists: the same reads through Prisma and through the raw driver, in this process. */
async function b2Orm(ctx: BenchContext, plan: Plan, url: string): Promise<Result[]> {
  // Unlike autocannon's load runs (whole seconds: their req/s is a per-second average), these
  // loops measure any span, so quick mode, which only proves they run, takes half a second.
  const quick = ctx.mode === 'quick';
  const seconds = quick ? 0.5 : 5;
  const warmup = quick ? 0.25 : plan.warmup;
  const goal = { op: '>=' as const, value: ctx.provider === 'sqlite' ? 0.33 : 0.6 };
  const prisma = await prismaListReads(url);
  let raw: ListReads | null = null;
  let app: ListReads | null = null;
  try {
    raw = await rawListReads(url);
    app = await appListReads(url);
    const results: Result[] = [];
    for (const [list, via] of [
      ['runs', 'prisma'],
      ['workflows', 'prisma'],
      ['runs', 'app'],
      ['workflows', 'app'],
    ] as const) {
      const ours = via === 'prisma' ? prisma : app;
      const oursRead = () => ours[list]();
      const [mine, theirs] = await Promise.all([oursRead(), raw[list]()]);
      const same = mine.length === PAGE_SIZE + 1 && JSON.stringify(mine) === JSON.stringify(theirs);
      const side = raw;
      await opsPerSecond(oursRead, warmup);
      await opsPerSecond(() => side[list](), warmup);
      const rounds = await interleaved(
        plan.rounds,
        () => opsPerSecond(oursRead, seconds),
        () => opsPerSecond(() => side[list](), seconds),
      );
      const figure = (values: number[]): Figure => ({
        value: median(values),
        unit: 'ops/s',
        detail: { rounds_ops: values.map((v) => v.toFixed(0)).join(' / '), in_flight: 8 },
      });
      results.push(
        result({
          id: via === 'prisma' ? `B2.${list}` : `B2.${list}.app`,
          title:
            via === 'prisma'
              ? `${list} first page (${PAGE_SIZE + 1} rows, all columns) in-process, through Prisma`
              : `${list} first page (${PAGE_SIZE + 1} rows, all columns) in-process, through the lists' fast reads (src/db/sql-reads.ts)`,
          flowdeck: figure(rounds.a),
          baseline: same ? { ...figure(rounds.b), name: ctx.provider === 'sqlite' ? 'better-sqlite3 prepared' : 'pg prepared' } : null,
          goal,
          ...(same
            ? {}
            : {
                note: `NO RATIO: the raw read returned other values than ${via}'s: ${firstDifference(JSON.stringify(mine), JSON.stringify(theirs))}`,
              }),
        }),
      );
    }
    return results;
  } finally {
    await raw?.close();
    await app?.close();
    await prisma.close();
  }
}

export const benchmark: Benchmark = {
  name: 'B1 lists, B2 ORM, B6 REST',
  async run(ctx: BenchContext): Promise<Result[]> {
    const plan = planFor(ctx);
    const db = await ctx.scratch();
    const children: Child[] = [];
    try {
      ctx.log(`B1: seeding ${plan.runs.toLocaleString('en')} runs over ${plan.workflows} workflows`);
      const seeding = performance.now();
      await seedRuns(db.url, ctx.provider, { runs: plan.runs, workflows: plan.workflows });
      ctx.log(`B1: seeded in ${((performance.now() - seeding) / 1000).toFixed(1)} s`);
      const flowdeck = await startFlowdeck({ DATABASE_URL: db.url, WORKER_CONCURRENCY: '0', RUN_RETENTION_DAYS: '0' });
      children.push(flowdeck);
      const bare = await startNode(BARE_LISTS, { DATABASE_URL: db.url }, /"port":(\d+)/);
      children.push(bare);
      const results: Result[] = [];
      for (const [list, query] of [
        ['runs', RUNS_QUERY],
        ['workflows', WORKFLOWS_QUERY],
      ] as const) {
        ctx.log(`B1: ${list}`);
        results.push(await b1List(plan, flowdeck.url, bare.url, list, query));
      }
      ctx.log('B6: REST vs GraphQL');
      results.push(await b6Rest(plan, flowdeck.url));
      ctx.log('B2: Prisma vs raw driver');
      results.push(...(await b2Orm(ctx, plan, db.url)));
      return results;
    } finally {
      for (const child of children.reverse()) await child.stop();
      await db.drop();
    }
  },
};
