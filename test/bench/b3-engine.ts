// B3 engine: completed steps per second while Flowdeck drains a backlog of runs (1- and 5-step
// workflows of no-op transforms and of calls to a local HTTP agent), against a job queue
// draining the same work in the same run: graphile-worker on PostgreSQL, a minimal SQLite queue
// on SQLite. On PostgreSQL also 4 worker processes against 1. And the latency from an
// executeWorkflow call to its first step's start under a steady execute load.
//
// A backlog is enqueued while no worker runs, then drained; the rate is steps over the span from
// the first run's start to the last run's completion, read from the database (the baselines time
// the same span themselves). Servers are pinned to the server core; the enqueueing Flowdeck
// (workers off) runs in this process, on the load core.
import { cpus } from 'node:os';
import {
  type EngineDb,
  type Variant,
  createAgent,
  createWorkflow,
  execute,
  executeMany,
  openEngineDb,
  openInProcess,
  overHttp,
  waitCompleted,
} from './baselines/engine-harness.ts';
import { type QueueBaseline, startQueue, steadyLoad } from './baselines/queue-client.ts';
import type { BatchResult, JobKind } from './baselines/queue-job.ts';
import { type BenchContext, type Benchmark, type Child, startFlowdeck, startNode } from './support/context.ts';
import { CORES, pin } from './support/machine.ts';
import { type Result, percentile, result } from './support/report.ts';

const VARIANTS: readonly Variant<JobKind>[] = [
  { id: 'noop1', title: '1-step runs, no-op transform', steps: 1, kind: 'noop' },
  { id: 'noop5', title: '5-step runs, no-op transforms', steps: 5, kind: 'noop' },
  { id: 'http1', title: '1-step runs, local HTTP agent', steps: 1, kind: 'http' },
  { id: 'http5', title: '5-step runs, local HTTP agent', steps: 5, kind: 'http' },
];
// The warm-up touches both step kinds, so every code path is compiled before anything is timed.
const WARMUP: Variant = { id: 'warmup', title: 'warm-up', steps: 2, kind: 'mixed' };
// Flowdeck's default WORKER_CONCURRENCY; each baseline process gets the same.
const CONCURRENCY = 4;
// Every core: where the 4 worker processes run, and where processes start (nothing is measured then).
const ALL_CORES = `0-${cpus().length - 1}`;

/** Sizes of one mode. */
interface Plan {
  /** Runs drained per variant; full mode sizes them from a probe drain. */
  runs(variant: Variant, probe: Drain | null): number;
  /** Runs of the probe drain that sizes a variant (0: no probe). */
  probeRuns: number;
  warmupRuns: number;
  /** Executions a second in the latency measurement (before the cap from the drain rate), its seconds, and its warm-up seconds. */
  latency: { rate: number; seconds: number; warmSeconds: number };
  timeoutMs: number;
}

const PLANS: Record<BenchContext['mode'], Plan> = {
  quick: {
    runs: (v) => (v.steps === 1 ? 30 : 10),
    probeRuns: 0,
    warmupRuns: 4,
    latency: { rate: 5, seconds: 1, warmSeconds: 0.5 },
    timeoutMs: 120_000,
  },
  full: {
    // About 25 s of work at the probe's rate, between 50 and 2,000 runs.
    runs: (v, probe) => Math.max(50, Math.min(2000, Math.round(((probe?.stepsPerSecond ?? 100) / v.steps) * 25))),
    probeRuns: 30,
    warmupRuns: 40,
    latency: { rate: 20, seconds: 20, warmSeconds: 2 },
    timeoutMs: 600_000,
  },
};

/** What one drain measured. */
interface Drain {
  runs: number;
  steps: number;
  seconds: number;
  stepsPerSecond: number;
}

