// Keyset pages of run logs (run-logs.ts turns events into entries), for many runs in one
// statement: a page of 50 runs each showing its last log lines costs one read, not 50.
//
// Each run's page is its own `SELECT … ORDER BY seq LIMIT n` (a seek on the (runId, seq)
// unique index), and the runs' pages are glued with UNION ALL. A window function over all the
// runs' events would read every event of every run to keep the first few of each.
//
// The level filter is exact and in SQL: the level of most event types is fixed, and a
// step.log's is the payload's `level` lower-cased and mapped by the same name lists as
// `logLevel` (EVENT_LEVELS, ERROR_LEVEL_NAMES, WARNING_LEVEL_NAMES). So pages are always full
// and cursors are plain sequence numbers. SQL's LOWER folds ASCII only; agents' level names are ASCII.

import type { Db } from '../db/database.ts';
import type { RunEvent } from '../db/models.ts';
import { type Connection, decodeCursor, encodeCursor, type KeysetOrder, type PageArgs, pageWindow } from './pagination.ts';
import { inScope, type Principal } from './principal.ts';
import { ERROR_LEVEL_NAMES, EVENT_LEVELS, type LogLevel, logEntry, type RunLogEntry, WARNING_LEVEL_NAMES } from './run-logs.ts';

/** Which entries of a run's log to page through. */
export interface RunLogFilter {
  /** Only entries of this level. */
  level?: LogLevel | null;
  /** Only entries of this step (run-level entries have none). */
  stepId?: string | null;
  /** Only entries with a greater sequence number (what a client tailing the log saw last). */
  afterSeq?: number | null;
}

const ORDER: KeysetOrder = { field: 'seq', direction: 'asc' };
const literal = (text: string) => `'${text.replace(/'/g, "''")}'`;
const list = (items: readonly string[]) => items.map(literal).join(', ');

/** The SQL expression of an event row's level, which {@link eventLevel} computes in code. */
function levelSql(postgres: boolean): string {
  const byLevel = (level: LogLevel) =>
    Object.keys(EVENT_LEVELS).filter((type) => EVENT_LEVELS[type as keyof typeof EVENT_LEVELS] === level);
  const fromPayload = Object.keys(EVENT_LEVELS).filter((type) => EVENT_LEVELS[type as keyof typeof EVENT_LEVELS] === 'payload');
  const named = postgres ? `LOWER("payload" ->> 'level')` : `LOWER(json_extract("payload", '$.level'))`;
  return (
    `CASE WHEN "type" IN (${list(fromPayload)}) THEN ` +
    `(CASE WHEN ${named} IN (${list(ERROR_LEVEL_NAMES)}) THEN 'error' WHEN ${named} IN (${list(WARNING_LEVEL_NAMES)}) THEN 'warning' ELSE 'info' END) ` +
    `WHEN "type" IN (${list(byLevel('error'))}) THEN 'error' WHEN "type" IN (${list(byLevel('warning'))}) THEN 'warning' ELSE 'info' END`
  );
}

/** Raw rows arrive as the driver decodes them: dates as text on SQLite, JSON as text too. */
function toEvent(row: Record<string, unknown>): RunEvent {
  const at = row.createdAt;
  const payload = row.payload;
  return {
    ...(row as unknown as RunEvent),
    seq: Number(row.seq),
    createdAt: at instanceof Date ? at : new Date(String(at)),
    payload: typeof payload === 'string' ? (JSON.parse(payload) as RunEvent['payload']) : (payload as RunEvent['payload']),
  };
}

/**
 * One page of each run's log, keyset-paginated by sequence number (Relay `first/after`,
 * `last/before`), filtered by level, step and `afterSeq`. The runs must already be known to be
 * visible to `principal`; events are scoped by it again all the same.
 */
