// Fills a scratch database with a realistic history of runs, fast enough for a million of them:
// the list benchmarks (B1, B2, B5, B6) need a table the size the issue measured, and going
// through the API would take hours. Rows are written in the exact column formats Prisma writes
// (on SQLite: DateTime as ISO text with "+00:00", Json as JSON.stringify text), because the
// keyset predicates compare those texts, and a row in another format would sort or tie wrongly.
//
// Every run is derived from its index i (0 = newest) by the integer hashes below, the same
// formulas on both databases: five statuses (mostly COMPLETED), creation times spread evenly
// over SPAN_DAYS with about one run in nine sharing its exact millisecond with the next newer
// one (so the id tiebreak matters), start/completion times where the status implies them,
// small inputs, triggeredBy mostly API, and some conversationId/userId values. Unfinished runs
// have no runnableAt (they wait for a signal), so a server with workers leaves them alone.
import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import pg from 'pg';
import { migrateDatabase } from '../../../src/db/migrate.ts';
import { parseDatabaseUrl } from '../../../src/db/target.ts';
import { DEFAULT_TENANT_ID, DEFAULT_WORKSPACE_ID } from '../../../src/domain/principal.ts';

/** What {@link seedRuns} put in the database. */
export interface Seeded {
  /** The default tenant (AUTH_MODE=none acts as it). */
  tenantId: string;
  /** Its default workspace, which holds every seeded row. */
  workspaceId: string;
  /** Every seeded workflow, newest first; a few are INACTIVE or ARCHIVED and about 1% soft-deleted (DELETED). */
  workflowIds: string[];
  /** How many runs were inserted. */
  runs: number;
}

/** Runs are spread over this many days before the seeding instant. */
const SPAN_DAYS = 180;
const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
const TWO_32 = 4_294_967_296;
/** Rows per SQLite transaction: large enough that commits cost nothing, small enough to bound the WAL. */
const SQLITE_BATCH = 100_000;
/** Beyond this the hashes below would leave the range doubles hold exactly. */
const MAX_RUNS = 3_000_000;

// A canonical definition as the domain stores it (one no-op step, two declared inputs), and the
// shape it was posted in.
const DEFINITION = {
  steps: [{ id: 'only', type: 'transform', dependsOn: [], input: {}, expression: '1' }],
  inputs: [
    { name: 'customer', type: 'string', required: false },
    { name: 'n', type: 'number', required: false },
    { name: 'priority', type: 'string', required: false },
  ],
  outputs: {},
};
const SOURCE = {
  inputs: [
    { name: 'customer', type: 'string' },
    { name: 'n', type: 'number' },
    { name: 'priority', type: 'string' },
  ],
  steps: [{ id: 'only', type: 'transform', expression: '1' }],
};

/**
 * Migrates the empty database at `url` (the project's own migration code) and fills it with
 * `runs` runs spread over `workflows` workflows of the default tenant/workspace that an
 * AUTH_MODE=none server serves. The workspace is set to keep runs forever (retentionDays 0), so
 * a server's retention sweep does not delete the months of history while it is measured.
 * Statistics are refreshed (ANALYZE) before it returns.
 */
export async function seedRuns(
  url: string,
  provider: 'sqlite' | 'postgres',
  options: { runs: number; workflows: number },
): Promise<Seeded> {
  const target = parseDatabaseUrl(url);
  if ('error' in target) throw new Error(`seedRuns: DATABASE_URL ${target.error}`);
  if (target.provider !== provider) throw new Error(`seedRuns: ${url} is not a ${provider} database`);
  if (options.workflows < 1 || options.runs < 0 || options.runs > MAX_RUNS) {
    throw new Error(`seedRuns: need at least one workflow and 0 to ${MAX_RUNS} runs`);
  }
  await migrateDatabase(target);
  const plan = planWorkflows(options.workflows, Date.now() - 60_000);
  if (target.provider === 'sqlite') seedSqlite(target.file, plan, options.runs);
  else await seedPostgres(target.url, plan, options.runs);
  return {
    tenantId: DEFAULT_TENANT_ID,
    workspaceId: DEFAULT_WORKSPACE_ID,
    workflowIds: plan.workflows.map((w) => w.id),
    runs: options.runs,
  };
}

