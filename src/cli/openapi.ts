// Writes the REST layer's OpenAPI 3.1 document to codegen/openapi.json (the same document the
// server serves at /openapi.json, built from the zod schemas that validate requests), and the
// typed REST client's types generated from it to sdk/src/rest/openapi.ts (@flowdeck/sdk/rest).
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { restOpenApi } from '../rest/app.ts';
import { REST_CLIENT_TYPES_PATH, restClientTypes } from './rest-client-types.ts';

const root = new URL('../../', import.meta.url);
const document = restOpenApi();
const path = fileURLToPath(new URL('codegen/openapi.json', root));
writeFileSync(path, `${JSON.stringify(document, null, 2)}\n`);
console.log(`wrote ${path}`);
// From the JSON text, as a client regenerating from the served document would see it.
const types = fileURLToPath(new URL(REST_CLIENT_TYPES_PATH, root));
writeFileSync(types, await restClientTypes(JSON.parse(JSON.stringify(document)) as object));
console.log(`wrote ${types}`);
