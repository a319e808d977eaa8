// Agent credentials at rest, end to end: registered through GraphQL and REST they are stored only
// sealed (read from the raw row), the engine and health checks still authenticate with them, keys
// rotate (`npm run secrets:rotate`), legacy plaintext is sealed at start-up, and a secret that
// cannot be opened fails clearly without leaking. Servers are restarted on one database here.
import { spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Writable } from 'node:stream';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
import pino, { type Logger } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CheckAgentHealthDocument, CreateAgentDocument, UpdateAgentDocument } from '../gql/graphql.ts';
import { AgentSecretsUnreadableError, rotateAgentSecrets } from '../../src/db/agent-secrets.ts';
import { generateSecretsKey, keyIdOf, SECRET_LOG_PATHS, SecretsKeyMissingError } from '../../src/db/secrets.ts';
import { parseDatabaseUrl } from '../../src/db/target.ts';
import { createApp } from '../../src/server/app.ts';
import { loadConfig } from '../../src/server/config.ts';
import { startHttpAgent, type TestAgent } from '../support/agents.ts';
import { serveOnLoopback, type TestApp } from '../support/app.ts';
import { type ScratchDatabase, scratchDatabase, testProvider } from '../support/database.ts';
import { dbId, expectMember, flows } from '../support/flows.ts';
import { restClient } from '../support/rest.ts';
import { waitForRun } from '../support/runs.ts';

const KEY_A = `ka:${generateSecretsKey()}`;
const KEY_B = `kb:${generateSecretsKey()}`;
const KEY_C = `kc:${generateSecretsKey()}`;
const TOKEN = 'tok-5d81c0ffee42';
const cleanups: (() => Promise<void>)[] = [];
let agent: TestAgent;
let calls = 0;

beforeAll(async () => {
  agent = await startHttpAgent(() => ({ ok: true }));
  cleanups.push(() => agent.close());
});
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

/** A scratch database dropped after the file. */
async function database(): Promise<ScratchDatabase> {
  const db = await scratchDatabase();
  cleanups.push(() => db.drop());
  return db;
}

/** A server over an existing database (so tests can restart one); `close` leaves the database. */
async function boot(url: string, env: Record<string, string> = {}, logger: Logger = pino({ level: 'silent' })): Promise<TestApp> {
  const config = loadConfig({ NODE_ENV: 'test', PORT: '0', RATE_LIMIT_PER_MINUTE: '0', WORKER_POLL_MS: '50', ...env, DATABASE_URL: url });
  const app = await createApp(config, { logger });
  const loopback = serveOnLoopback((request) => app.fetch(request));
  let stopped = false;
  const close = async () => {
    if (stopped) return;
    stopped = true;
    await loopback.close();
    await app.stop();
  };
  cleanups.push(close);
  async function gql<T, V>(document: TypedDocumentNode<T, V>, variables?: V) {
    const response = await app.fetch(
      new Request('http://flowdeck.test/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: print(document), variables: variables ?? {} }),
      }),
    );
    const body = (await response.json()) as { data?: T | null; errors?: { message: string }[] };
    return { status: response.status, data: body.data, errors: body.errors };
  }
  return {
    app,
    databaseUrl: url,
    gql,
    async ok(document, variables) {
      const result = await gql(document, variables);
      if (result.errors?.length || !result.data) throw new Error(`GraphQL errors: ${JSON.stringify(result.errors ?? result)}`);
      return result.data;
    },
    loopbackUrl: loopback.url,
    close,
  };
}

/** The agent's row as stored, and everything in the Agent table as text. */
async function rawAgent(t: TestApp, name: string) {
  const row = await t.app.resources.db.prisma.agent.findFirstOrThrow({ where: { name } });
  const table = await t.app.resources.db.prisma.$queryRawUnsafe<unknown[]>('SELECT * FROM "Agent"');
  return { row, table: JSON.stringify(table) };
}

