// The SDK's React hooks against a real server on a loopback port, rendered with Testing Library
// in a jsdom document: a generated query hook and mutation hook, useRunStream across a cut
// connection and across a slow-subscriber cut-off (every event exactly once, in order, ending
// finished). useLiveRuns has its own file (live-runs.test.tsx). Waits are on conditions, bounded
// only as a safety net. The DOM comes from ../support/dom.ts rather than vitest's jsdom
// environment, whose URL and AbortSignal would replace Node's under the in-process server.

import '../support/dom.ts';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import { parse } from 'graphql';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { FlowdeckClient } from '../../sdk/src/client.ts';
import { getFragmentData } from '../../sdk/src/gql/fragment-masking.ts';
import { RunListItemFragmentDoc, WorkflowListItemFragmentDoc } from '../../sdk/src/gql/graphql.ts';
import { useCancelRunMutation, useRetryRunMutation, useRunsQuery, useWorkflowsQuery } from '../../sdk/src/hooks.ts';
import { useRunStream } from '../../sdk/src/run-stream.ts';
import { CancelRunDocument, SignalRunDocument } from '../gql/graphql.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { expectMember, flows } from '../support/flows.ts';
import { hookClient, pauseSocket, renderWith, resumeSocket, type SocketRecorder, socketRecorder } from '../support/react.tsx';
import { eventually, waitForRun } from '../support/runs.ts';
import { kernelBufferBytes } from '../support/streams.ts';

/** Safety net of every wait on rendered state. */
const LIMIT = { timeout: 20_000 };

const APPROVAL = {
  steps: [
    { id: 'prepare', type: 'transform', expression: '"draft"' },
    { id: 'approve', type: 'wait', dependsOn: ['prepare'] },
    { id: 'publish', type: 'transform', dependsOn: ['approve'], expression: '"published"' },
  ],
};

/** Steps' statuses alone: cheap to poll while a run's outputs are large. */
const StepStatesDocument = parse(
  'query StepStates($id: ID!) { run(id: $id) { __typename ... on Run { status steps { stepId status } } } }',
) as TypedDocumentNode<{ run: { __typename: string; status?: string; steps?: { stepId: string; status: string }[] } }, { id: string }>;

let t: TestApp;
let base: string;
let f: ReturnType<typeof flows>;
const clients: FlowdeckClient[] = [];

async function client(url: string, recorder?: SocketRecorder): Promise<{ client: FlowdeckClient; recorder: SocketRecorder }> {
  const sockets = recorder ?? (await socketRecorder());
  const created = hookClient(url, sockets);
  clients.push(created);
  return { client: created, recorder: sockets };
}

