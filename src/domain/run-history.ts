// Run history: a light, workspace-scoped list of runs for run-history screens (seed 000's
// GET /api/v1/workflows/runs), newest first, paged by keyset cursor or by offset.
//
// "Started" is when the run was started by its caller, i.e. accepted and stored (createdAt):
// every run has it from the first instant, so a PENDING run sorts and filters like any other,
// and the list is served by the (workspace, createdAt, id), (tenant, workflow, createdAt, id)
// and (tenant, status, createdAt, id) indexes, read backward from the cursor.
import { z } from 'zod';
import type { Prisma, Run } from '../db/models.ts';
import { canonicalJson, isPlainObject } from './definition/schema.ts';
import { decodeCursor, encodeCursor, type KeysetOrder } from './pagination.ts';
import { inScope, type Principal } from './principal.ts';
import type { Resources } from './resources.ts';
import { workflowIdsWithKey } from './run-filter.ts';
import { parseInput } from './schemas/issues.ts';
import { asStatus, RUN_STATUSES, type RunStatus } from './statuses.ts';

/** Longest `finalOutputText`, in characters (an ellipsis ends a text that was cut). */
export const FINAL_OUTPUT_SNIPPET_CHARS = 500;

/** Most runs one page may hold. */
export const RUN_HISTORY_MAX_LIMIT = 100;

/** Filters and window of a run history page. */
export const runHistorySchema = z.object({
  /** Runs of workflows with this key (a deleted workflow's runs keep its key). */
  workflowKey: z.string().min(1).nullish(),
  status: z.enum(RUN_STATUSES).nullish(),
  /** Started strictly after this instant. */
  startedAfter: z.date().nullish(),
  /** Started strictly before this instant. */
  startedBefore: z.date().nullish(),
  conversationId: z.string().min(1).nullish(),
  /** A `nextCursor` of an earlier page: the page starts right after that run. */
  cursor: z.string().min(1).nullish(),
  /** Runs to skip (after the cursor, when one is given). */
  offset: z.int().min(0).default(0),
  limit: z.int().min(1).max(RUN_HISTORY_MAX_LIMIT).default(20),
});
export type RunHistoryQuery = z.input<typeof runHistorySchema>;

/** One run as run-history lists show it. */
export interface RunHistoryItem {
  id: string;
  workflowKey: string;
  status: RunStatus;
  /** When the run was started (accepted and stored). */
  startedAt: Date;
  /** When it reached COMPLETED, FAILED or CANCELLED; null while active. */
  endedAt: Date | null;
  userId: string | null;
  conversationId: string | null;
  /** Steps of the run: one per step of the version it runs, whatever their state. */
  stepCount: number;
  /** endedAt − startedAt in milliseconds; null while active. */
  durationMs: number | null;
  /** See {@link outputSnippet}. */
  finalOutputText: string | null;
}

/** A page of run history. */
export interface RunHistoryPage {
  items: RunHistoryItem[];
  /** Cursor of the last run of this page when more runs follow, else null. */
  nextCursor: string | null;
  /** Runs matching the filters, across all pages. */
  total: number;
}

// Newest first; the id breaks ties so every run has one position and cursors never skip a run.
const ORDER: KeysetOrder = { field: 'createdAt', direction: 'desc' };
const ORDER_BY = [{ createdAt: 'desc' }, { id: 'desc' }] satisfies Prisma.RunOrderByWithRelationInput[];
const INCLUDE = { workflow: { select: { key: true } } } as const;
type HistoryRow = Run & { workflow: { key: string }; _count: { steps: number } };

/**
 * A run's output as one line of text for a list: when the output is a string, or an object
 * whose single member is (at any depth, e.g. `{summarize: {text: "…"}}`), that string;
 * otherwise the whole output as compact JSON with keys sorted (the same text on every
 * database). Cut to {@link FINAL_OUTPUT_SNIPPET_CHARS} characters, the last being `…` when
 * cut. Null when the run has no output (it has not completed).
 */
