/**
 * How a parse result is scored against a corpus entry (corpus.json): shared by the eval script
 * (eval.ts, which prints the figures) and the tests that run the corpus through a parser
 * (test/graphql/parse-llm-corpus.test.ts). The reading rules are documented in eval.ts's header.
 *
 * A result is taken structurally ({@link ResultLike}) so that both a domain ParseResult and a
 * GraphQL `ParsedWorkflow` can be scored.
 */
import { isPlainObject } from '../../../src/domain/definition/schema.ts';
import { type CorpusEntry, sameCron } from './corpus.ts';

/** The parts of a parse result (domain or GraphQL) the scoring reads. */
export interface ResultLike {
  definition: unknown;
  schedule: { cron: string } | null;
  /** Absent on results from before ParseResult had a trigger: read as null. */
  trigger?: string | null;
  valid: boolean;
  issues: readonly { message: string }[];
}

/** A condition as read from a result: the first action of each branch (null when the branch is empty). */
export interface GotCondition {
  gates: string | null;
  otherwise: string | null;
}

/** What the scoring compares, read from a parse result. */
export interface Reading {
  actions: string[];
  conditions: GotCondition[];
  cron: string | null;
  trigger: string | null;
  valid: boolean;
  issues: string[];
}

/** An agent step by its tool or agent, any other step by its type. */
export function labelOf(step: Record<string, unknown>): string {
  if (step.type === 'agent') return typeof step.agent === 'string' ? step.agent : 'agent';
  return typeof step.type === 'string' ? step.type : 'unknown';
}

/** Reads the action sequence, the conditions, the cron, the trigger and the validity out of a result. */
export function readResult(result: ResultLike): Reading {
  const definition = result.definition;
  const steps = isPlainObject(definition) && Array.isArray(definition.steps) ? definition.steps.filter(isPlainObject) : [];
  const position = new Map(steps.map((step, i) => [step.id, i]));
  const firstOf = (ids: unknown): string | null => {
    const list = Array.isArray(ids) ? ids : [];
    const indexes = list.map((id) => position.get(id)).filter((i): i is number => i !== undefined);
    const step = indexes.length === 0 ? undefined : steps[Math.min(...indexes)];
    return step === undefined ? null : labelOf(step);
  };
  return {
    actions: steps.filter((s) => s.type !== 'condition').map(labelOf),
    conditions: steps.filter((s) => s.type === 'condition').map((s) => ({ gates: firstOf(s.onTrue), otherwise: firstOf(s.onFalse) })),
    cron: result.schedule?.cron ?? null,
    trigger: result.trigger ?? null,
    valid: result.valid,
    issues: result.issues.map((issue) => issue.message),
  };
}

// Words that introduce a trigger or merely determine it: "When a new lead arrives" and
// "every new lead arrives" name the same event as "new lead arrives".
const TRIGGER_LEAD_WORDS = new Set(['when', 'whenever', 'once', 'after', 'on', 'for', 'each', 'every', 'time', 'as', 'soon', 'upon']);
const ARTICLES = new Set(['a', 'an', 'the']);