async function untilStep(app: TestApp, runId: string, stepId: string, status: string): Promise<void> {
  const started = Date.now();
  for (;;) {
    const run = (await app.ok(StepStatesDocument, { id: runId })).run;
    if (run.steps?.some((s) => s.stepId === stepId && s.status === status)) return;
    if (Date.now() - started > LIMIT.timeout) throw new Error(`${stepId} of ${runId} never became ${status}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
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

/** Shows a run stream's state as text: `seqs` and a one-line summary the tests wait on. */
function Stream({ runId, batchSize }: { runId: string; batchSize?: number }) {
  const state = useRunStream(runId, batchSize ? { batchSize } : {});
  return (
    <div>
      <p data-testid="summary">
        {`status=${state.run?.status ?? '-'} finished=${state.finished} lastSeq=${state.lastSeq} events=${state.events.length} error=${state.error?.message ?? '-'}`}
      </p>
      <p data-testid="seqs">{state.events.map((e) => e.seq).join(',')}</p>
      <p data-testid="types">{state.events.map((e) => e.type).join(',')}</p>
      <p data-testid="reconnects">{state.reconnects}</p>
    </div>
  );
}

const text = (id: string) => screen.getByTestId(id).textContent ?? '';
const range = (from: number, to: number) => Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);

describe('generated hooks', () => {
  it('useWorkflowsQuery and useRunsQuery render data from the server', async () => {
    const wf = await f.workflow('listed', { steps: [{ id: 'only', type: 'transform', expression: '"x"' }] });
    const run = await waitForRun(t, (await f.execute(wf.id)).id);
    function Lists() {
      const [workflows] = useWorkflowsQuery({ variables: { first: 100 } });
      const [runs] = useRunsQuery({ variables: { filter: { workflowId: wf.id } } });
      return (
        <ul>
          {workflows.data?.workflows.edges.map((edge) => (
            <li key={edge.node.id}>{`workflow ${getFragmentData(WorkflowListItemFragmentDoc, edge.node).key}`}</li>
          ))}
          {runs.data?.runs.edges.map((edge) => {
            const row = getFragmentData(RunListItemFragmentDoc, edge.node);
            return <li key={row.id}>{`run ${row.id} ${row.status} ${row.workflow.key}`}</li>;
          })}
        </ul>
      );
    }
    const { client: c } = await client(base);
    renderWith(c, <Lists />);
    expect(await screen.findByText(`run ${run.id} COMPLETED ${wf.key}`, {}, LIMIT)).toBeTruthy();
    expect(await screen.findByText(`workflow ${wf.key}`, {}, LIMIT)).toBeTruthy();
  });

  it('useCancelRunMutation cancels a running run', async () => {
    const wf = await f.workflow('cancelled', APPROVAL);
    const run = await f.execute(wf.id);
    await untilStep(t, run.id, 'approve', 'WAITING');
    function Cancel() {
      const [result, cancel] = useCancelRunMutation();
      const answer = result.data?.cancelRun;
      return (
        <div>
          <button onClick={() => void cancel({ input: { id: run.id, reason: 'from the hook' } })}>cancel</button>
          <p>{answer ? `answer ${answer.__typename} ${answer.__typename === 'Run' ? answer.id : ''}` : 'no answer'}</p>
        </div>
      );
    }
    const { client: c } = await client(base);
    renderWith(c, <Cancel />);
    fireEvent.click(screen.getByText('cancel'));
    expect(await screen.findByText(`answer Run ${run.id}`, {}, LIMIT)).toBeTruthy();
    const after = await waitForRun(t, run.id);
    expect(after.status).toBe('CANCELLED');
    expect(after.cancelReason).toBe('from the hook');
  });
});

describe('useRunStream', () => {
  it('receives every event once across a cut connection, resuming from its lastSeq, and ends finished', async () => {
    const wf = await f.workflow('cut', APPROVAL);
    const run = await f.execute(wf.id);
    await untilStep(t, run.id, 'approve', 'WAITING');
    const { client: c, recorder } = await client(base);
    renderWith(c, <Stream runId={run.id} />);
    const before = (await f.events(run.id)).length;
    await waitFor(() => expect(text('summary')).toBe(`status=RUNNING finished=false lastSeq=${before} events=${before} error=-`), LIMIT);

    // Cut the connection and keep new ones failing while the run goes on to its end.
    recorder.refuse = true;
    for (const socket of recorder.open()) socket.terminate();
    expectMember((await t.ok(SignalRunDocument, { runId: run.id, stepId: 'approve', payload: { ok: true } })).signalRun, 'Run');
    await waitForRun(t, run.id);
    recorder.refuse = false;

    const log = await f.events(run.id);
    expect(log.length).toBeGreaterThan(before);
    await waitFor(
      () => expect(text('summary')).toBe(`status=COMPLETED finished=true lastSeq=${log.length} events=${log.length} error=-`),
      LIMIT,
    );
    expect(text('seqs')).toBe(range(1, log.length).join(','));
    expect(text('types')).toBe(log.map((e) => e.type).join(','));
    expect(Number(text('reconnects'))).toBeGreaterThanOrEqual(1);
    // Subscribed from 0 first, then every resubscription from the last sequence it had.
    const from = recorder.sent
      .filter((frame) => frame.type === 'subscribe' && frame.payload?.variables?.runId === run.id)
      .map((frame) => frame.payload?.variables?.afterSeq);
    expect(from[0]).toBe(0);
    expect(from.slice(1).length).toBeGreaterThanOrEqual(1);
    expect(from.slice(1).every((seq) => seq === before)).toBe(true);
  });

  describe('with a slow subscriber (STREAM_MAX_BUFFERED=5)', () => {
    let slow: TestApp;
    let slowUrl: string;
    beforeAll(async () => {
      slow = await startTestApp({}, { WORKER_POLL_MS: '10', STREAM_MAX_BUFFERED: '5' });
      slowUrl = `${(await slow.app.start()).url}/graphql`;
    });
    afterAll(async () => slow?.close());

    it('resumes after StreamResumeRequired and still yields every event once', { timeout: 120_000 }, async () => {
      // Every message carries the run with its steps, and so the large output of its first
      // step. One signal sets off many small steps at once, each logging events in commits of
      // their own: the first messages fill the stalled socket's kernel buffers, the rest queue on
      // the server past the limit (5 events), and the subscriber is cut off. The server pings
      // every 12 s and ends a connection whose ping goes unanswered for 12 s (which would test a
      // lost connection instead): the stall starts right after a ping, so it has 24 s, and one
      // signal keeps it far shorter.
      const BIG = 2 * 1024 * 1024;
      const fanOut = Math.ceil(kernelBufferBytes() / BIG) + 6;
      const branches = Array.from({ length: fanOut }, (_, i) => `branch${i + 1}`);
      const steps = [
        { id: 'big', type: 'transform', expression: `$pad("", ${BIG}, "x")` },
        { id: 'gate', type: 'wait', dependsOn: ['big'] },
        ...branches.map((id, i) => ({ id, type: 'transform', dependsOn: ['gate'], expression: `"${i}"` })),
        { id: 'join', type: 'transform', dependsOn: branches, expression: '"joined"' },
      ];
      const sf = flows(slow);
      const wf = await sf.workflow('fan-out', { steps });
      const runId = (await sf.execute(wf.id)).id;
      await untilStep(slow, runId, 'gate', 'WAITING');
      const recorder = await socketRecorder(['StreamResumeRequired']);
      const { client: c } = await client(slowUrl, recorder);
      renderWith(c, <Stream runId={runId} batchSize={5} />);
      const before = (await sf.events(runId)).length;
      await waitFor(() => expect(text('summary')).toContain(`lastSeq=${before} events=${before}`), LIMIT);

      const [socket] = recorder.open();
      if (!socket) throw new Error('the hook has no open socket');
      const pings = recorder.pings;
      await eventually(() => recorder.pings > pings, 'a keep-alive ping', 20_000);
      pauseSocket(socket);
      expectMember((await slow.ok(SignalRunDocument, { runId, stepId: 'gate', payload: {} })).signalRun, 'Run');
      await untilStep(slow, runId, 'join', 'COMPLETED');
      resumeSocket(socket);

      await waitForRun(slow, runId);
      const log = await sf.events(runId);
      await waitFor(
        () => expect(text('summary')).toBe(`status=COMPLETED finished=true lastSeq=${log.length} events=${log.length} error=-`),
        { timeout: 60_000 },
      );
      expect(recorder.received('StreamResumeRequired')).toBe(1);
      expect(text('seqs')).toBe(range(1, log.length).join(','));
      expect(text('types')).toBe(log.map((e) => e.type).join(','));
      expect(Number(text('reconnects'))).toBeGreaterThanOrEqual(1);
    });
  });

  it('re-opens a finished run when a retry through the client updates its status', async () => {
    const wf = await f.workflow('retried', APPROVAL);
    const run = await f.execute(wf.id);
    await untilStep(t, run.id, 'approve', 'WAITING');
    function Retry() {
      const [, retry] = useRetryRunMutation();
      return <button onClick={() => void retry({ input: { id: run.id } })}>retry</button>;
    }
    const { client: c } = await client(base);
    renderWith(
      c,
      <>
        <Stream runId={run.id} />
        <Retry />
      </>,
    );
    expectMember((await t.ok(CancelRunDocument, { id: run.id, reason: 'to retry' })).cancelRun, 'Run');
    const cancelled = (await f.events(run.id)).length;
    await waitFor(
      () => expect(text('summary')).toBe(`status=CANCELLED finished=true lastSeq=${cancelled} events=${cancelled} error=-`),
      LIMIT,
    );

    fireEvent.click(screen.getByText('retry'));
    await waitFor(() => expect(text('summary')).toMatch(/status=RUNNING finished=false/), LIMIT);
    await untilStep(t, run.id, 'approve', 'WAITING');
    expectMember((await t.ok(SignalRunDocument, { runId: run.id, stepId: 'approve', payload: {} })).signalRun, 'Run');
    await waitForRun(t, run.id);
    const log = await f.events(run.id);
    await waitFor(
      () => expect(text('summary')).toBe(`status=COMPLETED finished=true lastSeq=${log.length} events=${log.length} error=-`),
      LIMIT,
    );
    expect(text('seqs')).toBe(range(1, log.length).join(','));
    expect(text('types')).toBe(log.map((e) => e.type).join(','));
    expect(text('reconnects')).toBe('0');
  });

  it('reports an unknown run as an error, without retrying', async () => {
    const { client: c, recorder } = await client(base);
    renderWith(c, <Stream runId="no-such-run" />);
    await waitFor(() => expect(text('summary')).toMatch(/error=.*not found/i), LIMIT);
    expect(text('reconnects')).toBe('0');
    expect(recorder.sent.filter((frame) => frame.type === 'subscribe')).toHaveLength(1);
  });
});
