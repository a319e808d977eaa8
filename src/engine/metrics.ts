// The engine's side of the metrics: what it reports as it calls agents, and a decorator that
// reports it. The engine never imports a metrics library; the server hands it an implementation
// through Resources (absent in code that builds resources without one).

import { type AgentCaller, AgentCallError, type CallFailureKind } from './agents/call.ts';

/** How one call to an agent ended: succeeded, failed (with the failure kind), or cancelled by the run. */
export type AgentCallOutcome =
  { status: 'succeeded' } | { status: 'cancelled' } | { status: 'failed'; kind: Exclude<CallFailureKind, 'aborted'> };

/** What the engine reports about its work, for an operator's metrics. */
export interface EngineMetrics {
  /** One attempt of an `agent` step called `agent` and took `seconds` (wall time of the call). */
  agentCallFinished(agent: string, seconds: number, outcome: AgentCallOutcome): void;
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
 */
export function instrumentCaller(caller: AgentCaller, metrics: EngineMetrics): AgentCaller {
  return {
    async callAgent(agent, call) {
      const started = performance.now();
      const seconds = () => (performance.now() - started) / 1000;
      try {
        const result = await caller.callAgent(agent, call);
        metrics.agentCallFinished(agent.name, seconds(), { status: 'succeeded' });
        return result;
      } catch (error) {
        metrics.agentCallFinished(agent.name, seconds(), outcomeOf(error));
        throw error;
      }
    },
    callHttp: (request, call) => caller.callHttp(request, call),
  };
}
