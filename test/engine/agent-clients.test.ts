// The agent clients against real agents on localhost: the plain HTTP protocol, the A2A protocol
// through the SDK on both ends, and the `http` step type. No database involved.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AgentCallError, createAgentCaller } from '../../src/engine/agents/call.ts';
import type { AgentCaller, AgentTarget } from '../../src/engine/agents/call.ts';
import { AgentReply, gate, startA2AAgent, startHttpAgent } from '../support/agents.ts';
import type { TestAgent } from '../support/agents.ts';
import { agentTarget, stepCall } from '../support/agent-calls.ts';

const running: TestAgent[] = [];
const gates: Array<{ open(): void }> = [];

afterEach(async () => {
  for (const g of gates.splice(0)) g.open();
  await Promise.all(running.splice(0).map((agent) => agent.close()));
});

async function track(agent: Promise<TestAgent>): Promise<TestAgent> {
  const started = await agent;
  running.push(started);
  return started;
}

function openLater(): { wait: Promise<void>; open(): void } {
  const g = gate();
  gates.push(g);
  return g;
}

const target = (agent: TestAgent, overrides: Partial<AgentTarget> = {}): AgentTarget => agentTarget(agent.url, overrides);

/** Waits until `read()` is true, polling, for at most `ms`. */
async function until(read: () => boolean, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!read()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setImmediate(resolve));
  }
}

async function failure(promise: Promise<unknown>): Promise<AgentCallError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AgentCallError);
  return error as AgentCallError;
}

// A caller per test: it caches A2A clients per URL, and a port may be reused by a later test's agent.
let caller: AgentCaller;
beforeEach(() => {
  caller = createAgentCaller({ fetch });
});

