// Reading the plans of the statements the app actually sends: a log of them (SQL and
// parameters, from the database wrapper's query hook), their plans on SQLite (EXPLAIN QUERY
// PLAN) and PostgreSQL (EXPLAIN (FORMAT JSON), parameters bound), and the one property the
// plan tests care about: the page query seeks an index to the cursor's bound.
import Database from 'better-sqlite3';
import pg from 'pg';
import { testProvider } from './database.ts';

/** One statement as the app sent it. */
export interface Statement {
  sql: string;
  params: unknown[];
}

/** A log of statements to hand to startTestApp's `onQuery`. */
export function statementLog() {
  const list: Statement[] = [];
  return {
    list,
    onQuery: (sql: string, params: string) => {
      list.push({ sql, params: parseParams(params) });
    },
    clear: () => {
      list.length = 0;
    },
  };
}

function parseParams(params: string): unknown[] {
  try {
    const parsed: unknown = JSON.parse(params);
    return Array.isArray(parsed) ? parsed : [];
  } catch {
    return [];
  }
}

const quoted = (name: string) => `[\`"]${name}[\`"]`;

/** The page queries among `statements`: ordered SELECTs from `table` with a LIMIT (Prisma's or hand-written). */
export function pageQueries(statements: readonly Statement[], table: string): Statement[] {
  const from = new RegExp(`\\bFROM\\s+(${quoted('(main|public)')}\\.)?${quoted(table)}`);
  return statements.filter((s) => /^\s*(WITH|SELECT)\b/i.test(s.sql) && from.test(s.sql) && /\bORDER BY\b[^]*\bLIMIT\b/i.test(s.sql));
}

/** What a plan says about one statement: readable text, and why it is not a seek (null when it is). */
export interface SeekVerdict {
  plan: string;
  problem: string | null;
}

/** The seek a page query must make: `table` read through an index bounding `column` on `side` (the cursor's). */
export interface Seek {
  table: string;
  column: string;
  /** `<` when the page walks toward smaller values (an upper bound), `>` toward larger ones. */
  side: '<' | '>';
  /**
   * The cursor is near the far end of the list. Every read of the table must still be bounded by
   * it, but the few rows left beyond it may be sorted (a planner's fair choice there); near the
   * start of a list a sort would order nearly all of it, so the index must give the order.
   */
  deep?: boolean;
}

/**
 * Explains `statement` and checks that it reads the table only through index searches whose
 * condition bounds the column on the cursor's side (a seek to the cursor, not a walk from the
 * start of the list), and, unless `deep`, in index order (no sort of the rows read; a sort
 * within ties of all keys but the last is fine).
 */
export async function checkSeek(databaseUrl: string, statement: Statement, seek: Seek): Promise<SeekVerdict> {
  return testProvider === 'sqlite' ? sqliteSeek(databaseUrl, statement, seek) : postgresSeek(databaseUrl, statement, seek);
}

/** SQLite's EXPLAIN QUERY PLAN lines for `statement`, its placeholders bound to the values the app sent. */
export function sqlitePlan(databaseUrl: string, statement: Statement): string[] {
  const file = new URL(databaseUrl.replace(/^(file|sqlite):/, 'file:')).pathname;
  const db = new Database(file, { readonly: true });
  try {
    const sql = statement.sql.replaceAll('`', '"');
    const count = (sql.match(/\?/g) ?? []).length;
    const values = Array.from({ length: count }, (_, i) => sqliteValue(statement.params[i]));
    const rows = db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...values) as { detail: string }[];
    return rows.map((r) => r.detail);
  } finally {
    db.close();
  }
}

