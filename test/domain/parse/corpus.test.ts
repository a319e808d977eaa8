// Checks the evaluation corpus files themselves (corpus.json and the held-out holdout.json and
// sealed.json), not the parser: how well the parser does on them is measured by
// `npm run eval:parse`, not tested.
import { describe, expect, it } from 'vitest';
import {
  BUILTIN_ACTIONS,
  CLASSES,
  CORPUS_FILES,
  type CorpusEntry,
  corpusSchema,
  cronPatternOf,
  FAILURE_TAGS,
  readCorpusFile,
  sameCron,
} from './corpus.ts';

const builtins = new Set<string>(BUILTIN_ACTIONS);

/** A corpus file's entries, or none when it breaks the schema (the schema test then says why). */
function entriesOf(file: URL): CorpusEntry[] {
  return corpusSchema.safeParse(readCorpusFile(file)).data ?? [];
}

const corpus = entriesOf(CORPUS_FILES.corpus);
const holdout = entriesOf(CORPUS_FILES.holdout);
const sealed = entriesOf(CORPUS_FILES.sealed);
const dev2 = entriesOf(CORPUS_FILES.dev2);
const sealed2 = entriesOf(CORPUS_FILES.sealed2);

/** Entries of `entries` breaking `rule`, by id, so a failure names them. */
function breaking(entries: readonly CorpusEntry[], rule: (entry: CorpusEntry) => boolean): string[] {
  return entries.filter((entry) => !rule(entry)).map((entry) => entry.id);
}

function parsesAsCron(cron: string): boolean {
  try {
    cronPatternOf(cron);
    return true;
  } catch {
    return false;
  }
}

/** The rules every corpus file keeps so that the eval can score it: registered inside a describe. */
function itIsConsistent(entries: () => readonly CorpusEntry[]): void {
  it('expects only actions among its tools, its agents or the documented builtins', () => {
    const known = (e: CorpusEntry) => new Set([...e.availableTools, ...(e.agents ?? []).map((a) => a.name), ...builtins]);
    expect(breaking(entries(), (e) => e.expected.actions.every((action) => known(e).has(action)))).toEqual([]);
  });

  it('offers tools that do not shadow each other: no tool twice, no agent named like a tool or a builtin', () => {
    expect(breaking(entries(), (e) => new Set(e.availableTools).size === e.availableTools.length)).toEqual([]);
    const apart = (e: CorpusEntry) => (e.agents ?? []).every((a) => !e.availableTools.includes(a.name) && !builtins.has(a.name));
    expect(breaking(entries(), apart)).toEqual([]);
  });

  it('has every valid instruction run at least one action, and every condition gate one of its actions', () => {
    expect(breaking(entries(), (e) => !e.expected.valid || e.expected.actions.length > 0)).toEqual([]);
    const gated = (e: CorpusEntry) =>
      e.expected.conditions.every(
        (c) => e.expected.actions.includes(c.gates) && (c.otherwise === undefined || e.expected.actions.includes(c.otherwise)),
      );
    expect(breaking(entries(), gated)).toEqual([]);
  });

  it('writes every schedule as a 5-field cron expression croner parses', () => {
    const wellFormed = (cron: string | null) => cron === null || (cron.split(' ').length === 5 && parsesAsCron(cron));
    expect(breaking(entries(), (e) => wellFormed(e.expected.cron))).toEqual([]);
  });

  it('tags what the expectations say: a trigger phrase, a condition, an otherwise branch, a builtin step, an agent', () => {
    const all = entries();
    const tagged = (e: CorpusEntry, tag: CorpusEntry['tags'][number]) => e.tags.includes(tag);
    expect(breaking(all, (e) => tagged(e, 'trigger') === (e.expected.trigger !== null))).toEqual([]);
    expect(breaking(all, (e) => !e.expected.valid || tagged(e, 'consequence') === e.expected.conditions.length > 0)).toEqual([]);
    expect(breaking(all, (e) => tagged(e, 'otherwise') === e.expected.conditions.some((c) => c.otherwise !== undefined))).toEqual([]);
    expect(breaking(all, (e) => !e.expected.valid || tagged(e, 'builtin') === e.expected.actions.some((a) => builtins.has(a)))).toEqual([]);
    expect(breaking(all, (e) => tagged(e, 'agent') === (e.agents ?? []).some((a) => e.expected.actions.includes(a.name)))).toEqual([]);
  });
}

