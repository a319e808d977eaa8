/**
 * v004 "chain" shape: `{ start_step, steps: { [id]: { agent_name, next_step, ... } } }`.
 * Also home of the helpers shared by the other legacy converters.
 */
import { appendPath } from './references.ts';
import { type Issue, isPlainObject } from './schema.ts';

/** Result of a legacy conversion: a canonical candidate (still to be validated) and the problems found on the way. */
export interface LegacyConversion {
  definition: unknown;
  /** Paths are relative to the submitted legacy document, not to the canonical candidate. */
  issues: Issue[];
}

/** Copy without undefined members, so candidates stay plain JSON and zod defaults apply. */
export function defined(obj: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(obj)) if (value !== undefined) out[key] = value;
  return out;
}

/** `{ max_retries, initial_delay_ms, max_delay_ms, backoff_multiplier, jitter, retry_on }` → canonical retry. */
export function retryFromLegacy(raw: unknown): unknown {
  if (raw === undefined || raw === null) return undefined;
  // Anything else than an object is passed through so the validator reports it.
  if (!isPlainObject(raw)) return raw;
  return defined({
    maxRetries: raw.max_retries,
    initialDelayMs: raw.initial_delay_ms,
    maxDelayMs: raw.max_delay_ms,
    backoffMultiplier: raw.backoff_multiplier,
    jitter: raw.jitter,
    retryOn: raw.retry_on,
  });
}

/** Value when it is a string, else undefined (legacy documents are loosely typed). */
export function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** Converts a v004 chain definition. Never throws; problems are returned as issues. */
export function fromV004(body: unknown): LegacyConversion {
  const issues: Issue[] = [];
  if (!isPlainObject(body)) {
    return { definition: body, issues: [{ path: '', message: 'definition must be an object' }] };
  }
  const rawSteps = body.steps;
  if (!isPlainObject(rawSteps)) {
    issues.push({ path: 'steps', message: '"steps" must be an object keyed by step id' });
    return { definition: { steps: [] }, issues };
  }
  const ids = Object.keys(rawSteps);
  const has = (id: unknown): id is string => typeof id === 'string' && Object.hasOwn(rawSteps, id);

  const start = body.start_step;
  let entry: string[] | undefined;
  if (typeof start !== 'string' || start === '') {
    issues.push({ path: 'start_step', message: '"start_step" is missing; it must name the first step' });
  } else if (!has(start)) {
    issues.push({ path: 'start_step', message: `start_step "${String(start)}" does not name a step in "steps"` });
  } else {
    entry = [start];
  }

  const next = new Map<string, string>();
  for (const id of ids) {
    const raw = rawSteps[id];
    if (!isPlainObject(raw) || raw.next_step === undefined || raw.next_step === null) continue;
    if (has(raw.next_step)) next.set(id, raw.next_step);
    else
      issues.push({
        path: appendPath(appendPath('steps', id), 'next_step'),
        stepId: id,
        message: `step "${id}": next_step ${JSON.stringify(raw.next_step)} does not exist`,
      });
  }

  // Chain order first, so the canonical list reads like the chain did.
  const order: string[] = [];
  const seen = new Set<string>();
  for (let cur = entry?.[0]; cur !== undefined && !seen.has(cur); cur = next.get(cur)) {
    order.push(cur);
    seen.add(cur);
  }
  for (const id of ids) if (!seen.has(id)) order.push(id);

  const steps = order.map((id) => {
    const at = appendPath('steps', id);
    const raw = rawSteps[id];
    const dependsOn = ids.filter((other) => next.get(other) === id);
    if (!isPlainObject(raw)) {
      issues.push({ path: at, stepId: id, message: `step "${id}" must be an object` });
      return { id, type: 'agent', dependsOn };
    }
    if (raw.id !== undefined && raw.id !== id) {
      issues.push({
        path: appendPath(at, 'id'),
        stepId: id,
        message: `step "${id}": id ${JSON.stringify(raw.id)} differs from its key "${id}"`,
      });
    }
    const agent = str(raw.agent_name);
    if (agent === undefined || agent === '') {
      issues.push({ path: appendPath(at, 'agent_name'), stepId: id, message: `step "${id}": agent_name is missing` });
    }
    return defined({
      id,
      type: 'agent',
      name: str(raw.name),
      description: str(raw.description),
      dependsOn,
      input: raw.input_mapping ?? {},
      agent,
      timeoutMs: raw.timeout_ms,
      retry: retryFromLegacy(raw.retry_config),
    });
  });

  return { definition: defined({ steps, entry }), issues };
}
