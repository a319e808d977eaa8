// Issue 12, subscriptions: tenant B subscribed with tenant A's run ids (and with A's workflow in
// a runsChanged filter) over every transport receives nothing of A's while A's runs change, and
// its subscriptions end exactly as those naming runs that never existed. The subscriptions are
// generated from the schema's Subscription fields (test/support/isolation-graphql.ts). Without
// credentials a graphql-ws socket is closed with 4401 and SSE answers 401.

import { createClient as createSseClient } from 'graphql-sse';
import { createClient as createWsClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ExecuteWorkflowDocument, SignalRunDocument } from '../gql/graphql.ts';
import { dbId, expectMember } from '../support/flows.ts';
import { casesOf, documentOf, rootFields } from '../support/isolation-graphql.ts';
import { waitForRun } from '../support/runs.ts';
import { Recording, type SubscribingClient, within } from '../support/streams.ts';
import { leaked, normalize, stringsIn } from '../support/tenant-answers.ts';
import { type Ref, startTenants, type Tenants, type World } from '../support/tenants.ts';

let f: Tenants;
let base: string;
let secrets: string[];

beforeAll(async () => {
  f = await startTenants();
  base = (await f.t.app.start()).url;
  secrets = await f.secretsOfA();
}, 120_000);
afterAll(async () => {
  await f?.t.close();
});

/** A subscription client for one set of credentials and workspace headers. */
interface Transport {
  client: SubscribingClient;
  dispose(): void | Promise<void>;
}

/** Every transport subscriptions are served on: graphql-ws, and graphql-sse in both of its modes. */
const transports: Record<string, (headers: Record<string, string>) => Transport> = {
  'graphql-ws': (headers) => {
    const client = createWsClient({
      url: `${base.replace('http', 'ws')}/graphql`,
      webSocketImpl: WebSocket,
      lazy: true,
      retryAttempts: 0,
      // Browsers cannot set headers on a WebSocket: credentials and the workspace travel in connection_init.
      connectionParams: headers,
    });
    return { client, dispose: () => client.dispose() };
  },
  'graphql-sse (distinct connections, /graphql)': (headers) => {
    const client = createSseClient({ url: `${base}/graphql`, headers, retryAttempts: 0 });
    return { client, dispose: () => client.dispose() };
  },
  'graphql-sse (single connection, /graphql/stream)': (headers) => {
    const client = createSseClient({ url: `${base}/graphql/stream`, singleConnection: true, headers, retryAttempts: 0 });
    return { client, dispose: () => client.dispose() };
  },
};

const subscriptions = rootFields(['subscription']);
let nonce = 0;

/** What a subscription came to, comparable between A's run and a run that never existed. */
function outcome(recording: Recording<unknown>, sent: string[]) {
  const failure = recording.failure instanceof Error ? recording.failure.message : recording.failure;
  return normalize({ data: recording.data.length, errors: recording.errors, failure, completed: recording.completed }, sent);
}

/** A run of A's approval workflow, parked at its wait step, to be signalled while B listens. */
async function parkedRunOfA(): Promise<Ref> {
  const asA = { token: f.tokenA };
  const run = expectMember((await f.t.ok(ExecuteWorkflowDocument, { workflowId: f.a.workflow.global }, asA)).executeWorkflow, 'Run');
  await waitForRun(f.t, run.id, (r) => r.steps.some((s) => s.stepId === f.a.waitingStep && s.status === 'WAITING'), asA);
  return { global: run.id, db: dbId(run.id) };
}

