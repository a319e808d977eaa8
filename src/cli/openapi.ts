// Writes the REST layer's OpenAPI 3.1 document to codegen/openapi.json (the same document the
// server serves at /openapi.json, built from the zod schemas that validate requests).
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { restOpenApi } from '../rest/app.ts';

const path = fileURLToPath(new URL('../../codegen/openapi.json', import.meta.url));
writeFileSync(path, `${JSON.stringify(restOpenApi(), null, 2)}\n`);
console.log(`wrote ${path}`);
