/**
 * Validation of a canonical definition candidate. Every problem is reported at once: the
 * structural (zod) pass and the graph/reference passes run independently, the latter on a
 * lenient reading of the raw steps so one broken step does not hide the others' problems.
 */
import type { z } from 'zod';
import { findReferences, type Reference, renderPath } from './references.ts';
import { canonicalizeParsed, type Issue, isPlainObject, STEP_TYPES, type WorkflowDefinition, workflowDefinitionSchema } from './schema.ts';

export type { Issue } from './schema.ts';

export type AgentStatus = 'ACTIVE' | 'INACTIVE' | 'DELETED';

export interface ValidationContext {
  /** Agents by name; only those named by the candidate are needed (see `agentNamesIn`). */
  agents: ReadonlyMap<string, { status: AgentStatus }>;
}

export type ValidationResult = { ok: true; definition: WorkflowDefinition; issues: [] } | { ok: false; issues: Issue[] };

/** What the graph rules need from a step, read leniently from the raw candidate. */
interface StepView {
  index: number;
  id: string | undefined;
  raw: Record<string, unknown>;
  /** Raw dependsOn strings (positions matter for issue paths). */
  dependsOn: string[];
  label: string;
}

const stringsOf = (value: unknown): string[] =>
  typeof value === 'string' ? [value] : Array.isArray(value) ? value.filter((v) => typeof v === 'string') : [];

const rawSteps = (candidate: unknown): unknown[] => (isPlainObject(candidate) && Array.isArray(candidate.steps) ? candidate.steps : []);

/**
 * Names of the agents the candidate's agent steps use (unique, in order), so the caller
 * can load just those before calling `validateDefinition`.
 */
export function agentNamesIn(candidate: unknown): string[] {
  const names = rawSteps(candidate).flatMap((step) =>
    isPlainObject(step) && step.type === 'agent' && typeof step.agent === 'string' && step.agent !== '' ? [step.agent] : [],
  );
  return [...new Set(names)];
}

/** Small edit distance, for "did you mean" hints on misspelt step ids. */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur.push(Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost));
    }
    prev = cur;
  }
  return prev[b.length] ?? 0;
}

function hint(name: string, known: Iterable<string>): string {
  let best: string | undefined;
  let bestDistance = Math.min(3, Math.ceil(name.length / 3));
  for (const candidate of known) {
    const d = distance(name, candidate);
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return best === undefined ? '' : `; did you mean "${best}"?`;
}

const describeValue = (value: unknown): string =>
  value === null
    ? 'null'
    : Array.isArray(value)
      ? 'an array'
      : typeof value === 'object'
        ? 'an object'
        : `${typeof value} ${JSON.stringify(value)}`;

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let cur = root;
  for (const seg of path) {
    if (Array.isArray(cur) && typeof seg === 'number') cur = cur[seg];
    else if (isPlainObject(cur) && typeof seg === 'string') cur = cur[seg];
    else return undefined;
  }
  return cur;
}

