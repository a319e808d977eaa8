// The status vocabulary each REST dialect answers with, and the one function per dialect that
// maps an internal status (src/domain/statuses.ts) into it. Every mapping is a switch over the
// internal union ending in a `never` check, so a status added to the engine fails the type check
// until each dialect says what its callers see; every view of a dialect goes through it, and
// its OpenAPI enum is the vocabulary below. Seeds 004 (/api/v1) and 003 (/api/v2) document
// their sets, quoted beside them. Seeds 002, 000 and 001 document none, so those dialects keep
// Flowdeck's own words (lower case in 002 and 000, upper case in 001) as closed enums.
import type { AttemptStatus, RunStatus, StepStatus } from '../domain/statuses.ts';

function unmapped(status: never): never {
  throw new Error(`no REST status for internal status "${String(status)}"`);
}

/**
 * The internal statuses a dialect's mapping turns into `value`: what a status filter of that
 * dialect selects, derived from the mapping so the two cannot disagree.
 */
export function internalStatusesOf<I extends string, D extends string>(all: readonly I[], map: (status: I) => D, value: D): I[] {
  return all.filter((status) => map(status) === value);
}

// --- Seed 004 (/api/v1) --------------------------------------------------------------------

/** Seed 004 "Run Status Values": PENDING, RUNNING, COMPLETED, FAILED, CANCELLED. */
export const V1_RUN_STATUSES = ['PENDING', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED'] as const;
export type V1RunStatus = (typeof V1_RUN_STATUSES)[number];

/** Seed 004 "Step Status Values": PENDING, RUNNING, COMPLETED, FAILED, SKIPPED (no CANCELLED). */
export const V1_STEP_STATUSES = ['PENDING', 'RUNNING', 'COMPLETED', 'FAILED', 'SKIPPED'] as const;
export type V1StepStatus = (typeof V1_STEP_STATUSES)[number];

/** A run's status in seed 004: the engine's five run statuses are the documented five. */
export function v1RunStatus(status: RunStatus): V1RunStatus {
  switch (status) {
    case 'PENDING':
    case 'RUNNING':
    case 'COMPLETED':
    case 'FAILED':
    case 'CANCELLED':
      return status;
    default:
      return unmapped(status);
  }
}

/**
 * A step's status in seed 004. WAITING (a timer or a signal) has started and not finished:
 * RUNNING. The seed has no CANCELLED step: a step cut off by a cancel (or by its run failing
 * elsewhere) is FAILED when it had started (`started`) and SKIPPED when it never did.
 */
export function v1StepStatus(status: StepStatus, started: boolean): V1StepStatus {
  switch (status) {
    case 'PENDING':
    case 'RUNNING':
    case 'COMPLETED':
    case 'FAILED':
    case 'SKIPPED':
      return status;
    case 'WAITING':
      return 'RUNNING';
    case 'CANCELLED':
      return started ? 'FAILED' : 'SKIPPED';
    default:
      return unmapped(status);
  }
}

// --- Seed 003 (/api/v2) --------------------------------------------------------------------

/** Seed 003 "Filter by run status: running, completed, failed, or terminated." */
export const V2_RUN_STATUSES = ['running', 'completed', 'failed', 'terminated'] as const;
export type V2RunStatus = (typeof V2_RUN_STATUSES)[number];

/** A run's status in seed 003: a run is `running` from the moment it is accepted (the seed's execute answers `running`). */
export function v2RunStatus(status: RunStatus): V2RunStatus {
  switch (status) {
    case 'PENDING':
    case 'RUNNING':
      return 'running';
    case 'COMPLETED':
      return 'completed';
    case 'FAILED':
      return 'failed';
    case 'CANCELLED':
      return 'terminated';
    default:
      return unmapped(status);
  }
}

// --- Seed 002 (/api/workflows) — no documented set ------------------------------------------

/** Seed 002 documents no execution statuses: Flowdeck's run statuses, lower-cased. */
export const LEGACY_EXECUTION_STATUSES = ['pending', 'running', 'completed', 'failed', 'cancelled'] as const;
export type LegacyExecutionStatus = (typeof LEGACY_EXECUTION_STATUSES)[number];

/** Seed 002 documents no step statuses: Flowdeck's step statuses, lower-cased, with WAITING shown as running. */
export const LEGACY_STEP_STATUSES = ['pending', 'running', 'completed', 'failed', 'cancelled', 'skipped'] as const;
export type LegacyStepStatus = (typeof LEGACY_STEP_STATUSES)[number];

/** Seed 002 documents no attempts: Flowdeck's attempt statuses, lower-cased. */
export const LEGACY_ATTEMPT_STATUSES = ['running', 'succeeded', 'failed', 'cancelled', 'interrupted'] as const;
export type LegacyAttemptStatus = (typeof LEGACY_ATTEMPT_STATUSES)[number];

/** An execution's (a run's) status in seed 002's dialect. */
export function legacyExecutionStatus(status: RunStatus): LegacyExecutionStatus {
  switch (status) {
    case 'PENDING':
      return 'pending';
    case 'RUNNING':
      return 'running';
    case 'COMPLETED':
      return 'completed';
    case 'FAILED':
      return 'failed';
    case 'CANCELLED':
      return 'cancelled';
    default:
      return unmapped(status);
  }
}

/** A step's status in seed 002's dialect: a waiting step holds no worker but has not finished, so it is running. */
export function legacyStepStatus(status: StepStatus): LegacyStepStatus {
  switch (status) {
    case 'PENDING':
      return 'pending';
    case 'RUNNING':
    case 'WAITING':
      return 'running';
    case 'COMPLETED':
      return 'completed';
    case 'FAILED':
      return 'failed';
    case 'CANCELLED':
      return 'cancelled';
    case 'SKIPPED':
      return 'skipped';
    default:
      return unmapped(status);
  }
}

/** A step attempt's status in seed 002's timeline. */
export function legacyAttemptStatus(status: AttemptStatus): LegacyAttemptStatus {
  switch (status) {
    case 'RUNNING':
      return 'running';
    case 'SUCCEEDED':
      return 'succeeded';
    case 'FAILED':
      return 'failed';
    case 'CANCELLED':
      return 'cancelled';
    case 'INTERRUPTED':
      return 'interrupted';
    default:
      return unmapped(status);
  }
}

// --- Seed 000 (run history) — no documented set ---------------------------------------------

/** Seed 000 names a `status` filter and field but no values: Flowdeck's run statuses, lower-cased. */
export const HISTORY_RUN_STATUSES = ['pending', 'running', 'completed', 'failed', 'cancelled'] as const;
export type HistoryRunStatus = (typeof HISTORY_RUN_STATUSES)[number];

/** A run's status in seed 000's dialect (one-to-one, so a filter value selects exactly one internal status). */
export function historyRunStatus(status: RunStatus): HistoryRunStatus {
  switch (status) {
    case 'PENDING':
      return 'pending';
    case 'RUNNING':
      return 'running';
    case 'COMPLETED':
      return 'completed';
    case 'FAILED':
      return 'failed';
    case 'CANCELLED':
      return 'cancelled';
    default:
      return unmapped(status);
  }
}

// --- Seed 001 (/workflows) — no documented set -----------------------------------------------

/** Seed 001 names a WorkflowStatus model but not its values: Flowdeck's words, with a cancel called `stopped` after POST /workflows/{id}/stop. */
export const ENGINE_STATES = ['pending', 'running', 'completed', 'failed', 'stopped'] as const;
export type EngineState = (typeof ENGINE_STATES)[number];

/** An instance's (a run's) `state` in seed 001's dialect; its `status` and its steps' statuses are the engine's own. */
export function engineState(status: RunStatus): EngineState {
  switch (status) {
    case 'PENDING':
      return 'pending';
    case 'RUNNING':
      return 'running';
    case 'COMPLETED':
      return 'completed';
    case 'FAILED':
      return 'failed';
    case 'CANCELLED':
      return 'stopped';
    default:
      return unmapped(status);
  }
}
