/**
 * The recurrence of a schedule phrase: how often ("every 15 minutes", "twice a day", "every
 * quarter"), on which days of the month ("on the 1st and 15th of every month") and of the week
 * ("on weekdays", "every Monday and Thursday"), and the part of the day ("every morning").
 * Phrases that one standard cron expression cannot express ("every other week", "the first
 * Monday of the month", "every 30 seconds") become issues, never an approximate cron.
 */
import { addIssue, type ScheduleScan, scanAll } from './schedule-spans.ts';
import { ADJ, ANY_DAY, COUNT, countOf, dayIndex, FULL_DAY, LIST_SEP, monthDaysOf, ORDINAL_DAY } from './schedule-words.ts';

/** A day of the month: 1…31, or 'L' for the last one. */
export type MonthDay = number | 'L';

export type Recurrence =
  | { kind: 'minutes'; n: number }
  | { kind: 'hours'; n: number }
  | { kind: 'days'; n: number }
  /** `count`: how many times a day ("twice a day"), null when not said. */
  | { kind: 'daily'; count: number | null }
  | { kind: 'weekly'; count: number | null }
  /** `period`: months between runs (3 = quarterly); `days` null when no day was named. */
  | { kind: 'monthly'; days: MonthDay[] | null; period: number; count: number | null }
  | { kind: 'yearly' };

/** A recurrence and the phrase it was read from. */
export interface Found {
  rec: Recurrence;
  text: string;
}

export interface RecurrenceReading {
  /** The recurrences, merged where two phrases say the same thing; more than one is a conflict. */
  found: Found[];
  /** Days of the week (0 = Sunday), or null when none was named. */
  days: number[] | null;
  /** The part of the day named with the recurrence ("every evening" → evening), or null. */
  partOfDay: string | null;
  /** Days of the month named without a period ("on the 1st and the 15th"), which alone repeat nothing. */
  looseMonthDays: string | null;
}

const PERIOD_OF_UNIT: Readonly<Record<string, number>> = { month: 1, quarter: 3 };
/** How many times a…: "twice", "three times", "once". */
const TIMES = `(once|twice|thrice|${COUNT}\\s+times)`;
const MONTH_DAY_LIST = `${ORDINAL_DAY}(?:${LIST_SEP}(?:the\\s+)?${ORDINAL_DAY})*`;
/** Also bare numbers: "15 of each month". */
const LOOSE_MONTH_DAY_LIST = `(?:${ORDINAL_DAY}|\\d{1,2})(?:${LIST_SEP}(?:the\\s+)?(?:${ORDINAL_DAY}|\\d{1,2}))*`;

function timesOf(word: string): number {
  return countOf(word.replace(/\s+times$/i, ''));
}

