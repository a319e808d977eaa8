// The egress fetch against real servers on 127.0.0.1. Every refusal is of a loopback target with
// loopback denied (names are mapped to 127.0.0.1 by an injected resolver), so nothing here ever
// sends a packet beyond loopback; that the refused server saw no request shows the refusal came
// before any connection.

import { afterEach, describe, expect, it } from 'vitest';
import { EgressRedirectError, EgressRefusedError } from '../../src/egress/errors.ts';
import { createEgressFetch, type EgressFetch, type EgressFetchOptions, withCredentialHeaders } from '../../src/egress/fetch.ts';
import { createEgressPolicy } from '../../src/egress/policy.ts';
import { readLimited } from '../../src/engine/agents/body.ts';
import { AgentReply, startHttpAgent, type AgentHandler, type TestAgent } from '../support/agents.ts';

const running: TestAgent[] = [];
const fetches: EgressFetch[] = [];
afterEach(async () => {
  await Promise.all([...running.splice(0).map((s) => s.close()), ...fetches.splice(0).map((f) => f.close())]);
});

async function server(handler: AgentHandler = () => ({ ok: true })): Promise<TestAgent> {
  const started = await startHttpAgent(handler);
  running.push(started);
  return started;
}

const portOf = (s: TestAgent): string => new URL(s.url).port;
const redirect = (status: number, location: string) => new AgentReply(status, '', { location });

/** An egress fetch over `allow`, with DNS answering from `table` (and recording what it was asked). */
function egress(allow: string[], table: Record<string, string[] | (() => string[])> = {}, options: EgressFetchOptions = {}) {
  const asked: string[] = [];
  const policy = createEgressPolicy({
    allow,
    resolve: async (host) => {
      asked.push(host);
      const answer = table[host];
      if (!answer) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
      return typeof answer === 'function' ? answer() : answer;
    },
  });
  const fetch = createEgressFetch(policy, options);
  fetches.push(fetch);
  return { fetch, asked, policy };
}

async function rejection<T extends Error>(promise: Promise<unknown>, type: new (...args: never[]) => T): Promise<T> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(type);
  return error as T;
}

describe('refusals come before any connection', () => {
  it('refuses a loopback address with loopback denied; the server sees nothing, and a closed port reads the same', async () => {
    const target = await server();
    const closed = await startHttpAgent(() => null);
    await closed.close();
    const { fetch, asked } = egress([]);

    const open = await rejection(fetch(`${target.url}/admin`), EgressRefusedError);
    const shut = await rejection(fetch(`${closed.url}/admin`), EgressRefusedError);

    expect(open).toMatchObject({ rule: 'loopback', host: '127.0.0.1' });
    expect(open.message).toMatch(/^Outbound call to 127\.0\.0\.1 refused by the egress policy: loopback address .*EGRESS_ALLOW/);
    expect(shut.message).toBe(open.message);
    expect(target.calls).toHaveLength(0);
    expect(asked).toEqual([]);
  });

  it('refuses a name by what DNS answers, asking once, and never connects', async () => {
    const target = await server();
    const { fetch, asked } = egress([], { 'loop.test': ['127.0.0.1'] });

    const error = await rejection(fetch(`http://loop.test:${portOf(target)}/`), EgressRefusedError);

    expect(error).toMatchObject({ rule: 'loopback', via: 'dns', host: 'loop.test' });
    expect(error.message).toContain('the name resolves to a loopback address');
    expect(target.calls).toHaveLength(0);
    expect(asked).toEqual(['loop.test']);
  });
});

