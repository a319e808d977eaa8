import type { Prisma } from '../db/models.ts';
import type { WorkflowDefinition } from '../domain/definition/schema.ts';
import type { Resources } from '../domain/resources.ts';
import type { StepStatus } from '../domain/statuses.ts';
import type { AgentCaller } from './agents/call.ts';
import type { TransformPool } from './transform-pool.ts';

/** How a worker process executes runs. */
export interface EngineConfig {
  workerId: string;
  leaseMs: number;
  maxParallelSteps: number;
  /** Interrupted deliveries of one step execution before the step fails as poisoned. */
  maxInterruptions: number;
  /** Largest step output stored (serialized JSON bytes); a larger one fails the attempt. */
  maxOutputBytes: number;
}

/** What the executor needs besides the domain resources. */
export interface EngineDeps {
  res: Resources;
  caller: AgentCaller;
  config: EngineConfig;
  random: () => number;
  /** Definitions are immutable per version, so a bounded number of them is cached. */
  definitions: Map<string, WorkflowDefinition>;
  /** Where JSONata transforms run (worker threads with time and memory limits). */
  transforms: TransformPool;
}

/** How many workflow versions a worker keeps parsed; the least recently used go first. */
export const DEFINITION_CACHE_SIZE = 500;

export interface InFlight {
  controller: AbortController;
  done: Promise<void>;
}

export const json = (value: unknown) => (value ?? null) as Prisma.InputJsonValue;
export const DONE: ReadonlySet<StepStatus> = new Set(['COMPLETED', 'SKIPPED']);
