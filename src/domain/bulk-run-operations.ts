// Bulk cancel and retry: accepting a job (its selection resolved to runs, the job and one item
// per run written in one transaction) and reading jobs and their per-run outcomes. Working
// through the items is the engine's (src/engine/bulk-operations.ts).
import { z } from 'zod';
import { type BulkRunOperation, type BulkRunOperationItem, isUniqueViolation, type Prisma, type Run } from '../db/models.ts';
import { ConflictError, NotFoundError, ValidationError } from './errors.ts';
import { type Connection, type PageArgs, paginate } from './pagination.ts';
import { inScope, type Principal, requireRole } from './principal.ts';
import type { Resources } from './resources.ts';
import { parseRunFilter, runFilterWhere } from './run-filter.ts';
import { parseInput } from './schemas/issues.ts';
import type { RunFilter } from './schemas/run.ts';

/** What a bulk operation does to each run. */
export const BULK_KINDS = ['CANCEL', 'RETRY'] as const;
export type BulkKind = (typeof BULK_KINDS)[number];

/** Lifecycle of a bulk operation. FAILED: the job as a whole could not go on (never a per-run failure). */
export const BULK_STATUSES = ['PENDING', 'RUNNING', 'COMPLETED', 'FAILED'] as const;
export type BulkStatus = (typeof BULK_STATUSES)[number];

/** What happened to one run of a bulk operation. */
export const BULK_OUTCOMES = ['SUCCEEDED', 'SKIPPED', 'FAILED', 'NOT_FOUND'] as const;
export type BulkOutcome = (typeof BULK_OUTCOMES)[number];

/** Most runs one bulk operation may select. */
export const MAX_BULK_RUNS = 10_000;

/** Why a run was not transitioned, as stored on its item. */
export type BulkItemError =
  | { kind: 'INVALID_STATE'; message: string; currentStatus: string }
  | { kind: 'NOT_FOUND'; message: string; entity: string; lookup: string }
  | { kind: 'FAILED'; message: string };

/** An item's stored error, checked (null for none or an unreadable one). */
export function storedItemError(stored: unknown): BulkItemError | null {
  if (!stored || typeof stored !== 'object') return null;
  const kind = (stored as { kind?: unknown }).kind;
  return kind === 'INVALID_STATE' || kind === 'NOT_FOUND' || kind === 'FAILED' ? (stored as BulkItemError) : null;
}

/** Which runs: exactly one of explicit ids (database ids) or a filter. */
export interface RunSelection {
  ids?: readonly string[] | null;
  filter?: RunFilter | null;
}

/** Input of a bulk cancel or retry. */
export interface BulkInput {
  runs: RunSelection;
  /** Recorded on every cancelled run (cancel only). */
  reason?: string | null;
  idempotencyKey?: string | null;
}

const inputSchema = z.object({
  reason: z.string().trim().max(2000).nullish(),
  idempotencyKey: z.string().trim().min(1).max(255).nullish(),
  ids: z
    .array(z.string().trim().min(1, 'must not be empty').max(255))
    .min(1, 'select at least one run')
    .max(MAX_BULK_RUNS, `selects more than ${MAX_BULK_RUNS} runs; split it into several operations`)
    .nullish(),
});

/** A run and its item in a page of results; `run` is null once the run is no longer visible. */
export interface BulkResult {
  item: BulkRunOperationItem;
  run: Run | null;
}

/** JSON with object keys sorted, dates as ISO strings and absent/null fields dropped: equal requests give equal text. */
function canonical(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .filter(([, v]) => v !== undefined && v !== null)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, v]) => [k, canonical(v)]),
    );
  }
  return value;
}

const IN_CHUNK = 500;
const INSERT_CHUNK = 1000;

