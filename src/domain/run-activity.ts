// Run activity over time, for charts: runs created per minute, hour or day, by status, with the
// durations of the completed ones, bucketed by the database in one statement.
//
// Definitions:
// - Buckets are aligned to UTC boundaries of their size (a DAY bucket runs from 00:00 UTC).
//   The first is the one holding `from`, the last the one holding the last instant before
//   `to`; runs count when created in [from, to), so the first and last buckets may cover less
//   than their size. Every bucket is listed, empty ones with zeros, so a chart plots gaps.
// - A run counts in the bucket of its `createdAt`, under its current status; durations are
//   those of its COMPLETED runs, with the definitions of analytics.ts (nearest-rank percentiles,
//   `completedAt - startedAt` in whole milliseconds).
// - The filter is the run list's, evaluated by the same `where` (runFilterWhere), compiled by
//   the fast reads (sql-reads.ts) into the inner SELECT, so a chart and a list filtered alike
//   show the same runs. A text search is refused (a ValidationError): its words live in another
//   table the fast reads do not join.
//
// SQLite stores DateTime as ISO text with "+00:00" (see analytics.ts): strftime('%s') reads it
// as UTC seconds. PostgreSQL's timestamp(3) columns hold UTC: EXTRACT(EPOCH) gives the same.

import { compileFindMany } from '../db/sql-reads.ts';
import type { DurationStats, StatusCounts } from './analytics.ts';
import { ValidationError } from './errors.ts';
import { inScope, type Principal } from './principal.ts';
import type { Resources } from './resources.ts';
import { parseRunFilter, runFilterWhere, workflowIdsWithKey } from './run-filter.ts';
import type { RunFilter } from './schemas/run.ts';
import { asStatus, RUN_STATUSES } from './statuses.ts';

/** Sizes of activity buckets. */
export const TIME_BUCKETS = ['MINUTE', 'HOUR', 'DAY'] as const;
export type TimeBucket = (typeof TIME_BUCKETS)[number];

/** The most buckets one request may ask for (a day by the minute is 1,440). */
export const MAX_ACTIVITY_BUCKETS = 1500;

/** One bucket of run activity. */
export interface RunActivityBucket {
  /** Start of the bucket (a UTC boundary of its size). */
  start: Date;
  counts: StatusCounts;
  durationMs: DurationStats;
}

function bucketSeconds(bucket: TimeBucket): number {
  switch (bucket) {
    case 'MINUTE':
      return 60;
    case 'HOUR':
      return 3600;
    case 'DAY':
      return 86_400;
  }
}

const num = (value: unknown): number => (typeof value === 'bigint' ? Number(value) : Number(value));
const numOrNull = (value: unknown): number | null => (value === null || value === undefined ? null : num(value));

/**
 * Runs created in [from, to) matching `filter` (a run list's filter), per `bucket`, oldest
 * bucket first, empty buckets included. More than {@link MAX_ACTIVITY_BUCKETS} buckets, or
 * `from` after `to`, is a ValidationError.
 */
