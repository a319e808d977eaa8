/**
 * The times of day of a schedule phrase: "at 9am", "at 9:00 and 17:00", "at 8, 12 and 16",
 * "at midnight", "every night at 2", "from 9am to 5pm", "starting at 1am", "on the hour".
 * Times said in words ("a quarter past seven", "at seven") are first written in digits
 * (schedule-clock.ts); chrono-node then reads each time, and what it gets wrong for schedules
 * is corrected here: midnight is 00:00 and noon 12:00 whatever part of the day surrounds them,
 * a 24-hour time ("00:30", "07:00", "19:00") is taken as written, and an hour without am/pm
 * follows the part of the day it is said with ("every night at 2" is 02:00, "at 7 and 9 in the
 * evening" 19:00 and 21:00). A time next to the schedule that nothing reads is an issue.
 */
import * as chrono from 'chrono-node';
import { MINUTES_SAID, minutesOf, writeClockDigits } from './schedule-clock.ts';
import { addIssue, overlaps, type ScheduleScan, scanAll, type Span } from './schedule-spans.ts';
import { HOUR_WORDS } from './schedule-words.ts';
import { ZONE_ABBREVIATIONS } from './schedule-zones.ts';

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
const TIME_TEXT = new RegExp(
  String.raw`\b(?:at\s+)?(?:\d{1,2}(?:[:.]\d{2})(?:\s*(?:am|pm|a\.m\.?|p\.m\.?))?|\d{1,2}\s*(?:am|pm|a\.m\.?|p\.m\.?|o'clock|h\b)|noon|midday|midnight)(?:\s+(?:${ZONE_ABBREVIATIONS})\b)?|\bat\s+\d{1,2}\b|\b\d{1,2}(?=\s*(?:-|–|to|until|till|through)\s*\d)`,
  'i',
);

/**
 * What may follow a time and belongs to it: "in the evening", "at night" (which half of the
 * clock an hour without am/pm is in), "sharp", "on the dot".
 */
const AFTER_TIME = /^(?:\s+(?:in\s+the\s+(morning|afternoon|evening)|at\s+(night)|sharp|on\s+the\s+dot)\b)+/i;

/** The rest of a word ("seven-ish", "0700"). */
const REST = String.raw`[^\s,;.!?]*`;
/** An hour in a range of hours, "from nine to 5". */
const RANGE_HOUR = String.raw`(?:\d|(?:${HOUR_WORDS.join('|')}))`;
/** An hour in digits, or in words with something attached ("seven-ish"): a bare "at one" may be "at one point". */
const SAID_HOUR = String.raw`(?:\d|(?:${HOUR_WORDS.join('|')})(?=[-'\w]))`;
/** A time phrase next to the schedule that nothing could read ("at seven-ish", "from 1"). */
const UNREAD = new RegExp(
  String.raw`(?:\bat|@)\s+(?:(?:around|about|approximately|exactly|precisely)\s+)?(?:(?:a\s+)?(?:quarter|half)\s+(?:past|after|to|till|of|before)\b|${SAID_HOUR}${REST})|\b(?:from|between)\s+${RANGE_HOUR}${REST}\s+(?:and|to|until|till|through|-|–)\s+${RANGE_HOUR}${REST}|\bfrom\s+\d{1,2}(?::\d{2})?(?=\s*(?:[,;.!?]|$|on\b|every\b|each\b))`,
  'gi',
);

/** The part of the day said right after a time ("at 8 in the evening" → evening), or null. */
function partAfter(after: string): string | null {
  const m = AFTER_TIME.exec(after);
  return m === null ? null : (/\b(morning|afternoon|evening|night)\b/i.exec(m[0])?.[1] ?? null);
}

/**
 * A further time in a list chrono reads only the first of: ", 12 and 16" after "at 8". Not a
 * count of something ("and 3 reports") nor a time chrono reads itself ("and 5pm").
 */
