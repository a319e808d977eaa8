/**
 * Splits an instruction (its schedule phrase already removed) into blocks: plain action
 * clauses in order, and conditional blocks ("if X, Y[, otherwise Z]", "when X, Y", "Y if X").
 *
 * Sentences end at `.`, `!`, `?` or `;` followed by a space (so `salesforce.query` stays
 * whole). Inside a sentence, actions are separated by "then", "and then", "after that",
 * "afterwards", "and finally", by commas, and by "and" when the next word is a verb in its
 * base form ("pull data and email it"). A fragment without a verb is glued back onto the
 * previous action ("email Bob, Alice and Carol"); one with nothing before it is kept, verbless,
 * for the caller to decide (it may name a tool outright). Negated fragments ("don't email
 * anyone") are dropped and reported.
 */
import { isImperative, verbBase, words } from './text.ts';

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

export type Block =
  { kind: 'action'; clause: ActionClause } | { kind: 'condition'; text: string; onTrue: ActionClause[]; onFalse: ActionClause[] };

export interface Segmentation {
  blocks: Block[];
  /** Fragments that produced nothing, with the reason. */
  ignored: { text: string; reason: string }[];
}

/** Leading words that are not the verb ("please", "we want to", "automatically"). */
const FILLERS = new Set([
  'please',
  'we',
  'i',
  'you',
  'should',
  'must',
  'want',
  'wants',
  'need',
  'needs',
  'to',
  'automatically',
  'also',
  'just',
  'then',
  'can',
  'will',
  "let's",
  'lets',
  'go',
  'ahead',
  'and',
  'finally',
  'lastly',
  'next',
  'first',
  'firstly',
  'second',
  'secondly',
  'third',
  'thirdly',
  'immediately',
  'always',
  'quickly',
  'so',
  'would',
  'like',
  "i'd",
  "we'd",
]);

