import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { diffModels, MODELS_SNAPSHOT, readMigrations } from '../../src/db/migration-files.ts';
import { derivedSchemaPath, PROVIDERS, renderSchema, SOURCE_SCHEMA } from '../../src/db/schema-derivation.ts';
import { testProvider } from '../support/database.ts';

const generated = (provider: string, file: string) => new URL(`../../src/db/generated/${provider}/${file}`, import.meta.url);

/** The schema text a generated client was built from, as embedded in the client itself. */
function embeddedSchema(provider: string): string {
  const source = readFileSync(generated(provider, 'internal/class.ts'), 'utf8');
  const literal = /"inlineSchema": ("(?:[^"\\]|\\.)*")/.exec(source)?.[1];
  if (!literal) throw new Error(`no inlineSchema in the ${provider} client`);
  return JSON.parse(literal) as string;
}

/** Runtime data model (models, fields, types) of a generated client. */
function runtimeModels(provider: string): unknown {
  const source = readFileSync(generated(provider, 'internal/class.ts'), 'utf8');
  const literal = /config\.runtimeDataModel = JSON\.parse\(("(?:[^"\\]|\\.)*")\)/.exec(source)?.[1];
  if (!literal) throw new Error(`no runtimeDataModel in the ${provider} client`);
  return (JSON.parse(JSON.parse(literal) as string) as { models: unknown }).models;
}

// Prisma re-aligns columns when it embeds a schema; only the tokens matter.
const tokens = (schema: string) => schema.replace(/\s+/g, ' ').trim();

// Files and `prisma migrate diff` over both providers' schemas, whichever database the suite
// runs on: CI's SQLite pass proves them, the PostgreSQL pass skips them.
describe.skipIf(testProvider === 'postgres')('one source schema, derived per provider', () => {
  it.each(PROVIDERS)('prisma/%s/schema.prisma is derived from prisma/models.prisma (run `npm run db:schemas`)', (provider) => {
    expect(readFileSync(derivedSchemaPath(provider), 'utf8')).toBe(renderSchema(provider));
  });

  it.each(PROVIDERS)('the generated %s client was generated from the committed derived schema', (provider) => {
    expect(tokens(embeddedSchema(provider))).toBe(tokens(readFileSync(derivedSchemaPath(provider), 'utf8')));
  });

  it('both generated clients have the same models, fields and types', () => {
    expect(runtimeModels('postgres')).toEqual(runtimeModels('sqlite'));
  });

  it.each(PROVIDERS)('the committed %s migrations produce the current models (run `npm run db:migration -- <name>`)', async (provider) => {
    const models = readFileSync(SOURCE_SCHEMA, 'utf8');
    expect(readFileSync(MODELS_SNAPSHOT, 'utf8')).toBe(models);
    expect(await diffModels(provider, readFileSync(MODELS_SNAPSHOT, 'utf8'), models)).toBe('');
  });

  it('both providers have the same migrations, in the same order', () => {
    const names = (p: (typeof PROVIDERS)[number]) => readMigrations(p).map((m) => m.name);
    expect(names('postgres')).toEqual(names('sqlite'));
    expect(names('sqlite')[0]).toBe('0001_init');
  });

  it('the run listings the seeds ask for are indexed on both providers', () => {
    for (const provider of PROVIDERS) {
      const sql = readMigrations(provider)
        .map((m) => m.sql)
        .join('\n');
      expect(sql).toMatch(/CREATE INDEX "[^"]+" ON "Run" ?\("tenantId", "workflowId", "createdAt" DESC, "id"\)/);
      expect(sql).toMatch(/CREATE INDEX "[^"]+" ON "Run" ?\("tenantId", "status", "createdAt" DESC, "id"\)/);
    }
  });
});