function drained(runs: number, steps: number, firstMs: number, lastMs: number): Drain {
  const seconds = (lastMs - firstMs) / 1000;
  if (!(seconds > 0)) throw new Error(`no time span measured (${firstMs} → ${lastMs})`);
  return { runs, steps, seconds, stepsPerSecond: steps / seconds };
}

const fromBatch = (runs: number, b: BatchResult): Drain => drained(runs, b.jobs, b.firstStartMs, b.lastEndMs);

const perSecond = (d: Drain) => `${d.stepsPerSecond.toFixed(1)} steps/s`;
const since = (began: number) => `${((performance.now() - began) / 1000).toFixed(0)} s`;

/** Figures of a drain, for a result. */
const detail = (d: Drain) => ({ runs: d.runs, steps: d.steps, seconds: Number(d.seconds.toFixed(2)) });

// Never undefined once a child has started; checked because pin() without a pid pins this process.
function pidOf(c: Child): number {
  if (c.child.pid === undefined) throw new Error('child process without a pid');
  return c.child.pid;
}

const hold = (c: Child) => c.child.kill('SIGSTOP');
const resume = (c: Child) => c.child.kill('SIGCONT');

export const benchmark: Benchmark = {
  name: 'B3 engine',
  async run(ctx) {
    const plan = PLANS[ctx.mode];
    const cleanup: (() => Promise<unknown>)[] = [];
    try {
      const agent = await startNode(new URL('./baselines/noop-agent.ts', import.meta.url).pathname, {}, /"port":(\d+)/);
      cleanup.push(() => agent.stop());
      const flowDb = await ctx.scratch();
      cleanup.push(() => flowDb.drop());
      const queueDb = await ctx.scratch();
      cleanup.push(() => queueDb.drop());
      let keys = 0;
      const nextKey = (v: Variant) => `b3-${v.id}-${++keys}`;
      const setup = { ctx, plan, cleanup, agentUrl: `${agent.url}/run`, flowUrl: flowDb.url, queueUrl: queueDb.url, nextKey };
      return ctx.provider === 'postgres' ? await onPostgres(setup) : await onSqlite(setup);
    } finally {
      for (const step of cleanup.reverse()) await step().catch((error: unknown) => ctx.log(`B3 cleanup: ${String(error)}`));
    }
  },
};

interface Setup {
  ctx: BenchContext;
  plan: Plan;
  cleanup: (() => Promise<unknown>)[];
  agentUrl: string;
  flowUrl: string;
  queueUrl: string;
  /** A new workflow key: every drain has its own workflow, so its runs are counted by version. */
  nextKey(v: Variant): string;
}

const flowEnv = (s: Setup) => ({ DATABASE_URL: s.flowUrl, EGRESS_ALLOW: 'loopback', WORKER_CONCURRENCY: String(CONCURRENCY) });

/**
 * PostgreSQL: a server with its workers on and three worker processes are started once and held
 * stopped (SIGSTOP) except while they drain, so each backlog is complete before any worker sees
 * it and no process start is timed. "1 process" is the server (as on SQLite), "4 processes" all
 * four; the server alone then takes the latency measurement.
 */
