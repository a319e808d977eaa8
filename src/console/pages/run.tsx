// One run, live: its header, the DAG picture and steps table, the selected step's panel and the
// event log, kept current by useRunStream (the run's state arrives with each batch of events).

import {
  getFragmentData,
  type RunSummaryFragment,
  RunSummaryFragmentDoc,
  type StepDetailsFragment,
  StepDetailsFragmentDoc,
  useRerunFromStepMutation,
  useRunQuery,
  useRunStream,
} from '@flowdeck/sdk';
import { useEffect, useState } from 'react';
import { EventLog } from '../components/event-log.tsx';
import { RunActions } from '../components/run-actions.tsx';
import { StatusBadge } from '../components/status.tsx';
import { StepGraph } from '../components/step-graph.tsx';
import { StepPanel } from '../components/step-panel.tsx';
import { errorMessage, typedError } from '../errors.ts';
import { elapsed, formatDateTime, formatDuration, prettyJson, shortRunId, useNow } from '../format.ts';
import { Link, runPath, useRouter } from '../router.tsx';

/**
 * The run page. A retried run goes on in the same view: useRunStream re-opens the stream when
 * the retry's answer puts the run back to PENDING or RUNNING, and the log continues from where it was.
 */
export function RunPage({ runId }: { runId: string }) {
  // A new state per run: nothing of the previous run's page (the picked step) carries over.
  return <RunView key={runId} runId={runId} />;
}

/** The newer of two views of the run (a mutation's answer can be ahead of the stream's last batch). */
function newest(a: RunSummaryFragment | null, b: RunSummaryFragment | null): RunSummaryFragment | null {
  if (!a || !b) return a ?? b;
  return Date.parse(b.updatedAt) > Date.parse(a.updatedAt) ? b : a;
}

/** The step shown when the person has not picked one: what needs attention first. */
function defaultStep(steps: readonly StepDetailsFragment[]): string | null {
  const pick = (status: string) => steps.find((s) => s.status === status)?.stepId;
  return pick('FAILED') ?? pick('WAITING') ?? pick('RUNNING') ?? steps[0]?.stepId ?? null;
}

function RunView({ runId }: { runId: string }) {
  const stream = useRunStream(runId);
  const [query] = useRunQuery({ variables: { id: runId } });
  const queried = query.data?.run;
  const queriedRun = queried?.__typename === 'Run' ? queried : null;
  const run = newest(stream.run, queriedRun ? getFragmentData(RunSummaryFragmentDoc, queriedRun) : null);
  const steps: readonly StepDetailsFragment[] =
    stream.run?.steps ?? (queriedRun ? getFragmentData(StepDetailsFragmentDoc, queriedRun.steps) : []);
  const [picked, setPicked] = useState<string | null>(null);
  const selectedId = picked ?? defaultStep(steps);
  const selected = steps.find((s) => s.stepId === selectedId) ?? null;
  const now = useNow(run?.status === 'RUNNING' || run?.status === 'PENDING');

  useEffect(() => {
    document.title = `Run ${shortRunId(runId)} · Flowdeck`;
  }, [runId]);

  if (queried && queried.__typename !== 'Run') {
    return (
      <>
        <h1>Run not found</h1>
        <p role="alert" className="error">
          {queried.message}
        </p>
        <p>
          <Link to="/">Back to the runs</Link>
        </p>
      </>
    );
  }
  if (!run) {
    const problem = query.error ? errorMessage(query.error) : stream.error?.message;
    return (
      <>
        <h1>Run {shortRunId(runId)}</h1>
        {problem ? (
          <p role="alert" className="error">
            Could not load the run: {problem}
          </p>
        ) : (
          <p aria-busy="true">Loading the run…</p>
        )}
      </>
    );
  }

  return (
    <>
      <div className="title-row">
        <h1>
          Run <span className="mono">{shortRunId(run.id)}</span>
        </h1>
        <StatusBadge status={run.status} />
        <RunActions run={run} />
      </div>
      <StreamState stream={stream} />
      <dl className="facts run-facts">
        <dt>Workflow</dt>
        <dd>
          {run.workflow.name} <span className="muted mono">{run.workflow.key}</span> (version {run.workflowVersion.version})
        </dd>
        <dt>Run id</dt>
        <dd className="mono">{run.id}</dd>
        <dt>Triggered by</dt>
        <dd>{run.triggeredBy}</dd>
        <dt>Created</dt>
        <dd>{formatDateTime(run.createdAt)}</dd>
        <dt>Started</dt>
        <dd>{formatDateTime(run.startedAt)}</dd>
        <dt>Finished</dt>
        <dd>{formatDateTime(run.completedAt)}</dd>
        <dt>Duration</dt>
        <dd>{formatDuration(elapsed(run.durationMs, run.startedAt, run.completedAt, now))}</dd>
        <dt>Steps done</dt>
        <dd>
          {run.stepCounts.completed + run.stepCounts.skipped} of {run.stepCounts.total}
        </dd>
        {run.deadlineAt ? (
          <>
            <dt>Deadline</dt>
            <dd>{formatDateTime(run.deadlineAt)}</dd>
          </>
        ) : null}
        {run.cancelReason ? (
          <>
            <dt>Cancel reason</dt>
            <dd>{run.cancelReason}</dd>
          </>
        ) : null}
      </dl>
      {run.failure ? (
        <div className="failure">
          <h2>Failure</h2>
          <p>
            <strong>{run.failure.kind}</strong>
            {run.failure.stepId ? ` in step ${run.failure.stepId}` : ''}: {run.failure.message}
          </p>
        </div>
      ) : null}
      <StepsSection runId={run.id} canRerun={run.canRerun} steps={steps} selected={selectedId} onSelect={setPicked} now={now} />
      {selected ? <StepPanel runId={run.id} step={selected} /> : null}
      <div className="io">
        <div>
          <h2>Inputs</h2>
          <pre tabIndex={0} aria-label="Run inputs">
            {prettyJson(run.inputs)}
          </pre>
        </div>
        <div>
          <h2>Outputs</h2>
          <pre tabIndex={0} aria-label="Run outputs">
            {prettyJson(run.outputs)}
          </pre>
        </div>
      </div>
      <EventLog events={stream.events} />
    </>
  );
}

