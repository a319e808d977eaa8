/**
 * v003 "nodes" shape: `{ nodes: [{ id, type, action, input_from, config }], inputs, outputs }`,
 * optionally wrapped as `{ definition: { ... } }`. Also exports the condition and input
 * declaration helpers that v002 shares.
 */
import { defined, type LegacyConversion, retryFromLegacy, str } from './legacy-v004.ts';
import { type Accessor, appendPath, formatReference } from './references.ts';
import { type ConditionOperator, INPUT_TYPES, type InputType, type Issue, isPlainObject } from './schema.ts';

const OPERATORS: Readonly<Record<string, ConditionOperator>> = {
  equals: 'equals',
  eq: 'equals',
  not_equals: 'notEquals',
  notEquals: 'notEquals',
  greater_than: 'gt',
  gt: 'gt',
  greater_than_or_equal: 'gte',
  gte: 'gte',
  less_than: 'lt',
  lt: 'lt',
  less_than_or_equal: 'lte',
  lte: 'lte',
  contains: 'contains',
  in: 'in',
  exists: 'exists',
  truthy: 'truthy',
};

const INPUT_TYPE_SYNONYMS: Readonly<Record<string, InputType>> = {
  int: 'integer',
  float: 'number',
  double: 'number',
  decimal: 'number',
  bool: 'boolean',
  str: 'string',
  text: 'string',
  dict: 'object',
  map: 'object',
  list: 'array',
  any: 'json',
};

/** Legacy type names → canonical input type; unknown names become `json` (accepts anything). */
export function mapInputType(type: unknown): InputType | undefined {
  if (typeof type !== 'string') return undefined;
  const lower = type.toLowerCase();
  const known = INPUT_TYPES.find((t) => t === lower);
  return known ?? INPUT_TYPE_SYNONYMS[lower] ?? 'json';
}

/**
 * Converts a JSONPath such as `$.a.b[0]` into a canonical reference rooted at the workflow
 * input, or at `sourceStep`'s output. Returns undefined when the path cannot be read.
 */
