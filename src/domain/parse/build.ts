/**
 * Builds the canonical candidate from segmented clauses.
 *
 * Steps are `step_1`, `step_2`… in reading order, each depending on the one before. An action
 * becomes, in order of preference:
 *  - a `delay` step ("wait 10 minutes"), a `wait` step ("wait for approval", "get approval from
 *    the manager") or an `http` step (the clause holds a URL);
 *  - an agent step on the best-matching available tool (`agent: "salesforce.query"`, `action:
 *    "query"`) or registered agent (see catalog.ts);
 *  - otherwise an agent step on a placeholder agent named `<verb>_<head noun>` ("generate a
 *    summary report" → `generate_report`), which validation reports as not existing.
 * Agent steps after the first receive the previous action's output as `input.input`
 * (`${step_1.output}`), the wiring seed 003 implies from `input_from`; e-mail addresses,
 * `#channels` and "to the <recipient>" become input fields too.
 *
 * "if X, Y[, otherwise Z]" becomes a `condition` step testing X (see conditions.ts) on the
 * previous action's output (`${step_1.output.total}`) or, when nothing precedes it, on a
 * workflow input (declared in `inputs`); Y starts its `onTrue` branch and Z its `onFalse`
 * branch, each depending on the condition. What follows the conditional block depends on the
 * condition and on the last step of each branch, so it runs whichever branch was taken.
 */
import type { Issue } from '../definition/schema.ts';
import { type ActionClause, type Segmentation } from './clauses.ts';
import { AMBIGUITY_MARGIN, type CatalogEntry, matchClause, STRONG } from './catalog.ts';
import { readCondition } from './conditions.ts';
import { QUALITY } from './finish.ts';
import type { ParsedSchedule } from './schedule.ts';
import { capitalize, conceptsOf, contentWords, PREPOSITIONS, slug, STOPWORDS, WEAK_WORDS, stem } from './text.ts';
import type { StepMatch } from './types.ts';

export interface Built {
  candidate: { steps: Record<string, unknown>[]; inputs?: Record<string, unknown>[] };
  matches: StepMatch[];
  qualities: number[];
  notes: string[];
  issues: Issue[];
  implicitConditions: number;
  /** Verbless clauses that named nothing. */
  ignored: number;
  name: string;
  description: string;
}

const FETCH_VERBS = new Set(['pull', 'fetch', 'get', 'retrieve', 'query', 'download', 'read', 'check', 'poll', 'load', 'look', 'list']);
const DURATION =
  /\b(\d+(?:\.\d+)?)\s*(milliseconds?|ms|seconds?|secs?|s|minutes?|mins?|m|hours?|hrs?|h|days?|d)\b|\b(?:an?|one)\s+(second|minute|hour|day)\b/i;
const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

function durationMs(text: string): number | undefined {
  const match = DURATION.exec(text);
  if (match === null) return undefined;
  const unit = (match[2] ?? match[3] ?? '').toLowerCase();
  const key = unit.startsWith('mil') || unit === 'ms' ? 'ms' : unit.startsWith('mi') || unit === 'm' ? 'm' : (unit[0] ?? 's');
  const amount = match[1] === undefined ? 1 : Number(match[1]);
  return Math.round(amount * (UNIT_MS[key] ?? 1000));
}

