import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AgentDocument,
  type AgentFilter,
  AgentsDocument,
  CheckAgentHealthDocument,
  CreateAgentDocument,
  type CreateAgentInput,
  CreateWorkflowDocument,
  DeleteAgentDocument,
  UpdateAgentDocument,
} from '../gql/graphql.ts';
import { startTestApp, type TestApp } from '../support/app.ts';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t?.close();
});

/** Registers an agent and fails the test unless it was created. */
async function createAgent(input: CreateAgentInput) {
  const result = (await t.ok(CreateAgentDocument, { input })).createAgent;
  if (result.__typename !== 'Agent') throw new Error(`expected an Agent, got ${JSON.stringify(result)}`);
  return result;
}

/** Reads an agent by id and fails the test unless it is found. */
async function readAgent(id: string) {
  const result = (await t.ok(AgentDocument, { id })).agent;
  if (result.__typename !== 'Agent') throw new Error(`expected an Agent, got ${JSON.stringify(result)}`);
  return result;
}

async function agentCount(filter?: AgentFilter): Promise<number> {
  return (await t.ok(AgentsDocument, { filter })).agents.totalCount;
}

async function listedNames(filter: AgentFilter): Promise<string[]> {
  const data = await t.ok(AgentsDocument, { filter, first: 100 });
  return data.agents.edges.map((edge) => edge.node.name).sort();
}

/** Posts a raw GraphQL query (no SDK document) and returns the parsed JSON body. */
async function rawQuery(query: string): Promise<{ data?: unknown; errors?: unknown[] }> {
  const response = await t.app.fetch(
    new Request('http://flowdeck.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query }),
    }),
  );
  return (await response.json()) as { data?: unknown; errors?: unknown[] };
}

const defaultRetry = { maxRetries: 3, initialDelayMs: 1000, maxDelayMs: 30000, backoffMultiplier: 2 };

