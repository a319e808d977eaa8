// B1's baseline: a node:http server over the raw driver (better-sqlite3, or `pg` on PostgreSQL)
// that answers B1's two GraphQL requests with the bytes Flowdeck answers them with, and nothing
// else. It is what a careful hand-written endpoint would be: one prepared statement per list,
// with the filter, order and LIMIT (page + 1) Flowdeck's keyset pagination uses and only the
// columns the response shows; rows become the response through JSON.stringify, with Relay's
// global ids (base64 "Type:id"), Flowdeck's cursors (base64url JSON of the sort value and id)
// and ISO instants. Nothing is cached between requests. Started as a child process pinned to
// the server core (DATABASE_URL names the database); prints its port once listening.
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Database from 'better-sqlite3';
import pg from 'pg';
import { parseDatabaseUrl } from '../../../src/db/target.ts';
import { DEFAULT_TENANT_ID, DEFAULT_WORKSPACE_ID } from '../../../src/domain/principal.ts';
import { PAGE_SIZE, RUNS_QUERY, WORKFLOWS_QUERY } from './list-queries.ts';

/** PostgreSQL's `timestamp` (without time zone) type. */
const TIMESTAMP_OID: number = pg.types.builtins.TIMESTAMP;

interface RunRow {
  id: string;
  status: string;
  createdAt: string;
  inputs: unknown;
}

interface WorkflowRow {
  id: string;
  name: string;
  status: string;
  createdAt: string;
}

/** The two reads, rows normalised to ISO instants and parsed JSON. */
interface Source {
  runs(): Promise<RunRow[]>;
  workflows(): Promise<WorkflowRow[]>;
  close(): Promise<void>;
}

const RUNS_SQL = (p: (n: number) => string) =>
  `SELECT "id", "status", "createdAt", "inputs" FROM "Run" WHERE "tenantId" = ${p(1)} AND "workspaceId" = ${p(2)}
   ORDER BY "createdAt" DESC, "id" DESC LIMIT ${PAGE_SIZE + 1}`;
const WORKFLOWS_SQL = (p: (n: number) => string) =>
  `SELECT "id", "name", "status", "createdAt" FROM "Workflow" WHERE "tenantId" = ${p(1)} AND "workspaceId" = ${p(2)} AND "deletedAt" IS NULL
   ORDER BY "createdAt" DESC, "id" DESC LIMIT ${PAGE_SIZE + 1}`;

function sqliteSource(file: string): Source {
  const db = new Database(file, { timeout: 30_000 });
  const runs = db.prepare<[string, string], { id: string; status: string; createdAt: string; inputs: string }>(RUNS_SQL(() => '?'));
  const workflows = db.prepare<[string, string], WorkflowRow>(WORKFLOWS_SQL(() => '?'));
  // SQLite holds what Prisma wrote: instants as ISO text with "+00:00", JSON as text.
  const iso = (text: string) => new Date(text).toISOString();
  return {
    runs: async () =>
      runs.all(DEFAULT_TENANT_ID, DEFAULT_WORKSPACE_ID).map((r) => ({ ...r, createdAt: iso(r.createdAt), inputs: JSON.parse(r.inputs) })),
    workflows: async () => workflows.all(DEFAULT_TENANT_ID, DEFAULT_WORKSPACE_ID).map((w) => ({ ...w, createdAt: iso(w.createdAt) })),
    close: async () => void db.close(),
  };
}

function postgresSource(url: string): Source {
  // Columns are timestamp(3) without time zone holding UTC (as Prisma writes them); pg would
  // read them in the process's zone. jsonb arrives parsed (pg's default).
  const types = {
    getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
      oid === TIMESTAMP_OID
        ? (text: string) => new Date(`${text.replace(' ', 'T')}Z`).toISOString()
        : pg.types.getTypeParser(oid, format ?? 'text')) as typeof pg.types.getTypeParser,
  };
  const pool = new pg.Pool({ connectionString: url, max: 8, types });
  const params = [DEFAULT_TENANT_ID, DEFAULT_WORKSPACE_ID];
  const runs = { name: 'bare-runs-page', text: RUNS_SQL((n) => `$${n}`), values: params };
  const workflows = { name: 'bare-workflows-page', text: WORKFLOWS_SQL((n) => `$${n}`), values: params };
  return {
    runs: async () => (await pool.query<RunRow>(runs)).rows,
    workflows: async () => (await pool.query<WorkflowRow>(workflows)).rows,
    close: () => pool.end(),
  };
}

const globalId = (type: string, id: string) => Buffer.from(`${type}:${id}`).toString('base64');
const cursor = (createdAt: string, id: string) => Buffer.from(JSON.stringify({ f: 'createdAt', v: createdAt, id })).toString('base64url');

/** A Relay connection of the first PAGE_SIZE rows, from PAGE_SIZE + 1 read. */
function connection<R extends { id: string; createdAt: string }, N>(rows: R[], node: (row: R) => N) {
  const edges = rows.slice(0, PAGE_SIZE).map((row) => ({ cursor: cursor(row.createdAt, row.id), node: node(row) }));
  return { pageInfo: { hasNextPage: rows.length > PAGE_SIZE, endCursor: edges.at(-1)?.cursor ?? null }, edges };
}

const target = parseDatabaseUrl(process.env.DATABASE_URL ?? '');
if ('error' in target) throw new Error(`bare-lists: DATABASE_URL ${target.error}`);
const source = target.provider === 'sqlite' ? sqliteSource(target.file) : postgresSource(target.url);

const pages: Record<string, () => Promise<unknown>> = {
  [RUNS_QUERY]: async () => ({
    runs: connection(await source.runs(), (r) => ({
      id: globalId('Run', r.id),
      status: r.status,
      createdAt: r.createdAt,
      inputs: r.inputs,
    })),
  }),
  [WORKFLOWS_QUERY]: async () => ({
    workflows: connection(await source.workflows(), (w) => ({
      id: globalId('Workflow', w.id),
      name: w.name,
      status: w.status,
      createdAt: w.createdAt,
    })),
  }),
};

function send(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) }).end(body);
}

async function answer(body: string, res: ServerResponse): Promise<void> {
  const { query } = JSON.parse(body) as { query?: unknown };
  const page = typeof query === 'string' ? pages[query] : undefined;
  if (!page) return send(res, 400, '{"errors":[{"message":"bare-lists answers only B1\'s two queries"}]}');
  send(res, 200, JSON.stringify({ data: await page() }));
}

const server = createServer((req, res) => {
  if (req.method !== 'POST' || req.url !== '/graphql') return void res.writeHead(404).end();
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    answer(Buffer.concat(chunks).toString('utf8'), res).catch((error: unknown) =>
      send(res, 500, JSON.stringify({ errors: [{ message: String(error) }] })),
    );
  });
});
server.keepAliveTimeout = 5_000;
server.listen(0, '127.0.0.1', () => {
  console.log(JSON.stringify({ msg: 'bare-lists listening', port: (server.address() as AddressInfo).port }));
});
process.on('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
  void source.close().then(() => process.exit(0));
});