function sqliteSeek(databaseUrl: string, statement: Statement, { table, column, side, deep }: Seek): SeekVerdict {
  const lines = sqlitePlan(databaseUrl, statement);
  const reads = lines.filter((line) => new RegExp(`^(SEARCH|SCAN) (main\\.)?${table}\\b`).test(line));
  const search = new RegExp(`^SEARCH (main\\.)?${table} USING (COVERING )?INDEX \\S+ \\((.*)\\)$`);
  // SQLite writes both < and <= as `column<?` (and > and >= as `column>?`).
  const bounded = (line: string) => new RegExp(`\\b${column}${side}\\?`).test(search.exec(line)?.[3] ?? '');
  const problem =
    reads.length === 0
      ? `no read of ${table}`
      : !reads.every(bounded)
        ? `a read of ${table} not bounded by the cursor (no index search with ${column}${side}?)`
        : !deep && sortsRows(lines)
          ? 'a sort of the rows read (no index gives the order)'
          : null;
  return { plan: lines.join('\n'), problem };
}

function sqliteValue(value: unknown): unknown {
  if (value === undefined || typeof value === 'boolean') return value === undefined ? null : Number(value);
  return value;
}

interface PgNode {
  'Node Type': string;
  'Sort Key'?: string[];
  'Presorted Key'?: string[];
  'Relation Name'?: string;
  'Index Name'?: string;
  'Index Cond'?: string;
  Filter?: string;
  Plans?: PgNode[];
}

/** PostgreSQL's plan for `statement` with its parameters bound (a custom plan, as the app's statements get). */
export async function postgresPlan(databaseUrl: string, statement: Statement): Promise<PgNode> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    // A small table may rightly be read whole; the question is whether an index *can* seek.
    await client.query('SET enable_seqscan = off');
    const { rows } = await client.query<{ 'QUERY PLAN': [{ Plan: PgNode }] }>(
      `EXPLAIN (FORMAT JSON) ${statement.sql}`,
      statement.params.map((p) => (p === null || typeof p !== 'object' ? p : JSON.stringify(p))),
    );
    return rows[0]!['QUERY PLAN'][0].Plan;
  } finally {
    await client.end();
  }
}

async function postgresSeek(databaseUrl: string, statement: Statement, { table, column, side, deep }: Seek): Promise<SeekVerdict> {
  const nodes = flatten(await postgresPlan(databaseUrl, statement));
  // `"col" <= …`, or a row comparison led by the column, `ROW("col", id) < ROW(…)`.
  const bound = new RegExp(`("?${column}"?|ROW\\("?${column}"?,[^)]*\\)) ${side}=? `);
  const indexBounded = (node: PgNode) => bound.test(node['Index Cond'] ?? '');
  // A bitmap heap scan reads what all its bitmap index scans find (an AND reads each in full).
  const bitmapScans = (node: PgNode): PgNode[] =>
    node['Node Type'] === 'Bitmap Index Scan' ? [node] : (node.Plans ?? []).flatMap(bitmapScans);
  const boundedRead = (node: PgNode) =>
    /^Index (Only )?Scan$/.test(node['Node Type'])
      ? indexBounded(node)
      : node['Node Type'] === 'Bitmap Heap Scan' && bitmapScans(node).every(indexBounded);
  // A lookup keyed by a row of another read (`"runId" = "RunSearchTerm"."runId"`: an EXISTS checked
  // per match) reads a handful of rows whatever the depth; it is not a walk of the list.
  const correlated = (node: PgNode) =>
    /^Index (Only )?Scan$/.test(node['Node Type']) && /= "?\w+"?\."?\w+"?\)/.test(node['Index Cond'] ?? '');
  const reads = nodes.filter(({ node }) => node['Relation Name'] === table && !correlated(node));
  const problem =
    reads.length === 0
      ? `no read of ${table}`
      : !reads.every(({ node }) => boundedRead(node))
        ? `a read of ${table} not bounded by the cursor (no index condition with ${column} ${side})`
        : !deep && reads.some(({ node, sorted }) => sorted || !/^Index (Only )?Scan$/.test(node['Node Type']))
          ? 'a sort of the rows read (the index does not give the order)'
          : null;
  return { plan: nodes.map(({ node }) => describePgNode(node)).join('\n'), problem };
}

