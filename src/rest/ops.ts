import { routes } from './routes.ts';
import type { RestRoutes } from './env.ts';

/** Operations endpoints: /health, /health/ready and /metrics. */
export function opsRoutes(): RestRoutes {
  const app = routes();
  return app;
}
