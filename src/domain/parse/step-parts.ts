/** What a step takes from its clause: a delay's duration, the head noun, the inputs written out, and negated tests. */
import type { ConditionReading } from './conditions.ts';
import type { ActionClause } from './action-clause.ts';
import { conceptsOf, contentWords, PREPOSITIONS } from './text.ts';

export const FETCH_VERBS = new Set([
  'pull',
  'fetch',
  'get',
  'retrieve',
  'query',
  'download',
  'read',
  'check',
  'poll',
  'load',
  'look',
  'list',
]);
const DURATION =
  /\b(\d+(?:\.\d+)?)\s*(milliseconds?|ms|seconds?|secs?|s|minutes?|mins?|m|hours?|hrs?|h|days?|d)\b|\b(?:an?|one)\s+(second|minute|hour|day)\b/i;
const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export function durationMs(text: string): number | undefined {
  const match = DURATION.exec(text);
  if (match === null) return undefined;
  const unit = (match[2] ?? match[3] ?? '').toLowerCase();
  const key = unit.startsWith('mil') || unit === 'ms' ? 'ms' : unit.startsWith('mi') || unit === 'm' ? 'm' : (unit[0] ?? 's');
  const amount = match[1] === undefined ? 1 : Number(match[1]);
  return Math.round(amount * (UNIT_MS[key] ?? 1000));
}

/** The head noun of the verb's object: last content word before a preposition ("a summary report" → report). */
export function headNoun(clause: ActionClause): string | undefined {
  const after = clause.words.slice(clause.verbIndex + 1);
  const object: string[] = [];
  for (const word of after) {
    if (PREPOSITIONS.has(word)) break;
    object.push(word);
  }
  const content = contentWords(object).filter((w) => !/[@#/:]/.test(w));
  if (content.length > 0) return content[content.length - 1];
  // "email it to the sales team": no object, so the first noun after the preposition.
  return contentWords(after).filter((w) => !/[@#/:]/.test(w) && !PREPOSITIONS.has(w))[0];
}

/** Inputs the clause states outright: e-mail addresses, #channels, "to the <recipient>". */
export function clauseParameters(clause: ActionClause): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  const emails = [...clause.text.matchAll(/[\w.+-]+@[\w-]+(?:\.[\w-]+)+/g)].map((m) => m[0]);
  if (emails.length > 0) params.to = emails.length === 1 ? emails[0] : emails;
  const channel = /(?:^|\s)(#[\w-]+)/.exec(clause.text);
  if (channel?.[1] !== undefined) params.channel = channel[1];
  if (params.to === undefined && clause.verb !== null && conceptsOf(clause.verb).has('send')) {
    const recipient =
      /\bto\s+(?:the\s+|our\s+|my\s+)?([A-Za-z][\w .'-]*?)(?=\s+(?:via|on|in|using|through|by|with|about|at)\b|[,;]|$)/i.exec(clause.text);
    const who = recipient?.[1]?.trim();
    // "to Slack" names the channel of delivery, not a recipient.
    const medium = who !== undefined && !who.includes(' ') && ['chat', 'email', 'sms', 'social'].some((c) => conceptsOf(who).has(c));
    if (who !== undefined && !medium && !/^(?:me|us|them|him|her|it|everyone)$/i.test(who) && !who.includes('#')) params.to = who;
  }
  return params;
}

/** The opposite test, for "unless X" and "if not". */
const OPPOSITE: Readonly<Partial<Record<ConditionReading['operator'], ConditionReading['operator']>>> = {
  equals: 'notEquals',
  notEquals: 'equals',
  gt: 'lte',
  lte: 'gt',
  lt: 'gte',
  gte: 'lt',
};

export function negate(reading: ConditionReading, negated: boolean): ConditionReading {
  if (!negated) return reading;
  const opposite = OPPOSITE[reading.operator];
  if (opposite !== undefined) return { ...reading, operator: opposite };
  // "exists"/"truthy"/"contains" have no opposite operator: compare the value with false instead.
  return { field: reading.field, operator: 'equals', compareTo: false, explicit: reading.explicit };
}
