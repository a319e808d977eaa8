// B2's two sides: the reads behind B1's lists done in-process through the project's Prisma
// client (connectDatabase, the findMany the domain's keyset pagination sends for a first page:
// same where, orderBy, take and, as the GraphQL layer asks for no relations, every scalar
// column), and the same reads through the raw driver, returning the same values Prisma
// returns (every scalar column, instants as Date, JSON parsed), from one prepared statement.
import Database from 'better-sqlite3';
import pg from 'pg';
import { connectDatabase } from '../../../src/db/database.ts';
import { listSource } from '../../../src/db/sql-reads.ts';
import { getDatamodel } from '../../../src/db/generated/pothos-types.ts';
import { parseDatabaseUrl } from '../../../src/db/target.ts';
import { DEFAULT_TENANT_ID, DEFAULT_WORKSPACE_ID } from '../../../src/domain/principal.ts';
import { PAGE_SIZE } from './list-queries.ts';

/** PostgreSQL's `timestamp` (without time zone) type. */
const TIMESTAMP_OID: number = pg.types.builtins.TIMESTAMP;

/** The two reads, as one side performs them. */
export interface ListReads {
  runs(): Promise<Record<string, unknown>[]>;
  workflows(): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

const scope = { tenantId: DEFAULT_TENANT_ID, workspaceId: DEFAULT_WORKSPACE_ID };
const newestFirst = [{ createdAt: 'desc' as const }, { id: 'desc' as const }];

/** The reads through Prisma, exactly as `paginate` issues them for `runs(first: 50)` / `workflows(first: 50)`. */
export async function prismaListReads(url: string): Promise<ListReads> {
  const target = parseDatabaseUrl(url);
  if ('error' in target) throw new Error(target.error);
  const db = await connectDatabase(target);
  return {
    runs: () => db.prisma.run.findMany({ where: scope, orderBy: newestFirst, take: PAGE_SIZE + 1 }),
    workflows: () => db.prisma.workflow.findMany({ where: { ...scope, deletedAt: null }, orderBy: newestFirst, take: PAGE_SIZE + 1 }),
    close: () => db.close(),
  };
}

/**
 * The same reads through the project's data layer as the lists now make them: the fast path of
 * src/db/sql-reads.ts (a prepared statement on the driver) with every scalar column selected.
 */
export async function appListReads(url: string): Promise<ListReads> {
  const target = parseDatabaseUrl(url);
  if ('error' in target) throw new Error(target.error);
  const db = await connectDatabase(target);
  const all = (model: 'Run' | 'Workflow') =>
    Object.fromEntries(
      (getDatamodel().datamodel.models[model]?.fields ?? []).filter((f) => f.kind === 'scalar').map((f) => [f.name, true]),
    );
  const runs = listSource(db.reader, db.models.get('Run'), db.prisma.run);
  const workflows = listSource(db.reader, db.models.get('Workflow'), db.prisma.workflow);
  return {
    runs: () => runs.findMany({ where: scope, orderBy: newestFirst, take: PAGE_SIZE + 1, select: all('Run') }),
    workflows: () =>
      workflows.findMany({ where: { ...scope, deletedAt: null }, orderBy: newestFirst, take: PAGE_SIZE + 1, select: all('Workflow') }),
    close: () => db.close(),
  };
}

/** A model's scalar columns and which of them need converting, from the generated datamodel. */
function columnsOf(model: 'Run' | 'Workflow') {
  const fields = getDatamodel().datamodel.models[model]?.fields.filter((f) => f.kind === 'scalar') ?? [];
  return {
    list: fields.map((f) => `"${f.name}"`).join(', '),
    dates: fields.filter((f) => f.type === 'DateTime').map((f) => f.name),
    json: fields.filter((f) => f.type === 'Json').map((f) => f.name),
  };
}

const sql = (model: 'Run' | 'Workflow', p: (n: number) => string) =>
  `SELECT ${columnsOf(model).list} FROM "${model}" WHERE "tenantId" = ${p(1)} AND "workspaceId" = ${p(2)}${
    model === 'Workflow' ? ' AND "deletedAt" IS NULL' : ''
  } ORDER BY "createdAt" DESC, "id" DESC LIMIT ${PAGE_SIZE + 1}`;

/** The reads through better-sqlite3 or pg, with one prepared statement each. */
export async function rawListReads(url: string): Promise<ListReads> {
  const target = parseDatabaseUrl(url);
  if ('error' in target) throw new Error(target.error);
  if (target.provider === 'sqlite') {
    const db = new Database(target.file, { timeout: 30_000 });
    // SQLite stores instants as ISO text and JSON as text: convert what Prisma would.
    const reader = (model: 'Run' | 'Workflow') => {
      const statement = db.prepare<[string, string], Record<string, unknown>>(sql(model, () => '?'));
      const { dates, json } = columnsOf(model);
      return async () =>
        statement.all(DEFAULT_TENANT_ID, DEFAULT_WORKSPACE_ID).map((row) => {
          for (const name of dates) if (row[name] !== null) row[name] = new Date(row[name] as string);
          for (const name of json) if (row[name] !== null) row[name] = JSON.parse(row[name] as string);
          return row;
        });
    };
    return { runs: reader('Run'), workflows: reader('Workflow'), close: async () => void db.close() };
  }
  // timestamp(3) columns hold UTC; jsonb arrives parsed (pg's default).
  const types = {
    getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
      oid === TIMESTAMP_OID
        ? (text: string) => new Date(`${text.replace(' ', 'T')}Z`)
        : pg.types.getTypeParser(oid, format ?? 'text')) as typeof pg.types.getTypeParser,
  };
  // As many connections as Prisma's pool gets from connectDatabase by default.
  const pool = new pg.Pool({ connectionString: target.url, max: 20, types });
  const reader = (model: 'Run' | 'Workflow') => {
    const query = { name: `raw-${model}-page`, text: sql(model, (n) => `$${n}`), values: [DEFAULT_TENANT_ID, DEFAULT_WORKSPACE_ID] };
    return async () => (await pool.query<Record<string, unknown>>(query)).rows;
  };
  return { runs: reader('Run'), workflows: reader('Workflow'), close: () => pool.end() };
}
