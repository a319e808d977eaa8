// Types of transform-eval.js (plain JavaScript so that worker threads load it without a loader).

/** Guardrails for one evaluation. */
export interface TransformLimits {
  /** JSONata stops itself with D1012 after this long (checked between evaluation steps). */
  timeoutMs: number;
  /** Maximum evaluation depth; each level of a recursive JSONata function takes a few. */
  maxDepth: number;
  /** Maximum length of any sequence built during evaluation. */
  maxSequenceLength: number;
  /** Longest string `$pad` may build, and most characters the strings of a result may hold together. */
  maxStringLength: number;
}

/** What went wrong, as plain data that survives a structured clone. */
export interface EvaluationErrorRecord {
  message: string;
  /** JSONata's error code (`S0203`, `D1012` …) or {@link STRING_LIMIT_CODE}. */
  code: string | undefined;
  position: number | undefined;
}

export type EvaluationResult = { ok: true; value: unknown } | { ok: false; error: EvaluationErrorRecord };

export const DEFAULT_TRANSFORM_LIMITS: Readonly<TransformLimits>;
export const STRING_LIMIT_CODE: 'TRANSFORM_STRING_LIMIT';

/** Evaluates `expression` with `input` as `$`; never rejects. */
export function evaluateJsonata(expression: string, input: unknown, limits?: Partial<TransformLimits>): Promise<EvaluationResult>;
