// The live workspace feed of run changes (behind `runsChanged` and `runListChanges`): which runs
// changed, read once per nudge and fanned out to every watcher whose filter matches; resumable.
import type { Run } from '../db/models.ts';
import type { Principal } from '../domain/principal.ts';
import type { Resources } from '../domain/resources.ts';
import { matchesRunFilter, type ParsedRunFilter } from '../domain/run-filter.ts';
import { isTerminalRun, type RunStatus } from '../domain/statuses.ts';
import {
  byPosition,
  changePosition,
  changesSince,
  countSteps,
  deletedChange,
  type FeedPosition,
  type LiveRunChange,
  type RunChange,
  type RunChangeKind,
  type StepCounts,
  subjectOf,
} from './run-change-reads.ts';
import { DEFAULT_CATCH_UP_MS, DEFAULT_MAX_BUFFERED, SlowSubscriberError, type StreamOptions } from './run-streams.ts';

export {
  changePosition,
  type DeletedRunChange,
  type FeedPosition,
  type LiveRunChange,
  type RunChange,
  type RunChangeKind,
} from './run-change-reads.ts';

/** The kinds a feed reports unless asked for more: what it reported before PROGRESSED and DELETED existed. */
export const DEFAULT_CHANGE_KINDS: readonly RunChangeKind[] = ['CREATED', 'STATUS_CHANGED'];

/** Where a run was when the feed last looked: its status and how many of its steps were done. */
interface Seen {
  status: RunStatus;
  completed: number;
}

/** Options of one feed ({@link RunChanges.changes}). */
export interface FeedOptions {
  /** Which kinds to report (default {@link DEFAULT_CHANGE_KINDS}). */
  kinds?: readonly RunChangeKind[];
  /**
   * Resume after this position (from {@link changePosition}): every run of the workspace changed
   * (or, when DELETED is among the kinds, deleted) since is reported first, with its current
   * state, starting {@link RunChangesOptions.resumeReplayMs} before the position.
   */
  after?: FeedPosition | null;
  maxBuffered?: number;
}

/** Options of {@link createRunChanges}. */
export interface RunChangesOptions extends StreamOptions {
  /**
   * How far before a resume token's position a resume starts reporting (default
   * {@link COMMIT_LAG_MS}). A change is stamped before its transaction commits, so one stamped
   * before the token may commit after it: without this margin a client resuming between the two
   * commits would never hear of it. Changes in the margin that the client had already received
   * come again: resuming is at least once.
   */
  resumeReplayMs?: number;
}

interface Watcher {
  principal: Principal;
  filter: ParsedRunFilter;
  kinds: ReadonlySet<RunChangeKind>;
  queue: RunChange[];
  wake: () => void;
  /** Why the feed ends: the consumer fell behind, or changes could not be read. */
  failure: Error | null;
  maxBuffered: number;
  /** Set once the feed knows the active runs, from when no change can be missed. */
  ready: boolean;
}

const ACTIVE: RunStatus[] = ['PENDING', 'RUNNING'];
/** Finished (and deleted) runs remembered, so a late or repeated nudge about one is not taken for a new change. */
const FINISHED_MEMORY = 10_000;
/**
 * The longest a change's timestamp (a run's updatedAt, an event's createdAt, a tombstone's
 * deletedAt) can precede its commit, plus how much processes' clocks differ: writers stamp
 * before their transaction commits, which may be up to 45 s later (maxWait plus timeout of an
 * interactive transaction, src/db/database.ts).
 */
export const COMMIT_LAG_MS = 60_000;
/**
 * How far before the previous catch-up the next one looks for run-level events and tombstones;
 * re-reading a run already reported costs one comparison.
 */
const CATCH_UP_OVERLAP_MS = COMMIT_LAG_MS;
/** How far back a resume token is honoured: older positions mean refetching the list. */
export const RESUME_WINDOW_MS = 60 * 60_000;
/**
 * How long a deleted run's tombstone is kept (retention prunes older ones): a resume from the
 * oldest token honoured reads from {@link COMMIT_LAG_MS} before it, and the clock retention
 * prunes by may run that much ahead of the writers'.
 */
export const TOMBSTONE_KEEP_MS = RESUME_WINDOW_MS + 2 * COMMIT_LAG_MS;
/** Run ids per status query, well under every driver's bind-parameter limit. */
const ID_BATCH = 500;

