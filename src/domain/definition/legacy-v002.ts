/**
 * v002 "steps list" shape: `{ steps: [{ name, step_type, step_order, depends_on_steps, config }], variables }`,
 * optionally with `outputs` (a canonical output mapping) and a step `config.retry_config`.
 * Steps are addressed by name; names become ids (slugged when not valid ids).
 */
import { conditionFromConfig, httpRequestFromConfig, mapInputType } from './legacy-v003.ts';
import { defined, type LegacyConversion, retryFromLegacy, str } from './legacy-v004.ts';
import { appendPath } from './references.ts';
import { type Issue, isPlainObject, STEP_ID_PATTERN } from './schema.ts';

/** Lowercase, runs of non-alphanumerics → `_`, always a valid step id. */
export function slugStepId(name: string): string {
  const slug = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  if (slug === '') return 'step';
  return (/^[0-9]/.test(slug) ? `step_${slug}` : slug).slice(0, 128);
}

/**
 * Assigns ids: names that are valid ids are kept verbatim (reserved first, so a slug never
 * steals them); other names are slugged and suffixed `_2`, `_3`… on collision. A name that
 * repeats exactly keeps the same id so the validator reports the duplicate.
 */
function assignIds(names: (string | undefined)[]): string[] {
  const byName = new Map<string, string>();
  const used = new Set<string>();
  for (const name of names) {
    if (name !== undefined && STEP_ID_PATTERN.test(name)) {
      byName.set(name, name);
      used.add(name);
    }
  }
  return names.map((name, index) => {
    const known = name === undefined ? undefined : byName.get(name);
    if (known !== undefined) return known;
    const slug = name === undefined ? `step_${index + 1}` : slugStepId(name);
    let id = slug;
    for (let n = 2; used.has(id); n++) id = `${slug}_${n}`;
    used.add(id);
    if (name !== undefined) byName.set(name, id);
    return id;
  });
}

const WAIT_TYPES = new Set(['wait', 'approval', 'human']);
const KNOWN_STEP_TYPES = ['agent', 'task', 'condition', 'http', 'transform', 'delay', ...WAIT_TYPES];

