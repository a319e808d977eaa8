// createFlowdeckClient against a real server on a loopback port: typed queries and mutations
// over HTTP, credentials and the workspace on the wire, the persisted-operation modes against
// servers with and without GRAPHQL_PERSISTED_ONLY, and the normalized cache. Subscriptions are
// in client-subscriptions.test.ts.

import { gql } from '@urql/core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, expectTypeOf, it, type MockInstance, vi } from 'vitest';
import { createFlowdeckClient, type FlowdeckClient, type FlowdeckClientOptions } from '../../sdk/src/client.ts';
import {
  CancelRunDocument,
  CreateWorkspaceDocument,
  type CurrentWorkspaceQuery,
  CurrentWorkspaceDocument,
  ExecuteWorkflowDocument,
  RunDocument,
  RunSummaryFragmentDoc,
  WorkspacesDocument,
  type WorkspacesQuery,
} from '../../sdk/src/gql/graphql.ts';
import { getFragmentData } from '../../sdk/src/gql/fragment-masking.ts';
import { CreateApiKeyDocument, CreateWorkflowDocument } from '../gql/graphql.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { authEnv, mintToken } from '../support/auth.ts';
import { expectMember } from '../support/flows.ts';
import { waitForRun } from '../support/runs.ts';

/** A server that requires credentials (and runs workflows), and one that runs only the SDK's persisted operations. */
let t: TestApp;
let only: TestApp;
let url: string;
let onlyUrl: string;
let token: string;
const clients: FlowdeckClient[] = [];
/** The JSON bodies every client of this file POSTed to /graphql, in order. */
let bodies: { query?: string; extensions?: { persistedQuery?: { sha256Hash: string } } }[] = [];
let warn: MockInstance<typeof console.warn>;

const recordingFetch: typeof fetch = async (input, init) => {
  if (typeof init?.body === 'string') bodies.push(JSON.parse(init.body) as (typeof bodies)[number]);
  return fetch(input, init);
};

function client(options: Partial<FlowdeckClientOptions> & { url: string }): FlowdeckClient {
  const created = createFlowdeckClient({ fetch: recordingFetch, ...options });
  clients.push(created);
  return created;
}

/** The bare hex hash codegen recorded in an SDK document. */
function hashOf(document: object): string {
  return (document as { __meta__: { hash: string } }).__meta__.hash.replace(/^sha256:/, '');
}

beforeAll(async () => {
  [t, only] = await Promise.all([
    startTestApp({}, { ...authEnv, WORKER_POLL_MS: '50' }),
    startTestApp({}, { WORKER_CONCURRENCY: '0', GRAPHQL_PERSISTED_ONLY: 'true' }),
  ]);
  url = `${(await t.app.start()).url}/graphql`;
  onlyUrl = `${(await only.app.start()).url}/graphql`;
  token = await mintToken({ sub: 'sdk@example.com', customer_id: 'sdk-co', role: 'admin' });
});
afterAll(async () => {
  for (const c of clients) await c.dispose();
  await Promise.all([t?.close(), only?.close()]);
});
// Graphcache warns (console.warn) on data it cannot normalize, e.g. an object without __typename
// or an entity without a key: the generated schema and keys must leave it nothing to warn about.
beforeEach(() => {
  bodies = [];
  warn = vi.spyOn(console, 'warn');
});
afterEach(() => {
  const warnings = [...warn.mock.calls];
  warn.mockRestore();
  expect(warnings).toEqual([]);
});

describe('over HTTP', () => {
  it('returns typed data for an SDK query', async () => {
    const result = await client({ url, token }).query(CurrentWorkspaceDocument, {}).toPromise();
    expectTypeOf(result.data).toEqualTypeOf<CurrentWorkspaceQuery | undefined>();
    expect(result.error).toBeUndefined();
    expect(result.data?.currentWorkspace).toMatchObject({ __typename: 'Workspace', slug: 'default' });
  });

  it('sends the token, the API key and the workspace, and nothing without them', async () => {
    const anonymous = await client({ url }).query(CurrentWorkspaceDocument, {}).toPromise();
    expect(anonymous.data ?? null).toBeNull();
    expect(anonymous.error?.graphQLErrors[0]?.extensions.code).toBe('UNAUTHENTICATED');

    const admin = client({ url, token });
    const created = await admin.mutation(CreateWorkspaceDocument, { input: { name: 'SDK other', slug: 'sdk-other' } }).toPromise();
    expect(created.data?.createWorkspace.__typename).toBe('Workspace');
    const inOther = await client({ url, token, workspace: 'sdk-other' }).query(CurrentWorkspaceDocument, {}).toPromise();
    expect(inOther.data?.currentWorkspace.slug).toBe('sdk-other');

    const key = await t.ok(CreateApiKeyDocument, { input: { name: 'sdk client', role: 'VIEWER' } }, { token });
    const secret = expectMember(key.createApiKey, 'CreatedApiKey').secret;
    const byKey = await client({ url, apiKey: secret, workspace: 'sdk-other' }).query(CurrentWorkspaceDocument, {}).toPromise();
    expect(byKey.data?.currentWorkspace.slug).toBe('sdk-other');
  });

  it('keeps the normalized cache current: a mutation result updates a cached query without a refetch', async () => {
    const wf = await t.ok(
      CreateWorkflowDocument,
      { input: { name: 'SDK cache', definition: { steps: [{ id: 'hold', type: 'wait' }] } } },
      { token },
    );
    const workflowId = expectMember(wf.createWorkflow, 'Workflow').id;
    const admin = client({ url, token });
    const started = await admin.mutation(ExecuteWorkflowDocument, { input: { workflow: { id: workflowId } } }).toPromise();
    const success = expectMember(started.data?.runWorkflow, 'RunWorkflowSuccess');
    const runId = success.run.id;
    await waitForRun(t, runId, (r) => r.status === 'RUNNING', { token });

    const read = await admin.query(RunDocument, { id: runId }, { requestPolicy: 'network-only' }).toPromise();
    expect(getFragmentData(RunSummaryFragmentDoc, expectMember(read.data?.run, 'Run')).status).toBe('RUNNING');
    const cancelled = await admin.mutation(CancelRunDocument, { input: { id: runId, reason: 'sdk cache test' } }).toPromise();
    expect(cancelled.data?.cancelRun.__typename).toBe('Run');

    const requests = bodies.length;
    const cached = await admin.query(RunDocument, { id: runId }, { requestPolicy: 'cache-only' }).toPromise();
    expect(getFragmentData(RunSummaryFragmentDoc, expectMember(cached.data?.run, 'Run')).status).toBe('CANCELLED');
    expect(bodies).toHaveLength(requests);
  });

  it("with cache: 'document' caches whole results instead", async () => {
    const documents = client({ url, token, cache: 'document' });
    expect((await documents.query(WorkspacesDocument, {}).toPromise()).data?.workspaces.length).toBeGreaterThan(0);
    const requests = bodies.length;
    expect((await documents.query(WorkspacesDocument, {}).toPromise()).data?.workspaces.length).toBeGreaterThan(0);
    expect(bodies).toHaveLength(requests);
  });
});

