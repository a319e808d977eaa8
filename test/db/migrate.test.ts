import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDatabase, type Database } from '../../src/db/database.ts';
import { readMigrations } from '../../src/db/migration-files.ts';
import { migrateDatabase } from '../../src/db/migrate.ts';
import { parseDatabaseUrl } from '../../src/db/target.ts';
import { DEFAULT_TENANT_ID, DEFAULT_WORKSPACE_ID } from '../../src/domain/principal.ts';
import { type ScratchDatabase, scratchDatabase, testProvider } from '../support/database.ts';

const run = promisify(execFile);
const tsx = new URL('../../node_modules/.bin/tsx', import.meta.url).pathname;
const migrateCli = new URL('../../src/cli/migrate.ts', import.meta.url).pathname;

let scratch: ScratchDatabase;
let db: Database | undefined;
beforeAll(async () => {
  scratch = await scratchDatabase();
});
afterAll(async () => {
  await db?.close();
  await scratch?.drop();
});

describe('migrations at start-up', () => {
  it('two processes migrating one fresh database at once both succeed, and each migration applies once', async () => {
    const env = { ...process.env, DATABASE_URL: scratch.url };
    const [a, b] = await Promise.all([run(tsx, [migrateCli], { env }), run(tsx, [migrateCli], { env })]);
    const outputs = [a.stdout, b.stdout].sort();
    // Exactly one of them applied everything; the other waited on the lock and found nothing to do.
    expect(outputs[0]).toContain('applied: 0001_init');
    expect(outputs[1]).toContain('database is up to date');

    const target = parseDatabaseUrl(scratch.url);
    if ('error' in target) throw new Error(target.error);
    db = await connectDatabase(target);
    const applied = await db.prisma.$queryRawUnsafe<{ name: string }[]>('SELECT "name" FROM "_flowdeck_migrations" ORDER BY "name"');
    expect(applied.map((r) => r.name)).toEqual(readMigrations(testProvider).map((m) => m.name));
  });

  it('leaves the default tenant and its default workspace', async () => {
    if (!db) throw new Error('previous test did not connect');
    expect(await db.prisma.tenant.findMany()).toMatchObject([{ id: DEFAULT_TENANT_ID, slug: 'default' }]);
    expect(await db.prisma.workspace.findMany()).toMatchObject([
      { id: DEFAULT_WORKSPACE_ID, tenantId: DEFAULT_TENANT_ID, slug: 'default' },
    ]);
  });

  it('running again is a no-op', async () => {
    const { stdout } = await run(tsx, [migrateCli], { env: { ...process.env, DATABASE_URL: scratch.url } });
    expect(stdout).toContain('database is up to date');
  });
});

describe('migrations that rebuild tables', () => {
  it('keep the rows of child tables (runs, steps and events survive 0003)', async () => {
    const fresh = await scratchDatabase();
    const target = parseDatabaseUrl(fresh.url);
    if ('error' in target) throw new Error(target.error);
    try {
      await migrateDatabase(target, undefined, { to: '0002_defaults_and_live_uniques' });
      const conn = await connectDatabase(target);
      try {
        const scope = { tenantId: DEFAULT_TENANT_ID, workspaceId: DEFAULT_WORKSPACE_ID };
        const workflow = await conn.prisma.workflow.create({ data: { ...scope, key: 'k', name: 'n' } });
        const version = await conn.prisma.workflowVersion.create({
          data: { ...scope, workflowId: workflow.id, version: 1, definition: {} },
        });
        // Raw SQL: the generated client already knows columns that 0003 adds.
        await conn.prisma.$executeRawUnsafe(
          `INSERT INTO "Run" ("id","tenantId","workspaceId","workflowId","workflowVersionId","status","inputs","triggeredBy","lastEventSeq","createdAt","updatedAt")
           VALUES ('r1', $1, $2, $3, $4, 'COMPLETED', '{}', 'API', 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)`.replace(
            /\$(\d)/g,
            testProvider === 'sqlite' ? '?' : '$$$1',
          ),
          scope.tenantId,
          scope.workspaceId,
          workflow.id,
          version.id,
        );
        await conn.prisma.$executeRawUnsafe(
          `INSERT INTO "StepRun" ("id","tenantId","workspaceId","runId","stepId","stepType","status","attempt","createdAt","updatedAt")
           VALUES ('s1', '${scope.tenantId}', '${scope.workspaceId}', 'r1', 'a', 'agent', 'COMPLETED', 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)`,
        );
        await conn.prisma.$executeRawUnsafe(
          `INSERT INTO "RunEvent" ("id","tenantId","workspaceId","runId","seq","type","payload","createdAt")
           VALUES ('e1', '${scope.tenantId}', '${scope.workspaceId}', 'r1', 1, 'run.created', '{}', CURRENT_TIMESTAMP)`,
        );
      } finally {
        await conn.close();
      }
      await migrateDatabase(target);
      const after = await connectDatabase(target);
      try {
        expect(await after.prisma.stepRun.count()).toBe(1);
        expect(await after.prisma.runEvent.count()).toBe(1);
        expect((await after.prisma.run.findUniqueOrThrow({ where: { id: 'r1' } })).status).toBe('COMPLETED');
      } finally {
        await after.close();
      }
    } finally {
      await fresh.drop();
    }
  });
});
