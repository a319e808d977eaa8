import type { Run, RunEvent } from '../db/models.ts';
import type { Principal } from '../domain/principal.ts';
import type { Resources } from '../domain/resources.ts';

/** Events a subscriber may have waiting before it is cut off as too slow. */
export const DEFAULT_MAX_BUFFERED = 1_000;
/** How often live streams re-read their runs without a nudge, unless configured (STREAM_CATCHUP_MS). */
export const DEFAULT_CATCH_UP_MS = 5_000;
const REPLAY_PAGE = 200;
/** Events read per live query: a burst (or a catch-up after a long gap) is read in pages. */
const LIVE_PAGE = 200;
/** Run ids per catch-up query, well under every driver's bind-parameter limit. */
const CATCH_UP_BATCH = 500;

/**
 * Thrown into a subscriber's stream when it falls too far behind. A run event stream resumes
 * from `lastSeq`; a feed without sequences (`lastSeq` null) is resubscribed and refetched.
 */
export class SlowSubscriberError extends Error {
  constructor(
    readonly lastSeq: number | null,
    message = `the subscriber fell too far behind the run's events and was disconnected; resubscribe with afterSeq: ${lastSeq}`,
  ) {
    super(message);
    this.name = 'SlowSubscriberError';
  }
}

interface Subscriber {
  /** Highest sequence handed to this subscriber (delivered or queued). */
  lastSeq: number;
  /** False while the subscriber replays the log; live events reach it only once this is true. */
  live: boolean;
  queue: RunEvent[];
  wake: () => void;
  failure: Error | null;
  maxBuffered: number;
}

/** Resolves once the subscriber has something to deliver, has failed, or is aborted. */
function woken(subscriber: Subscriber, signal: AbortSignal | undefined): Promise<void> {
  return new Promise<void>((resolve) => {
    subscriber.wake = resolve;
    if (subscriber.queue.length > 0 || subscriber.failure || signal?.aborted) resolve();
  });
}

interface Topic {
  subscribers: Set<Subscriber>;
  /** Highest sequence fetched for this run; live fetches ask only for what comes after. */
  fetchedSeq: number;
  fetching: Promise<void> | null;
  again: boolean;
}

/** One message of a batched stream ({@link RunStreams.batches}). */
export interface EventBatch {
  /** Events in sequence order; empty only in the first batch, when nothing follows `afterSeq`. */
  events: RunEvent[];
  /** The sequence of the last event handed over so far (the `afterSeq` to resume from). */
  lastSeq: number;
  /** More events already in the log follow at once (the backlog is not through yet). */
  hasMorePastEvents: boolean;
}

/** Options of {@link createRunStreams} and {@link createRunChanges}. */
export interface StreamOptions {
  /** Events (or changes) a subscriber may have waiting before it is cut off as too slow. */
  maxBuffered?: number;
  /**
   * How often every live topic is re-read even without a nudge (0 turns it off). Nudges from
   * other processes travel by PostgreSQL NOTIFY, which is lost while the listener is
   * reconnecting and never sent by a writer that bypasses the trigger; this bounds how long
   * such an event can wait.
   */
  catchUpMs?: number;
}

/**
 * Streams of a run's event log: replay from any sequence, then live events, with no gap and
 * no duplicate. Live events are read from the database once per run per nudge and fanned out
 * to every subscriber of that run; each subscriber has a bounded queue, and one that falls
 * too far behind is cut off with an error telling it where to resume, never slowing the others.
 * Nudges may be lost between processes, so after a listener reconnect every topic re-reads
 * from its last fetched sequence, and every `catchUpMs` the topics behind their run's
 * `lastEventSeq` do too.
 */
