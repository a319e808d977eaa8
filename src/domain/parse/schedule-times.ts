/**
 * The times of day of a schedule phrase: "at 9am", "at 9:00 and 17:00", "at 8, 12 and 16",
 * "at midnight", "every night at 2", "from 9am to 5pm", "starting at 1am", "on the hour".
 * chrono-node reads each written time; what it gets wrong for schedules is corrected here:
 * midnight is 00:00 and noon 12:00 whatever part of the day surrounds them, and an hour
 * without am/pm follows the part of the day it is said with ("every night at 2" is 02:00).
 */
import * as chrono from 'chrono-node';
import { addIssue, overlaps, type ScheduleScan, scanAll, type Span } from './schedule-spans.ts';

export interface TimeOfDay {
  hour: number;
  minute: number;
}

export interface TimeReading {
  /** The times of day it runs at. */
  times: TimeOfDay[];
  /** A window an interval runs in ("every hour from 9am to 5pm"), or null. */
  window: { from: TimeOfDay; to: TimeOfDay } | null;
  /** Where an interval starts ("every 6 hours starting at 1am"), or null. */
  start: TimeOfDay | null;
  /** The minute past each hour ("on the hour" → 0), or null. */
  minuteOfHour: number | null;
  /** How many times of day the text mentions, the schedule's or not. */
  mentioned: number;
}

/** A fixed reference date: only hours and minutes are read from chrono, so output never depends on "now". */
const REFERENCE = new Date('2024-01-03T00:00:00Z');