/**
 * The workspace-wide feed of run creations, status changes, progress and deletions behind
 * `runsChanged` and `runListChanges`.
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
 *
 * A deleted run (retention, its workflow deleted for good) leaves a tombstone written in the
 * deleting transaction, whose insert nudges every process (in-process, and NOTIFY by trigger on
 * PostgreSQL): a nudged run that is gone and has a tombstone is reported DELETED, once. The
 * catch-up reads the watched workspaces' recent tombstones too, and a resume reads them like runs.
 */
export function createRunChanges(res: Resources, options: RunChangesOptions = {}) {
  const db = res.db.prisma;
  const defaultMaxBuffered = options.maxBuffered ?? DEFAULT_MAX_BUFFERED;
  const catchUpMs = options.catchUpMs ?? DEFAULT_CATCH_UP_MS;
  const resumeReplayMs = options.resumeReplayMs ?? COMMIT_LAG_MS;
  const watchers = new Set<Watcher>();
  const pending = new Set<string>();
  let known: Promise<Map<string, Seen>> | null = null;
  const finished = new Map<string, Seen>();
  /** Runs reported DELETED (newest last), so the same deletion heard twice is reported once. */
  const buried = new Set<string>();
  let draining: Promise<void> | null = null;
  /** Where the next catch-up starts looking for run-level events (set by the seed). */
  let lookFrom: Date | null = null;
  /** The active runs must be re-read too: a listener reconnect may have hidden anything. */
  let recheckActive = false;
  let catchingUp: Promise<void> | null = null;
  let catchUpAgain = false;

  function seed(): Promise<Map<string, Seen>> {
    if (known) return known;
    const at = res.clock.now();
    const seeding: Promise<Map<string, Seen>> = db.run
      .findMany({ where: { status: { in: ACTIVE } }, select: { id: true, status: true } })
      .then(async (runs) => {
        const counts = new Map<string, StepCounts>();
        for (let i = 0; i < runs.length; i += ID_BATCH) {
          for (const [id, c] of await countSteps(
            db,
            runs.slice(i, i + ID_BATCH).map((r) => r.id),
          ))
            counts.set(id, c);
        }
        // Changes logged before the seed are in what it read; the catch-up looks from here on.
        if (known === seeding) lookFrom = at;
        return new Map(runs.map((r) => [r.id, { status: r.status as RunStatus, completed: counts.get(r.id)?.completed ?? 0 }]));
      })
      .catch((error: unknown) => {
        if (known === seeding) known = null;
        throw error;
      });
    known = seeding;
    return seeding;
  }

  async function classify(run: Run, previous: Seen | undefined, steps: StepCounts): Promise<LiveRunChange> {
    const status = run.status as RunStatus;
    const counts = { completedSteps: steps.completed, totalSteps: steps.total };
    if (previous?.status === status) return { kind: 'PROGRESSED', run, previousStatus: null, ...counts };
    if (previous) return { kind: 'STATUS_CHANGED', run, previousStatus: previous.status, ...counts };
    // Unknown here means created since the feed started, or a finished run that was retried.
    const retried = await db.runEvent.findFirst({ where: { runId: run.id, type: 'run.retried' }, orderBy: { seq: 'desc' } });
    if (!retried) return { kind: 'CREATED', run, previousStatus: null, ...counts };
    const from = (retried.payload as { previousStatus?: RunStatus } | null)?.previousStatus ?? null;
    return { kind: 'STATUS_CHANGED', run, previousStatus: from === status ? null : from, ...counts };
  }

  function deliver(change: RunChange): void {
    const subject = subjectOf(change);
    for (const watcher of watchers) {
      if (watcher.failure) continue;
      if (watcher.principal.tenantId !== subject.tenantId || watcher.principal.workspaceId !== subject.workspaceId) continue;
      if (!watcher.kinds.has(change.kind)) continue;
      if (!matchesRunFilter(watcher.filter, subject, change.previousStatus)) continue;
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
        // A bounded round: deleting a workflow nudges every one of its runs at once.
        const ids: string[] = [];
        for (const id of pending) {
          ids.push(id);
          if (ids.length === ID_BATCH) break;
        }
        for (const id of ids) pending.delete(id);
        const runs = await db.run.findMany({ where: { id: { in: ids } } });
        const found = new Set(runs.map((r) => r.id));
        const gone = ids.filter((id) => !found.has(id) && !buried.has(id));
        // Written with the delete, so a run that is gone has its tombstone already (unless it never existed).
        const tombstones = gone.length > 0 ? await db.runTombstone.findMany({ where: { runId: { in: gone } } }) : [];
        const steps = await countSteps(
          db,
          runs.map((r) => r.id),
        );
        const changes: RunChange[] = [];
        for (const tombstone of tombstones) {
          statuses.delete(tombstone.runId);
          finished.delete(tombstone.runId);
          buried.add(tombstone.runId);
          if (buried.size > FINISHED_MEMORY) buried.delete(buried.values().next().value as string);
          changes.push(deletedChange(tombstone));
        }
        for (const run of runs) {
          const status = run.status as RunStatus;
          const counted = steps.get(run.id) ?? { completed: 0, total: 0 };
          const previous = statuses.get(run.id) ?? finished.get(run.id);
          const seen: Seen = { status, completed: counted.completed };
          if (previous?.status === status && counted.completed <= previous.completed) {
            previous.completed = counted.completed;
            continue;
          }
          const change = await classify(run, previous, counted);
          finished.delete(run.id);
          if (isTerminalRun(status)) {
            statuses.delete(run.id);
            finished.set(run.id, seen);
            // Oldest first: Map keeps insertion order.
            if (finished.size > FINISHED_MEMORY) finished.delete(finished.keys().next().value as string);
          } else statuses.set(run.id, seen);
          changes.push(change);
        }
        // In resume order, so a client's resume token never passes over a change read in the same round.
        for (const change of changes.sort(byPosition)) deliver(change);
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
      const deleted: string[] = [];
      const workspaces = [...new Set([...watchers].map((w) => w.principal.workspaceId))];
      if (from && workspaces.length > 0) {
        // Every status change logs a run-level event; the (workspaceId, createdAt) index serves this.
        const logged = await db.runEvent.findMany({
          where: { workspaceId: { in: workspaces }, createdAt: { gte: from }, type: { startsWith: 'run.' } },
          select: { runId: true },
          distinct: ['runId'],
        });
        for (const { runId } of logged) candidates.add(runId);
        // A deletion takes the run's events with it; its tombstone says so instead ((workspaceId, deletedAt) index).
        const tombstones = await db.runTombstone.findMany({
          where: { workspaceId: { in: workspaces }, deletedAt: { gte: from } },
          select: { runId: true },
        });
        for (const { runId } of tombstones) if (!buried.has(runId)) deleted.push(runId);
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
      for (const [id, status] of seen) if ((statuses.get(id) ?? finished.get(id))?.status !== status) pending.add(id);
      for (const id of deleted) pending.add(id);
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

  /**
   * What a feed resuming after `after` reports first: every change since `resumeReplayMs` before
   * it (deletions when asked for). Starting before the token is what makes resuming gap-free: a
   * change stamped before the token but committed after it (writers stamp inside their
   * transaction) is still read. What the client had already received from that margin comes
   * again, with the state now.
   */
  function resume(principal: Principal, filter: ParsedRunFilter, after: FeedPosition, kinds: ReadonlySet<RunChangeKind>) {
    const from = new Date(after.updatedAt.getTime() - resumeReplayMs);
    return changesSince(db, principal, filter, from, kinds.has('DELETED'));
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
    async *changes(principal: Principal, filter: ParsedRunFilter, signal?: AbortSignal, options: FeedOptions = {}) {
      const kinds = new Set(options.kinds ?? DEFAULT_CHANGE_KINDS);
      const maxBuffered = options.maxBuffered ?? defaultMaxBuffered;
      const watcher: Watcher = { principal, filter, kinds, queue: [], wake: () => {}, failure: null, maxBuffered, ready: false };
      watchers.add(watcher);
      const onAbort = () => watcher.wake();
      signal?.addEventListener('abort', onAbort);
      try {
        await seed();
        watcher.ready = true;
        // Live changes queue from here on; what the resume reports first is not reported again.
        const resumed = new Map<string, number>();
        if (options.after) {
          for await (const change of resume(principal, filter, options.after, kinds)) {
            if (signal?.aborted) return;
            if (!kinds.has(change.kind)) continue;
            const { updatedAt, id } = changePosition(change);
            resumed.set(id, updatedAt.getTime());
            yield change;
          }
        }
        for (;;) {
          if (watcher.failure) throw watcher.failure;
          if (signal?.aborted) return;
          const next = watcher.queue.shift();
          if (next) {
            const { updatedAt, id } = changePosition(next);
            const already = resumed.get(id);
            if (already !== undefined && already >= updatedAt.getTime()) continue;
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

    /** Whether a feed can resume after `after`: positions older than `windowMs` are not honoured. */
    canResume(after: { updatedAt: Date }, windowMs: number = RESUME_WINDOW_MS): boolean {
      return res.clock.now().getTime() - after.updatedAt.getTime() <= windowMs;
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
