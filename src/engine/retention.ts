// Retention: finished runs (with their steps, attempts, events and outputs) and old schedule
// ticks are deleted once they are older than their workspace keeps them, so storage stops
// growing with history; each deleted run leaves a tombstone for the live run feed, pruned once
// no feed can resume from before it. Driven by the scheduler loop, a bounded amount per pass.
import type { Resources } from '../domain/resources.ts';
import { deletionTime, lockRuns, pruneTombstones, tombstoneRuns } from '../domain/run-tombstones.ts';
import { TOMBSTONE_KEEP_MS } from './run-changes.ts';

const DAY_MS = 86_400_000;
const FINISHED = ['COMPLETED', 'FAILED', 'CANCELLED'];
/** Workspaces read per page while walking them. */
const WORKSPACE_PAGE = 100;

/** Options of {@link createRetention}. */
export interface RetentionOptions {
  /** Days a finished run is kept in workspaces without their own setting; 0 keeps them forever. */
  defaultDays: number;
  /** Runs (or ticks) one statement deletes at most. */
  rowsPerChunk?: number;
  /** Chunks one pass deletes at most; the next pass resumes where this one stopped. */
  chunksPerPass?: number;
}

/** What one retention pass did. */
export interface RetentionPass {
  deletedRuns: number;
  deletedTicks: number;
  /** The pass stopped at its budget; more may be due. */
  more: boolean;
}

/** A retention sweeper: call {@link Retention.prune} now and then. */
export interface Retention {
  prune(now: Date): Promise<RetentionPass>;
}

/**
 * Creates the retention sweeper of one process. Each pass walks the workspaces in id order and,
 * for each whose retention is not "forever", deletes finished runs whose completedAt (and
 * createdAt) is older than the cutoff, then schedule ticks recorded before it whose runs are
 * gone, except each schedule's newest. Work is chunked (one DELETE per chunk, itself a transaction) and a pass stops after
 * `chunksPerPass` chunks, remembering the workspace to resume at. Each deleted run leaves a
 * tombstone in the same transaction (src/domain/run-tombstones.ts); a pass first prunes the
 * tombstones older than {@link TOMBSTONE_KEEP_MS}, in chunks with a budget of their own.
 *
 * Several processes may sweep at once: a chunk locks its runs and re-checks its predicate on
 * them before writing their tombstones and deleting them, so a run retried in the meantime (no
 * longer finished) is kept, and a row another process already deleted is simply not there.
 */
