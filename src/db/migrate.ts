import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Sqlite from 'better-sqlite3';
import pg from 'pg';
import { Umzug } from 'umzug';
import { readMigrations } from './migration-files.ts';
import type { DatabaseTarget } from './target.ts';

/** What a migration step needs: run a script, and read or record applied names. */
interface MigrationConnection {
  exec(sql: string): Promise<void>;
  appliedNames(): Promise<string[]>;
  record(name: string): Promise<void>;
}

const TABLE = '_flowdeck_migrations';
// Any fixed 64-bit number works; it only has to be the same in every Flowdeck process.
const PG_LOCK_KEY = '7335617105531400001';

/** Minimal logger shape, so the caller's pino instance (or console) can be passed. */
export interface MigrationLogger {
  info(obj: object, msg?: string): void;
}

/** Options for {@link migrateDatabase}. */
export interface MigrateOptions {
  /** Stop after this migration (tests use it to put data into an older schema). */
  to?: string;
}

/**
 * Applies every pending committed migration, all in one transaction, so a failure leaves the
 * database as it was. Safe when several processes start at once: SQLite takes its write lock
 * (BEGIN IMMEDIATE, waiting on busy_timeout), PostgreSQL a transaction-scoped advisory lock;
 * whoever comes second finds the migrations applied. Returns the names applied now.
 */
export async function migrateDatabase(target: DatabaseTarget, logger?: MigrationLogger, options: MigrateOptions = {}): Promise<string[]> {
  return target.provider === 'sqlite' ? migrateSqlite(target.file, options, logger) : migratePostgres(target.url, options, logger);
}

async function migrateSqlite(file: string, options: MigrateOptions, logger?: MigrationLogger): Promise<string[]> {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const db = new Sqlite(file, { timeout: 30_000 });
  try {
    db.pragma('journal_mode = WAL');
    // Prisma alters SQLite tables by rebuilding them (create new, copy, DROP old, rename). With
    // foreign keys on (better-sqlite3's default) that DROP would cascade-delete every child row,
    // and the pragma is ignored inside a transaction: so keys are off for the migration, and
    // integrity is checked before COMMIT instead.
    db.pragma('foreign_keys = OFF');
    db.exec('BEGIN IMMEDIATE');
    try {
      db.exec(`CREATE TABLE IF NOT EXISTS "${TABLE}" ("name" TEXT PRIMARY KEY, "appliedAt" TEXT NOT NULL)`);
      const connection: MigrationConnection = {
        exec: async (sql) => void db.exec(sql),
        appliedNames: async () => db.prepare(`SELECT "name" FROM "${TABLE}"`).pluck().all() as string[],
        record: async (name) =>
          void db.prepare(`INSERT INTO "${TABLE}" ("name", "appliedAt") VALUES (?, ?)`).run(name, new Date().toISOString()),
      };
      const applied = await runPending('sqlite', connection, options, logger);
      const dangling = db.pragma('foreign_key_check') as unknown[];
      if (dangling.length > 0) {
        throw new Error(
          `migration would leave ${dangling.length} rows with dangling foreign keys: ${JSON.stringify(dangling.slice(0, 5))}`,
        );
      }
      db.exec('COMMIT');
      return applied;
    } catch (error) {
      db.exec('ROLLBACK');
      throw error;
    }
  } finally {
    db.close();
  }
}

async function migratePostgres(url: string, options: MigrateOptions, logger?: MigrationLogger): Promise<string[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('BEGIN');
    try {
      await client.query('SELECT pg_advisory_xact_lock($1)', [PG_LOCK_KEY]);
      await client.query(`CREATE TABLE IF NOT EXISTS "${TABLE}" ("name" TEXT PRIMARY KEY, "appliedAt" TIMESTAMPTZ NOT NULL)`);
      const connection: MigrationConnection = {
        exec: async (sql) => void (await client.query(sql)),
        appliedNames: async () => (await client.query<{ name: string }>(`SELECT "name" FROM "${TABLE}"`)).rows.map((r) => r.name),
        record: async (name) => void (await client.query(`INSERT INTO "${TABLE}" ("name", "appliedAt") VALUES ($1, now())`, [name])),
      };
      const applied = await runPending('postgres', connection, options, logger);
      await client.query('COMMIT');
      return applied;
    } catch (error) {
      await client.query('ROLLBACK');
      throw error;
    }
  } finally {
    await client.end();
  }
}

async function runPending(
  provider: DatabaseTarget['provider'],
  conn: MigrationConnection,
  options: MigrateOptions,
  logger?: MigrationLogger,
): Promise<string[]> {
  const umzug = new Umzug({
    migrations: readMigrations(provider).map((m) => ({
      name: m.name,
      up: async () => {
        await conn.exec(m.sql);
        // Recorded inside the same transaction as the migration itself.
        await conn.record(m.name);
      },
    })),
    // Recording happens in `up`, so the storage only has to read.
    storage: { executed: () => conn.appliedNames(), logMigration: async () => {}, unlogMigration: async () => {} },
    logger: undefined,
  });
  const applied = await umzug.up(options.to ? { to: options.to } : {});
  if (applied.length > 0) logger?.info({ migrations: applied.map((m) => m.name) }, 'database migrated');
  return applied.map((m) => m.name);
}
