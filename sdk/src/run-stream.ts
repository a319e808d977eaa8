// useRunStream: a run page's whole live state (the run, its steps, its event log) from one
// runStream subscription, kept gap-free and duplicate-free across slow-subscriber cut-offs and
// lost connections by resuming from the last sequence received.
import { useEffect, useMemo, useState } from 'react';
import { type Client, type CombinedError, type OperationResult, useClient } from 'urql';
import { getFragmentData } from './gql/fragment-masking.js';
import {
  type EventLogLineFragment,
  EventLogLineFragmentDoc,
  type RunStatus,
  RunStatusDocument,
  RunStreamDocument,
  type RunStreamSubscription,
  type RunStreamSubscriptionVariables,
  type RunSummaryFragment,
  RunSummaryFragmentDoc,
  type StepDetailsFragment,
  StepDetailsFragmentDoc,
} from './gql/graphql.js';
import { follow, isFatal, newSalt, ownSubscription, retryDelay } from './live-operations.js';

/** The run as the newest batch showed it: its summary and its steps, unmasked. */
export type RunStreamRun = RunSummaryFragment & { steps: StepDetailsFragment[] };

/** What {@link useRunStream} knows about a run. */
export interface RunStreamState {
  /** The run's state after the newest batch; null until the first batch arrives (and while idle). */
  run: RunStreamRun | null;
  /** Every event after the starting `afterSeq`, each exactly once, in sequence order. */
  events: EventLogLineFragment[];
  /** The sequence of the last event received (the starting `afterSeq` before any). */
  lastSeq: number;
  /** The run reached a terminal status and its stream ended; false again if a retry re-opens it. */
  finished: boolean;
  /** Why following stopped for good (NOT_FOUND, FORBIDDEN, UNAUTHENTICATED, BAD_USER_INPUT...); null otherwise. */
  error: Error | null;
  /** How many times the stream was resumed after a cut (StreamResumeRequired or a lost connection). */
  reconnects: number;
}

/** Options of {@link useRunStream}. */
export interface RunStreamOptions {
  /** Start after this sequence (default 0: the whole log). */
  afterSeq?: number;
  /** Most events per message, 1 to 1000 (default: the server's, 100). */
  batchSize?: number;
}

type Payload = RunStreamSubscription['runStream'];
type Batch = Extract<Payload, { __typename: 'RunEventBatch' }>;
type Result = OperationResult<RunStreamSubscription, RunStreamSubscriptionVariables>;

const TERMINAL: ReadonlySet<RunStatus> = new Set<RunStatus>(['COMPLETED', 'FAILED', 'CANCELLED']);
const ACTIVE: ReadonlySet<RunStatus> = new Set<RunStatus>(['PENDING', 'RUNNING']);

/** The state before anything arrived. */
function initialState(afterSeq: number): RunStreamState {
  return { run: null, events: [], lastSeq: afterSeq, finished: false, error: null, reconnects: 0 };
}

/** The batch's run with its fragments unmasked: plain RunSummary and StepDetails data. */
function unmaskRun(run: Batch['run']): RunStreamRun {
  return {
    ...getFragmentData(RunSummaryFragmentDoc, run),
    steps: run.steps.map((step) => getFragmentData(StepDetailsFragmentDoc, step)),
  };
}

/**
 * Follows run `runId` through `client` outside React, calling `publish` with a new state object
 * on every change, and returns the function that stops following. This is what
 * {@link useRunStream} runs; see there for the guarantees.
 */