export function createRetention(res: Resources, options: RetentionOptions): Retention {
  const db = res.db.prisma;
  const rowsPerChunk = options.rowsPerChunk ?? 500;
  const chunksPerPass = options.chunksPerPass ?? 4;
  // Where the next pass starts: the workspace a pass stopped in, or the one after the last page.
  let resumeAt: { id: string; inclusive: boolean } | null = null;

  /** Deletes one chunk of a workspace's expired runs; returns how many. */
  async function runChunk(workspaceId: string, cutoff: Date): Promise<number> {
    const expired = {
      workspaceId,
      status: { in: FINISHED },
      // completedAt comes after createdAt; the createdAt bound lets Run(workspaceId, createdAt) find them.
      createdAt: { lt: cutoff },
      completedAt: { lt: cutoff },
      // A re-run points at its parent: the parent goes once its re-runs have gone (they are younger).
      children: { none: {} },
    };
    const ids = await db.run.findMany({ where: expired, select: { id: true }, orderBy: { createdAt: 'asc' }, take: rowsPerChunk });
    if (ids.length === 0) return 0;
    const deleted = await db.$transaction(async (tx) => {
      const candidates = ids.map((r) => r.id);
      // Locked, the predicate read with the tombstones holds until the delete: a run retried meanwhile is kept, without one.
      await lockRuns(tx, res.db.provider, candidates);
      const gone = await tombstoneRuns(tx, { ...expired, id: { in: candidates } }, deletionTime());
      // Steps, attempts and events go by ON DELETE CASCADE in the same statement; ticks lose their runId (SET NULL).
      if (gone.length > 0) await tx.run.deleteMany({ where: { id: { in: gone } } });
      return gone;
    });
    // Live run feeds in this process; other processes hear of it through the tombstones' NOTIFY trigger.
    for (const id of deleted) res.notifier.eventsAppended(id);
    return deleted.length;
  }

  /**
   * Deletes one chunk of a workspace's old ticks. A tick goes once it was recorded before the
   * cutoff (a backfill records long-past instants today, and its ticks are what stops a second
   * backfill from running them again) and its run, if any, is gone; a schedule's newest tick
   * and buffered ones (still pending work) always stay. The tickAt bound lets the
   * (scheduleId, tickAt) index find the candidates, since tickAt never follows createdAt.
   */
  async function tickChunk(workspaceId: string, cutoff: Date): Promise<number> {
    const postgres = res.db.provider === 'postgres';
    // PostgreSQL numbers its placeholders; SQLite's are positional (and compares the text the
    // adapter writes for a Date parameter, the same text it stores).
    const [workspace, before, before2, limit] = postgres ? ['$1', '$2::timestamp(3)', '$2::timestamp(3)', '$3'] : ['?', '?', '?', '?'];
    const args = postgres ? [workspaceId, cutoff.toISOString(), rowsPerChunk] : [workspaceId, cutoff, cutoff, rowsPerChunk];
    return db.$executeRawUnsafe(
      `DELETE FROM "ScheduleTick" WHERE "id" IN (
         SELECT t."id" FROM "ScheduleTick" t JOIN "Schedule" s ON s."id" = t."scheduleId"
         WHERE s."workspaceId" = ${workspace} AND t."tickAt" < ${before} AND t."createdAt" < ${before2}
           AND t."runId" IS NULL AND t."status" <> 'BUFFERED'
           AND EXISTS (SELECT 1 FROM "ScheduleTick" n WHERE n."scheduleId" = t."scheduleId" AND n."tickAt" > t."tickAt")
         LIMIT ${limit})`,
      ...args,
    );
  }

  return {
    async prune(now) {
      let chunks = 0;
      let deletedRuns = 0;
      let deletedTicks = 0;
      // Tombstones first, with a budget of their own as large as the runs': runs deleted by a
      // pass leave at most that many, so pruning keeps up with them.
      const keptFrom = new Date(now.getTime() - TOMBSTONE_KEEP_MS);
      let tombstonesLeft = false;
      for (let pruneChunks = 0; ; pruneChunks++) {
        if (pruneChunks >= chunksPerPass) {
          tombstonesLeft = true;
          break;
        }
        if ((await pruneTombstones(db, keptFrom, rowsPerChunk)) < rowsPerChunk) break;
      }
      for (;;) {
        const page = await db.workspace.findMany({
          where: resumeAt ? { id: resumeAt.inclusive ? { gte: resumeAt.id } : { gt: resumeAt.id } } : {},
          orderBy: { id: 'asc' },
          select: { id: true, retentionDays: true },
          take: WORKSPACE_PAGE,
        });
        for (const workspace of page) {
          const days = workspace.retentionDays ?? options.defaultDays;
          if (days <= 0) continue;
          const cutoff = new Date(now.getTime() - days * DAY_MS);
          for (const [chunk, add] of [
            [runChunk, (n: number) => (deletedRuns += n)],
            [tickChunk, (n: number) => (deletedTicks += n)],
          ] as const) {
            for (;;) {
              if (chunks >= chunksPerPass) {
                resumeAt = { id: workspace.id, inclusive: true };
                return { deletedRuns, deletedTicks, more: true };
              }
              const deleted = await chunk(workspace.id, cutoff);
              if (deleted === 0) break;
              chunks++;
              add(deleted);
              if (deleted < rowsPerChunk) break;
            }
          }
        }
        const last = page.at(-1);
        if (page.length < WORKSPACE_PAGE || !last) {
          resumeAt = null;
          return { deletedRuns, deletedTicks, more: tombstonesLeft };
        }
        resumeAt = { id: last.id, inclusive: false };
      }
    },
  };
}