/** One zod issue → one Issue, with a message a person can act on. */
function fromZodIssue(issue: z.core.$ZodIssue, candidate: unknown): Issue {
  const segments = [...issue.path];
  // Issues inside one step or one input declaration are prefixed with its id or name.
  const owner = (segments[0] === 'steps' || segments[0] === 'inputs') && typeof segments[1] === 'number' ? segments[0] : undefined;
  const item = owner === undefined ? undefined : valueAt(candidate, segments.slice(0, 2));
  const itemName = isPlainObject(item) ? item[owner === 'steps' ? 'id' : 'name'] : undefined;
  const named = typeof itemName === 'string' ? itemName : undefined;
  const stepId = owner === 'steps' ? named : undefined;
  const skip = owner === undefined ? 0 : 2;
  const value = valueAt(candidate, segments);
  const field = (): string => {
    const rel = renderPath(segments.slice(skip));
    return rel === '' ? (owner === 'steps' ? 'step' : owner === 'inputs' ? 'input' : 'definition') : `"${rel}"`;
  };
  let message: string;
  switch (issue.code) {
    case 'unrecognized_keys': {
      const where = renderPath(segments.slice(skip));
      if (issue.keys.length === 1 && issue.keys[0] !== undefined) segments.push(issue.keys[0]);
      const keys = issue.keys.map((k) => `"${k}"`).join(', ');
      message = `unknown field${issue.keys.length > 1 ? 's' : ''} ${keys}${where === '' ? '' : ` in "${where}"`}`;
      break;
    }
    case 'invalid_union':
      message =
        value === undefined
          ? `"type" is required; expected one of ${STEP_TYPES.join(', ')}`
          : `unknown step type ${JSON.stringify(value)}; expected one of ${STEP_TYPES.join(', ')}`;
      break;
    case 'invalid_type': {
      const expected = issue.expected === 'int' ? 'integer' : issue.expected === 'record' ? 'object' : issue.expected;
      message =
        value === undefined
          ? `${field()} is required`
          : `${field()} must be ${/^[aeiou]/.test(expected) ? 'an' : 'a'} ${expected}, got ${describeValue(value)}`;
      break;
    }
    case 'invalid_value':
      message = `${field()} must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}; got ${JSON.stringify(value)}`;
      break;
    case 'too_small':
    case 'too_big': {
      const bound = issue.code === 'too_small' ? issue.minimum : issue.maximum;
      const word = issue.code === 'too_small' ? 'at least' : 'at most';
      if (issue.origin === 'string' && issue.code === 'too_small' && Number(bound) === 1) message = 'must not be empty';
      else if (issue.origin === 'array') message = `must contain ${word} ${bound} item${Number(bound) === 1 ? '' : 's'}`;
      else if (issue.origin === 'string') message = `must be ${word} ${bound} characters long`;
      else message = `must be ${issue.code === 'too_small' ? '>=' : '<='} ${bound}, got ${JSON.stringify(value)}`;
      message = `${field()} ${message}`;
      break;
    }
    case 'invalid_format':
      message = `${field()} ${issue.message}`;
      break;
    default:
      message = issue.message;
  }
  const ownerLabel = named === undefined ? renderPath(segments.slice(0, 2)) : `${owner === 'steps' ? 'step' : 'input'} "${named}"`;
  const who = owner === undefined ? '' : `${ownerLabel}: `;
  return defined({ path: renderPath(segments), stepId, message: `${who}${message}` });
}

/** Names occurring more than once, with the positions of all their occurrences. */
function duplicates(names: readonly (string | undefined)[]): [string, number[]][] {
  const seen = new Map<string, number[]>();
  names.forEach((name, i) => {
    if (name !== undefined) seen.set(name, [...(seen.get(name) ?? []), i]);
  });
  return [...seen].filter(([, at]) => at.length > 1);
}

function defined(issue: Issue): Issue {
  return issue.stepId === undefined ? { path: issue.path, message: issue.message } : issue;
}

/**
 * Validates a canonical definition candidate against the schema, the step graph, the
 * references and the known agents. On success returns the normalized definition; on
 * failure returns every issue found.
 */