describe('connections go to the address the policy judged', () => {
  it('connects an allowed name to its answer, keeping the name in Host, after one lookup', async () => {
    const target = await server((_body, call) => ({ host: call.headers.host }));
    const { fetch, asked } = egress(['allowed.test'], { 'allowed.test': ['127.0.0.1'] });

    const response = await fetch(`http://allowed.test:${portOf(target)}/x`);

    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ host: `allowed.test:${portOf(target)}` });
    expect(asked).toEqual(['allowed.test']);
  });

  it('judges each connection by the answer it connects with: a changed answer is refused, not used', async () => {
    const target = await server();
    const answers = [['127.0.0.1'], ['127.0.0.1', '10.0.0.1']];
    const table = { 'rebind.test': () => answers.shift() ?? [] };
    // Allowed by address, not by name: what the name resolves to decides.
    const first = egress(['127.0.0.1'], table);
    expect((await first.fetch(`http://rebind.test:${portOf(target)}/`)).status).toBe(200);
    // A new pool makes a new connection, hence a new lookup, which now answers a private address too.
    const second = createEgressFetch(first.policy);
    fetches.push(second);
    const error = await rejection(second(`http://rebind.test:${portOf(target)}/`), EgressRefusedError);

    expect(error).toMatchObject({ rule: 'private', via: 'dns' });
    expect(target.calls).toHaveLength(1);
    expect(first.asked).toEqual(['rebind.test', 'rebind.test']);
  });
});

describe('redirects', () => {
  it('re-checks every hop: a redirect into loopback space from an allowed name is refused before the hop', async () => {
    const inside = await server();
    const outside = await server(() => redirect(302, `http://127.0.0.1:${portOf(inside)}/internal`));
    const { fetch } = egress(['allowed.test'], { 'allowed.test': ['127.0.0.1'] });

    const error = await rejection(fetch(`http://allowed.test:${portOf(outside)}/`), EgressRefusedError);

    expect(error).toMatchObject({ rule: 'loopback', host: '127.0.0.1' });
    expect(outside.calls).toHaveLength(1);
    expect(inside.calls).toHaveLength(0);
  });

  it('refuses a redirect to a name resolving into denied space, and to a non-http scheme', async () => {
    const inside = await server();
    const outside = await server((_body, call) =>
      call.path === '/file' ? redirect(301, 'file:///etc/passwd') : redirect(307, `http://loop.test:${portOf(inside)}/`),
    );
    const { fetch } = egress(['allowed.test'], { 'allowed.test': ['127.0.0.1'], 'loop.test': ['127.0.0.1'] });
    const base = `http://allowed.test:${portOf(outside)}`;

    expect(await rejection(fetch(`${base}/`), EgressRefusedError)).toMatchObject({ rule: 'loopback', via: 'dns', host: 'loop.test' });
    expect(await rejection(fetch(`${base}/file`), EgressRefusedError)).toMatchObject({ rule: 'scheme' });
    expect(inside.calls).toHaveLength(0);
  });

  it('follows at most 5 redirects', async () => {
    const hop = (path: string) => Number(path.slice(1) || '0');
    const endless = await server((_body, call) => redirect(302, `/${hop(call.path) + 1}`));
    const five = await server((_body, call) => (hop(call.path) < 5 ? redirect(302, `/${hop(call.path) + 1}`) : { hops: hop(call.path) }));
    const { fetch } = egress(['loopback']);

    expect(await (await fetch(`${five.url}/`)).json()).toEqual({ hops: 5 });
    const error = await rejection(fetch(`${endless.url}/`), EgressRedirectError);

    expect(error.problem).toBe('too-many');
    expect(error.message).toMatch(/more than 5 redirects/);
    expect(endless.calls.map((c) => c.path)).toEqual(['/', '/1', '/2', '/3', '/4', '/5']);
  });

  it('drops credentials for good once a redirect leaves the origin, and keeps them within it', async () => {
    const other = await server((_body, call) => (call.path === '/back' ? redirect(302, `${origin}/final`) : { ok: true }));
    const home = await server((_body, call) =>
      call.path === '/start'
        ? redirect(307, '/same')
        : call.path === '/same'
          ? redirect(308, `http://other.test:${portOf(other)}/back`)
          : { ok: true },
    );
    const origin = `http://home.test:${portOf(home)}`;
    const { fetch } = egress(
      ['loopback', 'home.test', 'other.test'],
      { 'home.test': ['127.0.0.1'], 'other.test': ['127.0.0.1'] },
      { credentialHeaders: ['X-Tenant-Token'] },
    );
    const headers = {
      authorization: 'Bearer s3cret',
      cookie: 'session=1',
      'proxy-authorization': 'Basic eA==',
      'x-api-key': 'k1',
      'x-tenant-token': 't1',
      'x-trace': 'keep-me',
    };

    const response = await fetch(`${origin}/start`, withCredentialHeaders({ method: 'POST', headers, body: '{"a":1}' }, ['X-API-Key']));

    expect(response.status).toBe(200);
    const credentials = ['authorization', 'cookie', 'proxy-authorization', 'x-api-key', 'x-tenant-token'];
    const seen = [...home.calls, ...other.calls].map((c) => [
      c.path,
      credentials.filter((h) => c.headers[h] !== undefined),
      c.headers['x-trace'],
    ]);
    expect(home.calls.map((c) => c.path)).toEqual(['/start', '/same', '/final']);
    expect(seen).toEqual([
      ['/start', credentials, 'keep-me'],
      ['/same', credentials, 'keep-me'],
      ['/final', [], 'keep-me'],
      ['/back', [], 'keep-me'],
    ]);
  });

  it('turns 303 (and 301/302 after a POST) into a GET without body; 307 and 308 keep method and body', async () => {
    const target = await server((_body, call) => {
      const next = { '/303': 303, '/302': 302, '/307': 307, '/308': 308 }[call.path];
      return next ? redirect(next, '/end') : { method: call.method, body: call.body ?? null, type: call.headers['content-type'] ?? null };
    });
    const { fetch } = egress(['loopback']);
    const send = async (path: string, method: string) =>
      (await fetch(`${target.url}${path}`, { method, headers: { 'content-type': 'application/json' }, body: '{"n":1}' })).json();

    expect(await send('/303', 'PUT')).toEqual({ method: 'GET', body: null, type: null });
    expect(await send('/302', 'POST')).toEqual({ method: 'GET', body: null, type: null });
    expect(await send('/307', 'POST')).toEqual({ method: 'POST', body: { n: 1 }, type: 'application/json' });
    expect(await send('/308', 'PUT')).toEqual({ method: 'PUT', body: { n: 1 }, type: 'application/json' });
  });

  it('hands back the redirect itself with redirect: manual, and fails with redirect: error', async () => {
    const target = await server(() => redirect(302, '/elsewhere'));
    const { fetch } = egress(['loopback']);

    const manual = await fetch(`${target.url}/`, { redirect: 'manual' });
    expect(manual.status).toBe(302);
    expect(manual.headers.get('location')).toBe('/elsewhere');
    expect((await rejection(fetch(`${target.url}/`, { redirect: 'error' }), EgressRedirectError)).problem).toBe('not-allowed');
    expect(target.calls).toHaveLength(2);
  });
});