describe('HTTP agents', () => {
  it('posts {runId, stepId, attempt, idempotencyKey, input} with the Idempotency-Key and attempt headers and returns the JSON reply', async () => {
    const agent = await track(startHttpAgent((body: { input: { amount: number } }) => ({ charged: body.input.amount })));
    const result = await caller.callAgent(target(agent), stepCall({ attempt: 3 }));

    expect(result).toEqual({ output: { charged: 42 }, logs: [], statusCode: 200 });
    expect(agent.calls).toHaveLength(1);
    const [call] = agent.calls;
    expect(call?.method).toBe('POST');
    expect(call?.body).toEqual({ runId: 'run-1', stepId: 'charge', attempt: 3, idempotencyKey: 'run-1:charge:k1', input: { amount: 42 } });
    expect(call?.headers['idempotency-key']).toBe('run-1:charge:k1');
    expect(call?.headers['x-flowdeck-attempt']).toBe('3');
    expect(call?.headers['content-type']).toBe('application/json');
    expect(call?.headers.authorization).toBeUndefined();
  });

  it('sends the bearer token and the API key header', async () => {
    const agent = await track(startHttpAgent(() => ({ ok: true })));
    await caller.callAgent(target(agent, { authType: 'BEARER', authConfig: { token: 's3cret' } }), stepCall());
    await caller.callAgent(target(agent, { authType: 'APIKEY', authConfig: { key: 'k1' } }), stepCall());
    await caller.callAgent(target(agent, { authType: 'APIKEY', authConfig: { key: 'k2', header: 'X-Billing-Key' } }), stepCall());

    expect(agent.calls.map((c) => c.headers.authorization)).toEqual(['Bearer s3cret', undefined, undefined]);
    expect(agent.calls[1]?.headers['x-api-key']).toBe('k1');
    expect(agent.calls[2]?.headers['x-billing-key']).toBe('k2');
    expect(agent.calls[2]?.headers['x-api-key']).toBeUndefined();
  });

  it('returns the logs of a reply, the whole reply staying the output', async () => {
    const reply = {
      total: 3,
      logs: [{ level: 'warn', message: 'slow upstream', data: { ms: 900 } }, 'plain line', { message: 'no level' }],
    };
    const agent = await track(startHttpAgent(() => reply));
    const result = await caller.callAgent(target(agent), stepCall());

    expect(result.output).toEqual(reply);
    expect(result.logs).toEqual([
      { level: 'warn', message: 'slow upstream', data: { ms: 900 } },
      { level: 'info', message: 'plain line' },
      { level: 'info', message: 'no level' },
    ]);
  });

  it('makes a 503 with Retry-After retryable, with the delay and the body', async () => {
    const agent = await track(startHttpAgent(() => new AgentReply(503, { error: 'overloaded' }, { 'retry-after': '2' })));
    const error = await failure(caller.callAgent(target(agent), stepCall()));

    expect(error).toMatchObject({ kind: 'http', statusCode: 503, retryable: true, retryAfterMs: 2000 });
    expect(error.body).toBe('{"error":"overloaded"}');
    expect(error.message).toBe('agent "billing" answered HTTP 503: {"error":"overloaded"}');
  });

  it('makes a 400 final, and truncates a long body', async () => {
    const agent = await track(
      startHttpAgent(() => {
        // eslint-disable-next-line @typescript-eslint/only-throw-error -- handlers may throw a reply, as tests of deep code do
        throw new AgentReply(400, 'x'.repeat(5000));
      }),
    );
    const error = await failure(caller.callAgent(target(agent), stepCall()));

    expect(error).toMatchObject({ kind: 'http', statusCode: 400, retryable: false, retryAfterMs: null });
    expect(error.body).toBe(`${'x'.repeat(2000)}…[truncated]`);
    expect(error.message).toBe(`agent "billing" answered HTTP 400: ${'x'.repeat(200)}…`);
  });

  it('reads an HTTP-date Retry-After on a 429', async () => {
    const now = Date.parse('2030-01-01T00:00:00Z');
    const agent = await track(startHttpAgent(() => new AgentReply(429, {}, { 'retry-after': new Date(now + 30_000).toUTCString() })));
    const error = await failure(createAgentCaller({ fetch, now: () => now }).callAgent(target(agent), stepCall()));

    expect(error).toMatchObject({ kind: 'http', statusCode: 429, retryable: true, retryAfterMs: 30_000 });
  });

  it('treats a reply that is not JSON as a protocol error', async () => {
    const agent = await track(startHttpAgent(() => new AgentReply(200, '<html>hello</html>')));
    const error = await failure(caller.callAgent(target(agent), stepCall()));

    expect(error).toMatchObject({ kind: 'protocol', statusCode: 200, retryable: false, body: '<html>hello</html>' });
    expect(error.message).toContain('not JSON');
  });

  it('times out a blocked agent, and really drops the connection', async () => {
    const blocked = openLater();
    const agent = await track(startHttpAgent(() => blocked.wait.then(() => ({ late: true }))));
    const error = await failure(caller.callAgent(target(agent), stepCall({ timeoutMs: 200 })));

    expect(error).toMatchObject({ kind: 'timeout', retryable: true, statusCode: null });
    expect(error.message).toBe('agent "billing" timed out after 200ms');
    await until(() => agent.aborted === 1);
    expect(agent.inFlight).toBe(0);
  });

  it('aborts when the engine cancels, and does not retry', async () => {
    const blocked = openLater();
    const agent = await track(startHttpAgent(() => blocked.wait));
    const controller = new AbortController();
    const pending = caller.callAgent(target(agent), stepCall({ signal: controller.signal }));
    await until(() => agent.inFlight === 1);
    controller.abort('run cancelled by user');
    const error = await failure(pending);

    expect(error).toMatchObject({ kind: 'aborted', retryable: false });
    expect(error.message).toContain('run cancelled by user');
    await until(() => agent.aborted === 1);
  });

  it('reports a refused connection as a retryable network error', async () => {
    const agent = await startHttpAgent(() => ({}));
    await agent.close();
    const error = await failure(caller.callAgent(target(agent), stepCall()));

    expect(error).toMatchObject({ kind: 'network', retryable: true, statusCode: null });
    expect(error.message).toContain(`agent "billing" is unreachable at ${agent.url}`);
    expect(error.message).toContain('ECONNREFUSED');
  });

  it('lets parallel calls overlap', async () => {
    const both = openLater();
    const agent = await track(startHttpAgent(() => both.wait.then(() => ({ done: true }))));
    const calls = [caller.callAgent(target(agent), stepCall({ stepId: 'a' })), caller.callAgent(target(agent), stepCall({ stepId: 'b' }))];
    await until(() => agent.inFlight === 2);
    both.open();
    await Promise.all(calls);
    expect(agent.maxInFlight).toBe(2);
  });
});