describe.each(Object.keys(transports))('over %s', (name) => {
  const open = transports[name] as (headers: Record<string, string>) => Transport;

  it("tenant B subscribed to A's runs gets nothing of A's while they change, and the same end as for runs that never existed", async () => {
    // A run of A's that will change while B listens: B subscribes to it like to A's other runs.
    const parked = await parkedRunOfA();
    const world: World = { ...f.a, waitingRun: parked };
    const asB = open({ authorization: `Bearer ${f.tokenB}` });
    const asA = open({ authorization: `Bearer ${f.tokenA}` });
    const recordings: { what: string; real: Recording<unknown>; twin: Recording<unknown> | null; sent: string[]; twinSent: string[] }[] =
      [];
    try {
      for (const root of subscriptions) {
        for (const testCase of casesOf(root.field, world)) {
          const vars = testCase.variables(world, String(++nonce));
          const real = new Recording<unknown>(asB.client, documentOf('subscription', root.field, vars), vars);
          let twin: Recording<unknown> | null = null;
          const twinVars = testCase.variables(f.ghost, String(++nonce));
          if (testCase.fromA) twin = new Recording<unknown>(asB.client, documentOf('subscription', root.field, twinVars), twinVars);
          recordings.push({
            what: `${root.field.name} (${testCase.label})`,
            real,
            twin,
            sent: stringsIn(vars),
            twinSent: stringsIn(twinVars),
          });
        }
      }
      // B's own feed, to know when B's subscriptions are live and when later changes have been delivered.
      const feedOfB = recordings.find((r) => r.what.startsWith('runsChanged') && !r.twin)?.real;
      if (!feedOfB) throw new Error('no unfiltered runsChanged subscription in the table');
      const runOfB = async () =>
        expectMember(
          (await f.t.ok(ExecuteWorkflowDocument, { workflowId: f.b.workflow.global }, { token: f.tokenB })).executeWorkflow,
          'Run',
        ).id;
      // The feed starts when the server has set it up: start B's runs until one shows.
      const started: string[] = [];
      await within(
        (async () => {
          while (!started.some((id) => JSON.stringify(feedOfB.data).includes(id))) {
            if (feedOfB.ended) throw new Error(`B's feed ended: ${feedOfB.describe()}`);
            started.push(await runOfB());
            await new Promise((resolve) => setTimeout(resolve, 200));
          }
        })(),
        "B's own feed to show one of B's runs",
      );

      // A's run changes (signalled, then completes) while B listens; A's own subscription sees it.
      const seenByA = new Recording<{ runEvents: { type: string } }>(
        asA.client,
        'subscription ($runId: ID!) { runEvents(runId: $runId) { type } }',
        { runId: parked.global },
      );
      const feedOfA = new Recording<unknown>(asA.client, 'subscription { runsChanged { kind run { id status } } }', {});
      await seenByA.wait((r) => r.data.length > 0, "A's subscription to its own run to start");
      expectMember(
        (
          await f.t.ok(
            SignalRunDocument,
            { runId: parked.global, stepId: f.a.waitingStep, payload: { approved: true } },
            { token: f.tokenA },
          )
        ).signalRun,
        'Run',
      );
      await seenByA.wait((r) => r.data.some((d) => d.runEvents.type === 'run.completed'), "A's run to complete");
      await feedOfA.wait((r) => JSON.stringify(r.data).includes('COMPLETED'), "A's feed to show its run completing");
      seenByA.stop();
      feedOfA.stop();
      // Anything of A's that reached B would have been delivered before B's next change.
      const second = await runOfB();
      await feedOfB.wait((r) => JSON.stringify(r.data).includes(second) && JSON.stringify(r.data).includes('COMPLETED'), "B's second run");

      for (const { what, real, twin, sent, twinSent } of recordings) {
        const text = JSON.stringify({
          results: real.results,
          failure: real.failure instanceof Error ? real.failure.message : real.failure,
        });
        expect(leaked(text, secrets, sent), `${what} delivered A's data: ${text.slice(0, 2000)}`).toEqual([]);
        if (!twin) continue;
        expect(real.data, `${what} delivered data: ${text.slice(0, 2000)}`).toEqual([]);
        expect(outcome(real, sent), `${what}: A's run and a missing one end differently`).toEqual(outcome(twin, twinSent));
      }
    } finally {
      for (const { real, twin } of recordings) {
        real.stop();
        twin?.stop();
      }
      await asB.dispose();
      await asA.dispose();
    }
  });

  it("tenant B naming A's workspace is refused as for a workspace that does not exist", async () => {
    const [root] = subscriptions;
    if (!root) throw new Error('no subscription field');
    const [testCase] = casesOf(root.field, f.a);
    if (!testCase) throw new Error(`no case for ${root.field.name}`);
    const ends: unknown[] = [];
    // X-Workspace-Id takes a workspace's global id and its database id: each of A's is refused as a ghost's.
    for (const [workspace, world] of [
      [f.a.secondWorkspace.global, f.a],
      [f.ghost.secondWorkspace.global, f.ghost],
      [f.a.secondWorkspace.db, f.a],
      [f.ghost.secondWorkspace.db, f.ghost],
    ] as const) {
      const transport = open({ authorization: `Bearer ${f.tokenB}`, 'x-workspace-id': workspace });
      try {
        const vars = testCase.variables(world, String(++nonce));
        const recording = new Recording<unknown>(transport.client, documentOf('subscription', root.field, vars), vars);
        await recording.end('the refusal');
        const text = JSON.stringify(recording.results) + String(recording.failure);
        expect(leaked(text, secrets, [workspace, ...stringsIn(vars)]), text).toEqual([]);
        ends.push(outcome(recording, [workspace, ...stringsIn(vars)]));
      } finally {
        await transport.dispose();
      }
    }
    expect(JSON.stringify(ends[0])).toMatch(/WORKSPACE_NOT_FOUND|not found|responded with 400/i);
    expect(ends[0]).toEqual(ends[1]);
    expect(ends[2]).toEqual(ends[3]);
  });
});