/** Reads every recurrence phrase of `scan.input`, cutting each one. */
export function readRecurrences(scan: ScheduleScan): RecurrenceReading {
  const found: Found[] = [];
  let partOfDay: string | null = null;
  const take = (pattern: RegExp, toRec: (m: RegExpExecArray) => Recurrence | null): void => {
    scanAll(scan, pattern, (m) => {
      const rec = toRec(m);
      if (rec !== null) found.push({ rec, text: m[0].trim() });
    });
  };
  let weekly = false;
  const refuse = (pattern: RegExp, why: string, ofWeeks = false): void => {
    take(pattern, (m) => {
      weekly ||= ofWeeks;
      addIssue(scan, `"${m[0].trim()}" cannot be written as a standard 5-field cron expression: ${why}`);
      return null;
    });
  };

  refuse(
    new RegExp(
      `\\b(?:every|each)\\s+(?:other|second|alternate|2nd)\\s+(?:week|${FULL_DAY})\\b|\\b(?:every|each)\\s+(?:[2-9]|\\d{2,}|two|three|four|five|six)\\s+weeks\\b|${ADJ}(?:bi-?weekly|fortnightly)\\b|\\bevery\\s+fortnight\\b|\\b(?:on\\s+)?alternate\\s+(?:weeks|${FULL_DAY})\\b`,
    ),
    'cron has no count of weeks; name days of the month, or run it every week',
    true,
  );
  refuse(
    new RegExp(
      `\\b(?:on\\s+)?(?:the\\s+)?(?:first|second|third|fourth|last|1st|2nd|3rd|4th)\\s+(?:${FULL_DAY}|weekday|business\\s+day|working\\s+day|workday)\\s+(?:of\\s+)?(?:every|each|the|a)\\s+(?:month|quarter)\\b`,
    ),
    'name a day of the month instead',
  );
  refuse(/\b(?:every|each)\s+(?:\d{1,3}\s*|few\s+|couple\s+of\s+)?(?:seconds?|secs?)\b/, "cron's smallest unit is the minute");
  refuse(new RegExp(`\\b${TIMES}\\s+(?:a|per|each|every)\\s+year\\b|\\bbi-?annually\\b`), 'name the months it runs in');

  // Days of the month with their period: "on the 1st and 15th of every month", "last day of the quarter".
  take(
    new RegExp(
      `\\b(?:(?:on|every|each)\\s+)?(?:the\\s+)?(${LOOSE_MONTH_DAY_LIST})\\s+(?:days?\\s+)?(?:of\\s+(?:every|each|the|a)|every|each)\\s+(month|quarter)\\b(?!')`,
    ),
    (m) => monthly(scan, m[0], monthDaysOf(m[1] ?? ''), PERIOD_OF_UNIT[(m[2] ?? '').toLowerCase()] ?? 1),
  );
  take(/\b(?:(?:at|on)\s+)?(?:the\s+)?(start|beginning|end)\s+of\s+(?:every|each|the)\s+(month|quarter)\b(?!')/, (m) =>
    monthly(scan, m[0], [(m[1] ?? '').toLowerCase() === 'end' ? 'L' : 1], PERIOD_OF_UNIT[(m[2] ?? '').toLowerCase()] ?? 1),
  );
  // A period, then perhaps its days: "every month on the 1st", "each quarter, on the first day", "every 2 months".
  take(
    new RegExp(
      `(?:\\b(?:every|each)\\s+(month|quarter)(?![\\s-]+(?:of\\s+an\\s+)?hour)|${ADJ}(month|quarter)ly|\\b(semi-?annually|half-?yearly)|\\bonce\\s+(?:a|per|every)\\s+(month|quarter)|\\b(?:every|each)\\s+(${COUNT})\\s+months|\\bevery\\s+(other|second)\\s+month|\\b${TIMES}\\s+(?:a|per|each|every)\\s+month|\\b(twice|${COUNT}\\s+times)\\s+monthly)(?:\\s*,?\\s+on\\s+(?:the\\s+)?(${MONTH_DAY_LIST})(?:\\s+days?)?(?:\\s+of\\s+(?:the|each|every)\\s+(?:month|quarter))?)?\\b`,
    ),
    (m) => {
      const unit = (m[1] ?? m[2] ?? m[4] ?? '').toLowerCase();
      const every = m[3] === undefined ? (m[5] ?? m[6]) : '6';
      const count = m[7] ?? m[8];
      const days = m[9] === undefined ? null : monthDaysOf(m[9]);
      const rec = monthly(scan, m[0], days, unit !== '' ? (PERIOD_OF_UNIT[unit] ?? 1) : every !== undefined ? countOf(every) : 1);
      if (rec?.kind === 'monthly' && count !== undefined) rec.count = timesOf(count) === 1 ? null : timesOf(count);
      return rec;
    },
  );

  take(new RegExp(`\\b(?:every|each)\\s+(${COUNT})\\s*(?:minutes?|mins?)\\b`), (m) => ({ kind: 'minutes', n: countOf(m[1] ?? '') }));
  take(/\b(?:every|each)\s+minute\b/, () => ({ kind: 'minutes', n: 1 }));
  take(/\b(?:every|each)\s+(?:half[\s-]+(?:an\s+)?hour|30\s*mins?)\b/, () => ({ kind: 'minutes', n: 30 }));
  take(/\b(?:every|each)\s+quarter[\s-]+(?:of\s+an\s+)?hour\b/, () => ({ kind: 'minutes', n: 15 }));
  take(new RegExp(`\\b${TIMES}\\s+(?:an|a|per|each|every)\\s+hour\\b`), (m) => {
    const count = timesOf(m[1] ?? '');
    if (count === 1) return { kind: 'hours', n: 1 };
    if (60 % count === 0) return { kind: 'minutes', n: 60 / count };
    addIssue(scan, `"${m[0].trim()}" cannot be written as one cron expression: 60 minutes do not divide into ${count} equal parts`);
    return null;
  });
  take(new RegExp(`\\b(?:every|each)\\s+(${COUNT})\\s*(?:hours?|hrs?)\\b`), (m) => ({ kind: 'hours', n: countOf(m[1] ?? '') }));
  take(new RegExp(`\\b(?:every|each)\\s+hour\\b|${ADJ}hourly\\b`), () => ({ kind: 'hours', n: 1 }));
  take(new RegExp(`\\b(?:every|each)\\s+(${COUNT})\\s*days?\\b`), (m) => ({ kind: 'days', n: countOf(m[1] ?? '') }));
  take(new RegExp(`\\b(?:every|each)\\s+(morning|afternoon|evening|night)\\b|${ADJ}(nightly)\\b`), (m) => {
    partOfDay = (m[1] ?? m[2] ?? '').toLowerCase().replace('nightly', 'night');
    return { kind: 'daily', count: null };
  });
  // "Friday evening", "Sunday night": the day is read below, the part of the day here.
  take(new RegExp(`(?<=\\b(?:${ANY_DAY}|weekdays?|weekends?))\\s+(?:in\\s+the\\s+)?(morning|afternoon|evening|night)s?\\b`), (m) => {
    partOfDay = (m[1] ?? '').toLowerCase();
    return null;
  });
  take(
    new RegExp(
      `\\b${TIMES}\\s+(?:a|per|each|every)\\s+day\\b|\\b(twice|${COUNT}\\s+times)\\s+daily\\b|${ADJ}daily\\b|\\b(?:every\\s*day|each\\s+day|every\\s+single\\s+day|day\\s+by\\s+day)\\b`,
    ),
    (m) => {
      const count = m[1] ?? m[2];
      return { kind: 'daily', count: count === undefined || timesOf(count) === 1 ? null : timesOf(count) };
    },
  );
  take(new RegExp(`${ADJ}yearly\\b|\\b(?:annually|(?:every|each)\\s+year|once\\s+(?:a|per)\\s+year)\\b`), () => ({ kind: 'yearly' }));
  take(new RegExp(`\\b${TIMES}\\s+(?:a|per|each|every)\\s+week\\b|${ADJ}weekly\\b|\\b(?:every|each)\\s+week\\b`), (m) => ({
    kind: 'weekly',
    count: m[1] === undefined || timesOf(m[1]) === 1 ? null : timesOf(m[1]),
  }));

  // "every other week on Monday": the Monday belongs to the (refused) schedule too.
  const days = readDaysOfWeek(scan, weekly || found.some((f) => f.rec.kind === 'weekly'));
  const dated = '\\d{1,2}(?:st|nd|rd|th)';
  const loose = new RegExp(`\\bon\\s+(?:the\\s+)?${dated}(?:${LIST_SEP}(?:the\\s+)?${dated})*\\b`, 'i').exec(scan.input);
  return { found: mergeFound(found), days, partOfDay, looseMonthDays: loose === null ? null : loose[0] };
}

/** A monthly recurrence, or null (and an issue) when a day or the period cannot be one. */
function monthly(scan: ScheduleScan, phrase: string, days: MonthDay[] | null, period: number): Recurrence | null {
  const bad = days?.find((d) => d !== 'L' && !(d >= 1 && d <= 31));
  if (bad !== undefined) {
    addIssue(scan, `"${phrase.trim()}": a month has no day ${bad}`);
    return null;
  }
  if (!(period >= 1 && 12 % period === 0)) {
    addIssue(scan, `"${phrase.trim()}" cannot be written as one cron expression: a year does not divide into runs ${period} months apart`);
    return null;
  }
  return { kind: 'monthly', days, period, count: null };
}

/**
 * Days of the week: "on weekdays", "every Monday and Thursday", "Mondays", "Tuesday to
 * Thursday". A single day without every/each/a plural ("on Monday") is one day, not a
 * repetition, unless the text also says weekly (`weekly`).
 */
function readDaysOfWeek(scan: ScheduleScan, weekly: boolean): number[] | null {
  let days: number[] | null = null;
  const add = (more: readonly number[]): void => {
    days = [...(days ?? []), ...more];
  };
  scanAll(
    scan,
    /\b(?:(on|every|each)\s+)?(?:(weekdays|week\s*days|business\s+days|working\s+days|workdays)|(weekday|week\s*day|business\s+day|working\s+day|workday))(?=(\s+(?:mornings|afternoons|evenings|nights))?)\b/,
    (m) => {
      // A singular, unprefixed "Workday" is a name ("new hires in Workday"), not a day set.
      if (m[1] === undefined && m[3] !== undefined && m[4] === undefined) return false;
      add([1, 2, 3, 4, 5]);
    },
  );
  scanAll(
    scan,
    new RegExp(`\\b(?:(on|every|each|from)\\s+)?(${ANY_DAY})\\s*(?:-|–|to|through|thru|until|till)\\s*(${ANY_DAY})\\b`),
    (m) => {
      const [, , from = '', to = ''] = m;
      const a = dayIndex(from);
      const b = dayIndex(to);
      if (a === undefined || b === undefined) return false;
      const range: number[] = [];
      for (let d = a; range.length < 7; d = (d + 1) % 7) {
        range.push(d);
        if (d === b) break;
      }
      add(range);
    },
  );
  scanAll(scan, /\b(?:(on|every|each)\s+)?(?:the\s+)?(?:(weekends)|weekend)\b(?!')/, (m) => {
    if (m[1] === undefined && m[2] === undefined) return false;
    add([0, 6]);
  });

  let singular: RegExpExecArray | null = null;
  // "every mon wed fri 7am": typed in a hurry, day names are listed with spaces alone.
  scanAll(scan, new RegExp(`\\b(?:(every|each|on)\\s+)?(${ANY_DAY}(?:(?:${LIST_SEP}|\\s+)${ANY_DAY}\\b)*)\\b`), (m) => {
    const [, prefix, list = ''] = m;
    const names = list.match(new RegExp(ANY_DAY, 'gi')) ?? [];
    // Bare abbreviations ("sat", "wed") are common words; only trust them after every/each/on.
    if (prefix === undefined && !names.every((n) => new RegExp(`^${FULL_DAY}$`, 'i').test(n))) return false;
    const recurring = /^(?:every|each)$/i.test(prefix ?? '') || names.some((n) => /s$/i.test(n));
    if (!recurring) {
      singular = m;
      return false;
    }
    add(names.map((n) => dayIndex(n) ?? 0));
  });
  // "on Monday" is one Monday unless the text also says weekly.
  const one = singular as RegExpExecArray | null;
  if (one !== null && weekly) {
    add((one[2]?.match(new RegExp(ANY_DAY, 'gi')) ?? []).map((n) => dayIndex(n) ?? 0));
    scan.cuts.push([one.index, one.index + one[0].length]);
  }
  return days;
}

/** Merges two readings of the same schedule ("monthly" and "on the 1st of every month"), or null when they conflict. */
function combine(a: Recurrence, b: Recurrence): Recurrence | null {
  if (JSON.stringify(a) === JSON.stringify(b)) return a;
  // A bare "weekly" adds nothing to a phrase that already says how often.
  if (a.kind === 'weekly' && a.count === null) return b;
  if (b.kind === 'weekly' && b.count === null) return a;
  const same = <T>(x: T | null, y: T | null): T | null | undefined => (x === null ? y : y === null || x === y ? x : undefined);
  if (a.kind === 'daily' && b.kind === 'daily') {
    const count = same(a.count, b.count);
    return count === undefined ? null : { kind: 'daily', count };
  }
  if (a.kind === 'monthly' && b.kind === 'monthly') {
    const days = same(a.days?.join() ?? null, b.days?.join() ?? null);
    const period = same(a.period === 1 ? null : a.period, b.period === 1 ? null : b.period);
    const count = same(a.count, b.count);
    if (days === undefined || period === undefined || count === undefined) return null;
    return { kind: 'monthly', days: a.days ?? b.days, period: period ?? 1, count };
  }
  return null;
}

/** Keeps one phrase per schedule ("every day" twice is one schedule, not a conflict). */
function mergeFound(found: readonly Found[]): Found[] {
  const out: Found[] = [];
  for (const f of found) {
    const at = out.findIndex((o) => combine(o.rec, f.rec) !== null);
    const merged = at < 0 ? null : combine(out[at]?.rec ?? f.rec, f.rec);
    if (at >= 0 && merged !== null) out[at] = { rec: merged, text: out[at]?.text ?? f.text };
    else out.push(f);
  }
  return out;
}
