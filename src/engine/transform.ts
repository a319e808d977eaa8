/**
 * Transform steps: a JSONata expression applied to the step's resolved input.
 *
 * JSONata interprets the expression itself (no `eval`, no access to Node), and jsonata 2
 * has guardrails that this module always turns on: an evaluation time limit, a depth limit
 * (runaway recursion) and a sequence length limit (runaway ranges and mappings). They are
 * cooperative: JSONata checks them between evaluation steps, and evaluation of plain values
 * never yields to the event loop, so a single slow built-in (a regular expression with
 * catastrophic backtracking, a sort of a huge array) still runs to completion and blocks the
 * process meanwhile. Isolation from that would need a worker thread.
 */
import jsonata from 'jsonata';

/** Guardrails for one evaluation. */
export interface TransformLimits {
  /** Evaluation stops with an error after this long. */
  timeoutMs: number;
  /** Maximum evaluation depth; each level of a recursive JSONata function takes a few. */
  maxDepth: number;
  /** Maximum length of any sequence built during evaluation. */
  maxSequenceLength: number;
}

export const DEFAULT_TRANSFORM_LIMITS: Readonly<TransformLimits> = {
  timeoutMs: 5000,
  maxDepth: 10_000,
  maxSequenceLength: 1_000_000,
};

/** A transform expression that does not parse, fails while evaluating, or yields a non-JSON value. */
export class TransformError extends Error {
  override readonly name = 'TransformError';
  /** JSONata's error code (`S0203`, `D3030`, `D1012` …), when JSONata raised the error. */
  readonly code: string | undefined;
  /** Character offset in the expression that JSONata blames, when it says. */
  readonly position: number | undefined;

  constructor(message: string, options: { code?: string; position?: number; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.code = options.code;
    this.position = options.position;
  }
}

/** JSONata throws plain objects ({ code, position, token, message }), not Error instances. */
function toTransformError(err: unknown): TransformError {
  if (err instanceof TransformError) return err;
  const record = typeof err === 'object' && err !== null ? (err as Record<string, unknown>) : {};
  const message = typeof record.message === 'string' ? record.message : String(err);
  const code = typeof record.code === 'string' ? record.code : undefined;
  const position = typeof record.position === 'number' ? record.position : undefined;
  const where = position === undefined ? '' : ` at position ${position}`;
  return new TransformError(`JSONata error${where}: ${message}`, { code, position, cause: err });
}

/**
 * Copies a JSONata result into plain JSON: sequences become plain arrays, null-prototype
 * objects plain objects, undefined members disappear (undefined array items become null).
 * Functions cannot be stored or passed to another step, so they are an error.
 */
function toJson(value: unknown): unknown {
  if (value === undefined) return null;
  if (typeof value === 'function' || (typeof value === 'object' && value !== null && '_jsonata_lambda' in value)) {
    throw new TransformError('JSONata error: the expression returned a function, which is not a JSON value');
  }
  if (Array.isArray(value)) return value.map(toJson);
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [key, member] of Object.entries(value)) if (member !== undefined) out[key] = toJson(member);
    return out;
  }
  return value;
}

/**
 * Evaluates a JSONata expression with `input` as `$`. Returns plain JSON; JSONata's
 * "no result" (undefined) becomes null. Syntax and evaluation errors, including hitting a
 * limit, are thrown as `TransformError` with a message such as
 * `JSONata error at position 5: Expected ")" before end of expression`.
 */
export async function evaluateTransform(expression: string, input: unknown, limits: Partial<TransformLimits> = {}): Promise<unknown> {
  // An explicit undefined must not switch a guardrail off, so no object spread here.
  const options = {
    timeout: limits.timeoutMs ?? DEFAULT_TRANSFORM_LIMITS.timeoutMs,
    stack: limits.maxDepth ?? DEFAULT_TRANSFORM_LIMITS.maxDepth,
    sequence: limits.maxSequenceLength ?? DEFAULT_TRANSFORM_LIMITS.maxSequenceLength,
  };
  let result: unknown;
  try {
    const compiled = jsonata(expression, options);
    result = await compiled.evaluate(input);
  } catch (err) {
    throw toTransformError(err);
  }
  return toJson(result);
}