const LIST_ITEM =
  /^(\s*(?:,\s*(?:and\s+)?|and\s+|&\s*)(?:at\s+)?)(\d{1,2})(?:[:.](\d{2}))?(?=\s*(?:,|and\b|&|[.;!?)]|$)|\s+(?:on|every|each|sharp|in\s+the\s+(?:morning|afternoon|evening)|at\s+night)\b)/i;

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
  // "at ten past the hour", "at quarter past" with no hour after it, "at :30".
  scanAll(
    scan,
    new RegExp(
      String.raw`\b(?:at\s+)?(?:a\s+)?(${MINUTES_SAID})\s+(?:minutes?\s+)?(?:past|after)\s+(?:the|each|every)\s+hour\b|\bat\s+(?:a\s+)?(${MINUTES_SAID})(?:\s+minutes?)?\s+(?:past|after)(?=\s*(?:[,;.!?]|$|(?:on|every|each|and)\b))|\bat\s+:(\d{2})\b`,
    ),
    (m) => {
      minute = m[3] === undefined ? minutesOf(m[1] ?? m[2] ?? '') : Number(m[3]);
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
  // chrono reads the digits; the spans go back to the instruction as the user wrote it.
  const clock = writeClockDigits(scan.input, scan.cuts);
  const view: ScheduleScan = {
    input: clock.text,
    cuts: scan.cuts.map(clock.toText),
    softCuts: scan.softCuts.map(clock.toText),
    issues: scan.issues,
  };
  const entries = readEntries(view, partOfDay);
  const attached = attach(view, entries);
  for (const span of unread(view, entries, attached).map(clock.toInput)) {
    addIssue(scan, `could not read the time of day "${scan.input.slice(...span).trim()}": write it as 7:15, 7:15pm or 19:15`);
    scan.softCuts.push(span);
  }
  const out: TimeReading = { times: [], window: null, start: null, minuteOfHour, mentioned: entries.length };
  for (const entry of attached) {
    if (entry.role === 'at') out.times.push(entry.time);
    else if (entry.role === 'start') out.start = entry.time;
    else out.window = { from: entry.time, to: entry.to ?? entry.time };
    scan.softCuts.push(clock.toInput(entry.span));
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
    const split = previous === undefined || view.cuts.some(([a, b]) => a >= previous.span[1] && b <= e.span[0]);
    if (split) groups.push('');
    groups[groups.length - 1] += `${clockOf(e.time)} `;
  });
  if (new Set(groups.map((g) => g.split(' ').sort().join())).size > 1) {
    addIssue(scan, `the times ${at.map((e) => clockOf(e.time)).join(', ')} go with different days; one cron expression cannot pair them`);
  }
  return out;
}

/**
 * The time phrases said next to the schedule phrase that no reader understood: left alone, the
 * schedule would run at midnight or at its part of the day's default hour. Each becomes an
 * issue instead of a wrong cron, and part of the schedule phrase.
 */
function unread(scan: ScheduleScan, entries: readonly Entry[], attached: readonly Entry[]): Span[] {
  const found: Span[] = [];
  const anchors: Span[] = [...scan.cuts, ...scan.softCuts, ...attached.map((e) => e.span)];
  const read = entries.map((e) => e.span);
  for (const m of scan.input.matchAll(UNREAD)) {
    const start = m.index;
    const end = start + m[0].length;
    if (overlaps(read, start, end) || overlaps(anchors, start, end)) continue;
    const next = anchors.some(
      ([a, b]) => (b <= start && GAP.test(scan.input.slice(b, start))) || (a >= end && GAP.test(scan.input.slice(end, a))),
    );
    if (next) found.push([start, end]);
  }
  return found;
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
    const reading = readOne(component, result.text, inner[0], input.slice(end), partOfDay);
    const { time } = reading;
    end += AFTER_TIME.exec(input.slice(end))?.[0].length ?? 0;
    // "and 12 midnight": chrono reads the 12 only after "at"; elsewhere it is part of the midnight.
    if (/^(?:midnight|noon|midday)/i.test(inner[0])) start -= /\b12\s+$/.exec(input.slice(0, start))?.[0].length ?? 0;
    start -= /(?:\bat|@)\s*$/i.exec(input.slice(0, start))?.[0].length ?? 0;

    const before = input.slice(0, start);
    const starting = /\b(?:starting|beginning)\s+(?:(?:at|from)\s+)?$/i.exec(before);
    const from = /\b(?:from|between)\s+$/i.exec(before);
    if (!dayRange && result.end?.isCertain('hour') === true) {
      // "from 9am to 5pm": chrono reads the range as one result.
      const to = { hour: result.end.get('hour') ?? 0, minute: result.end.get('minute') ?? 0 };
      // "from 9 to 5" ends in the afternoon: a window cannot end before it starts.
      const toWritten = [...result.text.matchAll(/(?:[-–]|\b(?:to|until|till|through))\s*(\d{1,2})/gi)].pop()?.[1] ?? '0';
      if (!result.end.isCertain('meridiem') && !toWritten.startsWith('0') && to.hour < time.hour && to.hour + 12 > time.hour) to.hour += 12;
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
    entries.push(...readList(input, entry, reading, taken));
  }
  // "every 6 hours from 1am": a "from" with no "to" is where the interval starts.
  if (between?.word === 'from') between.entry.role = 'start';
  return entries;
}

