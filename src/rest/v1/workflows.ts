import { routes } from '../routes.ts';
import type { RestRoutes } from '../env.ts';

/** Seed 004's /api/v1/workflows endpoints. */
export function v1WorkflowRoutes(): RestRoutes {
  const app = routes();
  return app;
}
