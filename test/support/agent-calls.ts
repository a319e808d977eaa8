// Fixtures for tests that call the agent clients directly: a registered agent and one step call.

import type { AgentTarget, StepCall } from '../../src/engine/agents/call.ts';

/** A registered HTTP agent at `url` (override protocol, auth or timeout as needed). */
export function agentTarget(url: string, overrides: Partial<AgentTarget> = {}): AgentTarget {
  return { id: 'agent-1', name: 'billing', url, protocol: 'HTTP', authType: 'NONE', authConfig: null, timeoutMs: 5000, ...overrides };
}

/** The first attempt of step `charge` of run `run-1`. */
export function stepCall(overrides: Partial<StepCall> = {}): StepCall {
  return {
    runId: 'run-1',
    stepId: 'charge',
    attempt: 1,
    idempotencyKey: 'run-1:charge:k1',
    input: { amount: 42 },
    signal: new AbortController().signal,
    timeoutMs: 5000,
    ...overrides,
  };
}
