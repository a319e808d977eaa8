/**
 * One action clause as written, and how its verb is found: after fillers ("please", "we want
 * to"), in a passive ("the invoices get sent", "Klaviyo should send", "a recap emailed to the
 * team"), or as an unknown word followed by its object ("fax the contract").
 */
import { verbBase, words } from './text.ts';

/** One action, as written. */
export interface ActionClause {
  text: string;
  /** Lowercase words of `text`. */
  words: string[];
  /** The verb's base form ("pulling" → "pull"), or null when the clause has none. */
  verb: string | null;
  /** Position of the verb in `words` (-1 when none). */
  verbIndex: number;
}

/** Whether a word is a verb: the lexicon's, or a word of an offered tool's or agent's name. */
export type IsVerb = (word: string) => boolean;
/** Leading words that are not the verb ("please", "we want to", "automatically"). */
const FILLERS = new Set(
  (
    "please we i you should must want wants need needs to automatically also just then can will let's lets go ahead and finally " +
    "lastly next first firstly second secondly third thirdly immediately always quickly so would like i'd we'd pls plz " +
    'kindly also afterwards then'
  ).split(' '),
);
/** Words after which an unknown first word is read as a verb ("fax the contract", "geocode them"). */
const OBJECT_STARTS = new Set(
  'the a an all every each any it them him her me us this that these those their its our my your his some up down back out'.split(' '),
);

/** Finds the verb: the first word after fillers (or after an "-ly" adverb); an unknown word counts when an object follows it. */
export function makeClause(text: string, isVerb: IsVerb = () => false): ActionClause {
  const list = words(text);
  let i = 0;
  while (i < list.length && FILLERS.has(list[i] ?? '')) i++;
  // "… before it is sent for signature via DocuSign": a passive says what is done, to the previous step's output.
  // A subject of a few words first: "the invoices get sent by email" (passive), "Klaviyo should send
  // the campaign" (modal), "the points should be expired in Smile.io" (both).
  if (verbBase(list[i] ?? '') === undefined || OBJECT_STARTS.has(list[i] ?? '')) {
    for (let at = i + 1; at <= i + 10 && at + 1 < list.length; at++) {
      const word = list[at] ?? '';
      const modal = /^(?:should|must|will|shall|can|needs?|has|have)$/.test(word);
      if (!modal && !/^(?:is|are|gets|get|be|been)$/.test(word)) continue;
      let next = at + 1;
      while (/^(?:to|be|been|get|also|then|always|automatically|immediately)$/.test(list[next] ?? '') && next < at + 3) next++;
      const candidate = list[next] ?? '';
      const passive = next > at + 1 || !modal;
      const base = passive ? (/(?:ed|en|t)$/.test(candidate) ? verbBase(candidate) : undefined) : verbBase(candidate);
      if (base !== undefined) return { text, words: list, verb: base, verbIndex: next };
      if (modal && isVerb(candidate)) return { text, words: list, verb: candidate, verbIndex: next };
      break;
    }
  }
  if (participleClause(text)) {
    const at = list.findIndex((w, k) => k > 0 && /(?:ed|en)$/.test(w) && verbBase(w) !== undefined);
    if (at > 0) return { text, words: list, verb: verbBase(list[at] ?? '') ?? null, verbIndex: at };
  }
  for (const at of [i, i + 1]) {
    const word = list[at];
    if (word === undefined) break;
    const base = verbBase(word);
    if (base !== undefined) return { text, words: list, verb: base, verbIndex: at };
    if (isVerb(word)) return { text, words: list, verb: word, verbIndex: at };
    if (/^[a-z][a-z-]+$/.test(word) && OBJECT_STARTS.has(list[at + 1] ?? '') && !OBJECT_STARTS.has(word)) {
      return { text, words: list, verb: word, verbIndex: at };
    }
    if (!word.endsWith('ly')) break;
  }
  return { text, words: list, verb: null, verbIndex: -1 };
}

/** "a recap emailed to the CRM team", "the duplicates removed": a passive with its auxiliary left out, in a list of passives. */
export function participleClause(text: string): boolean {
  const match =
    /^(?:a|an|the|all|any)\s+(?:[\w'-]+\s+){0,3}?([a-z]+(?:ed|en))\b(?=\s+(?:to|from|in|into|by|on|for|with|and)\b|\s*[,;.]|$)/i.exec(text);
  return match !== null && verbBase(match[1] ?? '') !== undefined;
}
