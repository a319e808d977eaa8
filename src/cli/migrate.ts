// `npm run db:migrate`: applies pending migrations to DATABASE_URL (the server also does this
// at start-up; this is for deploy pipelines that migrate first).
import { migrateDatabase } from '../db/migrate.ts';
import { ConfigError, loadConfig } from '../server/config.ts';

try {
  const config = loadConfig();
  const applied = await migrateDatabase(config.database);
  console.log(applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date');
} catch (error) {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
}
