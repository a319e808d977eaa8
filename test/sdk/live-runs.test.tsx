// useLiveRuns against a real server on a loopback port, rendered with Testing Library in a jsdom
// document: runs started through the API and their status changes shown in order; nothing
// committed between the first page read and the feed starting is missed (the feed opens from the
// page's resume token); totalCount stays exact while the feed replays changes from before the
// read; pages read with loadMore. Interleavings are forced by holding the page's answer and the
// feed's subscription, never by timing; waits are on conditions, bounded only as a safety net.
// The DOM comes from ../support/dom.ts (see hooks.test.tsx).

import '../support/dom.ts';
import { act, cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type WebSocket from 'ws';
import type { FlowdeckClient } from '../../sdk/src/client.ts';
import type { RunFilter } from '../../sdk/src/gql/graphql.ts';
import { useLiveRuns } from '../../sdk/src/live-runs.ts';
import { CancelRunDocument, SignalRunDocument } from '../gql/graphql.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { expectMember, flows } from '../support/flows.ts';
import { hookClient, renderWith, type SocketRecorder, socketRecorder } from '../support/react.tsx';
import { eventually, waitForRun } from '../support/runs.ts';

/** Safety net of every wait on rendered state. */
const LIMIT = { timeout: 20_000 };

const GATED = {
  steps: [
    { id: 'gate', type: 'wait' },
    { id: 'done', type: 'transform', dependsOn: ['gate'], expression: '"ok"' },
  ],
};

let t: TestApp;
let base: string;
let f: ReturnType<typeof flows>;
const clients: FlowdeckClient[] = [];
/** Operation names of every HTTP request the hook clients made. */
const requested: string[] = [];

const countingFetch: typeof fetch = async (input, init) => {
  if (typeof init?.body === 'string') requested.push(String((JSON.parse(init.body) as { operationName?: string }).operationName));
  return fetch(input, init);
};

async function client(url: string): Promise<{ client: FlowdeckClient; recorder: SocketRecorder }> {
  const sockets = await socketRecorder();
  const created = hookClient(url, sockets, { fetch: countingFetch });
  clients.push(created);
  return { client: created, recorder: sockets };
}

/** Waits until `stepId` of the run has `status`. */
async function untilStep(app: TestApp, runId: string, stepId: string, status: string): Promise<void> {
  await waitForRun(app, runId, (run) => run.steps.some((s) => s.stepId === stepId && s.status === status), undefined, LIMIT.timeout);
}

beforeAll(async () => {
  t = await startTestApp({}, { WORKER_POLL_MS: '50' });
  base = `${(await t.app.start()).url}/graphql`;
  f = flows(t);
});
afterEach(async () => {
  cleanup();
  for (const c of clients.splice(0)) await c.dispose();
});
afterAll(async () => {
  await t?.close();
});

/** A gate a test opens by hand: `reached()` marks that something waits at it (`reachedAt` resolves), `wait` resolves on `open()`. */
function gate() {
  let reached = () => {};
  let open = () => {};
  const reachedAt = new Promise<void>((resolve) => (reached = resolve));
  const wait = new Promise<void>((resolve) => (open = resolve));
  const state = {
    opened: false,
    reachedAt,
    wait,
    reached: () => reached(),
    open: () => {
      state.opened = true;
      open();
    },
  };
  return state;
}

/** The recorder's WebSocket, but `subscribe` frames are held until `until` opens, then sent in order. */
function holdSubscribes(recorder: SocketRecorder, until: ReturnType<typeof gate>): unknown {
  const Base = recorder.Impl as typeof WebSocket;
  return class HoldingWebSocket extends Base {
    constructor(address: string | URL, protocols?: string | string[]) {
      super(address, protocols);
      const send = this.send.bind(this) as (data: string) => void;
      (this as unknown as { send: (data: string) => void }).send = (data: string) => {
        if (until.opened || (JSON.parse(data) as { type?: string }).type !== 'subscribe') return send(data);
        void until.wait.then(() => send(data));
      };
    }
  };
}

const text = (id: string) => screen.getByTestId(id).textContent ?? '';

describe('useLiveRuns', () => {
  /** Shows a live list as `label: <row>:<status>,... total=<n>`, rows named through `names`. */
  function List({ label, filter, names }: { label: string; filter: RunFilter; names: Map<string, string> }) {
    const list = useLiveRuns({ filter });
    const rows = list.rows.map((row) => `${names.get(row.id) ?? row.id}:${row.status}`).join(',');
    return <p data-testid={label}>{list.fetching ? 'loading' : `${rows} total=${list.totalCount}`}</p>;
  }

  it('shows runs started through the API and their status changes, in order, and drops a run that leaves the status filter', async () => {
    const wf = await f.workflow('live', GATED);
    const names = new Map<string, string>();
    const start = async (name: string) => {
      const run = await f.execute(wf.id);
      names.set(run.id, name);
      return run.id;
    };
    const signal = async (runId: string) => {
      await untilStep(t, runId, 'gate', 'WAITING');
      expectMember((await t.ok(SignalRunDocument, { runId, stepId: 'gate', payload: {} })).signalRun, 'Run');
      await waitForRun(t, runId);
    };
    const a = await start('A');
    await signal(a);

    const { client: c } = await client(base);
    requested.length = 0;
    renderWith(
      c,
      <>
        <List label="all" filter={{ workflowId: wf.id }} names={names} />
        <List label="active" filter={{ workflowId: wf.id, status: ['PENDING', 'RUNNING'] }} names={names} />
      </>,
    );
    await waitFor(() => expect([text('all'), text('active')]).toEqual(['A:COMPLETED total=1', ' total=0']), LIMIT);
    await eventually(() => t.app.runChanges.watchers() === 2, 'both feeds to be ready', LIMIT.timeout);

    const b = await start('B');
    await untilStep(t, b, 'gate', 'WAITING');
    await waitFor(() => expect(text('all')).toBe('B:RUNNING,A:COMPLETED total=2'), LIMIT);
    await waitFor(() => expect(text('active')).toBe('B:RUNNING total=1'), LIMIT);
    const c3 = await start('C');
    await untilStep(t, c3, 'gate', 'WAITING');
    await waitFor(() => expect(text('all')).toBe('C:RUNNING,B:RUNNING,A:COMPLETED total=3'), LIMIT);
    await waitFor(() => expect(text('active')).toBe('C:RUNNING,B:RUNNING total=2'), LIMIT);

    await signal(b);
    await waitFor(() => expect(text('all')).toBe('C:RUNNING,B:COMPLETED,A:COMPLETED total=3'), LIMIT);
    await waitFor(() => expect(text('active')).toBe('C:RUNNING total=1'), LIMIT);
    // One page read per list, then only the feed.
    expect(requested.filter((name) => name === 'Runs')).toHaveLength(2);
    await act(async () => cleanup());
    await eventually(() => t.app.runChanges.watchers() === 0, 'the feeds to be released', LIMIT.timeout);
  });

  it('shows a change committed between the first page read and the feed starting', async () => {
    const wf = await f.workflow('between', GATED);
    const names = new Map<string, string>();
    const a = (await f.execute(wf.id)).id;
    names.set(a, 'A');
    await untilStep(t, a, 'gate', 'WAITING');

    // The page read's answer is held once the server has read it, and the feed's subscriptions
    // are held too: a change is committed in between, whichever the hook starts first.
    const page = gate();
    const feeds = gate();
    const holdingFetch: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      const body = await response.text();
      if (!page.opened && (JSON.parse(body) as { data?: { runs?: unknown } }).data?.runs) {
        page.reached();
        await page.wait;
      }
      return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
    };
    const recorder = await socketRecorder();
    const c = hookClient(base, recorder, { fetch: holdingFetch, webSocketImpl: holdSubscribes(recorder, feeds) });
    clients.push(c);
    renderWith(c, <List label="between" filter={{ workflowId: wf.id }} names={names} />);
    await page.reachedAt;

    expectMember((await t.ok(CancelRunDocument, { id: a, reason: 'between the read and the feed' })).cancelRun, 'Run');
    await waitForRun(t, a);
    const b = (await f.execute(wf.id)).id;
    names.set(b, 'B');
    await untilStep(t, b, 'gate', 'WAITING');

    feeds.open();
    page.open();
    await waitFor(() => expect(text('between')).toBe('B:RUNNING,A:CANCELLED total=2'), LIMIT);
    // The feed resumed from the page's token, not live from whenever it started.
    const subscribed = recorder.sent.filter((frame) => frame.type === 'subscribe').map((frame) => frame.payload?.variables?.after);
    expect(subscribed).toHaveLength(1);
    expect(typeof subscribed[0]).toBe('string');
  });

  it('keeps totalCount exact while the feed replays runs created just before the read beyond the first page', async () => {
    const wf = await f.workflow('replayed', { steps: [{ id: 'only', type: 'transform', expression: '"x"' }] });
    const names = new Map<string, string>();
    const finished = async (name: string) => {
      const run = await f.execute(wf.id);
      names.set(run.id, name);
      await waitForRun(t, run.id);
    };
    for (const name of ['A', 'B', 'C', 'D', 'E']) await finished(name);
    function FirstTwo() {
      const list = useLiveRuns({ filter: { workflowId: wf.id }, first: 2 });
      const rows = list.rows.map((row) => `${names.get(row.id) ?? row.id}:${row.status}`).join(',');
      return (
        <div>
          <p data-testid="first-two">{list.fetching ? 'loading' : `${rows} total=${list.totalCount} more=${list.hasNextPage}`}</p>
          <button onClick={list.loadMore}>more</button>
        </div>
      );
    }
    const { client: c } = await client(base);
    renderWith(c, <FirstTwo />);
    await waitFor(() => expect(text('first-two')).toBe('E:COMPLETED,D:COMPLETED total=5 more=true'), LIMIT);
    await eventually(() => t.app.runChanges.watchers() === 1, 'the feed to be ready', LIMIT.timeout);

    // The feed replays A to E (created within the replay margin) before F: once F shows, the replay was applied.
    await finished('F');
    await waitFor(() => expect(text('first-two')).toBe('F:COMPLETED,E:COMPLETED,D:COMPLETED total=6 more=true'), LIMIT);
    fireEvent.click(screen.getByText('more'));
    await waitFor(
      () => expect(text('first-two')).toBe('F:COMPLETED,E:COMPLETED,D:COMPLETED,C:COMPLETED,B:COMPLETED total=6 more=true'),
      LIMIT,
    );
  });

  it('pages with loadMore, and places a new run by its cursor only within the pages read', async () => {
    const wf = await f.workflow('paged', { steps: [{ id: 'only', type: 'transform', expression: '"x"' }] });
    const names = new Map<string, string>();
    const finished = async (name: string) => {
      const run = await f.execute(wf.id);
      names.set(run.id, name);
      await waitForRun(t, run.id);
    };
    await finished('A');
    await finished('B');
    function Paged() {
      const list = useLiveRuns({ filter: { workflowId: wf.id }, orderBy: { field: 'CREATED_AT', direction: 'ASC' }, first: 1 });
      const rows = list.rows.map((row) => `${names.get(row.id) ?? row.id}:${row.status}`).join(',');
      return (
        <div>
          <p data-testid="paged">{list.fetching ? 'loading' : `${rows} total=${list.totalCount} more=${list.hasNextPage}`}</p>
          <button onClick={list.loadMore}>more</button>
        </div>
      );
    }
    const { client: c } = await client(base);
    renderWith(c, <Paged />);
    await waitFor(() => expect(text('paged')).toBe('A:COMPLETED total=2 more=true'), LIMIT);
    await eventually(() => t.app.runChanges.watchers() === 1, 'the feed to be ready', LIMIT.timeout);

    // Oldest first: C sorts after the last row read, on a page not read yet.
    await finished('C');
    await waitFor(() => expect(text('paged')).toBe('A:COMPLETED total=3 more=true'), LIMIT);
    fireEvent.click(screen.getByText('more'));
    await waitFor(() => expect(text('paged')).toBe('A:COMPLETED,B:COMPLETED total=3 more=true'), LIMIT);
    fireEvent.click(screen.getByText('more'));
    await waitFor(() => expect(text('paged')).toBe('A:COMPLETED,B:COMPLETED,C:COMPLETED total=3 more=false'), LIMIT);
    // Every page read: a new run is placed at the end.
    await finished('D');
    await waitFor(() => expect(text('paged')).toBe('A:COMPLETED,B:COMPLETED,C:COMPLETED,D:COMPLETED total=4 more=false'), LIMIT);
  });
});