function triggerWords(phrase: string): string[] {
  const words = phrase
    .toLowerCase()
    .split(/[^\p{L}\p{N}%$@#.-]+/u)
    .map((w) => w.replace(/^[.-]+|[.-]+$/g, ''))
    .filter((w) => w !== '');
  let start = 0;
  while (start < words.length && TRIGGER_LEAD_WORDS.has(words[start] ?? '')) start++;
  return words.slice(start).filter((w) => !ARTICLES.has(w));
}

/**
 * Whether two trigger phrases name the same event: null equals only null; otherwise the
 * phrases are compared word for word, case and punctuation aside, without articles and without
 * leading "when"/"whenever"/"every"/"each time"/… ("When a new lead arrives" = "new lead arrives").
 */
export function sameTrigger(expected: string | null, got: string | null): boolean {
  if (expected === null || got === null) return expected === got;
  return triggerWords(expected).join(' ') === triggerWords(got).join(' ');
}

export interface Verdict {
  entry: CorpusEntry;
  got: Reading;
  /** Null when the entry does not score this part. */
  sequence: boolean | null;
  conditions: boolean | null;
  cron: boolean;
  trigger: boolean;
  validity: boolean;
}

/** Scores one reading against its entry's expectation (sequence and conditions only on must-be-valid entries). */
export function judge(entry: CorpusEntry, got: Reading): Verdict {
  const { expected } = entry;
  const scored = expected.valid;
  const sameConditions =
    got.conditions.length === expected.conditions.length &&
    expected.conditions.every((c, i) => got.conditions[i]?.gates === c.gates && got.conditions[i]?.otherwise === (c.otherwise ?? null));
  return {
    entry,
    got,
    sequence: scored ? JSON.stringify(got.actions) === JSON.stringify(expected.actions) : null,
    conditions: scored ? sameConditions : null,
    cron: sameCron(expected.cron, got.cron),
    trigger: sameTrigger(expected.trigger, got.trigger),
    validity: got.valid === expected.valid,
  };
}

/** Hits out of scored entries, for one figure of one group. */
export class Tally {
  hits = 0;
  of = 0;
  add(hit: boolean | null): void {
    if (hit === null) return;
    this.of++;
    if (hit) this.hits++;
  }
  get rate(): number | null {
    return this.of === 0 ? null : this.hits / this.of;
  }
  toString(): string {
    const rate = this.rate;
    return rate === null ? '—' : `${this.hits}/${this.of} ${(rate * 100).toFixed(1)}%`;
  }
}

export interface Figures {
  n: number;
  sequence: Tally;
  cron: Tally;
  conditions: Tally;
  trigger: Tally;
  invalidFound: Tally;
  validKept: Tally;
}

/** The tallies of a group of verdicts. */
export function figures(verdicts: readonly Verdict[]): Figures {
  const out: Figures = {
    n: 0,
    sequence: new Tally(),
    cron: new Tally(),
    conditions: new Tally(),
    trigger: new Tally(),
    invalidFound: new Tally(),
    validKept: new Tally(),
  };
  for (const v of verdicts) {
    out.n++;
    out.sequence.add(v.sequence);
    out.cron.add(v.cron);
    out.conditions.add(v.conditions);
    out.trigger.add(v.trigger);
    (v.entry.expected.valid ? out.validKept : out.invalidFound).add(v.validity);
  }
  return out;
}

const arrow = (list: readonly string[]): string => (list.length === 0 ? '(none)' : list.join(' → '));
const showConditions = (list: readonly { gates: string | null; otherwise?: string | null }[]): string =>
  list.length === 0
    ? '(none)'
    : list.map((c) => `gates ${c.gates ?? '(nothing)'}${c.otherwise ? `, otherwise ${c.otherwise}` : ''}`).join('; ');
const quoted = (phrase: string | null): string => (phrase === null ? 'null' : JSON.stringify(phrase));

/** One line per part a verdict got wrong, expected against got (empty when it got everything right). */
export function describeMisses(v: Verdict): string[] {
  const { expected } = v.entry;
  const out: string[] = [];
  if (v.sequence === false) out.push(`  sequence    expected ${arrow(expected.actions)}`, `              got      ${arrow(v.got.actions)}`);
  if (v.conditions === false) {
    out.push(`  conditions  expected ${showConditions(expected.conditions)}`, `              got      ${showConditions(v.got.conditions)}`);
  }
  if (!v.cron) out.push(`  cron        expected ${expected.cron ?? 'null'}, got ${v.got.cron ?? 'null'}`);
  if (!v.trigger) out.push(`  trigger     expected ${quoted(expected.trigger)}, got ${quoted(v.got.trigger)}`);
  if (!v.validity) {
    const why = v.got.valid ? '' : `: ${v.got.issues[0] ?? ''}`;
    out.push(`  valid       expected ${expected.valid}, got ${v.got.valid}${why}`);
  }
  return out;
}
