import { routes } from '../routes.ts';
import type { RestRoutes } from '../env.ts';

/** Seed 004's /api/v1/runs endpoints. */
export function v1RunRoutes(): RestRoutes {
  const app = routes();
  return app;
}
