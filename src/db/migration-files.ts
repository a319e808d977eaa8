import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type Provider, renderSchema } from './schema-derivation.ts';

const run = promisify(execFile);
const prismaDir = fileURLToPath(new URL('../../prisma/', import.meta.url));

/** Folder holding a provider's committed migration SQL files, applied in name order. */
export function migrationsDir(provider: Provider): string {
  return join(prismaDir, 'migrations', provider);
}

/** The models as they stood when the newest migration was written. */
export const MODELS_SNAPSHOT = join(prismaDir, 'migrations', 'models.snapshot.prisma');

/** One committed migration. */
export interface MigrationFile {
  name: string;
  sql: string;
}

/** Lists a provider's migrations in the order they apply. */
export function readMigrations(provider: Provider): MigrationFile[] {
  const dir = migrationsDir(provider);
  return readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .sort()
    .map((f) => ({ name: f.replace(/\.sql$/, ''), sql: readFileSync(join(dir, f), 'utf8') }));
}

/**
 * The SQL that takes a provider's database from the models in `fromModels` (or from nothing)
 * to the models in `toModels`, computed offline by `prisma migrate diff`. Empty when they agree.
 */
export async function diffModels(provider: Provider, fromModels: string | null, toModels: string): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'flowdeck-diff-'));
  try {
    const to = join(dir, 'to.prisma');
    writeFileSync(to, renderSchema(provider, toModels));
    const fromArgs = ['--from-empty'];
    if (fromModels !== null) {
      const from = join(dir, 'from.prisma');
      writeFileSync(from, renderSchema(provider, fromModels));
      fromArgs.splice(0, 1, '--from-schema-datamodel', from);
    }
    const prismaBin = fileURLToPath(new URL('../../node_modules/prisma/build/index.js', import.meta.url));
    const { stdout } = await run(process.execPath, [prismaBin, 'migrate', 'diff', ...fromArgs, '--to-schema-datamodel', to, '--script'], {
      cwd: join(prismaDir, '..'),
      maxBuffer: 16 * 1024 * 1024,
    });
    // An empty diff prints only this comment.
    return stdout.replace(/^-- This is an empty migration\.\s*$/m, '').trim();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
