// Status values of schedule ticks and backfill jobs, stored as strings (prisma/models.prisma);
// the scheduler (engine/scheduler-firing.ts) and schedules.ts write only these.

/** What came of one schedule tick: it started a run, was skipped, or waits for the active run (BUFFER_ONE). */
export const TICK_STATUSES = ['FIRED', 'SKIPPED', 'BUFFERED'] as const;
export type TickStatus = (typeof TICK_STATUSES)[number];

/** Progress of a backfill job. */
export const BACKFILL_STATUSES = ['PENDING', 'RUNNING', 'COMPLETED'] as const;
export type BackfillStatus = (typeof BACKFILL_STATUSES)[number];
