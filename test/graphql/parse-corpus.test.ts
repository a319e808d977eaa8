// Issue 17's acceptance, through GraphQL parseWorkflow with the offline (deterministic) parser:
// on the committed evaluation corpus (test/domain/parse/corpus.json), the exact action sequence
// is right for at least 90% of the instructions that must be valid, the cron for at least 98% of
// all, and every instruction that must be invalid is reported invalid. `npm run eval:parse`
// prints the same figures per class and tag, and every miss.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCorpus } from '../domain/parse/corpus.ts';
import { describeMisses, figures, judge, readResult, type Verdict } from '../domain/parse/scoring.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { type Parsed, parseAll, registerAgents } from '../support/parse-corpus.ts';

const corpus = loadCorpus();

let t: TestApp;
let verdicts: Verdict[];

beforeAll(async () => {
  t = await startTestApp();
  const results = await parseAll(t, await registerAgents(t, corpus), corpus);
  verdicts = corpus.map((entry) => judge(entry, readResult(results.get(entry.id) as Parsed)));
});
afterAll(async () => {
  await t?.close();
});

/** The misses of one figure, spelled out, so a failure says which instructions regressed. */
function missesOf(part: 'sequence' | 'cron' | 'validity'): string[] {
  return verdicts.filter((v) => v[part] === false).map((v) => `${v.entry.id}: ${describeMisses(v).join(' | ')}`);
}

describe('the parser evaluation corpus through parseWorkflow (deterministic parser)', () => {
  it('gets the exact action sequence of at least 90% of the instructions that must be valid', () => {
    const { sequence } = figures(verdicts);
    expect(sequence.of).toBe(corpus.filter((e) => e.expected.valid).length);
    expect({ rate: sequence.hits / sequence.of >= 0.9, misses: missesOf('sequence') }).toMatchObject({ rate: true });
  });

  it('gets the cron of at least 98% of the instructions', () => {
    const { cron } = figures(verdicts);
    expect(cron.of).toBe(corpus.length);
    expect({ rate: cron.hits / cron.of >= 0.98, misses: missesOf('cron') }).toMatchObject({ rate: true });
  });

  it('reports every instruction that must be invalid invalid', () => {
    const { invalidFound } = figures(verdicts);
    expect(invalidFound.of).toBeGreaterThanOrEqual(16);
    const missed = verdicts.filter((v) => !v.entry.expected.valid && v.validity === false).map((v) => v.entry.id);
    expect(missed).toEqual([]);
  });
});
