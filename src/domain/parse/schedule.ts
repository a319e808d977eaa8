/**
 * Finds the schedule phrase of an instruction ("every Monday at 9am", "daily at 18:30",
 * "every 15 minutes", "on weekdays at 8", "on the 1st and 15th of every month", "each quarter",
 * "twice a day, at 9:00 and 17:00") and turns it into a standard 5-field cron expression
 * (minute hour day-of-month month day-of-week, Sunday = 0), plus an IANA time zone when the
 * text names one. The phrase is cut out of the text, so what remains is only the actions.
 *
 * Recurrences are recognised by patterns (schedule-recurrence.ts); the time of day by
 * chrono-node once times said in words are in digits (schedule-clock.ts), corrected where it
 * misreads schedules (schedule-times.ts); the zone by name
 * (schedule-zones.ts); the cron is assembled in schedule-cron.ts. A time without any
 * recurrence ("send it at 5pm") makes no schedule: there is nothing to repeat. Phrases that
 * one cron expression cannot express (two different minutes, "every hour" and "every Monday
 * at 9", "first Monday of the month", "every other week") are reported as issues rather than
 * guessed.
 */
import { CronPattern } from 'croner';
import type { Issue } from '../definition/schema.ts';
import { buildCron } from './schedule-cron.ts';
import { readRecurrences } from './schedule-recurrence.ts';
import { addIssue, createScan, removeSpans } from './schedule-spans.ts';
import { readTimes } from './schedule-times.ts';
import { readZone } from './schedule-zones.ts';

/** A schedule read from the instruction. */
export interface ParsedSchedule {
  /** Standard 5-field cron: minute hour day-of-month month day-of-week (0 = Sunday). */
  cron: string;
  /** IANA zone named by the text (`America/New_York` for "EST"), or null for the server's default (UTC). */
  timezone: string | null;
  /** The cron in words, e.g. "every Monday at 09:00". */
  description: string;
}

export interface ScheduleExtraction {
  schedule: ParsedSchedule | null;
  /** The instruction with the schedule phrase removed. */
  text: string;
  /** Schedule phrases that could not be turned into one cron expression. */
  issues: Issue[];
  /** Remarks for the caller (e.g. a time of day without a recurrence). */
  notes: string[];
}

/** Extracts the schedule from `input`. Pure: the same text always gives the same result. */
export function extractSchedule(input: string): ScheduleExtraction {
  const scan = createScan(input);
  const notes: string[] = [];
  const recurrence = readRecurrences(scan);
  const timezone = readZone(scan);
  const time = readTimes(scan, recurrence.partOfDay);
  const { issues } = scan;

  if (recurrence.found.length === 0 && recurrence.days === null) {
    if (issues.length === 0) {
      if (recurrence.looseMonthDays !== null) {
        notes.push(`"${recurrence.looseMonthDays}" names days of the month but no period; say "of every month" to repeat it`);
      } else if (time.mentioned > 0) {
        notes.push('a time of day was found but no recurrence ("every …", "daily", "on Mondays"), so no schedule was set');
      }
      // Nothing here repeats, so every word stays part of the actions.
      return { schedule: null, text: input.trim(), issues, notes };
    }
    return { schedule: null, text: removeSpans(input, [...scan.cuts, ...scan.softCuts]), issues, notes };
  }

  const text = removeSpans(input, [...scan.cuts, ...scan.softCuts]);
  const [first, ...others] = recurrence.found;
  if (others.length > 0) {
    addIssue(
      scan,
      `conflicting schedule phrases: ${recurrence.found.map((f) => `"${f.text}"`).join(' and ')}; one workflow has one schedule`,
    );
  }
  if (issues.length > 0) return { schedule: null, text, issues, notes };

  const built = buildCron(
    {
      rec: first?.rec ?? { kind: 'weekly', count: null },
      recText: first?.text ?? '',
      days: recurrence.days,
      time,
      partOfDay: recurrence.partOfDay,
    },
    scan,
  );
  if (built === null) return { schedule: null, text, issues, notes };
  try {
    new CronPattern(built.cron, undefined, { mode: '5-part' });
  } catch (error) {
    addIssue(scan, `could not build a valid cron expression (${built.cron}): ${(error as Error).message}`);
    return { schedule: null, text, issues, notes };
  }
  const description = timezone === null ? built.description : `${built.description} (${timezone})`;
  return { schedule: { cron: built.cron, timezone, description }, text, issues, notes };
}
