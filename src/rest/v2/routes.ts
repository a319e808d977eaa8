import type { RestRoutes } from '../env.ts';
import { routes } from '../routes.ts';
import { v2RunRoutes } from './runs.ts';
import { v2ScheduleRoutes } from './schedules.ts';
import { v2ServiceRoutes } from './service.ts';
import { v2WorkflowRoutes } from './workflows.ts';

/** Seed 003's /api/v2/workflows API (the `{success, ...}` envelope). */
export function v2Routes(): RestRoutes {
  const app = routes('v2');
  // First: /health and /parse are literal paths that `/{id}` would otherwise take as ids.
  app.route('/', v2ServiceRoutes());
  app.route('/', v2WorkflowRoutes());
  app.route('/', v2RunRoutes());
  app.route('/', v2ScheduleRoutes());
  return app;
}
