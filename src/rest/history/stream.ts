import { createRoute, z } from '@hono/zod-openapi';
import type { RestRoutes } from '../env.ts';
import { routes } from '../routes.ts';
import { SseHeaders, SseQuery, sseResponses, streamRunEvents } from '../sse.ts';

const stream = createRoute({
  method: 'get',
  path: '/runs/{run_id}/stream',
  tags: ['Run History'],
  summary: 'Stream a run (server-sent events)',
  description:
    "The run's event log as server-sent events, each with `id:` (the event sequence), `event:` (its type) and JSON `data` (SseRunEventData, with the server `timestamp`), then live events and heartbeat comments; resumes after `Last-Event-ID`. The same stream as /api/v1/runs/{run_id}/events. 404 when the run is not in the caller's workspace (no stream opens).",
  request: {
    params: z.object({ run_id: z.string().openapi({ param: { name: 'run_id', in: 'path' }, description: 'The run.' }) }),
    query: SseQuery,
    headers: SseHeaders,
  },
  responses: sseResponses,
});

/** GET /api/v1/workflows/runs/{run_id}/stream: seed 000's run stream. */
export function historyStreamRoutes(): RestRoutes {
  const app = routes('history');
  app.openapi(stream, (c) =>
    streamRunEvents(c, c.req.valid('param').run_id, {
      header: c.req.valid('header')['last-event-id'],
      query: c.req.valid('query').last_event_id,
    }),
  );
  return app;
}
