// Builds @flowdeck/sdk into sdk/dist: type-checks sdk/src and emits ESM JavaScript with .d.ts
// (sdk/tsconfig.json, TypeScript from the repository's node_modules; any type error fails the
// build and emits nothing), then copies the server's schema for apps' own codegen
// (`@flowdeck/sdk/schema.graphql`). Run by `npm run build:sdk` from the repository root.
// `--out-dir <dir>` builds elsewhere (the package test does, leaving sdk/dist to its users).
import { execFileSync } from 'node:child_process';
import { copyFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const here = fileURLToPath(new URL('.', import.meta.url));
const { values } = parseArgs({ options: { 'out-dir': { type: 'string' } } });
const dist = resolve(values['out-dir'] ?? resolve(here, 'dist'));
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

// A stale file from a removed source must not ship.
rmSync(dist, { recursive: true, force: true });
try {
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.json', '--outDir', dist], { cwd: here, stdio: 'inherit' });
} catch {
  console.error('@flowdeck/sdk: the build failed (type errors above)');
  process.exit(1);
}
copyFileSync(resolve(here, '../codegen/schema.graphql'), resolve(dist, 'schema.graphql'));
