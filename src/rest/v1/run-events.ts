import { createRoute, z } from '@hono/zod-openapi';
import type { RestRoutes } from '../env.ts';
import { routes } from '../routes.ts';
import { SseHeaders, SseQuery, sseResponses, SseRunEventData, streamRunEvents } from '../sse.ts';

const events = createRoute({
  method: 'get',
  path: '/{run_id}/events',
  tags: ['Run Monitoring'],
  summary: 'Stream run events (server-sent events)',
  description:
    "The run's event log as server-sent events: replayed from the resume point, then live, with heartbeats. 404 when the run is not in the caller's workspace (no stream opens).",
  request: {
    params: z.object({ run_id: z.string().openapi({ param: { name: 'run_id', in: 'path' }, description: 'Run identifier.' }) }),
    query: SseQuery,
    headers: SseHeaders,
  },
  responses: sseResponses,
});

/** GET /api/v1/runs/{run_id}/events: the run's event log as a server-sent event stream. */
export function v1RunEventRoutes(): RestRoutes {
  const app = routes('v1');
  // Described once here (the history stream sends the same messages); referenced by name in the descriptions.
  app.openAPIRegistry.register('SseRunEventData', SseRunEventData);
  app.openapi(events, (c) =>
    streamRunEvents(c, c.req.valid('param').run_id, {
      header: c.req.valid('header')['last-event-id'],
      query: c.req.valid('query').last_event_id,
    }),
  );
  return app;
}
