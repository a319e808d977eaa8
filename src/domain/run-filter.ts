import type { Db } from '../db/database.ts';
import type { Run } from '../db/models.ts';
import { ValidationError } from './errors.ts';
import { inScope, type Principal } from './principal.ts';
import { searchWords } from './run-search.ts';
import { parseInput } from './schemas/issues.ts';
import { type RunFilter, runFilterSchema } from './schemas/run.ts';

/** A validated run filter. */
export type ParsedRunFilter = ReturnType<typeof parseRunFilter>;

/**
 * Validates a run filter at the edge of the domain (a ValidationError names the bad field), and
 * splits its search into the words every match must have (none: no search).
 */
export function parseRunFilter(raw: RunFilter) {
  const filter = parseInput(runFilterSchema, raw, 'filter');
  return { ...filter, searchWords: filter.search ? searchWords(filter.search) : [] };
}

/**
 * {@link parseRunFilter} for the live feed (`runsChanged`), which matches each change in memory
 * against the run alone: a workflow key or a search would need the run's workflow or words read
 * for every change, so they are refused (a ValidationError naming them) rather than ignored.
 */
export function parseLiveRunFilter(raw: RunFilter): ParsedRunFilter {
  const filter = parseRunFilter(raw);
  const issues = [];
  if (filter.workflowKey) issues.push({ path: 'filter.workflowKey', message: 'is not available on the live feed; filter by workflowId' });
  if (filter.search) issues.push({ path: 'filter.search', message: 'is not available on the live feed; search the refetched list' });
  if (issues.length > 0) throw new ValidationError(issues);
  return filter;
}

/**
 * The filter as a Prisma `where` fragment. Complete for every filter, so any reader of runs
 * (bulk selections, REST) gets the same runs; the `runs` lists read a workflow key and a search
 * their own indexed way (src/domain/run-list.ts) and pass a filter without them.
 */
export function runFilterWhere(filter: ParsedRunFilter) {
  return {
    // Deduplicated: a list repeating the five statuses thousands of times would exceed the database's parameter limit.
    ...(filter.status?.length ? { status: { in: [...new Set(filter.status)] } } : {}),
    ...(filter.workflowId ? { workflowId: filter.workflowId } : {}),
    ...(filter.workflowKey ? { workflow: { key: filter.workflowKey } } : {}),
    ...(filter.triggeredBy ? { triggeredBy: filter.triggeredBy } : {}),
    ...(filter.conversationId ? { conversationId: filter.conversationId } : {}),
    ...(filter.userId ? { userId: filter.userId } : {}),
    ...(filter.scheduleId ? { scheduleId: filter.scheduleId } : {}),
    ...(filter.searchWords.length > 0 ? { AND: filter.searchWords.map((term) => ({ searchTerms: { some: { term } } })) } : {}),
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

/** What {@link matchesRunFilter} reads of a run: a deleted run's tombstone has it too. */
export type FilteredRunFields = Pick<
  Run,
  'status' | 'workflowId' | 'triggeredBy' | 'conversationId' | 'userId' | 'scheduleId' | 'createdAt'
>;

/**
 * The same filter evaluated on one run in memory (the `runsChanged` feed). A status filter
 * matches the run's new status or, when given, the one it left, so a live list filtered by
 * status learns about runs entering it and runs leaving it.
 */
export function matchesRunFilter(filter: ParsedRunFilter, run: FilteredRunFields, previousStatus: string | null = null): boolean {
  const statuses: readonly string[] | null | undefined = filter.status;
  if (statuses?.length && !statuses.includes(run.status) && !(previousStatus && statuses.includes(previousStatus))) return false;
  if (filter.workflowId && run.workflowId !== filter.workflowId) return false;
  if (filter.triggeredBy && run.triggeredBy !== filter.triggeredBy) return false;
  if (filter.conversationId && run.conversationId !== filter.conversationId) return false;
  if (filter.userId && run.userId !== filter.userId) return false;
  if (filter.scheduleId && run.scheduleId !== filter.scheduleId) return false;
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
