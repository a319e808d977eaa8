// What the live run feed (src/engine/run-changes.ts) reports and how a resume reads it back: the
// change types, their positions in the resumable order, and the reads of runs changed and runs
// deleted since a time, merged in that order.
import type { Db } from '../db/database.ts';
import type { Run, RunTombstone } from '../db/models.ts';
import type { Principal } from '../domain/principal.ts';
import { type FilteredRunFields, matchesRunFilter, type ParsedRunFilter, runFilterWhere } from '../domain/run-filter.ts';
import type { RunStatus, StepStatus } from '../domain/statuses.ts';

/** What happened to a run, as the workspace feed reports it. */
export type RunChangeKind = 'CREATED' | 'STATUS_CHANGED' | 'PROGRESSED' | 'DELETED';

/** An entry of the workspace feed about a run that exists: its state after the change. */
export interface LiveRunChange {
  kind: Exclude<RunChangeKind, 'DELETED'>;
  run: Run;
  /** The status the run left; null for a new run (or one this process had not seen), and for progress. */
  previousStatus: RunStatus | null;
  /** Steps of the run that are COMPLETED or SKIPPED. */
  completedSteps: number;
  /** Steps of the run. */
  totalSteps: number;
}

/** An entry of the workspace feed about a run deleted for good: what its tombstone kept. */
export interface DeletedRunChange {
  kind: 'DELETED';
  run: null;
  tombstone: RunTombstone;
  /** The status the run had when it was deleted. */
  previousStatus: RunStatus;
  /** A deleted run has no steps left. */
  completedSteps: 0;
  totalSteps: 0;
}

/** One entry of the workspace feed. */
export type RunChange = LiveRunChange | DeletedRunChange;

/** A position in the feed's resumable order: a run's (updatedAt, id), or a tombstone's (deletedAt, runId). */
export interface FeedPosition {
  updatedAt: Date;
  id: string;
}

/** Done and total steps of a run. */
export interface StepCounts {
  completed: number;
  total: number;
}

/**
 * A change's position in the feed's resumable order: where the run sits in an UPDATED_AT
 * ascending list, or, once deleted, when it was deleted. Both are stamped from the writer's clock.
 */
export function changePosition(change: RunChange): FeedPosition {
  return change.run
    ? { updatedAt: change.run.updatedAt, id: change.run.id }
    : { updatedAt: change.tombstone.deletedAt, id: change.tombstone.runId };
}

/** Orders changes by their resume position. */
export function byPosition(a: RunChange, b: RunChange): number {
  const [x, y] = [changePosition(a), changePosition(b)];
  return x.updatedAt.getTime() - y.updatedAt.getTime() || (x.id < y.id ? -1 : x.id > y.id ? 1 : 0);
}

/** What a change is about, for scoping and filtering: the run, or what its tombstone kept. */
export function subjectOf(change: RunChange): FilteredRunFields & { tenantId: string; workspaceId: string } {
  return change.run ?? change.tombstone;
}

/** The change reporting a deleted run, from its tombstone. */
export function deletedChange(tombstone: RunTombstone): DeletedRunChange {
  return { kind: 'DELETED', run: null, tombstone, previousStatus: tombstone.status as RunStatus, completedSteps: 0, totalSteps: 0 };
}

const DONE_STEPS: readonly StepStatus[] = ['COMPLETED', 'SKIPPED'];
/** Runs (or tombstones) read per page while resuming. */
const RESUME_PAGE = 200;

/** Done and total steps of each run, in one query. */
export async function countSteps(db: Db, ids: readonly string[]): Promise<Map<string, StepCounts>> {
  const counts = new Map<string, StepCounts>();
  if (ids.length === 0) return counts;
  const groups = await db.stepRun.groupBy({ by: ['runId', 'status'], where: { runId: { in: [...ids] } }, _count: { _all: true } });
  for (const group of groups) {
    const entry = counts.get(group.runId) ?? { completed: 0, total: 0 };
    entry.total += group._count._all;
    if ((DONE_STEPS as readonly string[]).includes(group.status)) entry.completed += group._count._all;
    counts.set(group.runId, entry);
  }
  return counts;
}

