import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { parseDatabaseUrl } from '../../src/db/target.ts';

/** The back end the suite runs against: PostgreSQL when DATABASE_URL says so, else SQLite. */
export const testProvider: 'sqlite' | 'postgres' = /^postgres(ql)?:\/\//.test(process.env.DATABASE_URL ?? '') ? 'postgres' : 'sqlite';

/** A new, empty database for one test file, and how to throw it away. */
export interface ScratchDatabase {
  url: string;
  drop(): Promise<void>;
}

/**
 * Creates an empty database: a SQLite file in a temp folder, or a new database on the
 * PostgreSQL server named by DATABASE_URL. Migrations are applied by the app under test.
 */
export async function scratchDatabase(): Promise<ScratchDatabase> {
  if (testProvider === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'flowdeck-test-'));
    return { url: `file:${join(dir, 'flowdeck.db')}`, drop: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const base = process.env.DATABASE_URL as string;
  const target = parseDatabaseUrl(base);
  if ('error' in target) throw new Error(target.error);
  const name = `flowdeck_t_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const client = new pg.Client({ connectionString: base });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await client.end();
    },
  };
}