/** The explicit time inside a chrono match ("at 9am" in "Monday at 9am"), to cut out exactly that. */
const TIME_TEXT =
  /\b(?:at\s+)?(?:\d{1,2}(?:[:.]\d{2})\s*(?:am|pm|a\.m\.?|p\.m\.?)?|\d{1,2}\s*(?:am|pm|a\.m\.?|p\.m\.?|o'clock|h\b)|noon|midday|midnight)(?:\s+(?:[A-Z]{2,4}\b))?|\bat\s+\d{1,2}\b/i;

/** "in the evening", "at night" after a time: which half of the clock an hour without am/pm is in. */
const PART_AFTER = /^\s+(?:in\s+the\s+(morning|afternoon|evening)|at\s+(night))\b/i;

/**
 * A further time in a list chrono reads only the first of: ", 12 and 16" after "at 8". Not a
 * count of something ("and 3 reports") nor a time chrono reads itself ("and 5pm").
 */
const LIST_ITEM =
  /^(\s*(?:,\s*(?:and\s+)?|and\s+|&\s*)(?:at\s+)?)(\d{1,2})(?:[:.](\d{2}))?(?=\s*(?:,|and\b|&|[.;!?)]|$)|\s+(?:on|every|each)\b)/i;

/** The hour an hour written without am/pm stands for, said with a part of the day. */
function hourInPart(written: number, part: string | null): number | null {
  if (part === null || written === 0 || written > 12) return null;
  switch (part.toLowerCase()) {
    case 'afternoon':
      return written === 12 ? 12 : written + 12;
    case 'evening':
      return written === 12 ? 0 : written + 12;
    case 'night':
      // Late evening or small hours: "at 11" is 23:00, "at 2" 02:00, "at 12" midnight.
      return written === 12 ? 0 : written < 6 ? written : written + 12;
    default:
      return null;
  }
}

/** Reads the minute past the hour ("on the hour", "at 15 past the hour", "at :30"), cutting the phrase. */
function readMinuteOfHour(scan: ScheduleScan): number | null {
  let minute: number | null = null;
  scanAll(scan, /\b(?:on|at)\s+the\s+hour\b|\bat\s+the\s+top\s+of\s+(?:the|every|each)\s+hour\b/, () => {
    minute = 0;
  });
  scanAll(
    scan,
    /\b(?:at\s+)?(\d{1,2}\s+(?:minutes?\s+)?|half\s+|(?:a\s+)?quarter\s+)past\s+(?:the|each|every)\s+hour\b|\bat\s+:(\d{2})\b/,
    (m) => {
      const word = (m[1] ?? m[2] ?? '').trim().toLowerCase();
      minute = word === 'half' ? 30 : /quarter/.test(word) ? 15 : Number.parseInt(word, 10);
    },
  );
  return minute;
}

/** One time phrase of the text and what it says. */
interface Entry {
  role: 'at' | 'start' | 'window';
  span: Span;
  time: TimeOfDay;
  /** The end of a window. */
  to?: TimeOfDay;
  /** A bare hour in a list that is smaller than the one before ("at 9 and 5"): am or pm? */
  ambiguous?: boolean;
}

/** What may stand between a time and the schedule phrase it belongs to: "every Monday, at 9am", "at 9:00 and 17:00". */
const GAP = /^[\s,()–-]*(?:(?:(?:and|or|at|on|by|around|about|approximately|exactly|precisely|sharp)\b|@)[\s,()]*)*$/i;

/**
 * Reads the times of day of `scan.input` that belong to its schedule phrase; each becomes a
 * soft cut. `partOfDay` is the part of the day the recurrence named ("every evening"), which
 * an hour without am/pm then follows.
 */
export function readTimes(scan: ScheduleScan, partOfDay: string | null): TimeReading {
  const minuteOfHour = readMinuteOfHour(scan);
  const entries = readEntries(scan, partOfDay);
  const attached = attach(scan, entries);
  const out: TimeReading = { times: [], window: null, start: null, minuteOfHour, mentioned: entries.length };
  for (const entry of attached) {
    if (entry.role === 'at') out.times.push(entry.time);
    else if (entry.role === 'start') out.start = entry.time;
    else out.window = { from: entry.time, to: entry.to ?? entry.time };
    scan.softCuts.push(entry.span);
  }
  const at = attached.filter((e) => e.role === 'at');
  const clockOf = (t: TimeOfDay): string => `${t.hour}${t.minute === 0 ? '' : `:${String(t.minute).padStart(2, '0')}`}`;
  if (at.some((e) => e.ambiguous === true)) {
    addIssue(scan, `the times ${at.map((e) => clockOf(e.time)).join(', ')} are ambiguous: write am/pm or a 24-hour time (17:00)`);
  }
  // "every weekday at 9am and every Saturday at 10am": one cron would run both days at both times.
  const groups: string[] = [];
  at.forEach((e, i) => {
    const previous = at[i - 1];
    const split = previous === undefined || scan.cuts.some(([a, b]) => a >= previous.span[1] && b <= e.span[0]);
    if (split) groups.push('');
    groups[groups.length - 1] += `${clockOf(e.time)} `;
  });
  if (new Set(groups.map((g) => g.split(' ').sort().join())).size > 1) {
    addIssue(scan, `the times ${at.map((e) => clockOf(e.time)).join(', ')} go with different days; one cron expression cannot pair them`);
  }
  return out;
}

/** Keeps the entries joined to the schedule phrase (directly or through another kept time); "…a meeting at 3pm" stays an action's. */
function attach(scan: ScheduleScan, entries: readonly Entry[]): Entry[] {
  const anchors: Span[] = [...scan.cuts, ...scan.softCuts];
  const kept = new Set<Entry>();
  const joined = ([start, end]: Span): boolean =>
    anchors.some(([a, b]) => (b <= start && GAP.test(scan.input.slice(b, start))) || (a >= end && GAP.test(scan.input.slice(end, a))));
  for (let changed = true; changed;) {
    changed = false;
    for (const entry of entries) {
      if (kept.has(entry) || !joined(entry.span)) continue;
      kept.add(entry);
      anchors.push(entry.span);
      changed = true;
    }
  }
  return entries.filter((e) => kept.has(e));
}

/** Every time phrase chrono finds, with the lists, windows and starting times around it. */
function readEntries(scan: ScheduleScan, partOfDay: string | null): Entry[] {
  const { input } = scan;
  const entries: Entry[] = [];
  let pendingStart: number | null = null;
  let between: { entry: Entry; word: string } | null = null;
  const taken = (start: number, end: number): boolean =>
    overlaps(scan.cuts, start, end) ||
    overlaps(
      entries.map((e) => e.span),
      start,
      end,
    );

  for (const result of chrono.parse(input, REFERENCE)) {
    // "Mon-Fri at 9": chrono reads a range of days whose time only its end carries.
    const dayRange = !result.start.isCertain('hour') && result.end?.isCertain('hour') === true;
    const component = dayRange && result.end !== null ? result.end : result.start;
    if (!component.isCertain('hour')) continue;
    const inner = TIME_TEXT.exec(result.text);
    if (inner === null) continue;
    let start: number = pendingStart ?? result.index + inner.index;
    let end = result.index + inner.index + inner[0].length;
    pendingStart = null;
    if (taken(start, end)) continue;
    // "12 midnight": the 12 is read again, as noon; the next result ("midnight") stands for both.
    if (/^\s+(?:midnight|noon|midday)\b/i.test(input.slice(end)) && /\b12$/.test(inner[0])) {
      pendingStart = start;
      continue;
    }
    const time = readOne(component, result.text, inner[0], input.slice(end), partOfDay);
    const after = PART_AFTER.exec(input.slice(end));
    if (after !== null) end += after[0].length;
    start -= /(?:\bat|@)\s*$/i.exec(input.slice(0, start))?.[0].length ?? 0;

    const before = input.slice(0, start);
    const starting = /\b(?:starting|beginning)\s+(?:(?:at|from)\s+)?$/i.exec(before);
    const from = /\b(?:from|between)\s+$/i.exec(before);
    if (!dayRange && result.end?.isCertain('hour') === true) {
      // "from 9am to 5pm": chrono reads the range as one result.
      const to = { hour: result.end.get('hour') ?? 0, minute: result.end.get('minute') ?? 0 };
      entries.push({ role: 'window', span: [start - (from?.[0].length ?? 0), result.index + result.text.length], time, to });
      continue;
    }
    if (between !== null && /^\s*(?:and|to|until|till|-|–)\s*$/i.test(input.slice(between.entry.span[1], start))) {
      Object.assign(between.entry, { role: 'window', to: time, span: [between.entry.span[0], end] });
      between = null;
      continue;
    }
    if (starting !== null) {
      entries.push({ role: 'start', span: [start - starting[0].length, end], time });
      continue;
    }
    const entry: Entry = { role: 'at', span: [start - (from?.[0].length ?? 0), end], time };
    entries.push(entry);
    if (from !== null) {
      between = { entry, word: (from[0].trim().split(/\s/)[0] ?? '').toLowerCase() };
      continue;
    }
    // Bare hours continuing the list: "at 8, 12 and 16" (not "between 9 and 17", a window).
    let previous = time;
    for (let item = LIST_ITEM.exec(input.slice(end)); item !== null; item = LIST_ITEM.exec(input.slice(end))) {
      const itemStart = end + (item[1]?.length ?? 0);
      const next = { hour: Number(item[2]), minute: item[3] === undefined ? 0 : Number(item[3]) };
      if (next.hour > 23 || next.minute > 59 || taken(itemStart, end + item[0].length)) break;
      end += item[0].length;
      entries.push({ role: 'at', span: [itemStart, end], time: next, ambiguous: next.hour <= 12 && next.hour < previous.hour });
      previous = next;
    }
  }
  // "every 6 hours from 1am": a "from" with no "to" is where the interval starts.
  if (between?.word === 'from') between.entry.role = 'start';
  return entries;
}

/** One time from a chrono result, midnight and noon taken literally and am/pm inferred from the part of the day. */
function readOne(component: chrono.ParsedComponents, said: string, written: string, after: string, partOfDay: string | null): TimeOfDay {
  const minute = component.get('minute') ?? 0;
  if (/midnight/i.test(written)) return { hour: 0, minute };
  if (/noon|midday/i.test(written)) return { hour: 12, minute };
  const hour = component.get('hour') ?? 0;
  if (component.isCertain('meridiem')) return { hour, minute };
  const digits = /\d{1,2}/.exec(written);
  const part =
    /\b(morning|afternoon|evening|night)\b/i.exec(said)?.[1] ??
    (() => {
      const m = PART_AFTER.exec(after);
      return m === null ? null : (m[1] ?? m[2] ?? null);
    })() ??
    partOfDay;
  const inPart = digits === null ? null : hourInPart(Number(digits[0]), part);
  return { hour: inPart ?? hour, minute };
}