describe('without credentials', () => {
  /** Opens a graphql-transport-ws socket, sends connection_init, and waits for the server to close it. */
  async function closeOf(payload?: Record<string, unknown>): Promise<{ code: number; reason: string; frames: string[] }> {
    const socket = new WebSocket(`${base.replace('http', 'ws')}/graphql`, ['graphql-transport-ws']);
    const frames: string[] = [];
    socket.on('message', (data: WebSocket.RawData) => frames.push((data as Buffer).toString('utf8')));
    socket.on('error', () => {});
    const closed = new Promise<{ code: number; reason: string }>((resolve) =>
      socket.once('close', (code: number, reason: Buffer) => resolve({ code, reason: String(reason) })),
    );
    await within(new Promise((resolve) => socket.once('open', resolve)), 'the socket to open');
    socket.send(JSON.stringify({ type: 'connection_init', ...(payload ? { payload } : {}) }));
    return { ...(await within(closed, 'the server to close the socket')), frames };
  }

  it('graphql-ws closes the socket with 4401, for no credentials and for bad ones', async () => {
    for (const payload of [undefined, {}, { authorization: 'Bearer not-a-token' }, { apiKey: 'fdk_not-a-key' }]) {
      const closed = await closeOf(payload);
      expect(closed.code, JSON.stringify(payload)).toBe(4401);
      expect(closed.frames.some((frame) => frame.includes('connection_ack'))).toBe(false);
    }
  });

  it.each(subscriptions.map((root) => [root.field.name, root] as const))(
    'SSE answers 401 for %s, on both endpoints',
    async (_name, root) => {
      const [testCase] = casesOf(root.field, f.a);
      if (!testCase) throw new Error(`no case for ${root.field.name}`);
      const vars = testCase.variables(f.a, String(++nonce));
      for (const path of ['/graphql', '/graphql/stream']) {
        const response = await fetch(`${base}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
          body: JSON.stringify({ query: documentOf('subscription', root.field, vars), variables: vars }),
        });
        const text = await response.text();
        expect(response.status, `${path}: ${text}`).toBe(401);
        expect(leaked(text, secrets, stringsIn(vars))).toEqual([]);
      }
    },
  );
});
