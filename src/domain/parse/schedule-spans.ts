/**
 * The bookkeeping the schedule readers share: which stretches of the instruction belong to the
 * schedule (cut out, so the clause parser reads only the actions), the issues found so far,
 * and the tidying of the text once the cuts are removed.
 */
import type { Issue } from '../definition/schema.ts';

/** A `[start, end)` stretch of the instruction. */
export type Span = [number, number];

/** One instruction being read for its schedule. */
export interface ScheduleScan {
  readonly input: string;
  /** Phrases that only a schedule says ("every Monday", "on the hour"): always cut. */
  readonly cuts: Span[];
  /**
   * Times of day and time zones: cut only when a schedule (or a schedule issue) results, since
   * without a recurrence "at 5pm EST" is part of what the action says.
   */
  readonly softCuts: Span[];
  readonly issues: Issue[];
}

/** A fresh scan of `input`. */
export function createScan(input: string): ScheduleScan {
  return { input, cuts: [], softCuts: [], issues: [] };
}

/** Records a schedule issue. */
export function addIssue(scan: ScheduleScan, message: string): void {
  scan.issues.push({ path: 'schedule', message });
}

/** Whether `[start, end)` overlaps one of `spans`. */
export function overlaps(spans: readonly Span[], start: number, end: number): boolean {
  return spans.some(([a, b]) => start < b && end > a);
}

/**
 * Calls `handle` on every match of `pattern` (case-insensitive) that does not overlap a phrase
 * an earlier, more specific pattern already took, and cuts the match unless `handle` returns
 * false (a match that turned out not to be a schedule phrase).
 */
export function scanAll(scan: ScheduleScan, pattern: RegExp, handle: (match: RegExpExecArray) => boolean | void): void {
  for (const match of scan.input.matchAll(new RegExp(pattern.source, 'gi'))) {
    const start = match.index;
    const end = start + match[0].length;
    if (overlaps(scan.cuts, start, end)) continue;
    if (handle(match) === false) continue;
    scan.cuts.push([start, end]);
  }
}

/** Where a cut was, while the text is tidied: connector words are only dropped next to one. */
const MARK = '\u0000';
const CONNECTOR = '(?:at|on|every|each|and|starting|beginning)';
/** After a cut "and" starts the next clause ("every Monday at 8 | and, if it grew, …"), so it stays. */
const LEADING_CONNECTOR = '(?:at|on|every|each|starting|beginning)';

/** Removes the given spans and tidies the punctuation and connector words they leave behind. */
export function removeSpans(text: string, spans: readonly Span[]): string {
  const sorted = [...spans].sort((a, b) => a[0] - b[0]);
  if (sorted.length === 0) return text.trim();
  let out = '';
  let pos = 0;
  for (const [start, end] of sorted) {
    if (end <= pos) continue;
    out += `${text.slice(pos, Math.max(pos, start))}${MARK}`;
    pos = Math.max(pos, end);
  }
  out += text.slice(pos);
  return (
    out
      // "(Europe/Paris)" leaves its brackets behind.
      .replace(new RegExp(`[([]\\s*${MARK}\\s*[)\\]]`, 'g'), MARK)
      // What joined two schedule phrases: "at 8am | and | 8pm", "on the 1st | and | 15th".
      .replace(new RegExp(`${MARK}(?:\\s*(?:,|&|and|or|${CONNECTOR}\\b))+\\s*${MARK}`, 'gi'), MARK)
      // A connector left hanging before a cut that ends the clause: "run the export at | ," .
      .replace(new RegExp(`\\b${CONNECTOR}\\s*${MARK}(?=\\s*(?:[,.;:!?]|$))`, 'gi'), MARK)
      // …or after a cut: "| and, back up the CRM".
      .replace(new RegExp(`(^|${MARK})\\s*${LEADING_CONNECTOR}\\s*(?=[,.;:!?]|$)`, 'gi'), '$1')
      .replaceAll(MARK, ' ')
      .replace(/\s+/g, ' ')
      .replace(/\s+([,.;:!?])/g, '$1')
      .replace(/([,;:])(?:\s*[,;:])+/g, '$1')
      // "…that were closed, every evening at 7 pm." keeps no comma before the full stop.
      .replace(/[,;:]+(?=[.!?]|\s*$)/g, '')
      .replace(/^[\s,;:.-]+/, '')
      .trim()
  );
}