describe('A2A agents', () => {
  it('sends the input as a data part and returns the reply data', async () => {
    const agent = await track(startA2AAgent((data: { amount: number }) => ({ charged: data.amount, currency: 'EUR' })));
    const result = await caller.callAgent(
      target(agent, { protocol: 'A2A', authType: 'BEARER', authConfig: { token: 'a2a-token' } }),
      stepCall({ attempt: 2 }),
    );

    expect(result).toEqual({ output: { charged: 42, currency: 'EUR' }, logs: [], statusCode: 200 });
    expect(agent.calls).toHaveLength(1);
    const [call] = agent.calls;
    expect(call?.headers['idempotency-key']).toBe('run-1:charge:k1');
    expect(call?.headers['x-flowdeck-attempt']).toBe('2');
    expect(call?.headers.authorization).toBe('Bearer a2a-token');
    expect(call?.body).toMatchObject({
      jsonrpc: '2.0',
      method: 'SendMessage',
      params: {
        message: {
          role: 'ROLE_USER',
          parts: [{ data: { amount: 42 } }],
          metadata: { runId: 'run-1', stepId: 'charge', attempt: 2, idempotencyKey: 'run-1:charge:k1' },
        },
      },
    });
  });

  it('speaks A2A v0.3 (message/send, parts with kind) to an agent that only offers it', async () => {
    const agent = await track(startA2AAgent((data: { amount: number }) => ({ doubled: data.amount * 2 }), { protocolVersion: '0.3' }));
    const result = await caller.callAgent(target(agent, { protocol: 'A2A', authType: 'APIKEY', authConfig: { key: 'k' } }), stepCall());

    expect(result.output).toEqual({ doubled: 84 });
    const [call] = agent.calls;
    expect(call?.headers['x-api-key']).toBe('k');
    expect(call?.headers['idempotency-key']).toBe('run-1:charge:k1');
    expect(call?.headers['x-flowdeck-attempt']).toBe('1');
    expect(call?.body).toMatchObject({
      method: 'message/send',
      params: {
        message: {
          role: 'user',
          parts: [{ kind: 'data', data: { amount: 42 } }],
          metadata: { runId: 'run-1', attempt: 1, idempotencyKey: 'run-1:charge:k1' },
        },
      },
    });
  });

  it('returns the data artifact of a completed task', async () => {
    const agent = await track(startA2AAgent(() => ({ invoice: 'INV-7' }), { reply: 'task' }));
    const result = await caller.callAgent(target(agent, { protocol: 'A2A' }), stepCall());

    expect(result.output).toEqual({ invoice: 'INV-7' });
  });

  it('wraps an input that is not an object as {value}', async () => {
    const seen: unknown[] = [];
    const agent = await track(
      startA2AAgent((data) => {
        seen.push(data);
        return 'fine';
      }),
    );
    const result = await caller.callAgent(target(agent, { protocol: 'A2A' }), stepCall({ input: [1, 2] }));

    expect(seen).toEqual([{ value: [1, 2] }]);
    expect(result.output).toBe('fine');
  });

  it('turns a failing handler into a protocol error carrying its message', async () => {
    const agent = await track(
      startA2AAgent(() => {
        throw new Error('card declined');
      }),
    );
    const error = await failure(caller.callAgent(target(agent, { protocol: 'A2A' }), stepCall()));

    expect(error).toMatchObject({ kind: 'protocol', retryable: false });
    expect(error.message).toBe('agent "billing" task failed: card declined');
  });

  it('maps an HTTP status from the A2A endpoint like any other', async () => {
    const agent = await track(startA2AAgent(() => new AgentReply(503, 'busy', { 'retry-after': '1' })));
    const error = await failure(caller.callAgent(target(agent, { protocol: 'A2A' }), stepCall()));

    expect(error).toMatchObject({ kind: 'http', statusCode: 503, retryable: true, retryAfterMs: 1000, body: 'busy' });
  });

  it('times out a blocked A2A agent and drops its connection', async () => {
    const blocked = openLater();
    const agent = await track(startA2AAgent(() => blocked.wait));
    const error = await failure(caller.callAgent(target(agent, { protocol: 'A2A' }), stepCall({ timeoutMs: 300 })));

    expect(error).toMatchObject({ kind: 'timeout', retryable: true });
    await until(() => agent.aborted === 1);
  });

  it('aborts an A2A call when the engine cancels', async () => {
    const blocked = openLater();
    const agent = await track(startA2AAgent(() => blocked.wait));
    const controller = new AbortController();
    const pending = caller.callAgent(target(agent, { protocol: 'A2A' }), stepCall({ signal: controller.signal }));
    await until(() => agent.inFlight === 1);
    controller.abort('step cancelled');
    const error = await failure(pending);

    expect(error).toMatchObject({ kind: 'aborted', retryable: false });
    expect(error.message).toBe('agent "billing" call was aborted: step cancelled');
    await until(() => agent.aborted === 1);
  });

  it('turns a JSON-RPC error into a final protocol error, and a 500 into a retryable one', async () => {
    let rpcStatus = 200;
    const agent = await track(
      startHttpAgent((body: { id?: number }, call) => {
        if (call.path === '/.well-known/agent-card.json') {
          const rpc = { url: `${agent.url}/rpc`, protocolBinding: 'JSONRPC', protocolVersion: '1.0' };
          return { name: 'fake', description: '', version: '1', supportedInterfaces: [rpc], capabilities: {}, skills: [] };
        }
        const envelope = { jsonrpc: '2.0', id: body.id ?? null, error: { code: -32602, message: 'amount is required' } };
        return new AgentReply(rpcStatus, envelope);
      }),
    );
    const rejected = await failure(caller.callAgent(target(agent, { protocol: 'A2A' }), stepCall()));
    expect(rejected).toMatchObject({ kind: 'protocol', retryable: false });
    expect(rejected.message).toBe('agent "billing" answered with an A2A error -32602: amount is required');

    rpcStatus = 500;
    const crashed = await failure(caller.callAgent(target(agent, { protocol: 'A2A' }), stepCall()));
    expect(crashed).toMatchObject({ kind: 'http', statusCode: 500, retryable: true });
    expect(crashed.body).toContain('amount is required');
  });

  it('reports a missing agent card as an HTTP error naming the card', async () => {
    const agent = await track(startHttpAgent(() => new AgentReply(404, { error: 'no such path' })));
    const error = await failure(caller.callAgent(target(agent, { protocol: 'A2A' }), stepCall()));

    expect(error).toMatchObject({ kind: 'http', statusCode: 404, retryable: false });
    expect(error.message).toContain('/.well-known/agent-card.json');
  });
});

