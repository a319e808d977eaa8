// Writes the built schema's SDL to codegen/schema.graphql (the input of the SDK codegen).
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { printSdl } from '../graphql/sdl.ts';

const path = fileURLToPath(new URL('../../codegen/schema.graphql', import.meta.url));
writeFileSync(path, printSdl());
console.log(`wrote ${path}`);