/**
 * Runs of the principal's workspace changed since `from`, oldest change first, with their state
 * now: a run changed several times since is reported once. CREATED when it was created since
 * `from` (the client may not have seen it yet), else STATUS_CHANGED. The status filter is left
 * out: a run that left the filtered statuses meanwhile must reach the client, which drops what
 * no longer matches its list.
 */
async function* runsSince(db: Db, principal: Principal, filter: ParsedRunFilter, from: Date): AsyncGenerator<RunChange> {
  const where = { tenantId: principal.tenantId, workspaceId: principal.workspaceId, ...runFilterWhere(filter) };
  let position: FeedPosition = { updatedAt: from, id: '' };
  for (;;) {
    const page = await db.run.findMany({
      where: {
        AND: [where, { updatedAt: { gte: position.updatedAt } }, { NOT: { updatedAt: position.updatedAt, id: { lte: position.id } } }],
      },
      orderBy: [{ updatedAt: 'asc' }, { id: 'asc' }],
      take: RESUME_PAGE,
    });
    const steps = await countSteps(
      db,
      page.map((r) => r.id),
    );
    for (const run of page) {
      if (!matchesRunFilter(filter, run)) continue;
      const counted = steps.get(run.id) ?? { completed: 0, total: 0 };
      yield {
        kind: run.createdAt >= from ? 'CREATED' : 'STATUS_CHANGED',
        run,
        previousStatus: null,
        completedSteps: counted.completed,
        totalSteps: counted.total,
      } satisfies LiveRunChange;
    }
    const last = page.at(-1);
    if (!last || page.length < RESUME_PAGE) return;
    position = { updatedAt: last.updatedAt, id: last.id };
  }
}

/** Runs of the principal's workspace deleted since `from`, in deletion order, filtered (but for status) like {@link runsSince}. */
async function* deletedSince(db: Db, principal: Principal, filter: ParsedRunFilter, from: Date): AsyncGenerator<RunChange> {
  const scope = { tenantId: principal.tenantId, workspaceId: principal.workspaceId };
  let position: FeedPosition = { updatedAt: from, id: '' };
  for (;;) {
    const page = await db.runTombstone.findMany({
      where: {
        AND: [scope, { deletedAt: { gte: position.updatedAt } }, { NOT: { deletedAt: position.updatedAt, runId: { lte: position.id } } }],
      },
      orderBy: [{ deletedAt: 'asc' }, { runId: 'asc' }],
      take: RESUME_PAGE,
    });
    for (const tombstone of page) if (matchesRunFilter(filter, tombstone)) yield deletedChange(tombstone);
    const last = page.at(-1);
    if (!last || page.length < RESUME_PAGE) return;
    position = { updatedAt: last.deletedAt, id: last.runId };
  }
}

/**
 * Every change of the principal's workspace since `from`, oldest first: runs changed (with their
 * state now) and, with `withDeleted`, runs deleted, merged in position order. The status filter
 * is left out (see {@link runsSince}).
 */
export async function* changesSince(
  db: Db,
  principal: Principal,
  filter: ParsedRunFilter,
  from: Date,
  withDeleted: boolean,
): AsyncGenerator<RunChange> {
  const { status: _status, ...rest } = filter;
  const unfiltered = { ...rest, status: undefined };
  const runs = runsSince(db, principal, unfiltered, from);
  const deletions = withDeleted ? deletedSince(db, principal, unfiltered, from) : null;
  try {
    let a = await runs.next();
    let b = deletions ? await deletions.next() : null;
    while (!a.done || (b && !b.done)) {
      if (!b || b.done || (!a.done && byPosition(a.value, b.value) <= 0)) {
        yield a.value as RunChange;
        a = await runs.next();
      } else {
        yield b.value;
        b = await (deletions as AsyncGenerator<RunChange>).next();
      }
    }
  } finally {
    await runs.return(undefined);
    await deletions?.return(undefined);
  }
}