export function validateDefinition(candidate: unknown, ctx: ValidationContext): ValidationResult {
  const issues: Issue[] = [];
  const report = (issue: Issue): void => {
    issues.push(defined(issue));
  };
  const parsed = workflowDefinitionSchema.safeParse(candidate);
  if (!parsed.success) for (const issue of parsed.error.issues) issues.push(fromZodIssue(issue, candidate));

  const views: StepView[] = rawSteps(candidate).flatMap((raw, index) => {
    if (!isPlainObject(raw)) return [];
    const id = typeof raw.id === 'string' ? raw.id : undefined;
    const label = id === undefined ? `steps[${index}]` : `step "${id}"`;
    return [{ index, id, raw, dependsOn: stringsOf(raw.dependsOn), label }];
  });
  const byId = new Map<string, StepView>();
  for (const view of views) if (view.id !== undefined && !byId.has(view.id)) byId.set(view.id, view);
  const stepPath = (view: StepView, ...rest: (string | number)[]): string => renderPath(['steps', view.index, ...rest]);

  // Duplicates: reported once per name, at its second occurrence.
  for (const [id, at] of duplicates(views.map((v) => v.id))) {
    const where = at.map((i) => `steps[${views[i]?.index}]`).join(', ');
    const second = views[at[1] ?? 0];
    if (second) report({ path: stepPath(second, 'id'), stepId: id, message: `step "${id}" is defined ${at.length} times (${where})` });
  }
  const decls = isPlainObject(candidate) && Array.isArray(candidate.inputs) ? candidate.inputs : [];
  for (const [name, at] of duplicates(decls.map((d) => (isPlainObject(d) && typeof d.name === 'string' ? d.name : undefined)))) {
    report({ path: `inputs[${at[1]}].name`, message: `input "${name}" is declared ${at.length} times` });
  }

  // Names of other steps must exist.
  const branchesOf = (view: StepView): [string, string[]][] =>
    view.raw.type === 'condition'
      ? [
          ['onTrue', stringsOf(view.raw.onTrue)],
          ['onFalse', stringsOf(view.raw.onFalse)],
        ]
      : [];
  for (const view of views) {
    for (const [key, targets] of [['dependsOn', view.dependsOn] as [string, string[]], ...branchesOf(view)]) {
      targets.forEach((target, k) => {
        if (byId.has(target)) return;
        const what = key === 'dependsOn' ? `${view.label} depends on` : `${view.label}: ${key} names`;
        report({ path: stepPath(view, key, k), stepId: view.id, message: `${what} unknown step "${target}"${hint(target, byId.keys())}` });
      });
    }
  }
  const rawEntry = isPlainObject(candidate) ? candidate.entry : undefined;
  const entry = stringsOf(rawEntry);
  entry.forEach((target, k) => {
    if (!byId.has(target)) report({ path: `entry[${k}]`, message: `entry names unknown step "${target}"${hint(target, byId.keys())}` });
  });

  // Agents.
  for (const view of views) {
    const agent = view.raw.agent;
    if (view.raw.type !== 'agent' || typeof agent !== 'string' || agent === '') continue;
    const status = ctx.agents.get(agent)?.status;
    if (status === 'ACTIVE') continue;
    const problem = status === undefined ? 'does not exist' : status === 'DELETED' ? 'is inactive (it has been deleted)' : 'is inactive';
    report({ path: stepPath(view, 'agent'), stepId: view.id, message: `${view.label}: agent "${agent}" ${problem}` });
  }

  // The graph: unique ids, edges dependency → dependent, ignoring unknown targets (reported above).
  const nodes = [...byId.values()];
  const depsOf = (view: StepView): string[] => view.dependsOn.filter((d) => byId.has(d));
  const dependents = new Map<string, string[]>(nodes.map((v) => [v.id ?? '', []]));
  for (const view of nodes) for (const dep of new Set(depsOf(view))) dependents.get(dep)?.push(view.id ?? '');

  for (const cycle of findCycles(nodes, dependents)) {
    const [start, ...rest] = cycle;
    const view = start === undefined ? undefined : byId.get(start);
    const last = rest[rest.length - 1] ?? start;
    if (view === undefined || last === undefined) continue;
    report({
      path: stepPath(view, 'dependsOn', Math.max(0, view.dependsOn.indexOf(last))),
      stepId: view.id,
      message: `cycle: ${[...cycle, start].join(' → ')}`,
    });
  }

  const explicitEntry = Array.isArray(rawEntry) && entry.length > 0;
  const roots = explicitEntry ? entry.filter((id) => byId.has(id)) : nodes.filter((v) => depsOf(v).length === 0).map((v) => v.id ?? '');
  const reached = new Set<string>();
  const queue = [...roots];
  for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
    if (reached.has(id)) continue;
    reached.add(id);
    queue.push(...(dependents.get(id) ?? []));
  }
  const rootsText = roots.length === 0 ? 'there are none' : roots.map((r) => `"${r}"`).join(', ');
  for (const view of nodes) {
    if (view.id === undefined || reached.has(view.id)) continue;
    report({
      path: stepPath(view),
      stepId: view.id,
      message: `${view.label} is unreachable from the entry steps (${rootsText})`,
    });
  }

  // References.
  const upstreamOf = (view: StepView): Set<string> => {
    const seen = new Set<string>();
    const stack = depsOf(view);
    for (let id = stack.pop(); id !== undefined; id = stack.pop()) {
      if (seen.has(id)) continue;
      seen.add(id);
      const dep = byId.get(id);
      if (dep !== undefined) stack.push(...depsOf(dep));
    }
    return seen;
  };
  const stepIds = new Set(byId.keys());
  const unknownStep = (ref: Reference): string | undefined =>
    ref.stepId !== undefined && !byId.has(ref.stepId) ? `references unknown step "${ref.stepId}"${hint(ref.stepId, stepIds)}` : undefined;

  for (const view of views) {
    const upstream = view.id === undefined ? undefined : upstreamOf(view);
    for (const field of ['input', 'condition', 'request'] as const) {
      if (view.raw[field] === undefined) continue;
      const { refs, errors } = findReferences(view.raw[field], stepPath(view, field), { stepIds });
      for (const error of errors) report({ ...error, stepId: view.id, message: `${view.label}: ${error.message}` });
      for (const ref of refs) {
        const target = ref.stepId;
        if (target === undefined) continue;
        const unknown = unknownStep(ref);
        let message: string | undefined;
        if (unknown !== undefined) message = `${view.label} ${unknown}`;
        else if (target === view.id) message = `${view.label} references its own output (${ref.raw})`;
        else if (upstream !== undefined && !upstream.has(target))
          message = `step "${view.id}" references "${target}".output but "${target}" is not upstream of "${view.id}"; add it to dependsOn`;
        if (message !== undefined) report({ path: ref.path, stepId: view.id, message });
      }
    }
  }
  if (isPlainObject(candidate) && candidate.outputs !== undefined) {
    const { refs, errors } = findReferences(candidate.outputs, 'outputs', { stepIds });
    for (const error of errors) report(error);
    for (const ref of refs) {
      const unknown = unknownStep(ref);
      if (unknown !== undefined) report({ path: ref.path, message: `output expression "${ref.raw}" ${unknown}` });
    }
  }

  // Branch targets must wait for the condition that selects them.
  for (const view of views) {
    if (view.id === undefined) continue;
    for (const [key, targets] of branchesOf(view)) {
      targets.forEach((target, k) => {
        const branch = byId.get(target);
        if (branch === undefined || branch.dependsOn.includes(view.id ?? '')) return;
        report({
          path: stepPath(view, key, k),
          stepId: view.id,
          message: `${view.label}: ${key} target "${target}" must depend on "${view.id}"; add "${view.id}" to the dependsOn of "${target}"`,
        });
      });
    }
  }

  if (issues.length > 0 || !parsed.success) return { ok: false, issues };
  return { ok: true, definition: canonicalizeParsed(parsed.data), issues: [] };
}