describe('createAgent', () => {
  it('registers an agent with defaults filled in, and every field round-trips', async () => {
    const created = await createAgent({ name: 'data-processor', url: 'http://data-processor:8080' });
    expect(created).toMatchObject({
      name: 'data-processor',
      url: 'http://data-processor:8080',
      description: null,
      protocol: 'HTTP',
      authType: 'NONE',
      hasCredentials: false,
      timeoutMs: 30000,
      retryConfig: defaultRetry,
      metadata: null,
      status: 'ACTIVE',
      deletedAt: null,
    });
    expect(Number.isNaN(Date.parse(created.createdAt))).toBe(false);
    expect(Number.isNaN(Date.parse(created.updatedAt))).toBe(false);

    const full = await createAgent({
      name: 'full-agent',
      url: 'https://agents.example.com/full',
      description: 'Processes data transformations',
      protocol: 'A2A',
      authType: 'APIKEY',
      authConfig: { key: 'k-123', header: 'X-Key' },
      timeoutMs: 60000,
      retryConfig: { maxRetries: 5, initialDelayMs: 200, maxDelayMs: 5000, backoffMultiplier: 1.5 },
      metadata: { team: 'data', tier: 2 },
    });
    const expected = {
      id: full.id,
      name: 'full-agent',
      url: 'https://agents.example.com/full',
      description: 'Processes data transformations',
      protocol: 'A2A',
      authType: 'APIKEY',
      hasCredentials: true,
      timeoutMs: 60000,
      retryConfig: { maxRetries: 5, initialDelayMs: 200, maxDelayMs: 5000, backoffMultiplier: 1.5 },
      metadata: { team: 'data', tier: 2 },
      status: 'ACTIVE',
      deletedAt: null,
    };
    expect(full).toMatchObject(expected);
    // Read back through every way of finding it.
    expect(await readAgent(full.id)).toMatchObject(expected);
    const byName = (await t.ok(AgentDocument, { name: 'full-agent' })).agent;
    expect(byName).toMatchObject(expected);
    const listed = await t.ok(AgentsDocument, { filter: { nameContains: 'full-agent' } });
    expect(listed.agents.edges.map((e) => e.node)).toEqual([expect.objectContaining(expected)]);
  });

  it('stores a bearer token without ever returning it', async () => {
    const token = 'tok-8f7c2d1e-super-secret';
    const createResult = await t.gql(CreateAgentDocument, {
      input: { name: 'bearer-agent', url: 'http://127.0.0.1:9/', authType: 'BEARER', authConfig: { token } },
    });
    const created = createResult.data?.createAgent;
    if (created?.__typename !== 'Agent') throw new Error(`expected an Agent, got ${JSON.stringify(createResult)}`);
    expect(created.authType).toBe('BEARER');
    expect(created.hasCredentials).toBe(true);
    expect(JSON.stringify(createResult)).not.toContain(token);

    const single = await t.gql(AgentDocument, { id: created.id });
    const list = await t.gql(AgentsDocument, { filter: { nameContains: 'bearer-agent' } });
    expect(list.data?.agents.totalCount).toBe(1);
    expect(JSON.stringify(single)).not.toContain(token);
    expect(JSON.stringify(list)).not.toContain(token);

    // No field of the Agent type can expose it either.
    const introspection = (await rawQuery('{ __type(name: "Agent") { fields { name } } }')) as {
      data: { __type: { fields: { name: string }[] } };
    };
    const fields = introspection.data.__type.fields.map((f) => f.name);
    expect(fields).toContain('hasCredentials');
    for (const forbidden of ['authConfig', 'token', 'secret']) expect(fields).not.toContain(forbidden);
    expect(fields.filter((f) => /secret|token|authconfig|apikey|password/i.test(f))).toEqual([]);
  });

  it('lists every invalid field with its path, and writes nothing', async () => {
    const before = await agentCount();
    const result = (
      await t.ok(CreateAgentDocument, {
        input: {
          name: '',
          url: 'ftp://files.example.com',
          timeoutMs: 10,
          retryConfig: { maxRetries: 11, initialDelayMs: 5 },
        },
      })
    ).createAgent;
    if (result.__typename !== 'ValidationError') throw new Error(`expected a ValidationError, got ${JSON.stringify(result)}`);
    expect(await agentCount()).toBe(before);
    expect(result.message).not.toBe('');
    expect(result.issues).toHaveLength(5);
    for (const issue of result.issues) expect(issue.message).not.toBe('');
    // Paths are relative to the input object, as documented on FieldIssue.path ("name", "definition.steps[2].agent").
    expect(result.issues.map((i) => i.path).sort()).toEqual([
      'name',
      'retryConfig.initialDelayMs',
      'retryConfig.maxRetries',
      'timeoutMs',
      'url',
    ]);
    expect(result.issues.find((i) => i.path === 'url')?.message).toContain('http(s)');
  });

  it('requires a token for BEARER auth (and a key for APIKEY), writing nothing', async () => {
    const before = await agentCount();
    const bearer = (await t.ok(CreateAgentDocument, { input: { name: 'no-token', url: 'http://127.0.0.1:9/', authType: 'BEARER' } }))
      .createAgent;
    if (bearer.__typename !== 'ValidationError') throw new Error(`expected a ValidationError, got ${JSON.stringify(bearer)}`);
    const apiKey = (
      await t.ok(CreateAgentDocument, {
        input: { name: 'no-key', url: 'http://127.0.0.1:9/', authType: 'APIKEY', authConfig: { header: 'X-Key' } },
      })
    ).createAgent;
    if (apiKey.__typename !== 'ValidationError') throw new Error(`expected a ValidationError, got ${JSON.stringify(apiKey)}`);
    expect(await agentCount()).toBe(before);
    expect((await t.ok(AgentDocument, { name: 'no-token' })).agent.__typename).toBe('NotFoundError');

    expect(bearer.issues).toEqual([{ path: 'authConfig.token', message: expect.stringContaining('BEARER') }]);
    expect(apiKey.issues.map((i) => i.path)).toEqual(['authConfig.key']);
  });

  it('answers a value outside an enum with a client error naming the field, not an internal error', async () => {
    const before = await agentCount();
    const result = await t.gql(CreateAgentDocument, {
      input: { name: 'basic-auth-agent', url: 'http://127.0.0.1:9/', authType: 'BASIC' as CreateAgentInput['authType'] },
    });
    expect(result.status).toBeLessThan(500);
    expect(result.data?.createAgent).toBeUndefined();
    expect(result.errors).toHaveLength(1);
    expect(result.errors?.[0]?.extensions?.code).not.toBe('INTERNAL_SERVER_ERROR');
    expect(result.errors?.[0]?.message).toContain('BASIC');
    expect(await agentCount()).toBe(before);
  });

  it('rejects a duplicate name in the workspace, and frees the name once the agent is deleted', async () => {
    const first = await createAgent({ name: 'dup-agent', url: 'http://one.example.com' });
    const before = await agentCount();
    const clash = (await t.ok(CreateAgentDocument, { input: { name: 'dup-agent', url: 'http://two.example.com' } })).createAgent;
    if (clash.__typename !== 'ConflictError') throw new Error(`expected a ConflictError, got ${JSON.stringify(clash)}`);
    expect(clash.field).toBe('name');
    expect(clash.message).toContain('dup-agent');
    expect(await agentCount()).toBe(before);

    expect((await t.ok(DeleteAgentDocument, { id: first.id })).deleteAgent.__typename).toBe('Agent');
    const again = await createAgent({ name: 'dup-agent', url: 'http://two.example.com' });
    expect(again.id).not.toBe(first.id);
    expect(again.url).toBe('http://two.example.com');
    const byName = (await t.ok(AgentDocument, { name: 'dup-agent' })).agent;
    expect(byName.__typename === 'Agent' && byName.id).toBe(again.id);
  });
});

