/**
 * Clauses that reshape the data flowing through the run ("dedupe it by SKU", "strip out the IP
 * addresses", "pull out the invoice number, date and amount", "drop the ones under $300k",
 * "keep only the top 10", "convert it to CSV") when no offered tool does it: they become
 * `transform` steps, a JSONata expression applied to the previous step's output (`$`).
 *
 * What the words say plainly is written as the expression: a de-duplication (by a field or
 * whole), fields removed, redacted or picked out, a sort, the first N, a filter on a comparison.
 * Anything else ("convert the letter grades to a 4.0 scale") gets `$`, which passes the data
 * through unchanged, and the caller reports that the expression is left to write: the step is
 * in the right place with the right input, but what it computes was not read from the text.
 * Field names are the words written, singular and snake_case ("dates of birth" →
 * `date_of_birth`): a draft to check against the data, like every parsed workflow.
 */
import lemmatizer from 'wink-lemmatizer';
import type { ActionClause } from './action-clause.ts';
import { readCondition } from './conditions.ts';
import { slug } from './text.ts';

/** A transform step's expression, and whether it says what the text asked. */
export interface TransformDraft {
  expression: string;
  /** False when the expression only passes its input through: it is left to write. */
  drafted: boolean;
}

/** Verbs that reshape data whatever their object. */
export const RESHAPING_VERBS: ReadonlySet<string> = new Set(
  (
    'dedupe deduplicate dedup filter sort group gzip zip compress anonymize anonymise pseudonymize redact mask normalize ' +
    'normalise trim flatten reformat format aggregate reshape transform cleanse sanitize strip convert'
  ).split(' '),
);
/** Verbs that reshape data only when their object is part of it ("drop the duplicates", not "drop the table"). */
const PARTIAL_VERBS: ReadonlySet<string> = new Set(
  'drop remove delete exclude keep extract pull pick clean combine split merge take'.split(' '),
);
const DATA_OBJECT =
  /\b(?:fields?|columns?|rows?|records?|entries|entry|lines?|duplicates?|dupes?|values?|attributes?|properties|ones|anyone|blanks?|nulls?|empty|headers?|results?|top|bottom|only|out)\b/;
const DETERMINERS = new Set('the a an their its his her our your any all each every those these this that some'.split(' '));
/** Where an object phrase ends ("… from the results", "… before loading"). */
const BOUNDARY = /\s+(?:from|in|into|to|before|after|on|for|with|then|so)\s+.*$/;
const QUALIFIER =
  /^(.*?)\s*\b(where|with|whose|that|which|who|under|over|above|below|less\s+than|more\s+than|greater\s+than|older\s+than|newer\s+than|at\s+least|at\s+most)\b\s*(.*)$/;
/** Words saying which way a sort goes, not what it sorts by ("by price descending"). */
const DIRECTION =
  /\s+(?:asc(?:ending)?|desc(?:ending)?|first|last|(?:largest|highest|biggest|newest|oldest|smallest|lowest)(?:\s+first)?)$/;
const COMPARISON: Readonly<Record<string, string>> = { gt: '>', gte: '>=', lt: '<', lte: '<=', equals: '=', notEquals: '!=' };

/** Whether a clause reshapes the data it is given (see the module comment). */
export function reshapesData(clause: ActionClause): boolean {
  const verb = clause.verb;
  if (verb === null) return false;
  if (RESHAPING_VERBS.has(verb)) return true;
  if (!PARTIAL_VERBS.has(verb)) return false;
  const object = objectText(clause);
  // "pull out the invoice number", "take only the top 10"; "pull the test results" is a read that needs a tool.
  if (['pull', 'take', 'pick'].includes(verb)) return /^(?:out|only)\b|\b(?:top|first)\s+\d/.test(object);
  return DATA_OBJECT.test(object);
}

