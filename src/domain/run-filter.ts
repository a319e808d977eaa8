import type { Db } from '../db/database.ts';
import type { Run } from '../db/models.ts';
import { inScope, type Principal } from './principal.ts';
import { parseInput } from './schemas/issues.ts';
import { type RunFilter, runFilterSchema } from './schemas/run.ts';

/** A validated run filter. */
export type ParsedRunFilter = ReturnType<typeof parseRunFilter>;

/** Validates a run filter at the edge of the domain (a ValidationError names the bad field). */
export function parseRunFilter(raw: RunFilter) {
  return parseInput(runFilterSchema, raw, 'filter');
}

/** The filter as a Prisma `where` fragment (the `runs` query). */
export function runFilterWhere(filter: ParsedRunFilter) {
  return {
    // Deduplicated: a list repeating the five statuses thousands of times would exceed the database's parameter limit.
    ...(filter.status?.length ? { status: { in: [...new Set(filter.status)] } } : {}),
    ...(filter.workflowId ? { workflowId: filter.workflowId } : {}),
    ...(filter.triggeredBy ? { triggeredBy: filter.triggeredBy } : {}),
    ...(filter.createdAfter || filter.createdBefore
      ? {
          createdAt: {
            ...(filter.createdAfter ? { gt: filter.createdAfter } : {}),
            ...(filter.createdBefore ? { lt: filter.createdBefore } : {}),
          },
        }
      : {}),
  };
}

/**
 * The same filter evaluated on one run in memory (the `runsChanged` feed). A status filter
 * matches the run's new status or, when given, the one it left, so a live list filtered by
 * status learns about runs entering it and runs leaving it.
 */
export function matchesRunFilter(filter: ParsedRunFilter, run: Run, previousStatus: string | null = null): boolean {
  const statuses: readonly string[] | null | undefined = filter.status;
  if (statuses?.length && !statuses.includes(run.status) && !(previousStatus && statuses.includes(previousStatus))) return false;
  if (filter.workflowId && run.workflowId !== filter.workflowId) return false;
  if (filter.triggeredBy && run.triggeredBy !== filter.triggeredBy) return false;
  if (filter.createdAfter && !(run.createdAt > filter.createdAfter)) return false;
  if (filter.createdBefore && !(run.createdAt < filter.createdBefore)) return false;
  return true;
}

/**
 * The `workflowId` condition for runs of the workflows with `key` in the principal's workspace
 * (a deleted workflow's key may live on in a new one, hence possibly several). Lists filter by
 * these ids rather than by a join on Workflow.key: with the workflow known, a page reads the
 * (tenant, workflow, createdAt, id) index in order; the join left PostgreSQL sorting every run
 * of the workspace.
 */
export async function workflowIdsWithKey(db: Db, principal: Principal, key: string): Promise<string | { in: string[] }> {
  const ids = (await db.workflow.findMany({ where: { ...inScope(principal), key }, select: { id: true } })).map((w) => w.id);
  return ids.length === 1 ? (ids[0] as string) : { in: ids };
}
