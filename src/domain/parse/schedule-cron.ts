/**
 * Turns a recurrence, its days and its times of day into one standard 5-field cron expression
 * and its description, or into issues when one expression cannot hold them.
 */
import type { MonthDay, Recurrence } from './schedule-recurrence.ts';
import { addIssue, type ScheduleScan } from './schedule-spans.ts';
import type { TimeOfDay, TimeReading } from './schedule-times.ts';
import { DAY_NAMES, formatList, joinWords, MONTH_NAMES, PART_OF_DAY, pad } from './schedule-words.ts';

export interface CronParts {
  rec: Recurrence;
  /** The phrase the recurrence was read from, for issue messages. */
  recText: string;
  /** Days of the week, or null. */
  days: number[] | null;
  time: TimeReading;
  /** The part of the day the recurrence named ("morning"), or null. */
  partOfDay: string | null;
}

export interface BuiltCron {
  cron: string;
  description: string;
}

const clock = (t: TimeOfDay): string => `${pad(t.hour)}:${pad(t.minute)}`;

function describeDays(days: readonly number[]): string {
  const set = [...new Set(days)].sort((a, b) => a - b);
  if (set.join() === '1,2,3,4,5') return 'on weekdays';
  if (set.join() === '0,6') return 'on weekends';
  return `every ${joinWords(set.map((d) => DAY_NAMES[d] ?? String(d)))}`;
}

/** The months a run every `period` months falls in: from January, or ending in December when it runs on the last day. */
function monthsOf(period: number, days: readonly MonthDay[]): number[] | null {
  const last = days.every((d) => d === 'L');
  if (period > 1 && !last && days.includes('L')) return null;
  const months: number[] = [];
  for (let m = last ? period : 1; m <= 12; m += period) months.push(m);
  return months;
}

/** `[1,4,7,10]` → `*\/3`; `[3,6,9,12]` → `3,6,9,12`; all twelve → `*`. */
function formatMonths(months: readonly number[]): string {
  if (months.length === 12) return '*';
  const step = (months[1] ?? 0) - (months[0] ?? 0);
  const fromJanuary = months.length > 1 && months[0] === 1 && months.every((m, i) => m === 1 + i * step) && months.length === 12 / step;
  return fromJanuary ? `*/${step}` : formatList(months);
}

function formatMonthDays(days: readonly MonthDay[]): string {
  const numbers = days.filter((d): d is number => d !== 'L');
  return [...(numbers.length > 0 ? [formatList(numbers)] : []), ...(days.includes('L') ? ['L'] : [])].join(',');
}

function describeMonthDays(days: readonly MonthDay[]): string {
  const words = [...new Set(days)].map((d) => (d === 'L' ? 'the last day' : String(d)));
  if (days.length === 1) return days[0] === 'L' ? 'on the last day' : `on day ${days[0]}`;
  return `on days ${joinWords(words)}`;
}

