import type { Prisma, StepRun } from '../db/models.ts';
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

/**
 * How the code that writes for a driver keeps the driver's view of its run current: a committed
 * change to a step row is applied to the view, anything else makes the driver read the run again
 * before its next decision. Every decision is still a compare-and-set on the run's version as
 * read, so a view that missed a change made outside the driver fails its next write, is
 * forgotten and read again.
 */
export interface ViewUpdates {
  /** This change to the step's row was committed. */
  step(stepId: string, change: Partial<StepRun>): void;
  /** The run changed in a way the view does not mirror, or may have: read it again. */
  forget(): void;
}