describe('updateAgent', () => {
  it('changes only the given fields', async () => {
    const agent = await createAgent({
      name: 'partial-agent',
      url: 'http://partial.example.com',
      description: 'before',
      authType: 'BEARER',
      authConfig: { token: 'keep-me' },
      timeoutMs: 45000,
      metadata: { a: 1 },
    });
    const result = (await t.ok(UpdateAgentDocument, { id: agent.id, input: { description: 'after' } })).updateAgent;
    if (result.__typename !== 'Agent') throw new Error(`expected an Agent, got ${JSON.stringify(result)}`);
    const { description: _before, updatedAt: _u1, ...unchanged } = agent;
    expect(result).toMatchObject({ ...unchanged, description: 'after' });
    expect(result.hasCredentials).toBe(true);
    const { updatedAt: _u2, ...readBack } = await readAgent(agent.id);
    expect(readBack).toEqual({ ...unchanged, description: 'after' });

    const renamed = (await t.ok(UpdateAgentDocument, { id: agent.id, input: { name: 'partial-agent-2', timeoutMs: 1000 } })).updateAgent;
    expect(renamed).toMatchObject({ name: 'partial-agent-2', timeoutMs: 1000, description: 'after', url: 'http://partial.example.com' });
  });

  it('merges a partial retryConfig into the current one', async () => {
    const agent = await createAgent({ name: 'retry-agent', url: 'http://retry.example.com', retryConfig: { maxDelayMs: 9000 } });
    expect(agent.retryConfig).toEqual({ ...defaultRetry, maxDelayMs: 9000 });
    const first = (await t.ok(UpdateAgentDocument, { id: agent.id, input: { retryConfig: { maxRetries: 7 } } })).updateAgent;
    expect(first.__typename === 'Agent' && first.retryConfig).toEqual({
      maxRetries: 7,
      initialDelayMs: 1000,
      maxDelayMs: 9000,
      backoffMultiplier: 2,
    });
    const second = (await t.ok(UpdateAgentDocument, { id: agent.id, input: { retryConfig: { backoffMultiplier: 3.5 } } })).updateAgent;
    expect(second.__typename === 'Agent' && second.retryConfig).toEqual({
      maxRetries: 7,
      initialDelayMs: 1000,
      maxDelayMs: 9000,
      backoffMultiplier: 3.5,
    });
    expect((await readAgent(agent.id)).retryConfig).toEqual({
      maxRetries: 7,
      initialDelayMs: 1000,
      maxDelayMs: 9000,
      backoffMultiplier: 3.5,
    });
  });

  it('switches an agent INACTIVE and back', async () => {
    const agent = await createAgent({ name: 'toggle-agent', url: 'http://toggle.example.com' });
    const off = (await t.ok(UpdateAgentDocument, { id: agent.id, input: { status: 'INACTIVE' } })).updateAgent;
    expect(off.__typename === 'Agent' && off.status).toBe('INACTIVE');
    expect((await readAgent(agent.id)).status).toBe('INACTIVE');
    const on = (await t.ok(UpdateAgentDocument, { id: agent.id, input: { status: 'ACTIVE' } })).updateAgent;
    expect(on.__typename === 'Agent' && on.status).toBe('ACTIVE');
  });

  it('reports NotFoundError for an unknown id, and for the global id of another type', async () => {
    const missing = (await t.ok(UpdateAgentDocument, { id: 'no-such-agent', input: { description: 'x' } })).updateAgent;
    expect(missing.__typename).toBe('NotFoundError');

    const workflow = (
      await t.ok(CreateWorkflowDocument, {
        input: { name: 'Not an agent', definition: { steps: [{ id: 'only', type: 'transform', expression: '$' }] } },
      })
    ).createWorkflow;
    if (workflow.__typename !== 'Workflow') throw new Error(`setup failed: ${JSON.stringify(workflow)}`);
    const wrongType = (await t.ok(UpdateAgentDocument, { id: workflow.id, input: { description: 'x' } })).updateAgent;
    expect(wrongType.__typename).toBe('NotFoundError');
    expect((await t.ok(AgentDocument, { id: workflow.id })).agent.__typename).toBe('NotFoundError');
  });

  it('rejects invalid values with every issue, changing nothing', async () => {
    const agent = await createAgent({ name: 'strict-agent', url: 'http://strict.example.com' });
    const result = (
      await t.ok(UpdateAgentDocument, {
        id: agent.id,
        input: { url: 'not a url', timeoutMs: 400000, retryConfig: { backoffMultiplier: 0.5 }, description: 'should not stick' },
      })
    ).updateAgent;
    if (result.__typename !== 'ValidationError') throw new Error(`expected a ValidationError, got ${JSON.stringify(result)}`);
    const emptyName = (await t.ok(UpdateAgentDocument, { id: agent.id, input: { name: '   ' } })).updateAgent;
    if (emptyName.__typename !== 'ValidationError') throw new Error(`expected a ValidationError, got ${JSON.stringify(emptyName)}`);
    const bearer = (await t.ok(UpdateAgentDocument, { id: agent.id, input: { authType: 'BEARER' } })).updateAgent;
    if (bearer.__typename !== 'ValidationError') throw new Error(`expected a ValidationError, got ${JSON.stringify(bearer)}`);

    const { updatedAt: _u1, ...before } = agent;
    const { updatedAt: _u2, ...after } = await readAgent(agent.id);
    expect(after).toEqual(before);

    expect(result.issues.map((i) => i.path).sort()).toEqual(['retryConfig.backoffMultiplier', 'timeoutMs', 'url']);
    expect(emptyName.issues.map((i) => i.path)).toEqual(['name']);
    expect(bearer.issues.map((i) => i.path)).toEqual(['authConfig.token']);
  });

  it("rejects renaming onto another agent's name", async () => {
    await createAgent({ name: 'taken-name', url: 'http://taken.example.com' });
    const other = await createAgent({ name: 'wants-name', url: 'http://wants.example.com' });
    const result = (await t.ok(UpdateAgentDocument, { id: other.id, input: { name: 'taken-name', description: 'renamed' } })).updateAgent;
    if (result.__typename !== 'ConflictError') throw new Error(`expected a ConflictError, got ${JSON.stringify(result)}`);
    expect(result.field).toBe('name');
    const after = await readAgent(other.id);
    expect(after.name).toBe('wants-name');
    expect(after.description).toBeNull();
  });
});

