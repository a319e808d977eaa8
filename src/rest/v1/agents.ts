import { routes } from '../routes.ts';
import type { RestRoutes } from '../env.ts';

/** Seed 004's /api/v1/agents endpoints. */
export function v1AgentRoutes(): RestRoutes {
  const app = routes();
  return app;
}
