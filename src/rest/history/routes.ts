import type { RestRoutes } from '../env.ts';
import { routes } from '../routes.ts';
import { historyRunRoutes } from './runs.ts';
import { historyStreamRoutes } from './stream.ts';

/**
 * Seed 000's run history under /api/v1/workflows: the light run list, cancel, retry and run
 * streams, one route group per line. (Its workflow descriptor, GET /{workflow_key}, shares
 * seed 004's GET /{workflow_id} in ../v1/workflows.ts.)
 */
export function historyRoutes(): RestRoutes {
  const app = routes('history');
  app.route('/', historyRunRoutes());
  app.route('/', historyStreamRoutes());
  return app;
}
