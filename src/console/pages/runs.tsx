// The runs list: live through useLiveRuns (new runs appear and statuses change without a
// reload), or, while a search is applied, a plain query (the live feed cannot search).

import {
  getFragmentData,
  type RunFilter,
  type RunListItemFragment,
  RunListItemFragmentDoc,
  type RunStatus,
  useLiveRuns,
  useRunsQuery,
  useWorkflowsQuery,
  WorkflowListItemFragmentDoc,
} from '@flowdeck/sdk';
import { type FormEvent, useEffect, useMemo, useState } from 'react';
import { StatusBadge } from '../components/status.tsx';
import { errorMessage } from '../errors.ts';
import { elapsed, formatDateTime, formatDuration, shortRunId, useNow } from '../format.ts';
import { Link, runPath } from '../router.tsx';

const STATUSES: RunStatus[] = ['PENDING', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED'];
const PAGE = 25;

/** The runs page: filters, then the live list (or the search results). */
export function RunsPage() {
  const [statuses, setStatuses] = useState<RunStatus[]>([]);
  const [workflowId, setWorkflowId] = useState('');
  const [searchText, setSearchText] = useState('');
  const [search, setSearch] = useState('');
  const [workflows, refetchWorkflows] = useWorkflowsQuery({ variables: { first: 100 } });
  const workflowOptions = (workflows.data?.workflows.edges ?? []).map((edge) => getFragmentData(WorkflowListItemFragmentDoc, edge.node));

  useEffect(() => {
    document.title = 'Runs · Flowdeck';
  }, []);

  // One object per distinct filter: the live list resubscribes only when the filter changes.
  const filter = useMemo<RunFilter>(
    () => ({ ...(statuses.length > 0 ? { status: statuses } : {}), ...(workflowId ? { workflowId } : {}) }),
    [statuses, workflowId],
  );
  const toggle = (status: RunStatus, on: boolean) =>
    setStatuses((current) => STATUSES.filter((s) => (s === status ? on : current.includes(s))));
  const onSearch = (event: FormEvent) => {
    event.preventDefault();
    setSearch(searchText.trim());
  };

  return (
    <>
      <h1>Runs</h1>
      <form className="filters" onSubmit={onSearch} aria-label="Filter runs">
        <fieldset>
          <legend>Status</legend>
          {STATUSES.map((status) => (
            <label key={status} className="check">
              <input type="checkbox" checked={statuses.includes(status)} onChange={(event) => toggle(status, event.target.checked)} />
              {status}
            </label>
          ))}
        </fieldset>
        <div className="field">
          <label htmlFor="filter-workflow">Workflow</label>
          <select
            id="filter-workflow"
            value={workflowId}
            onChange={(event) => setWorkflowId(event.target.value)}
            // Workflows created since the page loaded appear when a person opens the list.
            onFocus={() => refetchWorkflows({ requestPolicy: 'network-only' })}
          >
            <option value="">All workflows</option>
            {workflowOptions.map((workflow) => (
              <option key={workflow.id} value={workflow.id}>
                {workflow.name}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="filter-search">Search</label>
          <input
            id="filter-search"
            type="search"
            value={searchText}
            onChange={(event) => setSearchText(event.target.value)}
            placeholder="Words of the input, workflow or run id"
          />
        </div>
        <button type="submit">Search runs</button>
      </form>
      {search ? (
        <SearchedRuns
          key={`${JSON.stringify(filter)}|${search}`}
          filter={{ ...filter, search }}
          onClear={() => {
            setSearch('');
            setSearchText('');
          }}
        />
      ) : (
        <LiveRuns key={JSON.stringify(filter)} filter={filter} />
      )}
    </>
  );
}

function LiveRuns({ filter }: { filter: RunFilter }) {
  const live = useLiveRuns({ filter, first: PAGE });
  return (
    <>
      <p className="stream-state live" role="status">
        Live: {live.rows.length} of {live.totalCount} runs shown
      </p>
      {live.error ? (
        <p role="alert" className="error">
          Could not load the runs: {live.error.message}
        </p>
      ) : null}
      <RunsTable rows={live.rows} loading={live.fetching && live.rows.length === 0} />
      {live.hasNextPage ? (
        <button type="button" onClick={() => live.loadMore()} disabled={live.fetching}>
          Load more runs
        </button>
      ) : null}
    </>
  );
}

function SearchedRuns({ filter, onClear }: { filter: RunFilter; onClear: () => void }) {
  const [first, setFirst] = useState(PAGE);
  const [result, refetch] = useRunsQuery({ variables: { filter, first }, requestPolicy: 'network-only' });
  const runs = result.data?.runs;
  const rows = (runs?.edges ?? []).map((edge) => getFragmentData(RunListItemFragmentDoc, edge.node));
  return (
    <>
      <p className="stream-state" role="status">
        Search results for “{filter.search}”: {rows.length} of {runs?.totalCount ?? 0} runs shown (not live){' '}
        <button type="button" onClick={() => refetch({ requestPolicy: 'network-only' })}>
          Refresh
        </button>{' '}
        <button type="button" onClick={onClear}>
          Clear search
        </button>
      </p>
      {result.error ? (
        <p role="alert" className="error">
          Search failed: {errorMessage(result.error)}
        </p>
      ) : null}
      <RunsTable rows={rows} loading={result.fetching && rows.length === 0} />
      {runs?.pageInfo.hasNextPage ? (
        <button type="button" onClick={() => setFirst((n) => n + PAGE)} disabled={result.fetching}>
          Load more runs
        </button>
      ) : null}
    </>
  );
}

/** The runs as a table, one row per run, durations of running runs ticking. */
function RunsTable({ rows, loading }: { rows: readonly RunListItemFragment[]; loading: boolean }) {
  const now = useNow(rows.some((r) => r.status === 'RUNNING'));
  return (
    <div className="table-wrap">
      <table className="runs" aria-busy={loading}>
        <caption>Runs</caption>
        <thead>
          <tr>
            <th scope="col">Run</th>
            <th scope="col">Workflow</th>
            <th scope="col">Status</th>
            <th scope="col">Started</th>
            <th scope="col">Duration</th>
            <th scope="col">Steps done</th>
          </tr>
        </thead>
        <tbody>
          {rows.length === 0 ? (
            <tr>
              <td colSpan={6} className="muted">
                {loading ? 'Loading…' : 'No runs match.'}
              </td>
            </tr>
          ) : null}
          {rows.map((run) => (
            <tr key={run.id}>
              <th scope="row">
                <Link to={runPath(run.id)} className="mono">
                  {shortRunId(run.id)}
                </Link>
              </th>
              <td>{run.workflow.name}</td>
              <td>
                <StatusBadge status={run.status} />
              </td>
              <td>{formatDateTime(run.startedAt)}</td>
              <td>{formatDuration(elapsed(run.durationMs, run.startedAt, run.completedAt, now))}</td>
              <td className="num">
                {run.stepCounts.completed}/{run.stepCounts.total}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
