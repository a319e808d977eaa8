// Status values are stored as strings; these unions are the only values code may write.

/** Lifecycle of an agent. DELETED is a soft delete. */
export const AGENT_STATUSES = ['ACTIVE', 'INACTIVE', 'DELETED'] as const;
export type AgentStatus = (typeof AGENT_STATUSES)[number];

/** How Flowdeck talks to an agent. */
export const AGENT_PROTOCOLS = ['A2A', 'HTTP'] as const;
export type AgentProtocol = (typeof AGENT_PROTOCOLS)[number];

/** How an agent call authenticates. */
export const AGENT_AUTH_TYPES = ['NONE', 'BEARER', 'APIKEY'] as const;
export type AgentAuthType = (typeof AGENT_AUTH_TYPES)[number];

/** Lifecycle of a workflow. Only ACTIVE workflows can be executed; DELETED is a soft delete. */
export const WORKFLOW_STATUSES = ['ACTIVE', 'INACTIVE', 'ARCHIVED', 'DELETED'] as const;
export type WorkflowStatus = (typeof WORKFLOW_STATUSES)[number];

/** Lifecycle of a run. */
export const RUN_STATUSES = ['PENDING', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** Lifecycle of one step in a run; WAITING holds no worker (timer or signal); SKIPPED marks a branch not taken. */
export const STEP_STATUSES = ['PENDING', 'RUNNING', 'WAITING', 'COMPLETED', 'FAILED', 'CANCELLED', 'SKIPPED'] as const;
export type StepStatus = (typeof STEP_STATUSES)[number];

/** How one attempt at a step ended; INTERRUPTED (its worker died) does not count against retries. */
export const ATTEMPT_STATUSES = ['RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED', 'INTERRUPTED'] as const;
export type AttemptStatus = (typeof ATTEMPT_STATUSES)[number];

/** What started a run. */
export const RUN_TRIGGERS = ['API', 'SCHEDULE', 'RETRY', 'RERUN'] as const;
export type RunTrigger = (typeof RUN_TRIGGERS)[number];

/** Run statuses from which nothing more happens (until retryRun). */
export function isTerminalRun(status: RunStatus): boolean {
  switch (status) {
    case 'COMPLETED':
    case 'FAILED':
    case 'CANCELLED':
      return true;
    case 'PENDING':
    case 'RUNNING':
      return false;
  }
}

/** Narrows a stored string to a status union, failing loudly on data no code could have written. */
export function asStatus<T extends string>(all: readonly T[], value: string): T {
  if ((all as readonly string[]).includes(value)) return value as T;
  throw new Error(`unexpected stored status "${value}"`);
}