describe('reply bodies', () => {
  const sizes: Record<string, number> = { '/small': 512, '/exact': 4096, '/over': 4097, '/big': 256 * 1024 };
  const bodies = () => server((_body, call) => 'x'.repeat(sizes[call.path] ?? 0));

  it('fails a body past the backstop cap while it is read', async () => {
    const target = await bodies();
    const { fetch } = egress(['loopback'], {}, { maxResponseBytes: 4096 });

    expect(await (await fetch(`${target.url}/small`)).text()).toHaveLength(512);
    expect(await (await fetch(`${target.url}/exact`)).text()).toHaveLength(4096);
    await expect((await fetch(`${target.url}/over`)).text()).rejects.toThrow(/exceeds 4096 bytes/);
    await expect((await fetch(`${target.url}/big`)).text()).rejects.toThrow(/exceeds 4096 bytes/);
  });

  it('lets a reader with a cap of its own (no higher) see that cap crossed, however the body is chunked', async () => {
    const target = await bodies();
    const { fetch } = egress(['loopback'], {}, { maxResponseBytes: 4096 });

    for (const path of ['/over', '/big']) {
      for (const cap of [1024, 4096]) {
        const read = await readLimited((await fetch(`${target.url}${path}`)).body, cap);
        expect({ path, cap, complete: read.complete, length: read.bytes.byteLength }).toEqual({ path, cap, complete: false, length: cap });
      }
    }
  });
});