// A sort within ties of all but the last sort key (the id that makes the order total) costs
// nothing worth the name; any other sort orders rows the index did not.
function sortsRows(sqliteLines: string[]): boolean {
  return sqliteLines.some((line) => line.startsWith('USE TEMP B-TREE FOR') && line !== 'USE TEMP B-TREE FOR LAST TERM OF ORDER BY');
}

function sortsPg(node: PgNode): boolean {
  if (node['Node Type'] === 'Sort') return true;
  return node['Node Type'] === 'Incremental Sort' && (node['Sort Key']?.length ?? 0) - (node['Presorted Key']?.length ?? 0) > 1;
}

/** Every node of a plan, each with whether a sort (of more than ties of the last key) sits above it. */
function flatten(root: PgNode): { node: PgNode; sorted: boolean }[] {
  const nodes: { node: PgNode; sorted: boolean }[] = [];
  const walk = (node: PgNode, sorted: boolean) => {
    nodes.push({ node, sorted });
    for (const child of node.Plans ?? []) walk(child, sorted || sortsPg(node));
  };
  walk(root, false);
  return nodes;
}

function describePgNode(node: PgNode): string {
  const parts = [node['Node Type']];
  if (node['Relation Name']) parts.push(`on ${node['Relation Name']}`);
  if (node['Index Name']) parts.push(`using ${node['Index Name']}`);
  if (node['Index Cond']) parts.push(`Index Cond: ${node['Index Cond']}`);
  if (node['Sort Key'])
    parts.push(`by ${node['Sort Key'].join(', ')}${node['Presorted Key'] ? ` (presorted ${node['Presorted Key'].join(', ')})` : ''}`);
  if (node.Filter) parts.push(`Filter: ${node.Filter}`);
  return parts.join(' ');
}

/** An SQL expression for each database; `t` is the template row, `n.i` the copy's number (1…count). */
export interface Expr {
  sqlite: string;
  postgres: string;
}

/** A timestamp column of the template row moved `seconds` (an SQL expression in n.i) into the past. */
export function earlier(column: string, seconds: string): Expr {
  return {
    sqlite: `strftime('%Y-%m-%dT%H:%M:%f+00:00', t."${column}", '-' || (${seconds}) || ' seconds')`,
    postgres: `t."${column}" - (${seconds}) * interval '1 second'`,
  };
}

/** The same SQL on both databases. */
export const both = (sql: string): Expr => ({ sqlite: sql, postgres: sql });

/**
 * Copies the row `templateId` of `table` `count` times straight in the database (the plan tests'
 * volume; the API made the template), with a fresh id and the columns in `overrides` computed.
 */
export async function cloneRows(
  databaseUrl: string,
  table: string,
  templateId: string,
  count: number,
  overrides: Record<string, Expr>,
): Promise<void> {
  if (testProvider === 'sqlite') {
    const db = new Database(new URL(databaseUrl.replace(/^(file|sqlite):/, 'file:')).pathname);
    try {
      const columns = (db.prepare(`PRAGMA table_info("${table}")`).all() as { name: string }[]).map((c) => c.name);
      const values: Record<string, string> = { id: `lower(hex(randomblob(16)))`, ...mapValues(overrides, (e) => e.sqlite) };
      const select = columns.map((c) => values[c] ?? `t."${c}"`).join(', ');
      db.prepare(
        `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${count}) ` +
          `INSERT INTO "${table}" (${columns.map((c) => `"${c}"`).join(', ')}) SELECT ${select} FROM "${table}" AS t, n WHERE t.id = ?`,
      ).run(templateId);
    } finally {
      db.close();
    }
    return;
  }
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ column_name: string }>(
      `SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1 ORDER BY ordinal_position`,
      [table],
    );
    const columns = rows.map((r) => r.column_name);
    const values: Record<string, string> = { id: `gen_random_uuid()::text`, ...mapValues(overrides, (e) => e.postgres) };
    const select = columns.map((c) => values[c] ?? `t."${c}"`).join(', ');
    await client.query(
      `INSERT INTO "${table}" (${columns.map((c) => `"${c}"`).join(', ')}) SELECT ${select} FROM "${table}" AS t, generate_series(1, ${count}) AS n(i) WHERE t.id = $1`,
      [templateId],
    );
  } finally {
    await client.end();
  }
}

