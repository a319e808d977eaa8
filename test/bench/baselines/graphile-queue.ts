// B3's baseline on PostgreSQL: graphile-worker, the job queue users would compare Flowdeck
// with, on the same server (its own database), in one process with the same concurrency as a
// Flowdeck worker process. Default settings, except that its per-job info log line is dropped
// (Flowdeck logs nothing per step either). A chain's next job is added by the handler, as
// graphile-worker's users chain work. Driven through the control interface of queue-job.ts.
// Env: QUEUE_DATABASE_URL, QUEUE_CONCURRENCY, QUEUE_AGENT_URL (for http jobs).
import { Logger, makeWorkerUtils, run } from 'graphile-worker';
import { type JobPayload, JobTracker, jobWork, serveControl } from './queue-job.ts';

const TASK = 'b3';

const connectionString = process.env.QUEUE_DATABASE_URL;
if (!connectionString) throw new Error('QUEUE_DATABASE_URL is required');
const concurrency = Number(process.env.QUEUE_CONCURRENCY ?? 4);
const work = jobWork(process.env.QUEUE_AGENT_URL);
const tracker = new JobTracker();

const logger = new Logger(() => (level, message) => {
  if (String(level) === 'error' || String(level) === 'warning') console.error(`graphile-worker ${String(level)}: ${message}`);
});

const utils = await makeWorkerUtils({ connectionString, logger });
await utils.migrate();
const runner = await run({
  connectionString,
  concurrency,
  logger,
  noHandleSignals: true,
  taskList: {
    [TASK]: async (payload, helpers) => {
      const job = payload as JobPayload;
      tracker.started(job);
      await work(job);
      if (job.s < job.n) await helpers.addJob(TASK, { ...job, s: job.s + 1 });
    },
  },
});
// Emitted once the job's completion is issued (graphile-worker does not wait for it to commit
// before taking the next job).
runner.events.on('job:complete', ({ job, error }) => {
  if (!error) tracker.completed(job.payload as JobPayload);
});

serveControl(
  {
    async addBatch(jobs) {
      await utils.addJobs(jobs.map((payload) => ({ identifier: TASK, payload })));
    },
    async addJob(job) {
      await utils.addJob(TASK, job);
    },
  },
  tracker,
);
process.on('SIGTERM', () => {
  void Promise.allSettled([runner.stop(), utils.release()]).then(() => process.exit(0));
});