/**
 * The bare hours continuing the list `first` starts: "at 8, 12 and 16" (not "between 9 and 17",
 * a window). They follow the part of the day `first` was read in ("every evening at 7 and 9"),
 * or one said after the whole list ("at 7 and 9 in the evening"), which `first` then follows too.
 */
function readList(input: string, first: Entry, reading: Reading, taken: (start: number, end: number) => boolean): Entry[] {
  const { part } = reading;
  const items: { entry: Entry; written: number | null }[] = [{ entry: first, written: part === null ? reading.written : null }];
  let end = first.span[1];
  for (let item = LIST_ITEM.exec(input.slice(end)); item !== null; item = LIST_ITEM.exec(input.slice(end))) {
    const itemStart = end + (item[1]?.length ?? 0);
    const said = item[2] ?? '';
    // A leading zero or an hour past 12 is a 24-hour time, which no part of the day moves.
    const written = said.startsWith('0') || Number(said) > 12 ? null : Number(said);
    const hour = part !== null && written !== null ? (hourInPart(written, part) ?? written) : Number(said);
    const next = { hour, minute: item[3] === undefined ? 0 : Number(item[3]) };
    if (next.hour > 23 || next.minute > 59 || taken(itemStart, end + item[0].length)) break;
    end += item[0].length;
    items.push({ entry: { role: 'at', span: [itemStart, end], time: next }, written: part === null ? written : null });
  }
  const last = items[items.length - 1]?.entry;
  const tail = items.length > 1 ? AFTER_TIME.exec(input.slice(end)) : null;
  if (last !== undefined && tail !== null) {
    last.span[1] += tail[0].length;
    const tailPart = partAfter(tail[0]);
    for (const { entry, written } of items) if (written !== null) entry.time.hour = hourInPart(written, tailPart) ?? entry.time.hour;
  }
  items.forEach(({ entry }, i) => {
    const previous = items[i - 1]?.entry.time;
    if (previous !== undefined) entry.ambiguous = entry.time.hour <= 12 && entry.time.hour < previous.hour;
  });
  return items.slice(1).map((i) => i.entry);
}

/** A time read from chrono, the part of the day that placed it, and its hour if a part said later still may. */
interface Reading {
  time: TimeOfDay;
  part: string | null;
  /** The hour as written (1…12), while no am/pm, 24-hour form or part of the day has fixed it. */
  written: number | null;
}

/**
 * One time from a chrono result: midnight and noon taken literally, a 24-hour time as written,
 * and am/pm inferred from the part of the day.
 */
function readOne(component: chrono.ParsedComponents, said: string, written: string, after: string, partOfDay: string | null): Reading {
  const minute = component.get('minute') ?? 0;
  const fixed = (hour: number): Reading => ({ time: { hour, minute }, part: null, written: null });
  if (/midnight/i.test(written)) return fixed(0);
  if (/noon|midday/i.test(written)) return fixed(12);
  const hour = component.get('hour') ?? 0;
  if (component.isCertain('meridiem')) return fixed(hour);
  const digits = /\d{1,2}/.exec(written);
  if (digits === null) return fixed(hour);
  // "00:30", "07:00", "0:15", "19:00" are on the 24-hour clock: no part of the day moves them.
  if (digits[0].startsWith('0') || Number(digits[0]) > 12) return fixed(Number(digits[0]));
  const part = /\b(morning|afternoon|evening|night)\b/i.exec(said)?.[1] ?? partAfter(after) ?? partOfDay;
  const inPart = hourInPart(Number(digits[0]), part);
  return inPart === null
    ? { time: { hour, minute }, part: null, written: Number(digits[0]) }
    : { time: { hour: inPart, minute }, part, written: null };
}
