// Model-based test of the run state machine against a real database (SQLite, or PostgreSQL when
// DATABASE_URL names one). fast-check generates sequences of up to 25 actions over a small workflow
// (a, c agents in parallel; a → approve, a wait only a signal ends; c → pause, a delay due at once;
// both → b, an agent) and runs them against one app whose only workers are the test's own pools:
//   - worker steps: an EngineStepper holds every engine write at its hook, so the engine moves only
//     when the sequence releases a write (`step`, `burst`, `until` a race point), or fails one
//     (`fault`: a database failure of that write);
//   - user actions through GraphQL: start, cancel, signal, retry, rerunFromStep; the agent's mode
//     (ok, 400, 503, reply lost after the work was done); `tick` moves the ManualClock;
//   - `crash`: the live pool's held writes are never released (until the drain: a stalled process
//     that wakes up), it claims nothing more, the clock passes LEASE_MS and a new pool takes over.
// Then everything is let go (the drain: release all, signal every waiting step, let time pass) and
// the history is checked through GraphQL and the agent's recorded requests:
//   1. every run ends terminal: nothing is left non-terminal with nothing to make it progress;
//   2. an acknowledged CANCELLED stays so unless a later retry was acknowledged: after
//      `run.cancelled` the next status-changing event is `run.retried`, never started/completed/failed;
//   3. one step execution is delivered with one key: per (run, step, X-Flowdeck-Attempt) the agent
//      saw at most one Idempotency-Key, an INTERRUPTED attempt is delivered again with its key, and
//      the key changes only when the step is deliberately executed again.
// Timing never decides the outcome: which write goes next is the sequence's choice, and the bounds
// (settling, the drain, stopping pools) are safety nets. A failure prints the actions, a trace of
// what each did (and which writes were held), and the seed.
// Replay: FLOWDECK_PROP_SEED (and FLOWDECK_PROP_PATH) as printed, or FLOWDECK_PROP_CASE='<the
// counterexample JSON>'. FLOWDECK_PROP_RUNS sets the number of cases, FLOWDECK_PROP_TRACE=1 prints
// every case's trace.

import fc from 'fast-check';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { CancelRunDocument, RerunFromStepDocument, RetryRunDocument, RunDocument, SignalRunDocument } from '../gql/graphql.ts';
import type { EngineWrite } from '../../src/domain/resources.ts';
import { startWorkers, type WorkerOptions, type WorkerPool } from '../../src/engine/worker.ts';
import { AgentReply, startHttpAgent, type TestAgent } from '../support/agents.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { ManualClock } from '../support/clock.ts';
import { testProvider } from '../support/database.ts';
import { EngineStepper, type HeldWrite } from '../support/engine-stepper.ts';
import { dbId, flows, type RunEventView } from '../support/flows.ts';
import type { RunView } from '../support/runs.ts';

const LEASE_MS = 5_000;
/** How far a `tick` (and each drain round) moves the clock: a driver's back-off after a failed write comes due over a few. */
const TICK_MS = 2_000;
/** Runs one case may make (starts and re-runs included). */
const MAX_RUNS = 4;
const MAX_ACTIONS = 25;
const NUM_RUNS = Number(process.env.FLOWDECK_PROP_RUNS ?? 20);
const SEED = process.env.FLOWDECK_PROP_SEED ? Number(process.env.FLOWDECK_PROP_SEED) : Math.floor(Math.random() * 2 ** 31);
const PATH = process.env.FLOWDECK_PROP_PATH;
/** A case to run first, as fast-check prints a counterexample: `[[{"kind":"cancel","run":0}]]` or just the inner list. */
const CASE = process.env.FLOWDECK_PROP_CASE ? (JSON.parse(process.env.FLOWDECK_PROP_CASE) as Action[] | [Action[]]) : null;
/**
 * The drain gives up on a run after this many rounds (each releases everything, signals every
 * wait and moves the clock TICK_MS: 2 minutes of model time, far more than any run needs) and
 * at least DRAIN_MIN_MS. Safety nets, not assertions about speed: a healthy case drains in a few
 * rounds, stopping the pools takes milliseconds.
 */