const CONDITION_WORDS = '(?:if|when|whenever|once|in case|as soon as|each time|every time)';
const LEADING_CONDITION = new RegExp(`^(?:(?:and|then|but|only|so|next|finally)[\\s,]+)*${CONDITION_WORDS}\\s+(.+)$`, 'i');
const TRAILING_CONDITION = /^(.+?)[\s,]+(?:but\s+)?(?:only\s+)?(?:if|when|whenever|in case|as soon as)\s+(.+)$/i;
const ELSE_SENTENCE = /^(?:otherwise|else|if not|or else)\b[\s,:]*(.*)$/i;
const ELSE_SPLIT = /[,;]?\s*\b(?:otherwise|or else|else|if not)\b[\s,:]*/i;
const NEGATED = /^(?:don't|do not|dont|never|no need to|not|without|skip|avoid)\b/i;
const SEQUENCE =
  /\s*[,;]?\s*\b(?:and\s+then|and\s+after\s+that|after\s+that|afterwards|afterward|and\s+finally|and\s+lastly|then)\b\s*,?\s*|,(?!\d)\s*/i;

/** Finds the verb: the first word after fillers, or the one after an "-ly" adverb. */
export function makeClause(text: string): ActionClause {
  const list = words(text);
  let i = 0;
  while (i < list.length && FILLERS.has(list[i] ?? '')) i++;
  for (const at of [i, i + 1]) {
    const word = list[at];
    if (word === undefined) break;
    const base = verbBase(word);
    if (base !== undefined) return { text, words: list, verb: base, verbIndex: at };
    if (!word.endsWith('ly')) break;
  }
  return { text, words: list, verb: null, verbIndex: -1 };
}

function stripConnectors(text: string): string {
  let out = text.trim();
  for (;;) {
    const next = out
      .replace(/^(?:and|also|finally|lastly|next|first|firstly|second|secondly|third|thirdly|then|so|afterwards|plus|&)\b[\s,:]*/i, '')
      .replace(/^[\s,;:-]+/, '')
      .trim();
    if (next === out) return out.replace(/[\s,;:.!?]+$/, '').trim();
    out = next;
  }
}

/** Tells whether a verbless fragment names a tool or agent ("…, then the ReportGenerator"). */
export type NamesTarget = (text: string) => boolean;

/** Splits a run of actions; verbless pieces are glued to the previous action unless they name a target. */
function splitActions(text: string, ignored: Segmentation['ignored'], namesTarget: NamesTarget): ActionClause[] {
  const pieces = text
    .split(new RegExp(SEQUENCE.source, 'gi'))
    .flatMap(splitOnAndVerb)
    .map(stripConnectors)
    .filter((piece) => piece !== '');
  const out: ActionClause[] = [];
  for (const piece of pieces) {
    if (NEGATED.test(piece)) {
      ignored.push({ text: piece, reason: 'negated: nothing to do' });
      continue;
    }
    const clause = makeClause(piece);
    const previous = out[out.length - 1];
    if (clause.verb === null && previous !== undefined && previous.verb !== null && !namesTarget(piece)) {
      out[out.length - 1] = makeClause(`${previous.text}, ${piece}`);
      continue;
    }
    out.push(clause);
  }
  return out;
}

/** "pull data and email it" → ["pull data", "email it"]; "sales and marketing data" stays whole. */
function splitOnAndVerb(text: string): string[] {
  const out: string[] = [];
  let rest = text;
  for (;;) {
    const match = [...rest.matchAll(/\s+(?:and|&)\s+([A-Za-z']+)/gi)].find((m) => isImperative(m[1] ?? ''));
    if (match === undefined) break;
    out.push(rest.slice(0, match.index));
    rest = rest.slice(match.index + match[0].length - (match[1] ?? '').length);
  }
  out.push(rest);
  return out;
}

/** Where the condition of "if X Y" (no comma) ends: before the first imperative after two words. */
function splitConditionWithoutComma(rest: string): [string, string] | null {
  const matches = [...rest.matchAll(/[A-Za-z']+/g)];
  for (let k = 2; k < matches.length; k++) {
    const match = matches[k];
    if (match !== undefined && isImperative(match[0])) return [rest.slice(0, match.index).trim(), rest.slice(match.index).trim()];
  }
  return null;
}

/** Segments the instruction text into blocks. */
export function segment(text: string, namesTarget: NamesTarget = () => false): Segmentation {
  const ignored: Segmentation['ignored'] = [];
  const blocks: Block[] = [];
  const sentences = text
    .split(/(?<=[.!?;])\s+|\n+/)
    .map((s) => s.trim().replace(/[.!?;]+$/, ''))
    .filter((s) => s !== '');
  const actions = (list: ActionClause[]): void => {
    for (const clause of list) blocks.push({ kind: 'action', clause });
  };

  for (const raw of sentences) {
    const sentence = raw.replace(/^[\s,;:-]+/, '').trim();
    const otherwise = ELSE_SENTENCE.exec(sentence);
    const last = blocks[blocks.length - 1];
    if (otherwise && last?.kind === 'condition' && last.onFalse.length === 0) {
      last.onFalse = splitActions(otherwise[1] ?? '', ignored, namesTarget);
      continue;
    }

    const leading = LEADING_CONDITION.exec(sentence);
    if (leading) {
      const rest = leading[1] ?? '';
      const separator = /,(?!\d)\s*(?:then\b\s*)?|\s+then\s+/i.exec(rest);
      const parts: [string, string] | null =
        separator !== null
          ? [rest.slice(0, separator.index).trim(), rest.slice(separator.index + separator[0].length).trim()]
          : splitConditionWithoutComma(rest);
      if (parts === null) {
        ignored.push({ text: sentence, reason: 'a condition without an action' });
        continue;
      }
      const [test, consequence] = parts;
      const [whenTrue = '', whenFalse = ''] = consequence.split(ELSE_SPLIT);
      blocks.push({
        kind: 'condition',
        text: test,
        onTrue: splitActions(whenTrue, ignored, namesTarget),
        onFalse: splitActions(whenFalse, ignored, namesTarget),
      });
      continue;
    }

    const trailing = TRAILING_CONDITION.exec(sentence);
    if (trailing) {
      const before = splitActions(trailing[1] ?? '', ignored, namesTarget);
      const lastAction = before[before.length - 1];
      if (lastAction?.verb !== null && lastAction !== undefined) {
        actions(before.slice(0, -1));
        const [test = '', whenFalse = ''] = (trailing[2] ?? '').split(ELSE_SPLIT);
        blocks.push({ kind: 'condition', text: test.trim(), onTrue: [lastAction], onFalse: splitActions(whenFalse, ignored, namesTarget) });
        continue;
      }
    }
    actions(splitActions(sentence, ignored, namesTarget));
  }
  return { blocks, ignored };
}