/** Converts a v002 steps-list definition. Never throws; problems are returned as issues. */
export function fromV002(body: unknown): LegacyConversion {
  const issues: Issue[] = [];
  if (!isPlainObject(body)) {
    return { definition: body, issues: [{ path: '', message: 'definition must be an object' }] };
  }
  if (!Array.isArray(body.steps)) {
    issues.push({ path: 'steps', message: '"steps" must be an array' });
    return { definition: { steps: [] }, issues };
  }
  const list: unknown[] = body.steps;
  const raws = list.map((raw) => (isPlainObject(raw) ? raw : {}));
  const names = raws.map((raw) => str(raw.name));
  const ids = assignIds(names);
  const idByName = new Map<string, string>();
  names.forEach((name, i) => {
    const id = ids[i];
    if (name !== undefined && id !== undefined && !idByName.has(name)) idByName.set(name, id);
  });
  const idSet = new Set(ids);

  /** Maps a list of step names to ids, reporting names that match no step. */
  const resolveNames = (list: unknown, at: string, label: string, stepId: string): string[] => {
    if (list === undefined || list === null) return [];
    const items = Array.isArray(list) ? list : [list];
    return items.flatMap((name) => {
      const id = typeof name === 'string' ? (idByName.get(name) ?? (idSet.has(name) ? name : undefined)) : undefined;
      if (id !== undefined) return [id];
      issues.push({
        path: at,
        stepId,
        message: `step ${JSON.stringify(name)} does not exist (in ${at.slice(at.lastIndexOf('.') + 1)} of ${label})`,
      });
      return [];
    });
  };

  const converted = raws.map((raw, index) => {
    const at = appendPath('steps', index);
    const id = ids[index] ?? `step_${index + 1}`;
    const name = names[index];
    const label = `step "${name ?? id}"`;
    if (!isPlainObject(list[index])) issues.push({ path: at, stepId: id, message: `${label} must be an object` });
    if (name === undefined) issues.push({ path: appendPath(at, 'name'), stepId: id, message: `${label}: name is missing` });
    const config = isPlainObject(raw.config) ? raw.config : {};
    const configAt = appendPath(at, 'config');
    const dependsOn = resolveNames(raw.depends_on_steps, appendPath(at, 'depends_on_steps'), label, id);
    const base = defined({
      id,
      name: name !== undefined && name !== id ? name : undefined,
      description: str(raw.description),
      dependsOn,
      input: config.input_mapping ?? config.inputs ?? {},
    });
    const tail = defined({
      // null is how v002 callers say "no override" (pydantic Optional), like leaving it out.
      timeoutMs: typeof raw.timeout_seconds === 'number' ? raw.timeout_seconds * 1000 : (raw.timeout_seconds ?? undefined),
      retry: retryOf(raw.max_retries, config.retry_config),
    });
    const type = raw.step_type;
    const agent = str(config.agent_name) ?? str(config.agent);

    const step = ((): Record<string, unknown> => {
      if (type === 'agent' || (type === 'task' && agent !== undefined)) {
        if (agent === undefined) {
          issues.push({ path: appendPath(configAt, 'agent_name'), stepId: id, message: `${label}: agent_name is missing` });
        }
        return { type: 'agent', agent, action: str(config.action) };
      }
      switch (type) {
        case 'task':
          // A task without an agent only shaped data; "$" passes its input through unchanged.
          return { type: 'transform', expression: config.expression ?? '$' };
        case 'condition':
          return {
            type: 'condition',
            condition: conditionFromConfig(config, dependsOn[0], configAt, label, id, issues),
            onTrue: resolveNames(config.true_steps, appendPath(configAt, 'true_steps'), label, id),
            onFalse: resolveNames(config.false_steps, appendPath(configAt, 'false_steps'), label, id),
          };
        case 'http':
          return {
            type: 'http',
            request: httpRequestFromConfig(config),
          };
        case 'transform':
          return { type: 'transform', expression: config.expression };
        case 'delay':
          return {
            type: 'delay',
            durationMs: config.duration_ms ?? (typeof config.seconds === 'number' ? config.seconds * 1000 : undefined),
          };
        default:
          if (typeof type === 'string' && WAIT_TYPES.has(type)) return { type: 'wait', signal: str(config.signal) };
          issues.push({
            path: appendPath(at, 'step_type'),
            stepId: id,
            message: `${label}: ${type === undefined ? '"step_type" is missing' : `unknown step_type ${JSON.stringify(type)}`}; expected one of ${KNOWN_STEP_TYPES.join(', ')}`,
          });
          return { type };
      }
    })();
    const order = typeof raw.step_order === 'number' ? raw.step_order : Number.POSITIVE_INFINITY;
    return { order, step: defined({ ...base, ...step, ...tail }) };
  });

  // Array.prototype.sort is stable, so equal or missing step_order keep document order.
  const steps = converted.sort((a, b) => (a.order === b.order ? 0 : a.order < b.order ? -1 : 1)).map((c) => c.step);
  addBranchDependencies(steps);
  const inputs = variablesToInputs(body.variables, issues);
  // `outputs` (canonical output mapping) is optional; without it a run's output is its terminal steps' outputs.
  return { definition: defined({ steps, inputs, outputs: body.outputs ?? undefined }), issues };
}

/**
 * A step's retry policy: `max_retries` alone (the v002 field), refined by an optional
 * `config.retry_config` in the v003/v004 vocabulary (`initial_delay_ms`, `max_delay_ms`,
 * `backoff_multiplier`, `jitter`, `retry_on`); `max_retries` wins over the one inside it.
 */
function retryOf(maxRetries: unknown, retryConfig: unknown): unknown {
  const policy = retryFromLegacy(retryConfig);
  if (maxRetries === undefined || maxRetries === null) return policy;
  return isPlainObject(policy) ? { ...policy, maxRetries } : { maxRetries };
}

/**
 * In v002 listing a step in true_steps/false_steps was enough to run it after the condition;
 * canonically a branch target must also depend on its condition, so make that explicit.
 */
function addBranchDependencies(steps: Record<string, unknown>[]): void {
  const byId = new Map(steps.map((step) => [step.id, step]));
  for (const step of steps) {
    if (step.type !== 'condition' || typeof step.id !== 'string') continue;
    for (const target of [step.onTrue, step.onFalse].flat()) {
      const dependsOn = byId.get(target)?.dependsOn;
      if (Array.isArray(dependsOn) && !dependsOn.includes(step.id)) dependsOn.push(step.id);
    }
  }
}

/** `variables: [{ name, data_type, is_required, description, default_value }]` → input declarations. */
function variablesToInputs(raw: unknown, issues: Issue[]): unknown[] | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (!Array.isArray(raw)) {
    issues.push({ path: 'variables', message: '"variables" must be an array' });
    return undefined;
  }
  return raw.map((variable, index) => {
    if (!isPlainObject(variable)) {
      issues.push({ path: appendPath('variables', index), message: `variable #${index + 1} must be an object` });
      return {};
    }
    // null means "not given" to v002 callers (pydantic Optional fields), as for steps.
    return defined({
      name: variable.name,
      type: mapInputType(variable.data_type),
      required: variable.is_required ?? undefined,
      default: variable.default_value ?? undefined,
      description: variable.description ?? undefined,
    });
  });
}