/** Runs a one-step workflow calling `agentName`; returns the run and the headers the agent saw. */
async function callThrough(t: TestApp, agentName: string) {
  const f = flows(t);
  const before = agent.calls.length;
  const wf = await f.workflow(`call-${++calls}`, { steps: [{ id: 'a', type: 'agent', agent: agentName, input: {} }] });
  const run = await waitForRun(t, (await f.execute(wf.id)).id);
  const events = JSON.stringify(await f.events(run.id));
  return { run, events, headers: agent.calls.slice(before).map((c) => c.headers) };
}

/** Registers an agent through GraphQL, returning its name and database id. */
async function register(t: TestApp, name: string, auth: { authType: 'BEARER' | 'APIKEY'; authConfig: Record<string, string> }) {
  const created = expectMember(
    (await t.ok(CreateAgentDocument, { input: { name, url: agent.url, timeoutMs: 2000, ...auth } })).createAgent,
    'Agent',
  );
  return { name, id: dbId(created.id), globalId: created.id };
}

describe('secrets at rest', () => {
  let t: TestApp;
  let logs = '';
  beforeAll(async () => {
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        logs += chunk.toString();
        done();
      },
    });
    // As verbose as logging goes, with the app's own redaction.
    const logger = pino({ level: 'trace', redact: { paths: [...SECRET_LOG_PATHS], censor: '[redacted]' } }, sink);
    t = await boot((await database()).url, { SECRETS_KEY: KEY_A }, logger);
  });

  it('stores a GraphQL-registered token only sealed, and the engine still sends it', async () => {
    const { name } = await register(t, 'sealed-bearer', { authType: 'BEARER', authConfig: { token: TOKEN } });
    const { row, table } = await rawAgent(t, name);
    expect(row.authConfig).toBeNull();
    expect(keyIdOf(row.authSecret as string)).toBe('ka');
    expect(table).not.toContain(TOKEN);

    const { run, events, headers } = await callThrough(t, name);
    expect(run.status).toBe('COMPLETED');
    expect(headers).toEqual([expect.objectContaining({ authorization: `Bearer ${TOKEN}` })]);
    expect(events).not.toContain(TOKEN);
    expect(events).not.toContain(row.authSecret);
    expect(logs).not.toContain(TOKEN);
  });

  it('seals REST v1 auth_config the same way (an API key with its own header)', async () => {
    const rest = restClient(t);
    const created = await rest.post('/api/v1/agents', {
      name: 'sealed-apikey',
      url: agent.url,
      auth_type: 'apikey',
      auth_config: { key: TOKEN, header: 'X-Billing-Key' },
    });
    expect(created.status, created.text).toBe(201);
    expect(created.text).not.toContain(TOKEN);
    const { row, table } = await rawAgent(t, 'sealed-apikey');
    expect(row.authConfig).toBeNull();
    expect(table).not.toContain(TOKEN);
    const { headers } = await callThrough(t, 'sealed-apikey');
    expect(headers[0]?.['x-billing-key']).toBe(TOKEN);
  });

  it('keeps the secret on unrelated updates, replaces it with a new one, and drops it for NONE', async () => {
    const { name, globalId } = await register(t, 'updated', { authType: 'BEARER', authConfig: { token: TOKEN } });
    const sealed = (await rawAgent(t, name)).row.authSecret;
    await t.ok(UpdateAgentDocument, { id: globalId, input: { description: 'renamed' } });
    expect((await rawAgent(t, name)).row.authSecret).toBe(sealed);

    await t.ok(UpdateAgentDocument, { id: globalId, input: { authConfig: { token: `${TOKEN}-2` } } });
    const replaced = await rawAgent(t, name);
    expect(replaced.row.authSecret).not.toBe(sealed);
    expect(replaced.table).not.toContain(`${TOKEN}-2`);
    expect((await callThrough(t, name)).headers[0]?.authorization).toBe(`Bearer ${TOKEN}-2`);

    const cleared = expectMember((await t.ok(UpdateAgentDocument, { id: globalId, input: { authType: 'NONE' } })).updateAgent, 'Agent');
    expect(cleared.hasCredentials).toBe(false);
    expect((await rawAgent(t, name)).row).toMatchObject({ authSecret: null, authConfig: null });
  });

  it('fails a call with a tampered or transplanted secret, naming the key id but never the secret', async () => {
    const donor = await register(t, 'donor', { authType: 'BEARER', authConfig: { token: TOKEN } });
    const tampered = await register(t, 'tampered', { authType: 'BEARER', authConfig: { token: 'other' } });
    const prisma = t.app.resources.db.prisma;
    const stolen = (await rawAgent(t, donor.name)).row.authSecret as string;
    // Another agent's envelope, copied as is: it is bound to the donor's id.
    await prisma.agent.update({ where: { id: tampered.id }, data: { authSecret: stolen } });
    const before = agent.calls.length;
    const { run, events } = await callThrough(t, tampered.name);
    expect(agent.calls.length).toBe(before);
    expect(run.status).toBe('FAILED');
    expect(events).toContain('key id \\"ka\\" failed authentication');
    expect(events).not.toContain(TOKEN);

    const health = (await t.ok(CheckAgentHealthDocument, { id: tampered.globalId })).checkAgentHealth;
    expect(expectMember(health, 'AgentHealth')).toMatchObject({ healthy: false, error: expect.stringContaining('failed authentication') });
  });
});