export function jsonPathToReference(field: string, sourceStep: string | undefined): string | undefined {
  if (field.includes('${')) return field;
  const trimmed = field.trim();
  // A bare field name ("status") is read as "$.status".
  let rest = trimmed.startsWith('$') ? trimmed.slice(1) : `.${trimmed}`;
  const accessors: Accessor[] = [];
  while (rest !== '') {
    const match = /^\.([^.[\]\s*]+)/.exec(rest) ?? /^\[(\d+)\]/.exec(rest) ?? /^\[(["'])((?:\\.|(?!\1)[^\\])*)\1\]/.exec(rest);
    if (match === null) return undefined;
    const [whole, first, second] = match;
    if (whole.startsWith('[') && second === undefined) accessors.push(Number(first));
    else accessors.push(second !== undefined ? second.replace(/\\(.)/g, '$1') : (first ?? ''));
    rest = rest.slice(whole.length);
  }
  return formatReference(
    sourceStep === undefined ? { kind: 'workflowInput', accessors } : { kind: 'stepOutput', stepId: sourceStep, accessors },
  );
}

/** The canonical `http` request from a legacy step's config (both dialects use the same keys). */
export function httpRequestFromConfig(config: Record<string, unknown>): Record<string, unknown> {
  return defined({
    method: typeof config.method === 'string' ? config.method.toUpperCase() : config.method,
    url: config.url,
    headers: config.headers,
    body: config.body,
  });
}

/**
 * Builds a canonical `condition` from legacy `{ field, operator, value }` config.
 * `label` names the legacy node/step in messages, `at` is the legacy path of the config.
 */
export function conditionFromConfig(
  config: Record<string, unknown>,
  sourceStep: string | undefined,
  at: string,
  label: string,
  stepId: string | undefined,
  issues: Issue[],
): Record<string, unknown> {
  let value: unknown;
  if (typeof config.field !== 'string') {
    issues.push({ path: appendPath(at, 'field'), stepId, message: `${label}: config.field is missing` });
  } else {
    value = jsonPathToReference(config.field, sourceStep);
    if (value === undefined) {
      issues.push({
        path: appendPath(at, 'field'),
        stepId,
        message: `${label}: cannot read config.field ${JSON.stringify(config.field)} as a JSONPath like "$.a.b"`,
      });
    }
  }
  const operator = typeof config.operator === 'string' ? OPERATORS[config.operator] : undefined;
  if (operator === undefined) {
    issues.push({
      path: appendPath(at, 'operator'),
      stepId,
      message: `${label}: unknown operator ${JSON.stringify(config.operator)}; expected one of ${Object.keys(OPERATORS).join(', ')}`,
    });
  }
  // Unknown operators are passed through so the candidate still shows what was written.
  return defined({ value, operator: operator ?? config.operator, compareTo: config.value });
}

/** `{ name: { type, description, default, required } }` (or `{ name: "type" }`) → input declarations. */
export function inputDeclsFromObject(raw: unknown, at: string, issues: Issue[]): unknown[] | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (!isPlainObject(raw)) {
    issues.push({ path: at, message: `"${at}" must be an object keyed by input name` });
    return undefined;
  }
  return Object.entries(raw).map(([name, spec]) => {
    if (typeof spec === 'string') return defined({ name, type: mapInputType(spec) });
    if (!isPlainObject(spec)) {
      issues.push({ path: appendPath(at, name), message: `input "${name}" must be an object or a type name` });
      return { name };
    }
    return defined({
      name,
      type: mapInputType(spec.type),
      required: spec.required,
      default: spec.default,
      description: spec.description,
    });
  });
}

const AGENT_NODE_TYPES = new Set(['agent', 'integration', 'tool', 'action']);
const KNOWN_NODE_TYPES = [...AGENT_NODE_TYPES, 'http', 'condition', 'transform', 'delay', 'wait', 'approval'];

/** `"a"` → `["a"]`, arrays kept as their strings. */
function idList(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/** Legacy agents received their upstream results implicitly; make that wiring explicit. */
function implicitAgentInput(config: Record<string, unknown>, sources: string[]): Record<string, unknown> {
  const { agent: _agent, input_mapping: _mapping, ...rest } = config;
  const only = sources.length === 1 ? sources[0] : undefined;
  const wiring: Record<string, unknown> =
    only !== undefined
      ? { input: `\${${only}.output}` }
      : sources.length > 1
        ? { inputs: Object.fromEntries(sources.map((s) => [s, `\${${s}.output}`])) }
        : {};
  // Explicit config wins over the generated wiring: it is what the author wrote.
  return { ...wiring, ...rest };
}

/** Converts a v003 nodes definition (bare or wrapped in `definition`). Never throws. */
export function fromV003(body: unknown): LegacyConversion {
  const issues: Issue[] = [];
  if (!isPlainObject(body)) {
    return { definition: body, issues: [{ path: '', message: 'definition must be an object' }] };
  }
  const wrapped = body.nodes === undefined && isPlainObject(body.definition);
  const doc = wrapped && isPlainObject(body.definition) ? body.definition : body;
  const prefix = wrapped ? 'definition' : '';
  if (!Array.isArray(doc.nodes)) {
    issues.push({ path: appendPath(prefix, 'nodes'), message: '"nodes" must be an array' });
    return { definition: { steps: [] }, issues };
  }
  const nodes = doc.nodes;
  const sourcesOf = nodes.map((node) => (isPlainObject(node) ? idList(node.input_from) : []));

  const steps = nodes.map((node, index) => {
    const at = appendPath(appendPath(prefix, 'nodes'), index);
    if (!isPlainObject(node)) {
      issues.push({ path: at, message: `node #${index + 1} must be an object` });
      return node;
    }
    const id = str(node.id);
    const label = id === undefined ? `node #${index + 1}` : `node "${id}"`;
    if (id === undefined) issues.push({ path: appendPath(at, 'id'), message: `${label} has no "id"` });
    const sources = sourcesOf[index] ?? [];
    const config = isPlainObject(node.config) ? node.config : {};
    const configAt = appendPath(at, 'config');
    if (node.config !== undefined && !isPlainObject(node.config)) {
      issues.push({ path: configAt, stepId: id, message: `${label}: config must be an object` });
    }
    const mapping = config.input_mapping;
    const base = {
      id: node.id,
      name: str(node.name),
      description: str(node.description),
      dependsOn: sources,
      input: mapping ?? {},
    };
    const tail = defined({ timeoutMs: node.timeout_ms, retry: retryFromLegacy(node.retry_config) });
    const type = node.type;

    if (typeof type === 'string' && AGENT_NODE_TYPES.has(type)) {
      const configAgent = str(config.agent);
      const agent = configAgent ?? str(node.action);
      if (agent === undefined) {
        issues.push({
          path: appendPath(at, 'action'),
          stepId: id,
          message: `${label}: no agent named; set "action" or "config.agent"`,
        });
      }
      // `action` names the agent unless config.agent does; only then is it an action on that agent.
      const action = configAgent !== undefined ? str(node.action) : undefined;
      const input = mapping ?? implicitAgentInput(config, sources);
      return defined({ ...base, type: 'agent', input, agent, action, ...tail });
    }
    switch (type) {
      case 'http':
        return defined({
          ...base,
          type: 'http',
          request: httpRequestFromConfig(config),
          ...tail,
        });
      case 'condition': {
        const condition = conditionFromConfig(config, sources[0], configAt, label, id, issues);
        const onTrue = nodes.flatMap((other, j) =>
          id !== undefined && isPlainObject(other) && (sourcesOf[j] ?? []).includes(id) && typeof other.id === 'string' ? [other.id] : [],
        );
        return defined({ ...base, type: 'condition', condition, onTrue, onFalse: [], ...tail });
      }
      case 'transform':
        return defined({ ...base, type: 'transform', expression: config.expression, ...tail });
      case 'delay': {
        const seconds = typeof config.seconds === 'number' ? config.seconds * 1000 : undefined;
        return defined({ ...base, type: 'delay', durationMs: config.duration_ms ?? seconds, ...tail });
      }
      case 'wait':
      case 'approval':
        return defined({ ...base, type: 'wait', signal: str(config.signal), ...tail });
      default:
        issues.push({
          path: appendPath(at, 'type'),
          stepId: id,
          message: `${label}: ${type === undefined ? '"type" is missing' : `unknown node type ${JSON.stringify(type)}`}; expected one of ${KNOWN_NODE_TYPES.join(', ')}`,
        });
        return defined({ ...base, type, ...tail });
    }
  });

  const inputs = inputDeclsFromObject(doc.inputs, appendPath(prefix, 'inputs'), issues);
  return { definition: defined({ steps, inputs, outputs: doc.outputs }), issues };
}
