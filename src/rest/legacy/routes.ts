import type { RestRoutes } from '../env.ts';
import { routes } from '../routes.ts';

/** Seed 002's /api/workflows API (workspace-scoped definitions and executions). */
export function legacyRoutes(): RestRoutes {
  const app = routes('legacy');
  return app;
}
