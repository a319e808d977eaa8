// The clients the execution engine uses to run `agent` and `http` steps. Whatever goes wrong,
// callers see one error type, AgentCallError, classified so the engine's retry policy can act
// on `retryable` and `retryAfterMs` without knowing the protocol.

import { callA2AAgent, createA2AClients } from './a2a.ts';
import { DEFAULT_MAX_LOG_ENTRIES, DEFAULT_MAX_RESPONSE_BYTES } from './body.ts';
import { AgentCallError, describeCause } from './errors.ts';
import { callHttpAgent, callHttpService } from './http.ts';
import type { AgentCallerDeps, AgentTarget, CallerRuntime, CallResult, HttpStepRequest, StepCall } from './types.ts';

export { AgentCallError, MAX_ERROR_BODY_CHARS, TRUNCATED_MARKER } from './errors.ts';
export type { AgentCallErrorInit, CallFailureKind } from './errors.ts';
export { DEFAULT_A2A_CLIENT_CACHE } from './a2a.ts';
export { DEFAULT_MAX_LOG_ENTRIES, DEFAULT_MAX_RESPONSE_BYTES } from './body.ts';
export { agentAuthHeaders, ATTEMPT_HEADER, callHeaders } from './http.ts';
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
 * Builds the callers over an injected fetch. Every request carries `Idempotency-Key:
 * <call.idempotencyKey>` and `X-Flowdeck-Attempt: <call.attempt>`, is bounded by `call.timeoutMs`
 * and aborted when `call.signal` fires; reply bodies are read up to `deps.maxResponseBytes` and
 * logs kept up to `deps.maxLogEntries`; every failure is thrown as an {@link AgentCallError}.
 * A2A clients (resolved agent cards) are cached in the returned caller, per agent URL and
 * credentials, within `deps.a2aClientCache`.
 */
export function createAgentCaller(deps: AgentCallerDeps): AgentCaller {
  const runtime: CallerRuntime = {
    fetch: deps.fetch,
    now: deps.now ?? Date.now,
    maxResponseBytes: deps.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES,
    maxLogEntries: deps.maxLogEntries ?? DEFAULT_MAX_LOG_ENTRIES,
  };
  const a2a = createA2AClients(runtime, deps.a2aClientCache);
  return {
    async callAgent(agent, call) {
      try {
        switch (agent.protocol) {
          case 'A2A':
            return await callA2AAgent(runtime, a2a, agent, call);
          case 'HTTP':
            return await callHttpAgent(runtime, agent, call);
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
        return await callHttpService(runtime, request, call);
      } catch (error) {
        throw ensureAgentCallError(`${request.method} ${request.url}`, error);
      }
    },
  };
}
