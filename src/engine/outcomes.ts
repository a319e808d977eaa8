// What the database can store of an attempt's outcome. A value it would reject must be turned
// into a failure before the write, or the write fails every time and the step loops.
import type { StepErrorKind } from '../domain/failures.ts';
import { hasNulCharacter } from '../domain/storable-json.ts';
import type { AttemptFailure } from './step-runner.ts';

const NUL = '\u0000';

/**
 * Why `output` cannot be stored as a step's output, as the failure to record instead; null
 * when it can. PostgreSQL's jsonb rejects the NUL character (`\u0000`), so it is refused on
 * both databases alike; `maxBytes` (STEP_MAX_OUTPUT_BYTES) bounds what one step adds to a run.
 */
export function checkStorable(output: unknown, maxBytes: number): AttemptFailure | null {
  const failure = (message: string, kind: StepErrorKind): AttemptFailure => ({
    message,
    kind,
    statusCode: null,
    body: null,
    retryable: false,
    retryAfterMs: null,
  });
  let text: string;
  try {
    text = JSON.stringify(output) ?? 'null';
  } catch (error) {
    return failure(`the step's output is not JSON: ${error instanceof Error ? error.message : String(error)}`, 'unstorable_output');
  }
  const bytes = Buffer.byteLength(text);
  if (bytes > maxBytes) {
    return failure(
      `the step's output is ${bytes} bytes, over the ${maxBytes}-byte cap (STEP_MAX_OUTPUT_BYTES); return less, or a reference to where the data is`,
      'output_too_large',
    );
  }
  if (hasNulCharacter(output)) {
    return failure(
      "the step's output contains a NUL character (\\u0000), which the database cannot store; binary data must be encoded (e.g. base64) by the agent",
      'unstorable_output',
    );
  }
  return null;
}

/** Text for messages, logs and error bodies, without the NUL characters the database refuses. */
export function cleanText(text: string): string {
  return text.includes(NUL) ? text.replaceAll(NUL, '') : text;
}

/** `value` with NUL characters removed from every string and key (for logs and diagnostics). */
export function cleanValue(value: unknown): unknown {
  if (typeof value === 'string') return cleanText(value);
  if (Array.isArray(value)) return value.map(cleanValue);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [cleanText(k), cleanValue(v)]));
  }
  return value;
}
