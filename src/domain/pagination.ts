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

/**
 * A sort order over one column, always tie-broken by id so every row has a unique position. A
 * nullable column ({@link NULLABLE_FIELDS}) sorts its nulls last in both directions, ordered
 * among themselves by id in the same direction.
 */
export interface KeysetOrder {
  field: 'name' | 'createdAt' | 'updatedAt' | 'version' | 'seq' | 'startedAt' | 'completedAt' | 'durationMs';
  direction: 'asc' | 'desc';
}

/** Sort columns that may be null (runs not yet started or finished). */
export const NULLABLE_FIELDS: ReadonlySet<KeysetOrder['field']> = new Set(['startedAt', 'completedAt', 'durationMs']);

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
  /** null: the row sits in the null part of a nullable column's order. */
  v: string | number | null;
  id: string;
}

/** The opaque cursor of `row`'s position in `order` (its sort value, null for none, and id), as pages hand it out. */
export function encodeCursor(order: KeysetOrder, row: Row): string {
  const value = row[order.field];
  const v = value instanceof Date ? value.toISOString() : ((value ?? null) as string | number | null);
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
    if (typeof f !== 'string' || typeof id !== 'string' || (typeof v !== 'string' && typeof v !== 'number' && v !== null)) return null;
    return { f, v, id };
  } catch {
    return null;
  }
}

function sortValue(field: KeysetOrder['field'], v: string | number | null): string | number | Date | null | undefined {
  if (v === null) return NULLABLE_FIELDS.has(field) ? null : undefined;
  switch (field) {
    case 'name':
      return typeof v === 'string' ? v : undefined;
    case 'version':
    case 'seq':
      return typeof v === 'number' && Number.isInteger(v) ? v : undefined;
    case 'durationMs':
      return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
    case 'createdAt':
    case 'updatedAt':
    case 'startedAt':
    case 'completedAt': {
      const date = typeof v === 'string' ? new Date(v) : null;
      return date && !Number.isNaN(date.getTime()) ? date : undefined;
    }
  }
}

/**
 * Checks a page request and says which way it walks and how many items it wants (a
 * ValidationError for first with last, or a negative size). Shared by every keyset list.
 */
export function pageWindow(page: PageArgs): { backward: boolean; limit: number } {
  const issues = [];
  if (page.first != null && page.last != null) issues.push({ path: 'last', message: 'cannot be combined with first' });
  if (page.first != null && page.first < 0) issues.push({ path: 'first', message: 'must be zero or more' });
  if (page.last != null && page.last < 0) issues.push({ path: 'last', message: 'must be zero or more' });
  if (issues.length > 0) throw new ValidationError(issues);
  const backward = page.last != null || (page.before != null && page.first == null);
  return { backward, limit: Math.min(MAX_PAGE_SIZE, (backward ? page.last : page.first) ?? DEFAULT_PAGE_SIZE) };
}

/** One side of a page's range: rows beyond (value, id) walking `op` ('gt' larger, 'lt' smaller). */
export interface KeysetBound {
  op: 'gt' | 'lt';
  /** The cursor's sort value; null for a cursor in the null part (the bound is then on id alone). */
  value: unknown;
  id: string;
}

/**
 * One read of a page: the rows of one part of the order (the non-null values, or for a nullable
 * column the null part), between the bounds, in `direction` (by the column then id, or by id
 * alone in the null part), at most `take` of them.
 */
export interface KeysetSeek {
  nulls: boolean;
  bounds: KeysetBound[];
  direction: 'asc' | 'desc';
  take: number;
}

/**
 * The Prisma `where` of a seek over `order.field` (the part's condition and the bounds). Each
 * bound is said as a plain range on the column, which lets the database seek the
 * (…, column, id) index to the cursor, minus the cursor's ties that are not beyond it. Not as
 * `column < value OR (column = value AND id < id)`: neither database seeks with that OR, and
 * PostgreSQL, counting it as a second range beside the first, expects almost no rows left and
 * sorts a bitmap scan instead of walking the index (test/db/query-plan.test.ts).
 */
export function keysetWhere(order: KeysetOrder, seek: KeysetSeek): Where[] {
  const field = order.field;
  if (seek.nulls) return [{ [field]: null }, ...seek.bounds.map((b) => ({ id: { [b.op]: b.id } }))];
  const part: Where[] = NULLABLE_FIELDS.has(field) && seek.bounds.length === 0 ? [{ [field]: { not: null } }] : [];
  return [
    ...part,
    ...seek.bounds.map(({ op, value, id }) => ({
      [field]: { [`${op}e`]: value },
      NOT: { [field]: value, id: { [op === 'lt' ? 'gte' : 'lte']: id } },
    })),
  ];
}

/** The Prisma `orderBy` of a seek: by the column then id, or by id alone in the null part. */
export function keysetOrderBy(order: KeysetOrder, seek: KeysetSeek): Where[] {
  return seek.nulls ? [{ id: seek.direction }] : [{ [order.field]: seek.direction }, { id: seek.direction }];
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
  return paginateBy(
    order,
    page,
    (seek) => {
      const bounds = keysetWhere(order, seek);
      const scoped = bounds.length > 0 ? { AND: [where, ...bounds] } : where;
      return source.findMany({ ...query, where: scoped, orderBy: keysetOrderBy(order, seek), take: seek.take });
    },
    () => source.count({ where }),
  );
}

/**
 * {@link paginate} over any reader of seeks: checks the page request, decodes its cursors,
 * reads the parts of the order the page spans (a nullable column's non-null part, then its
 * null part: a page crossing the boundary costs two reads, never more) and builds the page.
 * Nulls are kept apart by the reads themselves, never by the databases' NULL ordering, which
 * differs (SQLite sorts them first, PostgreSQL last).
 */
export async function paginateBy<T extends Row>(
  order: KeysetOrder,
  page: PageArgs,
  read: (seek: KeysetSeek) => Promise<T[]>,
  count: () => Promise<number>,
): Promise<Connection<T>> {
  const { backward, limit } = pageWindow(page);
  // Walking backward flips the comparison and the ordering; rows are reversed afterwards.
  const ascending = (order.direction === 'asc') !== backward;
  const cmp = ascending ? 'gt' : 'lt';
  const after = page.after != null ? decodeCursor(order, page.after, 'after') : null;
  const before = page.before != null ? decodeCursor(order, page.before, 'before') : null;
  // Parts in the order's own sequence: the non-null values (0), then the nulls (1).
  const partOf = (cursor: { value: unknown } | null, none: number) => (cursor ? (cursor.value === null ? 1 : 0) : none);
  const lastPart = NULLABLE_FIELDS.has(order.field) ? 1 : 0;
  const first = partOf(after, 0);
  const last = partOf(before, lastPart);
  const parts: number[] = [];
  for (let p = first; p <= last; p++) parts.push(p);
  if (backward) parts.reverse();
  const rows: T[] = [];
  for (const part of parts) {
    const bounds: KeysetBound[] = [];
    // `after` bounds in the walking direction when walking forward; `before` when walking backward.
    if (after && part === first) bounds.push({ op: backward ? flip(cmp) : cmp, value: after.value, id: after.id });
    if (before && part === last) bounds.push({ op: backward ? cmp : flip(cmp), value: before.value, id: before.id });
    rows.push(...(await read({ nulls: part === 1, bounds, direction: ascending ? 'asc' : 'desc', take: limit + 1 - rows.length })));
    if (rows.length > limit) break;
  }
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
    totalCount: count,
  };
}

const flip = (op: 'gt' | 'lt'): 'gt' | 'lt' => (op === 'gt' ? 'lt' : 'gt');
