// B4 fan-out: many subscribers on one run's `runEvents`, over graphql-ws and over SSE
// (graphql-sse's client in distinct-connections mode against /graphql). The figure is events
// delivered across all subscribers per CPU-second of the server process, compared with a
// raw broadcaster (test/bench/baselines/raw-*-broadcast.ts) writing the very bytes Flowdeck
// sent, captured from a subscriber, to as many subscribers, paced the same way.
//
// The run is real: a chain of agent steps whose local HTTP agent (in this process) answers each
// call with log lines, so each step commits a burst of `step.log` events plus `step.completed`.
// The agent answers a step only once every subscriber has the step's `step.started`, so bursts
// never pile up past STREAM_MAX_BUFFERED; the baseline broadcasts the same bursts, each once
// every subscriber has the previous one. The run is held at the first step of each round, so
// one run and one set of connections serve every round of a transport. Server CPU (user +
// system, all threads) is read from /proc around each round's delivery.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { BenchContext, Benchmark, Child } from './support/context.ts';
import { startFlowdeck, startNode } from './support/context.ts';
import { interleaved } from './support/load.ts';
import { median, result, type Result } from './support/report.ts';
import { Audience, openSubscribers, type Transport } from './b4-subscribers.ts';

/** Log lines the agent returns per call: each becomes one `step.log` event. */
const LOGS_PER_STEP = 20;
const LIMIT_MS = 300_000;
const SUBSCRIPTION =
  'subscription RunEventsLive($runId: ID!, $afterSeq: Int) { runEvents(runId: $runId, afterSeq: $afterSeq) { seq type stepId payload } }';

const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** User plus system CPU time of a process and all its threads, in seconds (Linux /proc). */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which may hold spaces: state is field 3, utime 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

function within<T>(promise: Promise<T>, what: string, why: () => string = () => '', ms = LIMIT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`B4 gave up waiting for ${what} ${why()}`)), ms);
  });
  return Promise.race([promise, limit]).finally(() => clearTimeout(timer));
}

/**
 * One request on a connection of its own. A kept-alive connection could be closed by the server
 * (its keep-alive timeout) just as it is reused between rounds, failing a POST that cannot be retried.
 */
function call(method: 'GET' | 'POST', url: string, body?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const payload = Buffer.from(body ?? '', 'utf8');
    const headers = { 'content-type': 'application/json', 'content-length': String(payload.length) };
    const req = request(url, { method, agent: false, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      res.on('error', (error) => reject(new Error(`${method} ${url}: ${error.message}`)));
    });
    req.on('error', (error) => reject(new Error(`${method} ${url}: ${error.message}`)));
    req.end(payload);
  });
}

async function gql<T>(base: string, query: string, variables: Record<string, unknown>): Promise<T> {
  const body = JSON.parse(await call('POST', `${base}/graphql`, JSON.stringify({ query, variables }))) as {
    data?: Record<string, { __typename: string; id?: string; message?: string }>;
    errors?: unknown;
  };
  const value = body.data && Object.values(body.data)[0];
  if (!value?.id) throw new Error(`B4 setup failed: ${JSON.stringify(body.errors ?? value)}`);
  return value as T;
}

/**
 * The HTTP agent of the run. A held step's call waits until the benchmark releases it (the start
 * of a measurement); any other call is answered once every subscriber has that step's `step.started`.
 */
