// Writes prisma/<provider>/schema.prisma from prisma/models.prisma for every provider.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { derivedSchemaPath, PROVIDERS, renderSchema } from '../db/schema-derivation.ts';

for (const provider of PROVIDERS) {
  const path = derivedSchemaPath(provider);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, renderSchema(provider));
  console.log(`wrote ${path}`);
}