/** The head noun of the verb's object: last content word before a preposition ("a summary report" → report). */
function headNoun(clause: ActionClause): string | undefined {
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
function clauseParameters(clause: ActionClause): Record<string, unknown> {
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

interface Planned {
  id: string;
  step: Record<string, unknown>;
  match: StepMatch;
  quality: number;
}

/** Builds the candidate; `catalog` holds the available tools and registered agents. */
export function buildDefinition(seg: Segmentation, catalog: readonly CatalogEntry[], schedule: ParsedSchedule | null): Built {
  const steps: Record<string, unknown>[] = [];
  const matches: StepMatch[] = [];
  const qualities: number[] = [];
  const notes: string[] = [];
  const inputs = new Map<string, Record<string, unknown>>();
  let implicitConditions = 0;
  let ignored = 0;
  let counter = 0;
  const nextId = (): string => `step_${++counter}`;

  const actionStep = (clause: ActionClause, dependsOn: string[], dataFrom: string | undefined): Planned | null => {
    const id = nextId();
    const name = capitalize(clause.text).slice(0, 200);
    const base = { id, type: 'agent', name, dependsOn };
    const builtin = (step: Record<string, unknown>): Planned => ({
      id,
      step,
      match: { stepId: id, text: clause.text, kind: 'builtin', target: null, score: 0, ambiguousWith: [] },
      quality: QUALITY.strong,
    });
    const lower = clause.text.toLowerCase();

    if (clause.verb === 'wait' || clause.verb === 'pause') {
      const ms = durationMs(clause.text);
      if (ms !== undefined) return builtin({ ...base, type: 'delay', durationMs: ms });
    }
    if (
      /\bapprov(?:al|e)\b|\bsign[\s-]?off\b/.test(lower) &&
      ['wait', 'pause', 'get', 'ask', 'request', 'require', null].includes(clause.verb)
    ) {
      return builtin({ ...base, type: 'wait', signal: 'approval' });
    }
    if (clause.verb === 'wait' || clause.verb === 'pause') {
      const what = headNoun(clause);
      return builtin({ ...base, type: 'wait', signal: what === undefined ? 'continue' : slug(what, 'signal') });
    }
    const url = /https?:\/\/[^\s,;]+[^\s,;.)]/.exec(clause.text)?.[0];
    if (url !== undefined) {
      const method = clause.verb !== null && FETCH_VERBS.has(clause.verb) ? 'GET' : 'POST';
      const body = method === 'POST' && dataFrom !== undefined ? { body: `\${${dataFrom}.output}` } : {};
      return builtin({ ...base, type: 'http', request: { method, url, ...body } });
    }

    const { best, rivals } = matchClause(clause, catalog);
    if (best === null && clause.verb === null) {
      counter--;
      ignored++;
      notes.push(`ignored "${clause.text}": no actionable verb and no tool or agent named`);
      return null;
    }
    const input: Record<string, unknown> = {
      ...(dataFrom === undefined ? {} : { input: `\${${dataFrom}.output}` }),
      ...clauseParameters(clause),
    };
    if (best === null) {
      const head = headNoun(clause);
      const agent = slug(
        head === undefined || stem(head) === stem(clause.verb ?? '') ? (clause.verb ?? '') : `${clause.verb} ${head}`,
        'action',
      );
      notes.push(`no available tool or registered agent matches "${clause.text}"; used a placeholder agent "${agent}"`);
      return {
        id,
        step: { ...base, input, agent },
        match: { stepId: id, text: clause.text, kind: 'unknown', target: null, score: 0, ambiguousWith: [] },
        quality: QUALITY.unknown,
      };
    }
    const entry = best.entry;
    const operation = entry.kind === 'tool' && entry.name.includes('.') ? entry.name.slice(entry.name.lastIndexOf('.') + 1) : undefined;
    const ambiguousWith = rivals.map((r) => r.entry.name);
    if (ambiguousWith.length > 0) {
      notes.push(
        `"${clause.text}" matches ${[entry.name, ...ambiguousWith].map((n) => `"${n}"`).join(' and ')} about equally (within ${AMBIGUITY_MARGIN}); chose "${entry.name}"`,
      );
    }
    return {
      id,
      step: { ...base, input, agent: entry.name, ...(operation ? { action: operation } : {}) },
      match: { stepId: id, text: clause.text, kind: entry.kind, target: entry.name, score: best.score, ambiguousWith },
      quality: ambiguousWith.length > 0 ? QUALITY.ambiguous : best.score >= STRONG ? QUALITY.strong : QUALITY.weak,
    };
  };

  const commit = (planned: Planned): void => {
    steps.push(planned.step);
    matches.push(planned.match);
    qualities.push(planned.quality);
  };

  /** Chains clauses after `dependsOn`; returns the first and last step ids. */
  const chain = (
    clauses: readonly ActionClause[],
    dependsOn: string[],
    dataFrom: string | undefined,
  ): { first?: string; last?: string } => {
    let deps = dependsOn;
    let data = dataFrom;
    let first: string | undefined;
    for (const clause of clauses) {
      const planned = actionStep(clause, deps, data);
      if (planned === null) continue;
      commit(planned);
      first ??= planned.id;
      deps = [planned.id];
      data = planned.step.type === 'delay' || planned.step.type === 'wait' ? data : planned.id;
    }
    return { first, last: first === undefined ? undefined : deps[0] };
  };

  let frontier: string[] = [];
  let lastData: string | undefined;
  const summary: string[] = [];
  for (const block of seg.blocks) {
    if (block.kind === 'action') {
      const { last } = chain([block.clause], frontier, lastData);
      if (last !== undefined) {
        frontier = [last];
        const step = steps[steps.length - 1];
        if (step?.type !== 'delay' && step?.type !== 'wait') lastData = last;
        summary.push(block.clause.text);
      }
      continue;
    }
    const reading = readCondition(block.text);
    if (!reading.explicit) {
      implicitConditions++;
      notes.push(`could not read a comparison in "${block.text}"; the condition tests whether "${reading.field}" is truthy`);
    }
    const id = nextId();
    let value: string;
    if (lastData !== undefined) value = `\${${lastData}.output.${reading.field}}`;
    else {
      value = `\${workflow.input.${reading.field}}`;
      if (!inputs.has(reading.field)) {
        const type =
          typeof reading.compareTo === 'number'
            ? 'number'
            : typeof reading.compareTo === 'boolean'
              ? 'boolean'
              : typeof reading.compareTo === 'string'
                ? 'string'
                : 'json';
        inputs.set(reading.field, { name: reading.field, type, description: `Read by the condition "${block.text}"` });
      }
    }
    const condition = { value, operator: reading.operator, ...(reading.compareTo === undefined ? {} : { compareTo: reading.compareTo }) };
    const step: Record<string, unknown> = {
      id,
      type: 'condition',
      name: capitalize(`check whether ${block.text}`).slice(0, 200),
      dependsOn: frontier,
      condition,
      onTrue: [],
      onFalse: [],
    };
    steps.push(step);
    matches.push({ stepId: id, text: block.text, kind: 'condition', target: null, score: 0, ambiguousWith: [] });
    const yes = chain(block.onTrue, [id], lastData);
    const no = chain(block.onFalse, [id], lastData);
    step.onTrue = yes.first === undefined ? [] : [yes.first];
    step.onFalse = no.first === undefined ? [] : [no.first];
    if (yes.first === undefined && no.first === undefined) notes.push(`the condition "${block.text}" has no action to run`);
    frontier = [id, ...(yes.last === undefined ? [] : [yes.last]), ...(no.last === undefined ? [] : [no.last])];
    lastData = yes.last ?? lastData;
    const thenText = block.onTrue.map((c) => lowerFirst(c.text)).join(' and ');
    const elseText = block.onFalse.map((c) => lowerFirst(c.text)).join(' and ');
    summary.push(`if ${block.text}, ${thenText || 'do nothing'}${elseText ? `, otherwise ${elseText}` : ''}`);
  }
  for (const fragment of seg.ignored) {
    ignored++;
    notes.push(`ignored "${fragment.text}": ${fragment.reason}`);
  }

  const issues: Issue[] = [];
  if (steps.length === 0) {
    issues.push({
      path: 'steps',
      message:
        'no actionable step found in the instruction: say what to do with a verb, e.g. "pull the sales data, then email it to the team"',
    });
  }
  const candidate: Built['candidate'] = { steps, ...(inputs.size > 0 ? { inputs: [...inputs.values()] } : {}) };
  return {
    candidate,
    matches,
    qualities,
    notes,
    issues,
    implicitConditions,
    ignored,
    name: workflowName(seg, schedule),
    description: workflowDescription(summary, schedule),
  };
}

/** "Weekly Sales Summary Report": how often, then the first distinctive nouns of the actions. */
function workflowName(seg: Segmentation, schedule: ParsedSchedule | null): string {
  const clauses = seg.blocks.flatMap((b) => (b.kind === 'action' ? [b.clause] : [...b.onTrue, ...b.onFalse]));
  const seen = new Set<string>();
  const topic: string[] = [];
  for (const clause of clauses) {
    const object = clause.words.slice(clause.verbIndex + 1);
    for (const word of object) {
      if (STOPWORDS.has(word) || PREPOSITIONS.has(word) || WEAK_WORDS.has(stem(word)) || /[^a-z0-9-]/.test(word) || /^\d/.test(word))
        continue;
      if (word.length < 3 || seen.has(stem(word))) continue;
      seen.add(stem(word));
      topic.push(capitalize(word));
    }
  }
  const frequency = frequencyWord(schedule);
  if (topic.length === 0) {
    // Nothing distinctive: name it after its first action ("Email the team").
    const first = clauses.find((c) => c.verb !== null);
    const fallback = first === undefined ? 'Workflow' : capitalize(first.text).slice(0, 60);
    return frequency ? `${frequency} ${lowerFirst(fallback)}` : fallback;
  }
  return [...(frequency ? [frequency] : []), ...topic.slice(0, 3)].join(' ').slice(0, 80);
}

function frequencyWord(schedule: ParsedSchedule | null): string | undefined {
  if (schedule === null) return undefined;
  const [minute = '*', hour = '*', dom = '*', month = '*', dow = '*'] = schedule.cron.split(' ');
  if (month !== '*') return 'Yearly';
  if (dom !== '*' && !dom.startsWith('*/')) return 'Monthly';
  if (minute.includes('*')) return 'Frequent';
  if (hour.includes('*')) return 'Hourly';
  if (dow === '1-5') return 'Weekday';
  if (dow !== '*') return 'Weekly';
  return 'Daily';
}

/** "Email the team" → "email the team", leaving "SQL export" alone. */
function lowerFirst(text: string): string {
  return /^[A-Z][a-z]/.test(text) ? text.charAt(0).toLowerCase() + text.slice(1) : text;
}

function workflowDescription(summary: readonly string[], schedule: ParsedSchedule | null): string {
  const body = summary.map(lowerFirst).join(', then ');
  const text = schedule === null ? capitalize(body) : `${capitalize(schedule.description)}: ${body}`;
  return (text || 'No actionable step found').slice(0, 500);
}
