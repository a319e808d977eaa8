import type { Run } from '../db/models.ts';
import type { Principal } from '../domain/principal.ts';
import type { Resources } from '../domain/resources.ts';
import { matchesRunFilter, type ParsedRunFilter } from '../domain/run-filter.ts';
import { isTerminalRun, type RunStatus } from '../domain/statuses.ts';
import { DEFAULT_CATCH_UP_MS, DEFAULT_MAX_BUFFERED, SlowSubscriberError, type StreamOptions } from './run-streams.ts';

/** What happened to a run, as the workspace feed reports it. */
export type RunChangeKind = 'CREATED' | 'STATUS_CHANGED';

/** One entry of the workspace feed: the run's state after the change. */
export interface RunChange {
  kind: RunChangeKind;
  run: Run;
  /** The status the run left; null for a new run (or one this process had not seen). */
  previousStatus: RunStatus | null;
}

interface Watcher {
  principal: Principal;
  filter: ParsedRunFilter;
  queue: RunChange[];
  wake: () => void;
  /** Why the feed ends: the consumer fell behind, or changes could not be read. */
  failure: Error | null;
  maxBuffered: number;
  /** Set once the feed knows the active runs, from when no change can be missed. */
  ready: boolean;
}

const ACTIVE: RunStatus[] = ['PENDING', 'RUNNING'];
/** Finished runs remembered, so a late or repeated nudge about one is not taken for a new run. */
const FINISHED_MEMORY = 10_000;
/**
 * How far before the previous catch-up the next one looks for run-level events. Writers stamp
 * an event before their transaction commits, which may be up to 45 s later (maxWait plus
 * timeout of an interactive transaction, src/db/database.ts), and processes' clocks differ a
 * little; re-reading a run already reported costs one comparison.
 */
const CATCH_UP_OVERLAP_MS = 60_000;
/** Run ids per status query, well under every driver's bind-parameter limit. */
const ID_BATCH = 500;

/**
 * The workspace-wide feed of run creations and status changes behind `runsChanged`.
 *
 * It is driven by the same nudges as run event streams (in-process, or PostgreSQL NOTIFY from
 * other processes). Each nudged run is read once, however many watchers there are, and
 * compared with the status last seen: while anyone watches, the feed remembers every active
 * run (seeded from the database when the first watcher arrives) and the most recently
 * finished ones (a nudge can arrive twice: in-process and through NOTIFY), so only real
 * transitions are reported. Transitions closer together than a read are reported once, with the newest
 * state, which is what a live run list shows.
 *
 * Nudges from other processes can be lost (NOTIFY is not delivered while the listener
 * reconnects), so every `catchUpMs` the feed also looks for run-level events logged in the
 * watched workspaces since its previous look, and after a listener reconnect it re-reads every
 * active run as well; whatever differs from what it last saw is read and reported like a nudge.
 */
