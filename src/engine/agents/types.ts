// Shapes shared by the agent clients; `call.ts` re-exports them as the public API.

/** A registered agent, as much of it as calling it needs. */
export interface AgentTarget {
  id: string;
  name: string;
  url: string;
  protocol: 'A2A' | 'HTTP';
  authType: 'NONE' | 'BEARER' | 'APIKEY';
  /** `{token}` for BEARER, `{key, header?}` for APIKEY (header defaults to `X-API-Key`). */
  authConfig: unknown;
  timeoutMs: number;
}

/** One attempt of one step of one run. */
export interface StepCall {
  runId: string;
  stepId: string;
  attempt: number;
  input: unknown;
  /** The engine's cancellation; when it fires the request is aborted (kind 'aborted'). */
  signal: AbortSignal;
  /** Deadline for the whole attempt, response body included (kind 'timeout'). */
  timeoutMs: number;
}

/** A log line an agent returned with its reply. */
export interface AgentLog {
  level: string;
  message: string;
  data?: unknown;
}

/** What a successful call produced. */
export interface CallResult {
  output: unknown;
  logs: AgentLog[];
  statusCode: number | null;
}

/** A request of the `http` step type, to a service that is not a registered agent. */
export interface HttpStepRequest {
  method: string;
  url: string;
  headers?: Record<string, string>;
  /** Sent as JSON unless undefined. */
  body?: unknown;
}

/** Collaborators of the callers; `now` defaults to `Date.now` (used for Retry-After dates). */
export interface AgentCallerDeps {
  fetch: typeof fetch;
  now?: () => number;
}
