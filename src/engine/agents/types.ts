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
  /** Counts every attempt, redeliveries included; sent as `X-Flowdeck-Attempt`. */
  attempt: number;
  /**
   * Chosen by the engine, the same for every attempt and redelivery of one logical execution of
   * the step, so an agent can deduplicate at-least-once delivery; sent as `Idempotency-Key`.
   */
  idempotencyKey: string;
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

/** Collaborators and limits of the callers. */
export interface AgentCallerDeps {
  fetch: typeof fetch;
  /** Defaults to `Date.now`; used for Retry-After dates and the A2A client cache's expiry. */
  now?: () => number;
  /**
   * Longest reply body read, in bytes (STEP_MAX_OUTPUT_BYTES, default 4 MiB). A longer successful
   * reply fails the attempt without a retry; error replies are only ever read in part.
   */
  maxResponseBytes?: number;
  /** Log entries kept from one reply (STEP_MAX_LOG_ENTRIES, default 100); the rest are counted in a final warning. */
  maxLogEntries?: number;
  /** Bounds of the cache of A2A clients (resolved agent cards) per agent URL and credentials. */
  a2aClientCache?: { maxEntries?: number; ttlMs?: number };
}

/** {@link AgentCallerDeps} with every default applied, as the protocol clients use them. */
export interface CallerRuntime {
  fetch: typeof fetch;
  now: () => number;
  maxResponseBytes: number;
  maxLogEntries: number;
}
