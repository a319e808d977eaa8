import { z } from 'zod';
import { RUN_STATUSES, RUN_TRIGGERS } from '../statuses.ts';

/** Input of executeWorkflow (besides which workflow). */
export const executeSchema = z.object({
  input: z.record(z.string(), z.unknown()).nullish(),
  idempotencyKey: z.string().trim().min(1).max(255).nullish(),
  /** The conversation (chat thread) the run belongs to, as the caller names it; stored and filterable. */
  conversationId: z.string().trim().min(1).max(255).nullish(),
  /** The end user the run is for, as the caller names them; stored as given. */
  userId: z.string().trim().min(1).max(255).nullish(),
});
export type ExecuteInput = z.input<typeof executeSchema>;

/** Filters for listing runs. */
export const runFilterSchema = z.object({
  status: z.array(z.enum(RUN_STATUSES)).nullish(),
  workflowId: z.string().nullish(),
  /** The workflow's key (stable across versions), rather than its id. */
  workflowKey: z.string().trim().min(1).max(255).nullish(),
  triggeredBy: z.enum(RUN_TRIGGERS).nullish(),
  createdAfter: z.date().nullish(),
  createdBefore: z.date().nullish(),
  conversationId: z.string().max(255).nullish(),
  userId: z.string().max(255).nullish(),
  /** A schedule's database id. */
  scheduleId: z.string().max(255).nullish(),
  /** Words every matching run has (src/domain/run-search.ts). */
  search: z.string().max(500).nullish(),
});
export type RunFilter = z.input<typeof runFilterSchema>;

/** Input of cancelRun. */
export const cancelSchema = z.object({
  reason: z.string().trim().max(2000).nullish(),
  by: z.string().trim().max(255).nullish(),
});
