import type { Database } from '../db/database.ts';
import type { Tx } from './events.ts';

/** Thrown inside a worker transaction when the run's lease is no longer ours. */
export class LeaseLostError extends Error {
  constructor(readonly runId: string) {
    super(`lease on run ${runId} was lost`);
    this.name = 'LeaseLostError';
  }
}

/**
 * Claims up to `limit` runnable runs for `owner` until `until`. A run is runnable when it is
 * PENDING or RUNNING, its runnableAt has come, and nobody holds an unexpired lease on it.
 * PostgreSQL: one UPDATE over a `FOR UPDATE SKIP LOCKED` subselect, so concurrent workers never
 * wait on or take the same row. SQLite (one writer at a time): pick candidates, then a
 * conditional UPDATE per run that only succeeds if the lease is still free.
 */
export async function claimRuns(db: Database, owner: string, now: Date, until: Date, limit: number): Promise<string[]> {
  if (limit <= 0) return [];
  if (db.provider === 'postgres') {
    const rows = await db.prisma.$queryRawUnsafe<{ id: string }[]>(
      `UPDATE "Run" SET "leaseOwner" = $1, "leaseExpiresAt" = $2::timestamp(3)
       WHERE "id" IN (
         SELECT "id" FROM "Run"
         WHERE "status" IN ('PENDING', 'RUNNING') AND "runnableAt" <= $3::timestamp(3)
           AND ("leaseExpiresAt" IS NULL OR "leaseExpiresAt" < $3::timestamp(3))
         ORDER BY "runnableAt" LIMIT $4
         FOR UPDATE SKIP LOCKED)
       RETURNING "id"`,
      owner,
      until.toISOString(),
      now.toISOString(),
      limit,
    );
    return rows.map((r) => r.id);
  }
  const candidates = await db.prisma.run.findMany({
    where: {
      status: { in: ['PENDING', 'RUNNING'] },
      runnableAt: { lte: now },
      OR: [{ leaseExpiresAt: null }, { leaseExpiresAt: { lt: now } }],
    },
    orderBy: { runnableAt: 'asc' },
    take: limit,
    select: { id: true },
  });
  const claimed: string[] = [];
  for (const { id } of candidates) {
    const won = await db.prisma.run.updateMany({
      where: { id, OR: [{ leaseExpiresAt: null }, { leaseExpiresAt: { lt: now } }] },
      data: { leaseOwner: owner, leaseExpiresAt: until },
    });
    if (won.count === 1) claimed.push(id);
  }
  return claimed;
}

/**
 * Inside a worker's transaction: extends the lease and proves we still hold it. Every state
 * change a worker makes goes through this, so a worker whose lease expired (it stalled, and
 * another took the run over) can never write over the new owner's work.
 */
export async function fence(tx: Tx, runId: string, owner: string, until: Date): Promise<void> {
  const held = await tx.run.updateMany({ where: { id: runId, leaseOwner: owner }, data: { leaseExpiresAt: until } });
  if (held.count !== 1) throw new LeaseLostError(runId);
}

/**
 * Gives the run back: parks it until `runnableAt` (null = until a signal) and frees the lease.
 * With `seen` (the runnableAt the caller read before deciding to park), the park only applies
 * if nobody changed runnableAt since: a signal or retry committing in between has made the
 * run runnable now, and parking over it would strand the run. The lease is freed either way.
 */
export async function release(
  db: Database,
  runId: string,
  owner: string,
  runnableAt: Date | null | undefined,
  seen?: Date | null,
): Promise<void> {
  if (runnableAt !== undefined && seen !== undefined) {
    const parked = await db.prisma.run.updateMany({
      where: { id: runId, leaseOwner: owner, runnableAt: seen },
      data: { leaseOwner: null, leaseExpiresAt: null, runnableAt },
    });
    if (parked.count === 1) return;
    runnableAt = undefined;
  }
  await db.prisma.run.updateMany({
    where: { id: runId, leaseOwner: owner },
    data: { leaseOwner: null, leaseExpiresAt: null, ...(runnableAt !== undefined ? { runnableAt } : {}) },
  });
}
