/**
 * Retry policy of a step: which policy applies, whether a failed attempt is retried and
 * how long to wait first (exponential backoff with jitter, honouring Retry-After).
 */

/** How failed attempts of a step are retried. */
export interface RetryPolicy {
  /** Retries after the first attempt; 0 means a single attempt. */
  maxRetries: number;
  /** Wait before the first retry. */
  initialDelayMs: number;
  /** Upper bound of the backoff (a Retry-After may exceed it, up to ten times). */
  maxDelayMs: number;
  /** Growth of the wait from one retry to the next. */
  backoffMultiplier: number;
  /** Fraction of the wait that is randomized, 0..1: 0.2 spreads a 1000 ms wait over 800–1200 ms. */
  jitter: number;
}

/** The policy of a step that names none, and of an agent that sets none. */
export const DEFAULT_RETRY: Readonly<RetryPolicy> = {
  maxRetries: 0,
  initialDelayMs: 1000,
  maxDelayMs: 30_000,
  backoffMultiplier: 2,
  jitter: 0.2,
};

/** A server's Retry-After can stretch the wait, but not without bound. */
const RETRY_AFTER_CAP_FACTOR = 10;

/**
 * The policy in force for a step: each field comes from the step's own retry settings, else
 * from its agent's, else from `DEFAULT_RETRY`. Settings come from stored JSON, so a field
 * that is not a finite number counts as unset, and values are brought into range (whole
 * non-negative retries and delays, multiplier at least 1, jitter within 0..1).
 */
export function effectivePolicy(
  stepRetry: Partial<RetryPolicy> | null | undefined,
  agentRetry: Partial<RetryPolicy> | null | undefined,
): RetryPolicy {
  const pick = (field: keyof RetryPolicy): number => {
    for (const source of [stepRetry, agentRetry]) {
      const value: unknown = source?.[field];
      if (typeof value === 'number' && Number.isFinite(value)) return value;
    }
    return DEFAULT_RETRY[field];
  };
  return {
    maxRetries: Math.max(0, Math.floor(pick('maxRetries'))),
    initialDelayMs: Math.max(0, pick('initialDelayMs')),
    maxDelayMs: Math.max(0, pick('maxDelayMs')),
    backoffMultiplier: Math.max(1, pick('backoffMultiplier')),
    jitter: Math.min(1, Math.max(0, pick('jitter'))),
  };
}

/**
 * Milliseconds to wait after attempt `failedAttempt` (1-based) failed, before the next one:
 * `min(maxDelayMs, initialDelayMs * backoffMultiplier^(failedAttempt-1))`, scaled by a
 * random factor in `[1 - jitter, 1 + jitter)` and clamped to `[0, maxDelayMs]`. A
 * Retry-After (`retryAfterMs`) raises the wait to at least that much, but never beyond
 * `10 * maxDelayMs`. `random` returns values in [0, 1) like Math.random; 0.5 means no jitter.
 * The result is rounded to whole milliseconds.
 */
export function retryDelayMs(policy: RetryPolicy, failedAttempt: number, random: () => number, retryAfterMs?: number | null): number {
  const exponent = Math.max(0, Math.floor(failedAttempt) - 1);
  const grown = policy.initialDelayMs * policy.backoffMultiplier ** exponent;
  // 0 * Infinity is NaN once the power overflows; a zero initial delay stays zero.
  const base = Number.isNaN(grown) ? 0 : Math.min(policy.maxDelayMs, grown);
  const r = Math.min(1, Math.max(0, random()));
  const jittered = base * (1 - policy.jitter + 2 * policy.jitter * r);
  let delay = Math.min(policy.maxDelayMs, Math.max(0, jittered));
  if (retryAfterMs !== undefined && retryAfterMs !== null && Number.isFinite(retryAfterMs) && retryAfterMs > 0) {
    delay = Math.max(delay, Math.min(retryAfterMs, policy.maxDelayMs * RETRY_AFTER_CAP_FACTOR));
  }
  return Math.round(delay);
}

/** Whether attempt `failedAttempt` (1-based) is followed by another: retryable and retries left. */
export function shouldRetry(policy: RetryPolicy, failedAttempt: number, retryable: boolean): boolean {
  return retryable && failedAttempt <= policy.maxRetries;
}
