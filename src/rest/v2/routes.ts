import type { RestRoutes } from '../env.ts';
import { routes } from '../routes.ts';

/** Seed 003's /api/v2/workflows API (the `{success, ...}` envelope). */
export function v2Routes(): RestRoutes {
  const app = routes('v2');
  return app;
}
