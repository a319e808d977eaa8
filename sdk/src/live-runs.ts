// useLiveRuns: a runs list (RunsDocument pages) kept current from the runListChanges feed with
// the same filter and order, opened from the first page's resume token: new runs placed by their
// cursor, changed runs updated or moved, runs that leave the filter or are deleted removed,
// resumed after a disconnect with the last resume token.
import { useEffect, useMemo, useState } from 'react';
import { type Client, type CombinedError, type OperationResult, useClient } from 'urql';
import { getFragmentData } from './gql/fragment-masking.js';
import {
  type RunChangeKind,
  type RunFilter,
  type RunListItemFragment,
  RunListItemFragmentDoc,
  type RunOrder,
  RunsChangedDocument,
  type RunsChangedSubscription,
  type RunsChangedSubscriptionVariables,
  RunsDocument,
  type RunStatus,
} from './gql/graphql.js';
import { errorCodes, follow, isFatal, newSalt, ownSubscription, retryDelay } from './live-operations.js';

/** Options of {@link useLiveRuns}: the same as the `runs` query's. */
export interface LiveRunsOptions {
  /** Which runs (`search` and `workflowKey` load, but the live feed refuses them: see `error`). */
  filter?: RunFilter;
  /** The list's order (default CREATED_AT DESC). */
  orderBy?: RunOrder;
  /** Page size, 1 to 100 (default: the server's, 20). */
  first?: number;
}

/** What {@link useLiveRuns} shows. */
export interface LiveRunsState {
  /** The rows, unmasked, in the list's order: the pages read so far plus runs the feed placed among them. */
  rows: RunListItemFragment[];
  /** How many runs match the filter: the first page's count, kept current from the feed. */
  totalCount: number;
  /** A page is being read. */
  fetching: boolean;
  /** Why the list could not be read, or why it stopped being live (e.g. a filter the feed refuses). */
  error: Error | null;
  /** More runs follow the rows shown: loadMore() reads them. */
  hasNextPage: boolean;
  /**
   * Reads the next page (after the last row read); does nothing while a page is being read or
   * when none follows. A plain function: pass it as an event handler as it is.
   */
  loadMore: () => void;
}

type Change = RunsChangedSubscription['runListChanges'];
type Result = OperationResult<RunsChangedSubscription, RunsChangedSubscriptionVariables>;

/** A row with its cursor in the list's order (from the page's edge, or the newest change). */
interface Row {
  item: RunListItemFragment;
  cursor: string;
}

/** What the first page (the one `totalCount` comes from) covered. */
interface FirstRead {
  /** When it was read (`RunConnection.readAt`), in epoch milliseconds. */
  readAt: number;
  /** Its last row's cursor, null when it had none. */
  end: string | null;
  /** No page followed it: it covered the whole list. */
  complete: boolean;
}

const KINDS: RunChangeKind[] = ['CREATED', 'STATUS_CHANGED', 'PROGRESSED', 'DELETED'];
const DEFAULT_PAGE = 20;
const MAX_PAGE = 100;

/** A cursor's position: its sort value (null when the run has none) and the run's id. */
function position(cursor: string): { v: string | number | null; id: string } | null {
  try {
    const base64 = cursor.replace(/-/g, '+').replace(/_/g, '/');
    const bytes = Uint8Array.from(atob(base64 + '='.repeat((4 - (base64.length % 4)) % 4)), (c) => c.charCodeAt(0));
    const parsed = JSON.parse(new TextDecoder().decode(bytes)) as { v?: unknown; id?: unknown };
    const v = parsed.v;
    if (typeof parsed.id !== 'string' || !(v === null || typeof v === 'string' || typeof v === 'number')) return null;
    return { v, id: parsed.id };
  } catch {
    return null;
  }
}

function compareValues(a: string | number, b: string | number): number {
  if (typeof a === 'number' && typeof b === 'number') return Math.sign(a - b);
  const [x, y] = [Date.parse(String(a)), Date.parse(String(b))];
  if (Number.isFinite(x) && Number.isFinite(y)) return Math.sign(x - y);
  return String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0;
}

/**
 * How `a` sorts against `b` in the list, as the server pages it: by value then id in the
 * order's direction, runs without a value last. Null if a cursor cannot be read (then the hook
 * places by a simpler rule).
 */
