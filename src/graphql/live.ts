import { Repeater } from 'graphql-yoga';
import { SlowSubscriberError } from '../engine/run-streams.ts';

/**
 * Adapts a stream that stops when its AbortSignal aborts into a subscription source.
 *
 * Why not hand the async generator to GraphQL directly: when a client unsubscribes, GraphQL
 * calls `return()` on the source, and a generator waiting for the next event only honours that
 * once another event arrives (never, for a finished run), so the subscriber would stay
 * registered. Repeater settles `return()` at once; the abort then ends the inner stream.
 *
 * A SlowSubscriberError is yielded as a value, not thrown, so the field's resolver can raise
 * it as a GraphQL error on this operation alone; the stream then completes, and every
 * transport keeps serving the connection's other operations.
 */
export function liveSource<T>(open: (signal: AbortSignal) => AsyncIterable<T>): AsyncIterable<T | SlowSubscriberError> {
  return new Repeater<T | SlowSubscriberError>(async (push, stop) => {
    const controller = new AbortController();
    void stop.then(() => controller.abort());
    try {
      for await (const item of open(controller.signal)) await push(item);
      stop();
    } catch (error) {
      if (error instanceof SlowSubscriberError) {
        await push(error);
        stop();
      } else stop(error);
    }
  });
}

/** The subscription resolver's half of {@link liveSource}: values pass through, a cut-off is raised. */
export function liveValue<T>(value: T | SlowSubscriberError): T {
  if (value instanceof SlowSubscriberError) throw value;
  return value;
}