export function followRunStream(
  client: Client,
  runId: string,
  options: RunStreamOptions,
  publish: (state: RunStreamState) => void,
): () => void {
  let state = initialState(options.afterSeq ?? 0);
  let stopStream: (() => void) | null = null;
  let stopWatch: (() => void) | null = null;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let failures = 0;
  let disposed = false;
  const salt = newSalt();
  let attempt = 0;

  const update = (patch: Partial<RunStreamState>) => {
    state = { ...state, ...patch };
    publish(state);
  };

  /** Takes a batch: only events past lastSeq (a repeat after a resume is dropped), and the run if the batch is the newest. */
  function take(batch: Batch): void {
    failures = 0;
    const fresh = batch.events
      .map((event) => getFragmentData(EventLogLineFragmentDoc, event))
      .filter((event) => event.seq > state.lastSeq)
      .sort((a, b) => a.seq - b.seq);
    if (fresh.length === 0 && batch.lastSeq < state.lastSeq) return;
    const lastSeq = Math.max(state.lastSeq, batch.lastSeq, fresh.at(-1)?.seq ?? 0);
    update({ run: unmaskRun(batch.run), events: fresh.length > 0 ? [...state.events, ...fresh] : state.events, lastSeq });
  }

  /** Subscribes from lastSeq, never from the original afterSeq: a resume continues exactly where the events stop. */
  function open(): void {
    if (disposed) return;
    let resumeRequired = false;
    const variables: RunStreamSubscriptionVariables = { runId, afterSeq: state.lastSeq, untilFinished: true };
    if (options.batchSize !== undefined) variables.batchSize = options.batchSize;
    const source = ownSubscription(client, RunStreamDocument, variables, salt + attempt++);
    stopStream = follow(
      source,
      (result: Result) => {
        if (result.error) return failed(result.error);
        // The exchange's completion marker repeats the previous result; the end follows.
        if (result.hasNext === false) return;
        const payload = result.data?.runStream;
        if (payload?.__typename === 'RunEventBatch') take(payload);
        else if (payload?.__typename === 'StreamResumeRequired') resumeRequired = true;
      },
      () => {
        stopStream = null;
        if (resumeRequired) {
          // Cut off for falling behind: nothing after lastSeq was sent, so resume at once.
          update({ reconnects: state.reconnects + 1 });
          open();
        } else if (state.run && TERMINAL.has(state.run.status)) {
          update({ finished: true });
          watchForRetry();
        } else {
          // Ended without the run finishing (a server restart, a proxy): a lost connection.
          retryLater();
        }
      },
    );
  }

  function failed(error: CombinedError): void {
    stopStream?.();
    stopStream = null;
    if (isFatal(error)) update({ error });
    else retryLater();
  }

  function retryLater(): void {
    if (disposed) return;
    timer = setTimeout(() => {
      timer = null;
      update({ reconnects: state.reconnects + 1 });
      open();
    }, retryDelay(failures++));
  }

  /**
   * Once finished, watches the run's status in the client's cache (a network read first): a
   * retry or rerun mutation answers the run as PENDING or RUNNING, which updates the cache and so
   * this query, and the stream re-opens from lastSeq. A retry made elsewhere is seen when this
   * client next learns of the run (a refetch, a list feed); until then the state stays finished.
   */
  function watchForRetry(): void {
    if (disposed) return;
    stopWatch = follow(
      client.query(RunStatusDocument, { id: runId }, { requestPolicy: 'network-only' }),
      (result) => {
        const run = result.data?.run;
        if (run?.__typename !== 'Run' || !ACTIVE.has(run.status)) return;
        stopWatch?.();
        stopWatch = null;
        update({ finished: false });
        open();
      },
      () => {
        stopWatch = null;
      },
    );
  }

  open();
  return () => {
    disposed = true;
    if (timer) clearTimeout(timer);
    stopStream?.();
    stopWatch?.();
  };
}

/**
 * Follows one run live through the urql client of the surrounding FlowdeckProvider, with one
 * `runStream(untilFinished: true)` subscription at a time.
 *
 * Guarantees:
 * - `events` holds every event after `afterSeq` exactly once, in sequence order: an event at or
 *   below `lastSeq` (a repeat) is dropped.
 * - `run` (summary and steps, unmasked) is the state the newest batch carried.
 * - Resumes: after a slow-subscriber cut-off (StreamResumeRequired) at once, and after a lost
 *   connection with backoff (0.25 s doubling to 10 s), each time subscribing from `lastSeq` (never
 *   the original `afterSeq`), so nothing is missed or repeated; `reconnects` counts these.
 * - Stops when the run is finished (the server completes the stream after the final event):
 *   `finished` is set. It then watches the run's status through the client (see
 *   followRunStream's retry watch): a retry seen by this client re-opens the stream from
 *   `lastSeq`, clearing `finished`.
 * - Stops for good, with `error` set and without retrying, on an answer resubscribing cannot
 *   change: NOT_FOUND (unknown, of another workspace, or deleted meanwhile), FORBIDDEN,
 *   UNAUTHENTICATED, BAD_USER_INPUT (e.g. a batchSize out of range) and similar.
 * - `runId` null is idle: nothing is subscribed. A new runId or option starts over.
 *
 * The cache: with createFlowdeckClient's normalized cache each batch is also written to
 * Graphcache, so the Run and its StepRuns update every query showing them (urql has no request
 * policy that keeps a subscription result out of the cache). Only the newest batch's RunEvent
 * records stay linked from the subscription's field; older ones become unreferenced and
 * Graphcache's garbage collection (run when no other operation's write is pending) drops them,
 * unless a RunEvents query still shows them. So a long log does not accumulate in the cache; this
 * hook keeps its own copy in `events`.
 */
export function useRunStream(runId: string | null, options: RunStreamOptions = {}): RunStreamState {
  const client = useClient();
  const { afterSeq = 0, batchSize } = options;
  const key = runId === null ? null : JSON.stringify([runId, afterSeq, batchSize ?? null]);
  const initial = useMemo(() => initialState(afterSeq), [afterSeq]);
  const [current, setCurrent] = useState<{ key: string | null; state: RunStreamState }>({ key: null, state: initial });
  useEffect(() => {
    if (runId === null) return undefined;
    const follow = batchSize === undefined ? { afterSeq } : { afterSeq, batchSize };
    return followRunStream(client, runId, follow, (state) => setCurrent({ key, state }));
  }, [client, runId, afterSeq, batchSize, key]);
  // Until the new stream publishes, a changed runId must not show the previous run's state.
  return current.key === key && key !== null ? current.state : initial;
}
