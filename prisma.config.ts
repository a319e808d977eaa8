// Prisma CLI configuration. The CLI's native schema engine cannot be downloaded offline, so
// the CLI runs its JavaScript engine through a driver adapter. Only `prisma generate` and
// `prisma migrate diff` are used; neither touches a real database (an in-memory SQLite
// adapter serves both providers' diffs). Migrations are applied by the app itself
// (src/db/migrate.ts) at start-up.
import { PrismaBetterSQLite3 } from '@prisma/adapter-better-sqlite3';
import { defineConfig } from 'prisma/config';

export default defineConfig({
  schema: 'prisma/sqlite/schema.prisma',
  experimental: { adapter: true },
  engine: 'js',
  adapter: () => Promise.resolve(new PrismaBetterSQLite3({ url: ':memory:' })),
});
