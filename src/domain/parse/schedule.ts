/**
 * Finds the schedule phrase of an instruction ("every Monday at 9am", "daily at 18:30",
 * "every 15 minutes", "on weekdays at 8", "first day of every month", "at 7pm every Friday")
 * and turns it into a standard 5-field cron expression (minute hour day-of-month month
 * day-of-week, Sunday = 0), plus an IANA time zone when the text names one. The phrase is cut
 * out of the text, so what remains is only the actions.
 *
 * Recurrences are recognised by patterns; the time of day by chrono-node (which knows "9am",
 * "18:30", "noon", "7 p.m."). A time without any recurrence ("send it at 5pm") makes no
 * schedule: there is nothing to repeat. Phrases that one cron expression cannot express
 * (two different minutes, "every hour" and "every Monday at 9", "first Monday of the month")
 * are reported as issues rather than guessed.
 */
import * as chrono from 'chrono-node';
import { CronPattern } from 'croner';
import type { Issue } from '../definition/schema.ts';

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

type Recurrence =
  | { kind: 'minutes'; n: number }
  | { kind: 'hours'; n: number }
  | { kind: 'days'; n: number }
  | { kind: 'daily' }
  | { kind: 'weekly' }
  | { kind: 'monthly'; day: number | 'L' | null }
  | { kind: 'yearly' };

interface Found {
  rec: Recurrence;
  text: string;
}

const DAY_NAMES: readonly string[] = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const DAY_INDEX: Readonly<Record<string, number>> = {
  sunday: 0,
  sun: 0,
  monday: 1,
  mon: 1,
  tuesday: 2,
  tues: 2,
  tue: 2,
  wednesday: 3,
  wed: 3,
  thursday: 4,
  thurs: 4,
  thur: 4,
  thu: 4,
  friday: 5,
  fri: 5,
  saturday: 6,
  sat: 6,
};
const FULL_DAY = '(?:sunday|monday|tuesday|wednesday|thursday|friday|saturday)s?';
const ANY_DAY = '(?:sunday|monday|tuesday|wednesday|thursday|friday|saturday|sun|mon|tues?|wed|thu(?:rs?)?|fri|sat)s?';
const LIST_SEP = '(?:\\s*,\\s*(?:and\\s+)?|\\s+and\\s+|\\s*&\\s*|\\s+or\\s+|\\s*\\/\\s*)';

/**
 * "daily", "weekly"… after a determiner describe a thing ("send the weekly report"), not when
 * to run; only a bare one is a schedule ("weekly, send the report").
 */
const ADJ = '(?<!\\b(?:the|a|an|our|my|your|their|its|his|her|this|that|these|those|last|next|each)\\s+)\\b';

/** Hour used when a recurrence names a part of the day but no time ("every morning"). */
const PART_OF_DAY: Readonly<Record<string, number>> = { morning: 9, afternoon: 14, evening: 18, night: 0, nightly: 0 };

const ORDINALS: Readonly<Record<string, number>> = {
  first: 1,
  second: 2,
  third: 3,
  fourth: 4,
  fifth: 5,
  tenth: 10,
  fifteenth: 15,
  twentieth: 20,
};

const TZ_ABBREVIATIONS: Readonly<Record<string, string>> = {
  UTC: 'UTC',
  GMT: 'UTC',
  EST: 'America/New_York',
  EDT: 'America/New_York',
  ET: 'America/New_York',
  CST: 'America/Chicago',
  CDT: 'America/Chicago',
  CT: 'America/Chicago',
  MST: 'America/Denver',
  MDT: 'America/Denver',
  MT: 'America/Denver',
  PST: 'America/Los_Angeles',
  PDT: 'America/Los_Angeles',
  PT: 'America/Los_Angeles',
  CET: 'Europe/Paris',
  CEST: 'Europe/Paris',
  BST: 'Europe/London',
  IST: 'Asia/Kolkata',
  JST: 'Asia/Tokyo',
  AEST: 'Australia/Sydney',
  AEDT: 'Australia/Sydney',
};
const US_ZONES: Readonly<Record<string, string>> = {
  eastern: 'America/New_York',
  central: 'America/Chicago',
  mountain: 'America/Denver',
  pacific: 'America/Los_Angeles',
};

