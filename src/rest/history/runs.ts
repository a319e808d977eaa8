import { createRoute } from '@hono/zod-openapi';
import type { RestRoutes } from '../env.ts';
import { routes } from '../routes.ts';
import { errorResponses, jsonResponse } from '../schemas.ts';
import {
  HistoryCancelRequest,
  historyItem,
  HistoryRunIdParam,
  HistoryRunList,
  HistoryRunListItem,
  HistoryRunListQuery,
  runStatusOf,
} from './schemas.ts';

const tags = ['Run History'];

const list = createRoute({
  method: 'get',
  path: '/runs',
  tags,
  summary: 'List runs',
  description:
    "The workspace's runs (whichever API or schedule started them), newest first, in the light list view, filtered by workflow key, status, start time and conversation. Page with `limit` + `cursor` (pass the previous page's `next_cursor`; stable while new runs start) or with `offset` + `limit`. 400 for a cursor this list did not return.",
  request: { query: HistoryRunListQuery },
  responses: { 200: jsonResponse(HistoryRunList, 'A page of runs.'), ...errorResponses(400, 422) },
});

const cancel = createRoute({
  method: 'post',
  path: '/runs/{run_id}/cancel',
  tags,
  summary: 'Cancel a run',
  description:
    'Cancels a `pending` or `running` run: it and its unfinished steps become `cancelled`, no further step starts, and the worker running it aborts its calls in flight. 400 when the run has already ended (as `/api/v1/runs/{run_id}/cancel` answers), 404 for an unknown run.',
  request: {
    params: HistoryRunIdParam,
    body: { required: false, description: 'Optional reason.', content: { 'application/json': { schema: HistoryCancelRequest } } },
  },
  responses: { 200: jsonResponse(HistoryRunListItem, 'The cancelled run, in the list view.'), ...errorResponses(400, 404, 422) },
});

const retry = createRoute({
  method: 'post',
  path: '/runs/{run_id}/retry',
  tags,
  summary: 'Retry a run',
  description:
    'Resumes a `failed` or `cancelled` run in place from its unfinished steps (completed steps keep their outputs and are not executed again); it goes back to `pending` with no `ended_at`. 400 when the run is not `failed` or `cancelled` (as `/api/v1/runs/{run_id}/retry` answers), 404 for an unknown run.',
  request: { params: HistoryRunIdParam },
  responses: { 202: jsonResponse(HistoryRunListItem, 'Accepted: the run, now pending, in the list view.'), ...errorResponses(400, 404) },
});

/** Seed 000's run list and run controls under /api/v1/workflows/runs. */
export function historyRunRoutes(): RestRoutes {
  const app = routes('history');

  app.openapi(list, async (c) => {
    const q = c.req.valid('query');
    const page = await c.var.services.runHistory.list(c.var.principal, {
      workflowKey: q.workflow_key,
      status: q.status ? runStatusOf(q.status) : null,
      startedAfter: q.started_after,
      startedBefore: q.started_before,
      conversationId: q.conversation_id,
      cursor: q.cursor,
      offset: q.offset,
      limit: q.limit,
    });
    return c.json(
      { items: page.items.map(historyItem), next_cursor: page.nextCursor, total: page.total, limit: q.limit, offset: q.offset },
      200,
    );
  });

  app.openapi(cancel, async (c) => {
    const { run_id } = c.req.valid('param');
    // The body is optional: without a JSON content type nothing was validated and there is none.
    const body = (c.req.valid('json') as typeof HistoryCancelRequest._output | undefined) ?? {};
    const run = await c.var.services.runs.cancel(c.var.principal, run_id, { reason: body.reason ?? null });
    return c.json(historyItem(await c.var.services.runHistory.itemOf(run)), 200);
  });

  app.openapi(retry, async (c) => {
    const { run_id } = c.req.valid('param');
    const run = await c.var.services.runs.retry(c.var.principal, run_id);
    return c.json(historyItem(await c.var.services.runHistory.itemOf(run)), 202);
  });

  return app;
}
