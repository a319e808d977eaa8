import { ValidationError } from './errors.ts';

/** Relay-style page request. */
export interface PageArgs {
  first?: number | null;
  after?: string | null;
  last?: number | null;
  before?: string | null;
}

/** Relay-style page of results; `totalCount` runs its query only when called. */
export interface Connection<T> {
  edges: { cursor: string; node: T }[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  totalCount: () => Promise<number>;
}

/** A sort order over one column, always tie-broken by id so every row has a unique position. */
export interface KeysetOrder {
  field: 'name' | 'createdAt' | 'updatedAt' | 'version' | 'seq';
  direction: 'asc' | 'desc';
}

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

type Row = { id: string } & Record<string, unknown>;
type Where = Record<string, unknown>;

/** What {@link paginate} needs from a Prisma model delegate. */
export interface KeysetSource<T extends Row> {
  findMany(args: { where: Where; orderBy: Where[]; take: number } & RelationQuery): Promise<T[]>;
  count(args: { where: Where }): Promise<number>;
}

/**
 * Relations to load with the rows (an opaque `include`/`select` built by the GraphQL layer
 * from the selection set), so a page and its relations cost a fixed number of queries.
 */
export type RelationQuery = { include?: object; select?: object };

interface Cursor {
  f: string;
  v: string | number;
  id: string;
}

/** The opaque cursor of `row`'s position in `order` (its sort value and id), as pages hand it out. */
export function encodeCursor(order: KeysetOrder, row: Row): string {
  const value = row[order.field];
  const v = value instanceof Date ? value.toISOString() : (value as string | number);
  // The text JSON.stringify gives {f, v, id}, without building the object (a list page makes one per row).
  return Buffer.from(`{"f":${JSON.stringify(order.field)},"v":${JSON.stringify(v)},"id":${JSON.stringify(row.id)}}`).toString('base64url');
}

/**
 * The position a cursor names, checked against `order` (a ValidationError at `arg` for a
 * cursor that is not one of this ordering's).
 */
export function decodeCursor(order: KeysetOrder, cursor: string, arg: string): { value: unknown; id: string } {
  const parsed = parseCursor(cursor);
  // The sort value goes into a query, so it must have exactly the column's type: anything else
  // (an object, a bad date) would reach Prisma as a filter, not a value.
  const value = parsed?.f === order.field ? sortValue(order.field, parsed.v) : undefined;
  if (!parsed || value === undefined) {
    throw new ValidationError([
      { path: arg, message: 'is not a cursor from this list with this ordering; use a cursor returned by the same query' },
    ]);
  }
  return { value, id: parsed.id };
}

function parseCursor(cursor: string): Cursor | null {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (typeof parsed !== 'object' || parsed === null) return null;
    const { f, v, id } = parsed as Record<string, unknown>;
    if (typeof f !== 'string' || typeof id !== 'string' || (typeof v !== 'string' && typeof v !== 'number')) return null;
    return { f, v, id };
  } catch {
    return null;
  }
}

function sortValue(field: KeysetOrder['field'], v: string | number): string | number | Date | undefined {
  switch (field) {
    case 'name':
      return typeof v === 'string' ? v : undefined;
    case 'version':
    case 'seq':
      return typeof v === 'number' && Number.isInteger(v) ? v : undefined;
    case 'createdAt':
    case 'updatedAt': {
      const date = typeof v === 'string' ? new Date(v) : null;
      return date && !Number.isNaN(date.getTime()) ? date : undefined;
    }
  }
}

/**
 * Keyset ("seek") pagination: rows after/before a cursor are found by comparing
 * (sort value, id) rather than skipping with OFFSET, so pages stay stable while rows are
 * inserted, and cost does not grow with depth. Fetches one extra row to learn whether
 * another page exists.
 */
export async function paginate<T extends Row>(
  source: KeysetSource<T>,
  where: Where,
  order: KeysetOrder,
  page: PageArgs,
  query: RelationQuery = {},
): Promise<Connection<T>> {
  const issues = [];
  if (page.first != null && page.last != null) issues.push({ path: 'last', message: 'cannot be combined with first' });
  if (page.first != null && page.first < 0) issues.push({ path: 'first', message: 'must be zero or more' });
  if (page.last != null && page.last < 0) issues.push({ path: 'last', message: 'must be zero or more' });
  if (issues.length > 0) throw new ValidationError(issues);

  const backward = page.last != null || (page.before != null && page.first == null);
  const limit = Math.min(MAX_PAGE_SIZE, (backward ? page.last : page.first) ?? DEFAULT_PAGE_SIZE);
  // Walking backward flips the comparison and the ordering; rows are reversed afterwards.
  const ascending = (order.direction === 'asc') !== backward;
  const cmp = ascending ? 'gt' : 'lt';
  const bounds: Where[] = [];
  for (const [arg, cursor] of [
    ['after', page.after],
    ['before', page.before],
  ] as const) {
    if (cursor == null) continue;
    const { value, id } = decodeCursor(order, cursor, arg);
    // `after` bounds in the walking direction; `before` bounds the other way.
    const op = (arg === 'after') !== backward ? cmp : cmp === 'gt' ? 'lt' : 'gt';
    // (field, id) beyond (value, id), said as a plain range on the field, which lets the database
    // seek the (…, field, id) index to the cursor, minus the cursor's ties that are not beyond it.
    // Not as `field < value OR (field = value AND id < id)`: neither database seeks with that OR,
    // and PostgreSQL, counting it as a second range beside the first, expects almost no rows
    // left and sorts a bitmap scan instead of walking the index (test/db/query-plan.test.ts).
    bounds.push({
      [order.field]: { [`${op}e`]: value },
      NOT: { [order.field]: value, id: { [op === 'lt' ? 'gte' : 'lte']: id } },
    });
  }
  const scoped = bounds.length > 0 ? { AND: [where, ...bounds] } : where;
  const dir = ascending ? 'asc' : 'desc';
  const rows = await source.findMany({ ...query, where: scoped, orderBy: [{ [order.field]: dir }, { id: dir }], take: limit + 1 });
  const more = rows.length > limit;
  const pageRows = rows.slice(0, limit);
  if (backward) pageRows.reverse();
  const edges = pageRows.map((node) => ({ cursor: encodeCursor(order, node), node }));
  return {
    edges,
    pageInfo: {
      hasNextPage: backward ? page.before != null : more,
      hasPreviousPage: backward ? more : page.after != null,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
    totalCount: () => source.count({ where }),
  };
}
