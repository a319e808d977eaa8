import { PrismaBetterSQLite3 } from '@prisma/adapter-better-sqlite3';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaClient as PgPrismaClient } from './generated/postgres/client.ts';
import { PrismaClient } from './generated/sqlite/client.ts';
import { serializedSqlite } from './serialized-sqlite.ts';
import { type ModelMeta, modelsOf, postgresReader, type SqlReader, sqliteReader } from './sql-reads.ts';
import type { DatabaseTarget } from './target.ts';

/**
 * The Prisma client type the code is written against. Both providers' clients are generated
 * from the same models (a test proves it), so the PostgreSQL client is used through this type.
 */
export type Db = PrismaClient;

/** A connected database and what the rest of the code needs to know about it. */
export interface Database {
  prisma: Db;
  provider: DatabaseTarget['provider'];
  /**
   * Prepared, read-only statements straight on the driver, for the hot list pages
   * (src/db/sql-reads.ts); null where a second connection could not see the data (in-memory SQLite).
   */
  reader: SqlReader | null;
  /** The models' scalar columns, as the fast reads compile against them. */
  models: ReadonlyMap<string, ModelMeta>;
  close(): Promise<void>;
}

/** SQLite durability: FULL survives power loss, NORMAL only process crashes (WAL mode). */
export type SqliteSynchronous = 'FULL' | 'NORMAL';

/** Options for {@link connectDatabase}. */
export interface ConnectOptions {
  sqliteSynchronous?: SqliteSynchronous;
  /**
   * Receives every SQL statement Prisma sends, with its parameters as Prisma logs them (a JSON
   * array): used to count queries in tests and benchmarks, and to explain their plans.
   */
  onQuery?: (sql: string, params: string) => void;
  /** PostgreSQL connections in this process's pool (see config's defaultPoolSize). */
  poolSize?: number;
  /**
   * Told when the server drops a pooled connection the pool holds idle (a restart, an
   * administrator, a network cut, or a database dropped while the pool is ending). The pool
   * discards that connection and opens another when one is next needed, so it is only worth
   * logging; an unheard pool error would be an uncaught exception.
   */
  onIdleConnectionError?: (error: Error) => void;
}

/**
 * Interactive transactions on PostgreSQL. Prisma's defaults (wait 2 s for a connection, 5 s in
 * all) turn a busy pool or one large write into failed engine writes; the engine retries those,
 * but a limit it hits every time (a large outcome) would never succeed. READ COMMITTED is
 * stated, not assumed: every engine write is a compare-and-set that re-checks its condition on
 * the locked row, which is what that level guarantees. It is each connection's default
 * (PG_SESSION) rather than a transaction option, which would cost every transaction one more
 * statement (`SET TRANSACTION ISOLATION LEVEL`).
 */
const PG_TRANSACTIONS = { maxWait: 10_000, timeout: 30_000 } as const;
const PG_SESSION = '-c default_transaction_isolation=read\\ committed';

/** Opens the database through its Prisma driver adapter. Migrations are applied separately. */
export async function connectDatabase(target: DatabaseTarget, options: ConnectOptions = {}): Promise<Database> {
  const log = options.onQuery ? [{ emit: 'event' as const, level: 'query' as const }] : [];
  if (target.provider === 'postgres') {
    // One pool for Prisma and the fast reads, so the pool size is the process's connection budget.
    const pool = new pg.Pool({ connectionString: target.url, max: options.poolSize ?? 20, options: PG_SESSION });
    pool.on('error', (error) => options.onIdleConnectionError?.(error));
    const client = new PgPrismaClient({
      adapter: new PrismaPg(pool),
      log,
      transactionOptions: PG_TRANSACTIONS,
    });
    const prisma = client as unknown as Db;
    if (options.onQuery) {
      const onQuery = options.onQuery;
      client.$on('query' as never, (e: { query: string; params: string }) => onQuery(e.query, e.params));
    }
    await prisma.$connect();
    return {
      prisma,
      provider: 'postgres',
      reader: postgresReader(pool, options.onQuery),
      models: modelsOf(client),
      close: async () => {
        await prisma.$disconnect();
        // Prisma's adapter may have ended the pool already (it does when its connection failed).
        if (!pool.ended) await pool.end();
      },
    };
  }
  const prisma = new PrismaClient({
    adapter: serializedSqlite(new PrismaBetterSQLite3({ url: target.file, timeout: 30_000 })),
    log,
    // Transactions queue for the single connection, so allow them to wait longer than the default.
    transactionOptions: { maxWait: 15_000, timeout: 30_000 },
  });
  if (options.onQuery) {
    const onQuery = options.onQuery;
    prisma.$on('query' as never, (e: { query: string; params: string }) => onQuery(e.query, e.params));
  }
  await prisma.$connect();
  // WAL lets readers run beside the writer; `synchronous` must be set explicitly because
  // better-sqlite3 reports FULL after the switch regardless of the compile-time default.
  await prisma.$queryRawUnsafe('PRAGMA journal_mode = WAL');
  await prisma.$executeRawUnsafe(`PRAGMA synchronous = ${options.sqliteSynchronous ?? 'FULL'}`);
  await prisma.$executeRawUnsafe('PRAGMA foreign_keys = ON');
  // Opened after the switch to WAL, which it needs to read beside the writer.
  const reader = sqliteReader(target.file, options.onQuery);
  return {
    prisma,
    provider: 'sqlite',
    reader,
    models: modelsOf(prisma),
    close: async () => {
      await reader?.close();
      await prisma.$disconnect();
    },
  };
}
