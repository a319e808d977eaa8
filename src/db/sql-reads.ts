// Fast reads for the hot list pages: the `findMany` calls lists make (plain columns, a filter of
// equalities, IN lists and ranges, an order and a LIMIT) compiled once per shape into SQL and
// run as a prepared statement straight on the driver. Prisma 6 compiles every query anew (its
// query compiler is no plan cache) and re-prepares every statement in its SQLite adapter; for
// a page of 50 rows that was most of a list request's cost (BENCHMARKS.md, B1/B2).
// Anything outside that subset (relations, OR, text modes) returns null and the caller uses
// Prisma as before, so the fast path can only ever be narrower than Prisma, never different.

import Database from 'better-sqlite3';
import pg from 'pg';

/** What a field of a model is, as Prisma's runtime data model says. */
interface FieldMeta {
  name: string;
  kind: string;
  type: string;
  dbName?: string | null;
}

/** One model's scalar fields by name, and its table. */
export interface ModelMeta {
  table: string;
  fields: ReadonlyMap<string, FieldMeta>;
}

/** A `findMany` as lists call it. */
export interface FindManyArgs {
  where: Record<string, unknown>;
  orderBy: Record<string, unknown>[];
  take: number;
  /** Rows to pass over first (the numbered pages of the REST dialects). */
  skip?: number;
  select: Record<string, unknown>;
}

