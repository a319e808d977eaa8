/**
 * Times of day said in words or in styles chrono-node does not read, rewritten in digits
 * before chrono reads the text: "a quarter past seven" → 7:15, "quarter to eight" → 7:45,
 * "half past six" → 6:30, "five past nine" → 9:05, "twenty to ten" → 9:40, "at seven" → 7,
 * "seven o'clock" → 7 o'clock, "at seven thirty" → 7:30, "at 9h30" → 9:30, "at 21h" → 21:00.
 *
 * "half seven" is read the British way, 7:30 (half past seven), as English dictionaries give
 * it; 6:30 is the German and Dutch "halb sieben", not an English reading. "Quarter of eight" and
 * "ten till nine" are the American 7:45 and 8:50.
 *
 * Words that may be something else than an hour ("at one point", "two reports", "half two
 * times") are rewritten only where a time is expected: after "at", "from", "until"… or after
 * another time in a list ("at seven and nine"), and only when what follows can end a time (a
 * comma, "on", "every", "in the evening", am/pm, a zone…). The rewritten text keeps a map back
 * to the original, so what is cut from the instruction is what the user wrote.
 */
import type { Span } from './schedule-spans.ts';
import { HOUR_WORDS, pad } from './schedule-words.ts';
import { ZONE_ABBREVIATIONS } from './schedule-zones.ts';

/** The instruction with its times of day in digits, and the way back to the instruction. */
export interface ClockText {
  /** The instruction with every time of day it could read written in digits. */
  text: string;
  /** A stretch of `text` → the same stretch of the instruction (a rewritten time maps whole). */
  toInput: (span: Span) => Span;
  /** A stretch of the instruction → the same stretch of `text`. */
  toText: (span: Span) => Span;
}

