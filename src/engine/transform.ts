/**
 * Transform steps: a JSONata expression applied to the step's resolved input.
 *
 * JSONata interprets the expression itself (no `eval`, no access to Node), and jsonata 2 has
 * guardrails that are always on here: an evaluation time limit, a depth limit (runaway
 * recursion) and a sequence length limit (runaway ranges and mappings); `$pad` and the result
 * are held to a string length limit on top. Those checks are cooperative: JSONata makes them
 * between evaluation steps, so a single slow built-in (a regular expression with catastrophic
 * backtracking, a sort of a huge array) runs to completion regardless and blocks its thread.
 * The engine therefore evaluates in worker threads it can kill (transform-pool.ts);
 * {@link evaluateTransform} runs in-process and is only for trusted or tiny expressions.
 */
import { DEFAULT_TRANSFORM_LIMITS, type EvaluationErrorRecord, evaluateJsonata, type TransformLimits } from './transform-eval.js';

export { DEFAULT_TRANSFORM_LIMITS, STRING_LIMIT_CODE } from './transform-eval.js';
export type { TransformLimits } from './transform-eval.js';

/** A transform expression that does not parse, fails while evaluating, hits a limit or yields a non-JSON value. */
export class TransformError extends Error {
  override readonly name = 'TransformError';
  /**
   * JSONata's error code (`S0203`, `D3030`, `D1012` …) when JSONata raised the error, else one of
   * Flowdeck's: `TRANSFORM_TIMEOUT`, `TRANSFORM_MEMORY`, `TRANSFORM_STRING_LIMIT`,
   * `TRANSFORM_ABORTED`, `TRANSFORM_FAILED` (the worker thread died for another reason).
   */
  readonly code: string | undefined;
  /** Character offset in the expression that JSONata blames, when it says. */
  readonly position: number | undefined;

  constructor(message: string, options: { code?: string; position?: number; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.code = options.code;
    this.position = options.position;
  }
}

/** The error for an evaluation that ran past its wall-clock limit, whoever stopped it. */
export function transformTimeoutError(timeoutMs: number, code = 'TRANSFORM_TIMEOUT'): TransformError {
  return new TransformError(`transform exceeded its ${timeoutMs} ms limit (TRANSFORM_TIMEOUT_MS)`, { code });
}

/** The error for an evaluation whose thread was killed for using more than its heap. */
export function transformMemoryError(maxMemoryMb: number, cause?: unknown): TransformError {
  return new TransformError(`transform exceeded its ${maxMemoryMb} MB memory limit (TRANSFORM_MAX_MEMORY_MB)`, {
    code: 'TRANSFORM_MEMORY',
    cause,
  });
}

/**
 * A TransformError from what evaluation reported, e.g.
 * `JSONata error at position 5: Expected ")" before end of expression`. JSONata's own timeout
 * (D1012) reads like the pool's hard one, since to the author they are the same limit.
 */
export function toTransformError(record: EvaluationErrorRecord, limits: Pick<TransformLimits, 'timeoutMs'>): TransformError {
  if (record.code === 'D1012') return transformTimeoutError(limits.timeoutMs, 'D1012');
  const where = record.position === undefined ? '' : ` at position ${record.position}`;
  return new TransformError(`JSONata error${where}: ${record.message}`, {
    code: record.code,
    position: record.position,
    cause: record,
  });
}

/**
 * Evaluates a JSONata expression with `input` as `$`, in this thread. Returns plain JSON;
 * JSONata's "no result" (undefined) becomes null. Syntax and evaluation errors, including
 * hitting a limit, are thrown as {@link TransformError}.
 */
export async function evaluateTransform(expression: string, input: unknown, limits: Partial<TransformLimits> = {}): Promise<unknown> {
  const result = await evaluateJsonata(expression, input, limits);
  if (!result.ok) throw toTransformError(result.error, { timeoutMs: limits.timeoutMs ?? DEFAULT_TRANSFORM_LIMITS.timeoutMs });
  return result.value;
}
