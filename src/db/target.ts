import { resolve } from 'node:path';
import type { Provider } from './schema-derivation.ts';

/** Where the database lives, decoded once from DATABASE_URL. */
export type DatabaseTarget = { provider: 'sqlite'; file: string } | { provider: 'postgres'; url: string };

/** The embedded default: a SQLite file under ./data. */
export const DEFAULT_DATABASE_URL = 'file:./data/flowdeck.db';

/**
 * Decodes a DATABASE_URL: `postgres://` or `postgresql://` selects PostgreSQL; `file:PATH`,
 * `sqlite:PATH` or `:memory:` select SQLite. Returns an error message for anything else.
 */
export function parseDatabaseUrl(url: string): DatabaseTarget | { error: string } {
  if (/^postgres(ql)?:\/\//.test(url)) return { provider: 'postgres', url };
  if (url === ':memory:') return { provider: 'sqlite', file: ':memory:' };
  const m = /^(?:file|sqlite):(?:\/\/)?(.+)$/.exec(url);
  if (m?.[1]) return { provider: 'sqlite', file: resolve(m[1]) };
  return { error: 'must start with postgres://, postgresql://, file: or sqlite:' };
}

/** The provider of a target, for code that only needs to know which SQL dialect it speaks. */
export function providerOf(target: DatabaseTarget): Provider {
  return target.provider;
}