/** Runs one statement straight in the database (`?` placeholders on both). */
export async function execute(databaseUrl: string, sql: string, params: unknown[] = []): Promise<void> {
  if (testProvider === 'sqlite') {
    const db = new Database(new URL(databaseUrl.replace(/^(file|sqlite):/, 'file:')).pathname);
    try {
      db.prepare(sql).run(...params);
    } finally {
      db.close();
    }
    return;
  }
  let n = 0;
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(
      sql.replace(/\?/g, () => `$${++n}`),
      params,
    );
  } finally {
    await client.end();
  }
}

/** Rows of one query run straight in the database (`?` placeholders on both). */
export async function selectRows<T = Record<string, unknown>>(databaseUrl: string, sql: string, params: unknown[] = []): Promise<T[]> {
  if (testProvider === 'sqlite') {
    const db = new Database(new URL(databaseUrl.replace(/^(file|sqlite):/, 'file:')).pathname, { readonly: true });
    try {
      return db.prepare(sql).all(...params) as T[];
    } finally {
      db.close();
    }
  }
  let n = 0;
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return (
      await client.query(
        sql.replace(/\?/g, () => `$${++n}`),
        params,
      )
    ).rows as T[];
  } finally {
    await client.end();
  }
}

/** An instant as this database's DateTime columns hold it (for writes straight in the database). */
export function storedInstant(at: Date): string {
  return testProvider === 'sqlite' ? at.toISOString().replace('Z', '+00:00') : at.toISOString();
}

/** Refreshes the planner's statistics (PostgreSQL; SQLite's plans are made without them, as in production). */
export async function analyze(databaseUrl: string): Promise<void> {
  if (testProvider === 'postgres') await execute(databaseUrl, 'ANALYZE');
}

function mapValues(record: Record<string, Expr>, pick: (e: Expr) => string): Record<string, string> {
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, pick(v)]));
}

/**
 * Explains `statement` and checks that it reads `table` through an index that gives its order:
 * no full scan of the table and no sort of the rows read (a sort within ties of all keys but the
 * last is fine), unless `sortsAllowed` (a filter that pins a unique key leaves a row or two to
 * sort). What a numbered page (OFFSET) can promise: it still walks the rows it skips.
 */
export async function checkOrdered(databaseUrl: string, statement: Statement, table: string, sortsAllowed = false): Promise<SeekVerdict> {
  if (testProvider === 'sqlite') {
    const lines = sqlitePlan(databaseUrl, statement);
    const reads = lines.filter((line) => new RegExp(`^(SEARCH|SCAN) (main\\.)?${table}\\b`).test(line));
    const problem = reads.some((line) => !/ USING (COVERING )?INDEX /.test(line))
      ? `a full scan of ${table}`
      : reads.length === 0
        ? `no read of ${table}`
        : !sortsAllowed && sortsRows(lines)
          ? 'a sort of the rows read (no index gives the order)'
          : null;
    return { plan: lines.join('\n'), problem };
  }
  const nodes = flatten(await postgresPlan(databaseUrl, statement));
  const reads = nodes.filter(({ node }) => node['Relation Name'] === table);
  const problem =
    reads.length === 0
      ? `no read of ${table}`
      : reads.some(({ node }) => !/^Index (Only )?Scan$/.test(node['Node Type']))
        ? `${table} is not read in index order`
        : !sortsAllowed && reads.some(({ sorted }) => sorted)
          ? 'a sort above the index scan (the index does not give the order)'
          : null;
  return { plan: nodes.map(({ node }) => describePgNode(node)).join('\n'), problem };
}
