// JSONata evaluation with Flowdeck's guardrails, in plain JavaScript so that the worker threads of
// the transform pool can load it without a TypeScript loader (vitest's transform does not reach
// worker threads, and `node --import tsx` would have to be re-run in each). `transform.ts` uses it
// in-process too, so both paths share one implementation; `transform-eval.d.ts` types it.
//
// Errors are returned, not thrown: a structured clone across threads keeps plain objects intact
// but strips the fields JSONata puts on what it throws.
import jsonata from 'jsonata';

/** Limits applied when the caller leaves one out; see TransformLimits in transform-eval.d.ts. */
export const DEFAULT_TRANSFORM_LIMITS = Object.freeze({
  timeoutMs: 5000,
  maxDepth: 10_000,
  maxSequenceLength: 1_000_000,
  maxStringLength: 10_000_000,
});

/** Code of the error for a string past `maxStringLength`; JSONata has no code of its own for it. */
export const STRING_LIMIT_CODE = 'TRANSFORM_STRING_LIMIT';

// $pad is the one built-in that turns a few bytes of expression into an arbitrarily long string
// (`$pad("", 5e8)`), so it is held to the string limit as it is called; other strings are checked
// in the result (see toJson). Looked up once: it is JSONata's own implementation.
// Not a top-level await: piscina first tries require(), which refuses modules that use one.
/** @type {Promise<{ implementation: (...args: unknown[]) => unknown }>} */
const builtinPad = jsonata('$pad').evaluate(null);

// Compiling is most of the cost of a small transform and the same steps run again and again.
const COMPILED_CACHE_SIZE = 200;
/** @type {Map<string, ReturnType<typeof jsonata>>} */
const compiledCache = new Map();

function stringLimitError(message) {
  return { code: STRING_LIMIT_CODE, message };
}

/** Resolves a limit, so that an explicit undefined never switches a guardrail off. */
function withDefaults(limits = {}) {
  return {
    timeoutMs: limits.timeoutMs ?? DEFAULT_TRANSFORM_LIMITS.timeoutMs,
    maxDepth: limits.maxDepth ?? DEFAULT_TRANSFORM_LIMITS.maxDepth,
    maxSequenceLength: limits.maxSequenceLength ?? DEFAULT_TRANSFORM_LIMITS.maxSequenceLength,
    maxStringLength: limits.maxStringLength ?? DEFAULT_TRANSFORM_LIMITS.maxStringLength,
  };
}

function compile(expression, limits, pad) {
  const key = `${limits.timeoutMs}:${limits.maxDepth}:${limits.maxSequenceLength}:${limits.maxStringLength}:${expression}`;
  const cached = compiledCache.get(key);
  if (cached) {
    compiledCache.delete(key);
    compiledCache.set(key, cached);
    return cached;
  }
  const compiled = jsonata(expression, { timeout: limits.timeoutMs, stack: limits.maxDepth, sequence: limits.maxSequenceLength });
  compiled.registerFunction(
    'pad',
    function (str, width, char) {
      const length = Math.abs(Math.trunc(width));
      if (length > limits.maxStringLength) {
        throw stringLimitError(`$pad would build a string of ${length} characters, over the transform limit of ${limits.maxStringLength}`);
      }
      return pad.implementation.call(this, str, width, char);
    },
    '<s-ns?:s>',
  );
  compiledCache.set(key, compiled);
  if (compiledCache.size > COMPILED_CACHE_SIZE) compiledCache.delete(compiledCache.keys().next().value);
  return compiled;
}

/**
 * Copies a JSONata result into plain JSON: sequences become plain arrays, null-prototype
 * objects plain objects, undefined members disappear (undefined array items become null).
 * Functions cannot be stored or passed to another step, so they are an error.
 *
 * The strings of the result may hold `budget.left` characters together. That is the one bound
 * the heap limit does not give: `$pad`, `&` and `$string` build ropes whose length costs
 * nothing until they are flattened, and copying the result to another thread flattens them
 * outside the heap. A rope's length is known without flattening it.
 */
function toJson(value, budget) {
  if (value === undefined) return null;
  if (typeof value === 'string') {
    budget.left -= value.length;
    if (budget.left < 0) throw stringLimitError(`the result holds more than ${budget.limit} characters of strings, the transform limit`);
    return value;
  }
  if (typeof value === 'function' || (typeof value === 'object' && value !== null && '_jsonata_lambda' in value)) {
    throw new Error('the expression returned a function, which is not a JSON value');
  }
  if (Array.isArray(value)) return value.map((item) => toJson(item, budget));
  if (typeof value === 'object' && value !== null) {
    const out = {};
    for (const [key, member] of Object.entries(value)) if (member !== undefined) out[key] = toJson(member, budget);
    return out;
  }
  return value;
}

/** The clone-safe description of whatever evaluation threw (JSONata throws plain objects). */
function describeError(error) {
  const record = typeof error === 'object' && error !== null ? error : {};
  return {
    message: typeof record.message === 'string' ? record.message : String(error),
    code: typeof record.code === 'string' ? record.code : undefined,
    position: typeof record.position === 'number' ? record.position : undefined,
  };
}

/**
 * Evaluates `expression` with `input` as `$` under `limits`. Resolves to `{ok: true, value}`
 * with plain JSON (no result is null) or `{ok: false, error: {message, code?, position?}}`;
 * never rejects.
 */
export async function evaluateJsonata(expression, input, limits) {
  const resolved = withDefaults(limits);
  try {
    const result = await compile(expression, resolved, await builtinPad).evaluate(input);
    return { ok: true, value: toJson(result, { limit: resolved.maxStringLength, left: resolved.maxStringLength }) };
  } catch (error) {
    return { ok: false, error: describeError(error) };
  }
}
