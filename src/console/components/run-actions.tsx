// What a person does to a run as a whole: cancel it, or retry it once it failed or was cancelled.

import { type RunSummaryFragment, useCancelRunMutation, useRetryRunMutation } from '@flowdeck/sdk';
import { useState } from 'react';
import { errorMessage, typedError } from '../errors.ts';

/** Cancel (when `canCancel`) and Retry (when `canRetry`); a refusal is shown as an alert. */
export function RunActions({ run }: { run: RunSummaryFragment }) {
  const [cancelState, cancel] = useCancelRunMutation();
  const [retryState, retry] = useRetryRunMutation();
  const [problem, setProblem] = useState<string | null>(null);

  const onCancel = async () => {
    setProblem(null);
    const result = await cancel({ input: { id: run.id, reason: 'Cancelled from the run console' } });
    const refused = result.error ? errorMessage(result.error) : typedError(result.data?.cancelRun)?.message;
    if (refused) setProblem(`Cancel failed: ${refused}`);
  };
  const onRetry = async () => {
    setProblem(null);
    const result = await retry({ input: { id: run.id } });
    const refused = result.error ? errorMessage(result.error) : typedError(result.data?.retryRun)?.message;
    if (refused) setProblem(`Retry failed: ${refused}`);
  };

  return (
    <div className="actions">
      {run.canCancel ? (
        <button type="button" className="danger" disabled={cancelState.fetching} onClick={() => void onCancel()}>
          Cancel run
        </button>
      ) : null}
      {run.canRetry ? (
        <button type="button" disabled={retryState.fetching} onClick={() => void onRetry()}>
          Retry run
        </button>
      ) : null}
      {problem ? (
        <p role="alert" className="error">
          {problem}
        </p>
      ) : null}
    </div>
  );
}
