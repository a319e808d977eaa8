import { createRoute } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import type { RestEnv, RestRoutes } from '../env.ts';
import { problem } from '../problem.ts';
import { routes } from '../routes.ts';
import { errorResponses, jsonResponse } from '../schemas.ts';
import { EngineWorkflowConfig, EngineWorkflowIdParam, EngineWorkflowStatus, engineStatus } from './schemas.ts';

const tags = ['Workflow Engine'];

/**
 * Seed 001 refuses every workflow operation with 503 while no engine runs. Here the engine is
 * the worker pools of every process sharing the database, seen through their heartbeats: an
 * API-only process answers as long as a worker process is alive somewhere.
 */
const engineRunning: MiddlewareHandler<RestEnv> = async (c, next) => {
  if (!(await c.var.services.workers.available())) {
    return problem(
      c,
      503,
      'Workflow engine is not running: no worker is alive to execute workflows (start one with `npm run worker`, or run the server with WORKER_CONCURRENCY above 0)',
    );
  }
  await next();
  return undefined;
};

const UNAVAILABLE = 'no worker process is alive (none has renewed its heartbeat within LEASE_MS)';

const create = createRoute({
  method: 'post',
  path: '/',
  tags,
  summary: 'Create and start a workflow',
  description: `Submits a workflow configuration and starts it at once: there is no separate start. The name's live workflow in the workspace takes the definition (a new version only when it differs; created when there is none), and a run of exactly that definition is queued. The answer is the new instance's status, whose \`id\` is the run id. 503 when ${UNAVAILABLE}; 400 for a bad configuration or a workflow of that name that is not ACTIVE.`,
  middleware: [engineRunning],
  request: { body: { required: true, content: { 'application/json': { schema: EngineWorkflowConfig } } } },
  responses: {
    200: jsonResponse(EngineWorkflowStatus, 'The started instance (pending until a worker picks it up).'),
    ...errorResponses(400, 503),
  },
});

const start = createRoute({
  method: 'post',
  path: '/{id}/start',
  tags,
  summary: 'Start a workflow (alias of status)',
  description: `Workflows start when they are created, so this starts nothing (never a second run): it answers the instance's current status, as GET /workflows/{id} does. 503 when ${UNAVAILABLE}.`,
  middleware: [engineRunning],
  request: { params: EngineWorkflowIdParam },
  responses: { 200: jsonResponse(EngineWorkflowStatus, 'The instance, as it is now.'), ...errorResponses(404, 503) },
});

const status = createRoute({
  method: 'get',
  path: '/{id}',
  tags,
  summary: 'Get workflow status',
  description: `The instance's state, its steps' progress, and its outputs or error. 503 when ${UNAVAILABLE}.`,
  middleware: [engineRunning],
  request: { params: EngineWorkflowIdParam },
  responses: { 200: jsonResponse(EngineWorkflowStatus, 'The instance, as it is now.'), ...errorResponses(404, 503) },
});

const stop = createRoute({
  method: 'post',
  path: '/{id}/stop',
  tags,
  summary: 'Stop a workflow',
  description: `Stops a pending or running instance: no further step starts, calls in flight are aborted, and it ends \`stopped\`. An instance that already completed, failed or was stopped is not changed: 400, with its status named in \`detail\`. 503 when ${UNAVAILABLE}.`,
  middleware: [engineRunning],
  request: { params: EngineWorkflowIdParam },
  responses: { 200: jsonResponse(EngineWorkflowStatus, 'The stopped instance.'), ...errorResponses(400, 404, 503) },
});

/** Seed 001's /workflows API: create-and-start, start, status and stop, over runs. */
export function engineRoutes(): RestRoutes {
  const app = routes('engine');

  app.openapi(create, async (c) => {
    const { name, description, input, ...definition } = c.req.valid('json');
    const { instances } = c.var.services;
    const run = await instances.submit(c.var.principal, { name, description, input, definition });
    return c.json(engineStatus(await instances.status(c.var.principal, run.id)), 200);
  });

  app.openapi(start, async (c) => {
    return c.json(engineStatus(await c.var.services.instances.status(c.var.principal, c.req.valid('param').id)), 200);
  });

  app.openapi(status, async (c) => {
    return c.json(engineStatus(await c.var.services.instances.status(c.var.principal, c.req.valid('param').id)), 200);
  });

  app.openapi(stop, async (c) => {
    return c.json(engineStatus(await c.var.services.instances.stop(c.var.principal, c.req.valid('param').id)), 200);
  });

  return app;
}