describe('persisted operations', () => {
  /** An app's own operation: codegen never saw it, so it carries no hash. */
  const OwnDocument = gql<{ currentWorkspace: { id: string; slug: string } }>('query OwnCurrentWorkspace { currentWorkspace { id slug } }');

  it("'auto' (the default) sends an SDK document's hash only, and an app's own document in full", async () => {
    const auto = client({ url, token });
    expect((await auto.query(WorkspacesDocument, {}).toPromise()).data?.workspaces.length).toBeGreaterThan(0);
    expect(bodies).toEqual([
      expect.objectContaining({ extensions: { persistedQuery: { version: 1, sha256Hash: hashOf(WorkspacesDocument) } } }),
    ]);
    expect(bodies[0]?.query).toBeUndefined();

    expect((await auto.query(OwnDocument, {}).toPromise()).data?.currentWorkspace.slug).toBe('default');
    expect(bodies[1]).toMatchObject({ query: expect.stringContaining('OwnCurrentWorkspace') as unknown });
    expect(bodies[1]?.extensions?.persistedQuery).toBeUndefined();
  });

  it("'auto' sends the whole document when the server does not know the hash", async () => {
    // What a newer SDK's document looks like to an older server: a hash not in its manifest.
    const Unlisted = Object.assign(gql<WorkspacesQuery>('query UnlistedWorkspaces { workspaces { id name slug } }'), {
      __meta__: { hash: `sha256:${'0'.repeat(64)}` },
    });
    const result = await client({ url, token }).query(Unlisted, {}).toPromise();
    expect(result.error).toBeUndefined();
    expect(result.data?.workspaces.length).toBeGreaterThan(0);
    expect(bodies).toHaveLength(2);
    expect(bodies[0]?.query).toBeUndefined();
    expect(bodies[1]).toMatchObject({
      query: expect.stringContaining('query UnlistedWorkspaces') as unknown,
      extensions: { persistedQuery: { sha256Hash: '0'.repeat(64) } },
    });
  });

  it("'never' sends full documents; 'always' only hashes, which this server also runs", async () => {
    expect((await client({ url, token, persistedOperations: 'never' }).query(WorkspacesDocument, {}).toPromise()).data).toBeTruthy();
    expect(bodies[0]?.query).toContain('query Workspaces');
    expect(bodies[0]?.extensions?.persistedQuery).toBeUndefined();
    const always = await client({ url, token, persistedOperations: 'always' }).query(WorkspacesDocument, {}).toPromise();
    expect(always.data?.workspaces.length).toBeGreaterThan(0);
    expect(bodies[1]?.query).toBeUndefined();
  });

  it("against GRAPHQL_PERSISTED_ONLY: 'always' and 'auto' run SDK operations, 'never' is refused", async () => {
    for (const mode of ['always', 'auto'] as const) {
      const c = client({ url: onlyUrl, persistedOperations: mode });
      const created = await c.mutation(CreateWorkspaceDocument, { input: { name: `Only ${mode}`, slug: `only-${mode}` } }).toPromise();
      expect(created.data?.createWorkspace.__typename).toBe('Workspace');
      const listed = await c.query(WorkspacesDocument, {}, { requestPolicy: 'network-only' }).toPromise();
      expect(listed.data?.workspaces.map((w) => w.slug)).toContain(`only-${mode}`);
    }
    const refused = await client({ url: onlyUrl, persistedOperations: 'never' }).query(WorkspacesDocument, {}).toPromise();
    expect(refused.data ?? null).toBeNull();
    expect(refused.error?.graphQLErrors[0]?.extensions.code).toBe('CANNOT_SEND_PQ_ID_AND_BODY');
    // An app's own document has no hash to send: such a server refuses it whatever the mode.
    const own = await client({ url: onlyUrl }).query(OwnDocument, {}).toPromise();
    expect(own.error?.graphQLErrors[0]?.extensions.code).toBe('CANNOT_SEND_PQ_ID_AND_BODY');
  });
});
