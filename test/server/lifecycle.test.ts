import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateAgentDocument } from '../gql/graphql.ts';
import { startTestApp } from '../support/app.ts';
import { type ScratchDatabase, scratchDatabase } from '../support/database.ts';

const run = promisify(execFile);
const main = new URL('../../src/main.ts', import.meta.url).pathname;

/** An agent whose /health answers only when the test says so: in-flight requests without timers. */
async function heldAgent() {
  let arrived!: () => void;
  const requestArrived = new Promise<void>((resolve) => {
    arrived = resolve;
  });
  const held: ServerResponse<IncomingMessage>[] = [];
  const server: Server = createServer((_req, res) => {
    held.push(res);
    arrived();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requestArrived,
    release: () => {
      for (const res of held) res.writeHead(200).end('ok');
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function postGraphQL(base: string, query: string, variables: object) {
  const response = await fetch(`${base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, body: (await response.json()) as { data?: Record<string, Record<string, unknown>> } };
}

describe('configuration', () => {
  it('refuses to start on a bad variable, naming it', async () => {
    const failure = await run(process.execPath, ['--import', 'tsx', main], {
      env: { ...process.env, PORT: 'eighty', DATABASE_URL: 'mysql://nope' },
    }).catch((error: { code: number; stderr: string }) => error);
    expect(failure).toMatchObject({ code: 78 });
    const stderr = (failure as { stderr: string }).stderr;
    expect(stderr).toContain('Invalid configuration');
    expect(stderr).toContain('PORT="eighty"');
  });

  it('names DATABASE_URL when it has an unknown scheme', async () => {
    const failure = await run(process.execPath, ['--import', 'tsx', main], { env: { ...process.env, DATABASE_URL: 'mysql://nope' } }).catch(
      (error: { code: number; stderr: string }) => error,
    );
    expect((failure as { stderr: string }).stderr).toContain('DATABASE_URL: must start with postgres://');
  });
});

describe('GraphiQL', () => {
  it('is served at /graphql in development, and not in production', async () => {
    const dev = await startTestApp({}, { NODE_ENV: 'development' });
    const prod = await startTestApp({}, { NODE_ENV: 'production' });
    try {
      const page = await dev.app.fetch(new Request('http://flowdeck.test/graphql', { headers: { accept: 'text/html' } }));
      expect(page.status).toBe(200);
      expect(await page.text()).toMatch(/graphiql/i);
      const none = await prod.app.fetch(new Request('http://flowdeck.test/graphql', { headers: { accept: 'text/html' } }));
      expect(await none.text()).not.toMatch(/graphiql/i);
    } finally {
      await dev.close();
      await prod.close();
    }
  });
});

describe('graceful stop', () => {
  it('stop() lets an in-flight request finish, then refuses new connections', async () => {
    const agent = await heldAgent();
    const t = await startTestApp();
    try {
      const { url } = await t.app.start();
      const created = await t.ok(CreateAgentDocument, { input: { name: 'slowpoke', url: agent.url } });
      if (created.createAgent.__typename !== 'Agent') throw new Error('setup failed');
      const inFlight = postGraphQL(url, 'mutation($id: ID!) { checkAgentHealth(id: $id) { ... on AgentHealth { healthy } } }', {
        id: created.createAgent.id,
      });
      await agent.requestArrived;
      const stopped = t.app.stop();
      agent.release();
      const result = await inFlight;
      expect(result.status).toBe(200);
      expect(result.body.data?.checkAgentHealth?.healthy).toBe(true);
      await stopped;
      await expect(fetch(`${url}/health`)).rejects.toThrow();
    } finally {
      await agent.close();
      await t.close().catch(() => {});
    }
  });
});

describe('npm start process', () => {
  let scratch: ScratchDatabase;
  beforeAll(async () => {
    scratch = await scratchDatabase();
  });
  afterAll(async () => {
    await scratch?.drop();
  });

  it('serves GraphQL, and on SIGTERM drains the in-flight request and exits 0', async () => {
    const agent = await heldAgent();
    const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', main], {
      env: { ...process.env, PORT: '0', HOST: '127.0.0.1', DATABASE_URL: scratch.url, LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const base = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout?.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          const port = /"port":(\d+)/.exec(out)?.[1];
          if (port) resolve(`http://127.0.0.1:${port}`);
        });
        child.once('exit', (code) => reject(new Error(`server exited early with ${code}: ${out}`)));
      });
      const created = await postGraphQL(base, 'mutation($i: CreateAgentInput!) { createAgent(input: $i) { ... on Agent { id } } }', {
        i: { name: 'held', url: agent.url },
      });
      const id = created.body.data?.createAgent?.id as string;
      expect(id).toBeTruthy();
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      const inFlight = postGraphQL(base, 'mutation($id: ID!) { checkAgentHealth(id: $id) { ... on AgentHealth { healthy } } }', { id });
      await agent.requestArrived;
      child.kill('SIGTERM');
      agent.release();
      expect((await inFlight).body.data?.checkAgentHealth?.healthy).toBe(true);
      expect(await exited).toBe(0);
    } finally {
      child.kill('SIGKILL');
      await agent.close();
    }
  });
});
