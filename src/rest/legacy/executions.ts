import { createRoute } from '@hono/zod-openapi';
import { HTTPException } from 'hono/http-exception';
import type { RestRoutes } from '../env.ts';
import { routes } from '../routes.ts';
import { errorResponses, jsonResponse } from '../schemas.ts';
import {
  executionDetailView,
  executionView,
  LegacyExecution,
  LegacyExecutionCancelled,
  LegacyExecutionList,
  LegacyExecutionStatus,
  LegacyExecutionSubmitted,
  statusView,
} from './execution-views.ts';
import { LegacyExecutionStats, LegacyExecutionTimeline, statsView, timelineView } from './telemetry-views.ts';
import { ExecutionCreate, ExecutionIdParam, ExecutionListQuery, WorkflowIdParam, WorkspaceHeaders, WorkspaceQuery } from './schemas.ts';

const tags = ['Workflow executions (/api/workflows)'];
const telemetry = ['Workflow telemetry (/api/workflows)'];
const headers = WorkspaceHeaders;
const DAY_MS = 24 * 60 * 60 * 1000;

const execute = createRoute({
  method: 'post',
  path: '/{workflow_id}/execute',
  tags,
  summary: 'Start a workflow execution',
  description:
    "Starts an execution of the workflow and answers at once: the execution is stored before this answers and a worker runs it (poll `/executions/{execution_id}/status`). 400 when `input_variables` breaks the workflow's variables (a required one missing, a wrong type); 409 when the workflow is inactive; 503 when no worker pool is alive in any server process (the execution is then not created).",
  request: {
    params: WorkflowIdParam,
    query: WorkspaceQuery,
    headers,
    body: { required: false, description: 'Optional; `{}` when absent.', content: { 'application/json': { schema: ExecutionCreate } } },
  },
  responses: { 200: jsonResponse(LegacyExecutionSubmitted, 'The execution was submitted.'), ...errorResponses(400, 404, 409, 503) },
});

const listExecutions = createRoute({
  method: 'get',
  path: '/{workflow_id}/executions',
  tags,
  summary: "List a workflow's executions",
  description: "The workflow's executions, newest first, `skip`/`limit` paginated, optionally in one status.",
  request: { params: WorkflowIdParam, query: ExecutionListQuery, headers },
  responses: { 200: jsonResponse(LegacyExecutionList, 'A page of executions.'), ...errorResponses(400, 404) },
});

const stats = createRoute({
  method: 'get',
  path: '/executions/stats',
  tags: telemetry,
  summary: 'Workspace-wide execution statistics',
  description:
    'Every execution of the workspace counted by status, those created in the last 24 hours, the success rate, the durations of completed executions, and what the engine is doing now.',
  request: { query: WorkspaceQuery, headers },
  responses: { 200: jsonResponse(LegacyExecutionStats, 'The statistics.'), ...errorResponses(400) },
});

const getExecution = createRoute({
  method: 'get',
  path: '/executions/{execution_id}',
  tags,
  summary: 'Get an execution',
  description: 'The execution with its inputs, result, error, timestamps, the workflow definition it ran and every step execution.',
  request: { params: ExecutionIdParam, query: WorkspaceQuery, headers },
  responses: { 200: jsonResponse(LegacyExecution, 'The execution.'), ...errorResponses(400, 404) },
});

const status = createRoute({
  method: 'get',
  path: '/executions/{execution_id}/status',
  tags,
  summary: "An execution's status",
  description: 'A lightweight snapshot for polling: status, timestamps, duration, error and result.',
  request: { params: ExecutionIdParam, query: WorkspaceQuery, headers },
  responses: { 200: jsonResponse(LegacyExecutionStatus, 'The status.'), ...errorResponses(400, 404) },
});

const cancel = createRoute({
  method: 'post',
  path: '/executions/{execution_id}/cancel',
  tags,
  summary: 'Cancel an execution',
  description:
    'Cancels a pending or running execution: no further step starts and calls in flight are aborted. 409 when it has already finished (completed, failed or cancelled).',
  request: { params: ExecutionIdParam, query: WorkspaceQuery, headers },
  responses: { 200: jsonResponse(LegacyExecutionCancelled, 'The execution was cancelled.'), ...errorResponses(400, 404, 409) },
});

