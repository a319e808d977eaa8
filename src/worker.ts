// Worker-only process: `npm run worker`. Executes runs from the shared database without
// serving HTTP; drains on SIGTERM/SIGINT (in-flight steps finish, runs are given back).
import { createApp } from './server/app.ts';
import { type Config, ConfigError, loadConfig } from './server/config.ts';

let config: Config;
try {
  config = loadConfig();
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(error.message);
    process.exit(78); // EX_CONFIG
  }
  throw error;
}
if (config.workerConcurrency === 0) {
  console.error('WORKER_CONCURRENCY=0 leaves a worker process nothing to do; set it to 1 or more');
  process.exit(78);
}

const app = await createApp(config);
app.resources.logger.info({ workerId: app.workers?.workerId, concurrency: config.workerConcurrency }, 'Flowdeck worker started');

let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    app.resources.logger.info({ signal }, 'worker shutting down: finishing in-flight steps');
    app.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        app.resources.logger.error({ err: error }, 'error during shutdown');
        process.exit(1);
      },
    );
  });
}
