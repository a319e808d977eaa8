// CSRF prevention on /graphql: nothing a page on another site can send without a CORS
// preflight (an HTML form post, text/plain, a GET without a custom header) runs an operation,
// and GraphQL is never read from a form body at all. Each refused mutation is checked by
// querying afterwards: nothing was created. The SDK's JSON requests need no extra header.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentsDocument, WorkspacesDocument } from '../gql/graphql.ts';
import { CSRF_HEADERS } from '../../src/server/graphql-hardening.ts';
import { startTestApp, type TestApp } from '../support/app.ts';

let t: TestApp;

beforeAll(async () => {
  t = await startTestApp({}, { WORKER_CONCURRENCY: '0' });
});
afterAll(async () => {
  await t?.close();
});

const createWorkspace = (slug: string) => `mutation { createWorkspace(input: { name: "${slug}", slug: "${slug}" }) { __typename } }`;
const createAgent = (name: string) =>
  `mutation { createAgent(input: { name: "${name}", url: "http://127.0.0.1:9/agent" }) { __typename } }`;

async function send(
  init: RequestInit,
  query = '',
): Promise<{ status: number; body: { data?: unknown; errors?: { message: string; extensions?: Record<string, unknown> }[] } }> {
  const response = await t.app.fetch(new Request(`http://flowdeck.test/graphql${query}`, init));
  return { status: response.status, body: (await response.json()) as never };
}

async function workspaceSlugs(): Promise<string[]> {
  return (await t.ok(WorkspacesDocument)).workspaces.map((w) => w.slug);
}

async function agentNames(): Promise<string[]> {
  return (await t.ok(AgentsDocument, { first: 100 })).agents.edges.map((e) => e.node.name);
}

describe('a cross-site request cannot run a mutation', () => {
  it('refuses a mutation posted as an HTML form (application/x-www-form-urlencoded) with 403; nothing is created', async () => {
    for (const [query, what] of [
      [createWorkspace('csrf-form'), 'workspace'],
      [createAgent('csrf-form-agent'), 'agent'],
    ] as const) {
      const refused = await send({
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ query }).toString(),
      });
      expect(refused.status, what).toBe(403);
      expect(refused.body.errors?.[0]?.message).toBe('Required CSRF header(s) not present');
      expect(refused.body.data).toBeUndefined();
    }
    expect(await workspaceSlugs()).not.toContain('csrf-form');
    expect(await agentNames()).not.toContain('csrf-form-agent');
  });

  it('refuses multipart/form-data and text/plain posts the same way', async () => {
    const form = new FormData();
    form.set('operations', JSON.stringify({ query: createWorkspace('csrf-multipart') }));
    form.set('map', '{}');
    expect((await send({ method: 'POST', body: form })).status).toBe(403);
    const plain = await send({
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify({ query: createWorkspace('csrf-plain') }),
    });
    expect(plain.status).toBe(403);
    expect(await workspaceSlugs()).not.toContain('csrf-multipart');
    expect(await workspaceSlugs()).not.toContain('csrf-plain');
  });

  it('never reads an operation from a form body, even with a CSRF header (415)', async () => {
    const refused = await send({
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-graphql-csrf': '1' },
      body: new URLSearchParams({ query: createWorkspace('csrf-form-with-header') }).toString(),
    });
    expect(refused.status).toBe(415);
    expect(refused.body.errors?.[0]?.extensions?.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    expect(await workspaceSlugs()).not.toContain('csrf-form-with-header');
  });

  it('refuses a GET without a custom header, and never runs a mutation sent by GET', async () => {
    const params = (query: string) => `?${new URLSearchParams({ query }).toString()}`;
    expect((await send({ method: 'GET' }, params('{ workspaces { slug } }'))).status).toBe(403);
    const mutation = await send({ method: 'GET', headers: { 'x-graphql-csrf': '1' } }, params(createWorkspace('csrf-get')));
    expect(mutation.status).toBe(405);
    expect(mutation.body.errors?.[0]?.message).toContain('Can only perform a mutation operation from a POST request');
    expect(await workspaceSlugs()).not.toContain('csrf-get');
  });
});

describe('what scripts send is served', () => {
  it('runs a JSON POST without any extra header (a preflighted request), as the SDK sends it', async () => {
    const created = await send({
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: createWorkspace('csrf-json') }),
    });
    expect(created.status).toBe(200);
    expect(created.body.data).toEqual({ createWorkspace: { __typename: 'Workspace' } });
    expect(await workspaceSlugs()).toContain('csrf-json');
  });

  it.each(CSRF_HEADERS)('serves a GET query carrying %s', async (header) => {
    const answer = await send(
      { method: 'GET', headers: { [header]: '1' } },
      `?${new URLSearchParams({ query: '{ workspaces { slug } }' }).toString()}`,
    );
    expect(answer.status).toBe(200);
    expect(answer.body.data).toMatchObject({ workspaces: expect.any(Array) as unknown });
  });
});