export async function runActivity(
  res: Resources,
  principal: Principal,
  rawFilter: RunFilter,
  window: { from: Date; to: Date },
  bucket: TimeBucket,
): Promise<RunActivityBucket[]> {
  const { from, to } = window;
  if (from.getTime() > to.getTime()) throw new ValidationError([{ path: 'from', message: 'must not be after `to`' }]);
  if (from.getTime() === to.getTime()) return [];
  const size = bucketSeconds(bucket);
  const first = Math.floor(from.getTime() / 1000 / size);
  const last = Math.ceil(to.getTime() / 1000 / size) - 1;
  const count = last - first + 1;
  if (count > MAX_ACTIVITY_BUCKETS) {
    throw new ValidationError([
      {
        path: 'bucket',
        message: `asks for ${count} buckets between from and to; at most ${MAX_ACTIVITY_BUCKETS} are allowed: choose a larger bucket or a shorter window`,
      },
    ]);
  }
  const filter = parseRunFilter(rawFilter);
  if (filter.searchWords.length > 0) {
    throw new ValidationError([{ path: 'filter.search', message: 'cannot be charted; chart by the other filters' }]);
  }
  // A workflow key is read as its workflows' ids, as the runs list reads it (run-list.ts).
  const byKey = filter.workflowKey ? [{ workflowId: await workflowIdsWithKey(res.db.prisma, principal, filter.workflowKey) }] : [];
  const where = {
    AND: [{ ...inScope(principal), ...runFilterWhere({ ...filter, workflowKey: null }) }, ...byKey, { createdAt: { gte: from, lt: to } }],
  };
  const provider = res.db.provider;
  const model = res.db.models.get('Run');
  const inner = model
    ? compileFindMany(model, provider, {
        where,
        orderBy: [],
        // The fast reads' findMany always has a LIMIT; this one never binds.
        take: Number.MAX_SAFE_INTEGER,
        select: { status: true, createdAt: true, startedAt: true, completedAt: true },
      })
    : null;
  if (!inner)
    throw new ValidationError([{ path: 'filter', message: 'cannot be charted: it uses a condition runActivity does not support' }]);
  const postgres = provider === 'postgres';
  const bucketExpr = postgres
    ? `CAST(FLOOR(EXTRACT(EPOCH FROM "createdAt") / ${size}) AS BIGINT)`
    : `(CAST(strftime('%s', "createdAt") AS INTEGER) / ${size})`;
  const durationExpr = postgres
    ? `ROUND(EXTRACT(EPOCH FROM ("completedAt" - "startedAt")) * 1000)::BIGINT`
    : `CAST(ROUND((julianday("completedAt") - julianday("startedAt")) * 86400000.0) AS INTEGER)`;
  const percentile = (p: number) => `MIN(CASE WHEN rn * 100 >= dn * ${p} THEN ms END)`;
  const avg = postgres ? 'CAST(AVG(ms) AS DOUBLE PRECISION)' : 'AVG(ms)';
  // One statement: a count row per (bucket, status) and a duration row per bucket.
  const sql = [
    `WITH r AS (${inner.sql}),`,
    `b AS (SELECT ${bucketExpr} AS bucket, "status" AS status,`,
    `  CASE WHEN "status" = 'COMPLETED' AND "startedAt" IS NOT NULL AND "completedAt" IS NOT NULL THEN ${durationExpr} END AS ms FROM r),`,
    `d AS (SELECT bucket, ms, ROW_NUMBER() OVER (PARTITION BY bucket ORDER BY ms) AS rn, COUNT(*) OVER (PARTITION BY bucket) AS dn`,
    `  FROM b WHERE ms IS NOT NULL)`,
    `SELECT 'count' AS kind, bucket, status, COUNT(*) AS n, NULL AS p50, NULL AS p95, NULL AS p99, NULL AS avg, NULL AS min, NULL AS max`,
    `FROM b GROUP BY bucket, status`,
    `UNION ALL`,
    `SELECT 'duration' AS kind, bucket, NULL AS status, COUNT(*) AS n, ${percentile(50)}, ${percentile(95)}, ${percentile(99)},`,
    `  ${avg}, MIN(ms), MAX(ms) FROM d GROUP BY bucket`,
  ].join('\n');
  const rows = await res.db.prisma.$queryRawUnsafe<Record<string, unknown>[]>(sql, ...inner.params);

  const buckets: RunActivityBucket[] = [];
  for (let i = first; i <= last; i++) {
    buckets.push({
      start: new Date(i * size * 1000),
      counts: { PENDING: 0, RUNNING: 0, COMPLETED: 0, FAILED: 0, CANCELLED: 0 },
      durationMs: { count: 0, p50: null, p95: null, p99: null, avg: null, min: null, max: null },
    });
  }
  for (const row of rows) {
    const target = buckets[num(row.bucket) - first];
    if (!target) continue;
    if (row.kind === 'count') {
      target.counts[asStatus(RUN_STATUSES, String(row.status))] += num(row.n);
    } else {
      target.durationMs = {
        count: num(row.n),
        p50: numOrNull(row.p50),
        p95: numOrNull(row.p95),
        p99: numOrNull(row.p99),
        avg: numOrNull(row.avg),
        min: numOrNull(row.min),
        max: numOrNull(row.max),
      };
    }
  }
  return buckets;
}
