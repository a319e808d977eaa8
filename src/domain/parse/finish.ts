/**
 * What every parser does with its candidate, so LLM output is held to exactly the same rules
 * as the deterministic parser's: validation against the workspace's agents (available tools
 * count as active agents), the seed 003 `nodes` form, and the confidence formula.
 *
 * Confidence (both parsers):
 *
 *   confidence = clamp(mean(q) − 0.1·min(u, 3) − 0.05·c − 0.1·s, 0, 1), rounded to 2 decimals,
 *   and 0 when there is no step to run,
 *
 * where q has one entry per non-condition step:
 *   1.0  matched to a tool or agent with a score ≥ 2 (see catalog.ts), or a built-in step
 *        (delay, wait, http, transform), or an LLM step naming a known tool/agent;
 *   0.85 matched with a weaker score (1.4 ≤ score < 2);
 *   0.6  matched, but another tool/agent scored within the ambiguity margin;
 *   0.3  nothing matched: a placeholder agent named after the clause (validation then
 *        reports it does not exist);
 * u = fragments of the text that produced nothing (no actionable verb, negated),
 * c = conditions read without a recognised operator (they test "is truthy"),
 * s = schedule phrases that could not be turned into a cron expression.
 */
import type { ConditionOperator } from '../definition/schema.ts';
import { normalizeDefinition, isPlainObject } from '../definition/schema.ts';
import { agentNamesIn, type AgentStatus, type Issue, validateDefinition } from '../definition/validate.ts';
import { LEGACY_OPERATOR } from './conditions.ts';
import type { NodeForm, NodesDocument, ParseContext } from './types.ts';

/** Inputs of the confidence formula (see the module comment). */
export interface ConfidenceInputs {
  qualities: readonly number[];
  ignored: number;
  implicitConditions: number;
  scheduleIssues: number;
}

export const QUALITY = { strong: 1, weak: 0.85, ambiguous: 0.6, unknown: 0.3 } as const;

export function confidenceOf({ qualities, ignored, implicitConditions, scheduleIssues }: ConfidenceInputs): number {
  if (qualities.length === 0) return 0;
  const mean = qualities.reduce((a, b) => a + b, 0) / qualities.length;
  const value = mean - 0.1 * Math.min(ignored, 3) - 0.05 * implicitConditions - 0.1 * scheduleIssues;
  return Math.round(Math.min(1, Math.max(0, value)) * 100) / 100;
}

/** Agent statuses for validation: the workspace's agents, with every available tool as an active agent. */
export function knownAgents(context: ParseContext, candidate: unknown): Map<string, { status: AgentStatus }> {
  const wanted = new Set(agentNamesIn(candidate));
  const out = new Map<string, { status: AgentStatus }>();
  for (const agent of context.agents ?? []) if (wanted.has(agent.name)) out.set(agent.name, { status: agent.status });
  for (const tool of context.availableTools ?? []) if (wanted.has(tool)) out.set(tool, { status: 'ACTIVE' });
  return out;
}

export interface Checked {
  valid: boolean;
  issues: Issue[];
  /** Normalized when structurally sound, else the candidate unchanged. */
  definition: unknown;
}

/** Validates a candidate with the workflow validator; `extra` issues (schedule, parsing) come first. */
export function checkCandidate(candidate: unknown, context: ParseContext, extra: readonly Issue[]): Checked {
  const result = validateDefinition(candidate, { agents: knownAgents(context, candidate) });
  const issues = [...extra, ...result.issues];
  let definition: unknown = candidate;
  if (result.ok) definition = result.definition;
  else {
    try {
      definition = normalizeDefinition(candidate as never);
    } catch {
      // Structurally broken (typically LLM output): show it as it came.
    }
  }
  return { valid: issues.length === 0, issues, definition };
}

