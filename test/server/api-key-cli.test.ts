// `npm run api-key`: the first admin credential of a tenant when no identity provider issues
// tokens, created on the server's own database and then used over the API.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { CreateApiKeyDocument, CurrentWorkspaceDocument } from '../gql/graphql.ts';
import { createApp } from '../../src/server/app.ts';
import { loadConfig } from '../../src/server/config.ts';
import { scratchDatabase } from '../support/database.ts';
import { print } from 'graphql';

const run = promisify(execFile);

describe('npm run api-key', () => {
  it('prints an admin key of a new tenant that a server requiring credentials accepts', async () => {
    const database = await scratchDatabase();
    try {
      const env = { ...process.env, DATABASE_URL: database.url, NODE_ENV: 'test', LOG_LEVEL: 'silent' };
      const { stdout, stderr } = await run('node', ['--import', 'tsx', 'src/cli/api-key.ts', 'boot-co', 'bootstrap', 'admin'], { env });
      const secret = stdout.trim();
      expect(secret).toMatch(/^fdk_[\w-]{43}$/);
      expect(stderr).toContain('shown only now');
      expect(stderr).not.toContain(secret);

      const config = loadConfig({ NODE_ENV: 'production', AUTH_MODE: 'required', WORKER_CONCURRENCY: '0', DATABASE_URL: database.url });
      const app = await createApp(config, { logger: pino({ level: 'silent' }) });
      try {
        const ask = async (query: string, variables: object = {}) => {
          const response = await app.fetch(
            new Request('http://flowdeck.test/graphql', {
              method: 'POST',
              headers: { 'content-type': 'application/json', 'x-api-key': secret },
              body: JSON.stringify({ query, variables }),
            }),
          );
          return (await response.json()) as { data?: Record<string, Record<string, unknown>> };
        };
        expect((await ask(print(CurrentWorkspaceDocument))).data?.currentWorkspace?.slug).toBe('default');
        const next = await ask(print(CreateApiKeyDocument), { input: { name: 'second', role: 'EDITOR' } });
        expect(next.data?.createApiKey?.__typename).toBe('CreatedApiKey');
      } finally {
        await app.stop();
      }
    } finally {
      await database.drop();
    }
  });

  it('refuses bad arguments with its usage', async () => {
    await expect(run('node', ['--import', 'tsx', 'src/cli/api-key.ts', 'boot-co'], { env: process.env })).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining('usage: npm run api-key'),
    });
  });
});