export async function readLogPages(
  db: Db,
  provider: 'sqlite' | 'postgres',
  principal: Principal,
  runIds: readonly string[],
  filter: RunLogFilter,
  page: PageArgs,
): Promise<Map<string, Connection<RunLogEntry>>> {
  const { backward, limit } = pageWindow(page);
  const after = page.after != null ? (decodeCursor(ORDER, page.after, 'after').value as number) : null;
  const before = page.before != null ? (decodeCursor(ORDER, page.before, 'before').value as number) : null;
  const postgres = provider === 'postgres';
  const params: unknown[] = [];
  const param = (value: unknown) => {
    params.push(value);
    return postgres ? `$${params.length}` : '?';
  };
  const lower = Math.max(after ?? -1, filter.afterSeq ?? -1);
  const scope = inScope(principal);
  const conditions = (runId: string) => {
    const parts = [`"runId" = ${param(runId)}`, `"tenantId" = ${param(scope.tenantId)}`, `"workspaceId" = ${param(scope.workspaceId)}`];
    if (lower >= 0) parts.push(`"seq" > ${param(lower)}`);
    if (before != null) parts.push(`"seq" < ${param(before)}`);
    if (filter.stepId != null) parts.push(`"stepId" = ${param(filter.stepId)}`);
    if (filter.level != null) parts.push(`${levelSql(postgres)} = ${param(filter.level)}`);
    return parts.join(' AND ');
  };
  const ids = [...new Set(runIds)];
  const pages = new Map<string, Connection<RunLogEntry>>();
  const rowsByRun = new Map<string, RunEvent[]>(ids.map((id) => [id, []]));
  if (limit > 0 && ids.length > 0) {
    const columns = `"id", "tenantId", "workspaceId", "runId", "seq", "type", "stepId", "payload", "createdAt"`;
    const direction = backward ? 'DESC' : 'ASC';
    const sql = ids
      .map(
        (id, i) =>
          `SELECT * FROM (SELECT ${columns} FROM "RunEvent" WHERE ${conditions(id)} ORDER BY "seq" ${direction} LIMIT ${limit + 1}) AS p${i}`,
      )
      .join(' UNION ALL ');
    for (const row of await db.$queryRawUnsafe<Record<string, unknown>[]>(sql, ...params)) {
      rowsByRun.get(String(row.runId))?.push(toEvent(row));
    }
  }
  for (const id of ids) {
    const rows = (rowsByRun.get(id) ?? []).sort((a, b) => (backward ? b.seq - a.seq : a.seq - b.seq));
    const more = rows.length > limit;
    const kept = rows.slice(0, limit);
    if (backward) kept.reverse();
    const edges = kept.map((event) => ({ cursor: encodeCursor(ORDER, event), node: logEntry(event) }));
    pages.set(id, {
      edges,
      pageInfo: {
        hasNextPage: backward ? page.before != null : more,
        hasPreviousPage: backward ? more : page.after != null,
        startCursor: edges[0]?.cursor ?? null,
        endCursor: edges.at(-1)?.cursor ?? null,
      },
      totalCount: () => countLog(db, provider, principal, id, filter),
    });
  }
  return pages;
}

/** How many entries of one run's log the filter matches (cursors aside). */
async function countLog(
  db: Db,
  provider: 'sqlite' | 'postgres',
  principal: Principal,
  runId: string,
  filter: RunLogFilter,
): Promise<number> {
  const postgres = provider === 'postgres';
  const params: unknown[] = [runId, principal.tenantId, principal.workspaceId];
  const p = (value: unknown) => {
    params.push(value);
    return postgres ? `$${params.length}` : '?';
  };
  const parts = postgres
    ? [`"runId" = $1`, `"tenantId" = $2`, `"workspaceId" = $3`]
    : [`"runId" = ?`, `"tenantId" = ?`, `"workspaceId" = ?`];
  if (filter.afterSeq != null) parts.push(`"seq" > ${p(filter.afterSeq)}`);
  if (filter.stepId != null) parts.push(`"stepId" = ${p(filter.stepId)}`);
  if (filter.level != null) parts.push(`${levelSql(postgres)} = ${p(filter.level)}`);
  const [row] = await db.$queryRawUnsafe<{ n: unknown }[]>(`SELECT COUNT(*) AS n FROM "RunEvent" WHERE ${parts.join(' AND ')}`, ...params);
  return Number(row?.n ?? 0);
}