const DRAIN_ROUNDS = 60;
const DRAIN_MIN_MS = 5_000;
const DRAIN_LIMIT_MS = 60_000;
const STOP_LIMIT_MS = 15_000;
const TERMINAL = new Set(['COMPLETED', 'FAILED', 'CANCELLED']);
const STATUS_EVENTS = new Set(['run.started', 'run.completed', 'run.failed', 'run.cancelled', 'run.retried']);
const AGENT_STEPS = ['a', 'c', 'b'] as const;
const STEP_IDS = ['a', 'c', 'pause', 'approve', 'b'] as const;
const MODES = ['ok', 'fail', 'flaky', 'lost'] as const;
/** Where `until` stops the engine: the writes a user action can race with. */
const RACE_POINTS: EngineWrite[] = [
  'run.start',
  'run.park',
  'run.complete',
  'run.fail',
  'run.release',
  'step.start',
  'step.finish',
  'step.timer',
  'step.interrupt',
];
/** Releases one `burst` or `until` makes at most. */
const MAX_RUN_ON = 16;
type AgentMode = (typeof MODES)[number];

/** One move of the model. `pick` and `run` are taken modulo what exists when the action runs. */
type Action =
  | { kind: 'step'; pick: number }
  | { kind: 'burst'; count: number }
  | { kind: 'until'; write: EngineWrite }
  | { kind: 'fault'; pick: number }
  | { kind: 'start' }
  | { kind: 'cancel'; run: number }
  | { kind: 'signal'; run: number }
  | { kind: 'retry'; run: number }
  | { kind: 'rerun'; run: number; from: (typeof STEP_IDS)[number] }
  | { kind: 'crash' }
  | { kind: 'tick' }
  | { kind: 'agent'; mode: AgentMode };

const runIndex = fc.nat(MAX_RUNS - 1);
const untilArb = fc.record({ kind: fc.constant('until' as const), write: fc.constantFrom(...RACE_POINTS) });
const actionArb: fc.Arbitrary<Action> = fc.oneof(
  { weight: 12, arbitrary: fc.record({ kind: fc.constant('step' as const), pick: fc.nat(3) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('burst' as const), count: fc.integer({ min: 2, max: 8 }) }) },
  { weight: 2, arbitrary: untilArb },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('fault' as const), pick: fc.nat(3) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('start' as const) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('cancel' as const), run: runIndex }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('signal' as const), run: runIndex }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('retry' as const), run: runIndex }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('rerun' as const), run: runIndex, from: fc.constantFrom(...STEP_IDS) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('crash' as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('tick' as const) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('agent' as const), mode: fc.constantFrom(...MODES) }) },
);
/** Races worth lining up: the engine stopped at this write while that happens. */
const RACES: [EngineWrite, 'cancel' | 'signal' | 'retry' | 'crash'][] = [
  ['run.start', 'cancel'],
  ['step.start', 'cancel'],
  ['step.start', 'crash'],
  ['step.finish', 'cancel'],
  ['step.finish', 'crash'],
  ['step.timer', 'cancel'],
  ['step.interrupt', 'cancel'],
  ['run.park', 'signal'],
  ['run.park', 'cancel'],
  ['run.complete', 'cancel'],
  ['run.fail', 'cancel'],
  ['run.release', 'retry'],
];
const raceArb: fc.Arbitrary<Action[]> = fc
  .record({ race: fc.constantFrom(...RACES), run: runIndex })
  .map(({ race: [write, kind], run }) => [{ kind: 'until', write }, kind === 'crash' ? { kind } : { kind, run }]);
/**
 * A case: single actions, and now and then the engine run up to a race point with a user
 * action (or a crash) landing right there, which a uniform mix of single actions rarely lines up.
 */
const caseArb: fc.Arbitrary<Action[]> = fc
  .array(fc.oneof({ weight: 3, arbitrary: actionArb.map((a) => [a]) }, { weight: 1, arbitrary: raceArb }), {
    maxLength: MAX_ACTIONS,
    size: 'max',
  })
  .map((segments) => segments.flat().slice(0, MAX_ACTIONS));

function show(a: Action): string {
  switch (a.kind) {
    case 'step':
    case 'fault':
      return `${a.kind}(${a.pick})`;
    case 'cancel':
    case 'signal':
    case 'retry':
      return `${a.kind}(r${a.run})`;
    case 'burst':
      return `burst(${a.count})`;
    case 'until':
      return `until(${a.write})`;
    case 'rerun':
      return `rerun(r${a.run}, ${a.from})`;
    case 'agent':
      return `agent(${a.mode})`;
    default:
      return a.kind;
  }
}