describe('deleteAgent', () => {
  it('soft-deletes: readable by id, hidden from lists and name lookups', async () => {
    const agent = await createAgent({ name: 'doomed-agent', url: 'http://doomed.example.com' });
    const deleted = (await t.ok(DeleteAgentDocument, { id: agent.id })).deleteAgent;
    if (deleted.__typename !== 'Agent') throw new Error(`expected an Agent, got ${JSON.stringify(deleted)}`);
    expect(deleted.status).toBe('DELETED');
    expect(deleted.deletedAt).not.toBeNull();
    expect(Number.isNaN(Date.parse(deleted.deletedAt ?? ''))).toBe(false);

    const byId = await readAgent(agent.id);
    expect(byId).toMatchObject({ id: agent.id, name: 'doomed-agent', status: 'DELETED', deletedAt: deleted.deletedAt });

    expect(await listedNames({ nameContains: 'doomed-agent' })).toEqual([]);
    expect(await listedNames({ nameContains: 'doomed-agent', status: 'DELETED' })).toEqual(['doomed-agent']);
    expect(await listedNames({ nameContains: 'doomed-agent', status: 'ACTIVE' })).toEqual([]);

    const byName = (await t.ok(AgentDocument, { name: 'doomed-agent' })).agent;
    expect(byName.__typename).toBe('NotFoundError');

    const again = (await t.ok(DeleteAgentDocument, { id: agent.id })).deleteAgent;
    expect(again.__typename).toBe('NotFoundError');
    const update = (await t.ok(UpdateAgentDocument, { id: agent.id, input: { description: 'zombie' } })).updateAgent;
    expect(update.__typename).toBe('NotFoundError');
  });

  it('reports NotFoundError for an unknown id', async () => {
    const result = (await t.ok(DeleteAgentDocument, { id: 'no-such-agent' })).deleteAgent;
    expect(result.__typename).toBe('NotFoundError');
  });
});