describe('the parser evaluation corpus (issue 17: "a committed evaluation corpus of at least 150 varied instructions")', () => {
  it('matches its schema', () => {
    const result = corpusSchema.safeParse(readCorpusFile(CORPUS_FILES.corpus));
    expect(result.success, result.error?.message).toBe(true);
  });

  it('has unique ids, each its class and a number, and no instruction twice', () => {
    expect(new Set(corpus.map((e) => e.id)).size).toBe(corpus.length);
    expect(breaking(corpus, (e) => new RegExp(`^${e.class}-\\d{3}$`).test(e.id))).toEqual([]);
    expect(new Set(corpus.map((e) => e.instruction.toLowerCase())).size).toBe(corpus.length);
  });

  it('holds at least 160 instructions, at least 20 in each class: scheduling, ETL, alerting, approvals, support, sales, devops', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(160);
    for (const cls of CLASSES) expect(corpus.filter((e) => e.class === cls).length, cls).toBeGreaterThanOrEqual(20);
  });

  it('holds at least 12 instructions that must be reported invalid, none of them with a condition', () => {
    const invalid = corpus.filter((e) => !e.expected.valid);
    expect(invalid.length).toBeGreaterThanOrEqual(12);
    expect(invalid.filter((e) => e.expected.conditions.length > 0).map((e) => e.id)).toEqual([]);
  });

  it('holds at least 8 valid instructions for each failure class: triggers, consequences, object phrases, order', () => {
    for (const tag of FAILURE_TAGS) {
      expect(corpus.filter((e) => e.expected.valid && e.tags.includes(tag)).length, tag).toBeGreaterThanOrEqual(8);
    }
  });

  it('offers distractors (tools the workflow does not use) in most instructions', () => {
    const withDistractors = corpus.filter((e) => e.availableTools.some((tool) => !e.expected.actions.includes(tool)));
    expect(withDistractors.length).toBeGreaterThanOrEqual(corpus.length * 0.75);
  });

  itIsConsistent(() => corpus);

  it('compares schedules by meaning, so equivalent spellings agree and different ones do not', () => {
    expect(sameCron('0 9 1 */3 *', '0 9 1 1,4,7,10 *')).toBe(true);
    expect(sameCron('* * * * *', '* * * * 1-5')).toBe(false);
  });
});

/**
 * The checks of a held-out set, in the corpus schema and conventions but smaller: `name` is its
 * short name (its file and its ids' prefix), `others` the sets none of its instructions may
 * repeat, since a held-out figure only means something on instructions nobody tuned on.
 */
function describeHeldOut(
  title: string,
  name: 'holdout' | 'sealed' | 'dev2' | 'sealed2',
  entries: readonly CorpusEntry[],
  others: readonly CorpusEntry[],
): void {
  describe(title, () => {
    it('matches the corpus schema', () => {
      const result = corpusSchema.safeParse(readCorpusFile(CORPUS_FILES[name]));
      expect(result.success, result.error?.message).toBe(true);
    });

    it(`has unique ${name}-NNN ids, no instruction twice and none taken from the other sets`, () => {
      expect(new Set(entries.map((e) => e.id)).size).toBe(entries.length);
      expect(breaking(entries, (e) => new RegExp(`^${name}-\\d{3}$`).test(e.id))).toEqual([]);
      expect(new Set(entries.map((e) => e.instruction.toLowerCase())).size).toBe(entries.length);
      const seen = new Set(others.map((e) => e.instruction.toLowerCase()));
      expect(breaking(entries, (e) => !seen.has(e.instruction.toLowerCase()))).toEqual([]);
    });

    it('holds at least 50 instructions, with every class present', () => {
      expect(entries.length).toBeGreaterThanOrEqual(50);
      for (const cls of CLASSES) expect(entries.filter((e) => e.class === cls).length, cls).toBeGreaterThan(0);
    });

    it('holds at least 5 instructions that must be reported invalid, none of them with a condition', () => {
      const invalid = entries.filter((e) => !e.expected.valid);
      expect(invalid.length).toBeGreaterThanOrEqual(5);
      expect(invalid.filter((e) => e.expected.conditions.length > 0).map((e) => e.id)).toEqual([]);
    });

    it('holds valid instructions for each failure class: triggers, consequences, object phrases, order', () => {
      for (const tag of FAILURE_TAGS)
        expect(entries.filter((e) => e.expected.valid && e.tags.includes(tag)).length, tag).toBeGreaterThan(0);
    });

    itIsConsistent(() => entries);
  });
}

describeHeldOut('the development set (holdout.json: written blind, then used to improve the parser)', 'holdout', holdout, corpus);

describeHeldOut('the second development set (sealed.json: sealed until its one run, then used like holdout.json)', 'sealed', sealed, [
  ...corpus,
  ...holdout,
]);

describeHeldOut('the third development set (dev2.json: written blind, then used to improve the parser)', 'dev2', dev2, [
  ...corpus,
  ...holdout,
  ...sealed,
]);

describeHeldOut('the fourth held-out set (sealed2.json: run once unseen, a development set since)', 'sealed2', sealed2, [
  ...corpus,
  ...holdout,
  ...sealed,
  ...dev2,
]);
