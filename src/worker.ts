// Worker-only process: `npm run worker`. Executes runs from the shared database without
// serving HTTP; drains on SIGTERM/SIGINT (in-flight steps finish, runs are given back).
import { createApp } from './server/app.ts';
import { configOrExit, stopOnSignals } from './server/process.ts';

const config = configOrExit();
// One process per SQLite file. Its connection serializes statements in memory, which another
// process cannot join: transactions open with a deferred BEGIN, so one that read before writing
// fails with SQLITE_BUSY when the other process holds the write lock, and a plain write waiting
// on the lock blocks this process's event loop (better-sqlite3 is synchronous) for up to 30 s.
if (config.database.provider === 'sqlite') {
  console.error(
    `npm run worker needs PostgreSQL: DATABASE_URL points at the SQLite file ${config.database.file}, which only one ` +
      'Flowdeck process may use. Run the server alone (its own workers execute runs: WORKER_CONCURRENCY, default 4), ' +
      'or set DATABASE_URL=postgres://… for the server and every worker.',
  );
  process.exit(78); // EX_CONFIG
}
if (config.workerConcurrency === 0) {
  console.error('WORKER_CONCURRENCY=0 leaves a worker process nothing to do; set it to 1 or more');
  process.exit(78);
}
const app = await createApp(config);
app.resources.logger.info({ workerId: app.workers?.workerId, concurrency: config.workerConcurrency }, 'Flowdeck worker started');
stopOnSignals(app, 'worker');