interface WorkflowRow {
  id: string;
  versionId: string;
  key: string;
  name: string;
  description: string | null;
  status: string;
  metadata: string;
  createdAt: number;
  deletedAt: number | null;
}

interface Plan {
  /** The newest run's creation instant (ms). */
  endMs: number;
  workflows: WorkflowRow[];
}

/**
 * Workflows, newest first, all created before the first run: a few inactive, archived or
 * soft-deleted (lists hide the deleted ones), about one in ten created in the same millisecond
 * as the next newer one.
 */
function planWorkflows(count: number, endMs: number): Plan {
  const oldestRun = endMs - SPAN_DAYS * DAY_MS;
  const workflows: WorkflowRow[] = [];
  for (let k = 0; k < count; k++) {
    const slot = k % 10 === 9 ? k - 1 : k;
    const deleted = k % 100 === 42;
    const createdAt = oldestRun - (slot + 1) * HOUR_MS;
    const label = String(k).padStart(4, '0');
    workflows.push({
      id: randomUUID(),
      versionId: randomUUID(),
      key: `bench-workflow-${label}`,
      name: `Bench workflow ${label}`,
      description: k % 3 === 0 ? `Benchmark workflow number ${k}` : null,
      status: deleted ? 'DELETED' : k % 50 === 7 ? 'INACTIVE' : k % 50 === 19 ? 'ARCHIVED' : 'ACTIVE',
      metadata: JSON.stringify({ team: `team-${k % 7}` }),
      createdAt,
      deletedAt: deleted ? createdAt + DAY_MS : null,
    });
  }
  return { endMs, workflows };
}

// The per-run formulas. JavaScript evaluates them for SQLite; runInsertSql() below spells the
// same ones in SQL for PostgreSQL. Products stay below 2^53 (for up to MAX_RUNS runs), so
// doubles compute them exactly.
const hashA = (i: number) => (i * 2_654_435_761) % TWO_32;
const hashB = (i: number) => (i * 2_246_822_519 + 374_761_393) % TWO_32;
const statusOf = (a: number) => {
  const p = a % 100;
  return p < 82 ? 'COMPLETED' : p < 92 ? 'FAILED' : p < 96 ? 'CANCELLED' : p < 98 ? 'RUNNING' : 'PENDING';
};
const LAST_SEQ: Record<string, number> = { COMPLETED: 5, FAILED: 5, CANCELLED: 3, RUNNING: 2, PENDING: 1 };

/** Prisma's SQLite text for a DateTime (the better-sqlite3 adapter's default "iso8601" format). */
const sqliteTime = (ms: number) => new Date(ms).toISOString().replace('Z', '+00:00');

function seedSqlite(file: string, plan: Plan, runs: number): void {
  const db = new Database(file);
  try {
    // Durability is irrelevant for a scratch database being filled; integrity holds by construction.
    db.pragma('synchronous = OFF');
    db.pragma('foreign_keys = OFF');
    db.pragma('cache_size = -262144');
    db.pragma('temp_store = MEMORY');
    // Building the run indexes once, after the rows, is several times faster than updating them
    // per row; they are recreated from their own DDL, so the schema is exactly what migrations made.
    const indexes = db
      .prepare(`SELECT "name", "sql" FROM sqlite_master WHERE "type" = 'index' AND "tbl_name" = 'Run' AND "sql" IS NOT NULL`)
      .all() as { name: string; sql: string }[];
    db.transaction(() => {
      for (const index of indexes) db.exec(`DROP INDEX "${index.name}"`);
      insertSqliteWorkflows(db, plan);
      db.prepare(`UPDATE "Workspace" SET "retentionDays" = 0 WHERE "id" = ?`).run(DEFAULT_WORKSPACE_ID);
    })();
    insertSqliteRuns(db, plan, runs);
    db.transaction(() => {
      for (const index of indexes) db.exec(index.sql);
    })();
    db.exec('ANALYZE');
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }
}

