import type { RestRoutes } from '../env.ts';
import { routes } from '../routes.ts';

/** Seed 001's /workflows API: create-and-start, start, status and stop. */
export function engineRoutes(): RestRoutes {
  const app = routes('engine');
  return app;
}