async function onPostgres(s: Setup): Promise<Result[]> {
  const { ctx, plan } = s;
  const local = await openInProcess(s.flowUrl);
  s.cleanup.push(() => local.app.stop());
  await createAgent(local.send, s.agentUrl);
  const edb = await openEngineDb(s.flowUrl);
  s.cleanup.push(() => edb.close());
  ctx.log('B3: starting a Flowdeck server, 3 worker processes and graphile-worker');
  const [queueStarted, ...started] = await Promise.allSettled([
    startQueue({ kind: 'graphile', databaseUrl: s.queueUrl, concurrency: CONCURRENCY, agentUrl: s.agentUrl }),
    startFlowdeck(flowEnv(s), 'main', ALL_CORES),
    ...[1, 2, 3].map(() => startFlowdeck(flowEnv(s), 'worker', ALL_CORES)),
  ]);
  for (const p of started) {
    if (p.status === 'fulfilled') {
      hold(p.value);
      s.cleanup.push(async () => {
        resume(p.value);
        await p.value.stop();
      });
    }
  }
  if (queueStarted.status === 'fulfilled') s.cleanup.push(() => queueStarted.value.stop());
  const failed = [queueStarted, ...started].find((p) => p.status === 'rejected');
  if (failed) throw failed.reason;
  const queue = (queueStarted as PromiseFulfilledResult<QueueBaseline>).value;
  const workers = started.map((p) => (p as PromiseFulfilledResult<Child>).value);
  const server = workers[0] as Child;
  const one = [server];

  const drain = async (set: Child[], cores: string, v: Variant, runs: number): Promise<Drain> => {
    const key = s.nextKey(v);
    await createWorkflow(local.send, key, v);
    const versionId = await edb.versionId(key);
    await executeMany(local.send, key, runs);
    for (const c of set) {
      pin(cores, pidOf(c));
      resume(c);
    }
    try {
      await waitCompleted(edb, versionId, runs, plan.timeoutMs);
    } finally {
      for (const c of set) hold(c);
    }
    const w = await edb.window(versionId);
    return drained(runs, runs * v.steps, w.first, w.last);
  };

  // Each process alone, so each compiles its hot paths as fully as the one that drains alone
  // later; a cold process spends about twice the CPU on a step.
  ctx.log('B3: warming up (each Flowdeck process, graphile-worker)');
  for (const c of workers) await drain([c], CORES.server, WARMUP, plan.warmupRuns);
  await warmQueue(queue, plan);
  const results: Result[] = [];
  let noop1: Drain | null = null;
  for (const v of VARIANTS) {
    const probe = plan.probeRuns ? await drain(one, CORES.server, v, plan.probeRuns) : null;
    const runs = plan.runs(v, probe);
    const began = performance.now();
    const single = await drain(one, CORES.server, v, runs);
    const base = fromBatch(runs, await queue.batch({ runs, steps: v.steps, kind: v.kind }));
    const four = await drain(workers, ALL_CORES, v, runs);
    ctx.log(
      `B3 ${v.id}, ${runs} runs: Flowdeck ${perSecond(single)} (4 processes ${perSecond(four)}), ${queue.name} ${perSecond(base)} [${since(began)}]`,
    );
    if (v.id === 'noop1') noop1 = single;
    results.push(
      drainResult(v, single, base, queue.name, 'one server process (WORKER_CONCURRENCY=4) on the server core, PostgreSQL unpinned'),
    );
    results.push(
      result({
        id: `B3.scale.${v.id}`,
        title: `${v.title}: 4 processes ÷ 1, steps/s`,
        flowdeck: { value: four.stepsPerSecond, unit: 'steps/s', detail: detail(four) },
        baseline: { name: 'Flowdeck, 1 process', value: single.stepsPerSecond, unit: 'steps/s', detail: detail(single) },
        goal: { op: '>=', value: 2.5 },
        note: `The server and 3 worker processes, each WORKER_CONCURRENCY=4, share all ${cpus().length} cores (${ALL_CORES}) with PostgreSQL; 1 process has core ${CORES.server}. On 2 cores the ceiling is about 2×.`,
      }),
    );
  }

  pin(CORES.server, pidOf(server));
  resume(server);
  const rate = latencyRate(plan, noop1);
  const flow = await flowLatency(s, edb, server.url, rate);
  hold(server);
  const base = await queueLatency(queue, plan, rate);
  results.push(...latencyResults(flow, base, queue.name, rate, 'one server process with its workers on'));
  return results;
}

/**
 * SQLite: one process per database file, so each backlog is enqueued here with workers off, this
 * process closes the file, and a server with its workers on is started to drain it (its start
 * is not timed: the span begins at the first run's start).
 */
