// One step in detail: its state, typed failure, input, output and attempts, and the signal form
// when it is a wait step waiting for one.

import { type StepDetailsFragment, useSignalRunMutation } from '@flowdeck/sdk';
import { type FormEvent, useId, useState } from 'react';
import { errorMessage, parseJsonInput, typedError } from '../errors.ts';
import { formatDateTime, formatDuration, prettyJson } from '../format.ts';
import { StatusBadge } from './status.tsx';

/** The selected step's details, with the signal form when it waits for one. */
export function StepPanel({ runId, step }: { runId: string; step: StepDetailsFragment }) {
  const headingId = useId();
  return (
    <section className="panel step-panel" aria-labelledby={headingId}>
      <h2 id={headingId}>Step {step.stepId}</h2>
      <dl className="facts">
        <dt>Status</dt>
        <dd>
          <StatusBadge status={step.status} />
        </dd>
        <dt>Type</dt>
        <dd>{step.stepType}</dd>
        {step.agent ? (
          <>
            <dt>Agent</dt>
            <dd>{step.agent.name}</dd>
          </>
        ) : null}
        <dt>Started</dt>
        <dd>{formatDateTime(step.startedAt)}</dd>
        <dt>Completed</dt>
        <dd>{formatDateTime(step.completedAt)}</dd>
        <dt>Attempts</dt>
        <dd>{step.attemptCount}</dd>
        {step.nextAttemptAt ? (
          <>
            <dt>Next attempt</dt>
            <dd>{formatDateTime(step.nextAttemptAt)}</dd>
          </>
        ) : null}
      </dl>
      {step.failure ? (
        <div className="failure">
          <h3>Error</h3>
          <p>
            <strong>{step.failure.kind}</strong>
            {step.failure.statusCode !== null ? ` (HTTP ${step.failure.statusCode})` : ''}: {step.failure.message}
          </p>
          <p className="muted">{step.failure.retryable ? 'Retryable.' : 'Not retryable.'}</p>
        </div>
      ) : null}
      {step.stepType === 'WAIT' && step.status === 'WAITING' ? <SignalForm key={step.id} runId={runId} stepId={step.stepId} /> : null}
      <div className="io">
        <div>
          <h3>Input</h3>
          <pre tabIndex={0} aria-label={`Input of ${step.stepId}`}>
            {prettyJson(step.input)}
          </pre>
        </div>
        <div>
          <h3>Output</h3>
          <pre tabIndex={0} aria-label={`Output of ${step.stepId}`}>
            {prettyJson(step.output)}
          </pre>
        </div>
      </div>
      {step.attempts.length > 0 ? (
        <table className="attempts">
          <caption>Attempts of {step.stepId}</caption>
          <thead>
            <tr>
              <th scope="col">Attempt</th>
              <th scope="col">Status</th>
              <th scope="col">Started</th>
              <th scope="col">Duration</th>
              <th scope="col">Error</th>
            </tr>
          </thead>
          <tbody>
            {step.attempts.map((attempt) => (
              <tr key={attempt.id}>
                <td className="num">{attempt.attempt}</td>
                <td>
                  <StatusBadge status={attempt.status} />
                </td>
                <td>{formatDateTime(attempt.startedAt)}</td>
                <td>{formatDuration(attempt.durationMs)}</td>
                <td>{attempt.failure ? `${attempt.failure.kind}: ${attempt.failure.message}` : ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}

/** Sends the signal a waiting `wait` step waits for; its payload becomes the step's output. */
function SignalForm({ runId, stepId }: { runId: string; stepId: string }) {
  const [payload, setPayload] = useState('{}');
  const [problem, setProblem] = useState<string | null>(null);
  const [{ fetching }, signal] = useSignalRunMutation();
  const fieldId = useId();
  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    const parsed = parseJsonInput(payload, 'The payload');
    if (!parsed.ok) return setProblem(parsed.message);
    setProblem(null);
    const result = await signal({ input: { runId, stepId, payload: parsed.value } });
    const refused = result.error ? errorMessage(result.error) : typedError(result.data?.signalRun)?.message;
    setProblem(refused ? `Signal failed: ${refused}` : null);
  };
  return (
    <form className="signal" onSubmit={(event) => void onSubmit(event)}>
      <h3>Signal</h3>
      <p className="muted">This step waits for a signal; the payload becomes its output.</p>
      <label htmlFor={fieldId}>Signal payload (JSON)</label>
      <textarea id={fieldId} rows={4} value={payload} onChange={(event) => setPayload(event.target.value)} spellCheck={false} />
      <button type="submit" disabled={fetching}>
        Send signal
      </button>
      {problem ? (
        <p role="alert" className="error">
          {problem}
        </p>
      ) : null}
    </form>
  );
}
