/**
 * Data flow between steps: resolving `${…}` references in mappings against the workflow
 * input and the outputs of finished steps, and choosing a run's output.
 *
 * References are parsed by `src/domain/definition/references.ts`, the same parser the
 * validator uses, so what validates is exactly what resolves.
 */
import { type Accessor, type ParsedReference, parseTemplate } from '../domain/definition/references.ts';
import { isPlainObject } from '../domain/definition/schema.ts';
import { isOutputDeclaration } from '../domain/io-schema.ts';

/** Everything a mapping may refer to at one point of a run. */
export interface DataContext {
  /** The run's input (after defaults were applied), what `${workflow.input…}` reads. */
  workflowInput: unknown;
  /** Outputs of the steps that have finished, by step id; what `${<id>.output…}` reads. */
  stepOutputs: ReadonlyMap<string, unknown>;
  /**
   * Every step id of the workflow. Ids may contain dots, so `${a.output.output}` is
   * ambiguous; knowing the ids settles it the way the validator did. When absent the ids of
   * `stepOutputs` are used instead.
   */
  stepIds?: ReadonlySet<string>;
}

/** The minimum the output helpers need to know about a step. */
export interface StepEdges {
  id: string;
  dependsOn: readonly string[];
}

/**
 * Applies accessors to a JSON value: numbers index arrays, strings name own properties of
 * objects. Returns undefined as soon as a segment is missing or the value has the wrong shape.
 * Because JSON object keys are always strings, a numeric accessor also reads the key `"0"` of
 * an object, and a quoted all-digit key (`["0"]`) also indexes an array.
 */
export function lookup(root: unknown, accessors: readonly Accessor[]): unknown {
  let current = root;
  for (const accessor of accessors) {
    if (Array.isArray(current)) {
      const index = typeof accessor === 'number' ? accessor : /^\d+$/.test(accessor) ? Number(accessor) : -1;
      current = index >= 0 && index < current.length ? (current[index] as unknown) : undefined;
    } else if (isPlainObject(current)) {
      const key = String(accessor);
      // Own properties only: `${x.output.constructor}` must not reach Object.prototype.
      current = Object.hasOwn(current, key) ? current[key] : undefined;
    } else {
      return undefined;
    }
    if (current === undefined) return undefined;
  }
  return current;
}

/** The value a parsed reference points at in `ctx`, undefined when it does not exist. */
function dereference(ref: ParsedReference, ctx: DataContext): unknown {
  const root = ref.kind === 'workflowInput' ? ctx.workflowInput : ctx.stepOutputs.get(ref.stepId ?? '');
  return lookup(root, ref.accessors);
}

/** How a referenced value reads inside a longer string. */
function interpolated(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  // Arrays and objects as JSON; anything else (functions, symbols) is not data and reads as "".
  return typeof value === 'object' ? JSON.stringify(value) : '';
}

function resolveString(s: string, ctx: DataContext, stepIds: ReadonlySet<string>): unknown {
  // Most strings are plain text; skip the parser for them.
  if (!s.includes('${')) return s;
  const { parts, errors } = parseTemplate(s, { stepIds });
  const [only] = parts;
  if (errors.length === 0 && parts.length === 1 && only?.kind === 'ref') {
    // A whole reference keeps the referenced type; a missing one becomes JSON null.
    return dereference(only.ref, ctx) ?? null;
  }
  // Malformed expressions come back from the parser as text, so they pass through verbatim.
  return parts.map((part) => (part.kind === 'text' ? part.text : interpolated(dereference(part.ref, ctx)))).join('');
}

/**
 * Resolves every `${…}` reference in the string values of a JSON value (object keys are
 * left alone). A string that is exactly one reference takes the referenced value as is
 * (arrays, numbers, objects keep their type; a missing path gives null); references inside a
 * longer string are interpolated (objects and arrays as JSON, null or missing as "").
 * The result is a new structure, but referenced values are shared, not copied.
 */
export function resolveMapping(value: unknown, ctx: DataContext): unknown {
  const stepIds = ctx.stepIds ?? new Set(ctx.stepOutputs.keys());
  const walk = (node: unknown): unknown => {
    if (typeof node === 'string') return resolveString(node, ctx, stepIds);
    if (Array.isArray(node)) return node.map(walk);
    if (isPlainObject(node)) {
      const out: Record<string, unknown> = {};
      for (const [key, member] of Object.entries(node)) out[key] = walk(member);
      return out;
    }
    return node;
  };
  return walk(value);
}

/**
 * The outputs of the terminal steps (those no other step depends on), keyed by step id:
 * a run's output when its workflow declares no output mapping. Skipped steps are left out,
 * as are steps with no recorded output (they did not finish); a recorded undefined is null.
 */
export function terminalOutputs(
  steps: readonly StepEdges[],
  outputs: ReadonlyMap<string, unknown>,
  skipped: ReadonlySet<string>,
): Record<string, unknown> {
  const dependedOn = new Set(steps.flatMap((step) => step.dependsOn));
  const result: Record<string, unknown> = {};
  for (const step of steps) {
    if (dependedOn.has(step.id) || skipped.has(step.id) || !outputs.has(step.id)) continue;
    result[step.id] = outputs.get(step.id) ?? null;
  }
  return result;
}

/**
 * A finished run's output: the workflow's output mapping resolved against the run's data,
 * or, when the mapping is empty, the outputs of its terminal steps (see `terminalOutputs`).
 */
export function runOutputs(
  outputsMapping: Readonly<Record<string, unknown>>,
  steps: readonly StepEdges[],
  ctx: DataContext,
  skipped: ReadonlySet<string>,
): Record<string, unknown> {
  if (Object.keys(outputsMapping).length === 0) return terminalOutputs(steps, ctx.stepOutputs, skipped);
  // The definition's ids, not just those that produced output, decide how dotted ids split.
  const stepIds = ctx.stepIds ?? new Set(steps.map((step) => step.id));
  const terminal = terminalOutputs(steps, ctx.stepOutputs, skipped);
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(outputsMapping)) {
    // A declaration (`{report: {type: 'string'}}`, the v2 dialect's outputs) names an output
    // without saying where it comes from: it is taken from the terminal steps' outputs.
    result[key] = isOutputDeclaration(value) ? fromTerminal(terminal, key) : resolveMapping(value, { ...ctx, stepIds });
  }
  return result;
}

/** The value of `key` in the terminal steps' object outputs (the last one that has it), or null. */
function fromTerminal(terminal: Record<string, unknown>, key: string): unknown {
  let found: unknown = null;
  for (const output of Object.values(terminal)) {
    if (output && typeof output === 'object' && !Array.isArray(output) && Object.hasOwn(output, key))
      found = (output as Record<string, unknown>)[key];
  }
  return found;
}
