// Seed 003's schedule bodies. Cron expressions and timezones are checked by the domain (an
// invalid one answers 400 naming the field); these check the documented shape.
import { z } from '@hono/zod-openapi';
import type { Schedule } from '../../db/models.ts';
import type { MissedRunPolicy } from '../../domain/schemas/schedule.ts';
import { iso, JsonObject } from '../schemas.ts';
import { Success } from './workflow-schemas.ts';

const POLICIES = ['run_immediately', 'skip', 'queue'] as const;
type Policy = (typeof POLICIES)[number];

/** The domain's policy for a documented one (the same words, upper case). */
export const policyInput = (policy: Policy | undefined): MissedRunPolicy | undefined =>
  policy?.toUpperCase() as MissedRunPolicy | undefined;

const Cron = z.string().trim().min(1).max(200).openapi({
  description:
    'Standard 5-field cron expression (minute hour day-of-month month day-of-week). Example: "0 9 * * 1" for every Monday at 9am.',
  example: '0 9 * * 1',
});
const Timezone = z
  .string()
  .trim()
  .min(1)
  .max(100)
  .openapi({ description: 'IANA timezone identifier, e.g. `America/New_York`.', example: 'America/New_York' });
const Inputs = JsonObject.openapi({ description: 'Inputs passed to each scheduled execution.', example: { date_range: 'LAST_WEEK' } });
const Policy = z.enum(POLICIES).openapi({
  description:
    'What happens to runs missed while no server was running: `run_immediately` (one catch-up run), `skip` (resume at the next tick), `queue` (run every missed tick, up to 10).',
});

/** Body of POST /api/v2/workflows/:id/schedules. */
export const V2ScheduleCreate = z
  .object({
    cron_expression: Cron,
    timezone: Timezone.default('UTC').openapi({ description: 'IANA timezone identifier. Default: `UTC`.' }),
    inputs: Inputs.optional(),
    missed_execution_policy: Policy.optional().openapi({ description: 'How to handle missed runs (default `skip`).' }),
  })
  .openapi('V2ScheduleCreate');

/** Body of PATCH /api/v2/workflows/:id/schedules/:scheduleId. */
export const V2ScheduleUpdate = z
  .object({
    cron_expression: Cron.optional(),
    timezone: Timezone.optional(),
    inputs: Inputs.optional(),
    enabled: z.boolean().optional().openapi({ description: 'Enable or disable the schedule.' }),
    missed_execution_policy: Policy.optional(),
  })
  .openapi('V2ScheduleUpdate', {
    description: 'Only the given fields change; a new cron expression, timezone or re-enabling recomputes `next_run_at`.',
  });

/** The `:id` and `:scheduleId` path parameters. */
export const V2ScheduleParams = z.object({
  id: z.string().openapi({ param: { name: 'id', in: 'path' }, description: 'The workflow ID (a UUID).' }),
  scheduleId: z.string().openapi({ param: { name: 'scheduleId', in: 'path' }, description: 'The schedule ID (a UUID).' }),
});

/** A schedule (the same fields in every answer). */
export const V2Schedule = z
  .object({
    id: z.string().openapi({ description: 'The schedule ID (a UUID).' }),
    workflow_id: z.string().openapi({ description: 'The workflow it executes.' }),
    cron_expression: z.string().openapi({ description: 'The 5-field cron expression.' }),
    timezone: z.string().openapi({ description: 'The IANA timezone the expression is read in (daylight saving included).' }),
    inputs: JsonObject.openapi({ description: 'Inputs of each scheduled execution.' }),
    missed_execution_policy: Policy,
    enabled: z.boolean().openapi({ description: 'Whether it fires.' }),
    next_run_at: z
      .string()
      .nullable()
      .openapi({ format: 'date-time', description: 'Its next fire time (UTC, ISO 8601); null while disabled.' }),
    last_run_at: z.string().nullable().openapi({ format: 'date-time', description: 'The last time it fired; null before the first.' }),
    created_at: z.string().openapi({ format: 'date-time', description: 'When it was created.' }),
    updated_at: z.string().openapi({ format: 'date-time', description: 'When it last changed.' }),
  })
  .openapi('V2Schedule');

/** `{success, schedule}`. */
export const V2ScheduleResponse = z.object({ success: Success, schedule: V2Schedule }).openapi('V2ScheduleResponse');

/** `{success, schedules, count}`. */
export const V2ScheduleListResponse = z
  .object({
    success: Success,
    schedules: z.array(V2Schedule).openapi({ description: 'Every schedule of the workflow, oldest first.' }),
    count: z.number().int().openapi({ description: 'How many there are.' }),
  })
  .openapi('V2ScheduleListResponse');

/** A schedule in the documented shape. */
export function scheduleBody(schedule: Schedule): z.output<typeof V2Schedule> {
  return {
    id: schedule.id,
    workflow_id: schedule.workflowId,
    cron_expression: schedule.cronExpression,
    timezone: schedule.timezone,
    inputs: (schedule.inputs ?? {}) as Record<string, unknown>,
    missed_execution_policy: schedule.missedRunPolicy.toLowerCase() as Policy,
    enabled: schedule.enabled,
    next_run_at: iso(schedule.nextRunAt),
    last_run_at: iso(schedule.lastRunAt),
    created_at: schedule.createdAt.toISOString(),
    updated_at: schedule.updatedAt.toISOString(),
  };
}