/** "new york" → America/New_York, built from the runtime's zone list. */
const ZONES_BY_CITY: ReadonlyMap<string, string> = (() => {
  const out = new Map<string, string>();
  for (const zone of Intl.supportedValuesOf('timeZone')) {
    const city = zone.split('/').pop();
    if (city !== undefined && zone.includes('/')) out.set(city.replace(/_/g, ' ').toLowerCase(), zone);
  }
  return out;
})();

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** A fixed reference date: only hours and minutes are read from chrono, so output never depends on "now". */
const REFERENCE = new Date('2024-01-03T00:00:00Z');

/** The explicit time inside a chrono match ("at 9am" in "Monday at 9am"), to cut out exactly that. */
const TIME_TEXT =
  /\b(?:at\s+)?(?:\d{1,2}(?:[:.]\d{2})\s*(?:am|pm|a\.m\.?|p\.m\.?)?|\d{1,2}\s*(?:am|pm|a\.m\.?|p\.m\.?|o'clock|h\b)|noon|midday|midnight)(?:\s+(?:[A-Z]{2,4}\b))?|\bat\s+\d{1,2}\b/i;

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/** `[1,2,3,4,5]` → `1-5`; `[1,3]` → `1,3`. */
function formatList(values: readonly number[]): string {
  const sorted = [...new Set(values)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j + 1 < sorted.length && (sorted[j + 1] ?? 0) === (sorted[j] ?? 0) + 1) j++;
    const first = sorted[i] ?? 0;
    const last = sorted[j] ?? 0;
    parts.push(j - i >= 2 ? `${first}-${last}` : j > i ? `${first},${last}` : `${first}`);
    i = j + 1;
  }
  return parts.join(',');
}

function joinWords(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

function describeDays(days: readonly number[]): string {
  const set = [...new Set(days)].sort((a, b) => a - b);
  if (set.join() === '1,2,3,4,5') return 'on weekdays';
  if (set.join() === '0,6') return 'on weekends';
  return `every ${joinWords(set.map((d) => DAY_NAMES[d] ?? String(d)))}`;
}

/** Extracts the schedule from `input`. Pure: the same text always gives the same result. */
export function extractSchedule(input: string): ScheduleExtraction {
  const issues: Issue[] = [];
  const notes: string[] = [];
  const cut: [number, number][] = [];
  const found: Found[] = [];
  const remember = (match: RegExpExecArray, rec: Recurrence | null): void => {
    cut.push([match.index, match.index + match[0].length]);
    if (rec !== null) found.push({ rec, text: match[0].trim() });
  };
  const scan = (pattern: RegExp, toRec: (m: RegExpExecArray) => Recurrence | null): void => {
    for (const match of input.matchAll(new RegExp(pattern.source, 'gi'))) {
      const start = match.index;
      // Never read inside a phrase already taken by an earlier (more specific) pattern.
      if (cut.some(([a, b]) => start < b && start + match[0].length > a)) continue;
      remember(match, toRec(match));
    }
  };

  let partOfDay: number | undefined;
  let days: number[] | null = null;
  let weeklyWord = false;

  // Monthly, with a day ("first day of every month", "on the 15th of each month", "last day of the month").
  scan(
    /\b(?:on\s+)?(?:the\s+)?(first|last|second|third|fourth|fifth|tenth|fifteenth|twentieth|\d{1,2})(?:st|nd|rd|th)?\s+(?:day\s+)?of\s+(?:every|each|the)\s+month\b/,
    (m) => {
      const word = (m[1] ?? '').toLowerCase();
      const day = word === 'last' ? 'L' : (ORDINALS[word] ?? Number(word));
      if (day !== 'L' && (day < 1 || day > 31)) {
        issues.push({ path: 'schedule', message: `"${m[0].trim()}": a month has no day ${day}` });
        return null;
      }
      return { kind: 'monthly', day };
    },
  );
  // "first Monday of every month": croner can, standard 5-field cron cannot.
  scan(
    new RegExp(`\\b(?:on\\s+)?(?:the\\s+)?(?:first|second|third|fourth|last)\\s+${FULL_DAY}\\s+of\\s+(?:every|each|the)\\s+month\\b`),
    (m) => {
      issues.push({
        path: 'schedule',
        message: `"${m[0].trim()}" cannot be written as a standard 5-field cron expression; name a day of the month instead`,
      });
      return null;
    },
  );
  scan(/\b(?:every|each)\s+(\d{1,3})\s*(?:minutes?|mins?)\b/, (m) => ({ kind: 'minutes', n: Number(m[1]) }));
  scan(/\b(?:every|each)\s+minute\b/, () => ({ kind: 'minutes', n: 1 }));
  scan(/\b(?:every|each)\s+(?:half[\s-]+(?:an\s+)?hour|30\s*mins?)\b|\btwice\s+an\s+hour\b/, () => ({ kind: 'minutes', n: 30 }));
  scan(/\b(?:every|each)\s+quarter[\s-]+(?:of\s+an\s+)?hour\b/, () => ({ kind: 'minutes', n: 15 }));
  scan(/\b(?:every|each)\s+(\d{1,2})\s*(?:hours?|hrs?)\b/, (m) => ({ kind: 'hours', n: Number(m[1]) }));
  scan(new RegExp(`\\b(?:every|each)\\s+hour\\b|${ADJ}hourly\\b|\\bonce\\s+an\\s+hour\\b`), () => ({ kind: 'hours', n: 1 }));
  scan(/\b(?:every|each)\s+(\d{1,2})\s*days?\b/, (m) => ({ kind: 'days', n: Number(m[1]) }));
  scan(/\bevery\s+other\s+day\b/, () => ({ kind: 'days', n: 2 }));
  scan(new RegExp(`\\b(?:every|each)\\s+(morning|afternoon|evening|night)\\b|${ADJ}(nightly)\\b`), (m) => {
    partOfDay = PART_OF_DAY[(m[1] ?? m[2] ?? '').toLowerCase()];
    return { kind: 'daily' };
  });
  // "Friday evening", "Sunday night": the day is read below, the part of the day here.
  scan(new RegExp(`(?<=\\b(?:${ANY_DAY}|weekdays?|weekends?))\\s+(?:in\\s+the\\s+)?(morning|afternoon|evening|night)s?\\b`), (m) => {
    partOfDay = PART_OF_DAY[(m[1] ?? '').toLowerCase()];
    return null;
  });
  scan(new RegExp(`${ADJ}daily\\b|\\b(?:every\\s*day|each\\s+day|every\\s+single\\s+day|once\\s+a\\s+day|day\\s+by\\s+day)\\b`), () => ({
    kind: 'daily',
  }));
  scan(new RegExp(`${ADJ}monthly\\b|\\b(?:(?:every|each)\\s+month|once\\s+a\\s+month)\\b`), () => ({ kind: 'monthly', day: null }));
  scan(new RegExp(`${ADJ}yearly\\b|\\b(?:annually|(?:every|each)\\s+year|once\\s+a\\s+year)\\b`), () => ({ kind: 'yearly' }));
  scan(new RegExp(`${ADJ}weekly\\b|\\b(?:(?:every|each)\\s+week|once\\s+a\\s+week)\\b`), () => {
    weeklyWord = true;
    return { kind: 'weekly' };
  });
  // Day sets.
  scan(
    /\b(?:(?:on|every|each)\s+)?(?:weekdays|week\s*days|weekday|business\s+days?|working\s+days?|workdays?|(?:monday|mon)\s*(?:-|–|to|through|thru)\s*(?:friday|fri))\b/,
    () => {
      days = [...(days ?? []), 1, 2, 3, 4, 5];
      return null;
    },
  );
  scan(/\b(?:(?:on|every|each)\s+)?(?:the\s+)?weekends?\b/, () => {
    days = [...(days ?? []), 0, 6];
    return null;
  });
  const dayList = `${ANY_DAY}(?:${LIST_SEP}${ANY_DAY})*`;
  let singularDays: string | null = null;
  for (const match of input.matchAll(new RegExp(`\\b(?:(every|each|on)\\s+)?(${dayList})\\b`, 'gi'))) {
    const [whole, prefix, list = ''] = match;
    const names = list.toLowerCase().match(new RegExp(ANY_DAY, 'g')) ?? [];
    const full = names.every((n) => new RegExp(`^${FULL_DAY}$`).test(n));
    // Bare abbreviations ("sat", "wed") are common words; only trust them after every/each/on.
    if (!full && prefix === undefined) continue;
    const recurring = prefix?.toLowerCase() === 'every' || prefix?.toLowerCase() === 'each' || names.some((n) => n.endsWith('s'));
    if (!recurring) {
      singularDays = whole.trim();
      continue;
    }
    cut.push([match.index, match.index + whole.length]);
    days = [...(days ?? []), ...names.map((n) => DAY_INDEX[n.replace(/s$/, '')] ?? DAY_INDEX[n] ?? 0)];
  }
  // "on Monday" is one Monday unless the text also says weekly.
  if (singularDays !== null && weeklyWord) {
    const names = singularDays.toLowerCase().match(new RegExp(ANY_DAY, 'g')) ?? [];
    days = [...(days ?? []), ...names.map((n) => DAY_INDEX[n.replace(/s$/, '')] ?? 0)];
    const at = input.toLowerCase().indexOf(singularDays.toLowerCase());
    if (at >= 0) cut.push([at, at + singularDays.length]);
  }

  // Time zone.
  let timezone: string | null = null;
  const zoneMatchers: [RegExp, (m: RegExpExecArray) => string | undefined][] = [
    [
      /\b(?:in\s+)?([A-Z][A-Za-z_]+\/[A-Z][A-Za-z_-]+(?:\/[A-Z][A-Za-z_-]+)?)\b(?:\s+time)?/,
      (m) => (isTimeZone(m[1] ?? '') ? m[1] : undefined),
    ],
    [/\b(?:in\s+)?(eastern|central|mountain|pacific)(?:\s+(?:standard|daylight))?\s+time\b/i, (m) => US_ZONES[(m[1] ?? '').toLowerCase()]],
    [/\b(?:in\s+)?([A-Z][a-z]+(?:\s+[A-Z][a-z]+)?)\s+time\b/, (m) => ZONES_BY_CITY.get((m[1] ?? '').toLowerCase())],
    [/\b(UTC|GMT|EST|EDT|CST|CDT|MST|MDT|PST|PDT|CEST|CET|BST|IST|JST|AEST|AEDT|ET|CT|MT|PT)\b/, (m) => TZ_ABBREVIATIONS[m[1] ?? '']],
  ];
  for (const [pattern, zoneOf] of zoneMatchers) {
    const match = pattern.exec(input);
    const zone = match === null ? undefined : zoneOf(match);
    if (match === null || zone === undefined) continue;
    timezone = zone;
    cut.push([match.index, match.index + match[0].length]);
    break;
  }

  // Times of day, read by chrono; only the time itself is cut, never the words around it.
  const times: { hour: number; minute: number }[] = [];
  const timeCuts: [number, number][] = [];
  for (const result of chrono.parse(input, REFERENCE)) {
    if (!result.start.isCertain('hour')) continue;
    const inner = TIME_TEXT.exec(result.text);
    if (inner === null) continue;
    const start = result.index + inner.index;
    if (cut.some(([a, b]) => start >= a && start < b && !/\d|noon|midnight/i.test(input.slice(a, b)))) continue;
    times.push({ hour: result.start.get('hour') ?? 0, minute: result.start.get('minute') ?? 0 });
    const span: [number, number] = [start, start + inner[0].length];
    timeCuts.push(span);
    cut.push(span);
  }

  const text = removeSpans(input, cut);
  const recurrences = dedupeRecurrences(found);
  const hasDays = days !== null;
  if (recurrences.length === 0 && !hasDays) {
    if (times.length > 0)
      notes.push('a time of day was found but no recurrence ("every …", "daily", "on Mondays"), so no schedule was set');
    // Without a schedule the time stays part of the action text.
    return {
      schedule: null,
      text: removeSpans(
        input,
        cut.filter((span) => !timeCuts.includes(span)),
      ),
      issues,
      notes,
    };
  }
  if (recurrences.length > 1) {
    issues.push({
      path: 'schedule',
      message: `conflicting schedule phrases: ${recurrences.map((f) => `"${f.text}"`).join(' and ')}; one workflow has one schedule`,
    });
    return { schedule: null, text, issues, notes };
  }

  const rec: Recurrence = recurrences[0]?.rec ?? { kind: 'weekly' };
  const dayList2: number[] | null = days;
  const minuteSet = [...new Set(times.map((t) => t.minute))];
  if (minuteSet.length > 1) {
    issues.push({
      path: 'schedule',
      message: `times ${times.map((t) => `${pad(t.hour)}:${pad(t.minute)}`).join(', ')} have different minutes; one cron expression cannot hold them`,
    });
    return { schedule: null, text, issues, notes };
  }
  const hours = times.length > 0 ? [...new Set(times.map((t) => t.hour))] : [partOfDay ?? 0];
  const minute = minuteSet[0] ?? 0;
  const hourField = formatList(hours);
  const at = `at ${joinWords(hours.sort((a, b) => a - b).map((h) => `${pad(h)}:${pad(minute)}`))}`;
  const dow = dayList2 === null ? '*' : formatList(dayList2);
  const onDays = dayList2 === null ? '' : ` ${describeDays(dayList2)}`;

  let cron: string;
  let description: string;
  if ((rec.kind === 'minutes' || rec.kind === 'hours') && times.length > 0) {
    issues.push({
      path: 'schedule',
      message: `"${recurrences[0]?.text ?? ''}" conflicts with the time of day ${times.map((t) => `${pad(t.hour)}:${pad(t.minute)}`).join(', ')}; one cron expression cannot hold both`,
    });
    return { schedule: null, text, issues, notes };
  }
  switch (rec.kind) {
    case 'minutes': {
      if (rec.n < 1 || (rec.n > 59 && rec.n % 60 !== 0)) {
        issues.push({ path: 'schedule', message: `"every ${rec.n} minutes" cannot be written as one cron expression` });
        return { schedule: null, text, issues, notes };
      }
      if (rec.n > 59) {
        cron = `0 */${rec.n / 60} * * ${dow}`;
        description = `every ${rec.n / 60} hours${onDays}`;
      } else {
        cron = `${rec.n === 1 ? '*' : `*/${rec.n}`} * * * ${dow}`;
        description = `every ${rec.n === 1 ? 'minute' : `${rec.n} minutes`}${onDays}`;
      }
      break;
    }
    case 'hours':
      if (rec.n < 1 || rec.n > 23) {
        issues.push({ path: 'schedule', message: `"every ${rec.n} hours" cannot be written as one cron expression` });
        return { schedule: null, text, issues, notes };
      }
      cron = `${minute} ${rec.n === 1 ? '*' : `*/${rec.n}`} * * ${dow}`;
      description = `every ${rec.n === 1 ? 'hour' : `${rec.n} hours`} at minute ${minute}${onDays}`;
      break;
    case 'days':
      if (rec.n < 1 || rec.n > 31) {
        issues.push({ path: 'schedule', message: `"every ${rec.n} days" cannot be written as one cron expression` });
        return { schedule: null, text, issues, notes };
      }
      cron = `${minute} ${hourField} ${rec.n === 1 ? '*' : `*/${rec.n}`} * *`;
      description = `every ${rec.n === 1 ? 'day' : `${rec.n} days`} ${at}`;
      break;
    case 'daily':
      cron = `${minute} ${hourField} * * ${dow}`;
      description = dayList2 === null ? `every day ${at}` : `${describeDays(dayList2)} ${at}`;
      break;
    case 'weekly': {
      const weekDays = dayList2 ?? [0];
      cron = `${minute} ${hourField} * * ${formatList(weekDays)}`;
      description = `${describeDays(weekDays)} ${at}`;
      break;
    }
    case 'monthly': {
      if (dayList2 !== null) {
        issues.push({
          path: 'schedule',
          message: 'a monthly schedule cannot also be restricted to days of the week in one cron expression',
        });
        return { schedule: null, text, issues, notes };
      }
      const day = rec.day ?? 1;
      cron = `${minute} ${hourField} ${day} * *`;
      description = `${day === 'L' ? 'on the last day' : `on day ${day}`} of every month ${at}`;
      break;
    }
    case 'yearly':
      cron = `${minute} ${hourField} 1 1 *`;
      description = `every year on January 1 ${at}`;
      break;
  }
  try {
    new CronPattern(cron, undefined, { mode: '5-part' });
  } catch (error) {
    issues.push({ path: 'schedule', message: `could not build a valid cron expression (${cron}): ${(error as Error).message}` });
    return { schedule: null, text, issues, notes };
  }
  if (timezone !== null) description += ` (${timezone})`;
  return { schedule: { cron, timezone, description }, text, issues, notes };
}

/** Keeps one phrase per recurrence kind ("every day" twice is one schedule, not a conflict). */
function dedupeRecurrences(found: readonly Found[]): Found[] {
  const out: Found[] = [];
  for (const f of found) {
    const same = out.find((o) => JSON.stringify(o.rec) === JSON.stringify(f.rec));
    if (same !== undefined) continue;
    // "weekly" beside a weekly-by-nature phrase adds nothing; a daily phrase beside day names is weekly.
    if (f.rec.kind === 'weekly' && out.length > 0) continue;
    const weeklyAt = out.findIndex((o) => o.rec.kind === 'weekly');
    if (weeklyAt >= 0) out.splice(weeklyAt, 1);
    // "monthly" beside "first day of every month" is the same schedule.
    const generic = out.findIndex((o) => o.rec.kind === 'monthly' && f.rec.kind === 'monthly');
    if (generic >= 0) {
      const existing = out[generic];
      if (existing?.rec.kind === 'monthly' && existing.rec.day === null) out.splice(generic, 1, f);
      continue;
    }
    out.push(f);
  }
  return out;
}

/** Removes the given spans and tidies the punctuation and connector words they leave behind. */
function removeSpans(text: string, spans: readonly [number, number][]): string {
  const sorted = [...spans].sort((a, b) => a[0] - b[0]);
  let out = '';
  let pos = 0;
  for (const [start, end] of sorted) {
    if (end <= pos) continue;
    out += `${text.slice(pos, Math.max(pos, start))} `;
    pos = Math.max(pos, end);
  }
  out += text.slice(pos);
  if (sorted.length === 0) return text.trim();
  return out
    .replace(/\b(?:at|on|every|each|in)\s+(?=[,.;!?]|$)/gi, ' ')
    .replace(/\b(?:at|on|every|each)\s+(?:and\s+)?(?=(?:at|on|every|each)\b)/gi, ' ')
    .replace(/\s+/g, ' ')
    .replace(/\s+([,.;!?])/g, '$1')
    .replace(/([,;])(?:\s*[,;])+/g, '$1')
    .replace(/^[\s,;:.-]+/, '')
    .replace(/^(?:(?:at|on|every|each)\s+)+(?=[,]|$)/i, '')
    .replace(/^[\s,;:-]+/, '')
    .trim();
}