/** Builds the cron expression, or returns null after adding the issue that prevents one. */
export function buildCron(parts: CronParts, scan: ScheduleScan): BuiltCron | null {
  const { rec, recText, days, time } = parts;
  const fail = (message: string): null => {
    addIssue(scan, message);
    return null;
  };
  const dow = days === null ? '*' : formatList(days);
  const onDays = days === null ? '' : ` ${describeDays(days)}`;

  if (rec.kind === 'minutes' || rec.kind === 'hours') {
    if (time.times.length > 0) {
      return fail(`"${recText}" conflicts with the time of day ${time.times.map(clock).join(', ')}; one cron expression cannot hold both`);
    }
    if (rec.kind === 'minutes') {
      if (time.window !== null || time.start !== null || time.minuteOfHour !== null) {
        return fail(`"${recText}" with a starting time or a time window cannot be written as one cron expression`);
      }
      if (rec.n < 1 || (rec.n > 59 && rec.n % 60 !== 0)) return fail(`"every ${rec.n} minutes" cannot be written as one cron expression`);
      if (rec.n > 59) return { cron: `0 */${rec.n / 60} * * ${dow}`, description: `every ${rec.n / 60} hours${onDays}` };
      return {
        cron: `${rec.n === 1 ? '*' : `*/${rec.n}`} * * * ${dow}`,
        description: `every ${rec.n === 1 ? 'minute' : `${rec.n} minutes`}${onDays}`,
      };
    }
    if (rec.n < 1 || rec.n > 23) return fail(`"every ${rec.n} hours" cannot be written as one cron expression`);
    return hourly(rec.n, time, dow, onDays, fail);
  }

  if (time.window !== null) {
    return fail(`a time window (${clock(time.window.from)} to ${clock(time.window.to)}) needs an interval such as "every hour"`);
  }
  if (time.minuteOfHour !== null) return fail(`"${recText}" conflicts with a minute past the hour; one cron expression cannot hold both`);
  const times = time.start === null ? time.times : [...time.times, time.start];
  const minutes = [...new Set(times.map((t) => t.minute))];
  if (minutes.length > 1) {
    return fail(`times ${times.map(clock).join(', ')} have different minutes; one cron expression cannot hold them`);
  }
  const partHour = parts.partOfDay === null ? undefined : PART_OF_DAY[parts.partOfDay];
  const hours = [...new Set(times.length > 0 ? times.map((t) => t.hour) : [partHour ?? 0])].sort((a, b) => a - b);
  const minute = minutes[0] ?? 0;
  const hourField = formatList(hours);
  const at = `at ${joinWords(hours.map((h) => clock({ hour: h, minute })))}`;

  switch (rec.kind) {
    case 'days':
      if (rec.n < 1 || rec.n > 31) return fail(`"every ${rec.n} days" cannot be written as one cron expression`);
      if (days !== null) return fail(`"${recText}" cannot also be restricted to days of the week in one cron expression`);
      return {
        cron: `${minute} ${hourField} ${rec.n === 1 ? '*' : `*/${rec.n}`} * *`,
        description: `every ${rec.n === 1 ? 'day' : `${rec.n} days`} ${at}`,
      };
    case 'daily':
      if (rec.count !== null && times.length === 0)
        return fail(`"${recText}": say at which ${rec.count} times of day (e.g. "at 9:00 and 17:00")`);
      if (rec.count !== null && hours.length !== rec.count) {
        const listed = hours.map((h) => clock({ hour: h, minute })).join(', ');
        return fail(
          `"${recText}" needs ${rec.count} times of day, but ${hours.length === 1 ? 'one is' : `${hours.length} are`} named (${listed})`,
        );
      }
      return { cron: `${minute} ${hourField} * * ${dow}`, description: `${days === null ? 'every day' : describeDays(days)} ${at}` };
    case 'weekly': {
      const weekDays = days ?? [0];
      if (rec.count !== null && new Set(weekDays).size !== rec.count) {
        return fail(`"${recText}": name the ${rec.count} days of the week (e.g. "on Mondays and Thursdays")`);
      }
      return { cron: `${minute} ${hourField} * * ${formatList(weekDays)}`, description: `${describeDays(weekDays)} ${at}` };
    }
    case 'monthly': {
      if (days !== null) return fail('a monthly schedule cannot also be restricted to days of the week in one cron expression');
      const monthDays = rec.days ?? [1];
      if (rec.count !== null && new Set(monthDays).size !== rec.count) {
        return fail(`"${recText}": name the ${rec.count} days of the month (e.g. "on the 1st and 15th")`);
      }
      const months = monthsOf(rec.period, monthDays);
      if (months === null) return fail(`"${recText}": the last day and other days of a quarter cannot share one cron expression`);
      const of = rec.period === 1 ? 'of every month' : `of ${joinWords(months.map((m) => MONTH_NAMES[m - 1] ?? String(m)))}`;
      return {
        cron: `${minute} ${hourField} ${formatMonthDays(monthDays)} ${formatMonths(months)} *`,
        description: `${describeMonthDays(monthDays)} ${of} ${at}`,
      };
    }
    case 'yearly':
      if (days !== null) return fail(`"${recText}" cannot also be restricted to days of the week in one cron expression`);
      return { cron: `${minute} ${hourField} 1 1 *`, description: `every year on January 1 ${at}` };
  }
}

/** Every `n` hours, perhaps from a starting time ("starting at 1am") or within a window ("from 9am to 5pm"). */
function hourly(n: number, time: TimeReading, dow: string, onDays: string, fail: (message: string) => null): BuiltCron | null {
  const every = n === 1 ? 'every hour' : `every ${n} hours`;
  const step = n === 1 ? '' : `/${n}`;
  const { window, start, minuteOfHour } = time;
  if (window !== null && start !== null) return fail(`"${every}" cannot both start at ${clock(start)} and run from ${clock(window.from)}`);
  const anchor = window?.from ?? start;
  if (anchor !== null && minuteOfHour !== null && anchor.minute !== minuteOfHour) {
    return fail(`"${every}" from ${clock(anchor)} cannot also run at minute ${minuteOfHour}`);
  }
  const minute = anchor?.minute ?? minuteOfHour ?? 0;
  if (window !== null) {
    // The last run is the last hour at this minute that is not after the window's end.
    const last = window.to.minute >= minute ? window.to.hour : window.to.hour - 1;
    if (last < window.from.hour)
      return fail(`the window ${clock(window.from)} to ${clock(window.to)} must end after it starts, within one day`);
    return {
      cron: `${minute} ${window.from.hour}-${last}${step} * * ${dow}`,
      description: `${every} from ${clock(window.from)} to ${clock(window.to)}${onDays}`,
    };
  }
  if (start !== null && start.hour > 0) {
    return { cron: `${minute} ${start.hour}-23${step} * * ${dow}`, description: `${every} from ${clock(start)}${onDays}` };
  }
  return { cron: `${minute} ${n === 1 ? '*' : `*/${n}`} * * ${dow}`, description: `${every} at minute ${minute}${onDays}` };
}