/** A read-only statement runner on the driver itself, with its prepared statements kept. */
export interface SqlReader {
  readonly provider: 'sqlite' | 'postgres';
  /** Rows of `sql` (placeholders `?` on SQLite, `$n` on PostgreSQL) with `params` bound, as the driver decodes them. */
  all(sql: string, params: unknown[]): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

/** The models of a Prisma client's runtime data model (the generated client carries it). */
export function modelsOf(client: object): Map<string, ModelMeta> {
  const model = (client as { _runtimeDataModel?: { models?: Record<string, { dbName?: string | null; fields: FieldMeta[] }> } })
    ._runtimeDataModel;
  const models = new Map<string, ModelMeta>();
  for (const [name, m] of Object.entries(model?.models ?? {})) {
    const fields = new Map(m.fields.filter((f) => f.kind === 'scalar' || f.kind === 'enum').map((f) => [f.name, f]));
    models.set(name, { table: m.dbName ?? name, fields });
  }
  return models;
}

/** A Prisma `select` of every scalar column of `model`. */
export function scalarSelect(model: ModelMeta): Record<string, true> {
  return Object.fromEntries([...model.fields.keys()].map((name) => [name, true]));
}

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;
const OPERATORS: Record<string, string> = { gt: '>', gte: '>=', lt: '<', lte: '<=' };
const SUPPORTED_TYPES = new Set(['String', 'Int', 'Float', 'Boolean', 'DateTime', 'Json']);

/** A compiled `findMany`: the statement, its parameters, and how to turn its rows into Prisma's values. */
export interface CompiledRead {
  sql: string;
  params: unknown[];
  decode(row: Record<string, unknown>): Record<string, unknown>;
}

/**
 * Compiles `args` against `model` for `provider`, or returns null when they use anything the
 * fast path does not speak (the caller then asks Prisma).
 */
export function compileFindMany(model: ModelMeta, provider: 'sqlite' | 'postgres', args: FindManyArgs): CompiledRead | null {
  const compiled = compileWhere(model, provider, args.where);
  if (!compiled) return null;
  const { sql: whereSql, params, column } = compiled;
  const order: string[] = [];
  for (const item of args.orderBy) {
    const entries = Object.entries(item);
    const [name, direction] = entries[0] ?? [];
    const field = name ? column(name) : null;
    if (entries.length !== 1 || !field || (direction !== 'asc' && direction !== 'desc')) return null;
    order.push(`${quote(field.dbName ?? field.name)} ${direction.toUpperCase()}`);
  }
  const selected: FieldMeta[] = [];
  for (const [name, wanted] of Object.entries(args.select)) {
    if (wanted !== true) return null;
    const field = model.fields.get(name);
    if (!field || !SUPPORTED_TYPES.has(field.type)) return null;
    selected.push(field);
  }
  const skip = args.skip ?? 0;
  if (selected.length === 0 || !Number.isInteger(args.take) || args.take < 0 || !Number.isInteger(skip) || skip < 0) return null;
  const columns = selected.map((f) => (f.dbName ? `${quote(f.dbName)} AS ${quote(f.name)}` : quote(f.name)));
  const sql =
    `SELECT ${columns.join(', ')} FROM ${quote(model.table)} WHERE ${whereSql}` +
    (order.length > 0 ? ` ORDER BY ${order.join(', ')}` : '') +
    ` LIMIT ${args.take}` +
    (skip > 0 ? ` OFFSET ${skip}` : '');
  return { sql, params, decode: decoder(provider, selected) };
}

/** `SELECT COUNT(*)` of the rows `where` matches, or null when the fast path cannot say `where`. */
export function compileCount(model: ModelMeta, provider: 'sqlite' | 'postgres', where: Record<string, unknown>): CompiledRead | null {
  const compiled = compileWhere(model, provider, where);
  if (!compiled) return null;
  return {
    sql: `SELECT COUNT(*) AS "count" FROM ${quote(model.table)} WHERE ${compiled.sql}`,
    params: compiled.params,
    decode: (row) => ({ count: Number(row.count) }),
  };
}

/**
 * A Prisma `where` of the subset lists use, as SQL with its parameters; null for anything else.
 * Parameters are appended to `params` (a statement's earlier ones, which PostgreSQL's numbering
 * continues from).
 */
function compileWhere(
  model: ModelMeta,
  provider: 'sqlite' | 'postgres',
  filter: Record<string, unknown>,
  params: unknown[] = [],
): { sql: string; params: unknown[]; column: (name: string) => FieldMeta | null } | null {
  const placeholder = (field: FieldMeta, value: unknown): string | null => {
    const bound = bind(provider, field, value);
    if (bound === undefined) return null;
    params.push(bound);
    if (provider === 'sqlite') return '?';
    const cast = field.type === 'DateTime' ? '::timestamp(3)' : '';
    return `$${params.length}${cast}`;
  };
  const column = (name: string): FieldMeta | null => {
    const field = model.fields.get(name);
    return field && SUPPORTED_TYPES.has(field.type) && field.type !== 'Json' ? field : null;
  };
  // A condition on one field; null when it is not one the fast path speaks.
  const condition = (name: string, filter: unknown): string | null => {
    const field = column(name);
    if (!field) return null;
    const col = quote(field.dbName ?? field.name);
    if (filter === null) return `${col} IS NULL`;
    if (typeof filter !== 'object' || filter instanceof Date) {
      const p = placeholder(field, filter);
      return p && `${col} = ${p}`;
    }
    const parts: string[] = [];
    for (const [op, value] of Object.entries(filter as Record<string, unknown>)) {
      if (value === undefined) continue;
      if (op === 'in' || op === 'notIn') {
        if (!Array.isArray(value)) return null;
        if (value.length === 0) {
          parts.push(op === 'in' ? '1 = 0' : '1 = 1');
          continue;
        }
        const list: string[] = [];
        for (const v of value) {
          const p = placeholder(field, v);
          if (!p) return null;
          list.push(p);
        }
        parts.push(`${col} ${op === 'in' ? 'IN' : 'NOT IN'} (${list.join(', ')})`);
      } else if (op === 'equals' || op === 'not') {
        if (value === null) parts.push(`${col} IS ${op === 'not' ? 'NOT ' : ''}NULL`);
        else {
          if (typeof value === 'object' && !(value instanceof Date)) return null;
          const p = placeholder(field, value);
          if (!p) return null;
          // Prisma's `not: v` also matches NULL; `equals` never does.
          parts.push(op === 'equals' ? `${col} = ${p}` : `(${col} <> ${p} OR ${col} IS NULL)`);
        }
      } else if (OPERATORS[op]) {
        if (value === null) return null;
        const p = placeholder(field, value);
        if (!p) return null;
        parts.push(`${col} ${OPERATORS[op]} ${p}`);
      } else {
        return null;
      }
    }
    return parts.length === 0 ? '1 = 1' : parts.join(' AND ');
  };
  const where = (w: unknown): string | null => {
    if (typeof w !== 'object' || w === null || Array.isArray(w)) return null;
    const parts: string[] = [];
    for (const [key, value] of Object.entries(w as Record<string, unknown>)) {
      if (value === undefined) continue;
      if (key === 'AND' || key === 'NOT') {
        const list = Array.isArray(value) ? value : [value];
        const inner: string[] = [];
        for (const item of list) {
          const sql = where(item);
          if (sql === null) return null;
          inner.push(key === 'NOT' ? `NOT (${sql})` : `(${sql})`);
        }
        if (inner.length > 0) parts.push(inner.join(' AND '));
      } else {
        const sql = condition(key, value);
        if (sql === null) return null;
        parts.push(sql);
      }
    }
    return parts.length === 0 ? '1 = 1' : parts.join(' AND ');
  };

  const sql = where(filter);
  return sql === null ? null : { sql, params, column };
}

/** One page of a run search: matches of every word, in creation order, beyond the bounds. */
export interface SearchSeek {
  workspaceId: string;
  /** Words every match has; the page is read from the first one's matches. */
  terms: readonly string[];
  /** The runs' own filter (a `where` of the subset {@link compileFindMany} speaks). */
  runWhere: Record<string, unknown>;
  /** (createdAt, id) beyond (value, id), walking `op`. */
  bounds: readonly { op: 'gt' | 'lt'; value: unknown; id: string }[];
  direction: 'asc' | 'desc';
  take: number;
}

const DATE_FIELD: FieldMeta = { name: 'createdAt', kind: 'scalar', type: 'DateTime' };
const TEXT_FIELD: FieldMeta = { name: 'term', kind: 'scalar', type: 'String' };

/**
 * The ids of a page of a run search, read from the search words' key: the first word's matches
 * (workspaceId, term, createdAt, runId) from the cursor on, in creation order, each kept when
 * the other words are there for the same run (a lookup of that key each) and the run passes
 * `runWhere` (a lookup of the run by id). So a page costs its matches, never a scan of the
 * workspace's runs. Null when `runWhere` is not one the fast path speaks (the caller asks Prisma).
 */
export function compileSearchIds(
  terms: ModelMeta,
  runs: ModelMeta,
  provider: 'sqlite' | 'postgres',
  seek: SearchSeek,
): CompiledRead | null {
  const matches = compileMatches(terms, runs, provider, seek, true);
  if (!matches || !Number.isInteger(seek.take) || seek.take < 0) return null;
  const dir = seek.direction.toUpperCase();
  return {
    sql: `SELECT "runId" AS "id" FROM ${quote(terms.table)} WHERE ${matches.sql} ORDER BY "createdAt" ${dir}, "runId" ${dir} LIMIT ${seek.take}`,
    params: matches.params,
    decode: (row) => row,
  };
}

/** How many runs a search matches (no bounds), or null when `runWhere` is not one the fast path speaks. */
export function compileSearchCount(
  terms: ModelMeta,
  runs: ModelMeta,
  provider: 'sqlite' | 'postgres',
  seek: Omit<SearchSeek, 'bounds' | 'direction' | 'take'>,
): CompiledRead | null {
  const matches = compileMatches(terms, runs, provider, { ...seek, bounds: [], direction: 'asc', take: 0 }, false);
  if (!matches) return null;
  return {
    sql: `SELECT COUNT(*) AS "count" FROM ${quote(terms.table)} WHERE ${matches.sql}`,
    params: matches.params,
    decode: (row) => ({ count: Number(row.count) }),
  };
}

function compileMatches(
  terms: ModelMeta,
  runs: ModelMeta,
  provider: 'sqlite' | 'postgres',
  seek: SearchSeek,
  bounded: boolean,
): { sql: string; params: unknown[] } | null {
  const [first, ...others] = seek.terms;
  if (first === undefined) return null;
  const params: unknown[] = [];
  // PostgreSQL turns an EXISTS into a join it may drive from the other side (a hash of every run
  // with the filter's status, say), which reads far more than a page at a million runs; OFFSET 0
  // keeps each one a lookup per match (it stops the EXISTS from being pulled up into a join).
  const fence = provider === 'postgres' ? ' OFFSET 0' : '';
  const p = (field: FieldMeta, value: unknown): string | null => {
    const bound = bind(provider, field, value);
    if (bound === undefined) return null;
    params.push(bound);
    return provider === 'sqlite' ? '?' : `$${params.length}${field.type === 'DateTime' ? '::timestamp(3)' : ''}`;
  };
  const table = quote(terms.table);
  const parts = [`"workspaceId" = ${p(TEXT_FIELD, seek.workspaceId)}`, `"term" = ${p(TEXT_FIELD, first)}`];
  if (bounded) {
    for (const { op, value, id } of seek.bounds) {
      const [range, ties] = op === 'lt' ? ['<=', '>='] : ['>=', '<='];
      const at = p(DATE_FIELD, value);
      const same = p(DATE_FIELD, value);
      const runId = p(TEXT_FIELD, id);
      if (!at || !same || !runId) return null;
      parts.push(`"createdAt" ${range} ${at} AND NOT ("createdAt" = ${same} AND "runId" ${ties} ${runId})`);
    }
  }
  for (const [i, term] of others.entries()) {
    const alias = `"w${i + 1}"`;
    let sql = `EXISTS (SELECT 1 FROM ${table} AS ${alias} WHERE ${alias}."workspaceId" = ${table}."workspaceId" AND ${alias}."term" = ${p(TEXT_FIELD, term)}`;
    // The cursor's range again: a planner that merges the two words' keys (PostgreSQL) then
    // seeks both to the cursor instead of reading the other word's matches from the start.
    for (const { op, value } of bounded ? seek.bounds : []) {
      const at = p(DATE_FIELD, value);
      if (!at) return null;
      sql += ` AND ${alias}."createdAt" ${op === 'lt' ? '<=' : '>='} ${at}`;
    }
    parts.push(`${sql} AND ${alias}."createdAt" = ${table}."createdAt" AND ${alias}."runId" = ${table}."runId"${fence})`);
  }
  // Inside the subquery unqualified columns are the run's (the innermost table), as compileWhere writes them.
  const run = compileWhere(runs, provider, seek.runWhere, params);
  if (!run) return null;
  parts.push(`EXISTS (SELECT 1 FROM ${quote(runs.table)} WHERE ${quote(runs.table)}."id" = ${table}."runId" AND ${run.sql}${fence})`);
  return { sql: parts.join(' AND '), params };
}

/** A value as the driver binds it for `field`, the way Prisma's adapters write it; undefined when it cannot be. */
function bind(provider: 'sqlite' | 'postgres', field: FieldMeta, value: unknown): unknown {
  switch (field.type) {
    case 'DateTime': {
      const date = value instanceof Date ? value : typeof value === 'string' ? new Date(value) : null;
      if (!date || Number.isNaN(date.getTime())) return undefined;
      // SQLite holds instants as the adapter writes them: ISO text with "+00:00". PostgreSQL's
      // timestamp(3) columns hold UTC; the cast reads the ISO text as such.
      return provider === 'sqlite' ? date.toISOString().replace('Z', '+00:00') : date.toISOString();
    }
    case 'Boolean':
      if (typeof value !== 'boolean') return undefined;
      return provider === 'sqlite' ? (value ? 1 : 0) : value;
    case 'Int':
    case 'Float':
      return typeof value === 'number' ? value : undefined;
    case 'String':
      return typeof value === 'string' ? value : undefined;
    default:
      return undefined;
  }
}

/** Turns a driver row into what Prisma would have returned for the same columns. */
function decoder(provider: 'sqlite' | 'postgres', fields: readonly FieldMeta[]): (row: Record<string, unknown>) => Record<string, unknown> {
  const dates = fields.filter((f) => f.type === 'DateTime').map((f) => f.name);
  // pg parses jsonb itself; SQLite hands back the text.
  const json = provider === 'sqlite' ? fields.filter((f) => f.type === 'Json').map((f) => f.name) : [];
  const booleans = provider === 'sqlite' ? fields.filter((f) => f.type === 'Boolean').map((f) => f.name) : [];
  return (row) => {
    for (const name of dates) {
      const value = row[name];
      if (value !== null && value !== undefined) row[name] = new Date(value as string | number);
    }
    for (const name of json) {
      const value = row[name];
      if (typeof value === 'string') row[name] = JSON.parse(value);
    }
    for (const name of booleans) {
      const value = row[name];
      if (value !== null && value !== undefined) row[name] = value === 1 || value === 1n;
    }
    return row;
  };
}

/** How many prepared statements a reader keeps (lists have a few shapes each; filters add some). */
const STATEMENT_CACHE_SIZE = 256;

/**
 * A reader on its own SQLite connection to `file`. WAL mode lets it read beside the writer,
 * and each statement sees what was committed before it began, as Prisma's reads did. Null for
 * an in-memory database, which a second connection could not see.
 */
export function sqliteReader(file: string, onQuery?: (sql: string, params: string) => void): SqlReader | null {
  if (file === ':memory:') return null;
  const db = new Database(file, { timeout: 30_000 });
  const statements = new Map<string, Database.Statement>();
  return {
    provider: 'sqlite',
    all: async (sql, params) => {
      let statement = statements.get(sql);
      if (!statement) {
        if (statements.size >= STATEMENT_CACHE_SIZE) statements.delete(statements.keys().next().value as string);
        statement = db.prepare(sql);
        statements.set(sql, statement);
      }
      onQuery?.(sql, JSON.stringify(params));
      return statement.all(...params) as Record<string, unknown>[];
    },
    close: async () => void db.close(),
  };
}

/** PostgreSQL's `timestamp` (without time zone) type, which holds UTC here. */
const TIMESTAMP_OID: number = pg.types.builtins.TIMESTAMP;
const TYPES = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === TIMESTAMP_OID
      ? (text: string) => `${text.replace(' ', 'T')}Z`
      : pg.types.getTypeParser(oid, format ?? 'text')) as typeof pg.types.getTypeParser,
};

