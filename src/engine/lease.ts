import type { Database } from '../db/database.ts';
import type { Prisma } from '../db/models.ts';
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
 * on or take the same row and the LIMIT holds. SQLite (one writer at a time): one UPDATE whose
 * subquery picks the candidates. Either way a claim is one statement, whatever it claims.
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
  // One statement: SQLite has one writer at a time, so the candidates the subquery picks are
  // still free when the UPDATE sets their leases (no per-run compare-and-set, no transaction).
  const at = now ?? new Date();
  const until = new Date(at.getTime() + leaseMs);
  const rows = await db.prisma.$queryRawUnsafe<{ id: string; leaseOwner: string }[]>(
    `UPDATE "Run" SET "leaseOwner" = ? || ':' || lower(hex(randomblob(16))), "leaseExpiresAt" = ?, "runnableAt" = ?
     WHERE "id" IN (
       SELECT "id" FROM "Run"
       WHERE "status" IN ('PENDING', 'RUNNING') AND "runnableAt" <= ?
         AND ("leaseExpiresAt" IS NULL OR "leaseExpiresAt" < ?)
         AND "id" NOT IN (SELECT "value" FROM json_each(?))
       ORDER BY "runnableAt" LIMIT ?)
     RETURNING "id", "leaseOwner"`,
    workerId,
    until,
    until,
    at,
    at,
    JSON.stringify(exclude),
    limit,
  );
  return rows.map((r) => ({ runId: r.id, token: r.leaseOwner }));
}

/** What an engine write changes on the Run row itself, set by the fence's own statement. */
export interface RunChange {
  status?: 'RUNNING' | 'COMPLETED';
  startedAt?: Date;
  completedAt?: Date;
  /** completedAt - startedAt in whole milliseconds, set with completedAt (list orders read it). */
  durationMs?: number | null;
  outputs?: unknown;
  /** The run is done: its lease is freed and it leaves the claim index in the same commit. */
  finished?: boolean;
}

/** What a fence proves and writes besides extending the lease. */
export interface FenceOptions {
  /** The run's version the write was decided from (see {@link RunChangedError}). */
  version?: number;
  /** How many event sequence numbers to reserve for the events this transaction appends. */
  events?: number;
  run?: RunChange;
}

/**
 * Inside a worker's transaction, first of all (so the Run row is locked before any StepRun,
 * the order every writer uses): extends the lease and proves the claim still holds it. With
 * `version`, also proves nobody outside the driver changed the run since it was read at that
 * version; otherwise throws {@link RunChangedError}. Throws {@link LeaseLostError} when another
 * claim owns the run (this one stalled and the run was taken over). The same statement reserves
 * the sequence numbers of the transaction's events and applies its change to the Run row, so a
 * transition costs one UPDATE of the run however much of it it changes. Returns the run's
 * lastEventSeq after the reservation.
 */
export async function fence(
  tx: Tx,
  provider: Database['provider'],
  claim: Claim,
  now: Date | null,
  leaseMs: number,
  options: FenceOptions = {},
): Promise<number> {
  const { version, events = 0, run = {} } = options;
  const touched = events > 0 || Object.keys(run).length > 0;
  let held: { lastEventSeq: number } | undefined;
  if (provider === 'postgres') {
    const args: unknown[] = [claim.runId, claim.token, events];
    const arg = (value: unknown, cast = '') => `$${args.push(value)}${cast}`;
    // Every parameter must appear in the statement (PostgreSQL cannot type an unused one).
    const lease = () => {
      const until = `${PG_NOW(arg(now?.toISOString() ?? null))} + ${arg(leaseMs, '::int')} * interval '1 millisecond'`;
      return `"leaseExpiresAt" = ${until}, "runnableAt" = ${until}`;
    };
    const set = [
      run.finished ? `"leaseOwner" = NULL, "leaseExpiresAt" = NULL, "runnableAt" = NULL` : lease(),
      `"lastEventSeq" = "lastEventSeq" + $3::int`,
    ];
    if (run.status) set.push(`"status" = ${arg(run.status)}`);
    if (run.startedAt) set.push(`"startedAt" = ${arg(run.startedAt.toISOString(), '::timestamp(3)')}`);
    if (run.completedAt) set.push(`"completedAt" = ${arg(run.completedAt.toISOString(), '::timestamp(3)')}`);
    if (run.durationMs != null) set.push(`"durationMs" = ${arg(run.durationMs, '::double precision')}`);
    if ('outputs' in run) set.push(`"outputs" = ${arg(JSON.stringify(run.outputs ?? null), '::jsonb')}`);
    // What Prisma's @updatedAt would write: the run changed, not just its lease.
    if (touched) set.push(`"updatedAt" = ${arg(new Date().toISOString(), '::timestamp(3)')}`);
    const where = version === undefined ? '' : ` AND "version" = ${arg(version, '::int')}`;
    [held] = await tx.$queryRawUnsafe<{ lastEventSeq: number }[]>(
      `UPDATE "Run" SET ${set.join(', ')} WHERE "id" = $1 AND "leaseOwner" = $2${where} RETURNING "lastEventSeq"`,
      ...args,
    );
  } else {
    const until = new Date((now ?? new Date()).getTime() + leaseMs);
    try {
      held = await tx.run.update({
        where: { id: claim.runId, leaseOwner: claim.token, ...(version === undefined ? {} : { version }) },
        data: {
          ...(run.finished ? { leaseOwner: null, leaseExpiresAt: null, runnableAt: null } : { leaseExpiresAt: until, runnableAt: until }),
          ...(events > 0 ? { lastEventSeq: { increment: events } } : {}),
          ...(run.status ? { status: run.status } : {}),
          ...(run.startedAt ? { startedAt: run.startedAt } : {}),
          ...(run.completedAt ? { completedAt: run.completedAt } : {}),
          ...(run.durationMs != null ? { durationMs: run.durationMs } : {}),
          ...('outputs' in run ? { outputs: (run.outputs ?? null) as Prisma.InputJsonValue } : {}),
        },
        select: { lastEventSeq: true },
      });
    } catch (error) {
      // P2025: no row matched the fence; anything else is a real failure.
      if ((error as { code?: unknown })?.code !== 'P2025') throw error;
    }
  }
  if (held) return Number(held.lastEventSeq);
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
