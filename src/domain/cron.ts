import { Cron } from 'croner';
import type { FieldIssue } from './errors.ts';

/** Checks a 5-field cron expression and an IANA timezone; returns every problem found. */
export function cronIssues(expression: string, timezone: string): FieldIssue[] {
  const issues: FieldIssue[] = [];
  if (expression.trim().split(/\s+/).length !== 5) {
    issues.push({ path: 'cronExpression', message: `"${expression}" must have 5 fields: minute hour day-of-month month day-of-week` });
  } else {
    try {
      new Cron(expression, { paused: true });
    } catch (error) {
      issues.push({ path: 'cronExpression', message: `"${expression}" is not a valid cron expression: ${(error as Error).message}` });
    }
  }
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
  } catch {
    issues.push({ path: 'timezone', message: `"${timezone}" is not an IANA timezone (e.g. "UTC", "America/New_York")` });
  }
  return issues;
}

function cron(expression: string, timezone: string): Cron {
  return new Cron(expression, { timezone, paused: true });
}

/** The first fire time strictly after `after`, in the schedule's timezone (DST included). */
export function nextFireTime(expression: string, timezone: string, after: Date): Date | null {
  return cron(expression, timezone).nextRun(after);
}

/** Up to `count` fire times strictly after `after`. */
export function nextFireTimes(expression: string, timezone: string, after: Date, count: number): Date[] {
  return cron(expression, timezone).nextRuns(count, after);
}

/** Fire times in [from, to] (both inclusive), at most `limit` of them, oldest first. */
export function fireTimesBetween(expression: string, timezone: string, from: Date, to: Date, limit: number): Date[] {
  const job = cron(expression, timezone);
  const out: Date[] = [];
  // croner's nextRun is strictly after its argument; step back 1 ms so `from` itself counts.
  let next = job.nextRun(new Date(from.getTime() - 1));
  while (next && next <= to && out.length < limit) {
    out.push(next);
    next = job.nextRun(next);
  }
  return out;
}