async function onSqlite(s: Setup): Promise<Result[]> {
  const { ctx, plan } = s;
  {
    const local = await openInProcess(s.flowUrl);
    await createAgent(local.send, s.agentUrl);
    await local.app.stop();
  }
  const edb = await openEngineDb(s.flowUrl);
  s.cleanup.push(() => edb.close());
  const queueFile = s.queueUrl.replace(/^file:/, '').replace(/flowdeck\.db$/, 'queue.db');
  const queue = await startQueue({ kind: 'sqlite', file: queueFile, concurrency: CONCURRENCY, agentUrl: s.agentUrl });
  s.cleanup.push(() => queue.stop());

  // A warm-up workflow's runs are enqueued first, so the new server has compiled its hot paths
  // before the measured runs (claimed in enqueue order) start; its last warm-up runs may overlap
  // the first measured ones, which can only lower the measured rate. `whileUp` runs on the
  // drained server before it stops (the last one takes the latency measurement).
  const drain = async (v: Variant, runs: number, whileUp?: (server: Child) => Promise<void>): Promise<Drain> => {
    const warmKey = s.nextKey(WARMUP);
    const key = s.nextKey(v);
    const local = await openInProcess(s.flowUrl);
    try {
      await createWorkflow(local.send, warmKey, WARMUP);
      await createWorkflow(local.send, key, v);
      await executeMany(local.send, warmKey, plan.warmupRuns);
      await executeMany(local.send, key, runs);
    } finally {
      await local.app.stop();
    }
    const versionId = await edb.versionId(key);
    const server = await startFlowdeck(flowEnv(s), 'main');
    try {
      await waitCompleted(edb, versionId, runs, plan.timeoutMs);
      const w = await edb.window(versionId);
      const measured = drained(runs, runs * v.steps, w.first, w.last);
      await whileUp?.(server);
      return measured;
    } finally {
      await server.stop();
    }
  };

  ctx.log('B3: warming up the SQLite queue');
  await warmQueue(queue, plan);
  const results: Result[] = [];
  let noop1: Drain | null = null;
  let latency: { rate: number; flow: number[] } | null = null;
  for (const [i, v] of VARIANTS.entries()) {
    const probe = plan.probeRuns ? await drain(v, plan.probeRuns) : null;
    const runs = plan.runs(v, probe);
    const began = performance.now();
    const measureLatency = async (server: Child) => {
      const rate = latencyRate(plan, noop1);
      latency = { rate, flow: await flowLatency(s, edb, server.url, rate) };
    };
    const flow = await drain(v, runs, i === VARIANTS.length - 1 ? measureLatency : undefined);
    const base = fromBatch(runs, await queue.batch({ runs, steps: v.steps, kind: v.kind }));
    ctx.log(`B3 ${v.id}, ${runs} runs: Flowdeck ${perSecond(flow)}, ${queue.name} ${perSecond(base)} [${since(began)}]`);
    if (v.id === 'noop1') noop1 = flow;
    results.push(
      drainResult(
        v,
        flow,
        base,
        queue.name,
        'one server process (WORKER_CONCURRENCY=4) on the server core, started on the enqueued backlog behind warm-up runs',
      ),
    );
  }
  if (!latency) throw new Error('no latency measured');
  const { rate, flow } = latency;
  const base = await queueLatency(queue, plan, rate);
  results.push(...latencyResults(flow, base, queue.name, rate, 'one server process with its workers on'));
  return results;
}

/** Runs small batches of both kinds so the baseline is as warm as Flowdeck's workers. */
async function warmQueue(queue: QueueBaseline, plan: Plan): Promise<void> {
  for (const kind of ['noop', 'http'] as const) await queue.batch({ runs: plan.warmupRuns, steps: 2, kind });
}

