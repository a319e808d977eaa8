/**
 * Canonical → v002 "steps list" (`{ steps: [{ name, step_type, step_order, depends_on_steps,
 * config, ... }], variables }`): the inverse of `fromV002`, so a definition that was not posted
 * in that shape (a built-in template, a workflow created through another API) can be shown to,
 * and posted back by, v002 callers. Converting the result with `fromV002` gives the same
 * canonical definition, except for step display names (kept in each step's `metadata`) and an
 * explicit `entry`, which v002 cannot express.
 */
import type { WorkflowVersion } from '../../db/models.ts';
import { isPlainObject, type InputDecl, type Step, type WorkflowDefinition } from './schema.ts';

/** One step in the v002 shape. `depends_on_steps` names steps by their `name`. */
export interface V002Step {
  /** The canonical id of the step (what run steps, timelines and references call it). */
  id: string;
  name: string;
  step_type: string;
  step_order: number;
  depends_on_steps: string[];
  timeout_seconds: number | null;
  max_retries: number | null;
  config: Record<string, unknown>;
  metadata: Record<string, unknown>;
  /** Anything else the caller posted with the step (e.g. `description`, `agent_definition_id`), kept as posted. */
  extra: Record<string, unknown>;
}

/** One workflow variable (declared input) in the v002 shape. */
export interface V002Variable {
  name: string;
  data_type: string;
  is_required: boolean;
  default_value: unknown;
  description: string | null;
  metadata: Record<string, unknown>;
}

/** A definition in the v002 shape; `outputs` is present when the definition maps its outputs. */
export interface V002Definition {
  steps: V002Step[];
  variables: V002Variable[];
  outputs?: Record<string, unknown>;
}

/** `step_order` as v002 numbers parallel work: 1 for roots, else one more than the deepest dependency. */
function depths(steps: readonly Step[]): Map<string, number> {
  const byId = new Map(steps.map((s) => [s.id, s]));
  const out = new Map<string, number>();
  const depth = (id: string, seen: Set<string>): number => {
    const known = out.get(id);
    if (known !== undefined) return known;
    const step = byId.get(id);
    // A valid definition has no cycle; the guard only keeps a broken one from recursing forever.
    if (!step || seen.has(id)) return 1;
    seen.add(id);
    const value = 1 + Math.max(0, ...step.dependsOn.map((d) => depth(d, seen)));
    out.set(id, value);
    return value;
  };
  for (const step of steps) depth(step.id, new Set());
  return out;
}

const hasInput = (input: unknown): boolean => !(isPlainObject(input) && Object.keys(input).length === 0);

function configOf(step: Step): { stepType: string; config: Record<string, unknown> } {
  const input = hasInput(step.input) ? { input_mapping: step.input } : {};
  switch (step.type) {
    case 'agent':
      return { stepType: 'agent', config: { agent_name: step.agent, ...(step.action ? { action: step.action } : {}), ...input } };
    case 'transform':
      return { stepType: 'transform', config: { expression: step.expression, ...input } };
    case 'condition':
      return {
        stepType: 'condition',
        config: {
          // fromV002 reads a `${...}` reference in `field` as it is.
          field: step.condition.value,
          operator: step.condition.operator,
          ...(step.condition.compareTo === undefined ? {} : { value: step.condition.compareTo }),
          true_steps: step.onTrue,
          false_steps: step.onFalse,
          ...input,
        },
      };
    case 'http':
      return { stepType: 'http', config: { ...step.request, ...input } };
    case 'delay':
      return { stepType: 'delay', config: { duration_ms: step.durationMs, ...input } };
    case 'wait':
      return { stepType: 'wait', config: { ...(step.signal ? { signal: step.signal } : {}), ...input } };
  }
}

function retryConfigOf(step: Step): Record<string, unknown> {
  if (!step.retry) return {};
  const { maxRetries, initialDelayMs, maxDelayMs, backoffMultiplier, jitter, retryOn } = step.retry;
  return {
    retry_config: {
      max_retries: maxRetries,
      initial_delay_ms: initialDelayMs,
      max_delay_ms: maxDelayMs,
      backoff_multiplier: backoffMultiplier,
      ...(jitter === undefined ? {} : { jitter }),
      ...(retryOn === undefined ? {} : { retry_on: retryOn }),
    },
  };
}

