import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The database back ends Flowdeck runs on. */
export type Provider = 'sqlite' | 'postgres';

/** Every provider, in a fixed order (used by tools that write one file per provider). */
export const PROVIDERS: readonly Provider[] = ['sqlite', 'postgres'];

const prismaDir = fileURLToPath(new URL('../../prisma/', import.meta.url));

/** Path of the one source schema (models only). */
export const SOURCE_SCHEMA = `${prismaDir}models.prisma`;

/** Path of the derived, committed schema for a provider. */
export function derivedSchemaPath(provider: Provider): string {
  return `${prismaDir}${provider}/schema.prisma`;
}

// The datasource url is never used at run time (queries go through driver adapters), but
// Prisma 6 refuses a datasource without one, so it is a fixed placeholder.
const HEADERS: Record<Provider, string> = {
  sqlite: `generator client {
  provider            = "prisma-client"
  output              = "../../src/db/generated/sqlite"
  engineType          = "client"
  moduleFormat        = "esm"
  importFileExtension = "ts"
}

// Pothos types are provider-neutral; they are generated once, from the SQLite schema.
generator pothos {
  provider          = "prisma-pothos-types"
  clientOutput      = "./sqlite/client.ts"
  output            = "../../src/db/generated/pothos-types.ts"
  generateDatamodel = "true"
}

datasource db {
  provider = "sqlite"
  url      = "file:./unused.db"
}
`,
  postgres: `generator client {
  provider            = "prisma-client"
  output              = "../../src/db/generated/postgres"
  engineType          = "client"
  moduleFormat        = "esm"
  importFileExtension = "ts"
}

datasource db {
  provider = "postgresql"
  url      = "postgresql://unused@localhost/unused"
}
`,
};

/**
 * Renders the schema for one provider from the source models: the provider's generator and
 * datasource blocks followed by the models, unchanged.
 */
export function renderSchema(provider: Provider, models: string = readFileSync(SOURCE_SCHEMA, 'utf8')): string {
  return `// GENERATED from prisma/models.prisma by \`npm run db:schemas\`. Do not edit.\n\n${HEADERS[provider]}\n${models}`;
}