describe('http steps', () => {
  it('GETs a URL with the given headers and returns the JSON reply', async () => {
    const service = await track(startHttpAgent(() => ({ items: [1, 2] })));
    const result = await caller.callHttp(
      {
        method: 'GET',
        url: `${service.url}/items?page=2`,
        headers: { 'X-Trace': 't-1', 'Idempotency-Key': 'forged', 'X-Flowdeck-Attempt': '9' },
      },
      stepCall({ stepId: 'fetch' }),
    );

    expect(result).toEqual({ output: { items: [1, 2] }, logs: [], statusCode: 200 });
    const [call] = service.calls;
    expect(call).toMatchObject({ method: 'GET', path: '/items', body: undefined });
    expect(call?.headers['x-trace']).toBe('t-1');
    expect(call?.headers['idempotency-key']).toBe('run-1:charge:k1');
    expect(call?.headers['x-flowdeck-attempt']).toBe('1');
  });

  it('POSTs a JSON body and returns a text reply as text', async () => {
    const service = await track(startHttpAgent(() => new AgentReply(201, 'created')));
    const result = await caller.callHttp({ method: 'post', url: `${service.url}/orders`, body: { sku: 'A1' } }, stepCall());

    expect(result).toEqual({ output: 'created', logs: [], statusCode: 201 });
    expect(service.calls[0]).toMatchObject({ method: 'POST', path: '/orders', body: { sku: 'A1' } });
    expect(service.calls[0]?.headers['content-type']).toBe('application/json');
  });

  it('classifies failures like agent calls', async () => {
    const service = await track(startHttpAgent(() => new AgentReply(500, { error: 'boom' })));
    const error = await failure(caller.callHttp({ method: 'DELETE', url: `${service.url}/orders/1` }, stepCall()));

    expect(error).toMatchObject({ kind: 'http', statusCode: 500, retryable: true });
    expect(error.message).toBe(`DELETE ${service.url}/orders/1 answered HTTP 500: {"error":"boom"}`);
  });

  it('refuses a request fetch cannot build, without retrying it', async () => {
    const error = await failure(caller.callHttp({ method: 'GET', url: 'http://127.0.0.1:1/x', body: { a: 1 } }, stepCall()));
    expect(error).toMatchObject({ kind: 'protocol', retryable: false });
    const bad = await failure(caller.callHttp({ method: 'GET', url: 'not a url' }, stepCall()));
    expect(bad).toMatchObject({ kind: 'protocol', retryable: false });
  });
});
