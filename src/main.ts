// Process entry point: `npm start`. Reads configuration, builds the app, listens, and drains
// on SIGTERM/SIGINT.
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

const app = await createApp(config);
await app.start();

let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    app.resources.logger.info({ signal }, 'shutting down: draining in-flight requests');
    app.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        app.resources.logger.error({ err: error }, 'error during shutdown');
        process.exit(1);
      },
    );
  });
}