export function createRunChanges(res: Resources, options: StreamOptions = {}) {
  const db = res.db.prisma;
  const defaultMaxBuffered = options.maxBuffered ?? DEFAULT_MAX_BUFFERED;
  const catchUpMs = options.catchUpMs ?? DEFAULT_CATCH_UP_MS;
  const watchers = new Set<Watcher>();
  const pending = new Set<string>();
  let known: Promise<Map<string, RunStatus>> | null = null;
  const finished = new Map<string, RunStatus>();
  let draining: Promise<void> | null = null;
  /** Where the next catch-up starts looking for run-level events (set by the seed). */
  let lookFrom: Date | null = null;
  /** The active runs must be re-read too: a listener reconnect may have hidden anything. */
  let recheckActive = false;
  let catchingUp: Promise<void> | null = null;
  let catchUpAgain = false;

  function seed(): Promise<Map<string, RunStatus>> {
    if (known) return known;
    const at = res.clock.now();
    const seeding: Promise<Map<string, RunStatus>> = db.run
      .findMany({ where: { status: { in: ACTIVE } }, select: { id: true, status: true } })
      .then((runs) => {
        // Changes logged before the seed are in what it read; the catch-up looks from here on.
        if (known === seeding) lookFrom = at;
        return new Map(runs.map((r) => [r.id, r.status as RunStatus]));
      })
      .catch((error: unknown) => {
        if (known === seeding) known = null;
        throw error;
      });
    known = seeding;
    return seeding;
  }

  async function classify(run: Run, previous: RunStatus | undefined): Promise<RunChange> {
    const status = run.status as RunStatus;
    if (previous) return { kind: 'STATUS_CHANGED', run, previousStatus: previous };
    // Unknown here means created since the feed started, or a finished run that was retried.
    const retried = await db.runEvent.findFirst({ where: { runId: run.id, type: 'run.retried' }, orderBy: { seq: 'desc' } });
    if (!retried) return { kind: 'CREATED', run, previousStatus: null };
    const from = (retried.payload as { previousStatus?: RunStatus } | null)?.previousStatus ?? null;
    return { kind: 'STATUS_CHANGED', run, previousStatus: from === status ? null : from };
  }

  function deliver(change: RunChange): void {
    for (const watcher of watchers) {
      if (watcher.failure) continue;
      if (watcher.principal.tenantId !== change.run.tenantId || watcher.principal.workspaceId !== change.run.workspaceId) continue;
      if (!matchesRunFilter(watcher.filter, change.run, change.previousStatus)) continue;
      if (watcher.queue.length >= watcher.maxBuffered) {
        watcher.failure = new SlowSubscriberError(
          null,
          'the subscriber fell too far behind the workspace’s run changes and was disconnected; resubscribe and refetch the list',
        );
        watcher.queue.length = 0;
      } else watcher.queue.push(change);
      watcher.wake();
    }
  }

  function drain(): void {
    if (draining) return;
    draining = (async () => {
      while (pending.size > 0 && watchers.size > 0) {
        const statuses = await seed();
        const ids = [...pending];
        pending.clear();
        const runs = await db.run.findMany({ where: { id: { in: ids } } });
        for (const run of runs) {
          const status = run.status as RunStatus;
          const previous = statuses.get(run.id) ?? finished.get(run.id);
          if (previous === status) continue;
          const change = await classify(run, previous);
          finished.delete(run.id);
          if (isTerminalRun(status)) {
            statuses.delete(run.id);
            finished.set(run.id, status);
            // Oldest first: Map keeps insertion order.
            if (finished.size > FINISHED_MEMORY) finished.delete(finished.keys().next().value as string);
          } else statuses.set(run.id, status);
          deliver(change);
        }
      }
    })()
      .catch((error: unknown) => {
        res.logger.error({ err: error }, 'reading run changes failed');
        // Changes may have been missed: end every feed so its client refetches, never a silent gap.
        for (const watcher of watchers) {
          watcher.failure ??= new Error('the run feed could not read changes; resubscribe and refetch the list');
          watcher.wake();
        }
      })
      .finally(() => {
        draining = null;
        if (pending.size > 0 && watchers.size > 0) drain();
      });
  }

  /**
   * Finds the runs whose status may differ from what the feed last saw without a nudge having
   * said so, and queues them for {@link drain}, which reports only real transitions.
   */
  async function catchUp(): Promise<void> {
    if (watchers.size === 0) return;
    const seeding = seed();
    const statuses = await seeding;
    const from = lookFrom;
    const startedAt = res.clock.now();
    const withActive = recheckActive;
    recheckActive = false;
    try {
      const seen = new Map<string, string>();
      const candidates = new Set<string>();
      const workspaces = [...new Set([...watchers].map((w) => w.principal.workspaceId))];
      if (from && workspaces.length > 0) {
        // Every status change logs a run-level event; the (workspaceId, createdAt) index serves this.
        const logged = await db.runEvent.findMany({
          where: { workspaceId: { in: workspaces }, createdAt: { gte: from }, type: { startsWith: 'run.' } },
          select: { runId: true },
          distinct: ['runId'],
        });
        for (const { runId } of logged) candidates.add(runId);
      }
      if (withActive) {
        // Independent of clocks: the runs active now, and the ones the feed still takes for active.
        const active = await db.run.findMany({ where: { status: { in: ACTIVE } }, select: { id: true, status: true } });
        for (const run of active) seen.set(run.id, run.status);
        for (const id of statuses.keys()) candidates.add(id);
      }
      const unread = [...candidates].filter((id) => !seen.has(id));
      for (let i = 0; i < unread.length; i += ID_BATCH) {
        const runs = await db.run.findMany({ where: { id: { in: unread.slice(i, i + ID_BATCH) } }, select: { id: true, status: true } });
        for (const run of runs) seen.set(run.id, run.status);
      }
      if (known !== seeding) return; // every watcher left meanwhile; the next feed seeds afresh
      for (const id of candidates) if (!seen.has(id)) statuses.delete(id); // deleted runs
      for (const [id, status] of seen) if ((statuses.get(id) ?? finished.get(id)) !== status) pending.add(id);
      const overlapped = new Date(startedAt.getTime() - CATCH_UP_OVERLAP_MS);
      lookFrom = from && from > overlapped ? from : overlapped;
    } catch (error) {
      // Nothing moved on: the next catch-up covers the same ground.
      if (withActive) recheckActive = true;
      throw error;
    }
    drain();
  }

  /** Runs a catch-up now, or right after the one in progress. */
  function requestCatchUp(withActive: boolean): void {
    if (watchers.size === 0) return;
    if (withActive) recheckActive = true;
    if (catchingUp) {
      catchUpAgain = true;
      return;
    }
    catchingUp = (async () => {
      do {
        catchUpAgain = false;
        await catchUp();
      } while (catchUpAgain);
    })()
      .catch((error: unknown) => res.logger.error({ err: error }, 'catching up run changes failed'))
      .finally(() => {
        catchingUp = null;
      });
  }

  const unsubscribe = [
    res.notifier.onEvents((runId) => {
      if (watchers.size === 0) return;
      pending.add(runId);
      drain();
    }),
    res.notifier.onResync(() => requestCatchUp(true)),
  ];
  const timer = catchUpMs > 0 ? setInterval(() => requestCatchUp(false), catchUpMs) : undefined;
  // A backstop must not keep the process alive.
  timer?.unref();

  return {
    /**
     * Yields changes to runs of the principal's workspace that match `filter`, from the moment
     * the feed is ready (resolved before the first change can be missed) until `signal` aborts.
     * Throws SlowSubscriberError if the consumer falls more than `maxBuffered` changes behind.
     */
    async *changes(principal: Principal, filter: ParsedRunFilter, signal?: AbortSignal, maxBuffered = defaultMaxBuffered) {
      const watcher: Watcher = { principal, filter, queue: [], wake: () => {}, failure: null, maxBuffered, ready: false };
      watchers.add(watcher);
      const onAbort = () => watcher.wake();
      signal?.addEventListener('abort', onAbort);
      try {
        await seed();
        watcher.ready = true;
        for (;;) {
          if (watcher.failure) throw watcher.failure;
          if (signal?.aborted) return;
          const next = watcher.queue.shift();
          if (next) {
            yield next;
            continue;
          }
          await new Promise<void>((resolve) => {
            watcher.wake = resolve;
            if (watcher.queue.length > 0 || watcher.failure || signal?.aborted) resolve();
          });
        }
      } finally {
        signal?.removeEventListener('abort', onAbort);
        watchers.delete(watcher);
        // Nobody watches: nudges go unread, so the next watcher reads the active runs afresh.
        if (watchers.size === 0) {
          known = null;
          lookFrom = null;
          recheckActive = false;
          pending.clear();
        }
      }
    },

    /** How many feeds are open and ready (every change from now on reaches them). */
    watchers(): number {
      let count = 0;
      for (const watcher of watchers) if (watcher.ready) count += 1;
      return count;
    },

    /** Stops listening for nudges and catching up. */
    close(): void {
      for (const stop of unsubscribe) stop();
      clearInterval(timer);
    },
  };
}

/** The feed's type, for code that receives it. */
export type RunChanges = ReturnType<typeof createRunChanges>;
