// What each kind of run event carries, typed. Payloads are written by the engine
// (engine/attempts.ts, engine/run-state.ts, engine/executor.ts) and the domain (run-writes.ts,
// run-rerun.ts, runs.ts); this reads them back tolerantly, because the log keeps events written
// by every earlier version.
import type { RunEvent } from '../db/models.ts';
import type { RunEventType } from '../db/run-events.ts';
import { type RunFailure, readRunFailure, readStepFailure, type StepFailure } from './failures.ts';
import { type LogLevel, logLevel } from './run-logs.ts';
import { asStatus, RUN_STATUSES, RUN_TRIGGERS, type RunStatus, type RunTrigger } from './statuses.ts';

/** Why a step was skipped (the text recorded, as propagateSkips writes it). */
export const SKIP_REASONS = ['branch not taken', 'all dependencies skipped'] as const;
export type SkipReason = (typeof SKIP_REASONS)[number];

/** What a WAITING step waits for. */
export const WAIT_KINDS = ['timer', 'signal'] as const;
export type WaitKind = (typeof WAIT_KINDS)[number];

/** The typed payload of one run event, discriminated by the event's type. */
export type RunEventDetails =
  | {
      kind: 'run.created';
      triggeredBy: RunTrigger | null;
      version: number | null;
      parentRunId: string | null;
      rerunFromStepId: string | null;
    }
  | { kind: 'run.started'; startedAt: Date }
  | { kind: 'run.completed'; outputs: unknown }
  | { kind: 'run.failed'; error: RunFailure }
  | { kind: 'run.cancelled'; reason: string | null; by: string | null }
  | { kind: 'run.retried'; previousStatus: RunStatus | null; stepIds: string[] }
  | { kind: 'step.started'; attempt: number | null; input: unknown; idempotencyKey: string | null }
  | { kind: 'step.completed'; attempt: number | null; output: unknown; durationMs: number | null }
  | { kind: 'step.failed'; error: StepFailure }
  | { kind: 'step.retry_scheduled'; error: StepFailure; retryAt: Date | null }
  | { kind: 'step.skipped'; reason: SkipReason | null }
  | { kind: 'step.cancelled'; stepId: string }
  | { kind: 'step.waiting'; waitingFor: WaitKind; until: Date | null }
  | { kind: 'step.signalled'; payload: unknown }
  | { kind: 'step.reused'; fromRunId: string | null }
  | { kind: 'step.interrupted'; attempt: number | null; interruptions: number | null }
  | { kind: 'step.log'; level: LogLevel; message: string; data: unknown; attempt: number | null };

type Payload = Record<string, unknown>;

const str = (value: unknown): string | null => (typeof value === 'string' ? value : null);
const int = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) ? value : null);
const date = (value: unknown): Date | null => {
  const parsed = typeof value === 'string' ? new Date(value) : null;
  return parsed && !Number.isNaN(parsed.getTime()) ? parsed : null;
};
const oneOf = <T extends string>(all: readonly T[], value: unknown): T | null =>
  (all as readonly unknown[]).includes(value) ? (value as T) : null;

/** A step error that must be there: an event without one still says the step failed. */
function requiredStepFailure(payload: Payload): StepFailure {
  return (
    readStepFailure(payload.error, { attempt: int(payload.attempt) }) ?? {
      message: 'unknown error',
      kind: 'internal',
      statusCode: null,
      body: null,
      retryable: false,
      retryAfterMs: null,
      attempt: int(payload.attempt),
    }
  );
}

/** The event type, narrowed; an unknown one is data no code could have written. */
export function runEventType(type: string): RunEventType {
  switch (type as RunEventType) {
    case 'run.created':
    case 'run.started':
    case 'run.completed':
    case 'run.failed':
    case 'run.cancelled':
    case 'run.retried':
    case 'step.started':
    case 'step.completed':
    case 'step.failed':
    case 'step.retry_scheduled':
    case 'step.skipped':
    case 'step.cancelled':
    case 'step.waiting':
    case 'step.signalled':
    case 'step.reused':
    case 'step.interrupted':
    case 'step.log':
      return type as RunEventType;
    default:
      throw new Error(`unexpected stored run event type "${type}"`);
  }
}

/** Reads the typed details of one event from its payload. */
export function runEventDetails(event: Pick<RunEvent, 'type' | 'stepId' | 'payload' | 'createdAt'>): RunEventDetails {
  const p = (typeof event.payload === 'object' && event.payload !== null ? event.payload : {}) as Payload;
  const kind = runEventType(event.type);
  switch (kind) {
    case 'run.created':
      return {
        kind,
        triggeredBy: oneOf(RUN_TRIGGERS, p.triggeredBy),
        version: int(p.version),
        parentRunId: str(p.parentRunId),
        rerunFromStepId: str(p.rerunFromStepId),
      };
    case 'run.started':
      return { kind, startedAt: event.createdAt };
    case 'run.completed':
      return { kind, outputs: p.outputs ?? null };
    case 'run.failed':
      return { kind, error: readRunFailure(p, 'FAILED') ?? { message: 'unknown error', kind: 'engine_failed', stepId: null } };
    case 'run.cancelled':
      return { kind, reason: str(p.reason), by: str(p.by) };
    case 'run.retried':
      return {
        kind,
        previousStatus: typeof p.previousStatus === 'string' ? asStatus(RUN_STATUSES, p.previousStatus) : null,
        stepIds: Array.isArray(p.steps) ? p.steps.filter((s): s is string => typeof s === 'string') : [],
      };
    case 'step.started':
      return { kind, attempt: int(p.attempt), input: p.input ?? null, idempotencyKey: str(p.idempotencyKey) };
    case 'step.completed':
      return { kind, attempt: int(p.attempt), output: p.output ?? null, durationMs: int(p.durationMs) };
    case 'step.failed':
      return { kind, error: requiredStepFailure(p) };
    case 'step.retry_scheduled':
      return { kind, error: requiredStepFailure(p), retryAt: date(p.retryAt) };
    case 'step.skipped':
      return { kind, reason: oneOf(SKIP_REASONS, p.reason) };
    case 'step.cancelled':
      return { kind, stepId: event.stepId ?? '' };
    case 'step.waiting':
      return { kind, waitingFor: oneOf(WAIT_KINDS, p.for) ?? 'timer', until: date(p.until) };
    case 'step.signalled':
      return { kind, payload: p.payload ?? null };
    case 'step.reused':
      return { kind, fromRunId: str(p.fromRunId) };
    case 'step.interrupted':
      return { kind, attempt: int(p.attempt), interruptions: int(p.interrupted) };
    case 'step.log':
      return { kind, level: logLevel(p.level), message: str(p.message) ?? '', data: p.data ?? null, attempt: int(p.attempt) };
  }
}
