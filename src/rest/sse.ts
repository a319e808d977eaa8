// The REST layer's server-sent event streams of a run's event log, shared by every route that
// serves one (/api/v1/runs/{run_id}/events, /api/v1/workflows/runs/{run_id}/stream). The log
// and its replay-then-live delivery are the engine's run streams, the same that back GraphQL
// subscriptions; this module only frames them as text/event-stream.
import { z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { RunEvent } from '../db/models.ts';
import type { RunEventType } from '../db/run-events.ts';
import { runEventType } from '../domain/run-event-details.ts';
import { SlowSubscriberError } from '../engine/run-streams.ts';
import type { RestEnv } from './env.ts';
import { errorResponses } from './schemas.ts';

// A Record so that a new event type fails the type check until it is listed here.
const EVENT_TYPES: Record<RunEventType, true> = {
  'run.created': true,
  'run.started': true,
  'run.completed': true,
  'run.failed': true,
  'run.cancelled': true,
  'run.retried': true,
  'step.started': true,
  'step.completed': true,
  'step.failed': true,
  'step.retry_scheduled': true,
  'step.skipped': true,
  'step.cancelled': true,
  'step.waiting': true,
  'step.signalled': true,
  'step.reused': true,
  'step.interrupted': true,
  'step.log': true,
};

/** Every type of entry in a run's event log: the closed set of SSE `event:` names and log entry types. */
export const RUN_EVENT_TYPES = Object.keys(EVENT_TYPES) as RunEventType[];

/** The JSON `data` of one event message. */
export const SseRunEventData = z
  .object({
    seq: z.number().int().openapi({ description: "The event's sequence in the run's log (1, 2, 3…): also the message's `id:`." }),
    type: z.enum(RUN_EVENT_TYPES).openapi({
      description:
        "What happened (also the message's `event:`). These are event names, not statuses: `step.cancelled` is the event of a step cut off by a cancel, whichever status each dialect shows for that step.",
      example: 'step.completed',
    }),
    run_id: z.string().openapi({ description: 'The run.' }),
    step_id: z.string().nullable().openapi({ description: 'The step concerned, for step events; null for run events.' }),
    payload: z.record(z.string(), z.unknown()).openapi({
      description:
        "Details of the event (its output, error, attempt, ...), as recorded; the only status it carries is `run.retried`'s `previousStatus`, the engine's FAILED or CANCELLED.",
    }),
    created_at: z.string().openapi({ format: 'date-time', description: 'When the event was recorded.' }),
    timestamp: z.string().openapi({
      format: 'date-time',
      description: 'Server time when this message was sent (later than `created_at` for replayed events).',
    }),
  })
  .openapi('SseRunEventData', { description: 'The JSON `data` of each message of a run event stream.' });

const MESSAGE_FORMAT = [
  'A `text/event-stream` of the run’s event log: first every event after the resume point, then each new event as it is committed, with no gap and no duplicate. Each message is',
  '',
  '```',
  'event: <type>            (e.g. step.completed)',
  'data: <JSON>             (SseRunEventData: seq, type, run_id, step_id, payload, created_at, and the server timestamp)',
  'id: <seq>',
  '```',
  '',
  'A comment line (`: heartbeat`) is sent every SSE_HEARTBEAT_MS (15 s by default) so proxies keep an idle stream open. To resume after a disconnect, send the last id seen as the `Last-Event-ID` header (EventSource does so itself) or the `last_event_id` query parameter (the header wins): exactly the events after it follow. The stream stays open after the run finishes (a failed or cancelled run may be retried); close it when you have seen what you wait for. A client that falls more than STREAM_MAX_BUFFERED events behind receives `event: error` with `data: {"error": "slow_subscriber", "last_event_id": <id>, ...}` and the stream ends: reconnect from that id. When the token the stream was opened with expires, `event: error` with `data: {"error": "credentials_expired", "last_event_id": <id>, ...}` ends it: reconnect with a fresh token from that id.',
].join('\n');

/** The documented 200 answer of a run event stream. */
export const sseResponse = {
  description: MESSAGE_FORMAT,
  content: {
    'text/event-stream': {
      schema: z.string().openapi('SseRunEventStream', {
        description: 'Server-sent event messages (see the response description).',
        example:
          'event: run.created\ndata: {"seq":1,"type":"run.created","run_id":"4f…","step_id":null,"payload":{},"created_at":"2024-01-01T10:00:00.000Z","timestamp":"2024-01-01T10:00:00.120Z"}\nid: 1\n\n: heartbeat\n\n',
      }),
    },
  },
};

/** Every answer of a run event stream route: the stream, 404 for a run the caller cannot see, 422 for a bad resume point. */
export const sseResponses = { 200: sseResponse, ...errorResponses(404, 422) };

/** The query of a run event stream: where to resume. */
export const SseQuery = z.object({
  last_event_id: z.coerce.number().int().min(0).optional().openapi({
    description: 'Resume after this event id (sequence); for clients that cannot send `Last-Event-ID`. Default 0: the whole log.',
  }),
});

/** The headers of a run event stream: where EventSource says to resume. */
export const SseHeaders = z.object({
  'last-event-id': z
    .string()
    .regex(/^\d+$/, 'must be the id of an event received before (a sequence number)')
    .optional()
    .openapi({ description: 'The id of the last message received: the stream resumes after it. Wins over `last_event_id`.' }),
});

function message(event: RunEvent, now: Date): z.infer<typeof SseRunEventData> {
  return {
    seq: event.seq,
    type: runEventType(event.type),
    run_id: event.runId,
    step_id: event.stepId,
    payload: (event.payload ?? {}) as Record<string, unknown>,
    created_at: event.createdAt.toISOString(),
    timestamp: now.toISOString(),
  };
}

/**
 * Answers with the run's event log as server-sent events, from the event after the resume
 * point (the Last-Event-ID header, else `lastEventId`, else the start). The run is looked up
 * first, so a run the caller cannot see is a 404 and no stream opens. The server-side stream
 * ends when the client disconnects.
 */
export async function streamRunEvents(c: Context<RestEnv>, runId: string, resume: { header?: string; query?: number }): Promise<Response> {
  const { principal, streams, resources } = c.var;
  const run = await c.var.services.runs.get(principal, runId);
  const afterSeq = resume.header !== undefined ? Number(resume.header) : (resume.query ?? 0);
  const heartbeatMs = c.var.sseHeartbeatMs;
  const request = c.req.raw.signal;
  const expiresAt = c.var.credentialExpiresAt;

  return streamSSE(c, async (stream) => {
    const disconnected = new AbortController();
    const abort = () => disconnected.abort();
    request.addEventListener('abort', abort, { once: true });
    stream.onAbort(abort);
    if (request.aborted) abort();
    // Heartbeats go out only between messages, so a consumer that stopped reading does not
    // pile them up behind a blocked write.
    let writing = false;
    const send = async (write: () => Promise<unknown>) => {
      writing = true;
      try {
        await write();
      } finally {
        writing = false;
      }
    };
    const heartbeat = setInterval(() => {
      if (!writing && !disconnected.signal.aborted) void send(() => stream.write(': heartbeat\n\n'));
    }, heartbeatMs);
    // A token checked once at the start must not keep the stream open past its expiry.
    let expired = false;
    const remaining = expiresAt ? expiresAt.getTime() - Date.now() : Infinity;
    const expiry =
      remaining < 2 ** 31 - 1
        ? setTimeout(
            () => {
              expired = true;
              abort();
            },
            Math.max(0, remaining),
          )
        : undefined;
    let lastSeq = afterSeq;
    try {
      for await (const event of streams.events(principal, run.id, afterSeq, disconnected.signal)) {
        await send(() =>
          stream.writeSSE({ id: String(event.seq), event: event.type, data: JSON.stringify(message(event, resources.clock.now())) }),
        );
        lastSeq = event.seq;
      }
      if (expired) {
        const data = {
          error: 'credentials_expired',
          message: 'your credentials expired; reconnect with a fresh token and the last id received',
          last_event_id: lastSeq,
          timestamp: resources.clock.now().toISOString(),
        };
        await stream.writeSSE({ event: 'error', data: JSON.stringify(data), id: String(lastSeq) });
      }
    } catch (error) {
      const slow = error instanceof SlowSubscriberError;
      if (!slow) resources.logger.error({ err: error, runId: run.id }, 'run event stream failed');
      const lastSeq = slow ? error.lastSeq : null;
      const data = {
        error: slow ? 'slow_subscriber' : 'internal_error',
        message: slow ? error.message : 'the stream failed; reconnect with the last id received',
        last_event_id: lastSeq,
        timestamp: resources.clock.now().toISOString(),
      };
      // The id repeats the last event delivered, so a reconnecting EventSource resumes right after it.
      await send(() =>
        stream.writeSSE({ event: 'error', data: JSON.stringify(data), ...(lastSeq !== null ? { id: String(lastSeq) } : {}) }),
      );
    } finally {
      clearInterval(heartbeat);
      clearTimeout(expiry);
      request.removeEventListener('abort', abort);
      abort();
    }
  });
}
