import type { RestRoutes } from '../env.ts';
import { routes } from '../routes.ts';

/** Seed 000's run history under /api/v1/workflows: the light run list, cancel, retry and run streams. */
export function historyRoutes(): RestRoutes {
  const app = routes('history');
  return app;
}