describe('agent lookup', () => {
  it('finds an agent by id and by name', async () => {
    const agent = await createAgent({ name: 'lookup-agent', url: 'http://lookup.example.com' });
    const byId = (await t.ok(AgentDocument, { id: agent.id })).agent;
    const byName = (await t.ok(AgentDocument, { name: 'lookup-agent' })).agent;
    expect(byId).toEqual(agent);
    expect(byName).toEqual(agent);
  });

  it('reports NotFoundError naming the entity and the lookup', async () => {
    const byName = (await t.ok(AgentDocument, { name: 'nobody-here' })).agent;
    if (byName.__typename !== 'NotFoundError') throw new Error(`expected a NotFoundError, got ${JSON.stringify(byName)}`);
    expect(byName.entity).toBe('Agent');
    expect(byName.lookup).toContain('nobody-here');
    expect(byName.message).toContain('nobody-here');

    const byId = (await t.ok(AgentDocument, { id: 'no-such-id' })).agent;
    if (byId.__typename !== 'NotFoundError') throw new Error(`expected a NotFoundError, got ${JSON.stringify(byId)}`);
    expect(byId.entity).toBe('Agent');
    expect(byId.lookup).toContain('no-such-id');
  });

  it('needs an id or a name', async () => {
    const result = await t.gql(AgentDocument, {});
    expect(result.errors).toBeUndefined();
    const agent = result.data?.agent;
    expect(agent?.__typename).toBe('ValidationError');
    expect(agent?.__typename === 'ValidationError' && agent.message).toMatch(/id or name/);
  });
});

describe('agents listing', () => {
  it('filters by status and by a case-insensitive name substring', async () => {
    const processor = await createAgent({ name: 'listing-data-processor', url: 'http://p.example.com' });
    await createAgent({ name: 'listing-DATA-loader', url: 'http://l.example.com' });
    const sleeper = await createAgent({ name: 'listing-sleeper', url: 'http://s.example.com' });
    await t.ok(UpdateAgentDocument, { id: sleeper.id, input: { status: 'INACTIVE' } });
    const gone = await createAgent({ name: 'listing-gone', url: 'http://g.example.com' });
    await t.ok(DeleteAgentDocument, { id: gone.id });

    expect(await listedNames({ nameContains: 'listing-' })).toEqual(['listing-DATA-loader', 'listing-data-processor', 'listing-sleeper']);
    expect(await listedNames({ nameContains: 'LISTING-DATA-PROC' })).toEqual(['listing-data-processor']);
    expect(await listedNames({ nameContains: 'listing-data' })).toEqual(['listing-DATA-loader', 'listing-data-processor']);
    expect(await listedNames({ nameContains: 'Listing-', status: 'ACTIVE' })).toEqual(['listing-DATA-loader', 'listing-data-processor']);
    expect(await listedNames({ nameContains: 'listing-', status: 'INACTIVE' })).toEqual(['listing-sleeper']);
    expect(await listedNames({ nameContains: 'listing-', status: 'DELETED' })).toEqual(['listing-gone']);
    expect(await agentCount({ nameContains: 'LISTING-DATA-PROC' })).toBe(1);

    const everything = await t.ok(AgentsDocument, { first: 500 });
    const ids = everything.agents.edges.map((e) => e.node.id);
    expect(ids).toContain(processor.id);
    expect(ids).toContain(sleeper.id);
    expect(ids).not.toContain(gone.id);
  });
});

