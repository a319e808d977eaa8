// The egress policy through the public surface (GraphQL, REST, runs, health checks) and through
// the agent clients. Loopback is denied here (EGRESS_ALLOW names only test hosts), and the names
// the tests use are mapped to 127.0.0.1 by an injected resolver, so every refused target is a
// server on this machine that can report it received nothing, and no packet leaves loopback.

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  CheckAgentHealthDocument,
  CreateAgentDocument,
  CreateWorkflowDocument,
  UpdateAgentDocument,
  ValidateWorkflowDocument,
} from '../gql/graphql.ts';
import { AgentCallError, agentAuthHeaders, createAgentCaller } from '../../src/engine/agents/call.ts';
import { createEgressFetch, type EgressFetch } from '../../src/egress/fetch.ts';
import { createEgressPolicy } from '../../src/egress/policy.ts';
import { agentTarget, stepCall } from '../support/agent-calls.ts';
import { AgentReply, startA2AAgent, startHttpAgent, type AgentHandler, type TestAgent } from '../support/agents.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { expectMember, flows } from '../support/flows.ts';
import { restClient } from '../support/rest.ts';
import { waitForRun } from '../support/runs.ts';

/** Test names, all on this machine. */
const HOSTS: Record<string, string[]> = {
  'allowed.test': ['127.0.0.1'],
  'other.test': ['127.0.0.1'],
  'hidden.test': ['127.0.0.1'],
};
const resolve = async (host: string): Promise<string[]> => {
  const answer = HOSTS[host];
  if (!answer) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
  return answer;
};

const running: TestAgent[] = [];
const fetches: EgressFetch[] = [];
afterEach(async () => {
  await Promise.all([...running.splice(0).map((s) => s.close()), ...fetches.splice(0).map((f) => f.close())]);
});

async function track(agent: Promise<TestAgent>): Promise<TestAgent> {
  const started = await agent;
  running.push(started);
  return started;
}

const server = (handler: AgentHandler = () => ({ ok: true })) => track(startHttpAgent(handler));
const portOf = (s: TestAgent): string => new URL(s.url).port;
const LOOPBACK_REFUSAL =
  /refused by the egress policy: loopback address \(127\.0\.0\.0\/8\)\. To allow it, add 127\.0\.0\.1 .*EGRESS_ALLOW/;

