import { z } from 'zod';

/** What to do with ticks that came and went while no process was running. */
export const MISSED_RUN_POLICIES = ['RUN_IMMEDIATELY', 'SKIP', 'QUEUE'] as const;
export type MissedRunPolicy = (typeof MISSED_RUN_POLICIES)[number];

/** What to do when a tick comes while the schedule's previous run is still active. */
export const OVERLAP_POLICIES = ['ALLOW', 'SKIP', 'BUFFER_ONE', 'CANCEL_OTHER'] as const;
export type OverlapPolicy = (typeof OVERLAP_POLICIES)[number];

// The v2 dialect writes policies in lower case; accept both.
const upper = <T extends readonly [string, ...string[]]>(values: T) =>
  z.preprocess((v) => (typeof v === 'string' ? v.toUpperCase() : v), z.enum(values));

const fields = {
  cronExpression: z.string().trim().min(1, 'is required').max(200),
  timezone: z.string().trim().min(1).max(100),
  inputs: z.record(z.string(), z.unknown()),
  missedRunPolicy: upper(MISSED_RUN_POLICIES),
  overlapPolicy: upper(OVERLAP_POLICIES),
  queueLimit: z.int().min(1).max(1000),
  enabled: z.boolean(),
};

/** Input of createSchedule. */
export const createScheduleSchema = z.object({
  cronExpression: fields.cronExpression,
  timezone: fields.timezone.default('UTC'),
  inputs: fields.inputs.nullish(),
  missedRunPolicy: fields.missedRunPolicy.default('SKIP'),
  overlapPolicy: fields.overlapPolicy.default('ALLOW'),
  queueLimit: fields.queueLimit.default(10),
  enabled: fields.enabled.default(true),
});
export type CreateScheduleInput = z.input<typeof createScheduleSchema>;

/** Input of updateSchedule: only given fields change. */
export const updateScheduleSchema = z.object({
  cronExpression: fields.cronExpression.optional(),
  timezone: fields.timezone.optional(),
  inputs: fields.inputs.nullish(),
  missedRunPolicy: fields.missedRunPolicy.optional(),
  overlapPolicy: fields.overlapPolicy.optional(),
  queueLimit: fields.queueLimit.optional(),
  enabled: fields.enabled.optional(),
});
export type UpdateScheduleInput = z.input<typeof updateScheduleSchema>;
