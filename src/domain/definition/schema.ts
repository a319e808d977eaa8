/**
 * Canonical workflow definition: the single shape that is stored and executed.
 * Legacy shapes are converted into this one (see legacy.ts) before validation.
 */
import { z } from 'zod';

/** A problem found in a definition, addressed by a path inside the submitted document. */
export interface Issue {
  /** Location such as `steps[2].dependsOn[0]`, `outputs.report`, or `` for the whole document. */
  path: string;
  message: string;
  /** Set when the problem concerns one step (its id, when the step has a usable id). */
  stepId?: string;
}

export const STEP_TYPES = ['agent', 'http', 'condition', 'transform', 'delay', 'wait'] as const;
export type StepType = (typeof STEP_TYPES)[number];

export const INPUT_TYPES = ['string', 'number', 'integer', 'boolean', 'object', 'array', 'json'] as const;
export type InputType = (typeof INPUT_TYPES)[number];

export const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

export const CONDITION_OPERATORS = ['equals', 'notEquals', 'gt', 'gte', 'lt', 'lte', 'contains', 'in', 'exists', 'truthy'] as const;
export type ConditionOperator = (typeof CONDITION_OPERATORS)[number];

/** Operators that test the value alone; every other operator needs `compareTo`. */
const UNARY_OPERATORS: ReadonlySet<ConditionOperator> = new Set(['exists', 'truthy']);

/** `$`, `{`, `}` and spaces are excluded so an id can always be written inside `${id.output}`. */
export const STEP_ID_PATTERN = /^[A-Za-z_][A-Za-z0-9_.-]{0,127}$/;

export const MAX_STEP_TIMEOUT_MS = 86_400_000;
export const MAX_DELAY_MS = 31_536_000_000;

export const stepIdSchema = z.string().regex(STEP_ID_PATTERN, {
  message: 'must start with a letter or "_" and contain only letters, digits, "_", "." or "-" (at most 128 characters)',
});

const stepIdListSchema = z.array(stepIdSchema);

export const retrySchema = z.strictObject({
  maxRetries: z.int().min(0).max(10),
  initialDelayMs: z.int().min(0).default(1000),
  maxDelayMs: z.int().min(0).default(30_000),
  backoffMultiplier: z.number().min(1).default(2),
  /** Fraction of each delay that is randomized (0..1), so retries of many runs spread out. */
  jitter: z.number().min(0).max(1).optional(),
  /** HTTP statuses to retry besides the default (network errors, timeouts, 5xx, 429), e.g. [409]. */
  retryOn: z.array(z.int().min(400).max(499)).max(100).optional(),
});

/*
 * Common fields are spread around the type-specific ones so that every step
 * serialises as id, type, name, description, dependsOn, input, <specific>, timeoutMs, retry.
 */
const commonHead = {
  name: z.string().optional(),
  description: z.string().optional(),
  dependsOn: stepIdListSchema.default([]),
  input: z.unknown().default({}),
};
const commonTail = {
  timeoutMs: z.int().min(1).max(MAX_STEP_TIMEOUT_MS).optional(),
  retry: retrySchema.optional(),
};

export const agentStepSchema = z.strictObject({
  id: stepIdSchema,
  type: z.literal('agent'),
  ...commonHead,
  agent: z.string().min(1),
  action: z.string().min(1).optional(),
  ...commonTail,
});

export const httpRequestSchema = z.strictObject({
  method: z.enum(HTTP_METHODS).default('POST'),
  url: z.string().min(1),
  headers: z.record(z.string(), z.string()).optional(),
  body: z.unknown().optional(),
});

export const httpStepSchema = z.strictObject({
  id: stepIdSchema,
  type: z.literal('http'),
  ...commonHead,
  request: httpRequestSchema,
  ...commonTail,
});

export const conditionSchema = z
  .strictObject({
    value: z.unknown(),
    operator: z.enum(CONDITION_OPERATORS),
    compareTo: z.unknown().optional(),
  })
  .superRefine((condition, ctx) => {
    // A binary operator without an operand is always a mistake, never a meaningful test.
    if (!UNARY_OPERATORS.has(condition.operator) && condition.compareTo === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['compareTo'],
        message: `operator "${condition.operator}" needs "compareTo"`,
      });
    }
  });

export const conditionStepSchema = z.strictObject({
  id: stepIdSchema,
  type: z.literal('condition'),
  ...commonHead,
  condition: conditionSchema,
  onTrue: stepIdListSchema.default([]),
  onFalse: stepIdListSchema.default([]),
  ...commonTail,
});

export const transformStepSchema = z.strictObject({
  id: stepIdSchema,
  type: z.literal('transform'),
  ...commonHead,
  expression: z.string().min(1),
  ...commonTail,
});

