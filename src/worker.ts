// Worker-only process: `npm run worker`. Executes runs from the shared database without
// serving HTTP; drains on SIGTERM/SIGINT (in-flight steps finish, runs are given back).
import { createApp } from './server/app.ts';
import { configOrExit, stopOnSignals } from './server/process.ts';

const config = configOrExit();
if (config.workerConcurrency === 0) {
  console.error('WORKER_CONCURRENCY=0 leaves a worker process nothing to do; set it to 1 or more');
  process.exit(78);
}
const app = await createApp(config);
app.resources.logger.info({ workerId: app.workers?.workerId, concurrency: config.workerConcurrency }, 'Flowdeck worker started');
stopOnSignals(app, 'worker');