/**
 * One cycle per strongly connected component (Tarjan), as a list of ids starting at the
 * component's first step in definition order and following dependency → dependent edges.
 */
function findCycles(nodes: StepView[], dependents: ReadonlyMap<string, string[]>): string[][] {
  const order = new Map(nodes.map((v, i) => [v.id ?? '', i]));
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const connect = (id: string): void => {
    index.set(id, index.size);
    low.set(id, index.get(id) ?? 0);
    stack.push(id);
    onStack.add(id);
    for (const next of dependents.get(id) ?? []) {
      if (!index.has(next)) {
        connect(next);
        low.set(id, Math.min(low.get(id) ?? 0, low.get(next) ?? 0));
      } else if (onStack.has(next)) {
        low.set(id, Math.min(low.get(id) ?? 0, index.get(next) ?? 0));
      }
    }
    if (low.get(id) !== index.get(id)) return;
    const component: string[] = [];
    for (let top = stack.pop(); top !== undefined; top = stack.pop()) {
      onStack.delete(top);
      component.push(top);
      if (top === id) break;
    }
    components.push(component);
  };
  for (const node of nodes) if (node.id !== undefined && !index.has(node.id)) connect(node.id);

  const cycles: string[][] = [];
  for (const component of components) {
    const members = new Set(component);
    const start = [...component].sort((a, b) => (order.get(a) ?? 0) - (order.get(b) ?? 0))[0];
    if (start === undefined) continue;
    const selfLoop = (dependents.get(start) ?? []).includes(start);
    if (component.length === 1 && !selfLoop) continue;
    if (selfLoop) {
      cycles.push([start]);
      continue;
    }
    // Shortest way round: BFS from start inside the component until an edge leads back to it.
    const parent = new Map<string, string>();
    const queue = [start];
    let closing: string | undefined;
    for (let cur = queue.shift(); cur !== undefined && closing === undefined; cur = queue.shift()) {
      for (const next of dependents.get(cur) ?? []) {
        if (next === start) {
          closing = cur;
          break;
        }
        if (members.has(next) && !parent.has(next)) {
          parent.set(next, cur);
          queue.push(next);
        }
      }
    }
    const path: string[] = [];
    for (let cur = closing; cur !== undefined && cur !== start; cur = parent.get(cur)) path.unshift(cur);
    cycles.push([start, ...path]);
  }
  return cycles.sort((a, b) => (order.get(a[0] ?? '') ?? 0) - (order.get(b[0] ?? '') ?? 0));
}
