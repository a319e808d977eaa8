// The clients the execution engine uses to run `agent` and `http` steps. Whatever goes wrong,
// callers see one error type, AgentCallError, classified so the engine's retry policy can act
// on `retryable` and `retryAfterMs` without knowing the protocol.

import { callA2AAgent } from './a2a.ts';
import { AgentCallError, describeCause } from './errors.ts';
import { callHttpAgent, callHttpService } from './http.ts';
import type { AgentCallerDeps, AgentTarget, CallResult, HttpStepRequest, StepCall } from './types.ts';

export { AgentCallError, MAX_ERROR_BODY_CHARS, TRUNCATED_MARKER } from './errors.ts';
export type { AgentCallErrorInit, CallFailureKind } from './errors.ts';
export { agentAuthHeaders, idempotencyKey } from './http.ts';
export type { AgentCallerDeps, AgentLog, AgentTarget, CallResult, HttpStepRequest, StepCall } from './types.ts';

/** Calls agents and HTTP services for step attempts. */
export interface AgentCaller {
  /** Runs one attempt of an `agent` step against a registered agent (A2A or HTTP). */
  callAgent(agent: AgentTarget, call: StepCall): Promise<CallResult>;
  /** Runs one attempt of an `http` step: the given method, URL, headers and JSON body. */
  callHttp(request: HttpStepRequest, call: StepCall): Promise<CallResult>;
}

/** Anything that escaped classification is a bug on one side or the other, so never retried. */
function ensureAgentCallError(label: string, error: unknown): AgentCallError {
  if (error instanceof AgentCallError) return error;
  return new AgentCallError(`${label}: unexpected failure: ${describeCause(error)}`, { kind: 'protocol', cause: error });
}

/**
 * Builds the callers over an injected fetch. Every request carries
 * `Idempotency-Key: <runId>:<stepId>:<attempt>`, is bounded by `call.timeoutMs` and aborted when
 * `call.signal` fires; every failure is thrown as an {@link AgentCallError}.
 */
export function createAgentCaller(deps: AgentCallerDeps): AgentCaller {
  return {
    async callAgent(agent, call) {
      try {
        switch (agent.protocol) {
          case 'A2A':
            return await callA2AAgent(deps, agent, call);
          case 'HTTP':
            return await callHttpAgent(deps, agent, call);
          default:
            throw new AgentCallError(`agent "${agent.name}" has unknown protocol ${String(agent.protocol)}`, {
              kind: 'protocol',
            });
        }
      } catch (error) {
        throw ensureAgentCallError(`agent "${agent.name}"`, error);
      }
    },
    async callHttp(request, call) {
      try {
        return await callHttpService(deps, request, call);
      } catch (error) {
        throw ensureAgentCallError(`${request.method} ${request.url}`, error);
      }
    },
  };
}