function compareCursors(a: string, b: string, descending: boolean): number | null {
  const x = position(a);
  const y = position(b);
  if (!x || !y) return null;
  if ((x.v === null) !== (y.v === null)) return x.v === null ? 1 : -1;
  let order = x.v !== null && y.v !== null ? compareValues(x.v, y.v) : 0;
  if (order === 0) order = x.id < y.id ? -1 : x.id > y.id ? 1 : 0;
  return descending ? -order : order;
}

/** What the following side of {@link useLiveRuns} offers. */
export interface LiveRunsFollower {
  /** Reads the next page (see {@link LiveRunsState.loadMore}). */
  loadMore: () => void;
  /** Stops following: the feed is closed, pending reads are ignored. */
  stop: () => void;
}

/**
 * Keeps a runs list current through `client` outside React, calling `publish` with a new state
 * object on every change. This is what {@link useLiveRuns} runs; see there for the guarantees.
 */
export function followLiveRuns(client: Client, options: LiveRunsOptions, publish: (state: LiveRunsState) => void): LiveRunsFollower {
  const descending = (options.orderBy?.direction ?? 'DESC') === 'DESC';
  // A run's place in CREATED_AT order never changes, so the first page tells which runs it left out.
  const byCreation = (options.orderBy?.field ?? 'CREATED_AT') === 'CREATED_AT';
  const statuses = options.filter?.status?.length ? new Set<RunStatus>(options.filter.status) : null;
  const matches = (status: RunStatus) => statuses === null || statuses.has(status);
  const salt = newSalt();

  let rows: Row[] = [];
  /** Whether each run this list has heard of is in the filter: keeps totalCount right when a change repeats. */
  let known = new Map<string, boolean>();
  let totalCount = 0;
  let hasNextPage = false;
  /** The end of the pages read: a run placed after it belongs to a page not read yet. */
  let boundary: string | null = null;
  let firstRead: FirstRead | null = null;
  let error: Error | null = null;
  let token: string | null = null;
  let loading: 'reset' | 'more' | null = null;
  /** Changes that came while a page was being read, applied over it once it is in. */
  let buffered: Change[] = [];
  let generation = 0;
  let attempt = 0;
  let failures = 0;
  let stopFeed: (() => void) | null = null;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let disposed = false;

  const emit = () => {
    if (disposed) return;
    publish({ rows: rows.map((row) => row.item), totalCount, fetching: loading !== null, error, hasNextPage, loadMore });
  };

  /**
   * Whether the first page's `totalCount` included a run this list hears of for the first time
   * with `change` (the feed replays changes from before the read, so this is not always "no").
   */
  function countedBefore(change: Change, inFilter: boolean): boolean {
    if (firstRead) {
      const { readAt, end, complete } = firstRead;
      // In CREATED_AT order a run within the first page's range but not on it was not listed then.
      if (byCreation && (complete || (end !== null && (compareCursors(change.cursor, end, descending) ?? 1) <= 0))) return false;
      // Stamped by the read: the count has the run as it is now (and not at all once deleted).
      const at = Date.parse(change.changedAt);
      if (Number.isFinite(at) && at <= readAt) return change.kind !== 'DELETED' && inFilter;
    }
    // After the read: the change says where the run was (new, or the status it left).
    if (change.kind === 'CREATED') return false;
    return change.previousStatus ? matches(change.previousStatus) : inFilter;
  }

  /** Applies one change by run id: a repeat (the feed is at least once) ends in the same list. */
  function apply(change: Change): void {
    const item = change.run ? getFragmentData(RunListItemFragmentDoc, change.run) : null;
    const inFilter = change.kind !== 'DELETED' && item !== null && matches(item.status);
    const before = known.get(change.runId) ?? countedBefore(change, inFilter);
    totalCount = Math.max(0, totalCount + Number(inFilter) - Number(before));
    known.set(change.runId, inFilter);

    const index = rows.findIndex((row) => row.item.id === change.runId);
    if (index >= 0) rows = [...rows.slice(0, index), ...rows.slice(index + 1)];
    if (!inFilter || !item) return;
    const row = { item, cursor: change.cursor };
    if (hasNextPage && boundary !== null && (compareCursors(change.cursor, boundary, descending) ?? -1) > 0) return;
    let at = rows.findIndex((other) => (compareCursors(change.cursor, other.cursor, descending) ?? 0) < 0);
    // An unreadable cursor: keep a known row where it was, put a new one first.
    if (position(change.cursor) === null) at = index >= 0 ? index : 0;
    rows = at < 0 ? [...rows, row] : [...rows.slice(0, at), row, ...rows.slice(at)];
  }

  function onChange(result: Result): void {
    if (result.error) return feedFailed(result.error);
    if (result.hasNext === false) return;
    const change = result.data?.runListChanges;
    if (!change) return;
    failures = 0;
    token = change.resumeToken;
    if (loading !== null) buffered.push(change);
    else {
      apply(change);
      emit();
    }
  }

  /** Opens the feed after the last resume token (the first page's, or the newest change's): every change since, at least once. */
  function openFeed(): void {
    if (disposed) return;
    const variables: RunsChangedSubscriptionVariables = { kinds: KINDS, after: token };
    if (options.filter) variables.filter = options.filter;
    if (options.orderBy) variables.orderBy = options.orderBy;
    stopFeed = follow(ownSubscription(client, RunsChangedDocument, variables, salt + attempt++), onChange, () => {
      // The feed never completes by itself: ending is a lost connection.
      stopFeed = null;
      retryLater();
    });
  }

  function feedFailed(failure: CombinedError): void {
    stopFeed?.();
    stopFeed = null;
    const codes = errorCodes(failure);
    if (codes.includes('RESUME_EXPIRED')) {
      // Too long away to resume: read the list afresh and follow it from now.
      token = null;
      return restart();
    }
    if (codes.includes('SLOW_SUBSCRIBER')) return openFeed();
    if (isFatal(failure)) {
      error = failure;
      return emit();
    }
    retryLater();
  }

  function retryLater(): void {
    if (disposed) return;
    timer = setTimeout(() => {
      timer = null;
      // Without a token there is nothing to resume from: the list is read again.
      if (token === null) restart();
      else openFeed();
    }, retryDelay(failures++));
  }

  /**
   * Reads a page: the first one again ('reset', as many rows as are shown, at most 100), then
   * opens the feed from its resume token; or the one after the boundary ('more'), while the feed
   * goes on: changes arriving meanwhile are applied over it when it is in, so a change the page
   * read missed still lands.
   */
  function load(kind: 'reset' | 'more'): void {
    const mine = ++generation;
    loading = kind;
    buffered = [];
    emit();
    const first = kind === 'reset' ? Math.min(MAX_PAGE, Math.max(options.first ?? DEFAULT_PAGE, rows.length)) : options.first;
    const variables = { first, after: kind === 'more' ? boundary : null, filter: options.filter, orderBy: options.orderBy };
    void client
      .query(RunsDocument, variables, { requestPolicy: 'network-only' })
      .toPromise()
      .then((result) => {
        if (disposed || mine !== generation) return;
        loading = null;
        const page = result.data?.runs;
        if (result.error || !page) {
          error = result.error ?? new Error('the runs list came back empty');
          buffered = [];
          // Nothing is followed until the first page is in: read it again unless that cannot help.
          if (kind === 'reset' && !(result.error && isFatal(result.error))) retryLater();
          return emit();
        }
        const incoming = page.edges.map((edge) => ({ item: getFragmentData(RunListItemFragmentDoc, edge.node), cursor: edge.cursor }));
        if (kind === 'reset') {
          rows = incoming;
          // The count was read with these rows; a later page's rows say nothing about the count.
          known = new Map(incoming.map((row) => [row.item.id, true]));
          totalCount = page.totalCount;
          error = null;
          firstRead = { readAt: Date.parse(page.readAt), end: page.pageInfo.endCursor ?? null, complete: !page.pageInfo.hasNextPage };
          token = page.resumeToken;
        } else {
          // The page was read after any change already applied to these runs: its rows win.
          const ids = new Set(incoming.map((row) => row.item.id));
          rows = [...rows.filter((row) => !ids.has(row.item.id)), ...incoming];
        }
        hasNextPage = page.pageInfo.hasNextPage;
        boundary = page.pageInfo.endCursor ?? boundary;
        const pending = buffered;
        buffered = [];
        for (const change of pending) apply(change);
        emit();
        if (kind === 'reset') openFeed();
      });
  }

  /** Starts over: reads the first page, then follows the feed from the page's resume token. */
  function restart(): void {
    if (disposed) return;
    stopFeed?.();
    stopFeed = null;
    // The page read brings the position to follow from; an older one would replay needlessly.
    token = null;
    load('reset');
  }

  function loadMore(): void {
    if (disposed || loading !== null || !hasNextPage) return;
    load('more');
  }

  restart();
  return {
    loadMore,
    stop: () => {
      disposed = true;
      if (timer) clearTimeout(timer);
      stopFeed?.();
    },
  };
}