export function outputSnippet(outputs: unknown, max = FINAL_OUTPUT_SNIPPET_CHARS): string | null {
  if (outputs === null || outputs === undefined) return null;
  let value: unknown = outputs;
  while (isPlainObject(value) && Object.keys(value).length === 1) value = Object.values(value)[0];
  const text = typeof value === 'string' ? value : JSON.stringify(canonicalJson(outputs));
  // By code point, so a cut never splits a surrogate pair.
  const chars = Array.from(text);
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}

function itemOf(row: HistoryRow): RunHistoryItem {
  return {
    id: row.id,
    workflowKey: row.workflow.key,
    status: asStatus(RUN_STATUSES, row.status),
    startedAt: row.createdAt,
    endedAt: row.completedAt,
    userId: row.userId,
    conversationId: row.conversationId,
    stepCount: row._count.steps,
    durationMs: row.completedAt ? row.completedAt.getTime() - row.createdAt.getTime() : null,
    finalOutputText: outputSnippet(row.outputs),
  };
}

/** The principal's run history, newest first. */
export function createRunHistoryService(res: Resources) {
  const db = res.db.prisma;

  // Counted for the page's runs only, through the (runId, stepId) index: Prisma's `_count`
  // include aggregates the whole StepRun table into a join on every page.
  async function stepCounts(runIds: string[]): Promise<Map<string, number>> {
    if (runIds.length === 0) return new Map();
    const groups = await db.stepRun.groupBy({ by: ['runId'], where: { runId: { in: runIds } }, _count: { _all: true } });
    return new Map(groups.map((g) => [g.runId, g._count._all]));
  }

  return {
    /**
     * One page of the principal's runs, filtered, newest first (started desc, then id).
     * Following `nextCursor` walks every run exactly once even while new runs are started
     * (they sort before the first page); `offset` numbers pages instead, counted from the
     * cursor when both are given. A cursor from another list is a ValidationError.
     */
    async list(principal: Principal, raw: RunHistoryQuery): Promise<RunHistoryPage> {
      const q = parseInput(runHistorySchema, raw);
      const where: Prisma.RunWhereInput = {
        ...inScope(principal),
        ...(q.status ? { status: q.status } : {}),
        ...(q.workflowKey ? { workflowId: await workflowIdsWithKey(db, principal, q.workflowKey) } : {}),
        ...(q.conversationId ? { conversationId: q.conversationId } : {}),
        ...(q.startedAfter || q.startedBefore
          ? { createdAt: { ...(q.startedAfter ? { gt: q.startedAfter } : {}), ...(q.startedBefore ? { lt: q.startedBefore } : {}) } }
          : {}),
      };
      let bounded = where;
      if (q.cursor) {
        const at = decodeCursor(ORDER, q.cursor, 'cursor') as { value: Date; id: string };
        // A range the database seeks its (…, createdAt, id) index with, minus the cursor's ties (see paginate).
        bounded = { AND: [where, { createdAt: { lte: at.value }, NOT: { createdAt: at.value, id: { gte: at.id } } }] };
      }
      const [rows, total] = await Promise.all([
        db.run.findMany({ where: bounded, orderBy: ORDER_BY, skip: q.offset, take: q.limit + 1, include: INCLUDE }),
        db.run.count({ where }),
      ]);
      const page = rows.slice(0, q.limit);
      const last = page.at(-1);
      const steps = await stepCounts(page.map((r) => r.id));
      return {
        items: page.map((row) => itemOf({ ...row, _count: { steps: steps.get(row.id) ?? 0 } })),
        nextCursor: rows.length > q.limit && last ? encodeCursor(ORDER, last) : null,
        total,
      };
    },

    /**
     * `run` as given (e.g. as a cancel or retry left it, whatever a worker did since) in the
     * list view; the caller has already found it in the principal's scope.
     */
    async itemOf(run: Run): Promise<RunHistoryItem> {
      const [workflow, steps] = await Promise.all([
        db.workflow.findUniqueOrThrow({ where: { id: run.workflowId }, select: { key: true } }),
        db.stepRun.count({ where: { runId: run.id } }),
      ]);
      return itemOf({ ...run, workflow, _count: { steps } });
    },
  };
}

/** The service's type, for code that receives it. */
export type RunHistoryService = ReturnType<typeof createRunHistoryService>;