const clock = new ManualClock('2030-01-01T00:00:00.000Z');
const advance = (ms: number) => clock.set(new Date(clock.now().getTime() + ms));
const stepper = new EngineStepper(testProvider === 'postgres' ? 8 : 4);
let t: TestApp;
let f: ReturnType<typeof flows>;
let agent: TestAgent;
let workflowId: string;
let agentMode: AgentMode = 'ok';
let poolCounter = 0;
/** Runs of earlier cases: their writes (if any are left) are never held. */
const foreign = new Set<string>();
/** What the cases got to exercise (printed at the end, so a vacuous run shows). */
const coverage = new Map<string, number>();
const saw = (what: string) => coverage.set(what, (coverage.get(what) ?? 0) + 1);

const poolOptions: WorkerOptions = {
  concurrency: 8,
  maxParallelSteps: 4,
  leaseMs: LEASE_MS,
  // Claims happen on wake-ups (new runs, user actions, parking, the test's clock moves), so a
  // poll never fires in the middle of a case; the drain wakes the pools itself.
  pollMs: 600_000,
  maxInterruptions: 5,
  transforms: { timeoutMs: 1_000, maxMemoryMb: 64, threads: 1 },
  random: () => 0.5,
};

/** The agent replies lost in `lost` mode: the agent did the work, the engine sees a network failure. */
function lossyFetch(inner: typeof fetch): typeof fetch {
  return async (input, init) => {
    const mode = agentMode;
    const response = await inner(input, init);
    if (mode !== 'lost' || (init?.method ?? 'GET') !== 'POST') return response;
    await response.arrayBuffer();
    throw new TypeError('fetch failed', { cause: Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }) });
  };
}

beforeAll(async () => {
  agent = await startHttpAgent((body: { stepId: string; attempt: number }) => {
    if (agentMode === 'fail') return new AgentReply(400, { error: 'rejected' });
    if (agentMode === 'flaky') return new AgentReply(503, { error: 'busy' });
    return { step: body.stepId, attempt: body.attempt };
  });
  t = await startTestApp(
    { hooks: stepper.hooks, clock, onQuery: stepper.onQuery, fetch: stepper.trackFetch(lossyFetch(fetch)) },
    // The test's own pools are the only workers.
    { WORKER_CONCURRENCY: '0', LEASE_MS: String(LEASE_MS) },
  );
  f = flows(t);
  const name = await f.agent('model', agent, { timeoutMs: 10_000 });
  const retry = { maxRetries: 1, initialDelayMs: 0, maxDelayMs: 0, jitter: 0 };
  workflowId = (
    await f.workflow('state-machine', {
      steps: [
        { id: 'a', type: 'agent', agent: name, retry },
        { id: 'c', type: 'agent', agent: name, retry },
        // Only a signal ends it: no timer can rescue a run parked over its signal.
        { id: 'approve', type: 'wait', dependsOn: ['a'] },
        // A timer that is due at once: step.timer writes without waiting for the clock.
        { id: 'pause', type: 'delay', dependsOn: ['c'], durationMs: 0 },
        { id: 'b', type: 'agent', agent: name, dependsOn: ['approve', 'pause'], retry },
      ],
    })
  ).id;
}, 60_000);

afterAll(async () => {
  stepper.passThrough();
  await t?.close();
  await agent?.close();
});

interface Tracked {
  label: string;
  id: string;
  db: string;
}

interface Pool {
  id: number;
  pool: WorkerPool;
  stopped?: Promise<void>;
}

/** A failed check: the property reports it with the case's trace. */
class Violation extends Error {}

/** One generated case: its runs, pools, what users had acknowledged, and what happened. */
class Case {
  readonly runs: Tracked[] = [];
  readonly pools: Pool[] = [];
  readonly cancels = new Map<string, number>();
  readonly retries = new Map<string, number>();
  readonly signals = new Map<string, unknown>();
  readonly trace: string[] = [];
  #signalCounter = 0;

  get live(): Pool {
    return this.pools.at(-1) as Pool;
  }

  startPool(): void {
    const id = ++poolCounter;
    this.pools.push({ id, pool: stepper.inPool(id, () => startWorkers(t.app.resources, poolOptions)) });
  }

  track(id: string): Tracked {
    const tracked = { label: `r${this.runs.length}`, id, db: dbId(id) };
    this.runs.push(tracked);
    return tracked;
  }

