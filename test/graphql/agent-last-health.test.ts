// Agent.lastHealth: the result of the last health check, stored by every check (the
// checkAgentHealth mutation and REST's health endpoint), null before the first; storing it does
// not mark the agent as changed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentLastHealthDocument, CheckAgentHealthDocument, CreateAgentDocument } from '../gql/graphql.ts';
import { startHttpAgent } from '../support/agents.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { dbId, expectMember } from '../support/flows.ts';
import { type RestClient, restClient } from '../support/rest.ts';

let t: TestApp;
let rest: RestClient;

beforeAll(async () => {
  t = await startTestApp();
  rest = restClient(t);
});
afterAll(async () => {
  await t?.close();
});

/** Registers an agent at `url` and returns its global id. */
async function register(name: string, url: string): Promise<string> {
  return expectMember((await t.ok(CreateAgentDocument, { input: { name, url, timeoutMs: 1000 } })).createAgent, 'Agent').id;
}

/** The agent as `node` reads it, with its last health. */
async function read(id: string) {
  return expectMember((await t.ok(AgentLastHealthDocument, { id })).node, 'Agent');
}

/** Runs the checkAgentHealth mutation. */
async function check(id: string) {
  return expectMember((await t.ok(CheckAgentHealthDocument, { id })).checkAgentHealth, 'AgentHealth');
}

describe('Agent.lastHealth', () => {
  it('is null until checked, then the last check’s result, healthy or not', async () => {
    const agent = await startHttpAgent(() => ({}));
    let open = true;
    try {
      const id = await register('watched', agent.url);
      const before = await read(id);
      expect(before.lastHealth).toBeNull();

      const healthy = await check(id);
      expect(healthy).toMatchObject({ healthy: true, statusCode: 200, error: null });
      const afterHealthy = await read(id);
      expect(afterHealthy.lastHealth).toEqual({
        healthy: true,
        statusCode: 200,
        responseTimeMs: healthy.responseTimeMs,
        error: null,
        checkedAt: healthy.checkedAt,
      });
      // A check is not a change of the agent: lists sorted by updatedAt do not move.
      expect(afterHealthy.updatedAt).toBe(before.updatedAt);

      await agent.close();
      open = false;
      const unhealthy = await check(id);
      expect(unhealthy).toMatchObject({ healthy: false, statusCode: null, responseTimeMs: null });
      expect(unhealthy.error).toEqual(expect.any(String));
      expect((await read(id)).lastHealth).toEqual({
        healthy: false,
        statusCode: null,
        responseTimeMs: null,
        error: unhealthy.error,
        checkedAt: unhealthy.checkedAt,
      });
    } finally {
      if (open) await agent.close();
    }
  });

  it('is also stored by REST’s health endpoint, whose answer and agent body are unchanged', async () => {
    const agent = await startHttpAgent(() => ({}));
    try {
      const id = await register('watched-by-rest', agent.url);
      const bodyBefore = (await rest.get(`/api/v1/agents/${dbId(id)}`)).body;
      const response = await rest.get(`/api/v1/agents/${dbId(id)}/health`);
      expect(response.status).toBe(200);
      expect(Object.keys(response.body).sort()).toEqual(['error', 'healthy', 'response_time_ms', 'status_code']);
      expect(response.body).toMatchObject({ healthy: true, status_code: 200, error: null });
      const stored = (await read(id)).lastHealth;
      expect(stored).toMatchObject({ healthy: true, statusCode: 200, responseTimeMs: response.body.response_time_ms, error: null });
      expect((await rest.get(`/api/v1/agents/${dbId(id)}`)).body).toEqual(bodyBefore);
    } finally {
      await agent.close();
    }
  });
});
