import { randomUUID } from 'node:crypto';
import type { Database } from '../db/database.ts';
import type { Tx } from '../db/run-events.ts';

/** Thrown inside a worker transaction when the run's lease is no longer ours. */
export class LeaseLostError extends Error {
  constructor(readonly runId: string) {
    super(`lease on run ${runId} was lost`);
    this.name = 'LeaseLostError';
  }
}

/**
 * Thrown inside a worker transaction when the lease is still ours but somebody outside the
 * driver (a cancel, signal or retry) changed the run since the driver read it: the decision
 * the driver was about to write was made from a stale state, so it reads again and decides anew.
 */
export class RunChangedError extends Error {
  constructor(readonly runId: string) {
    super(`run ${runId} changed since it was read`);
    this.name = 'RunChangedError';
  }
}

/** One claim on one run. The token is fresh per claim: it fences every write of that claim. */
export interface Claim {
  runId: string;
  token: string;
}

/** A new lease token: the worker's id (for people reading the row) plus a unique part. */
export function leaseToken(workerId: string): string {
  return `${workerId}:${randomUUID()}`;
}

// PostgreSQL's clock when the caller passes none (see sharedNow): every process compares
// leases against the same time, whatever its own clock says. Columns hold UTC.
const PG_NOW = (param: string) => `COALESCE(${param}::timestamp(3), (now() AT TIME ZONE 'UTC')::timestamp(3))`;

/**
 * Claims up to `limit` runnable runs, each with a fresh lease token, for `leaseMs`. A run is
 * runnable when it is PENDING or RUNNING, its runnableAt has come, and nobody holds an
 * unexpired lease on it; runs in `exclude` (those this process is still driving) are never
 * claimed, so a driver that stalled past its lease is not joined by a second one here.
 * A claim moves runnableAt to the lease's expiry, so a run being driven leaves the claim's
 * index until its lease could lapse. `now` null means the database's clock.
 * PostgreSQL: one UPDATE over a `FOR UPDATE SKIP LOCKED` CTE, so concurrent workers never wait
 * on or take the same row and the LIMIT holds. SQLite (one writer at a time): pick candidates,
 * then a conditional UPDATE per run that only succeeds if the lease is still free.
 */
export async function claimRuns(
  db: Database,
  workerId: string,
  now: Date | null,
  leaseMs: number,
  limit: number,
  exclude: readonly string[],
): Promise<Claim[]> {
  if (limit <= 0) return [];
  if (db.provider === 'postgres') {
    const rows = await db.prisma.$queryRawUnsafe<{ id: string; leaseOwner: string }[]>(
      `WITH c AS (
         SELECT "id" FROM "Run"
         WHERE "status" IN ('PENDING', 'RUNNING') AND "runnableAt" <= ${PG_NOW('$2')}
           AND ("leaseExpiresAt" IS NULL OR "leaseExpiresAt" < ${PG_NOW('$2')})
           AND NOT ("id" IN (SELECT jsonb_array_elements_text($4::jsonb)))
         ORDER BY "runnableAt" LIMIT $3
         FOR UPDATE SKIP LOCKED)
       UPDATE "Run" r
       SET "leaseOwner" = $1 || ':' || gen_random_uuid()::text,
           "leaseExpiresAt" = ${PG_NOW('$2')} + $5::int * interval '1 millisecond',
           "runnableAt" = ${PG_NOW('$2')} + $5::int * interval '1 millisecond'
       FROM c WHERE r."id" = c."id"
       RETURNING r."id", r."leaseOwner"`,
      workerId,
      now?.toISOString() ?? null,
      limit,
      JSON.stringify(exclude),
      leaseMs,
    );
    return rows.map((r) => ({ runId: r.id, token: r.leaseOwner }));
  }
  const at = now ?? new Date();
  const until = new Date(at.getTime() + leaseMs);
  const candidates = await db.prisma.run.findMany({
    where: {
      status: { in: ['PENDING', 'RUNNING'] },
      runnableAt: { lte: at },
      OR: [{ leaseExpiresAt: null }, { leaseExpiresAt: { lt: at } }],
      ...(exclude.length > 0 ? { id: { notIn: [...exclude] } } : {}),
    },
    orderBy: { runnableAt: 'asc' },
    take: limit,
    select: { id: true },
  });
  const claimed: Claim[] = [];
  for (const { id } of candidates) {
    const token = leaseToken(workerId);
    const won = await db.prisma.run.updateMany({
      where: { id, OR: [{ leaseExpiresAt: null }, { leaseExpiresAt: { lt: at } }] },
      data: { leaseOwner: token, leaseExpiresAt: until, runnableAt: until },
    });
    if (won.count === 1) claimed.push({ runId: id, token });
  }
  return claimed;
}

/**
 * Inside a worker's transaction, first of all (so the Run row is locked before any StepRun,
 * the order every writer uses): extends the lease and proves the claim still holds it. With
 * `version`, also proves nobody outside the driver changed the run since it was read at that
 * version; otherwise throws {@link RunChangedError}. Throws {@link LeaseLostError} when another
 * claim owns the run (this one stalled and the run was taken over).
 */
export async function fence(
  tx: Tx,
  provider: Database['provider'],
  claim: Claim,
  now: Date | null,
  leaseMs: number,
  version?: number,
): Promise<void> {
  let held: number;
  if (provider === 'postgres') {
    held = await tx.$executeRawUnsafe(
      `UPDATE "Run" SET "leaseExpiresAt" = ${PG_NOW('$3')} + $4::int * interval '1 millisecond',
         "runnableAt" = ${PG_NOW('$3')} + $4::int * interval '1 millisecond'
       WHERE "id" = $1 AND "leaseOwner" = $2 ${version === undefined ? '' : 'AND "version" = $5'}`,
      claim.runId,
      claim.token,
      now?.toISOString() ?? null,
      leaseMs,
      ...(version === undefined ? [] : [version]),
    );
  } else {
    const until = new Date((now ?? new Date()).getTime() + leaseMs);
    held = (
      await tx.run.updateMany({
        where: { id: claim.runId, leaseOwner: claim.token, ...(version === undefined ? {} : { version }) },
        data: { leaseExpiresAt: until, runnableAt: until },
      })
    ).count;
  }
  if (held === 1) return;
  const current = await tx.run.findUnique({ where: { id: claim.runId }, select: { leaseOwner: true } });
  if (current?.leaseOwner === claim.token) throw new RunChangedError(claim.runId);
  throw new LeaseLostError(claim.runId);
}

/** How to give a run back. */
export interface ReleaseOptions {
  /** When the run is next runnable (null: only a signal or retry makes it so); unset leaves it. */
  runnableAt?: Date | null;
  /**
   * Park only if the run is still at this version: a signal or retry committed since the
   * driver decided to park has made the run runnable now, and parking over it would strand it.
   */
  version?: number;
}

/**
 * Frees the claim's lease. Returns false when nothing changed: the lease was lost, or (with
 * `version`) the run changed since it was read, in which case the lease is still held and the
 * caller decides again.
 */
export async function release(db: Database, claim: Claim, options: ReleaseOptions = {}): Promise<boolean> {
  const freed = await db.prisma.run.updateMany({
    where: { id: claim.runId, leaseOwner: claim.token, ...(options.version === undefined ? {} : { version: options.version }) },
    data: {
      leaseOwner: null,
      leaseExpiresAt: null,
      ...(options.runnableAt !== undefined ? { runnableAt: options.runnableAt } : {}),
    },
  });
  return freed.count === 1;
}
