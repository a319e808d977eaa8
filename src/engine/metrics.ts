// The engine's side of the metrics: what it reports as it calls agents, and a decorator that
// reports it. The engine never imports a metrics library; the server hands it an implementation
// through Resources (absent in code that builds resources without one).

import { type AgentCaller, AgentCallError, type CallFailureKind } from './agents/call.ts';

/** How one call to an agent ended: succeeded, failed (with the failure kind), or cancelled by the run. */
export type AgentCallOutcome =
  { status: 'succeeded' } | { status: 'cancelled' } | { status: 'failed'; kind: Exclude<CallFailureKind, 'aborted'> };

/** What the engine reports about its work, for an operator's metrics. */
export interface EngineMetrics {
  /**
   * One attempt of an `agent` step called `agent` and took `seconds` (wall time of the call).
   * `agent` is the agent's name, or {@link OTHER_AGENTS} once too many names have been seen.
   */
  agentCallFinished(agent: string, seconds: number, outcome: AgentCallOutcome): void;
}

/** Distinct agent names reported per instrumented caller before the rest are folded together. */
export const DEFAULT_MAX_AGENT_LABELS = 100;
/** The name reported for every agent beyond the first {@link DEFAULT_MAX_AGENT_LABELS}. */
export const OTHER_AGENTS = 'other';

/** Options of {@link instrumentCaller}. */
export interface InstrumentOptions {
  /** Distinct agent names reported as such; the rest are reported as {@link OTHER_AGENTS}. */
  maxAgentLabels?: number;
}

/** The outcome of a call that threw `error` (the caller only throws AgentCallError). */
function outcomeOf(error: unknown): AgentCallOutcome {
  const kind: CallFailureKind = error instanceof AgentCallError ? error.kind : 'protocol';
  // An abort is the run being cancelled or failed elsewhere, not the agent misbehaving.
  return kind === 'aborted' ? { status: 'cancelled' } : { status: 'failed', kind };
}

/**
 * Wraps an agent caller so every `agent` step attempt is timed and reported to `metrics`.
 * Durations use the monotonic clock, not the injectable Clock: they measure real I/O, which a
 * test's frozen clock would report as zero. `http` steps call services, not agents, and are
 * passed through unmeasured.
 *
 * Agent names are chosen by API callers and become a metrics label, so every new name would be
 * a new set of series for the life of the process: only the first `maxAgentLabels` names seen
 * are reported as themselves, later ones as {@link OTHER_AGENTS}.
 */
export function instrumentCaller(caller: AgentCaller, metrics: EngineMetrics, options: InstrumentOptions = {}): AgentCaller {
  const maxLabels = options.maxAgentLabels ?? DEFAULT_MAX_AGENT_LABELS;
  const labelled = new Set<string>();
  const labelOf = (name: string): string => {
    if (labelled.has(name)) return name;
    if (labelled.size >= maxLabels) return OTHER_AGENTS;
    labelled.add(name);
    return name;
  };
  return {
    async callAgent(agent, call) {
      const started = performance.now();
      const seconds = () => (performance.now() - started) / 1000;
      try {
        const result = await caller.callAgent(agent, call);
        metrics.agentCallFinished(labelOf(agent.name), seconds(), { status: 'succeeded' });
        return result;
      } catch (error) {
        metrics.agentCallFinished(labelOf(agent.name), seconds(), outcomeOf(error));
        throw error;
      }
    },
    callHttp: (request, call) => caller.callHttp(request, call),
  };
}