function insertSqliteWorkflows(db: Database.Database, plan: Plan): void {
  const workflow = db.prepare(
    `INSERT INTO "Workflow" ("id", "tenantId", "workspaceId", "key", "name", "description", "status", "currentVersion",
       "currentVersionId", "metadata", "createdAt", "updatedAt", "deletedAt")
     VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?)`,
  );
  const version = db.prepare(
    `INSERT INTO "WorkflowVersion" ("id", "tenantId", "workspaceId", "workflowId", "version", "definition", "sourceFormat", "source", "createdAt")
     VALUES (?, ?, ?, ?, 1, ?, 'canonical', ?, ?)`,
  );
  const definition = JSON.stringify(DEFINITION);
  const source = JSON.stringify(SOURCE);
  for (const w of plan.workflows) {
    const created = sqliteTime(w.createdAt);
    const updated = sqliteTime(w.deletedAt ?? w.createdAt);
    version.run(w.versionId, DEFAULT_TENANT_ID, DEFAULT_WORKSPACE_ID, w.id, definition, source, created);
    workflow.run(
      w.id,
      DEFAULT_TENANT_ID,
      DEFAULT_WORKSPACE_ID,
      w.key,
      w.name,
      w.description,
      w.status,
      w.versionId,
      w.metadata,
      created,
      updated,
      w.deletedAt === null ? null : sqliteTime(w.deletedAt),
    );
  }
}

