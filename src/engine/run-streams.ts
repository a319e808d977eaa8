import type { Run, RunEvent } from '../db/models.ts';
import type { Principal } from '../domain/principal.ts';
import type { Resources } from '../domain/resources.ts';

/** Events a subscriber may have waiting before it is cut off as too slow. */
export const DEFAULT_MAX_BUFFERED = 1_000;
const REPLAY_PAGE = 200;

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
  /** While true, live events wait in `held` until the catch-up read finishes. */
  catchingUp: boolean;
  held: RunEvent[];
  queue: RunEvent[];
  wake: () => void;
  failure: Error | null;
  maxBuffered: number;
}

interface Topic {
  subscribers: Set<Subscriber>;
  /** Highest sequence fetched for this run; live fetches ask only for what comes after. */
  fetchedSeq: number;
  fetching: Promise<void> | null;
  again: boolean;
}

/**
 * Streams of a run's event log: replay from any sequence, then live events, with no gap and
 * no duplicate. Live events are read from the database once per run per nudge and fanned out
 * to every subscriber of that run; each subscriber has a bounded queue, and one that falls
 * too far behind is cut off with an error telling it where to resume, never slowing the others.
 */
export function createRunStreams(res: Resources, defaultMaxBuffered = DEFAULT_MAX_BUFFERED) {
  const db = res.db.prisma;
  const topics = new Map<string, Topic>();
  /** The newest run read per run, shared by every subscriber that asks at the same sequence. */
  const snapshots = new Map<string, { seq: number; run: Promise<Run | null> }>();

  function push(subscriber: Subscriber, events: RunEvent[]): void {
    // Judged on the backlog before this batch: one transaction may write more events than the
    // limit (a cancel closing many steps), and a consumer keeping up must not be cut off for it.
    if (subscriber.queue.length >= subscriber.maxBuffered) {
      // Cut off now; the stream throws with the last sequence the consumer actually received.
      subscriber.failure ??= new Error('too slow');
      subscriber.queue.length = 0;
    } else {
      for (const event of events) {
        if (event.seq <= subscriber.lastSeq) continue;
        subscriber.queue.push(event);
        subscriber.lastSeq = event.seq;
      }
    }
    subscriber.wake();
  }

  async function fetchLive(runId: string, topic: Topic): Promise<void> {
    if (topic.fetching) {
      topic.again = true;
      return topic.fetching;
    }
    topic.fetching = (async () => {
      do {
        topic.again = false;
        const events = await db.runEvent.findMany({ where: { runId, seq: { gt: topic.fetchedSeq } }, orderBy: { seq: 'asc' } });
        if (events.length === 0) continue;
        topic.fetchedSeq = events.at(-1)?.seq ?? topic.fetchedSeq;
        for (const subscriber of topic.subscribers) {
          if (!subscriber.catchingUp) push(subscriber, events);
          else if (subscriber.held.length >= subscriber.maxBuffered) {
            // Still replaying and already this far behind: cut off like any slow subscriber.
            subscriber.failure ??= new Error('too slow');
            subscriber.held.length = 0;
          } else subscriber.held.push(...events);
        }
      } while (topic.again);
    })().finally(() => {
      topic.fetching = null;
    });
    return topic.fetching;
  }

  const unsubscribe = res.notifier.onEvents((runId) => {
    const topic = topics.get(runId);
    if (topic) void fetchLive(runId, topic).catch((error: unknown) => res.logger.error({ err: error, runId }, 'reading run events failed'));
  });

  return {
    /**
     * Yields the run's events with sequence greater than `afterSeq`, oldest first: what the
     * log already holds, then each new event as it is committed. Ends when `signal` aborts;
     * throws SlowSubscriberError if the consumer falls more than `maxBuffered` events behind.
     */
    async *events(principal: Principal, runId: string, afterSeq: number, signal?: AbortSignal, maxBuffered = defaultMaxBuffered) {
      const subscriber: Subscriber = {
        lastSeq: afterSeq,
        catchingUp: true,
        held: [],
        queue: [],
        wake: () => {},
        failure: null,
        maxBuffered,
      };
      const scope = { tenantId: principal.tenantId, workspaceId: principal.workspaceId, runId };
      // Register first, so nothing committed from now on can slip between replay and live.
      let topic = topics.get(runId);
      if (!topic) {
        const last = await db.runEvent.findFirst({ where: { runId }, orderBy: { seq: 'desc' }, select: { seq: true } });
        topic = topics.get(runId) ?? { subscribers: new Set(), fetchedSeq: last?.seq ?? 0, fetching: null, again: false };
        topics.set(runId, topic);
      }
      topic.subscribers.add(subscriber);
      let yielded = afterSeq;
      const onAbort = () => subscriber.wake();
      signal?.addEventListener('abort', onAbort);
      try {
        // Replay, page by page, up to whatever the log holds when each page is read.
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
          if (page.length < REPLAY_PAGE) break;
        }
        if (subscriber.failure) throw new SlowSubscriberError(yielded);
        subscriber.catchingUp = false;
        // Live events that arrived during replay; push() skips any already replayed.
        push(subscriber, subscriber.held.splice(0));
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
          await new Promise<void>((resolve) => {
            subscriber.wake = resolve;
            if (subscriber.queue.length > 0 || subscriber.failure || signal?.aborted) resolve();
          });
        }
      } finally {
        signal?.removeEventListener('abort', onAbort);
        topic.subscribers.delete(subscriber);
        if (topic.subscribers.size === 0 && topics.get(runId) === topic) {
          topics.delete(runId);
          snapshots.delete(runId);
        }
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

    /** Stops listening for nudges (streams already open end when their consumers stop). */
    close(): void {
      unsubscribe();
    },
  };
}

/** The streams' type, for code that receives it. */
export type RunStreams = ReturnType<typeof createRunStreams>;
