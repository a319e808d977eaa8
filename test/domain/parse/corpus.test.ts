// Checks the evaluation corpus itself (corpus.json), not the parser: how well the parser does on
// it is measured by `npm run eval:parse`, not tested.
import { describe, expect, it } from 'vitest';
import {
  BUILTIN_ACTIONS,
  CLASSES,
  type CorpusEntry,
  corpusSchema,
  cronPatternOf,
  FAILURE_TAGS,
  loadCorpus,
  readCorpusFile,
  sameCron,
} from './corpus.ts';

const corpus: CorpusEntry[] = corpusSchema.safeParse(readCorpusFile()).success ? loadCorpus() : [];
const builtins = new Set<string>(BUILTIN_ACTIONS);

/** Entries breaking `rule`, by id, so a failure names them. */
function breaking(rule: (entry: CorpusEntry) => boolean): string[] {
  return corpus.filter((entry) => !rule(entry)).map((entry) => entry.id);
}

describe('the parser evaluation corpus (issue 17: "a committed evaluation corpus of at least 150 varied instructions")', () => {
  it('matches its schema', () => {
    const result = corpusSchema.safeParse(readCorpusFile());
    expect(result.success, result.error?.message).toBe(true);
  });

  it('has unique ids, each its class and a number, and no instruction twice', () => {
    expect(new Set(corpus.map((e) => e.id)).size).toBe(corpus.length);
    expect(breaking((e) => new RegExp(`^${e.class}-\\d{3}$`).test(e.id))).toEqual([]);
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

  it('expects only actions among its tools, its agents or the documented builtins', () => {
    const known = (e: CorpusEntry) => new Set([...e.availableTools, ...(e.agents ?? []).map((a) => a.name), ...builtins]);
    expect(breaking((e) => e.expected.actions.every((action) => known(e).has(action)))).toEqual([]);
  });

  it('offers tools that do not shadow each other: no tool twice, no agent named like a tool or a builtin', () => {
    expect(breaking((e) => new Set(e.availableTools).size === e.availableTools.length)).toEqual([]);
    expect(breaking((e) => (e.agents ?? []).every((a) => !e.availableTools.includes(a.name) && !builtins.has(a.name)))).toEqual([]);
  });

  it('offers distractors (tools the workflow does not use) in most instructions', () => {
    const withDistractors = corpus.filter((e) => e.availableTools.some((tool) => !e.expected.actions.includes(tool)));
    expect(withDistractors.length).toBeGreaterThanOrEqual(corpus.length * 0.75);
  });

  it('has every valid instruction run at least one action, and every condition gate one of its actions', () => {
    expect(breaking((e) => !e.expected.valid || e.expected.actions.length > 0)).toEqual([]);
    const gated = (e: CorpusEntry) =>
      e.expected.conditions.every(
        (c) => e.expected.actions.includes(c.gates) && (c.otherwise === undefined || e.expected.actions.includes(c.otherwise)),
      );
    expect(breaking(gated)).toEqual([]);
  });

  it('writes every schedule as a 5-field cron expression croner parses', () => {
    const parses = (cron: string): boolean => {
      try {
        cronPatternOf(cron);
        return true;
      } catch {
        return false;
      }
    };
    expect(breaking((e) => e.expected.cron === null || (e.expected.cron.split(' ').length === 5 && parses(e.expected.cron)))).toEqual([]);
    // The eval compares schedules by meaning, so equivalent spellings agree and different ones do not.
    expect(sameCron('0 9 1 */3 *', '0 9 1 1,4,7,10 *')).toBe(true);
    expect(sameCron('* * * * *', '* * * * 1-5')).toBe(false);
  });

  it('tags what the expectations say: a trigger phrase, a condition, an otherwise branch, a builtin step, an agent', () => {
    const tagged = (e: CorpusEntry, tag: CorpusEntry['tags'][number]) => e.tags.includes(tag);
    expect(breaking((e) => tagged(e, 'trigger') === (e.expected.trigger !== null))).toEqual([]);
    expect(breaking((e) => !e.expected.valid || tagged(e, 'consequence') === e.expected.conditions.length > 0)).toEqual([]);
    expect(breaking((e) => tagged(e, 'otherwise') === e.expected.conditions.some((c) => c.otherwise !== undefined))).toEqual([]);
    expect(breaking((e) => !e.expected.valid || tagged(e, 'builtin') === e.expected.actions.some((a) => builtins.has(a)))).toEqual([]);
    expect(breaking((e) => tagged(e, 'agent') === (e.agents ?? []).some((a) => e.expected.actions.includes(a.name)))).toEqual([]);
  });
});
