// Subscriptions authenticate like requests: graphql-ws through connectionParams, SSE through
// headers; a credential that expires ends the subscription with a clear error.
import { createClient as createSseClient } from 'graphql-sse';
import { createClient as createWsClient } from 'graphql-ws';
import type { ResultOf } from '@graphql-typed-document-node/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { CreateApiKeyDocument, CreateWorkflowDocument, ExecuteWorkflowDocument, RunsChangedLiveDocument } from '../gql/graphql.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { authEnv, mintToken } from '../support/auth.ts';
import { dbId, expectMember } from '../support/flows.ts';
import { Recording, within } from '../support/streams.ts';

let t: TestApp;
let base: string;
let token: string;
const clients: { dispose(): unknown }[] = [];
beforeAll(async () => {
  t = await startTestApp({}, authEnv);
  base = (await t.app.start()).url;
  token = await mintToken({ sub: 'streamer', customer_id: 'streams-co', role: 'admin' });
});
afterAll(async () => {
  for (const client of clients) await client.dispose();
  await t?.close();
});

function ws(connectionParams?: Record<string, unknown>) {
  const client = createWsClient({
    url: `${base.replace('http', 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    lazy: true,
    retryAttempts: 0,
    connectionParams,
  });
  clients.push(client);
  return client;
}

async function startRun(as: { token?: string; apiKey?: string }): Promise<string> {
  const input = { name: `waits-${Math.random()}`, definition: { steps: [{ id: 'hold', type: 'wait', signal: 'go' }] } };
  const wf = expectMember((await t.ok(CreateWorkflowDocument, { input }, as)).createWorkflow, 'Workflow');
  return expectMember((await t.ok(ExecuteWorkflowDocument, { workflowId: wf.id }, as)).executeWorkflow, 'Run').id;
}

/**
 * Starts runs until `feed` has delivered one: a feed may not be live the instant subscribe
 * returns, so one run started right away could be missed.
 */
async function untilDelivered(feed: Recording<ResultOf<typeof RunsChangedLiveDocument>>, what: string): Promise<void> {
  const ids = new Set<string>();
  await within(
    (async () => {
      while (!feed.data.some((d) => ids.has(d.runsChanged.run.id))) {
        if (feed.ended) throw new Error(feed.describe());
        ids.add(await startRun({ token }));
        await new Promise((r) => setTimeout(r, 50));
      }
    })(),
    what,
  );
  expect(feed.errors).toEqual([]);
}

describe('graphql-ws', () => {
  it('authenticates with a bearer token in connectionParams', async () => {
    const feed = new Recording(ws({ authorization: `Bearer ${token}` }), RunsChangedLiveDocument, {});
    await untilDelivered(feed, 'a run created after subscribing');
    feed.stop();
  });

  it('authenticates with an API key in connectionParams', async () => {
    const created = expectMember(
      (await t.ok(CreateApiKeyDocument, { input: { name: 'ws', role: 'VIEWER' } }, { token })).createApiKey,
      'CreatedApiKey',
    );
    const feed = new Recording(ws({ apiKey: created.secret }), RunsChangedLiveDocument, {});
    await untilDelivered(feed, 'a change delivered to the API key');
    feed.stop();
  });

  it('closes the socket with 4401 and a reason when credentials are missing or bad', async () => {
    for (const params of [undefined, { authorization: 'Bearer not-a-token' }]) {
      const feed = new Recording(ws(params), RunsChangedLiveDocument, {});
      await feed.end('the refusal');
      const closed = feed.failure as { code?: number; reason?: string };
      expect(closed.code).toBe(4401);
      expect(closed.reason).toMatch(/Not authenticated|Invalid token/);
    }
  });

  it('ends a subscription with UNAUTHENTICATED when its token expires', async () => {
    const shortLived = await mintToken({ sub: 'brief', customer_id: 'streams-co' }, { expiresIn: 2 });
    const feed = new Recording(ws({ authorization: `Bearer ${shortLived}` }), RunsChangedLiveDocument, {});
    await feed.end('the expiry');
    expect(feed.errors[0]).toMatchObject({ extensions: { code: 'UNAUTHENTICATED' } });
    expect(feed.errors[0]?.message).toContain('expired');
  });
});

describe('graphql-sse', () => {
  it('authenticates with headers, and refuses without them', async () => {
    const ok = createSseClient({ url: `${base}/graphql/stream`, retryAttempts: 0, headers: { authorization: `Bearer ${token}` } });
    clients.push(ok);
    const feed = new Recording(ok, RunsChangedLiveDocument, {});
    await untilDelivered(feed, 'a change over SSE');
    feed.stop();

    const anonymous = createSseClient({ url: `${base}/graphql/stream`, retryAttempts: 0 });
    clients.push(anonymous);
    const refused = new Recording(anonymous, RunsChangedLiveDocument, {});
    await refused.end('the refusal over SSE');
    const failure = refused.failure as { response?: { status: number; text(): Promise<string> } };
    expect(failure.response?.status).toBe(401);
    expect(await failure.response?.text()).toContain('Not authenticated');
  });
});

describe('REST event streams', () => {
  it('end with a credentials_expired error naming the last id when the token expires', async () => {
    const runId = dbId(await startRun({ token }));
    const shortLived = await mintToken({ sub: 'brief', customer_id: 'streams-co' }, { expiresIn: 2 });
    const response = await fetch(`${base}/api/v1/runs/${runId}/events`, { headers: { authorization: `Bearer ${shortLived}` } });
    expect(response.status).toBe(200);
    // The server ends the stream itself; reading to the end is bounded by `within`.
    const text = await within(response.text(), 'the stream to end at expiry');
    const error = /event: error\ndata: (.*)\n/.exec(text)?.[1];
    expect(JSON.parse(error ?? '{}')).toMatchObject({ error: 'credentials_expired' });
    const lastId = [...text.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]));
    expect(JSON.parse(error ?? '{}').last_event_id).toBe(lastId.at(-1));
  });
});