  labelOf(db: string): string {
    return this.runs.find((r) => r.db === db)?.label ?? db;
  }

  describe(h: HeldWrite): string {
    return `${this.labelOf(h.runId)} ${h.write}${h.stepId ? ` ${h.stepId}` : ''} [pool ${h.pool}]`;
  }

  async apply(a: Action): Promise<string> {
    switch (a.kind) {
      case 'step':
      case 'fault': {
        const live = stepper.live();
        const h = live[a.pick % Math.max(1, live.length)];
        if (!h) return 'nothing held';
        saw(`${a.kind} ${h.write}`);
        if (a.kind === 'step') stepper.release(h.seq);
        else stepper.fail(h.seq, new Error(`injected failure of ${h.write}`));
        return `${a.kind === 'step' ? 'released' : 'failed'} ${this.describe(h)}`;
      }
      case 'burst':
      case 'until': {
        // The engine runs on its own for a while: the oldest held write goes, again and again
        // (`until`: until a write of that kind is held, where the next action races with it).
        const released: string[] = [];
        for (let i = 0; i < (a.kind === 'burst' ? a.count : MAX_RUN_ON); i++) {
          const live = stepper.live();
          const h = live[0];
          if (!h || (a.kind === 'until' && live.some((x) => x.write === a.write))) break;
          saw(`step ${h.write}`);
          stepper.release(h.seq);
          released.push(this.describe(h));
          await stepper.settle();
        }
        return released.length > 0 ? `released ${released.join('; ')}` : 'nothing held';
      }
      case 'start': {
        if (this.runs.length >= MAX_RUNS) return 'run limit';
        return `started ${this.track((await f.execute(workflowId)).id).label}`;
      }
      case 'cancel': {
        const run = this.pick(a.run);
        const result = unwrap(await t.gql(CancelRunDocument, { id: run.id, reason: 'model' })).cancelRun;
        this.sawRace('cancel', run, result.__typename);
        if (result.__typename === 'Run') this.cancels.set(run.label, (this.cancels.get(run.label) ?? 0) + 1);
        return `${run.label}: ${result.__typename === 'Run' ? `acknowledged ${result.status}` : result.__typename}`;
      }
      case 'signal':
        return this.signal(this.pick(a.run));
      case 'retry': {
        const run = this.pick(a.run);
        const result = unwrap(await t.gql(RetryRunDocument, { id: run.id })).retryRun;
        this.sawRace('retry', run, result.__typename);
        if (result.__typename === 'Run') this.retries.set(run.label, (this.retries.get(run.label) ?? 0) + 1);
        return `${run.label}: ${result.__typename === 'Run' ? 'acknowledged' : result.__typename}`;
      }
      case 'rerun': {
        const run = this.pick(a.run);
        if (this.runs.length >= MAX_RUNS) return 'run limit';
        const result = unwrap(await t.gql(RerunFromStepDocument, { runId: run.id, stepId: a.from })).rerunFromStep;
        saw(`rerun ${result.__typename}`);
        if (result.__typename !== 'Run') return `${run.label}: ${result.__typename}`;
        return `${run.label}: child ${this.track(result.id).label}`;
      }
      case 'crash': {
        // The process dies: its held writes never happen, it claims nothing more, and its calls
        // in flight are cut off. stop() settles only once the drain lets its writes go (and the
        // fence turns them away).
        saw('crash');
        const dead = this.live;
        stepper.kill(dead.id);
        dead.stopped = dead.pool.stop(0);
        advance(LEASE_MS + 1);
        this.startPool();
        t.app.resources.notifier.wake();
        return `pool ${dead.id} died; pool ${this.live.id} took over`;
      }
      case 'tick':
        advance(TICK_MS);
        t.app.resources.notifier.wake();
        return `clock +${TICK_MS} ms`;
      case 'agent':
        agentMode = a.mode;
        return `agent replies ${a.mode}`;
    }
  }

  /** Tallies an action's answer, and which of the run's writes it raced with when acknowledged. */
  sawRace(action: string, run: Tracked, answer: string): void {
    saw(`${action} ${answer}`);
    if (answer !== 'Run') return;
    for (const h of stepper.live()) if (h.runId === run.db) saw(`${action} acknowledged while ${h.write} held`);
  }

  pick(index: number): Tracked {
    return this.runs[index % this.runs.length] as Tracked;
  }

