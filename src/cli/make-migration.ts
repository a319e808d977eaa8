// Usage: npm run db:migration -- <name>
// Diffs prisma/models.prisma against the snapshot of the last migration and writes the SQL
// for every provider as prisma/migrations/<provider>/<NNNN>_<name>.sql, then updates the
// snapshot. Offline: `prisma migrate diff` needs no database.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { diffModels, MODELS_SNAPSHOT, migrationsDir, readMigrations } from '../db/migration-files.ts';
import { PROVIDERS, SOURCE_SCHEMA } from '../db/schema-derivation.ts';

const name = process.argv[2];
if (!name || !/^[a-z0-9_]+$/.test(name)) {
  console.error('usage: npm run db:migration -- <name in snake_case>');
  process.exit(2);
}
const models = readFileSync(SOURCE_SCHEMA, 'utf8');
const snapshot = existsSync(MODELS_SNAPSHOT) ? readFileSync(MODELS_SNAPSHOT, 'utf8') : null;
const sqlByProvider = await Promise.all(PROVIDERS.map((p) => diffModels(p, snapshot, models)));
if (sqlByProvider.every((sql) => sql === '')) {
  console.log('The schema matches the last migration; nothing to write.');
  process.exit(0);
}
const next = Math.max(0, ...PROVIDERS.flatMap((p) => readMigrations(p).map((m) => Number.parseInt(m.name, 10)))) + 1;
const file = `${String(next).padStart(4, '0')}_${name}.sql`;
PROVIDERS.forEach((provider, i) => {
  const path = join(migrationsDir(provider), file);
  writeFileSync(path, `${sqlByProvider[i]}\n`);
  console.log(`wrote ${path}`);
});
writeFileSync(MODELS_SNAPSHOT, models);