const timeline = createRoute({
  method: 'get',
  path: '/executions/{execution_id}/timeline',
  tags: telemetry,
  summary: "An execution's timeline",
  description:
    'Where the time went: the execution’s queue time and duration, and for every step (in `step_order`) when it could start, when it did, how long it waited and ran, its attempts, input and output.',
  request: { params: ExecutionIdParam, query: WorkspaceQuery, headers },
  responses: { 200: jsonResponse(LegacyExecutionTimeline, 'The timeline.'), ...errorResponses(400, 404) },
});

/** Seed 002's executions: starting, listing, reading, cancelling, statistics and timelines. */
export function legacyExecutionRoutes(): RestRoutes {
  const app = routes('legacy');

  // /executions/stats before /executions/{execution_id}, which would otherwise take `stats` as an id.
  app.openapi(stats, async (c) => {
    const { services, principal, resources } = c.var;
    const since = new Date(resources.clock.now().getTime() - DAY_MS);
    const [all, recent, workers] = await Promise.all([
      services.analytics.workspaceStats(principal, {}),
      services.analytics.workspaceStats(principal, { from: since }),
      services.workers.live(),
    ]);
    return c.json(statsView(all, recent, workers.length), 200);
  });

  app.openapi(getExecution, async (c) => {
    const detail = await c.var.services.workflowExecutions.detail(c.var.principal, c.req.valid('param').execution_id);
    return c.json(executionDetailView(detail), 200);
  });

  app.openapi(status, async (c) => {
    const run = await c.var.services.runs.get(c.var.principal, c.req.valid('param').execution_id);
    return c.json(statusView(run), 200);
  });

  app.openapi(cancel, async (c) => {
    const run = await c.var.services.runs.cancel(c.var.principal, c.req.valid('param').execution_id, {});
    return c.json(
      { status: 'cancelled' as const, execution_id: run.id, message: 'Workflow execution cancelled successfully' as const },
      200,
    );
  });

  app.openapi(timeline, async (c) => {
    const { services, principal } = c.var;
    const { execution_id } = c.req.valid('param');
    const [entries, detail] = await Promise.all([
      services.analytics.runTimeline(principal, execution_id),
      services.workflowExecutions.detail(principal, execution_id),
    ]);
    return c.json(timelineView(entries, detail), 200);
  });

  app.openapi(execute, async (c) => {
    const { services, principal } = c.var;
    const { workflow } = await services.stepLists.getLive(principal, c.req.valid('param').workflow_id);
    // An execution no worker would pick up is refused, as the seed documents, not queued.
    // (The app's error handler answers it in the documented `{detail}` format.)
    if (!(await services.workers.available())) throw new HTTPException(503, { message: 'Workflow engine not available' });
    // The body is optional: without a JSON content type nothing was validated and there is none.
    const body = (c.req.valid('json') as typeof ExecutionCreate._output | undefined) ?? { input_variables: {} };
    const requestedBy = body.metadata?.requested_by;
    const run = await services.runs.execute(
      principal,
      { id: workflow.id },
      { input: body.input_variables ?? {} },
      { triggeredByUser: typeof requestedBy === 'string' ? requestedBy : null },
    );
    return c.json(
      {
        status: 'submitted' as const,
        execution_id: run.id,
        message: 'Workflow execution started successfully' as const,
        workflow_id: workflow.id,
      },
      200,
    );
  });

  app.openapi(listExecutions, async (c) => {
    const { services, principal } = c.var;
    const q = c.req.valid('query');
    const { workflow } = await services.stepLists.getLive(principal, c.req.valid('param').workflow_id);
    const page = await services.workflowRuns.page(principal, workflow.id, {
      statuses: q.status ? [q.status.toUpperCase() as Uppercase<typeof q.status>] : null,
      offset: q.skip,
      limit: q.limit,
    });
    const numbers = await services.workflowExecutions.numbers(principal, page.items);
    const items = page.items.map((run) => executionView(run, numbers.get(run.id) ?? 1, workflow));
    return c.json({ items, total: page.total, skip: q.skip, limit: q.limit }, 200);
  });

  return app;
}
