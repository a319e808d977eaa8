// The database server's version, for the machine line of a benchmark report.
import Database from 'better-sqlite3';
import pg from 'pg';
import { testProvider } from '../../support/database.ts';

/** "SQLite 3.x" or PostgreSQL's `server_version`. */
export async function databaseVersion(): Promise<string> {
  if (testProvider === 'sqlite') {
    const db = new Database(':memory:');
    const { v } = db.prepare('select sqlite_version() as v').get() as { v: string };
    db.close();
    return v;
  }
  const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await client.connect();
  const { rows } = await client.query<{ server_version: string }>('show server_version');
  await client.end();
  return rows[0]?.server_version ?? 'unknown';
}