/** The expression for a reshaping clause (see the module comment). */
export function draftTransform(clause: ActionClause): TransformDraft {
  const verb = clause.verb ?? '';
  const object = objectText(clause).replace(/^out\s+/, '');
  const by =
    /\b(?:by|on)\s+(?:the\s+|their\s+|its\s+)?([a-z0-9][a-z0-9 _-]*?)(?:\s+(?:and|then|before|after|from|in|into|to|so)\b.*)?$/.exec(
      object,
    );
  const byField = by === null ? undefined : fieldName((by[1] ?? '').replace(DIRECTION, '').trim());
  if (['dedupe', 'deduplicate', 'dedup'].includes(verb) || /^(?:the\s+|any\s+|all\s+)?(?:duplicates?|dupes?)\b/.test(object)) {
    return byField === undefined
      ? { expression: '$distinct($)', drafted: true }
      : {
          expression: `$reduce($, function($kept, $row) { $row.${quote(byField)} in $kept.${quote(byField)} ? $kept : $append($kept, $row) }, [])`,
          drafted: true,
        };
  }
  const descending = /\b(?:desc(?:ending)?|largest|highest|biggest|newest|most\s+recent|latest)\b/.test(object);
  const sorted = byField === undefined ? '$' : `$ ^(${descending ? '>' : ''}${quote(byField)})`;
  if (verb === 'sort' && byField !== undefined) return { expression: sorted, drafted: true };
  const top = /\b(?:top|first)\s+(\d+)\b/.exec(object);
  if (top !== null && ['keep', 'take', 'pick', 'filter', 'extract'].includes(verb)) {
    const n = Number(top[1]);
    return { expression: `[(${sorted})[[0..${n - 1}]]]`, drafted: true };
  }
  const filter = filterExpression(verb, object);
  if (filter !== undefined) return { expression: filter, drafted: true };
  const fields = fieldList(object);
  if (fields.length > 0) {
    if (['remove', 'drop', 'strip', 'exclude', 'delete'].includes(verb)) {
      return {
        expression: `$map($, function($row) { $row ~> |$|{}, [${fields.map((f) => JSON.stringify(f)).join(', ')}]| })`,
        drafted: true,
      };
    }
    if (['redact', 'mask', 'anonymize', 'anonymise', 'pseudonymize'].includes(verb)) {
      const update = fields.map((f) => `${JSON.stringify(f)}: "[redacted]"`).join(', ');
      return { expression: `$map($, function($row) { $row ~> |$|{${update}}| })`, drafted: true };
    }
    if (['extract', 'pull', 'pick', 'take'].includes(verb)) {
      return { expression: `$.{${fields.map((f) => `${JSON.stringify(f)}: ${quote(f)}`).join(', ')}}`, drafted: true };
    }
  }
  return { expression: '$', drafted: false };
}

/** "keep only rows where the total is over 100" → a filter; "drop the ones under $300k" → its negation. */
function filterExpression(verb: string, object: string): string | undefined {
  const match = QUALIFIER.exec(object.replace(BOUNDARY, ''));
  if (match === null) return undefined;
  const [, noun = '', word = '', rest = ''] = match;
  // "with", "where", "whose" introduce the test; "under", "over" are part of it.
  const test = /^(?:where|with|whose|that|which|who)$/.test(word) ? rest : `${noun} ${word} ${rest}`;
  const reading = readCondition(test);
  const operator = COMPARISON[reading.operator];
  if (operator === undefined || reading.compareTo === undefined || !reading.explicit) return undefined;
  const predicate = `$row.${quote(reading.field)} ${operator} ${JSON.stringify(reading.compareTo)}`;
  const dropping = ['remove', 'drop', 'exclude', 'delete', 'strip'].includes(verb) || (verb === 'filter' && /^out\b/.test(object));
  return `[$filter($, function($row) { ${dropping ? `$not(${predicate})` : predicate} })]`;
}

/** "the invoice number, date and amount" → invoice_number, date, amount; empty when the words are no field names. */
function fieldList(object: string): string[] {
  const phrase = object.replace(BOUNDARY, '');
  if (QUALIFIER.test(phrase)) return [];
  const out: string[] = [];
  for (const item of phrase.split(/\s*,\s*(?:and\s+)?|\s+and\s+|\s+&\s+/)) {
    // "the CVEs listed in .trivyignore": a participle picks rows out; it names no field.
    if (/\b[a-z]{3,}ed\b/.test(item)) return [];
    const name = fieldName(item);
    if (name === undefined) return [];
    out.push(name);
  }
  return out;
}

/** "dates of birth" → `date_of_birth`; undefined for a pronoun or nothing. */
function fieldName(text: string): string | undefined {
  const list = text
    .split(/\s+/)
    .filter((w) => w !== '' && !DETERMINERS.has(w))
    .map((w) => (/^[a-z]+s$/.test(w) && w.length > 3 ? lemmatizer.noun(w) : w));
  if (list.length === 0 || list.length > 4 || list.some((w) => /^(?:it|them|they|everything|data|list|only)$/.test(w))) return undefined;
  return slug(list.join(' '), 'field');
}

/** What follows the verb, lowercase, commas kept ("the invoice number, date and amount"). */
function objectText(clause: ActionClause): string {
  const lower = clause.text.toLowerCase();
  const verb = clause.words[clause.verbIndex] ?? '';
  const at = verb === '' ? -1 : lower.search(new RegExp(`\\b${verb.replace(/[^a-z0-9]/g, '.')}\\b`));
  const after = at < 0 ? clause.words.slice(clause.verbIndex + 1).join(' ') : lower.slice(at + verb.length);
  // "the duplicates removed", "the names should be stripped": in a passive the object comes first.
  const subject =
    clause.verbIndex > 0 && /(?:ed|en)$/.test(verb)
      ? lower.slice(0, Math.max(0, at)).replace(/\b(?:should|must|will|can|be|been|is|are|get|gets|to|also)\b/g, ' ')
      : '';
  return `${subject} ${after}`.replace(/[$€£]/g, '').replace(/\s+/g, ' ').trim();
}

/** A JSONata field reference, quoted so any name is safe: `date_of_birth`. */
function quote(field: string): string {
  return `\`${field}\``;
}
