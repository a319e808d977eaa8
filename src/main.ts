// Process entry point: `npm start`. Reads configuration, builds the app, listens, and drains
// on SIGTERM/SIGINT.
import { createApp } from './server/app.ts';
import { configOrExit, stopOnSignals } from './server/process.ts';

const app = await createApp(configOrExit());
await app.start();
stopOnSignals(app, 'server');
