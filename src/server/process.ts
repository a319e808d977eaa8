import type { App } from './app.ts';
import { type Config, ConfigError, loadConfig } from './config.ts';

/** Loads configuration for a process entry point, exiting with EX_CONFIG and the message on a bad value. */
export function configOrExit(): Config {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
}

/** On SIGTERM or SIGINT, stops the app once (draining in-flight work) and exits. */
export function stopOnSignals(app: App, what: string): void {
  let stopping = false;
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      app.resources.logger.info({ signal }, `${what} shutting down: draining in-flight work`);
      app.stop().then(
        () => process.exit(0),
        (error: unknown) => {
          app.resources.logger.error({ err: error }, 'error during shutdown');
          process.exit(1);
        },
      );
    });
  }
}