function startAgent() {
  const reply = JSON.stringify({
    ok: true,
    logs: Array.from({ length: LOGS_PER_STEP }, (_, i) => ({
      level: 'info',
      message: `processed batch ${i + 1} of ${LOGS_PER_STEP}`,
      data: { rows: 128 },
    })),
  });
  const state = {
    audience: null as Audience | null,
    holds: new Map<string, { called(): void; go: Promise<void> }>(),
    calls: [] as string[],
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      void (async () => {
        const { stepId } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { stepId: string };
        state.calls.push(stepId);
        const hold = state.holds.get(stepId);
        if (hold) {
          hold.called();
          await hold.go;
        } else if (state.audience) await state.audience.when(`step.started:${stepId}`);
        res.writeHead(200, { 'content-type': 'application/json' }).end(reply);
      })().catch((error: unknown) => res.writeHead(500).end(String(error)));
    });
  });
  // Never the first to drop an idle kept-alive connection: the engine could be reusing it that instant.
  server.keepAliveTimeout = LIMIT_MS;
  const listening = new Promise<string>((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)),
  );
  return {
    state,
    url: listening,
    /** Paces the agent's answers by what this audience has received. */
    follow(audience: Audience) {
      state.audience = audience;
      state.holds.clear();
    },
    /** Holds the call of this step until `release`; `called` resolves once the engine made it. */
    hold(stepId: string) {
      let called = () => {};
      let go = () => {};
      const wasCalled = new Promise<void>((resolve) => (called = resolve));
      state.holds.set(stepId, { called, go: new Promise<void>((resolve) => (go = resolve)) });
      return { called: wasCalled, release: () => go() };
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** What one measured delivery gave. */
interface Round {
  delivered: number;
  cpuSeconds: number;
  wallSeconds: number;
  /** CPU time of this process (the subscribers) meanwhile: near the wall time, the load core was the limit. */
  loadCpuSeconds: number;
  eventsPerSubscriber: number;
  bytesPerSubscriber: number;
  /** Subscriber 0's frames in the window, exactly as received. */
  frames: string[];
}

/** Runs `deliver` with the audience counting and the server's CPU time read on either side. */
async function measure(pid: number, audience: Audience, deliver: () => Promise<void>): Promise<Round> {
  audience.startCounting();
  const cpu0 = cpuSeconds(pid);
  const load0 = process.cpuUsage();
  const t0 = performance.now();
  await deliver();
  const cpu = cpuSeconds(pid) - cpu0;
  const wall = (performance.now() - t0) / 1000;
  const load = process.cpuUsage(load0);
  const { events, bytes } = audience.stopCounting();
  return {
    delivered: events * audience.size,
    cpuSeconds: cpu,
    wallSeconds: wall,
    loadCpuSeconds: (load.user + load.system) / 1e6,
    eventsPerSubscriber: events,
    bytesPerSubscriber: bytes,
    frames: audience.frames,
  };
}

/** One line of progress per measured round. */
function describe(side: string, r: Round): string {
  return `${side}: ${r.delivered} events in ${r.wallSeconds.toFixed(1)} s, server ${r.cpuSeconds.toFixed(2)} CPU-s, subscribers ${r.loadCpuSeconds.toFixed(2)} CPU-s`;
}

/** Splits captured frames into the bursts the run produced: each ends at a step start or the run's end. */
function burstsOf(frames: readonly string[], transport: Transport): { from: number; to: number; key: string }[] {
  const bursts: { from: number; to: number; key: string }[] = [];
  let from = 0;
  frames.forEach((frame, i) => {
    const json = transport === 'ws' ? frame : frame.slice(frame.indexOf('data: ') + 6, frame.lastIndexOf('\n\n'));
    const message = JSON.parse(json) as { payload?: { data: unknown }; data?: unknown };
    const event = ((transport === 'ws' ? message.payload?.data : message.data) as { runEvents: { type: string; stepId: string | null } })
      .runEvents;
    if (event.type === 'step.started' || event.type === 'run.completed') {
      bursts.push({ from, to: i + 1, key: `${event.type}:${event.stepId ?? ''}` });
      from = i + 1;
    }
  });
  if (from !== frames.length) throw new Error('B4: the captured frames do not end with a step start or the run end');
  return bursts;
}

export const benchmark: Benchmark = {
  name: 'B4 fan-out',
  async run(ctx: BenchContext): Promise<Result[]> {
    const quick = ctx.mode === 'quick';
    const subscribers = quick ? 100 : 1000;
    const rounds = quick ? 1 : 3;
    // Steps per round, each one burst of LOGS_PER_STEP + 2 events: a full round's ~66,000
    // deliveries cost the baseline most of a CPU-second, far above the 10 ms clock tick of /proc.
    const steps = quick ? 2 : 3;
    const db = await ctx.scratch();
    const agent = startAgent();
    const children: Child[] = [];
    try {
      const server = await startFlowdeck({ DATABASE_URL: db.url, EGRESS_ALLOW: 'loopback' });
      children.push(server);
      const pid = server.child.pid as number;
      await gql(
        server.url,
        'mutation($input: CreateAgentInput!) { createAgent(input: $input) { __typename ... on Agent { id } ... on Error { message } } }',
        { input: { name: 'b4-logger', url: await agent.url, protocol: 'HTTP', timeoutMs: LIMIT_MS, retryConfig: { maxRetries: 0 } } },
      );
      // One run per transport serves all its rounds: a chain of steps, held at the first step of
      // each round, so the subscribers connect once (connecting is not what is measured).
      const definition = {
        steps: Array.from({ length: rounds * steps }, (_, i) => ({
          id: `s${i + 1}`,
          type: 'agent',
          agent: 'b4-logger',
          input: {},
          ...(i > 0 ? { dependsOn: [`s${i}`] } : {}),
        })),
      };
      const workflow = await gql<{ id: string }>(
        server.url,
        'mutation($input: CreateWorkflowInput!) { createWorkflow(input: $input) { __typename ... on Workflow { id } ... on Error { message } } }',
        { input: { name: 'b4-fanout', definition } },
      );

      const results: Result[] = [];
      for (const transport of ['ws', 'sse'] as const) {
        ctx.log(`${transport}: ${subscribers} subscribers, ${rounds} round(s) of ${steps} steps with ${LOGS_PER_STEP} log lines each`);
        const flowdeck = new Audience(subscribers);
        const baselineAudience = new Audience(subscribers);
        const script = new URL(`./baselines/raw-${transport}-broadcast.ts`, import.meta.url).pathname;
        const baseline = await startNode(script, {}, /127\.0\.0\.1:(\d+)/);
        children.push(baseline);
        try {
          agent.follow(flowdeck);
          let held = agent.hold('s1');
          const run = await gql<{ id: string }>(
            server.url,
            'mutation($id: ID!) { executeWorkflow(workflowId: $id) { __typename ... on Run { id } ... on Error { message } } }',
            { id: workflow.id },
          );
          const diagnose = async (error: unknown) => {
            const query = `{ run(id: "${run.id}") { ... on Run { status steps { stepId status error } } } }`;
            const state = await call('POST', `${server.url}/graphql`, JSON.stringify({ query })).catch(String);
            const message = error instanceof Error ? error.message : String(error);
            return new Error(
              `${message}\nagent calls: ${agent.state.calls.join(',')}\nrun: ${state}\nserver output: ${server.output().slice(-3000)}`,
              {
                cause: error,
              },
            );
          };
          let started = performance.now();
          await openSubscribers(flowdeck, transport, `${server.url}/graphql`, {
            query: SUBSCRIPTION,
            variables: { runId: run.id, afterSeq: 0 },
          });
          await within(held.called, "the first step's agent call").catch(async (error: unknown) => Promise.reject(await diagnose(error)));
          await within(flowdeck.when('step.started:s1'), 'every subscriber to be live');
          ctx.log(`Flowdeck ${transport}: ${subscribers} subscribers live in ${((performance.now() - started) / 1000).toFixed(1)} s`);
          started = performance.now();
          await openSubscribers(baselineAudience, transport, `${baseline.url}/graphql`, {
            query: SUBSCRIPTION,
            variables: { runId: 'baseline' },
          });
          await within(
            (async () => {
              while ((JSON.parse(await call('GET', `${baseline.url}/bench/subscribers`)) as { count: number }).count < subscribers) {
                await new Promise((resolve) => setTimeout(resolve, 20));
              }
            })(),
            'the baseline to see every subscriber',
          );
          ctx.log(`baseline ${transport}: ${subscribers} subscribers live in ${((performance.now() - started) / 1000).toFixed(1)} s`);

          let round = 0;
          let captured: string[] = [];
          const flowdeckRound = async (): Promise<Round> => {
            round += 1;
            const next = `s${round * steps + 1}`;
            const last = round === rounds;
            const release = held.release;
            // Armed before the release, so the round ends held at the next round's first step.
            if (!last) held = agent.hold(next);
            const end = last ? 'run.completed:' : `step.started:${next}`;
            const measured = await measure(pid, flowdeck, async () => {
              release();
              await within(flowdeck.when(end), 'the round to reach every subscriber', () => flowdeck.missing(end));
            }).catch(async (error: unknown) => Promise.reject(await diagnose(error)));
            captured = measured.frames;
            ctx.log(describe(`Flowdeck ${transport}`, measured));
            return measured;
          };
          const baselineRound = async (): Promise<Round> => {
            const bursts = burstsOf(captured, transport);
            await call('POST', `${baseline.url}/bench/frames`, JSON.stringify(captured));
            const measured = await measure(baseline.child.pid as number, baselineAudience, async () => {
              for (const burst of bursts) {
                await call('POST', `${baseline.url}/bench/send?from=${burst.from}&to=${burst.to}`);
                await within(baselineAudience.when(burst.key), 'a baseline burst to reach every subscriber', () =>
                  baselineAudience.missing(burst.key),
                );
              }
            });
            ctx.log(describe(`baseline ${transport}`, measured));
            return measured;
          };
          const measured = await interleaved(rounds, flowdeckRound, baselineRound);
          results.push(summarise(transport, subscribers, measured.a, measured.b));
        } finally {
          flowdeck.close();
          baselineAudience.close();
          await baseline.stop();
        }
      }
      return results;
    } finally {
      for (const child of children.reverse()) await child.stop();
      await agent.close();
      await db.drop();
    }
  },
};

/** The figure of one transport: median deliveries per server CPU-second, after checking both sides delivered the same. */
function summarise(transport: Transport, subscribers: number, flowdeck: Round[], baseline: Round[]): Result {
  flowdeck.forEach((f, i) => {
    const b = baseline[i]!;
    if (f.eventsPerSubscriber !== b.eventsPerSubscriber || f.bytesPerSubscriber !== b.bytesPerSubscriber) {
      throw new Error(
        `B4 ${transport}: round ${i + 1} delivered ${f.eventsPerSubscriber} events / ${f.bytesPerSubscriber} bytes per subscriber from Flowdeck but ${b.eventsPerSubscriber} / ${b.bytesPerSubscriber} from the baseline`,
      );
    }
  });
  const rate = (r: Round) => r.delivered / r.cpuSeconds;
  const detail = (rs: Round[]) => ({
    rounds: rs.map((r) => Math.round(rate(r))).join(' / '),
    cpuSeconds: rs.map((r) => r.cpuSeconds.toFixed(2)).join(' / '),
    wallPerSecond: Math.round(median(rs.map((r) => r.delivered / r.wallSeconds))),
  });
  const [first] = flowdeck;
  const name = transport === 'ws' ? 'graphql-ws' : 'SSE';
  return result({
    id: `B4.${transport === 'ws' ? 'graphql-ws' : 'sse'}`,
    title: `runEvents to ${subscribers} ${name} subscribers of one run, events delivered per server CPU-second`,
    flowdeck: {
      value: median(flowdeck.map(rate)),
      unit: 'events/CPU-s',
      detail: {
        subscribers,
        eventsPerSubscriber: first!.eventsPerSubscriber,
        bytesPerSubscriber: first!.bytesPerSubscriber,
        ...detail(flowdeck),
      },
    },
    baseline: {
      name: transport === 'ws' ? 'raw ws broadcast' : 'raw node:http SSE broadcast',
      value: median(baseline.map(rate)),
      unit: 'events/CPU-s',
      detail: detail(baseline),
    },
    goal: { op: '>=', value: 0.6 },
    note: `${first!.eventsPerSubscriber} events (${first!.bytesPerSubscriber} bytes) per subscriber per round, identical on both sides`,
  });
}