describe('key rotation', () => {
  it('re-seals every secret under the new key while the old one still opens; then the old key can go', async () => {
    const db = await database();
    const first = await boot(db.url, { SECRETS_KEY: KEY_A });
    const bearer = await register(first, 'rotating-1', { authType: 'BEARER', authConfig: { token: TOKEN } });
    await register(first, 'rotating-2', { authType: 'APIKEY', authConfig: { key: `${TOKEN}-k` } });
    await first.close();

    // Deploy with the new key first; new secrets are sealed with it, old ones still open.
    const both = await boot(db.url, { SECRETS_KEY: `${KEY_B},${KEY_A}` });
    const prisma = both.app.resources.db.prisma;
    const pass = await rotateAgentSecrets(prisma, both.app.resources.secrets, 1);
    expect(pass).toEqual({ scanned: 2, sealedLegacy: 0, rotated: 2, current: 0, skipped: 0, unreadable: [] });
    expect(await rotateAgentSecrets(prisma, both.app.resources.secrets)).toMatchObject({ scanned: 2, rotated: 0, current: 2 });
    expect((await rawAgent(both, bearer.name)).row.authSecret).toMatch(/^v1\.kb\./);
    expect((await callThrough(both, bearer.name)).headers[0]?.authorization).toBe(`Bearer ${TOKEN}`);
    await both.close();

    const newOnly = await boot(db.url, { SECRETS_KEY: KEY_B });
    expect((await callThrough(newOnly, bearer.name)).headers[0]?.authorization).toBe(`Bearer ${TOKEN}`);
    await newOnly.close();

    // A server whose keys cannot open what is stored refuses to start, naming the key id.
    const refused = await boot(db.url, { SECRETS_KEY: KEY_A }).catch((error: unknown) => error as Error);
    expect(refused).toBeInstanceOf(AgentSecretsUnreadableError);
    expect((refused as Error).message).toContain('2 agent secret(s) under key id "kb"');
    expect((refused as Error).message).not.toContain(TOKEN);
  });

  it('npm run secrets:rotate re-seals and prints counts, never secrets', async () => {
    const db = await database();
    const before = await boot(db.url, { SECRETS_KEY: KEY_B });
    const { name } = await register(before, 'cli-rotated', { authType: 'BEARER', authConfig: { token: TOKEN } });
    await before.close();

    const entry = new URL('../../src/cli/secrets-rotate.ts', import.meta.url).pathname;
    const child = spawn(process.execPath, ['--import', 'tsx', entry], {
      env: { ...process.env, NODE_ENV: 'test', DATABASE_URL: db.url, SECRETS_KEY: `${KEY_C},${KEY_B}` },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code, output).toBe(0);
    expect(output).toContain('1 scanned, 1 re-sealed under "kc", 0 already under it');
    expect(output).toContain('the older keys can be removed from SECRETS_KEY');
    expect(output).not.toContain(TOKEN);

    const after = await boot(db.url, { SECRETS_KEY: KEY_C });
    expect((await rawAgent(after, name)).row.authSecret).toMatch(/^v1\.kc\./);
    expect((await callThrough(after, name)).headers[0]?.authorization).toBe(`Bearer ${TOKEN}`);
  });
});

describe('start-up', () => {
  it('seals legacy plaintext credentials, once', async () => {
    const db = await database();
    const old = await boot(db.url, { SECRETS_KEY: KEY_A });
    const created = expectMember(
      (await old.ok(CreateAgentDocument, { input: { name: 'legacy', url: agent.url, timeoutMs: 2000 } })).createAgent,
      'Agent',
    );
    // What a row written before migration 0010 looks like.
    await old.app.resources.db.prisma.agent.update({
      where: { id: dbId(created.id) },
      data: { authType: 'BEARER', authConfig: { token: TOKEN } },
    });
    await old.close();

    const upgraded = await boot(db.url, { SECRETS_KEY: KEY_A });
    const { row, table } = await rawAgent(upgraded, 'legacy');
    expect(row.authConfig).toBeNull();
    expect(keyIdOf(row.authSecret as string)).toBe('ka');
    expect(table).not.toContain(TOKEN);
    expect((await callThrough(upgraded, 'legacy')).headers[0]?.authorization).toBe(`Bearer ${TOKEN}`);
    await upgraded.close();

    const again = await boot(db.url, { SECRETS_KEY: KEY_A });
    expect((await rawAgent(again, 'legacy')).row.authSecret).toBe(row.authSecret);
  });

  it('in development generates the key file once (mode 0600) and opens its secrets after a restart', async () => {
    const db = await database();
    const first = await boot(db.url);
    const { name } = await register(first, 'dev-key', { authType: 'BEARER', authConfig: { token: TOKEN } });
    await first.close();
    if (testProvider === 'sqlite') {
      const file = parseDatabaseUrl(db.url);
      const keyFile = join(dirname('file' in file ? file.file : ''), 'secrets.key');
      if (process.platform !== 'win32') expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    }
    const second = await boot(db.url);
    expect((await callThrough(second, name)).headers[0]?.authorization).toBe(`Bearer ${TOKEN}`);
  });

  it('in production without SECRETS_KEY serves agents without credentials, refuses to store any, and will not start over stored ones', async () => {
    const production = { NODE_ENV: 'production', AUTH_MODE: 'none', WORKER_CONCURRENCY: '0' };
    // Never called here; production's egress policy would refuse a loopback URL at registration.
    const url = 'http://agent.example.test';
    const db = await database();
    const t = await boot(db.url, production);
    const plain = (await t.ok(CreateAgentDocument, { input: { name: 'plain', url } })).createAgent;
    expect(plain.__typename).toBe('Agent');
    const refused = (await t.ok(CreateAgentDocument, { input: { name: 'secret', url, authType: 'BEARER', authConfig: { token: TOKEN } } }))
      .createAgent;
    expect(expectMember(refused, 'ValidationError').issues).toEqual([
      { path: 'authConfig', message: expect.stringContaining('SECRETS_KEY') },
    ]);
    await t.close();

    const keyed = await boot(db.url, { SECRETS_KEY: KEY_A });
    await register(keyed, 'sealed', { authType: 'BEARER', authConfig: { token: TOKEN } });
    await keyed.close();
    const error = await boot(db.url, production).catch((e: unknown) => e as Error);
    expect(error).toBeInstanceOf(AgentSecretsUnreadableError);
    expect((error as Error).message).toContain('SECRETS_KEY is not set');

    // Legacy plaintext cannot be sealed without a key either.
    const legacyDb = await database();
    const legacy = await boot(legacyDb.url, { ...production, SECRETS_KEY: KEY_A });
    const created = expectMember((await legacy.ok(CreateAgentDocument, { input: { name: 'old', url } })).createAgent, 'Agent');
    await legacy.app.resources.db.prisma.agent.update({ where: { id: dbId(created.id) }, data: { authConfig: { token: TOKEN } } });
    await legacy.close();
    const unsealable = await boot(legacyDb.url, production).catch((e: unknown) => e as Error);
    expect(unsealable).toBeInstanceOf(SecretsKeyMissingError);
    expect((unsealable as Error).message).toContain('1 agent(s)');
  });
});
