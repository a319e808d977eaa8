// What an agent or HTTP service returns is bounded: reply bodies by maxResponseBytes (read as a
// stream and cut, so an endless body cannot hang or exhaust a worker), logs by maxLogEntries; the
// A2A client built from an agent card is cached per URL and credentials; metrics labels by
// agent name are capped. Real servers on 127.0.0.1 throughout.

import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { AgentCallError, createAgentCaller } from '../../src/engine/agents/call.ts';
import type { AgentCaller, AgentCallerDeps } from '../../src/engine/agents/call.ts';
import { instrumentCaller, OTHER_AGENTS } from '../../src/engine/metrics.ts';
import type { AgentCallOutcome } from '../../src/engine/metrics.ts';
import { AgentReply, startA2AAgent, startHttpAgent } from '../support/agents.ts';
import type { TestAgent } from '../support/agents.ts';
import { agentTarget, stepCall } from '../support/agent-calls.ts';

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

async function track(agent: Promise<TestAgent>): Promise<TestAgent> {
  const started = await agent;
  closers.push(() => started.close());
  return started;
}

/** A server whose reply body never ends; `closed` settles once the client hangs up. */
async function startEndlessServer(status: number): Promise<{ url: string; closed: Promise<void> }> {
  let hungUp: () => void = () => {};
  const closed = new Promise<void>((resolve) => (hungUp = resolve));
  const chunk = Buffer.alloc(16 * 1024, 'x');
  const server = createServer((_req, res) => {
    res.writeHead(status, { 'content-type': 'text/plain' });
    res.on('close', hungUp);
    const pump = () => {
      while (!res.destroyed && res.write(chunk));
      if (!res.destroyed) res.once('drain', pump);
    };
    pump();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, closed };
}

const target = agentTarget;

async function failure(promise: Promise<unknown>): Promise<AgentCallError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AgentCallError);
  return error as AgentCallError;
}

function caller(deps: Partial<AgentCallerDeps> = {}): AgentCaller {
  return createAgentCaller({ fetch, ...deps });
}

describe('reply size limit', () => {
  it('fails an HTTP agent reply past the limit, declared or streamed, as final, and accepts one at the limit', async () => {
    const limited = caller({ maxResponseBytes: 1024 });
    const body = (n: number) => ({ pad: 'x'.repeat(n - 10) }); // {"pad":"…"} is 10 bytes of JSON around the pad
    const agent = await track(startHttpAgent((req: { input: { size: number } }) => body(req.input.size)));
    expect((await limited.callAgent(target(agent.url), stepCall({ input: { size: 1024 } }))).output).toEqual(body(1024));

    const declared = await failure(limited.callAgent(target(agent.url), stepCall({ input: { size: 1025 } })));
    expect(declared).toMatchObject({ kind: 'protocol', retryable: false, statusCode: 200 });
    expect(declared.message).toBe('agent "billing": reply body exceeds 1024 bytes (STEP_MAX_OUTPUT_BYTES)');

    const endless = await startEndlessServer(200);
    const streamed = await failure(limited.callAgent(target(endless.url), stepCall()));
    expect(streamed.message).toBe('agent "billing": reply body exceeds 1024 bytes (STEP_MAX_OUTPUT_BYTES)');
    expect(streamed.retryable).toBe(false);
    await endless.closed;
  });

  it('defaults to 4 MiB', async () => {
    const endless = await startEndlessServer(200);
    const error = await failure(caller().callHttp({ method: 'GET', url: endless.url }, stepCall()));
    expect(error.message).toBe(`GET ${endless.url}: reply body exceeds 4194304 bytes (STEP_MAX_OUTPUT_BYTES)`);
  });

  it('fails an http step reply past the limit', async () => {
    const service = await track(startHttpAgent(() => new AgentReply(200, 'y'.repeat(5000))));
    const error = await failure(caller({ maxResponseBytes: 4096 }).callHttp({ method: 'GET', url: `${service.url}/blob` }, stepCall()));
    expect(error).toMatchObject({ kind: 'protocol', retryable: false });
    expect(error.message).toBe(`GET ${service.url}/blob: reply body exceeds 4096 bytes (STEP_MAX_OUTPUT_BYTES)`);
  });

  it('keeps an error reply retryable by its status, reading only the start of an endless body', async () => {
    const endless = await startEndlessServer(503);
    const error = await failure(caller().callAgent(target(endless.url), stepCall()));
    expect(error).toMatchObject({ kind: 'http', statusCode: 503, retryable: true });
    expect(error.body).toBe(`${'x'.repeat(2000)}…[truncated]`);
    await endless.closed;
  });

  it('fails an A2A reply past the limit', async () => {
    const agent = await track(startA2AAgent(() => ({ blob: 'z'.repeat(10_000) })));
    const error = await failure(caller({ maxResponseBytes: 4096 }).callAgent(target(agent.url, { protocol: 'A2A' }), stepCall()));
    expect(error).toMatchObject({ kind: 'protocol', retryable: false, statusCode: 200 });
    expect(error.message).toBe('agent "billing": reply body exceeds 4096 bytes (STEP_MAX_OUTPUT_BYTES)');
  });

  it('fails an A2A agent card past the limit, naming the card', async () => {
    const agent = await track(startHttpAgent(() => ({ name: 'huge', description: 'd'.repeat(10_000) })));
    const error = await failure(caller({ maxResponseBytes: 4096 }).callAgent(target(agent.url, { protocol: 'A2A' }), stepCall()));
    expect(error.message).toBe(
      `agent "billing" (agent card ${agent.url}/.well-known/agent-card.json): reply body exceeds 4096 bytes (STEP_MAX_OUTPUT_BYTES)`,
    );
    expect(error.retryable).toBe(false);
  });
});