/**
 * A runs list that stays current, through the urql client of the surrounding FlowdeckProvider:
 * the first page of `runs(filter, orderBy, first)`, then the `runListChanges` feed with the same
 * filter and order (CREATED, STATUS_CHANGED, PROGRESSED and DELETED changes).
 *
 * Guarantees:
 * - No gap from the first read: the first page is read, then the feed is opened with the page's
 *   `resumeToken` (taken by the server just before the read): it reports every run changed since
 *   the read, and from up to a minute before it (as long as a write can take to commit), at least
 *   once with its state now, so a change committed between the read and the feed becoming ready
 *   is shown too. Changes are applied by run id, so one the page already had changes nothing.
 * - A new run that matches is inserted at its place in the list's order (by the change's cursor,
 *   the same the list pages by); a run placed after the last row read while more pages follow
 *   is left to loadMore(), which reads the page after it.
 * - A changed run (status, step counts) is updated in place, or moved if its sort value changed;
 *   one whose new status leaves `filter.status`, or which is deleted, is removed.
 * - `totalCount` is the first page's count, +1 for each run entering the filter and -1 for each
 *   leaving it. A run first heard of from the feed (not on the first page) was in that count if:
 *   in CREATED_AT order and placed within the first page's rows, never (the page would have
 *   listed it); else, if the change is stamped (`changedAt`) at or before the read (`readAt`),
 *   as it is now (the count saw this state, and no deleted run); else by the change (a CREATED
 *   run was not, a run that left a status was if that status matches). So a replay of changes
 *   from before the read, e.g. runs created just before it beyond the first page, counts nothing
 *   twice. What can still be off by one, until the list is read afresh: a write to a run outside
 *   the first page's range (always, in other orders), stamped before the read but committed after
 *   it (a transaction in flight across the read), that made the run enter or leave the filter or
 *   deleted it; a write committed in the instant between the server taking `readAt` (or reading
 *   the page) and reading the count; under a status filter, a run outside that range whose status
 *   changed after the read but before the feed was ready (the replay does not say which status it
 *   left, so it is taken as unchanged); and writers whose clocks run apart from the server's.
 *   Rows are never affected by these: only the count.
 * - After a lost connection the feed is resumed with the last `resumeToken` (with backoff, 0.25 s
 *   doubling to 10 s): every change since comes again, at least once, and changes are applied
 *   by run id, so a repeat changes nothing and the newest state wins. A slow-subscriber cut-off
 *   resumes at once; an expired token reads the list afresh.
 * - An error reading a page, or an answer the feed cannot get past (e.g. `search` or
 *   `workflowKey`, which the feed refuses), sets `error`; the rows read stay. A first page that
 *   could not be read (but for an answer that cannot change, like FORBIDDEN) is read again with
 *   the same backoff.
 *
 * Options are compared by value: a new filter, order or page size starts over.
 */
export function useLiveRuns(options: LiveRunsOptions = {}): LiveRunsState {
  const client = useClient();
  const key = JSON.stringify([options.filter ?? null, options.orderBy ?? null, options.first ?? null]);
  const initial = useMemo<LiveRunsState>(
    () => ({ rows: [], totalCount: 0, fetching: true, error: null, hasNextPage: false, loadMore: () => {} }),
    [],
  );
  const [current, setCurrent] = useState<{ key: string; state: LiveRunsState } | null>(null);
  useEffect(() => {
    const [filter, orderBy, first] = JSON.parse(key) as [RunFilter | null, RunOrder | null, number | null];
    const follower = followLiveRuns(
      client,
      { ...(filter ? { filter } : {}), ...(orderBy ? { orderBy } : {}), ...(first !== null ? { first } : {}) },
      (state) => setCurrent({ key, state }),
    );
    return follower.stop;
  }, [client, key]);
  return current?.key === key ? current.state : initial;
}
