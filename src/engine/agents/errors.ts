// The one error type the agent clients throw, and the helpers that classify failures into it.
// The engine decides whether to retry from `retryable` and `retryAfterMs` alone, so every
// failure path (fetch rejections, HTTP statuses, A2A protocol errors, aborts) ends up here.

/** Why a call to an agent or HTTP service failed; `egress` is a refusal by the egress policy (EGRESS_ALLOW). */
export type CallFailureKind = 'network' | 'timeout' | 'http' | 'protocol' | 'egress' | 'aborted';

/** Longest response body kept on an error, in characters. */
export const MAX_ERROR_BODY_CHARS = 2000;
/** Appended to a body cut at {@link MAX_ERROR_BODY_CHARS}. */
export const TRUNCATED_MARKER = '…[truncated]';
/** How much of the body the error message quotes, in characters. */
const MESSAGE_BODY_CHARS = 200;

/** Fields of an {@link AgentCallError}; everything but `kind` and the message is optional. */
export interface AgentCallErrorInit {
  kind: CallFailureKind;
  statusCode?: number | null;
  body?: string | null;
  retryAfterMs?: number | null;
  cause?: unknown;
}

/** A failed call to an agent or HTTP service, classified for the engine's retry policy. */
export class AgentCallError extends Error {
  override name = 'AgentCallError';
  kind: CallFailureKind;
  statusCode: number | null;
  /** Response body, truncated to {@link MAX_ERROR_BODY_CHARS} with {@link TRUNCATED_MARKER}. */
  body: string | null;
  /** Network, timeout, 5xx and 429 are worth retrying; other 4xx, protocol, egress refusals and aborts are not. */
  retryable: boolean;
  /** From Retry-After on a 429 or 503, in milliseconds. */
  retryAfterMs: number | null;

  constructor(message: string, init: AgentCallErrorInit) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.kind = init.kind;
    this.statusCode = init.statusCode ?? null;
    this.body = init.body == null ? null : truncateBody(init.body);
    this.retryAfterMs = init.retryAfterMs ?? null;
    this.retryable = isRetryable(init.kind, this.statusCode);
  }
}

/** Whether a failure of this kind (and HTTP status, for 'http') is worth retrying. */
export function isRetryable(kind: CallFailureKind, statusCode: number | null): boolean {
  switch (kind) {
    case 'network':
    case 'timeout':
      return true;
    case 'http':
      return statusCode !== null && (statusCode >= 500 || statusCode === 429);
    case 'protocol':
    case 'egress':
    case 'aborted':
      return false;
  }
}

/** Cuts a body to {@link MAX_ERROR_BODY_CHARS}, marking the cut. */
export function truncateBody(body: string): string {
  return body.length > MAX_ERROR_BODY_CHARS ? body.slice(0, MAX_ERROR_BODY_CHARS) + TRUNCATED_MARKER : body;
}

/**
 * Milliseconds to wait according to a Retry-After header (delay-seconds or an HTTP date), or
 * null when absent or unparseable. A date in the past means "now" (0).
 */
export function parseRetryAfter(value: string | null, nowMs: number): number | null {
  if (value === null) return null;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? null : Math.max(0, date - nowMs);
}

/** Message and error for a non-2xx answer: `<label> answered HTTP 503: <start of body>`. */
export function httpStatusError(
  label: string,
  response: { status: number; retryAfter: string | null; body: string },
  nowMs: number,
): AgentCallError {
  const excerpt = response.body.replace(/\s+/g, ' ').trim();
  const quoted = excerpt === '' ? '' : `: ${excerpt.length > MESSAGE_BODY_CHARS ? `${excerpt.slice(0, MESSAGE_BODY_CHARS)}…` : excerpt}`;
  const honoursRetryAfter = response.status === 429 || response.status === 503;
  return new AgentCallError(`${label} answered HTTP ${response.status}${quoted}`, {
    kind: 'http',
    statusCode: response.status,
    body: response.body,
    retryAfterMs: honoursRetryAfter ? parseRetryAfter(response.retryAfter, nowMs) : null,
  });
}

/** The two signals a call listens to: the engine's cancellation and the call's own deadline. */
export interface CallSignals {
  /** Fires when either of the others does; this is what the HTTP request is given. */
  combined: AbortSignal;
  timeout: AbortSignal;
  cancel: AbortSignal;
  timeoutMs: number;
}

/** Longest delay a Node timer accepts; longer ones would fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Combines the engine's signal with a fresh deadline of `timeoutMs` (clamped to what timers accept). */
export function callSignals(cancel: AbortSignal, timeoutMs: number): CallSignals {
  const timeout = AbortSignal.timeout(
    Number.isFinite(timeoutMs) ? Math.min(Math.max(1, Math.ceil(timeoutMs)), MAX_TIMER_MS) : MAX_TIMER_MS,
  );
  return { combined: AbortSignal.any([cancel, timeout]), timeout, cancel, timeoutMs };
}

/**
 * The timeout or abort error when one of the call's signals has fired, else null. Checked
 * before anything else when a request fails, because an aborted fetch rejects with errors
 * that look like network or parse failures.
 */
export function abortError(label: string, signals: CallSignals): AgentCallError | null {
  if (!signals.combined.aborted) return null;
  // AbortSignal.any adopts the reason of whichever input fired first.
  if (signals.timeout.aborted && signals.combined.reason === signals.timeout.reason) {
    return new AgentCallError(`${label} timed out after ${signals.timeoutMs}ms`, {
      kind: 'timeout',
      cause: signals.timeout.reason,
    });
  }
  return new AgentCallError(`${label} call was aborted: ${String(signals.cancel.reason)}`, {
    kind: 'aborted',
    cause: signals.cancel.reason,
  });
}

/** Describes a fetch rejection: the socket-level cause (ECONNREFUSED …) beats "fetch failed". */
export function describeCause(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause;
  if (cause instanceof Error) {
    // Connecting to a name with several addresses fails with an AggregateError without a message.
    const message = cause.message || (cause instanceof AggregateError ? cause.errors.map((e: unknown) => describeCause(e)).join('; ') : '');
    const code = (cause as NodeJS.ErrnoException).code;
    return code && !message.includes(code) ? `${code} ${message}`.trim() : message || error.message;
  }
  return error.message;
}
