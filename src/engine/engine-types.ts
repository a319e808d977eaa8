import type { Prisma } from '../db/models.ts';
import type { WorkflowDefinition } from '../domain/definition/schema.ts';
import type { Resources } from '../domain/resources.ts';
import type { StepStatus } from '../domain/statuses.ts';
import type { AgentCaller } from './agents/call.ts';

/** How a worker process executes runs. */
export interface EngineConfig {
  workerId: string;
  leaseMs: number;
  maxParallelSteps: number;
}

/** What the executor needs besides the domain resources. */
export interface EngineDeps {
  res: Resources;
  caller: AgentCaller;
  config: EngineConfig;
  random: () => number;
  /** Definitions are immutable per version, so they are cached for the process's life. */
  definitions: Map<string, WorkflowDefinition>;
}

export interface InFlight {
  controller: AbortController;
  done: Promise<void>;
}

export const json = (value: unknown) => (value ?? null) as Prisma.InputJsonValue;
export const DONE: ReadonlySet<StepStatus> = new Set(['COMPLETED', 'SKIPPED']);
