// Seed 003's workflow execution endpoints: execute, a workflow's runs, one run, terminate.
import { createRoute } from '@hono/zod-openapi';
import type { RestRoutes } from '../env.ts';
import { routes } from '../routes.ts';
import { errorResponses, jsonResponse } from '../schemas.ts';
import {
  runBody,
  V2ExecuteRequest,
  V2RunListQuery,
  V2RunListResponse,
  V2RunParams,
  V2RunResponse,
  v2RunStatusFilter,
} from './run-schemas.ts';
import { V2MessageResponse, V2WorkflowIdParam } from './workflow-schemas.ts';

const tags = ['v2 Workflow Execution'];

const execute = createRoute({
  method: 'post',
  path: '/{id}/execute',
  tags,
  summary: 'Execute a workflow',
  description:
    'Creates a run record and begins async execution; the run is stored before this answers. 400 when the workflow is archived or the inputs break its declared inputs. Follow it with GET .../runs/:runId (or /api/v1/runs/{run_id}, or GraphQL).',
  request: {
    params: V2WorkflowIdParam,
    body: { required: false, description: 'Optional; `{}` when absent.', content: { 'application/json': { schema: V2ExecuteRequest } } },
  },
  responses: { 201: jsonResponse(V2RunResponse, 'The new run, `running`.'), ...errorResponses(400, 404) },
});

const listRuns = createRoute({
  method: 'get',
  path: '/{id}/runs',
  tags,
  summary: "List a workflow's runs",
  description: 'The execution history of the workflow, most recently started first, with the total count matching the filter.',
  request: { params: V2WorkflowIdParam, query: V2RunListQuery },
  responses: { 200: jsonResponse(V2RunListResponse, 'A page of runs.'), ...errorResponses(400, 404) },
});

const getRun = createRoute({
  method: 'get',
  path: '/{id}/runs/{runId}',
  tags,
  summary: 'Get a run',
  description: 'Detailed status of one run of the workflow. 404 when there is no such run of this workflow.',
  request: { params: V2RunParams },
  responses: { 200: jsonResponse(V2RunResponse, 'The run.'), ...errorResponses(404) },
});

const terminate = createRoute({
  method: 'delete',
  path: '/{id}/runs/{runId}',
  tags,
  summary: 'Terminate a run',
  description:
    'Terminates a running run: no further step starts and calls in flight are aborted; the run becomes `terminated`. 400 when it is already completed, failed or terminated.',
  request: { params: V2RunParams },
  responses: { 200: jsonResponse(V2MessageResponse, 'The run was terminated.'), ...errorResponses(400, 404) },
});

/** Seed 003's workflow execution endpoints. */
export function v2RunRoutes(): RestRoutes {
  const app = routes('v2');

  app.openapi(execute, async (c) => {
    // The body is optional; the validator only runs when one is sent as JSON.
    const inputs = c.req.valid('json')?.inputs ?? {};
    const run = await c.var.services.runs.execute(c.var.principal, { id: c.req.valid('param').id }, { input: inputs });
    return c.json({ success: true as const, run: runBody(run) }, 201);
  });

  app.openapi(listRuns, async (c) => {
    const query = c.req.valid('query');
    const page = await c.var.services.workflowRuns.page(c.var.principal, c.req.valid('param').id, {
      statuses: query.status ? v2RunStatusFilter(query.status) : null,
      offset: query.offset,
      limit: query.limit,
    });
    return c.json({ success: true as const, runs: page.items.map(runBody), count: page.total }, 200);
  });

  app.openapi(getRun, async (c) => {
    const { id, runId } = c.req.valid('param');
    const run = await c.var.services.workflowRuns.get(c.var.principal, id, runId);
    return c.json({ success: true as const, run: runBody(run) }, 200);
  });

  app.openapi(terminate, async (c) => {
    const { id, runId } = c.req.valid('param');
    await c.var.services.workflowRuns.cancel(c.var.principal, id, runId);
    return c.json({ success: true as const, message: 'Workflow run terminated successfully' }, 200);
  });

  return app;
}
