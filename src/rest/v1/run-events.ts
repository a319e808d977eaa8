import type { RestRoutes } from '../env.ts';
import { routes } from '../routes.ts';

/** GET /api/v1/runs/{run_id}/events: the run's event log as a server-sent event stream. */
export function v1RunEventRoutes(): RestRoutes {
  const app = routes('v1');
  return app;
}