export const delayStepSchema = z.strictObject({
  id: stepIdSchema,
  type: z.literal('delay'),
  ...commonHead,
  durationMs: z.int().min(0).max(MAX_DELAY_MS),
  ...commonTail,
});

export const waitStepSchema = z.strictObject({
  id: stepIdSchema,
  type: z.literal('wait'),
  ...commonHead,
  signal: z.string().min(1).optional(),
  ...commonTail,
});

export const stepSchema = z.discriminatedUnion('type', [
  agentStepSchema,
  httpStepSchema,
  conditionStepSchema,
  transformStepSchema,
  delayStepSchema,
  waitStepSchema,
]);

export const inputDeclSchema = z.strictObject({
  name: z.string().min(1),
  type: z.enum(INPUT_TYPES).default('json'),
  required: z.boolean().default(false),
  default: z.unknown().optional(),
  description: z.string().optional(),
});

export const workflowDefinitionSchema = z.strictObject({
  steps: z.array(stepSchema).min(1),
  inputs: z.array(inputDeclSchema).default([]),
  outputs: z.record(z.string(), z.unknown()).default({}),
  entry: stepIdListSchema.min(1).optional(),
});

export type Step = z.output<typeof stepSchema>;
export type StepOfType<T extends StepType> = Extract<Step, { type: T }>;
export type InputDecl = z.output<typeof inputDeclSchema>;
export type WorkflowDefinition = z.output<typeof workflowDefinitionSchema>;
/** What may be submitted: defaults not yet applied. */
export type WorkflowDefinitionInput = z.input<typeof workflowDefinitionSchema>;

/** True for `{...}` objects (not arrays, not null, not class instances such as Date). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * Free-form JSON (mappings, bodies, defaults) in canonical form: object keys sorted,
 * undefined members dropped, so equal documents serialise to equal strings.
 */
export function canonicalJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map((item) => (item === undefined ? null : canonicalJson(item)));
  if (!isPlainObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    const member = value[key];
    if (member !== undefined) out[key] = canonicalJson(member);
  }
  return out;
}

function dedupe(list: readonly string[]): string[] {
  return [...new Set(list)];
}

/** Drops keys whose value is undefined; zod keeps them when they were passed explicitly. */
function compact<T extends Record<string, unknown>>(obj: T): T {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(obj)) if (value !== undefined) out[key] = value;
  return out as T;
}

function canonicalStep(step: Step): Step {
  const base = {
    ...step,
    dependsOn: dedupe(step.dependsOn),
    input: canonicalJson(step.input),
    retry: step.retry && compact({ ...step.retry }),
  };
  switch (base.type) {
    case 'http':
      return compact({
        ...base,
        request: compact({
          ...base.request,
          headers: base.request.headers && (canonicalJson(base.request.headers) as Record<string, string>),
          body: canonicalJson(base.request.body),
        }),
      });
    case 'condition':
      return compact({
        ...base,
        condition: compact({
          ...base.condition,
          value: canonicalJson(base.condition.value),
          compareTo: canonicalJson(base.condition.compareTo),
        }),
        onTrue: dedupe(base.onTrue),
        onFalse: dedupe(base.onFalse),
      });
    default:
      return compact(base);
  }
}

/** Steps the engine starts from when no explicit `entry` is given. */
export function rootStepIds(steps: readonly { id: string; dependsOn: readonly string[] }[]): string[] {
  return steps.filter((step) => step.dependsOn.length === 0).map((step) => step.id);
}

/**
 * Canonicalises an already parsed definition. Key order comes from the zod output,
 * which follows each schema's field order.
 */
export function canonicalizeParsed(def: WorkflowDefinition): WorkflowDefinition {
  const steps = def.steps.map(canonicalStep);
  const entry = def.entry && dedupe(def.entry);
  const roots = new Set(rootStepIds(steps));
  const entryIsImplicit = entry !== undefined && entry.length === roots.size && entry.every((id) => roots.has(id));
  return compact({
    steps,
    inputs: def.inputs.map((decl) => compact({ ...decl, default: canonicalJson(decl.default) })),
    outputs: canonicalJson(def.outputs) as Record<string, unknown>,
    entry: entryIsImplicit ? undefined : entry,
  });
}

/**
 * Returns the deterministic canonical form of a definition: defaults applied, undefined
 * optional keys removed, `entry` dropped when it only restates the root steps, id lists
 * de-duplicated (order kept) and free-form JSON keys sorted. Equivalent definitions give
 * identical `JSON.stringify` output. Throws a ZodError when `def` is structurally invalid;
 * use `validateDefinition` for user input.
 */
export function normalizeDefinition(def: WorkflowDefinitionInput): WorkflowDefinition {
  return canonicalizeParsed(workflowDefinitionSchema.parse(def));
}