/** A real HTTP agent on 127.0.0.1 that records the requests it receives. */
interface FakeAgent {
  url: string;
  requests: { method: string | undefined; path: string | undefined; authorization: string | undefined }[];
  close(): Promise<void>;
}

async function startFakeAgent(handle: (req: IncomingMessage, res: ServerResponse) => void | Promise<void>): Promise<FakeAgent> {
  const requests: FakeAgent['requests'] = [];
  const server: Server = createServer((req, res) => {
    requests.push({ method: req.method, path: req.url, authorization: req.headers.authorization });
    void handle(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

describe('checkAgentHealth', () => {
  it('reports a healthy agent, calling /health with its bearer token', async () => {
    const server = await startFakeAgent((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"status":"ok"}');
    });
    try {
      const agent = await createAgent({
        name: 'healthy-agent',
        url: server.url,
        authType: 'BEARER',
        authConfig: { token: 'health-token' },
      });
      const result = (await t.ok(CheckAgentHealthDocument, { id: agent.id })).checkAgentHealth;
      if (result.__typename !== 'AgentHealth') throw new Error(`expected AgentHealth, got ${JSON.stringify(result)}`);
      expect(result.healthy).toBe(true);
      expect(result.statusCode).toBe(200);
      expect(typeof result.responseTimeMs).toBe('number');
      expect(result.responseTimeMs).toBeGreaterThanOrEqual(0);
      expect(result.error).toBeNull();
      expect(Number.isNaN(Date.parse(result.checkedAt))).toBe(false);
      expect(server.requests).toEqual([{ method: 'GET', path: '/health', authorization: 'Bearer health-token' }]);
    } finally {
      await server.close();
    }
  });

  it('reports an agent answering 503 as unhealthy', async () => {
    const server = await startFakeAgent((_req, res) => {
      res.writeHead(503);
      res.end('down for maintenance');
    });
    try {
      const agent = await createAgent({ name: 'sick-agent', url: server.url });
      const result = (await t.ok(CheckAgentHealthDocument, { id: agent.id })).checkAgentHealth;
      if (result.__typename !== 'AgentHealth') throw new Error(`expected AgentHealth, got ${JSON.stringify(result)}`);
      expect(result.healthy).toBe(false);
      expect(result.statusCode).toBe(503);
      expect(result.error).toContain('503');
      expect(server.requests.map((r) => r.path)).toEqual(['/health']);
      expect(server.requests[0]?.authorization).toBeUndefined();
    } finally {
      await server.close();
    }
  });

  it('reports an unreachable agent as unhealthy, not as an error', async () => {
    // Take a free port, then close it so nothing listens there.
    const server = await startFakeAgent((_req, res) => {
      res.end();
    });
    const url = server.url;
    await server.close();
    const agent = await createAgent({ name: 'unreachable-agent', url });
    const result = await t.gql(CheckAgentHealthDocument, { id: agent.id });
    expect(result.errors).toBeUndefined();
    const health = result.data?.checkAgentHealth;
    if (health?.__typename !== 'AgentHealth') throw new Error(`expected AgentHealth, got ${JSON.stringify(result)}`);
    expect(health.healthy).toBe(false);
    expect(health.statusCode).toBeNull();
    expect(typeof health.error).toBe('string');
    expect(health.error?.length).toBeGreaterThan(0);
  });

  it('reports an agent that does not answer within its timeout as unhealthy', async () => {
    let release: () => void = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    const server = await startFakeAgent(async (_req, res) => {
      await released;
      res.writeHead(200);
      res.end();
    });
    try {
      const agent = await createAgent({ name: 'stalled-agent', url: server.url, timeoutMs: 1000 });
      const result = (await t.ok(CheckAgentHealthDocument, { id: agent.id })).checkAgentHealth;
      if (result.__typename !== 'AgentHealth') throw new Error(`expected AgentHealth, got ${JSON.stringify(result)}`);
      expect(result.healthy).toBe(false);
      expect(result.statusCode).toBeNull();
      expect(result.error).toMatch(/timeout/i);
      expect(server.requests.map((r) => r.path)).toEqual(['/health']);
    } finally {
      release();
      await server.close();
    }
  });

  it('reports NotFoundError for an unknown id', async () => {
    const result = (await t.ok(CheckAgentHealthDocument, { id: 'no-such-agent' })).checkAgentHealth;
    expect(result.__typename).toBe('NotFoundError');
  });
});