function drainResult(v: Variant, flow: Drain, base: Drain, name: string, flowdeck: string): Result {
  return result({
    id: `B3.drain.${v.id}`,
    title: `${v.title}: completed steps/s draining a backlog`,
    flowdeck: { value: flow.stepsPerSecond, unit: 'steps/s', detail: detail(flow) },
    baseline: { name, value: base.stepsPerSecond, unit: 'jobs/s', detail: detail(base) },
    goal: { op: '>=', value: 0.5 },
    note:
      `Flowdeck: ${flowdeck}. Baseline: concurrency ${CONCURRENCY}, one job per step, each handler adding the run's next job ` +
      `(chained, as Flowdeck orders steps)${v.kind === 'noop' ? "; Flowdeck's no-op is a JSONata transform in its worker thread, the baseline's does nothing" : ''}.`,
  });
}

/**
 * A steady load the engine can sustain: the plan's rate, at most a quarter of the 1-step no-op
 * drain rate, since the same process also serves every execute call (at half, runs queued and
 * p99 only said how long the test ran).
 */
function latencyRate(plan: Plan, noop1: Drain | null): number {
  const cap = noop1 ? noop1.stepsPerSecond / 4 : plan.latency.rate;
  return Math.max(1, Math.min(plan.latency.rate, Math.floor(cap)));
}

/** Executes a 1-step no-op workflow over HTTP at `rate`, and returns each run's execute-call-to-first-step-start time (ms). */
async function flowLatency(s: Setup, edb: EngineDb, url: string, rate: number): Promise<number[]> {
  const { plan } = s;
  const send = overHttp(url);
  const variant = VARIANTS[0] as Variant;
  const key = s.nextKey({ ...variant, id: 'latency' });
  await createWorkflow(send, key, variant);
  const versionId = await edb.versionId(key);
  s.ctx.log(`B3 latency: ${rate} executions/s for ${plan.latency.seconds} s — Flowdeck, then the baseline`);
  const warm = await steadyLoad(rate, plan.latency.warmSeconds, () => execute(send, key));
  const calls = await steadyLoad(rate, plan.latency.seconds, async (t0) => ({ id: await execute(send, key), t0 }));
  await waitCompleted(edb, versionId, warm.length + calls.length, plan.timeoutMs);
  const starts = await edb.firstStepStarts(versionId);
  return calls.map((c) => {
    const start = starts.get(c.id);
    if (start === undefined) throw new Error(`run ${c.id} has no started step`);
    return start - c.t0;
  });
}

/** The same load on the baseline: one job per call, latency from the call to its handler's start. */
async function queueLatency(queue: QueueBaseline, plan: Plan, rate: number): Promise<number[]> {
  const collect = async (expected: number): Promise<number[]> => {
    const out: number[] = [];
    const deadline = Date.now() + plan.timeoutMs;
    while (out.length < expected) {
      if (Date.now() > deadline) throw new Error(`${queue.name}: ${out.length} of ${expected} probes handled`);
      out.push(...(await queue.latencies()));
      if (out.length < expected) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return out;
  };
  const warm = await steadyLoad(rate, plan.latency.warmSeconds, (t0) => queue.probe(t0));
  await collect(warm.length);
  const calls = await steadyLoad(rate, plan.latency.seconds, (t0) => queue.probe(t0));
  return collect(calls.length);
}

function latencyResults(flow: number[], base: number[], name: string, rate: number, flowdeck: string): Result[] {
  return [50, 99].map((p) =>
    result({
      id: `B3.latency.p${p}`,
      title: `start-to-first-step latency p${p} at ${rate} executions/s`,
      flowdeck: { value: percentile(flow, p), unit: 'ms', detail: { runs: flow.length, rate } },
      baseline: { name, value: percentile(base, p), unit: 'ms', detail: { jobs: base.length, rate } },
      goal: null,
      note:
        p === 50
          ? `Flowdeck: executeWorkflow over HTTP (GraphQL) → first step's startedAt, ${flowdeck}. Baseline: its add-job call over HTTP → handler start. Ratio: lower is better; the issue sets no goal.`
          : undefined,
    }),
  );
}