export function createRunStreams(res: Resources, options: StreamOptions = {}) {
  const db = res.db.prisma;
  const defaultMaxBuffered = options.maxBuffered ?? DEFAULT_MAX_BUFFERED;
  const catchUpMs = options.catchUpMs ?? DEFAULT_CATCH_UP_MS;
  const topics = new Map<string, Topic>();
  /** The newest run read per run, shared by every subscriber that asks at the same sequence. */
  const snapshots = new Map<string, { seq: number; run: Promise<Run | null> }>();

  /**
   * Queues a page of live events. `admitted` holds the subscribers already judged in this read
   * round: the judgement is on the backlog from before the round, since one transaction may
   * write more events than the limit (a cancel closing many steps) and arrive in several pages,
   * and a consumer keeping up must not be cut off for it.
   */
  function push(subscriber: Subscriber, events: RunEvent[], admitted: Set<Subscriber>): void {
    if (subscriber.failure) return;
    if (!admitted.has(subscriber)) {
      if (subscriber.queue.length >= subscriber.maxBuffered) {
        // Cut off now; the stream throws with the last sequence the consumer actually received.
        subscriber.failure = new Error('too slow');
        subscriber.queue.length = 0;
        subscriber.wake();
        return;
      }
      admitted.add(subscriber);
    }
    for (const event of events) {
      if (event.seq <= subscriber.lastSeq) continue;
      subscriber.queue.push(event);
      subscriber.lastSeq = event.seq;
    }
    subscriber.wake();
  }

  /** Reads what the run logged after `fetchedSeq`, page by page, and hands it to live subscribers. */
  function fetchLive(runId: string, topic: Topic): Promise<void> {
    if (topic.fetching) {
      topic.again = true;
      return topic.fetching;
    }
    topic.fetching = (async () => {
      do {
        topic.again = false;
        const admitted = new Set<Subscriber>();
        for (;;) {
          const page = await db.runEvent.findMany({
            where: { runId, seq: { gt: topic.fetchedSeq } },
            orderBy: { seq: 'asc' },
            take: LIVE_PAGE,
          });
          const last = page.at(-1);
          if (!last) break;
          topic.fetchedSeq = last.seq;
          for (const subscriber of topic.subscribers) if (subscriber.live) push(subscriber, page, admitted);
          if (page.length < LIVE_PAGE) break;
        }
      } while (topic.again);
    })().finally(() => {
      topic.fetching = null;
    });
    return topic.fetching;
  }

  /** Fetches in the background; a failed read is retried by the next nudge or catch-up, since `fetchedSeq` did not move. */
  function refetch(runId: string, topic: Topic): void {
    fetchLive(runId, topic).catch((error: unknown) => res.logger.error({ err: error, runId }, 'reading run events failed'));
  }

  let catchingUp = false;
  /** Re-reads the topics whose run logged more than they fetched: one query per batch of topics. */
  async function catchUp(): Promise<void> {
    if (catchingUp || topics.size === 0) return;
    catchingUp = true;
    try {
      const ids = [...topics.keys()];
      for (let i = 0; i < ids.length; i += CATCH_UP_BATCH) {
        const runs = await db.run.findMany({
          where: { id: { in: ids.slice(i, i + CATCH_UP_BATCH) } },
          select: { id: true, lastEventSeq: true },
        });
        for (const run of runs) {
          const topic = topics.get(run.id);
          if (topic && run.lastEventSeq > topic.fetchedSeq) refetch(run.id, topic);
        }
      }
    } catch (error) {
      res.logger.error({ err: error }, 'catching up run event streams failed');
    } finally {
      catchingUp = false;
    }
  }

  const unsubscribe = [
    res.notifier.onEvents((runId) => {
      const topic = topics.get(runId);
      if (topic) refetch(runId, topic);
    }),
    // Anything may have been committed while nudges were lost: read every topic afresh.
    res.notifier.onResync(() => {
      for (const [runId, topic] of topics) refetch(runId, topic);
    }),
  ];
  const timer = catchUpMs > 0 ? setInterval(() => void catchUp(), catchUpMs) : undefined;
  // A backstop must not keep the process alive.
  timer?.unref();

  /** Registers a subscriber before its replay, so nothing committed from now on can slip between replay and live. */
  async function join(runId: string, subscriber: Subscriber): Promise<Topic> {
    let topic = topics.get(runId);
    if (!topic) {
      const last = await db.runEvent.findFirst({ where: { runId }, orderBy: { seq: 'desc' }, select: { seq: true } });
      topic = topics.get(runId) ?? { subscribers: new Set(), fetchedSeq: last?.seq ?? 0, fetching: null, again: false };
      topics.set(runId, topic);
    }
    topic.subscribers.add(subscriber);
    return topic;
  }

  function leave(runId: string, topic: Topic, subscriber: Subscriber): void {
    topic.subscribers.delete(subscriber);
    if (topic.subscribers.size === 0 && topics.get(runId) === topic) {
      topics.delete(runId);
      snapshots.delete(runId);
    }
  }

  return {
    /**
     * Yields the run's events with sequence greater than `afterSeq`, oldest first: what the
     * log already holds, then each new event as it is committed. Ends when `signal` aborts;
     * throws SlowSubscriberError if the consumer falls more than `maxBuffered` events behind.
     */
    async *events(principal: Principal, runId: string, afterSeq: number, signal?: AbortSignal, maxBuffered = defaultMaxBuffered) {
      const subscriber: Subscriber = { lastSeq: afterSeq, live: false, queue: [], wake: () => {}, failure: null, maxBuffered };
      const scope = { tenantId: principal.tenantId, workspaceId: principal.workspaceId, runId };
      const topic = await join(runId, subscriber);
      let yielded = afterSeq;
      const onAbort = () => subscriber.wake();
      signal?.addEventListener('abort', onAbort);
      try {
        // Replay page by page until the subscriber has everything the topic has fetched. Live
        // events are not held meanwhile: they are in the log, and the next page reads them, so
        // a long replay of a run that keeps logging is never cut off; it only ends later.
        for (;;) {
          const page = await db.runEvent.findMany({
            where: { ...scope, seq: { gt: subscriber.lastSeq } },
            orderBy: { seq: 'asc' },
            take: REPLAY_PAGE,
          });
          for (const event of page) {
            if (signal?.aborted) return;
            subscriber.lastSeq = event.seq;
            yielded = event.seq;
            yield event;
          }
          // Checked and acted on in one turn: every later fetch hands its events to this subscriber.
          // An empty page with lastSeq still behind means those events are gone (purged).
          if (page.length === 0 || (page.length < REPLAY_PAGE && subscriber.lastSeq >= topic.fetchedSeq)) break;
        }
        subscriber.live = true;
        for (;;) {
          if (subscriber.failure) throw new SlowSubscriberError(yielded);
          const next = subscriber.queue.shift();
          if (next) {
            if (signal?.aborted) return;
            yielded = next.seq;
            yield next;
            continue;
          }
          if (signal?.aborted) return;
          await woken(subscriber, signal);
        }
      } finally {
        signal?.removeEventListener('abort', onAbort);
        leave(runId, topic, subscriber);
      }
    },

    /**
     * Like {@link events}, in batches: the log after `afterSeq` in batches of at most
     * `batchSize` (always at least one batch, possibly empty, so a consumer learns where the
     * backlog ends), then live events as they are read, everything waiting handed over at once
     * (events committed together are read together, so they arrive in one batch unless it is
     * full). Throws SlowSubscriberError, naming the last sequence handed over, if the consumer
     * falls more than `maxBuffered` events behind.
     */
    async *batches(
      principal: Principal,
      runId: string,
      afterSeq: number,
      batchSize: number,
      signal?: AbortSignal,
      maxBuffered = defaultMaxBuffered,
    ): AsyncGenerator<EventBatch> {
      const subscriber: Subscriber = { lastSeq: afterSeq, live: false, queue: [], wake: () => {}, failure: null, maxBuffered };
      const scope = { tenantId: principal.tenantId, workspaceId: principal.workspaceId, runId };
      const topic = await join(runId, subscriber);
      let yielded = afterSeq;
      const onAbort = () => subscriber.wake();
      signal?.addEventListener('abort', onAbort);
      try {
        // One extra row tells whether the log holds more than this batch.
        for (let first = true; ; first = false) {
          const page = await db.runEvent.findMany({
            where: { ...scope, seq: { gt: subscriber.lastSeq } },
            orderBy: { seq: 'asc' },
            take: batchSize + 1,
          });
          const events = page.slice(0, batchSize);
          const more = page.length > batchSize;
          if (events.length > 0 || first) {
            if (signal?.aborted) return;
            subscriber.lastSeq = events.at(-1)?.seq ?? subscriber.lastSeq;
            yielded = subscriber.lastSeq;
            yield { events, lastSeq: yielded, hasMorePastEvents: more || subscriber.lastSeq < topic.fetchedSeq };
          }
          // As in `events`: checked and acted on in one turn, and an empty page means the rest is gone.
          if (events.length === 0 || (!more && subscriber.lastSeq >= topic.fetchedSeq)) break;
        }
        subscriber.live = true;
        for (;;) {
          if (subscriber.failure) throw new SlowSubscriberError(yielded);
          if (subscriber.queue.length > 0) {
            if (signal?.aborted) return;
            const events = subscriber.queue.splice(0, batchSize);
            yielded = (events.at(-1) as RunEvent).seq;
            yield { events, lastSeq: yielded, hasMorePastEvents: subscriber.queue.length > 0 };
            continue;
          }
          if (signal?.aborted) return;
          await woken(subscriber, signal);
        }
      } finally {
        signal?.removeEventListener('abort', onAbort);
        leave(runId, topic, subscriber);
      }
    },

    /**
     * The run as it is once event `seq` is in its log, read once for every subscriber asking
     * at that sequence (the caller has already checked the run is visible to it).
     */
    runAt(runId: string, seq: number): Promise<Run | null> {
      const cached = snapshots.get(runId);
      if (cached && cached.seq >= seq) return cached.run;
      const run = db.run.findUnique({ where: { id: runId } });
      snapshots.set(runId, { seq, run });
      // A failed read is not shared with later callers.
      run.catch(() => {
        if (snapshots.get(runId)?.run === run) snapshots.delete(runId);
      });
      return run;
    },

    /** How many streams are open right now (for metrics, and to prove unsubscribing frees them). */
    subscribers(): number {
      let count = 0;
      for (const topic of topics.values()) count += topic.subscribers.size;
      return count;
    },

    /** Stops listening for nudges and catching up (streams already open end when their consumers stop). */
    close(): void {
      for (const stop of unsubscribe) stop();
      clearInterval(timer);
    },
  };
}

/** The streams' type, for code that receives it. */
export type RunStreams = ReturnType<typeof createRunStreams>;
