// Row types shared by both providers' clients (they are generated from the same models).
export type {
  Agent,
  ApiKey,
  BackfillJob,
  BulkRunOperation,
  BulkRunOperationItem,
  Prisma,
  Run,
  RunEvent,
  RunTombstone,
  Schedule,
  ScheduleTick,
  StepAttempt,
  StepRun,
  Tenant,
  WorkerHeartbeat,
  Workflow,
  WorkflowVersion,
  Workspace,
} from './generated/sqlite/client.ts';

/** True when a Prisma error is a unique-constraint violation (same code from every adapter). */
export function isUniqueViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'P2002';
}

import { Prisma as SqlitePrisma } from './generated/sqlite/client.ts';

/**
 * A JSON column value for a write: undefined leaves the column alone, null clears it (Prisma
 * wants its DbNull marker for that, shared by both providers' runtime), anything else is stored.
 */
export function jsonInput(value: unknown): SqlitePrisma.InputJsonValue | typeof SqlitePrisma.DbNull | undefined {
  if (value === undefined) return undefined;
  if (value === null) return SqlitePrisma.DbNull;
  return value;
}
