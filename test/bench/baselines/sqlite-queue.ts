// B3's baseline on SQLite, where graphile-worker cannot go: a minimal but honest job queue on
// better-sqlite3, as durable as Flowdeck's SQLite (WAL, synchronous=FULL). One table; a worker
// claims the oldest job with one UPDATE … RETURNING (taking over claims older than a lease, so a
// crash loses nothing), runs it, and in one transaction marks it done and adds the chain's next
// job. QUEUE_CONCURRENCY async workers share the connection, as Flowdeck's workers share theirs.
// Driven through the control interface of queue-job.ts. Env: QUEUE_DB (file), QUEUE_CONCURRENCY,
// QUEUE_AGENT_URL (for http jobs).
import Database from 'better-sqlite3';
import { type JobPayload, JobTracker, jobWork, serveControl } from './queue-job.ts';

const LEASE_MS = 30_000;
const POLL_MS = 1_000;

const file = process.env.QUEUE_DB;
if (!file) throw new Error('QUEUE_DB is required');
const concurrency = Number(process.env.QUEUE_CONCURRENCY ?? 4);
const work = jobWork(process.env.QUEUE_AGENT_URL);
const tracker = new JobTracker();

const db = new Database(file);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = FULL');
db.exec(`
  CREATE TABLE IF NOT EXISTS job (
    id INTEGER PRIMARY KEY,
    payload TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    locked_at INTEGER,
    done_at INTEGER
  );
  CREATE INDEX IF NOT EXISTS job_pending ON job (id) WHERE done_at IS NULL;
`);
const claim = db.prepare<[number, number], { id: number; payload: string }>(
  `UPDATE job SET locked_at = ?, attempts = attempts + 1
   WHERE id = (SELECT id FROM job WHERE done_at IS NULL AND (locked_at IS NULL OR locked_at < ?) ORDER BY id LIMIT 1)
   RETURNING id, payload`,
);
const insert = db.prepare<[string]>('INSERT INTO job (payload) VALUES (?)');
const markDone = db.prepare<[number, number]>('UPDATE job SET done_at = ? WHERE id = ?');
const unlock = db.prepare<[number]>('UPDATE job SET locked_at = NULL WHERE id = ?');
const complete = db.transaction((id: number, next: JobPayload | null) => {
  markDone.run(Date.now(), id);
  if (next) insert.run(JSON.stringify(next));
});
const addMany = db.transaction((jobs: JobPayload[]) => {
  for (const job of jobs) insert.run(JSON.stringify(job));
});

// Idle workers sleep until a job is added in this process, or a poll interval passes.
let sleepers: (() => void)[] = [];
const wakeAll = () => {
  const woken = sleepers;
  sleepers = [];
  for (const wake of woken) wake();
};
const sleep = () =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, POLL_MS);
    sleepers.push(() => {
      clearTimeout(timer);
      resolve();
    });
  });

async function worker(): Promise<never> {
  for (;;) {
    const now = Date.now();
    const row = claim.get(now, now - LEASE_MS);
    if (!row) {
      await sleep();
      continue;
    }
    const job = JSON.parse(row.payload) as JobPayload;
    tracker.started(job);
    try {
      await work(job);
    } catch (error) {
      // Given back for another try, like a failed delivery.
      console.error(`job ${row.id} failed: ${String(error)}`);
      unlock.run(row.id);
      continue;
    }
    const next = job.s < job.n ? { ...job, s: job.s + 1 } : null;
    complete(row.id, next);
    if (next) wakeAll();
    tracker.completed(job);
  }
}

serveControl(
  {
    async addBatch(jobs) {
      addMany(jobs);
      wakeAll();
    },
    async addJob(job) {
      insert.run(JSON.stringify(job));
      wakeAll();
    },
  },
  tracker,
);
for (let i = 0; i < concurrency; i++) void worker();
process.on('SIGTERM', () => {
  db.close();
  process.exit(0);
});