function insertSqliteRuns(db: Database.Database, plan: Plan, runs: number): void {
  const insert = db.prepare(
    `INSERT INTO "Run" ("id", "tenantId", "workspaceId", "workflowId", "workflowVersionId", "status", "inputs", "outputs", "error",
       "triggeredBy", "triggeredByUser", "conversationId", "userId", "lastEventSeq", "version", "createdAt", "updatedAt",
       "startedAt", "completedAt", "cancelledAt", "cancelledBy", "cancelReason")
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const step = Math.max(1, Math.floor((SPAN_DAYS * DAY_MS) / Math.max(1, runs)));
  const wfCount = plan.workflows.length;
  const outputs = JSON.stringify({ only: 1 });
  const failed = JSON.stringify({ message: 'step "only" failed: transform failed: boom', stepId: 'only' });
  const batch = db.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const a = hashA(i);
      const b = hashB(i);
      const status = statusOf(a);
      const slot = i > 0 && b % 9 === 0 ? i - 1 : i;
      const created = plan.endMs - slot * step;
      const started = status === 'PENDING' || (status === 'CANCELLED' && b % 2 === 1) ? null : created + 5 + (Math.floor(b / 16) % 500);
      const finished = status === 'RUNNING' || status === 'PENDING' ? null : (started ?? created) + 50 + (Math.floor(a / 256) % 60_000);
      const w = plan.workflows[Math.floor(wfCount * (a / TWO_32) ** 2)]!;
      const reason = status === 'CANCELLED' && b % 3 === 0 ? 'superseded' : null;
      const trigger = Math.floor(b / 256) % 20 === 0 ? 'SCHEDULE' : 'API';
      insert.run(
        randomUUID(),
        DEFAULT_TENANT_ID,
        DEFAULT_WORKSPACE_ID,
        w.id,
        w.versionId,
        status,
        JSON.stringify({
          customer: `c-${b % 5000}`,
          n: i % 1000,
          priority: Math.floor(a / 65_536) % 4 === 0 ? 'high' : 'normal',
        }),
        status === 'COMPLETED' ? outputs : null,
        status === 'FAILED'
          ? failed
          : status === 'CANCELLED'
            ? JSON.stringify({ message: reason ? `Cancelled: ${reason}` : 'Cancelled' })
            : null,
        trigger,
        trigger === 'API' && Math.floor(b / 1024) % 5 === 0 ? `user-${Math.floor(b / 4096) % 200}` : null,
        Math.floor(a / 4096) % 10 < 3 ? `conv-${Math.floor(a / 65_536) % 20_000}` : null,
        Math.floor(a / 4096) % 10 < 4 ? `end-user-${Math.floor(b / 65_536) % 2000}` : null,
        LAST_SEQ[status]!,
        sqliteTime(created),
        sqliteTime(finished ?? started ?? created),
        started === null ? null : sqliteTime(started),
        finished === null ? null : sqliteTime(finished),
        status === 'CANCELLED' ? sqliteTime(finished!) : null,
        status === 'CANCELLED' ? 'system' : null,
        reason,
      );
    }
  });
  for (let from = 0; from < runs; from += SQLITE_BATCH) batch(from, Math.min(runs, from + SQLITE_BATCH));
}

async function seedPostgres(url: string, plan: Plan, runs: number): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('SET synchronous_commit = off');
    await client.query(`SET maintenance_work_mem = '256MB'`);
    // As on SQLite: indexes not backing a constraint are dropped and rebuilt from their own DDL.
    const { rows: indexes } = await client.query<{ name: string; def: string }>(
      `SELECT i.indexname AS name, i.indexdef AS def FROM pg_indexes i
        WHERE i.schemaname = current_schema() AND i.tablename = 'Run'
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = format('%I.%I', i.schemaname, i.indexname)::regclass)`,
    );
    // Foreign keys are checked by a trigger per row and key (four lookups a run); re-adding them
    // afterwards checks all rows in one join each, which is many times faster.
    const { rows: keys } = await client.query<{ name: string; def: string }>(
      `SELECT conname AS name, pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conrelid = '"Run"'::regclass AND contype = 'f'`,
    );
    await client.query('BEGIN');
    for (const index of indexes) await client.query(`DROP INDEX "${index.name}"`);
    for (const key of keys) await client.query(`ALTER TABLE "Run" DROP CONSTRAINT "${key.name}"`);
    // Workflow and version reference each other: workflows first, then versions, then the link.
    const column = <T>(pick: (w: WorkflowRow) => T) => plan.workflows.map(pick);
    const time = (ms: number | null) => (ms === null ? null : pgTime(new Date(ms)));
    await client.query(
      `INSERT INTO "Workflow" ("id", "tenantId", "workspaceId", "key", "name", "description", "status", "currentVersion",
         "metadata", "createdAt", "updatedAt", "deletedAt")
       SELECT id, $6, $7, key, name, description, status, 1, metadata::jsonb, created, updated, deleted
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $8::text[], $9::timestamp(3)[],
                   $10::timestamp(3)[], $11::timestamp(3)[]) AS w(id, key, name, description, status, metadata, created, updated, deleted)`,
      [
        column((w) => w.id),
        column((w) => w.key),
        column((w) => w.name),
        column((w) => w.description),
        column((w) => w.status),
        DEFAULT_TENANT_ID,
        DEFAULT_WORKSPACE_ID,
        column((w) => w.metadata),
        column((w) => time(w.createdAt)),
        column((w) => time(w.deletedAt ?? w.createdAt)),
        column((w) => time(w.deletedAt)),
      ],
    );
    await client.query(
      `INSERT INTO "WorkflowVersion" ("id", "tenantId", "workspaceId", "workflowId", "version", "definition", "sourceFormat", "source", "createdAt")
       SELECT v.id, $3, $4, v.workflow, 1, $5::jsonb, 'canonical', $6::jsonb, w."createdAt"
       FROM unnest($1::text[], $2::text[]) AS v(id, workflow) JOIN "Workflow" w ON w."id" = v.workflow`,
      [
        column((w) => w.versionId),
        column((w) => w.id),
        DEFAULT_TENANT_ID,
        DEFAULT_WORKSPACE_ID,
        JSON.stringify(DEFINITION),
        JSON.stringify(SOURCE),
      ],
    );
    await client.query(`UPDATE "Workflow" w SET "currentVersionId" = v."id" FROM "WorkflowVersion" v WHERE v."workflowId" = w."id"`);
    await client.query(`UPDATE "Workspace" SET "retentionDays" = 0 WHERE "id" = $1`, [DEFAULT_WORKSPACE_ID]);
    if (runs > 0) {
      const step = Math.max(1, Math.floor((SPAN_DAYS * DAY_MS) / runs));
      await client.query(runInsertSql(), [
        runs,
        pgTime(new Date(plan.endMs)),
        step,
        plan.workflows.map((w) => w.id),
        plan.workflows.map((w) => w.versionId),
        DEFAULT_TENANT_ID,
        DEFAULT_WORKSPACE_ID,
      ]);
    }
    for (const index of indexes) await client.query(index.def);
    for (const key of keys) await client.query(`ALTER TABLE "Run" ADD CONSTRAINT "${key.name}" ${key.def}`);
    await client.query('COMMIT');
    // VACUUM as well as ANALYZE: it sets hint bits and the visibility map, so the first reads
    // measured are not the ones that write them (autovacuum would do the same soon after).
    await client.query('VACUUM (ANALYZE)');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    await client.end();
  }
}

/** A timestamp(3) literal in UTC, as Prisma's PostgreSQL adapter writes a Date. */
const pgTime = (date: Date) => date.toISOString().replace('T', ' ').replace('Z', '');

/**
 * One INSERT … SELECT over generate_series computing every run from its index with the formulas
 * above ($1 runs, $2 newest instant, $3 ms between runs, $4/$5 workflow and version ids, $6/$7
 * tenant and workspace).
 */
function runInsertSql(): string {
  const ms = (expr: string) => `($2::timestamp(3) - (${expr}) * interval '1 millisecond')`;
  return `
    INSERT INTO "Run" ("id", "tenantId", "workspaceId", "workflowId", "workflowVersionId", "status", "inputs", "outputs", "error",
      "triggeredBy", "triggeredByUser", "conversationId", "userId", "lastEventSeq", "version", "createdAt", "updatedAt",
      "startedAt", "completedAt", "cancelledAt", "cancelledBy", "cancelReason")
    SELECT gen_random_uuid()::text, $6, $7, ($4::text[])[w], ($5::text[])[w], status,
      jsonb_build_object('customer', 'c-' || (b % 5000), 'n', i % 1000, 'priority', CASE WHEN (a / 65536) % 4 = 0 THEN 'high' ELSE 'normal' END),
      CASE WHEN status = 'COMPLETED' THEN '{"only": 1}'::jsonb END,
      CASE status WHEN 'FAILED' THEN jsonb_build_object('message', 'step "only" failed: transform failed: boom', 'stepId', 'only')
                  WHEN 'CANCELLED' THEN jsonb_build_object('message', CASE WHEN b % 3 = 0 THEN 'Cancelled: superseded' ELSE 'Cancelled' END) END,
      trigger,
      CASE WHEN trigger = 'API' AND (b / 1024) % 5 = 0 THEN 'user-' || ((b / 4096) % 200) END,
      CASE WHEN (a / 4096) % 10 < 3 THEN 'conv-' || ((a / 65536) % 20000) END,
      CASE WHEN (a / 4096) % 10 < 4 THEN 'end-user-' || ((b / 65536) % 2000) END,
      CASE status WHEN 'COMPLETED' THEN 5 WHEN 'FAILED' THEN 5 WHEN 'CANCELLED' THEN 3 WHEN 'RUNNING' THEN 2 ELSE 1 END,
      0, created, COALESCE(finished, started, created), started, finished,
      CASE WHEN status = 'CANCELLED' THEN finished END,
      CASE WHEN status = 'CANCELLED' THEN 'system' END,
      CASE WHEN status = 'CANCELLED' AND b % 3 = 0 THEN 'superseded' END
    FROM (
      SELECT *, CASE WHEN status IN ('RUNNING', 'PENDING') THEN NULL
                     ELSE COALESCE(started, created) + (50 + (a / 256) % 60000) * interval '1 millisecond' END AS finished
      FROM (
        SELECT *, CASE WHEN status = 'PENDING' OR (status = 'CANCELLED' AND b % 2 = 1) THEN NULL
                       ELSE created + (5 + (b / 16) % 500) * interval '1 millisecond' END AS started
        FROM (
          SELECT i, a, b, ${ms('CASE WHEN i > 0 AND b % 9 = 0 THEN i - 1 ELSE i END * $3::bigint')} AS created,
            CASE WHEN a % 100 < 82 THEN 'COMPLETED' WHEN a % 100 < 92 THEN 'FAILED' WHEN a % 100 < 96 THEN 'CANCELLED'
                 WHEN a % 100 < 98 THEN 'RUNNING' ELSE 'PENDING' END AS status,
            CASE WHEN (b / 256) % 20 = 0 THEN 'SCHEDULE' ELSE 'API' END AS trigger,
            1 + floor(cardinality($4::text[]) * power(a::float8 / ${TWO_32}, 2))::int AS w
          FROM (
            SELECT i, (i * 2654435761) % ${TWO_32} AS a, (i * 2246822519 + 374761393) % ${TWO_32} AS b
            FROM generate_series(0::bigint, $1::bigint - 1) AS i
          ) hashes
        ) base
      ) with_start
    ) with_finish`;
}
