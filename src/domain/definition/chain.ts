/**
 * The reverse of the v004 converter: a canonical definition written back as a
 * `{start_step, steps}` chain, for versions that were not posted in that shape.
 */
import { isPlainObject, type WorkflowDefinition } from './schema.ts';

/** One step of a v004 chain. */
export interface ChainStep {
  id: string;
  agent_name: string;
  next_step: string | null;
  input_mapping: unknown;
  name?: string;
  description?: string;
  timeout_ms?: number;
  retry_config?: { max_retries: number; initial_delay_ms: number; max_delay_ms: number; backoff_multiplier: number };
}

/** A v004 chain definition. */
export interface ChainDefinition {
  start_step: string;
  steps: Record<string, ChainStep>;
}

/**
 * The chain that converts back to `definition`, or null when a chain cannot say it exactly
 * (declared inputs or outputs, non-agent steps, branches or joins, agent actions, retry
 * jitter): a lossy rendering would be worse than none, since callers may post it back.
 */
export function chainOf(definition: WorkflowDefinition): ChainDefinition | null {
  const { steps } = definition;
  if (definition.inputs.length > 0 || Object.keys(definition.outputs).length > 0) return null;
  const next = new Map<string, string>();
  for (const step of steps) {
    if (step.type !== 'agent' || step.action !== undefined || step.dependsOn.length > 1) return null;
    if (step.retry && (step.retry.jitter !== undefined || step.retry.retryOn !== undefined)) return null;
    const [dependency] = step.dependsOn;
    if (dependency === undefined) continue;
    if (next.has(dependency)) return null;
    next.set(dependency, step.id);
  }
  const roots = steps.filter((step) => step.dependsOn.length === 0);
  const [root] = roots;
  if (roots.length !== 1 || root === undefined) return null;
  if (definition.entry && (definition.entry.length !== 1 || definition.entry[0] !== root.id)) return null;

  const out: Record<string, ChainStep> = {};
  for (const step of steps) {
    if (step.type !== 'agent') return null;
    out[step.id] = {
      id: step.id,
      agent_name: step.agent,
      next_step: next.get(step.id) ?? null,
      input_mapping: step.input,
      ...(step.name !== undefined ? { name: step.name } : {}),
      ...(step.description !== undefined ? { description: step.description } : {}),
      ...(step.timeoutMs !== undefined ? { timeout_ms: step.timeoutMs } : {}),
      ...(step.retry
        ? {
            retry_config: {
              max_retries: step.retry.maxRetries,
              initial_delay_ms: step.retry.initialDelayMs,
              max_delay_ms: step.retry.maxDelayMs,
              backoff_multiplier: step.retry.backoffMultiplier,
            },
          }
        : {}),
    };
  }
  return { start_step: root.id, steps: out };
}

/** A workflow posted in the v004 chain shape. */
export interface ChainCreateInput {
  name: string;
  description?: string | null;
  start_step: string;
  steps: Record<string, unknown>;
}

/** A change in the chain shape: a `start_step` or `steps` given alone keeps the other from the current version. */
export interface ChainUpdateInput {
  description?: string | null;
  status?: 'ACTIVE' | 'INACTIVE';
  start_step?: string;
  steps?: Record<string, unknown>;
}

/**
 * A stored version's definition in the chain shape: as posted when it was posted so, else
 * rendered from the canonical form when a chain can say it exactly, else null.
 */
export function chainSourceOf(version: { sourceFormat: string; source: unknown; definition: unknown }): Record<string, unknown> | null {
  if (version.sourceFormat === 'v004' && isPlainObject(version.source)) return version.source;
  return chainOf(version.definition as WorkflowDefinition) as Record<string, unknown> | null;
}