/**
 * A reader on `pool` (the one Prisma's adapter uses). Each statement is prepared once per
 * connection under a name derived from its text.
 */
export function postgresReader(pool: pg.Pool, onQuery?: (sql: string, params: string) => void): SqlReader {
  const names = new Map<string, string>();
  return {
    provider: 'postgres',
    all: async (sql, params) => {
      let name = names.get(sql);
      if (!name) {
        if (names.size >= STATEMENT_CACHE_SIZE) names.clear();
        // Text-derived, so a connection that prepared it before reuses it.
        name = `flowdeck_read_${hash(sql)}_${sql.length}`;
        names.set(sql, name);
      }
      onQuery?.(sql, JSON.stringify(params));
      return (await pool.query({ name, text: sql, values: params, types: TYPES })).rows as Record<string, unknown>[];
    },
    close: async () => {},
  };
}

/** A short stable hash of a statement's text, for its prepared name. */
function hash(text: string): string {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return (h >>> 0).toString(36);
}

/** A model's reads that try the fast path first (see {@link compileFindMany}) and fall back to `delegate`. */
export interface ListSource<T> {
  findMany(args: {
    where: Record<string, unknown>;
    orderBy: Record<string, unknown>[];
    take: number;
    skip?: number;
    select?: object;
    include?: object;
  }): Promise<T[]>;
  count(args: { where: Record<string, unknown> }): Promise<number>;
}

/**
 * `delegate` (a Prisma model delegate) with its `findMany` served by `reader` whenever the
 * arguments select plain columns the fast path speaks; everything else goes to Prisma.
 */
export function listSource<T>(
  reader: SqlReader | null,
  model: ModelMeta | undefined,
  delegate: { findMany(args: object): Promise<T[]>; count(args: object): Promise<number> },
): ListSource<T> {
  return {
    findMany: async (args) => {
      const compiled =
        reader && model && args.select && !args.include
          ? compileFindMany(model, reader.provider, { ...args, select: args.select as Record<string, unknown> })
          : null;
      if (!compiled || !reader) return delegate.findMany(args);
      const rows = await reader.all(compiled.sql, compiled.params);
      return rows.map((row) => compiled.decode(row)) as T[];
    },
    count: async (args) => {
      const compiled = reader && model ? compileCount(model, reader.provider, args.where) : null;
      if (!compiled || !reader) return delegate.count(args);
      const [row] = await reader.all(compiled.sql, compiled.params);
      return Number(row?.count ?? 0);
    },
  };
}
