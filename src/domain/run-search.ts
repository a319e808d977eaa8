// The words runs are found by (`runs(filter: {search})`). A run's words are computed once, when
// it is created, and stored one row per word (RunSearchTerm) in its own transaction; a search
// matches whole words exactly, which keeps every word's matches in creation order in the
// (workspaceId, term, createdAt, runId) key, so a page of a search seeks that key like any list.
// Prefix matching would need a range of terms, whose matches no index keeps in run order.
import { ValidationError } from './errors.ts';

/** Longest word kept; longer words (stored or searched) are cut to this many characters. */
export const MAX_TERM_LENGTH = 64;
/** Distinct words taken from a run's input; the rest of a large input is not searchable. */
export const MAX_INPUT_TERMS = 64;
/** Words one search may name. */
export const MAX_SEARCH_WORDS = 8;
/** Input values visited at most (objects, arrays and strings), so a huge input costs little. */
const MAX_VISITED = 2_000;
/** Characters of one input string looked at. */
const MAX_STRING_LENGTH = 4_096;

const WORD = /[\p{L}\p{N}]+/gu;

/** The words of `text`: runs of letters and digits, lowercased, each cut to {@link MAX_TERM_LENGTH} characters. */
export function wordsOf(text: string): string[] {
  const words: string[] = [];
  for (const match of text.normalize('NFKC').toLowerCase().matchAll(WORD)) {
    const chars = Array.from(match[0]);
    words.push(chars.length > MAX_TERM_LENGTH ? chars.slice(0, MAX_TERM_LENGTH).join('') : match[0]);
  }
  return words;
}

/** What a run's words come from. */
export interface SearchableRun {
  id: string;
  inputs: unknown;
  workflowKey: string;
  workflowName: string;
}

/**
 * The distinct words a run is found by: those of its id (so its whole id and its first eight
 * characters find it), of its workflow's key and name, and of the string values of its input
 * (at most {@link MAX_INPUT_TERMS} of them, in document order).
 */
export function searchTermsOf(run: SearchableRun): string[] {
  const terms = new Set([...wordsOf(run.id), ...wordsOf(run.workflowKey), ...wordsOf(run.workflowName)]);
  let fromInput = 0;
  let visited = 0;
  const stack: unknown[] = [run.inputs];
  while (stack.length > 0 && fromInput < MAX_INPUT_TERMS && visited < MAX_VISITED) {
    const value = stack.pop();
    visited += 1;
    if (typeof value === 'string') {
      for (const word of wordsOf(value.slice(0, MAX_STRING_LENGTH))) {
        if (terms.has(word)) continue;
        terms.add(word);
        if (++fromInput >= MAX_INPUT_TERMS) break;
      }
    } else if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) stack.push(value[i]);
    } else if (value && typeof value === 'object') {
      const values = Object.values(value as Record<string, unknown>);
      for (let i = values.length - 1; i >= 0; i--) stack.push(values[i]);
    }
  }
  return [...terms];
}

/**
 * The words a search requires, distinct, longest first (the longest is likely the rarest, and
 * the page is read from its matches). Empty when the text has no word: no filter. A
 * ValidationError at `path` when it names more than {@link MAX_SEARCH_WORDS}.
 */
export function searchWords(text: string, path = 'filter.search'): string[] {
  const words = [...new Set(wordsOf(text))].sort((a, b) => b.length - a.length || (a < b ? -1 : a > b ? 1 : 0));
  if (words.length > MAX_SEARCH_WORDS) {
    throw new ValidationError([{ path, message: `names ${words.length} words; a search takes at most ${MAX_SEARCH_WORDS}` }]);
  }
  return words;
}