  async signal(run: Tracked, inDrain = false): Promise<string> {
    const payload = { n: ++this.#signalCounter };
    const result = unwrap(await t.gql(SignalRunDocument, { runId: run.id, stepId: 'approve', payload })).signalRun;
    if (!inDrain) this.sawRace('signal', run, result.__typename);
    if (result.__typename === 'Run') this.signals.set(run.label, payload);
    return `${run.label}: ${result.__typename === 'Run' ? `acknowledged ${JSON.stringify(payload)}` : result.__typename}`;
  }

  /** Lets everything go, answers every wait, lets time pass; returns once every run is terminal. */
  async drain(): Promise<string[]> {
    stepper.passThrough();
    agentMode = 'ok';
    const started = Date.now();
    for (let round = 0; ; round++) {
      await stepper.settle();
      const open = (await Promise.all(this.runs.map(async (r) => ({ r, view: await readRun(r) })))).filter(
        ({ view }) => !TERMINAL.has(view.status),
      );
      if (open.length === 0) return [];
      const elapsed = Date.now() - started;
      if ((round >= DRAIN_ROUNDS && elapsed >= DRAIN_MIN_MS) || elapsed >= DRAIN_LIMIT_MS) {
        const rows = await Promise.all(open.map(({ r, view }) => this.diagnose(r, view)));
        return [`(1) runs still not terminal after ${round} drain rounds (${elapsed} ms):\n${rows.join('\n')}`];
      }
      for (const { r, view } of open)
        if (view.steps.some((s) => s.stepId === 'approve' && s.status === 'WAITING'))
          this.trace.push(`  drain: signal ${await this.signal(r, true)}`);
      advance(TICK_MS);
      t.app.resources.notifier.wake();
    }
  }

  async diagnose(r: Tracked, view: RunView): Promise<string> {
    const row = await t.app.resources.db.prisma.run.findUniqueOrThrow({
      where: { id: r.db },
      select: { version: true, runnableAt: true, leaseOwner: true, leaseExpiresAt: true },
    });
    const steps = view.steps.map((s) => `${s.stepId}=${s.status}#${s.attemptCount}`).join(' ');
    return `  ${r.label} ${view.status} [${steps}] version=${row.version} runnableAt=${row.runnableAt?.toISOString() ?? 'null'} lease=${row.leaseOwner ? `${row.leaseExpiresAt?.toISOString()}` : 'free'} now=${clock.now().toISOString()}`;
  }

  async stopPools(): Promise<void> {
    const stops = this.pools.map((p) => (p.stopped ??= p.pool.stop(0)));
    await bounded(Promise.all(stops), STOP_LIMIT_MS, () => {
      const held = stepper.all().map((h) => this.describe(h));
      return new Violation(`worker pools did not stop within ${STOP_LIMIT_MS} ms (held: ${held.join(', ') || 'none'})`);
    });
  }

  /** Checks properties 2 and 3 on the history, through GraphQL and the agent's recorded calls. */
  async check(): Promise<string[]> {
    const problems: string[] = [];
    const byDb = new Map(this.runs.map((r) => [r.db, r]));
    // Keys the agent saw, per (run, step, X-Flowdeck-Attempt).
    const seen = new Map<string, Set<string>>();
    for (const call of agent.calls) {
      const body = call.body as { runId?: string; stepId?: string } | undefined;
      if (!body?.runId || !byDb.has(body.runId)) continue;
      const where = `${body.runId}/${body.stepId}/${header(call.headers['x-flowdeck-attempt'])}`;
      const keys = seen.get(where) ?? new Set<string>();
      keys.add(header(call.headers['idempotency-key']));
      seen.set(where, keys);
    }
    for (const r of this.runs) {
      const view = await readRun(r);
      const events = await f.events(r.id);
      const at = (what: string) => problems.push(`${r.label}: ${what}`);
      saw(`run ${view.status}`);
      if (events.some((e, i) => e.type === 'run.cancelled' && events.slice(i).some((x) => x.type === 'run.retried')))
        saw('cancel then retry');
      // (2)
      const statuses = events.filter((e) => STATUS_EVENTS.has(e.type));
      statuses.forEach((e, i) => {
        const next = statuses[i + 1];
        if (e.type === 'run.cancelled' && next && next.type !== 'run.retried')
          at(`(2) ${next.type} (seq ${next.seq}) followed the acknowledged run.cancelled (seq ${e.seq}) without a retry`);
      });
      const count = (type: string) => events.filter((e) => e.type === type).length;
      if (count('run.cancelled') !== (this.cancels.get(r.label) ?? 0))
        at(`(2) ${count('run.cancelled')} run.cancelled events for ${this.cancels.get(r.label) ?? 0} acknowledged cancels`);
      if (count('run.retried') !== (this.retries.get(r.label) ?? 0))
        at(`(2) ${count('run.retried')} run.retried events for ${this.retries.get(r.label) ?? 0} acknowledged retries`);
      const last = statuses.at(-1)?.type;
      const implied = { 'run.completed': 'COMPLETED', 'run.failed': 'FAILED', 'run.cancelled': 'CANCELLED' }[last ?? ''];
      if (TERMINAL.has(view.status) && implied !== view.status) at(`status ${view.status}, but the last status event is ${last ?? 'none'}`);
      // A signalled wait is COMPLETED, which nothing undoes (retryRun resets only failed and cancelled steps).
      const signalled = this.signals.get(r.label);
      const approve = view.steps.find((s) => s.stepId === 'approve');
      if (signalled !== undefined && (approve?.status !== 'COMPLETED' || JSON.stringify(approve.output) !== JSON.stringify(signalled)))
        at(
          `an acknowledged signal ${JSON.stringify(signalled)} did not stand: approve ${approve?.status} ${JSON.stringify(approve?.output)}`,
        );
      if (view.status === 'COMPLETED' && view.steps.some((s) => s.status !== 'COMPLETED'))
        at(`COMPLETED with steps ${view.steps.map((s) => `${s.stepId}=${s.status}`).join(' ')}`);
      // (3)
      for (const stepId of AGENT_STEPS) {
        const step = view.steps.find((s) => s.stepId === stepId);
        if (!step) continue;
        const started = new Map(
          events.filter((e) => e.type === 'step.started' && e.stepId === stepId).map((e) => [payload(e).attempt as number, e]),
        );
        const keyOf = (n: number) => payload(started.get(n)).idempotencyKey as string | undefined;
        for (const attempt of step.attempts) {
          const n = attempt.attempt;
          if (TERMINAL.has(view.status) && attempt.status === 'RUNNING')
            at(`(3) ${stepId} attempt ${n} still RUNNING in a ${view.status} run`);
          const keys = seen.get(`${r.db}/${stepId}/${n}`) ?? new Set<string>();
          if (keys.size > 1) at(`(3) ${stepId} attempt ${n} was delivered with ${keys.size} keys: ${[...keys].join(', ')}`);
          for (const key of keys)
            if (key !== keyOf(n)) at(`(3) ${stepId} attempt ${n}: the agent got key ${key}, step.started says ${keyOf(n)}`);
        }
        for (const attempt of step.attempts) {
          const n = attempt.attempt;
          const later = step.attempts.find((x) => x.attempt === n + 1);
          if (!later) continue;
          const [from, to] = [started.get(n), started.get(n + 1)];
          if (!from || !to) {
            at(`(3) ${stepId} attempts ${n}/${n + 1} have no step.started event`);
            continue;
          }
          const same = keyOf(n + 1) === keyOf(n);
          // retryRun resets the step (a deliberate new execution) only when it lists the step.
          const reset = events.some(
            (e) => e.type === 'run.retried' && e.seq > from.seq && e.seq < to.seq && (payload(e).steps as string[]).includes(stepId),
          );
          const kind = (attempt.error as { kind?: string } | null)?.kind;
          saw(`attempt ${attempt.status}${kind ? `/${kind}` : ''} then another${reset ? ' after a retry' : ''}`);
          const expectSame =
            !reset && (attempt.status === 'INTERRUPTED' || (attempt.status === 'FAILED' && (kind === 'network' || kind === 'timeout')));
          const legal = reset || attempt.status === 'INTERRUPTED' || attempt.status === 'FAILED';
          if (!legal) at(`(3) ${stepId} attempt ${n + 1} followed a ${attempt.status} attempt ${n} with no retry of the run`);
          else if (same !== expectSame)
            at(
              `(3) ${stepId} attempt ${n + 1} (key ${keyOf(n + 1)}) after ${attempt.status}${kind ? `/${kind}` : ''} attempt ${n} (key ${keyOf(n)})` +
                `${reset ? ' and a retry of the run' : ''}: expected ${expectSame ? 'the same key' : 'a new key'}`,
            );
          if (!same && keyOf(n + 1) !== `${r.db}:${stepId}:${n + 1}`)
            at(`(3) ${stepId} attempt ${n + 1}: unexpected new key ${keyOf(n + 1)}`);
        }
      }
    }
    return problems;
  }

  /** Leaves nothing behind for the next case, whatever happened in this one. */
  async cleanup(): Promise<void> {
    stepper.passThrough();
    agentMode = 'ok';
    await this.stopPools().catch(() => {});
    for (const r of this.runs) {
      foreign.add(r.db);
      await t.gql(CancelRunDocument, { id: r.id, reason: 'cleanup' }).catch(() => {});
    }
  }
}

function header(value: string | string[] | undefined): string {
  return Array.isArray(value) ? value.join(',') : (value ?? '');
}

function payload(e: RunEventView | undefined): Record<string, unknown> {
  return (e?.payload ?? {}) as Record<string, unknown>;
}

function unwrap<T>(result: { data: T | null | undefined; errors?: { message: string }[] }): T {
  if (result.errors?.length || !result.data) throw new Error(`GraphQL errors: ${JSON.stringify(result.errors ?? result)}`);
  return result.data;
}

async function readRun(r: Tracked): Promise<RunView> {
  const run = unwrap(await t.gql(RunDocument, { id: r.id })).run;
  if (run.__typename !== 'Run') throw new Error(`run ${r.label}: ${JSON.stringify(run)}`);
  return run;
}

async function bounded<T>(work: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
  });
  try {
    return await Promise.race([work, limit]);
  } finally {
    clearTimeout(timer);
  }
}

