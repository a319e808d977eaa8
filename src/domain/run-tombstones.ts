// Tombstones of deleted runs (RunTombstone). Whatever hard-deletes runs (retention, deleting a
// workflow for good) writes them in the transaction that deletes the runs, so the live run feed
// of every process (src/engine/run-changes.ts) can report each deletion, also to a feed resuming
// from before it; a deletion rolled back leaves none. Retention prunes them once no feed can
// resume from before them.
import type { Database } from '../db/database.ts';
import type { Prisma } from '../db/models.ts';
import type { Tx } from '../db/run-events.ts';

/** The columns of a run its tombstone keeps: what the feed filters by and what any `runs` order sorts by. */
const KEPT = {
  id: true,
  tenantId: true,
  workspaceId: true,
  workflowId: true,
  status: true,
  triggeredBy: true,
  conversationId: true,
  userId: true,
  scheduleId: true,
  createdAt: true,
  updatedAt: true,
  startedAt: true,
  completedAt: true,
  durationMs: true,
} as const satisfies Prisma.RunSelect;

/** Runs read (and tombstones written) per statement. */
const PAGE = 500;

/**
 * The time a tombstone is stamped with. Feeds order tombstones with runs' `updatedAt`, which
 * Prisma stamps from the process clock (src/engine/lease.ts does the same by hand), so this is
 * the same clock rather than the resources' one, which tests may set far from it.
 */
export function deletionTime(): Date {
  return new Date();
}

/**
 * Locks the runs on PostgreSQL, in id order (as every run-locking writer does), so the rows the
 * caller reads next are the ones it deletes: a run retried or re-run meanwhile is seen as such.
 * Nothing on SQLite, which writes one transaction at a time.
 */
export async function lockRuns(tx: Tx, provider: Database['provider'], ids: readonly string[]): Promise<void> {
  if (provider !== 'postgres' || ids.length === 0) return;
  const list = ids.map((_, i) => `$${i + 1}`).join(', ');
  await tx.$queryRawUnsafe(
    `SELECT count(*)::int AS n FROM (SELECT 1 FROM "Run" WHERE "id" IN (${list}) ORDER BY "id" FOR UPDATE) AS locked`,
    ...ids,
  );
}

/**
 * Locks a workflow and then its runs on PostgreSQL: no run of it can be created (inserting one
 * takes a key-share lock on the workflow, which FOR UPDATE excludes), change status or be
 * deleted by anyone else until the caller commits, so the tombstones it writes are every run the
 * cascade deletes, with their last status. Nothing on SQLite (one write transaction at a time).
 */
export async function lockWorkflowRuns(tx: Tx, provider: Database['provider'], workflowId: string): Promise<void> {
  if (provider !== 'postgres') return;
  await tx.$queryRawUnsafe(`SELECT count(*)::int AS n FROM (SELECT 1 FROM "Workflow" WHERE "id" = $1 FOR UPDATE) AS locked`, workflowId);
  await tx.$queryRawUnsafe(
    `SELECT count(*)::int AS n FROM (SELECT 1 FROM "Run" WHERE "workflowId" = $1 ORDER BY "id" FOR UPDATE) AS locked`,
    workflowId,
  );
}

/**
 * Writes a tombstone for every run matching `where`, in the caller's transaction, which then
 * deletes exactly those runs; returns their ids. Runs are read in pages, so any number fits.
 */
export async function tombstoneRuns(tx: Tx, where: Prisma.RunWhereInput, deletedAt: Date): Promise<string[]> {
  const ids: string[] = [];
  let after: string | null = null;
  for (;;) {
    const page: Prisma.RunGetPayload<{ select: typeof KEPT }>[] = await tx.run.findMany({
      where: after === null ? where : { AND: [where, { id: { gt: after } }] },
      orderBy: { id: 'asc' },
      take: PAGE,
      select: KEPT,
    });
    if (page.length === 0) return ids;
    await tx.runTombstone.createMany({ data: page.map(({ id, ...run }) => ({ ...run, runId: id, deletedAt })) });
    for (const run of page) ids.push(run.id);
    if (page.length < PAGE) return ids;
    after = page[page.length - 1]?.id ?? null;
  }
}

/** Deletes tombstones older than `before`, at most `limit` (oldest first); returns how many. */
export async function pruneTombstones(tx: Tx, before: Date, limit: number): Promise<number> {
  const old = await tx.runTombstone.findMany({
    where: { deletedAt: { lt: before } },
    select: { runId: true },
    orderBy: { deletedAt: 'asc' },
    take: limit,
  });
  if (old.length === 0) return 0;
  const { count } = await tx.runTombstone.deleteMany({ where: { runId: { in: old.map((t) => t.runId) } } });
  return count;
}
