/**
 * Reads the test of an "if …" / "when …" clause ("the total is above 1000", "the deployment
 * fails", "the status equals 'done'") as a field, an operator and the value to compare to.
 * The field becomes a reference chosen by the caller (the previous step's output, or a
 * workflow input when nothing precedes the condition).
 */
import type { ConditionOperator } from '../definition/schema.ts';
import { contentWords, slug, words } from './text.ts';

export interface ConditionReading {
  /** snake_case field name the test reads, e.g. `total` or `deployment_status`. */
  field: string;
  operator: ConditionOperator;
  /** Absent for unary operators. */
  compareTo?: unknown;
  /** False when no operator was recognised and the test fell back to "field is truthy". */
  explicit: boolean;
}

interface OperatorRule {
  pattern: RegExp;
  operator: ConditionOperator;
  /** Value implied by the words themselves (e.g. "fails" → status equals "failed"). */
  implied?: unknown;
  /** Field suffix implied by the words ("fails" is about a status). */
  suffix?: string;
}

const BE = '(?:is|are|was|were|be|gets|goes|rises|drops|falls|becomes)';
/** Ordered: longer phrasings first, so "is greater than or equal to" never reads as "is". */
const RULES: readonly OperatorRule[] = [
  { pattern: new RegExp(`\\s+(?:${BE}\\s+)?(?:greater than or equal to|at least|no less than|>=)\\s*`, 'i'), operator: 'gte' },
  { pattern: new RegExp(`\\s+(?:${BE}\\s+)?(?:less than or equal to|at most|no more than|<=)\\s*`, 'i'), operator: 'lte' },
  {
    pattern: new RegExp(
      `\\s+(?:${BE}\\s+)?(?:greater than|more than|higher than|larger than|bigger than|above|over|exceeds?|exceeding|>)\\s*`,
      'i',
    ),
    operator: 'gt',
  },
  {
    pattern: new RegExp(`\\s+(?:${BE}\\s+)?(?:less than|lower than|smaller than|fewer than|below|under|<)\\s*`, 'i'),
    operator: 'lt',
  },
  {
    pattern: /\s+(?:is not|isn't|are not|aren't|does not equal|doesn't equal|not equal to|is different from|!=)\s+/i,
    operator: 'notEquals',
  },
  { pattern: /\s+(?:contains|includes|mentions|has|have)\s+/i, operator: 'contains' },
  {
    pattern: /\s+(?:fails|failed|has failed|errors|errored|breaks|is broken)\s*$/i,
    operator: 'equals',
    implied: 'failed',
    suffix: 'status',
  },
  { pattern: /\s+(?:succeeds|succeeded|passes|passed|is successful)\s*$/i, operator: 'equals', implied: 'succeeded', suffix: 'status' },
  {
    pattern: /\s+(?:completes|completed|finishes|finished|is done|is complete|is finished|is completed)\s*$/i,
    operator: 'equals',
    implied: 'completed',
    suffix: 'status',
  },
  {
    pattern:
      /\s+(?:exists|is present|is set|is available|arrives|comes in|is created|is received|is added|appears|is submitted|is opened|signs up)\s*$/i,
    operator: 'exists',
  },
  { pattern: /\s+(?:is empty|is missing|is blank)\s*$/i, operator: 'exists', implied: false },
  { pattern: /\s+(?:equals|is equal to|==|=|is|are|was|were)\s+/i, operator: 'equals' },
];

/** "1,000" → 1000, "$5k" → 5000, "20%" → 20, "'done'" → "done", "true" → true. */
export function readValue(raw: string): unknown {
  const text = raw
    .trim()
    .replace(/[.!?]+$/, '')
    .trim();
  const quoted = /^["'“‘](.*)["'”’]$/.exec(text);
  if (quoted) return quoted[1];
  // "1000 messages", "14 days", "250 mg/dL": the unit after a number is not part of the value.
  const number =
    /^[$€£]?\s*(-?\d[\d,]*(?:\.\d+)?)\s*(?:(k|m|thousand|million|%|percent|dollars|usd|eur|euros)(?![a-z]))?(?:\s*[a-z°/µ]+(?:\/[a-z]+)?){0,2}$/i.exec(
      text,
    );
  if (number) {
    const value = Number((number[1] ?? '').replace(/,/g, ''));
    const unit = (number[2] ?? '').toLowerCase();
    const factor = unit === 'k' || unit === 'thousand' ? 1000 : unit === 'm' || unit === 'million' ? 1_000_000 : 1;
    return value * factor;
  }
  if (/^(?:true|yes)$/i.test(text)) return true;
  if (/^(?:false|no)$/i.test(text)) return false;
  return text.replace(/^(?:the|a|an)\s+/i, '');
}

/** The field a subject names: "the total amount" → `total_amount`, "it" → `value`. */
function fieldOf(subject: string, suffix?: string): string {
  const content = contentWords(words(subject)).filter((w) => !['new', 'incoming', 'latest'].includes(w));
  const base = content.length === 0 ? '' : slug(content.slice(-3).join(' '), 'field');
  if (suffix !== undefined) return base === '' ? suffix : `${base}_${suffix}`;
  return base === '' ? 'value' : base;
}

/** Reads a condition's text. Never fails: an unreadable test becomes "<field> is truthy". */
export function readCondition(text: string): ConditionReading {
  const clean = ` ${text.trim().replace(/[.!?,;]+$/, '')}`;
  for (const rule of RULES) {
    const match = rule.pattern.exec(clean);
    if (match === null) continue;
    const subject = clean.slice(0, match.index).trim();
    const rest = clean.slice(match.index + match[0].length).trim();
    if (subject === '') continue;
    const field = fieldOf(subject, rule.suffix);
    if (rule.operator === 'exists' && rule.implied === false) return { field, operator: 'equals', compareTo: '', explicit: true };
    if (rule.operator === 'exists') return { field, operator: 'exists', explicit: true };
    if (rule.implied !== undefined) return { field, operator: rule.operator, compareTo: rule.implied, explicit: true };
    if (rest === '') continue;
    return { field, operator: rule.operator, compareTo: readValue(rest), explicit: true };
  }
  return { field: fieldOf(clean), operator: 'truthy', explicit: false };
}

/** The legacy (seed 003) spelling of an operator, for the `nodes` form. */
export const LEGACY_OPERATOR: Readonly<Record<ConditionOperator, string>> = {
  equals: 'equals',
  notEquals: 'not_equals',
  gt: 'greater_than',
  gte: 'greater_than_or_equal',
  lt: 'less_than',
  lte: 'less_than_or_equal',
  contains: 'contains',
  in: 'in',
  exists: 'exists',
  truthy: 'truthy',
};

const GOOD =
  /\b(?:pass(?:es|ed)?|succeed(?:s|ed)?|successful|approved?|approves|accept(?:s|ed)?|yes|ok|okay|green|works?|clean|valid|true|positive|agrees?|signs?|signed)\b/i;
const BAD =
  /\b(?:fail(?:s|ed|ure)?|reject(?:s|ed)?|declin(?:e|es|ed)|den(?:y|ies|ied)|no|not|never|n't|red|invalid|false|negative|refuses?|errors?|violations?|breaks?|broken)\b|n't\b/i;

/** Whether two tests are each other's negation by their words: "they pass" / "they fail", "approved" / "rejected", "it's clean" / "there are violations". */
export function opposite(a: string, b: string): boolean {
  const good = (t: string): boolean => GOOD.test(t) && !BAD.test(t);
  const bad = (t: string): boolean => BAD.test(t) && !(GOOD.test(t) && !/\b(?:not|n't|never)\b|n't\b/i.test(t));
  return (good(a) && bad(b)) || (bad(a) && good(b));
}

/** "if less than 3 days" after "if it expires in less than 14 days": the subject is the previous test's. */
export function completeTest(previous: string, test: string): string {
  const comparison = /^(?:less|more|fewer|greater|over|under|above|below|at\s+least|at\s+most)\b/i;
  if (!comparison.test(test)) return test;
  const at = previous.search(/\b(?:less|more|fewer|greater|over|under|above|below|at\s+least|at\s+most)\b/i);
  return at > 0 ? `${previous.slice(0, at)}${test}` : test;
}