/** Bulk run operations of the principal's workspace. */
export function createBulkRunOperationService(res: Resources) {
  const db = res.db.prisma;

  /** The selected runs' ids that exist in the workspace, in selection order, as one snapshot. */
  async function resolveSelection(tx: Prisma.TransactionClient, principal: Principal, runs: RunSelection): Promise<string[]> {
    if (runs.ids) {
      const found = new Set<string>();
      for (let i = 0; i < runs.ids.length; i += IN_CHUNK) {
        const rows = await tx.run.findMany({
          where: { ...inScope(principal), id: { in: runs.ids.slice(i, i + IN_CHUNK) } },
          select: { id: true },
        });
        for (const row of rows) found.add(row.id);
      }
      return [...found];
    }
    const where = { ...inScope(principal), ...runFilterWhere(parseRunFilter(runs.filter ?? {})) };
    const rows = await tx.run.findMany({
      where,
      select: { id: true },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: MAX_BULK_RUNS + 1,
    });
    if (rows.length > MAX_BULK_RUNS) {
      throw new ValidationError([
        {
          path: 'runs.filter',
          message: `selects more than ${MAX_BULK_RUNS} runs; narrow the filter (e.g. by status, workflowId or createdBefore) and run several operations`,
        },
      ]);
    }
    return rows.map((r) => r.id);
  }

  /** A replayed idempotency key must name the same request; returns the earlier operation. */
  function sameRequest(principal: Principal, existing: BulkRunOperation, kind: BulkKind, selection: string, reason: string | null) {
    const same =
      existing.workspaceId === principal.workspaceId &&
      existing.kind === kind &&
      // Compared in canonical form: PostgreSQL's jsonb stores keys in an order of its own.
      JSON.stringify(canonical(existing.selection)) === selection &&
      (existing.reason ?? null) === reason;
    if (!same) {
      throw new ConflictError(
        'This idempotency key was already used for another bulk operation; use a new key for a different request',
        'idempotencyKey',
      );
    }
    return existing;
  }

  const service = {
    /**
     * Accepts a bulk cancel or retry: resolves the selection to the runs it names now (runs
     * created later are not touched) and commits the job with one item per run in one
     * transaction, so an accepted job is never lost. Ids that are not runs of the workspace
     * become NOT_FOUND items at once. Returns the PENDING job (COMPLETED if nothing is left to do);
     * a worker works through it. The same idempotency key returns the same job.
     */
    async accept(principal: Principal, kind: BulkKind, raw: BulkInput): Promise<BulkRunOperation> {
      requireRole(principal, 'editor', kind === 'CANCEL' ? 'cancel runs' : 'retry runs');
      const hasIds = raw.runs.ids != null;
      const hasFilter = raw.runs.filter != null;
      if (hasIds === hasFilter) {
        throw new ValidationError([{ path: 'runs', message: 'give exactly one of `ids` or `filter`' }]);
      }
      const data = parseInput(inputSchema, { reason: raw.reason, idempotencyKey: raw.idempotencyKey, ids: raw.runs.ids }, 'runs');
      const ids = data.ids ? [...new Set(data.ids)] : null;
      const filter = hasFilter ? parseRunFilter(raw.runs.filter ?? {}) : null;
      const reason = kind === 'CANCEL' ? (data.reason ?? null) : null;
      const selection = JSON.stringify(canonical(ids ? { ids } : { filter }));
      const key = data.idempotencyKey ?? null;
      if (key) {
        const existing = await db.bulkRunOperation.findFirst({ where: { tenantId: principal.tenantId, idempotencyKey: key } });
        if (existing) return sameRequest(principal, existing, kind, selection, reason);
      }
      const now = res.clock.now();
      try {
        const op = await db.$transaction(async (tx) => {
          const found = await resolveSelection(tx, principal, ids ? { ids } : { filter: raw.runs.filter });
          const visible = new Set(found);
          const missing = ids ? ids.filter((id) => !visible.has(id)) : [];
          const runIds = ids ? ids : found;
          const total = runIds.length;
          const created = await tx.bulkRunOperation.create({
            data: {
              ...inScope(principal),
              kind,
              status: missing.length === total ? 'COMPLETED' : 'PENDING',
              selection: JSON.parse(selection) as Prisma.InputJsonValue,
              reason,
              idempotencyKey: key,
              total,
              processed: missing.length,
              notFound: missing.length,
              createdBy: principal.userId,
              createdAt: now,
              ...(missing.length === total ? { startedAt: now, completedAt: now } : {}),
            },
          });
          const rows = runIds.map((runId, seq) =>
            visible.has(runId)
              ? { operationId: created.id, seq, runId }
              : {
                  operationId: created.id,
                  seq,
                  runId,
                  outcome: 'NOT_FOUND',
                  processedAt: now,
                  error: { kind: 'NOT_FOUND', message: `Run "${runId}" not found`, entity: 'Run', lookup: `"${runId}"` },
                },
          );
          for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
            await tx.bulkRunOperationItem.createMany({ data: rows.slice(i, i + INSERT_CHUNK) });
          }
          return created;
        });
        res.notifier.wake();
        return op;
      } catch (error) {
        // Two requests with one key raced; the loser answers with the winner's job.
        if (key && isUniqueViolation(error)) {
          const winner = await db.bulkRunOperation.findFirst({ where: { tenantId: principal.tenantId, idempotencyKey: key } });
          if (winner) return sameRequest(principal, winner, kind, selection, reason);
        }
        throw error;
      }
    },

    /** One bulk operation of the workspace. */
    async get(principal: Principal, id: string): Promise<BulkRunOperation> {
      const op = await db.bulkRunOperation.findFirst({ where: { ...inScope(principal), id } });
      if (!op) throw new NotFoundError('BulkRunOperation', `"${id}"`);
      return op;
    },

    /** The workspace's bulk operations, newest first, keyset-paginated. */
    list(principal: Principal, page: PageArgs): Promise<Connection<BulkRunOperation>> {
      return paginate(db.bulkRunOperation, inScope(principal), { field: 'createdAt', direction: 'desc' }, page);
    },

    /**
     * A page of an operation's per-run results in selection order, optionally only those with
     * `outcome` (null: any, including runs not processed yet). Each comes with its run when the
     * principal can still see it (one query per page).
     */
    async results(
      principal: Principal,
      op: BulkRunOperation,
      outcome: BulkOutcome | null,
      page: PageArgs,
    ): Promise<Connection<BulkResult>> {
      if (op.tenantId !== principal.tenantId || op.workspaceId !== principal.workspaceId) {
        throw new NotFoundError('BulkRunOperation', `"${op.id}"`);
      }
      const items = await paginate(
        db.bulkRunOperationItem,
        { operationId: op.id, ...(outcome ? { outcome } : {}) },
        { field: 'seq', direction: 'asc' },
        page,
      );
      const runs = await db.run.findMany({ where: { ...inScope(principal), id: { in: items.edges.map((e) => e.node.runId) } } });
      const byId = new Map(runs.map((r) => [r.id, r]));
      return {
        ...items,
        edges: items.edges.map((e) => ({ cursor: e.cursor, node: { item: e.node, run: byId.get(e.node.runId) ?? null } })),
      };
    },
  };
  return service;
}

/** The service's type, for code that receives it. */
export type BulkRunOperationService = ReturnType<typeof createBulkRunOperationService>;
