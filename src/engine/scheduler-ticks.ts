// Which of a schedule's due ticks fire: pure functions of the cron expression, the schedule's
// policies and "now", so the scheduler and its tests agree on them.
import { Cron } from 'croner';
import { fireTimesBetween } from '../domain/cron.ts';
import type { MissedRunPolicy } from '../domain/schemas/schedule.ts';

/** The least lateness after which a tick counts as missed (the scheduler was down), not late. */
export const MISSED_AFTER_MS = 60_000;

/** Poll intervals a tick may be late by and still count as on time. */
const POLLS_OF_GRACE = 3;

/**
 * How late a tick may be handled and still count as on time. A live scheduler sees a tick up to
 * one poll interval after it came due (more if a pass is slow), so the threshold grows with the
 * poll interval: otherwise a WORKER_POLL_MS above a minute would make every live tick "missed".
 */
export function missedAfterMs(pollMs: number): number {
  return Math.max(MISSED_AFTER_MS, POLLS_OF_GRACE * pollMs);
}

/**
 * Decides which of a schedule's due ticks (oldest first) fire, by its missed-run policy: ticks
 * within `missedAfter` ms of their time always fire; older ones (missed while every process was
 * down) fire all (QUEUE, capped at queueLimit, newest kept), once (RUN_IMMEDIATELY: one catch-up
 * run at the latest missed tick) or not at all (SKIP). The result is always a suffix of `due`,
 * which is what lets the scheduler work through it in chunks (see {@link dueTicks}).
 */
export function ticksToFire(due: Date[], now: Date, policy: MissedRunPolicy, queueLimit: number, missedAfter: number): Date[] {
  const missed = due.filter((t) => now.getTime() - t.getTime() > missedAfter);
  const onTime = due.filter((t) => now.getTime() - t.getTime() <= missedAfter);
  switch (policy) {
    case 'QUEUE':
      return [...missed.slice(-queueLimit), ...onTime];
    case 'RUN_IMMEDIATELY':
      return [...missed.slice(-1), ...onTime];
    case 'SKIP':
      return onTime;
  }
}

/**
 * The fire times in [from, now] that {@link ticksToFire} could pick, oldest first: all of them
 * normally, but only the newest ones after a long outage. Every policy keeps at most `keep`
 * missed ticks plus the on-time ones, and on-time ticks are at most one per minute of
 * `missedAfter` (cron has minute resolution), so older ticks can never fire and enumerating
 * them (half a million for a per-minute schedule down a year) would only pick the wrong ones.
 */
export function dueTicks(
  expression: string,
  timezone: string,
  from: Date,
  now: Date,
  policy: MissedRunPolicy,
  queueLimit: number,
  missedAfter: number,
): Date[] {
  const keep = policy === 'QUEUE' ? queueLimit : policy === 'RUN_IMMEDIATELY' ? 1 : 0;
  // +2: the tick exactly `missedAfter` ago, and an hour repeated when DST ends.
  const limit = keep + Math.ceil(missedAfter / 60_000) + 2;
  const forward = fireTimesBetween(expression, timezone, from, now, limit + 1);
  if (forward.length <= limit) return forward;
  // croner's previousRuns is strictly before its reference, except within the same second.
  const newest = new Cron(expression, { timezone, paused: true }).previousRuns(limit, new Date(now.getTime() + 1));
  return newest.filter((t) => t.getTime() >= from.getTime()).reverse();
}
