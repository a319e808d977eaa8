// The benchmark's side of B3's job-queue baselines: starts one (pinned with the servers) and
// drives it through its control interface (see queue-job.ts); and the steady-rate load both
// Flowdeck and the baselines get in the latency measurement.
import { type Child, startNode } from '../support/context.ts';
import { type BatchRequest, type BatchResult, epochMs } from './queue-job.ts';

/** A running job-queue baseline. */
export interface QueueBaseline {
  /** How results name it. */
  name: string;
  /** Drains a backlog of chained jobs added at once; resolves with its timing. */
  batch(request: BatchRequest): Promise<BatchResult>;
  /** Adds one latency probe stamped with `t0` (epoch ms), answering once it is committed. */
  probe(t0: number): Promise<void>;
  /** The probes' latencies (handler start − t0, ms) recorded since the last call. */
  latencies(): Promise<number[]>;
  stop(): Promise<void>;
}

/** Which baseline, and what it needs. */
export type QueueSpec =
  | { kind: 'graphile'; databaseUrl: string; concurrency: number; agentUrl: string }
  | { kind: 'sqlite'; file: string; concurrency: number; agentUrl: string };

/** Starts a baseline queue process and resolves once it listens. */
export async function startQueue(spec: QueueSpec): Promise<QueueBaseline> {
  const common = { QUEUE_CONCURRENCY: String(spec.concurrency), QUEUE_AGENT_URL: spec.agentUrl };
  const child: Child =
    spec.kind === 'graphile'
      ? await startNode(script('graphile-queue.ts'), { ...common, QUEUE_DATABASE_URL: spec.databaseUrl }, /"port":(\d+)/)
      : await startNode(script('sqlite-queue.ts'), { ...common, QUEUE_DB: spec.file }, /"port":(\d+)/);
  const call = async <T>(path: string, body?: unknown): Promise<T> => {
    const response = await fetch(`${child.url}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      // A batch of a slow variant answers only when drained.
      signal: AbortSignal.timeout(600_000),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${spec.kind} queue ${path}: ${response.status} ${text}\n${child.output().slice(-2000)}`);
    return JSON.parse(text) as T;
  };
  return {
    name: spec.kind === 'graphile' ? 'graphile-worker 0.17' : 'minimal SQLite job queue',
    batch: (request) => call<BatchResult>('/batch', request),
    probe: async (t0) => {
      await call('/job', { t0 });
    },
    latencies: () => call<number[]>('/latencies'),
    stop: () => child.stop(),
  };
}

function script(name: string): string {
  return new URL(`./${name}`, import.meta.url).pathname;
}

/**
 * Calls `fire` `rate` times a second for `seconds`, on schedule whether or not earlier calls
 * have answered (an open loop, so a slow answer cannot lower the load), and waits for them all.
 * `fire` gets the scheduled call's start time (epoch ms).
 */
export async function steadyLoad<T>(rate: number, seconds: number, fire: (t0: number) => Promise<T>): Promise<T[]> {
  const count = Math.max(1, Math.round(rate * seconds));
  const interval = 1000 / rate;
  const start = performance.now();
  const calls: Promise<T>[] = [];
  for (let i = 0; i < count; i++) {
    const due = start + i * interval;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    calls.push(fire(epochMs()));
  }
  return Promise.all(calls);
}
