import { createRoute } from '@hono/zod-openapi';
import type { RestRoutes } from '../env.ts';
import { routes } from '../routes.ts';
import { errorResponses, jsonResponse, pageBody } from '../schemas.ts';
import {
  CancelRunRequest,
  logView,
  RetryRunRequest,
  RunIdParam,
  RunListQuery,
  RunListResponse,
  RunLogsQuery,
  RunLogsResponse,
  StepExecutionList,
  stepView,
} from './run-schemas.ts';
import { RunResponse, runView } from './run-view.ts';

const tags = ['Run Monitoring'];

const SORT_FIELDS = { created_at: 'createdAt', updated_at: 'updatedAt', completed_at: 'completedAt', status: 'status' } as const;

const listRuns = createRoute({
  method: 'get',
  path: '/',
  tags,
  summary: 'List runs',
  description: 'A page of workflow runs, filtered by status, workflow, version and creation time, and sorted.',
  request: { query: RunListQuery },
  responses: { 200: jsonResponse(RunListResponse, 'A page of runs.'), ...errorResponses(400, 422) },
});

const getRun = createRoute({
  method: 'get',
  path: '/{run_id}',
  tags,
  summary: 'Get run',
  description: 'One workflow run.',
  request: { params: RunIdParam },
  responses: { 200: jsonResponse(RunResponse, 'The run.'), ...errorResponses(400, 404) },
});

const getSteps = createRoute({
  method: 'get',
  path: '/{run_id}/steps',
  tags,
  summary: 'Get run steps',
  description:
    "Every step of the run, ordered by start time; steps that have not started yet come last, in the workflow's order. `input_data` is the resolved input of the step's latest attempt. Statuses are the five Step Status Values: a step cut off by a cancel is FAILED if it had started and SKIPPED if it never did, with the cancel in `error_message`; a step waiting on a timer or a signal is RUNNING.",
  request: { params: RunIdParam },
  responses: { 200: jsonResponse(StepExecutionList, 'The steps of the run.'), ...errorResponses(400, 404) },
});

const retryRun = createRoute({
  method: 'post',
  path: '/{run_id}/retry',
  tags,
  summary: 'Retry a failed or cancelled run',
  description:
    'Resumes a FAILED or CANCELLED run in place from its incomplete steps: completed steps keep their outputs and are not executed again. The run goes back to PENDING.',
  request: {
    params: RunIdParam,
    body: { required: false, description: 'Optional; `{}`.', content: { 'application/json': { schema: RetryRunRequest } } },
  },
  responses: {
    202: jsonResponse(RunResponse, 'Accepted: the run, now PENDING.'),
    ...errorResponses(400, 404, 422),
  },
});

const cancelRun = createRoute({
  method: 'post',
  path: '/{run_id}/cancel',
  tags,
  summary: 'Cancel a pending or running run',
  description:
    'Cancels a PENDING or RUNNING run: no further step starts and calls in flight are aborted. 400 when the run is already finished.',
  request: {
    params: RunIdParam,
    body: { required: false, description: 'Optional reason.', content: { 'application/json': { schema: CancelRunRequest } } },
  },
  responses: {
    200: jsonResponse(RunResponse, 'The cancelled run.'),
    ...errorResponses(400, 404, 422),
  },
});

const getLogs = createRoute({
  method: 'get',
  path: '/{run_id}/logs',
  tags,
  summary: 'Get run logs',
  description:
    "The run's log, in sequence order: lines logged by agents (`step.log`), every attempt's start, completion, scheduled retry and failure, and the run's own lifecycle. Page with `page`/`page_size`, or tail the log by passing the last `seq` seen as `after_seq`.",
  request: { params: RunIdParam, query: RunLogsQuery },
  responses: { 200: jsonResponse(RunLogsResponse, 'A page of log entries.'), ...errorResponses(400, 404, 422) },
});

/** Seed 004's /api/v1/runs endpoints. */
export function v1RunRoutes(): RestRoutes {
  const app = routes();

  app.openapi(listRuns, async (c) => {
    const q = c.req.valid('query');
    const page = await c.var.services.runs.listPage(c.var.principal, {
      status: q.status,
      workflowKey: q.workflow_id,
      workflowVersionId: q.workflow_definition_id,
      createdAfter: q.created_after,
      createdBefore: q.created_before,
      sortBy: SORT_FIELDS[q.sort_by],
      sortOrder: q.sort_order,
      offset: (q.page - 1) * q.page_size,
      limit: q.page_size,
    });
    return c.json(
      pageBody(page, q, (run) => runView(run, run.workflow)),
      200,
    );
  });

  app.openapi(getRun, async (c) => {
    const run = await c.var.services.runs.getWithWorkflow(c.var.principal, c.req.valid('param').run_id);
    return c.json(runView(run, run.workflow), 200);
  });

  app.openapi(getSteps, async (c) => {
    const { run_id } = c.req.valid('param');
    const { runs } = c.var.services;
    const steps = await runs.stepExecutions(c.var.principal, run_id);
    // Read after the steps: a step found cut off by a cancel finds the run's cancel message here.
    const run = await runs.get(c.var.principal, run_id);
    return c.json(
      steps.map((s) => stepView(run, s)),
      200,
    );
  });

  app.openapi(retryRun, async (c) => {
    const { runs } = c.var.services;
    const run = await runs.withWorkflow(await runs.retry(c.var.principal, c.req.valid('param').run_id));
    return c.json(runView(run, run.workflow), 202);
  });

  app.openapi(cancelRun, async (c) => {
    const { runs } = c.var.services;
    // The body is optional: without a JSON content type nothing was validated and there is none.
    const body = (c.req.valid('json') as typeof CancelRunRequest._output | undefined) ?? {};
    const cancelled = await runs.cancel(c.var.principal, c.req.valid('param').run_id, {
      reason: body.reason ?? null,
      by: body.cancelled_by ?? null,
    });
    const run = await runs.withWorkflow(cancelled);
    return c.json(runView(run, run.workflow), 200);
  });

  app.openapi(getLogs, async (c) => {
    const { run_id } = c.req.valid('param');
    const q = c.req.valid('query');
    const page = await c.var.services.runs.logs(c.var.principal, run_id, {
      afterSeq: q.after_seq ?? null,
      offset: (q.page - 1) * q.page_size,
      limit: q.page_size,
    });
    return c.json({ run_id, ...pageBody(page, q, logView) }, 200);
  });

  return app;
}
