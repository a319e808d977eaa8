// Typed readings of the failures the engine stores as JSON (Run.error, StepRun.error,
// StepAttempt.error and the `error` of step events), so adapters can expose them as typed
// objects without each re-deriving the shape.

/**
 * Why a step attempt failed. The first six are how a call to an agent or HTTP service fails
 * (engine/agents/errors.ts); the rest come from the engine itself (step-runner.ts,
 * outcomes.ts, attempts.ts, run-state.ts).
 */
export const STEP_ERROR_KINDS = [
  'network',
  'timeout',
  'http',
  'protocol',
  'egress',
  'aborted',
  'transform',
  'config',
  'internal',
  'unrecordable',
  'unstorable_output',
  'output_too_large',
  'interrupted',
] as const;
export type StepErrorKind = (typeof STEP_ERROR_KINDS)[number];

/** A step failure as recorded: `{message, kind, statusCode, body, retryable, retryAfterMs, attempt}`. */
export interface StepFailure {
  message: string;
  kind: StepErrorKind;
  statusCode: number | null;
  /** The response body, truncated by the engine. */
  body: string | null;
  retryable: boolean;
  retryAfterMs: number | null;
  attempt: number | null;
}

/** Why a run failed or stopped. */
export const RUN_ERROR_KINDS = ['step_failed', 'timed_out', 'engine_failed', 'cancelled'] as const;
export type RunErrorKind = (typeof RUN_ERROR_KINDS)[number];

/** A run failure as recorded (`{message, stepId, kind}`). */
export interface RunFailure {
  message: string;
  kind: RunErrorKind;
  stepId: string | null;
}

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const str = (value: unknown): string | null => (typeof value === 'string' ? value : null);
const int = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) ? value : null);

function stepErrorKind(raw: unknown, interrupted: boolean): StepErrorKind {
  // An interrupted attempt's error records only a message: its status says what happened.
  if (raw === undefined || raw === null) return interrupted ? 'interrupted' : 'internal';
  if ((STEP_ERROR_KINDS as readonly unknown[]).includes(raw)) return raw as StepErrorKind;
  throw new Error(`unexpected stored step error kind ${JSON.stringify(raw)}`);
}

/**
 * Reads a stored step error; null when there is none. `context` fills in what the stored
 * object leaves out: the attempt it belongs to, and whether that attempt was interrupted.
 */
export function readStepFailure(raw: unknown, context: { attempt?: number | null; interrupted?: boolean } = {}): StepFailure | null {
  if (!isObject(raw)) return null;
  return {
    message: str(raw.message) ?? 'unknown error',
    kind: stepErrorKind(raw.kind, context.interrupted ?? false),
    statusCode: int(raw.statusCode),
    body: str(raw.body),
    retryable: raw.retryable === true,
    retryAfterMs: int(raw.retryAfterMs),
    attempt: int(raw.attempt) ?? context.attempt ?? null,
  };
}

/**
 * Reads a stored run error (`{message, stepId, kind}`); null when there is none. Every writer
 * records its kind (engine/run-state.ts `failRunInTx`, domain/run-writes.ts `cancelRunInTx`);
 * errors written before they did are told from what they hold: a cancel sets the status, a
 * step failure names the step, and the two engine-level failures (the deadline, and
 * engine/poison.ts for a driver that keeps failing) differ by their message.
 */
export function readRunFailure(raw: unknown, status: string): RunFailure | null {
  if (!isObject(raw)) return null;
  const message = str(raw.message) ?? 'unknown error';
  const stepId = str(raw.stepId);
  const kind = typeof raw.kind === 'string' ? runErrorKind(raw.kind) : runKindOf(message, stepId, status);
  return { message, stepId, kind };
}

function runErrorKind(kind: string): RunErrorKind {
  if ((RUN_ERROR_KINDS as readonly string[]).includes(kind)) return kind as RunErrorKind;
  throw new Error(`unexpected stored run error kind "${kind}"`);
}

function runKindOf(message: string, stepId: string | null, status: string): RunErrorKind {
  if (status === 'CANCELLED') return 'cancelled';
  if (stepId !== null) return 'step_failed';
  if (message.startsWith('run timed out')) return 'timed_out';
  return 'engine_failed';
}
