// What B3's job-queue baselines (graphile-queue.ts, sqlite-queue.ts) share: the work one job
// does (nothing, or the same HTTP call Flowdeck's agent step makes), how a batch of chained jobs
// is timed, and the small HTTP control interface the benchmark drives them through.
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What a job does: nothing, or one POST to the local agent. */
export type JobKind = 'noop' | 'http';

/**
 * One job's payload. A "run" of `n` steps is a chain: the handler of step `s` adds step `s + 1`,
 * as a workflow engine built on a job queue would. Latency probes carry `t0` and are not timed
 * as part of a batch.
 */
export interface JobPayload {
  k: JobKind;
  r: number;
  s: number;
  n: number;
  t0?: number;
}

/** Asks a baseline to drain `runs` chains of `steps` jobs each, added at once (a backlog). */
export interface BatchRequest {
  runs: number;
  steps: number;
  kind: JobKind;
}

/** How a batch went: jobs completed, first handler start and last completion (epoch ms). */
export interface BatchResult {
  jobs: number;
  firstStartMs: number;
  lastEndMs: number;
}

/** Wall-clock time with sub-millisecond resolution, comparable across processes on one machine. */
export const epochMs = (): number => performance.timeOrigin + performance.now();

/** The payloads of a batch's first jobs. */
export function firstJobs(req: BatchRequest): JobPayload[] {
  return Array.from({ length: req.runs }, (_, r) => ({ k: req.kind, r, s: 1, n: req.steps }));
}

/**
 * The work of one job. The HTTP call carries what Flowdeck's agent step sends (an envelope with
 * the idempotency key, and the same headers) and parses the JSON reply, failing on a non-2xx.
 */
export function jobWork(agentUrl: string | undefined): (job: JobPayload) => Promise<void> {
  return async (job) => {
    if (job.k === 'noop') return;
    if (!agentUrl) throw new Error('an http job needs QUEUE_AGENT_URL');
    const idempotencyKey = `${job.r}:s${job.s}:1`;
    const response = await fetch(agentUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json',
        'idempotency-key': idempotencyKey,
        'x-flowdeck-attempt': '1',
      },
      body: JSON.stringify({ runId: String(job.r), stepId: `s${job.s}`, attempt: 1, idempotencyKey, input: { n: job.s } }),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`agent answered ${response.status}`);
    JSON.parse(text);
  };
}

/** Times the one batch in flight and collects latency probes; fed by the queue's handlers. */
export class JobTracker {
  private expected = 0;
  private done = 0;
  private firstStart = 0;
  private finish: ((result: BatchResult) => void) | null = null;
  private latencies: number[] = [];

  /** Starts timing a batch of `jobs` jobs; resolves when the last one has completed. */
  begin(jobs: number): Promise<BatchResult> {
    this.expected = jobs;
    this.done = 0;
    this.firstStart = 0;
    return new Promise((resolve) => {
      this.finish = resolve;
    });
  }

  /** A handler started `job`. */
  started(job: JobPayload): void {
    if (job.t0 !== undefined) this.latencies.push(epochMs() - job.t0);
    else if (this.firstStart === 0) this.firstStart = epochMs();
  }

  /** `job` completed (its completion is written, or sent, by the queue). */
  completed(job: JobPayload): void {
    if (job.t0 !== undefined || !this.finish) return;
    this.done += 1;
    if (this.done === this.expected) {
      const finish = this.finish;
      this.finish = null;
      finish({ jobs: this.done, firstStartMs: this.firstStart, lastEndMs: epochMs() });
    }
  }

  /** Latencies (handler start − t0, ms) recorded since the last call. */
  takeLatencies(): number[] {
    const out = this.latencies;
    this.latencies = [];
    return out;
  }
}

/** What a baseline implements behind the control interface. */
export interface QueueControl {
  /** Adds the batch's first jobs in one transaction. */
  addBatch(jobs: JobPayload[]): Promise<void>;
  /** Adds one job (a latency probe) and returns once it is committed. */
  addJob(job: JobPayload): Promise<void>;
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString() || '{}');
}

/**
 * Serves the control interface on a free loopback port and prints {"port":N}:
 * `POST /batch` {runs, steps, kind} drains a backlog and answers its {@link BatchResult};
 * `POST /job` {t0} adds one latency probe (a 1-step no-op job), answering once it is committed,
 * as executeWorkflow does; `GET /latencies` returns and clears the probes' latencies.
 */
export function serveControl(queue: QueueControl, tracker: JobTracker): void {
  let probe = 0;
  const server = createServer((req, res) => {
    const answer = (status: number, body?: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(body === undefined ? '' : JSON.stringify(body));
    };
    const handle = async () => {
      if (req.method === 'POST' && req.url === '/batch') {
        const batch = (await readJson(req)) as BatchRequest;
        const done = tracker.begin(batch.runs * batch.steps);
        await queue.addBatch(firstJobs(batch));
        answer(200, await done);
      } else if (req.method === 'POST' && req.url === '/job') {
        const { t0 } = (await readJson(req)) as { t0: number };
        await queue.addJob({ k: 'noop', r: probe++, s: 1, n: 1, t0 });
        answer(200, {});
      } else if (req.method === 'GET' && req.url === '/latencies') {
        answer(200, tracker.takeLatencies());
      } else {
        answer(404);
      }
    };
    handle().catch((error: unknown) => answer(500, { error: String(error) }));
  });
  server.keepAliveTimeout = 60_000;
  // A batch of a slow variant may take minutes.
  server.requestTimeout = 0;
  server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ port: (server.address() as AddressInfo).port })));
}