const HOUR = `(?:${HOUR_WORDS.join('|')})`;
const UNITS = ['one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];
const TEENS = ['ten', 'eleven', 'twelve', 'thirteen', 'fourteen', 'fifteen', 'sixteen', 'seventeen', 'eighteen', 'nineteen'];
const TENS: Readonly<Record<string, number>> = { twenty: 20, thirty: 30, forty: 40, fifty: 50 };
/** Minutes in words: "five", "fifteen", "thirty", "forty-five", "oh five". */
const MINUTE_WORDS = `(?:(?:twenty|thirty|forty|fifty)(?:[\\s-](?:${UNITS.join('|')}))?|${TEENS.join('|')}|o(?:h)?[\\s-](?:${UNITS.join('|')}))`;

/** Minutes past or to an hour as said: "quarter", "half", "10", "ten", "twenty-five". */
export const MINUTES_SAID = `(?:quarter|half|\\d{1,2}|${MINUTE_WORDS}|${UNITS.join('|')})`;

/** What may follow a time: the end of the phrase, a part of the day, a zone, the next schedule word. */
const END = `(?=\\s*(?:$|[,;:.!?()&–—]|\\s-|(?:o'?clock|sharp|noon|midday|midnight|on|every|each|and|or|to|until|till|through|then|daily|${ZONE_ABBREVIATIONS})\\b|[ap]\\.?m\\.?(?!\\w)|in\\s+the\\s+(?:morning|afternoon|evening)\\b|at\\s+night\\b|in\\s+(?:[A-Za-z_]+\\/|(?:[A-Za-z]+\\s+){1,2}time\\b)))`;

/** Where a time is expected: "at", "from 7 until", "at around". */
const INTRODUCED = /(?:\b(?:at|from|until|till|between)|@)\s+(?:(?:around|about|approximately|exactly|precisely)\s+)?$/i;
/** Only "at" (or "until") can introduce "ten to nine": after "from" it is a range of hours. */
const INTRODUCED_AT = /(?:\b(?:at|until|till)|@)\s+(?:(?:around|about|approximately|exactly|precisely)\s+)?$/i;
/** A further time of a list or range: "7 and", "7:30, ", "7 to". */
const CONTINUED =
  /(?:\d|\bnoon|\bmidday|\bmidnight|o'?clock|[ap]\.?m\.?)\s*(?:,\s*(?:and\s+)?|\s(?:and|or|to|until|till|through)\s+|\s*[&–—-]\s*)$/i;

type Need = 'none' | 'at' | 'introduced';

interface Pattern {
  regex: RegExp;
  /** What must come before: nothing, "at"/"until", or any introducer or list. */
  need: (m: RegExpExecArray) => Need;
  /** The time in digits, or null when the words are no time ("seventy past two"). */
  digits: (m: RegExpExecArray) => string | null;
}

function numberOf(word: string): number {
  const lower = word.toLowerCase();
  if (/^\d+$/.test(lower)) return Number(lower);
  const hour = HOUR_WORDS.indexOf(lower);
  if (hour >= 0) return hour + 1;
  const parts = lower.split(/[\s-]+/);
  if (parts[0] === 'o' || parts[0] === 'oh') return UNITS.indexOf(parts[1] ?? '') + 1 || Number.NaN;
  const teen = TEENS.indexOf(lower);
  if (teen >= 0) return teen + 10;
  const tens = TENS[parts[0] ?? ''];
  if (tens === undefined) return UNITS.indexOf(lower) + 1 || Number.NaN;
  return parts[1] === undefined ? tens : tens + (UNITS.indexOf(parts[1]) + 1 || Number.NaN);
}

/** The minutes a {@link MINUTES_SAID} stands for (NaN when none). */
export function minutesOf(said: string): number {
  const lower = said.toLowerCase();
  return lower === 'quarter' ? 15 : lower === 'half' ? 30 : numberOf(lower);
}

/** "nine" → "9"; "9:30" stays. */
function digitsOf(said: string): string {
  return /\d/.test(said) ? said : String(numberOf(said));
}

/** `7, 15` → `7:15`; a word hour is on the 12-hour clock, so the hour before one is twelve. */
function clockOf(hour: number, minute: number, twelveHour: boolean): string | null {
  const h = twelveHour && hour === 0 ? 12 : hour;
  if (!(h >= 0 && h <= 23 && minute >= 0 && minute <= 59)) return null;
  return `${h}:${pad(minute)}`;
}

const PATTERNS: readonly Pattern[] = [
  {
    // "at around 7": chrono reads no time after a hedge; it goes with the time it hedges.
    regex: new RegExp(`(?<=(?:\\bat|@)\\s+)(?:around|about|approximately|roughly)\\s+(?=(?:a\\s+)?(?:quarter|half|\\d|${HOUR}\\b))`, 'gi'),
    need: () => 'none',
    digits: () => '',
  },
  {
    // "a quarter past seven", "half past 8", "five past nine", "ten to ten", "20 minutes after 6", "quarter of eight".
    regex: new RegExp(
      `\\b(?:a\\s+)?(${MINUTES_SAID})(\\s+minutes?)?\\s+(past|after|to|till|of|before)\\s+(${HOUR}|\\d{1,2})\\b${END}`,
      'gi',
    ),
    // "from five to nine" is a range of hours; "ten to nine" is 8:50 only where a time is expected.
    need: (m) => (/^(?:past|after)$/i.test(m[3] ?? '') || /quarter/i.test(m[1] ?? '') || m[2] !== undefined ? 'none' : 'at'),
    digits: (m) => {
      const said = (m[1] ?? '').toLowerCase();
      const minutes = minutesOf(said);
      const hour = numberOf(m[4] ?? '');
      const before = !/^(?:past|after)$/i.test(m[3] ?? '');
      if (said === 'half' && before) return null;
      if (!(minutes >= 1 && minutes <= 59 && hour >= 0 && hour <= 23)) return null;
      return before ? clockOf(hour - 1, 60 - minutes, hour <= 12) : clockOf(hour, minutes, false);
    },
  },
  {
    // "between 9 and 17": chrono reads no range of bare hours said with "between"; it reads "from 9 to 17".
    regex: new RegExp(`\\bbetween\\s+(${HOUR}|\\d{1,2}(?::\\d{2})?)\\s+and\\s+(${HOUR}|\\d{1,2}(?::\\d{2})?)\\b${END}`, 'gi'),
    need: () => 'none',
    digits: (m) => `from ${digitsOf(m[1] ?? '')} to ${digitsOf(m[2] ?? '')}`,
  },
  {
    // "seven o'clock", "seven pm".
    regex: new RegExp(`\\b(${HOUR})(?=\\s*(?:o'?clock\\b|[ap]\\.?m\\.?(?!\\w)))`, 'gi'),
    need: () => 'none',
    digits: (m) => String(numberOf(m[1] ?? '')),
  },
  {
    // British "half seven": half past seven.
    regex: new RegExp(`\\bhalf\\s+(${HOUR}|\\d{1,2})\\b${END}`, 'gi'),
    need: () => 'introduced',
    digits: (m) => (numberOf(m[1] ?? '') <= 12 ? clockOf(numberOf(m[1] ?? ''), 30, false) : null),
  },
  {
    // "seven thirty", "six forty-five", "nine oh five".
    regex: new RegExp(`\\b(${HOUR})[\\s-](${MINUTE_WORDS})\\b${END}`, 'gi'),
    need: () => 'introduced',
    digits: (m) => clockOf(numberOf(m[1] ?? ''), numberOf(m[2] ?? ''), false),
  },
  {
    // "at seven", "from nine to five".
    regex: new RegExp(`\\b(${HOUR})\\b${END}`, 'gi'),
    need: () => 'introduced',
    digits: (m) => String(numberOf(m[1] ?? '')),
  },
  {
    // French style, "9h30", "21h", "21h00"; not "every 2h" (a count of hours).
    regex: new RegExp(`\\b([01]?\\d|2[0-3])h([0-5]\\d)?\\b${END}`, 'gi'),
    need: () => 'introduced',
    digits: (m) => clockOf(Number(m[1]), Number(m[2] ?? 0), false),
  },
];

interface Rewrite {
  span: Span;
  digits: string;
}

/** Every candidate time, earliest first and, at one place, the longest reading first. */
function candidates(input: string): (Rewrite & { need: Need })[] {
  const out: (Rewrite & { need: Need })[] = [];
  for (const pattern of PATTERNS) {
    for (const m of input.matchAll(pattern.regex)) {
      const digits = pattern.digits(m);
      if (digits !== null) out.push({ span: [m.index, m.index + m[0].length], digits, need: pattern.need(m) });
    }
  }
  return out.sort((a, b) => a.span[0] - b.span[0] || b.span[1] - a.span[1]);
}

/**
 * Rewrites the times of day of `input` in digits, leaving alone what lies in `cuts` (phrases
 * already read, like "half past the hour").
 */
export function writeClockDigits(input: string, cuts: readonly Span[]): ClockText {
  const rewrites: Rewrite[] = [];
  let text = '';
  let pos = 0;
  for (const c of candidates(input)) {
    const [start, end] = c.span;
    if (start < pos || cuts.some(([a, b]) => start < b && end > a)) continue;
    // What comes before is read as rewritten so far, so "at seven and nine" continues a list.
    const before = text + input.slice(pos, start);
    const ok = c.need === 'none' || (c.need === 'at' ? INTRODUCED_AT.test(before) : INTRODUCED.test(before) || CONTINUED.test(before));
    if (!ok) continue;
    text = before + c.digits;
    pos = end;
    rewrites.push(c);
  }
  text += input.slice(pos);
  return mapping(input, text, rewrites);
}

/** The two-way map between `input` and `text`, which differ only in `rewrites`. */
function mapping(input: string, text: string, rewrites: readonly Rewrite[]): ClockText {
  // Each rewrite moves what follows it by the difference in length.
  const pieces = rewrites.map((r) => ({ from: r.span, to: [0, 0] as Span }));
  let shift = 0;
  for (const [i, r] of rewrites.entries()) {
    const piece = pieces[i];
    if (piece === undefined) continue;
    piece.to = [r.span[0] + shift, r.span[0] + shift + r.digits.length];
    shift += r.digits.length - (r.span[1] - r.span[0]);
  }
  const move = (at: number, side: 0 | 1, a: 'from' | 'to', b: 'from' | 'to'): number => {
    let offset = 0;
    for (const piece of pieces) {
      const [s, e] = piece[a];
      if (at <= s) break;
      if (at < e) return piece[b][side];
      offset = piece[b][1] - e;
    }
    return at + offset;
  };
  if (rewrites.length === 0) return { text: input, toInput: (span) => span, toText: (span) => span };
  return {
    text,
    toInput: ([s, e]) => [move(s, 0, 'to', 'from'), move(e, 1, 'to', 'from')],
    toText: ([s, e]) => [move(s, 0, 'from', 'to'), move(e, 1, 'from', 'to')],
  };
}
