// The `runs` lists (Query.runs, Workflow.runs): a filter, an order and a keyset page, read so
// that every page seeks an index. A workflow key is read as the ids of its workflows (the list
// then walks the runs' own indexes); a search is read from the search words' key in creation
// order (src/domain/run-search.ts), then the page's runs by id.
import type { Database } from '../db/database.ts';
import type { Run } from '../db/models.ts';
import { compileSearchCount, compileSearchIds, listSource, type SearchSeek } from '../db/sql-reads.ts';
import { ValidationError } from './errors.ts';
import { type Connection, type KeysetOrder, type PageArgs, paginate, paginateBy, type RelationQuery } from './pagination.ts';
import { inScope, type Principal } from './principal.ts';
import { parseRunFilter, runFilterWhere, workflowIdsWithKey } from './run-filter.ts';
import type { RunFilter } from './schemas/run.ts';

/** Runs of the principal's workspace matching `rawFilter`, in `order`, one keyset page. */
export async function listRuns(
  database: Database,
  principal: Principal,
  rawFilter: RunFilter,
  order: KeysetOrder,
  page: PageArgs,
  query: RelationQuery = {},
): Promise<Connection<Run>> {
  const db = database.prisma;
  const filter = parseRunFilter(rawFilter);
  const words = filter.searchWords;
  if (words.length > 0 && order.field !== 'createdAt') {
    // The words' key keeps matches in creation order only; any other order would sort every match.
    throw new ValidationError([{ path: 'orderBy.field', message: 'a search lists runs by CREATED_AT only' }]);
  }
  const where: Record<string, unknown> = {
    ...inScope(principal),
    ...runFilterWhere({ ...filter, workflowKey: null, searchWords: [] }),
  };
  if (filter.workflowKey) where.workflowId = both(filter.workflowId, await workflowIdsWithKey(db, principal, filter.workflowKey));
  const runs = listSource<Run>(database.reader, database.models.get('Run'), db.run);
  if (words.length === 0) return paginate(runs, where, order, page, query);

  const termModel = database.models.get('RunSearchTerm');
  const runModel = database.models.get('Run');
  const scope = { workspaceId: principal.workspaceId, terms: words, runWhere: where };
  if (!termModel || !runModel || !compileSearchCount(termModel, runModel, database.provider, scope)) {
    // Not expected (the filter is all plain columns), but never a different answer: Prisma's.
    return paginate(runs, { ...where, ...runFilterWhere({ ...filter, workflowKey: null }) }, order, page, query);
  }
  const all = async (sql: string, params: unknown[]) =>
    database.reader ? database.reader.all(sql, params) : db.$queryRawUnsafe<Record<string, unknown>[]>(sql, ...params);
  return paginateBy<Run>(
    order,
    page,
    async (seek) => {
      const compiled = compileSearchIds(termModel, runModel, database.provider, { ...scope, ...seek } satisfies SearchSeek);
      if (!compiled) throw new Error('a run search stopped compiling');
      const ids = (await all(compiled.sql, compiled.params)).map((row) => String(row.id));
      if (ids.length === 0) return [];
      const rows = await runs.findMany({ ...query, where: { id: { in: ids } }, orderBy: [], take: ids.length });
      const byId = new Map(rows.map((run) => [run.id, run]));
      // A run deleted between the two reads is left out.
      return ids.flatMap((id) => byId.get(id) ?? []);
    },
    async () => {
      const compiled = compileSearchCount(termModel, runModel, database.provider, scope) as NonNullable<
        ReturnType<typeof compileSearchCount>
      >;
      const [row] = await all(compiled.sql, compiled.params);
      return Number(row?.count ?? 0);
    },
  );
}

/** Both workflow conditions at once: the given id, if any, among the key's workflows. */
function both(id: string | null | undefined, ofKey: string | { in: string[] }): string | { in: string[] } {
  const keyed = typeof ofKey === 'string' ? [ofKey] : ofKey.in;
  if (!id) return ofKey;
  return { in: keyed.includes(id) ? [id] : [] };
}