/** `${workflow.input.a.b}` / `${step.output.a}` → `$.a.b` (seed 003 conditions read JSONPaths). */
function jsonPathOf(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const match = /^\$\{\s*(?:workflow\.input|[A-Za-z_][\w.-]*?\.output)((?:\.[A-Za-z_][\w-]*|\[\d+\])*)\s*\}$/.exec(value);
  return match === null ? undefined : `$${match[1] ?? ''}`;
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/**
 * The canonical definition in seed 003's nodes form. An agent node's `config` is its input
 * without the `input: "${<source>.output}"` wiring that seed 003 implies from `input_from`, so
 * converting the nodes back (fromV003) gives the same steps (a tool step's `action` aside: the
 * node's `action` names the tool). Known limits
 * of the form: a condition's `onFalse` branch and steps that follow a conditional block
 * cannot be told apart from its `onTrue` targets.
 */
export function toNodes(definition: unknown, tools: ReadonlySet<string>): NodesDocument {
  const doc = isPlainObject(definition) ? definition : {};
  const steps = Array.isArray(doc.steps) ? doc.steps.filter(isPlainObject) : [];
  const nodes = steps.map((step): NodeForm => {
    const id = typeof step.id === 'string' ? step.id : '';
    const deps = stringList(step.dependsOn);
    const node: NodeForm = { id, type: typeof step.type === 'string' ? step.type : 'agent', config: {} };
    if (typeof step.name === 'string') node.name = step.name;
    const input = step.input;
    const mapping: Record<string, unknown> = isPlainObject(input) ? { ...input } : input === undefined ? {} : { input_mapping: input };
    switch (step.type) {
      case 'agent': {
        const agent = typeof step.agent === 'string' ? step.agent : '';
        node.type = tools.has(agent) ? 'integration' : 'agent';
        node.action = agent;
        // Seed 003 feeds an agent its sources' outputs implicitly (see fromV003): leave that wiring
        // out of config, and spell the input out as input_mapping when it differs from it.
        const implicit: Record<string, unknown> =
          deps.length === 1
            ? { input: `\${${deps[0]}.output}` }
            : deps.length > 1
              ? { inputs: Object.fromEntries(deps.map((d) => [d, `\${${d}.output}`])) }
              : {};
        const wired = Object.entries(implicit).every(([key, value]) => JSON.stringify(mapping[key]) === JSON.stringify(value));
        if (isPlainObject(input) && wired && !('agent' in mapping) && !('input_mapping' in mapping)) {
          for (const key of Object.keys(implicit)) delete mapping[key];
          node.config = mapping;
        } else {
          node.config = { input_mapping: input ?? {} };
        }
        break;
      }
      case 'condition': {
        const condition = isPlainObject(step.condition) ? step.condition : {};
        const path = jsonPathOf(condition.value) ?? '$';
        node.action = `check_${path.replace(/^\$\.?/, '').replace(/[^A-Za-z0-9]+/g, '_') || 'value'}`;
        const operator = typeof condition.operator === 'string' ? condition.operator : 'truthy';
        node.config = {
          field: path,
          operator: LEGACY_OPERATOR[operator as ConditionOperator] ?? operator,
          ...(condition.compareTo === undefined ? {} : { value: condition.compareTo }),
        };
        break;
      }
      case 'http':
        node.config = {
          ...(isPlainObject(step.request) ? step.request : {}),
          ...(Object.keys(mapping).length > 0 ? { input_mapping: mapping } : {}),
        };
        break;
      case 'transform':
        node.config = { expression: step.expression, ...(Object.keys(mapping).length > 0 ? { input_mapping: mapping } : {}) };
        break;
      case 'delay':
        node.config = { duration_ms: step.durationMs };
        break;
      case 'wait':
        node.config = step.signal === undefined ? {} : { signal: step.signal };
        break;
      default:
        node.config = mapping;
    }
    const inputFrom = deps.length === 1 ? deps[0] : deps.length > 1 ? deps : undefined;
    // Seed 003's key order: id, type, action, input_from, config.
    return {
      id: node.id,
      type: node.type,
      ...(node.name === undefined ? {} : { name: node.name }),
      ...(node.action === undefined ? {} : { action: node.action }),
      ...(inputFrom === undefined ? {} : { input_from: inputFrom }),
      config: node.config,
    };
  });
  const inputs: Record<string, unknown> = {};
  for (const decl of Array.isArray(doc.inputs) ? doc.inputs.filter(isPlainObject) : []) {
    if (typeof decl.name !== 'string') continue;
    const { name: _name, ...rest } = decl;
    inputs[decl.name] = rest;
  }
  return { nodes, inputs, outputs: isPlainObject(doc.outputs) ? doc.outputs : {} };
}
