// A refused state change worded in each dialect's own vocabulary: a caller of seed 003 knows
// runs as running/completed/failed/terminated, one of seed 002 knows executions as
// pending/.../cancelled, and none of them the engine's upper-case statuses.
import type { InvalidStateError } from '../domain/errors.ts';
import { RUN_STATUSES, type RunStatus } from '../domain/statuses.ts';
import type { Dialect } from './errors.ts';
import { engineState, historyRunStatus, legacyExecutionStatus, v2RunStatus } from './statuses.ts';
import { v2WorkflowStatus } from './v2/workflow-schemas.ts';

const isRunStatus = (status: string): status is RunStatus => (RUN_STATUSES as readonly string[]).includes(status);

/** Seed 003: terminating a run that ended, executing a workflow that is archived. */
function v2(action: string, id: string, status: RunStatus | null, raw: string): string | null {
  if (action === 'cancel' && status) return `Workflow run '${id}' is already ${v2RunStatus(status)}; only running runs can be terminated`;
  if (action === 'execute') return `Workflow '${id}' is ${v2WorkflowStatus({ status: raw })}; only active workflows can be executed`;
  return null;
}

/** Seed 002: cancelling an execution that ended (a 409). */
function legacy(action: string, id: string, status: RunStatus | null): string | null {
  if (action === 'cancel' && status) {
    return `Workflow execution '${id}' is already ${legacyExecutionStatus(status)}; only pending or running executions can be cancelled`;
  }
  return null;
}

/** Seed 000: cancelling a run that ended, retrying one that did not fail or was not cancelled. */
function history(action: string, id: string, status: RunStatus | null): string | null {
  if (!status) return null;
  if (action === 'cancel') return `Run '${id}' is already ${historyRunStatus(status)}; only pending or running runs can be cancelled`;
  if (action === 'retry') return `Run '${id}' is ${historyRunStatus(status)}; only failed or cancelled runs can be retried`;
  return null;
}

/** Seed 001: stopping a workflow instance that ended. */
function engine(action: string, id: string, status: RunStatus | null): string | null {
  if (action === 'cancel' && status)
    return `Workflow '${id}' is already ${engineState(status)}; only pending or running workflows can be stopped`;
  return null;
}

/**
 * The `detail` of a refused state change in `dialect`'s words, or null to keep the domain's
 * message (seed 004 uses the engine's own statuses, and errors without a subject have no
 * dialect wording).
 */
export function refusalIn(dialect: Dialect, error: InvalidStateError): string | null {
  const { subject, currentStatus } = error;
  if (!subject) return null;
  const status = subject.entity === 'Run' && isRunStatus(currentStatus) ? currentStatus : null;
  switch (dialect) {
    case 'v1':
      return null;
    case 'v2':
      return v2(subject.action, subject.id, status, currentStatus);
    case 'legacy':
      return legacy(subject.action, subject.id, status);
    case 'history':
      return history(subject.action, subject.id, status);
    case 'engine':
      return engine(subject.action, subject.id, status);
    default: {
      const never: never = dialect;
      throw new Error(`unknown dialect ${String(never)}`);
    }
  }
}