/** Runs one generated case; throws a Violation whose message holds the whole trace. */
async function runCase(actions: Action[]): Promise<void> {
  stepper.reset((runId) => !foreign.has(runId));
  agentMode = 'ok';
  const c = new Case();
  c.startPool();
  try {
    c.trace.push(`start: ${c.track((await f.execute(workflowId)).id).label}`);
    await stepper.settle();
    for (const [i, action] of actions.entries()) {
      const held = stepper.live().map((h) => c.describe(h));
      c.trace.push(`${i}. ${show(action)} -> ${await c.apply(action)}    {held before: ${held.join(', ') || 'nothing'}}`);
      await stepper.settle();
    }
    c.trace.push(
      `held at the end: ${
        stepper
          .all()
          .map((h) => c.describe(h))
          .join(', ') || 'nothing'
      }`,
    );
    // Property 1 is judged by the drain; 2 and 3 are checked on the history whatever it found.
    const problems = await c.drain();
    await c.stopPools();
    problems.push(...(await c.check()));
    if (problems.length > 0) throw new Violation(problems.join('\n'));
    if (process.env.FLOWDECK_PROP_TRACE) console.log(`case:\n${c.trace.join('\n')}`);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new Violation(
      `${message}\n--- actions: [${actions.map(show).join(', ')}]\n--- trace:\n${c.trace.join('\n')}\n--- seed ${SEED}${PATH ? `, path ${PATH}` : ''}`,
      { cause: error },
    );
  } finally {
    await c.cleanup();
  }
}

describe('the run state machine under random worker steps, user actions and crashes', () => {
  it(`keeps its invariants (${testProvider}, ${NUM_RUNS} cases of ≤ ${MAX_ACTIONS} actions)`, async () => {
    console.log(`state-machine property: seed ${SEED} (replay with FLOWDECK_PROP_SEED=${SEED})`);
    await fc.assert(
      fc.asyncProperty(caseArb, (actions) => runCase(actions)),
      {
        numRuns: NUM_RUNS,
        seed: SEED,
        ...(CASE ? { examples: [(Array.isArray(CASE[0]) ? CASE : [CASE]) as [Action[]]] } : {}),
        ...(PATH ? { path: PATH } : {}),
        // Bounds shrinking after a failure: the smallest counterexample found by then is reported.
        plugins: [fc.interruptAfterTimeLimit(240_000)],
      },
    );
    const tally = [...coverage].sort(([a], [b]) => a.localeCompare(b));
    console.log(`state-machine property covered: ${tally.map(([what, n]) => `${what} ×${n}`).join(', ')}`);
  }, 300_000);
});