/** Whether the page is live, done, reconnecting, or has stopped with an error. */
function StreamState({ stream }: { stream: ReturnType<typeof useRunStream> }) {
  if (stream.error) {
    return (
      <p role="alert" className="error">
        Live updates stopped: {stream.error.message}
      </p>
    );
  }
  const text = stream.finished
    ? 'The run has finished; its log is complete.'
    : `Live${stream.reconnects > 0 ? ` (reconnected ${stream.reconnects === 1 ? 'once' : `${stream.reconnects} times`})` : ''}`;
  return (
    <p className={`stream-state${stream.finished ? '' : ' live'}`} role="status">
      {text}
    </p>
  );
}

/** The DAG picture and the steps table, with Re-run from a step when the run allows it. */
function StepsSection(props: {
  runId: string;
  canRerun: boolean;
  steps: readonly StepDetailsFragment[];
  selected: string | null;
  onSelect: (stepId: string) => void;
  now: number;
}) {
  const { runId, canRerun, steps, selected, onSelect, now } = props;
  const { navigate } = useRouter();
  const [rerunState, rerun] = useRerunFromStepMutation();
  const [problem, setProblem] = useState<string | null>(null);
  const onRerun = async (stepId: string) => {
    setProblem(null);
    const result = await rerun({ input: { runId, stepId } });
    const member = result.data?.rerunFromStep;
    const refused = result.error ? errorMessage(result.error) : typedError(member)?.message;
    if (refused) setProblem(`Re-run failed: ${refused}`);
    else if (member?.__typename === 'Run') navigate(runPath(member.id));
  };
  return (
    <section aria-labelledby="steps-heading">
      <h2 id="steps-heading">Steps</h2>
      <div className="graph-wrap">
        <StepGraph steps={steps} selected={selected} onSelect={onSelect} />
      </div>
      {problem ? (
        <p role="alert" className="error">
          {problem}
        </p>
      ) : null}
      <div className="table-wrap">
        <table>
          <caption>Steps of this run</caption>
          <thead>
            <tr>
              <th scope="col">Step</th>
              <th scope="col">Type</th>
              <th scope="col">Status</th>
              <th scope="col">Started</th>
              <th scope="col">Duration</th>
              <th scope="col">Attempts</th>
              {canRerun ? <th scope="col">Re-run</th> : null}
            </tr>
          </thead>
          <tbody>
            {steps.map((step) => (
              <tr key={step.id} className={step.stepId === selected ? 'selected' : undefined}>
                <th scope="row">
                  <button type="button" className="link" aria-pressed={step.stepId === selected} onClick={() => onSelect(step.stepId)}>
                    {step.stepId}
                  </button>
                </th>
                <td>{step.stepType}</td>
                <td>
                  <StatusBadge status={step.status} />
                </td>
                <td>{formatDateTime(step.startedAt)}</td>
                <td>{formatDuration(elapsed(null, step.startedAt, step.completedAt, now))}</td>
                <td className="num">{step.attemptCount}</td>
                {canRerun ? (
                  <td>
                    <button type="button" disabled={rerunState.fetching} onClick={() => void onRerun(step.stepId)}>
                      Re-run from {step.stepId}
                    </button>
                  </td>
                ) : null}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