describe('through the API, with loopback denied', () => {
  let t: TestApp;
  let f: ReturnType<typeof flows>;
  beforeAll(async () => {
    t = await startTestApp({ resolve }, { EGRESS_ALLOW: 'allowed.test,other.test' });
    f = flows(t);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('refuses to register or move an agent to a loopback URL, naming the rule (GraphQL and REST)', async () => {
    const agent = await server();
    for (const url of [agent.url, `http://localhost:${portOf(agent)}`, 'http://169.254.169.254/']) {
      const refused = expectMember((await t.ok(CreateAgentDocument, { input: { name: 'local', url } })).createAgent, 'ValidationError');
      expect(refused.issues).toEqual([{ path: 'url', message: expect.stringMatching(/refused by the egress policy: .*EGRESS_ALLOW/) }]);
    }
    const refused = expectMember(
      (await t.ok(CreateAgentDocument, { input: { name: 'local', url: agent.url } })).createAgent,
      'ValidationError',
    );
    expect(refused.message).toMatch(LOOPBACK_REFUSAL);

    const rest = await restClient(t).post('/api/v1/agents', { name: 'rest-local', url: `${agent.url}/` });
    expect([400, 422]).toContain(rest.status);
    expect(rest.text).toMatch(/refused by the egress policy: loopback address/);

    const named = expectMember(
      (await t.ok(CreateAgentDocument, { input: { name: 'named', url: `http://allowed.test:${portOf(agent)}` } })).createAgent,
      'Agent',
    );
    const moved = (await t.ok(UpdateAgentDocument, { id: named.id, input: { url: 'http://10.0.0.1:8080' } })).updateAgent;
    expect(expectMember(moved, 'ValidationError').message).toMatch(/private address \(RFC 1918\)/);
    expect(agent.calls).toHaveLength(0);
  });

  it('refuses an API key header that is reserved or hop-by-hop', async () => {
    for (const header of ['Content-Type', 'Idempotency-Key', 'Host', 'Transfer-Encoding']) {
      const input = { name: `key-${header}`, url: 'http://allowed.test:9', authType: 'APIKEY' as const, authConfig: { key: 'k', header } };
      const refused = expectMember((await t.ok(CreateAgentDocument, { input })).createAgent, 'ValidationError');
      expect(refused.issues).toEqual([{ path: 'authConfig.header', message: expect.stringContaining('reserved header') }]);
    }
  });

  it('refuses a workflow whose http step names a refused URL literally, and accepts a templated one', async () => {
    const target = await server();
    const literal = { steps: [{ id: 'peek', type: 'http', request: { method: 'GET', url: `${target.url}/metrics` } }] };
    const created = (await t.ok(CreateWorkflowDocument, { input: { name: 'peek', definition: literal } })).createWorkflow;
    const refused = expectMember(created, 'ValidationError');
    expect(refused.issues).toEqual([{ path: 'definition.steps[0].request.url', message: expect.stringMatching(LOOPBACK_REFUSAL) }]);
    const validated = (await t.ok(ValidateWorkflowDocument, { definition: literal })).validateWorkflow;
    expect(validated.valid).toBe(false);
    expect(validated.issues).toEqual([
      { path: 'steps[0].request.url', stepId: 'peek', message: expect.stringMatching(/^step "peek": Outbound call/) },
    ]);

    await f.workflow('templated', { steps: [{ id: 'peek', type: 'http', request: { method: 'GET', url: '${workflow.input.url}' } }] });
    expect(target.calls).toHaveLength(0);
  });

  it('fails an http step whose templated URL is refused at call time: no retry, and the target hears nothing', async () => {
    const target = await server();
    const wf = await f.workflow('templated-call', {
      steps: [
        {
          id: 'peek',
          type: 'http',
          request: { method: 'GET', url: '${workflow.input.url}' },
          retry: { maxRetries: 3, initialDelayMs: 0 },
        },
      ],
    });

    const done = await waitForRun(t, (await f.execute(wf.id, { url: `${target.url}/metrics` })).id);

    expect(done.status).toBe('FAILED');
    const step = done.steps.find((s) => s.stepId === 'peek');
    expect(step?.attempts).toHaveLength(1);
    expect(step?.attempts[0]?.error).toMatchObject({ kind: 'egress', retryable: false, message: expect.stringMatching(LOOPBACK_REFUSAL) });
    expect(target.calls).toHaveLength(0);
  });

  it('fails an http step redirected from an allowed name into loopback space, before the hop', async () => {
    const inside = await server();
    const outside = await server(() => new AgentReply(302, '', { location: `http://127.0.0.1:${portOf(inside)}/admin` }));
    const wf = await f.workflow('redirected', {
      steps: [{ id: 'hop', type: 'http', request: { method: 'GET', url: `http://allowed.test:${portOf(outside)}/start` } }],
    });

    const done = await waitForRun(t, (await f.execute(wf.id)).id);

    expect(done.status).toBe('FAILED');
    const attempts = done.steps.find((s) => s.stepId === 'hop')?.attempts ?? [];
    expect(attempts.map((a) => a.error)).toEqual([
      expect.objectContaining({ kind: 'egress', retryable: false, message: expect.stringMatching(LOOPBACK_REFUSAL) }),
    ]);
    expect(outside.calls).toHaveLength(1);
    expect(inside.calls).toHaveLength(0);
  });

  it('answers a health check of a refused target with the policy message, the same for an open and a closed port', async () => {
    const open = await server();
    const closed = await startHttpAgent(() => null);
    await closed.close();
    const errors: (string | null)[] = [];
    for (const port of [portOf(open), portOf(closed)]) {
      const agent = (await t.ok(CreateAgentDocument, { input: { name: `hidden-${port}`, url: `http://hidden.test:${port}` } })).createAgent;
      const health = expectMember(
        (await t.ok(CheckAgentHealthDocument, { id: expectMember(agent, 'Agent').id })).checkAgentHealth,
        'AgentHealth',
      );
      expect(health).toMatchObject({ healthy: false, statusCode: null, responseTimeMs: null });
      errors.push(health.error);
    }
    expect(errors[0]).toBe(
      'Outbound call to hidden.test refused by the egress policy: the name resolves to a loopback address (127.0.0.0/8). ' +
        'To allow it, add hidden.test (or the keyword loopback) to EGRESS_ALLOW.',
    );
    expect(errors[1]).toBe(errors[0]);
    expect(open.calls).toHaveLength(0);
  });
});

describe('agent credentials go only to the registered origin', () => {
  const caller = (allow: string[]) => {
    const fetch = createEgressFetch(createEgressPolicy({ allow, resolve }));
    fetches.push(fetch);
    return createAgentCaller({ fetch });
  };

  it('sends an A2A agent’s token to its own origin, not to a transport its card names on another', async () => {
    const agent = await track(startA2AAgent(() => ({ ok: true })));
    const a2a = caller(['loopback', 'allowed.test']);
    const auth = { protocol: 'A2A' as const, authType: 'BEARER' as const, authConfig: { token: 's3cret' } };

    // Registered at 127.0.0.1: the card names a JSON-RPC endpoint on that same origin.
    await a2a.callAgent(agentTarget(agent.url, auth), stepCall());
    // Registered by another name: the card still names 127.0.0.1, now another origin.
    await a2a.callAgent(agentTarget(`http://allowed.test:${portOf(agent)}`, auth), stepCall());

    expect(agent.calls.map((c) => c.headers.authorization)).toEqual(['Bearer s3cret', undefined]);
    expect(agent.calls.map((c) => c.headers['idempotency-key'])).toEqual(['run-1:charge:k1', 'run-1:charge:k1']);
  });

  it('drops an HTTP agent’s API key header when a redirect leaves its origin', async () => {
    const other = await server(() => ({ landed: true }));
    const home = await server(() => new AgentReply(307, '', { location: `http://other.test:${portOf(other)}/run` }));
    const http = caller(['allowed.test', 'other.test']);
    const target = agentTarget(`http://allowed.test:${portOf(home)}/run`, {
      authType: 'APIKEY',
      authConfig: { key: 'k1', header: 'X-Billing-Key' },
    });

    const result = await http.callAgent(target, stepCall());

    expect(result.output).toEqual({ landed: true });
    expect(home.calls[0]?.headers['x-billing-key']).toBe('k1');
    expect(other.calls[0]?.headers['x-billing-key']).toBeUndefined();
    expect(other.calls[0]?.headers['idempotency-key']).toBe('run-1:charge:k1');
  });

  it('classifies a refusal as a final egress failure, and a reserved key header as a configuration error', async () => {
    const target = await server();
    const error = await caller([])
      .callHttp({ method: 'GET', url: `${target.url}/x` }, stepCall())
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AgentCallError);
    expect(error).toMatchObject({ kind: 'egress', retryable: false, message: expect.stringMatching(LOOPBACK_REFUSAL) });
    expect(target.calls).toHaveLength(0);

    expect(() => agentAuthHeaders({ name: 'old', authType: 'APIKEY', authConfig: { key: 'k', header: 'Content-Length' } })).toThrow(
      /agent "old" has an unusable API key header: "Content-Length" is a reserved header/,
    );
  });
});
