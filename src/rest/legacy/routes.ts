import type { RestRoutes } from '../env.ts';
import { routes } from '../routes.ts';
import { legacyExecutionRoutes } from './executions.ts';
import { legacyWorkflowRoutes } from './workflows.ts';

/**
 * Seed 002's /api/workflows API (workspace-scoped definitions and executions). Errors are
 * `{detail}` messages; request validation failures are 400s. Executions first: their literal
 * `/executions/...` paths must win over `/{workflow_id}`.
 */
export function legacyRoutes(): RestRoutes {
  const app = routes('legacy');
  app.route('/', legacyExecutionRoutes());
  app.route('/', legacyWorkflowRoutes());
  return app;
}
