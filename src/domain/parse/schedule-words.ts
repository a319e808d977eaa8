/**
 * The vocabulary the schedule readers share: day names, counts written as words, ordinals for
 * days of the month, and the guard that tells "weekly, send it" from "send the weekly report".
 */

export const DAY_NAMES: readonly string[] = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
export const MONTH_NAMES: readonly string[] = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

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

/** 0 (Sunday) … 6 for a day name or abbreviation, singular or plural; undefined for anything else. */
export function dayIndex(name: string): number | undefined {
  const lower = name.toLowerCase();
  return DAY_INDEX[lower] ?? DAY_INDEX[lower.replace(/s$/, '')];
}

export const FULL_DAY = '(?:sunday|monday|tuesday|wednesday|thursday|friday|saturday)s?';
export const ANY_DAY = '(?:sunday|monday|tuesday|wednesday|thursday|friday|saturday|sun|mon|tues?|wed|thu(?:rs?)?|fri|sat)s?';
export const LIST_SEP = '(?:\\s*,\\s*(?:and\\s+)?|\\s+and\\s+|\\s*&\\s*|\\s+or\\s+|\\s*\\/\\s*)';

/**
 * "daily", "weekly"… after a determiner describe a thing ("send the weekly report"), not when
 * to run; only a bare one is a schedule ("weekly, send the report").
 */
export const ADJ = '(?<!\\b(?:the|a|an|our|my|your|their|its|his|her|this|that|these|those|last|next|each)\\s+)\\b';

/** The hours of the 12-hour clock in words, "one" … "twelve" (index + 1). */
export const HOUR_WORDS: readonly string[] = [
  'one',
  'two',
  'three',
  'four',
  'five',
  'six',
  'seven',
  'eight',
  'nine',
  'ten',
  'eleven',
  'twelve',
];

/** Hour used when a recurrence names a part of the day but no time ("every morning"). */
export const PART_OF_DAY: Readonly<Record<string, number>> = { morning: 9, afternoon: 14, evening: 18, night: 0, nightly: 0 };

const COUNT_WORDS: Readonly<Record<string, number>> = {
  one: 1,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9,
  ten: 10,
  eleven: 11,
  twelve: 12,
  fifteen: 15,
  twenty: 20,
  thirty: 30,
  once: 1,
  twice: 2,
  thrice: 3,
  other: 2,
  second: 2,
};

/** A count written in digits or words ("15", "fifteen", "twice"). */
export const COUNT = `(?:\\d{1,3}|${Object.keys(COUNT_WORDS).join('|')})`;

/** The number a {@link COUNT} match stands for (NaN when it is none). */
export function countOf(word: string): number {
  const lower = word.toLowerCase().trim();
  return /^\d+$/.test(lower) ? Number(lower) : (COUNT_WORDS[lower] ?? Number.NaN);
}

const UNIT_ORDINALS = ['first', 'second', 'third', 'fourth', 'fifth', 'sixth', 'seventh', 'eighth', 'ninth'];
const TEEN_ORDINALS = [
  'tenth',
  'eleventh',
  'twelfth',
  'thirteenth',
  'fourteenth',
  'fifteenth',
  'sixteenth',
  'seventeenth',
  'eighteenth',
  'nineteenth',
];

/** Ordinal words of the days of a month, "first" … "thirty-first" (compounds written with a hyphen). */
function ordinalWords(): Map<string, number> {
  const out = new Map<string, number>();
  UNIT_ORDINALS.forEach((word, i) => out.set(word, i + 1));
  TEEN_ORDINALS.forEach((word, i) => out.set(word, i + 10));
  out.set('twentieth', 20);
  UNIT_ORDINALS.forEach((word, i) => out.set(`twenty-${word}`, i + 21));
  out.set('thirtieth', 30);
  out.set('thirty-first', 31);
  return out;
}

/** One day of the month in words or digits: "first", "twenty-first", "15th", "last". */
export const ORDINAL_DAY = `(?:(?:twenty|thirty)[\\s-](?:${UNIT_ORDINALS.join('|')})|${[...TEEN_ORDINALS, ...UNIT_ORDINALS, 'twentieth', 'thirtieth'].join('|')}|last|\\d{1,2}(?:st|nd|rd|th))`;

/** The day numbers of a list of {@link ORDINAL_DAY}s (or bare numbers); 'L' is the last day. */
export function monthDaysOf(list: string): (number | 'L')[] {
  const words = ordinalWords();
  const items = list.toLowerCase().match(new RegExp(`${ORDINAL_DAY}|\\d{1,2}`, 'g')) ?? [];
  return items.map((item) => {
    if (item === 'last') return 'L';
    const digits = /^\d+/.exec(item);
    return digits !== null ? Number(digits[0]) : (words.get(item.replace(/\s+/, '-')) ?? Number.NaN);
  });
}

/** `7` → `07`, for clock times. */
export function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/** `[1,2,3,4,5]` → `1-5`; `[1,3]` → `1,3`. */
export function formatList(values: readonly number[]): string {
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

/** `['a', 'b', 'c']` → `a, b and c`. */
export function joinWords(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}