describe('log entry limit', () => {
  const logs = (n: number) => Array.from({ length: n }, (_, i) => ({ level: 'info', message: `line ${i}` }));

  it('keeps the first entries and says how many were dropped; the output stays whole', async () => {
    const agent = await track(startHttpAgent(() => ({ done: true, logs: logs(250) })));
    const result = await caller().callAgent(target(agent.url), stepCall());
    expect(result.logs).toHaveLength(101);
    expect(result.logs[99]).toEqual({ level: 'info', message: 'line 99' });
    expect(result.logs[100]).toEqual({ level: 'warn', message: '150 more log entries dropped (STEP_MAX_LOG_ENTRIES=100)' });
    expect((result.output as { logs: unknown[] }).logs).toHaveLength(250);

    const none = await caller({ maxLogEntries: 0 }).callAgent(target(agent.url), stepCall());
    expect(none.logs).toEqual([{ level: 'warn', message: '250 more log entries dropped (STEP_MAX_LOG_ENTRIES=0)' }]);
    const exact = await caller({ maxLogEntries: 250 }).callAgent(target(agent.url), stepCall());
    expect(exact.logs).toHaveLength(250);
  });
});

describe('A2A client cache', () => {
  /** A fetch that records the path of every request it sends. */
  function recordingFetch(): { fetch: typeof fetch; paths: string[] } {
    const paths: string[] = [];
    return {
      paths,
      fetch: (input, init) => {
        paths.push(new URL(input instanceof Request ? input.url : String(input)).pathname);
        return fetch(input, init);
      },
    };
  }
  const cards = (paths: string[]) => paths.filter((p) => p === '/.well-known/agent-card.json').length;

  it('fetches the card once per agent URL and credentials, and each call still sends its own key and attempt', async () => {
    const agent = await track(startA2AAgent((data: { n: number }) => ({ n: data.n })));
    const wire = recordingFetch();
    const a2a = caller({ fetch: wire.fetch });
    const bearer = (token: string) => target(agent.url, { protocol: 'A2A', authType: 'BEARER', authConfig: { token } });

    const calls = [1, 2, 3].map((n) => stepCall({ input: { n }, attempt: n, idempotencyKey: `key-${n}` }));
    expect((await a2a.callAgent(bearer('t1'), calls[0]!)).output).toEqual({ n: 1 });
    const outputs = await Promise.all(calls.slice(1).map((call) => a2a.callAgent(bearer('t1'), call)));
    expect(outputs.map((r) => r.output)).toEqual([{ n: 2 }, { n: 3 }]);
    expect(cards(wire.paths)).toBe(1);

    const seen = agent.calls.map((c) => {
      const message = (c.body as { params: { message: { metadata: { idempotencyKey: string; attempt: number } } } }).params.message;
      return [c.headers['idempotency-key'], c.headers['x-flowdeck-attempt'], message.metadata.idempotencyKey, message.metadata.attempt];
    });
    expect(seen.sort()).toEqual([
      ['key-1', '1', 'key-1', 1],
      ['key-2', '2', 'key-2', 2],
      ['key-3', '3', 'key-3', 3],
    ]);
    expect(agent.calls.map((c) => c.headers.authorization)).toEqual(['Bearer t1', 'Bearer t1', 'Bearer t1']);

    // Other credentials are another client, which sends its own.
    await a2a.callAgent(bearer('t2'), stepCall());
    expect(cards(wire.paths)).toBe(2);
    expect(agent.calls.at(-1)?.headers.authorization).toBe('Bearer t2');
  });

  it('fetches the card again once the entry expired, was evicted, or the call failed', async () => {
    let now = 0;
    const agent = await track(startA2AAgent((data: { fail?: boolean }) => (data.fail ? new AgentReply(500, 'boom') : { ok: true })));
    const other = await track(startA2AAgent(() => ({ ok: true })));
    const wire = recordingFetch();
    const a2a = caller({ fetch: wire.fetch, now: () => now, a2aClientCache: { maxEntries: 1, ttlMs: 60_000 } });
    const at = (url: string) => target(url, { protocol: 'A2A' });

    await a2a.callAgent(at(agent.url), stepCall());
    now = 59_999;
    await a2a.callAgent(at(agent.url), stepCall());
    expect(cards(wire.paths)).toBe(1);
    now = 60_000;
    await a2a.callAgent(at(agent.url), stepCall());
    expect(cards(wire.paths)).toBe(2);

    // One entry only: the other agent's client pushes this one out.
    await a2a.callAgent(at(other.url), stepCall());
    await a2a.callAgent(at(agent.url), stepCall());
    expect(cards(wire.paths)).toBe(4);

    const failed = await failure(a2a.callAgent(at(agent.url), stepCall({ input: { fail: true } })));
    expect(failed).toMatchObject({ kind: 'http', statusCode: 500 });
    await a2a.callAgent(at(agent.url), stepCall());
    expect(cards(wire.paths)).toBe(5);
  });
});

describe('agent metrics labels', () => {
  it('reports the first names as themselves and later ones as "other"', async () => {
    const reported: Array<[string, AgentCallOutcome['status']]> = [];
    const inner: AgentCaller = {
      callAgent: async (agent) => {
        if (agent.name === 'broken') throw new AgentCallError('boom', { kind: 'http', statusCode: 500 });
        return { output: null, logs: [], statusCode: 200 };
      },
      callHttp: async () => ({ output: null, logs: [], statusCode: 200 }),
    };
    const instrumented = instrumentCaller(
      inner,
      { agentCallFinished: (name, _s, outcome) => reported.push([name, outcome.status]) },
      { maxAgentLabels: 2 },
    );
    for (const name of ['a', 'b', 'c', 'a', 'broken', 'b'])
      await instrumented.callAgent(target('http://127.0.0.1:1', { name }), stepCall()).catch(() => {});
    expect(reported).toEqual([
      ['a', 'succeeded'],
      ['b', 'succeeded'],
      [OTHER_AGENTS, 'succeeded'],
      ['a', 'succeeded'],
      [OTHER_AGENTS, 'failed'],
      ['b', 'succeeded'],
    ]);
  });
});
