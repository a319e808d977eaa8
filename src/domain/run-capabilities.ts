// What may be done to a run in its current status, by whom. The run service's cancel, retry and
// rerunFromStep refuse with these predicates, and the GraphQL capability flags (`canCancel`…)
// answer with them, so a button a client shows is never one the mutation then refuses.
import { hasRole, type Principal, type Role } from './principal.ts';
import type { RunStatus } from './statuses.ts';

/**
 * The role every run change needs: viewers change nothing (the GraphQL plugin and the REST
 * middleware refuse their writes before any service runs).
 */
export const RUN_WRITE_ROLE: Role = 'editor';

/** Whether a run in `status` can be cancelled: only one that has not finished. */
export function cancellable(status: RunStatus): boolean {
  switch (status) {
    case 'PENDING':
    case 'RUNNING':
      return true;
    case 'COMPLETED':
    case 'FAILED':
    case 'CANCELLED':
      return false;
  }
}

/** Whether a run in `status` can be retried (resumed in place): only one that failed or was cancelled. */
export function retryable(status: RunStatus): boolean {
  switch (status) {
    case 'FAILED':
    case 'CANCELLED':
      return true;
    case 'PENDING':
    case 'RUNNING':
    case 'COMPLETED':
      return false;
  }
}

/** Whether a run in `status` can be re-run from a step (a new child run): only a finished one. */
export function rerunnable(status: RunStatus): boolean {
  switch (status) {
    case 'COMPLETED':
    case 'FAILED':
    case 'CANCELLED':
      return true;
    case 'PENDING':
    case 'RUNNING':
      return false;
  }
}

/** What `principal` may do to a run in `status` right now. */
export interface RunCapabilities {
  cancel: boolean;
  retry: boolean;
  rerun: boolean;
}

/** The run changes `principal` may make to a run in `status`: its role and the status must both allow each. */
export function runCapabilities(principal: Principal, status: RunStatus): RunCapabilities {
  const writer = hasRole(principal.role, RUN_WRITE_ROLE);
  return { cancel: writer && cancellable(status), retry: writer && retryable(status), rerun: writer && rerunnable(status) };
}