function variableOf(decl: InputDecl): V002Variable {
  return {
    name: decl.name,
    data_type: decl.type,
    is_required: decl.required,
    default_value: decl.default ?? null,
    description: decl.description ?? null,
    metadata: {},
  };
}

/**
 * A canonical definition in the v002 shape. Step names are the canonical ids, so references
 * such as `${prepare.output.text}` keep naming the same steps; a display name goes to
 * `metadata.display_name`.
 */
export function toV002(definition: WorkflowDefinition): V002Definition {
  const order = depths(definition.steps);
  const steps = definition.steps.map((step): V002Step => {
    const { stepType, config } = configOf(step);
    return {
      id: step.id,
      name: step.id,
      step_type: stepType,
      step_order: order.get(step.id) ?? 1,
      depends_on_steps: [...step.dependsOn],
      timeout_seconds: step.timeoutMs === undefined ? null : step.timeoutMs / 1000,
      max_retries: step.retry ? step.retry.maxRetries : null,
      config: { ...config, ...retryConfigOf(step) },
      metadata: step.name ? { display_name: step.name } : {},
      extra: step.description ? { description: step.description } : {},
    };
  });
  const outputs = Object.keys(definition.outputs).length > 0 ? { outputs: definition.outputs } : {};
  return { steps, variables: definition.inputs.map(variableOf), ...outputs };
}

const KNOWN_STEP_KEYS = new Set([
  'name',
  'step_type',
  'step_order',
  'depends_on_steps',
  'timeout_seconds',
  'max_retries',
  'config',
  'metadata',
  'meta_data',
]);

const record = (value: unknown): Record<string, unknown> => (isPlainObject(value) ? value : {});
const numberOrNull = (value: unknown): number | null => (typeof value === 'number' ? value : null);

/**
 * A stored version seen as a v002 steps list: the steps and variables as they were posted when
 * the version was created from that shape (each step with the canonical id its name became),
 * else the canonical definition rendered by {@link toV002}.
 */
export function stepListOf(version: WorkflowVersion): V002Definition {
  const definition = version.definition as unknown as WorkflowDefinition;
  const source = version.source;
  if (version.sourceFormat !== 'v002' || !isPlainObject(source) || !Array.isArray(source.steps)) return toV002(definition);
  // fromV002 keeps a step's name as `name` only when it differs from the id it became.
  const idByName = new Map(definition.steps.map((s) => [s.name ?? s.id, s.id]));
  const steps = source.steps.map((raw, index): V002Step => {
    const step = record(raw);
    const name = typeof step.name === 'string' ? step.name : `step_${index + 1}`;
    return {
      id: idByName.get(name) ?? name,
      name,
      step_type: typeof step.step_type === 'string' ? step.step_type : 'task',
      step_order: numberOrNull(step.step_order) ?? index + 1,
      depends_on_steps: Array.isArray(step.depends_on_steps) ? step.depends_on_steps.filter((d) => typeof d === 'string') : [],
      timeout_seconds: numberOrNull(step.timeout_seconds),
      max_retries: numberOrNull(step.max_retries),
      config: record(step.config),
      metadata: record(step.metadata ?? step.meta_data),
      extra: Object.fromEntries(Object.entries(step).filter(([key]) => !KNOWN_STEP_KEYS.has(key))),
    };
  });
  const variables = (Array.isArray(source.variables) ? source.variables : []).map((raw): V002Variable => {
    const variable = record(raw);
    return {
      name: typeof variable.name === 'string' ? variable.name : '',
      data_type: typeof variable.data_type === 'string' ? variable.data_type : 'json',
      is_required: variable.is_required === true,
      default_value: variable.default_value ?? null,
      description: typeof variable.description === 'string' ? variable.description : null,
      metadata: record(variable.metadata ?? variable.meta_data),
    };
  });
  return { steps, variables, ...(isPlainObject(source.outputs) ? { outputs: source.outputs } : {}) };
}
