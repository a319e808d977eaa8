// Issue 17: "The optional LLM path gets the same corpus". The whole evaluation corpus goes
// through GraphQL parseWorkflow with the LLM parser pointed at a fake model that answers each
// instruction's expected workflow (test/support/fake-llm.ts). The fake is ideal, so any miss
// here is a bug in the LLM path: the request it builds, the reply's conversion, validation or
// the nodes form. How well a real model does is measured by `npm run eval:parse -- --llm`.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDeterministicParser, createLlmParser, type NodesDocument } from '../../src/domain/parse/index.ts';
import { type CorpusEntry, loadCorpus } from '../domain/parse/corpus.ts';
import { describeMisses, figures, judge, readResult } from '../domain/parse/scoring.ts';
import type { TestApp } from '../support/app.ts';
import { type FakeLlm, startFakeLlm } from '../support/fake-llm.ts';
import { type Parsed, parseAll, parseEntry, registerAgents, type Workspaces } from '../support/parse-corpus.ts';
import { startAppWithLlm } from '../support/scripted-llm.ts';

type Step = { id: string; type: string; agent?: string; dependsOn?: string[] };

const corpus = loadCorpus();
const MODEL = 'fake-ideal-model';

let llm: FakeLlm;
let t: TestApp;
let workspaces: Workspaces;
let results: Map<string, Parsed>;

beforeAll(async () => {
  llm = await startFakeLlm(corpus);
  t = await startAppWithLlm(llm.url, { apiKey: 'sk-fake', model: MODEL });
  workspaces = await registerAgents(t, corpus);
  results = await parseAll(t, workspaces, corpus);
});
afterAll(async () => {
  await t?.close();
  await llm?.close();
});

describe('the parser evaluation corpus through parseWorkflow with the LLM parser (ideal fake model)', () => {
  it('answers every instruction from the model: source LLM, no fallback', () => {
    expect(results.size).toBe(corpus.length);
    const notLlm = corpus.filter((e) => results.get(e.id)?.source !== 'LLM').map((e) => `${e.id}: ${results.get(e.id)?.notes[0]}`);
    expect(notLlm).toEqual([]);
  });

  it('gets 100% of the sequences, conditions, crons and triggers, and reports every must-be-invalid instruction invalid', () => {
    const verdicts = corpus.map((entry) => judge(entry, readResult(results.get(entry.id) as Parsed)));
    const misses = verdicts.flatMap((v) => {
      const lines = describeMisses(v);
      return lines.length === 0 ? [] : [`${v.entry.id}\n${lines.join('\n')}`];
    });
    expect(misses).toEqual([]);
    const overall = figures(verdicts);
    const mustBeValid = corpus.filter((e) => e.expected.valid).length;
    const score = (tally: { hits: number; of: number }): [number, number] => [tally.hits, tally.of];
    expect({
      sequence: score(overall.sequence),
      conditions: score(overall.conditions),
      cron: score(overall.cron),
      trigger: score(overall.trigger),
      invalidFound: score(overall.invalidFound),
      validKept: score(overall.validKept),
    }).toEqual({
      sequence: [mustBeValid, mustBeValid],
      conditions: [mustBeValid, mustBeValid],
      cron: [corpus.length, corpus.length],
      trigger: [corpus.length, corpus.length],
      invalidFound: [corpus.length - mustBeValid, corpus.length - mustBeValid],
      validKept: [mustBeValid, mustBeValid],
    });
  });

  it('sends each instruction once, with its tools and its workspace agents in the prompt', () => {
    const allAgents = new Set(corpus.flatMap((e) => (e.agents ?? []).map((a) => a.name)));
    const wrong: string[] = [];
    for (const entry of corpus) {
      const sent = llm.requests.filter((r) => r.user === entry.instruction);
      if (sent.length !== 1 || sent[0] === undefined) {
        wrong.push(`${entry.id}: sent ${sent.length} times`);
        continue;
      }
      const { system, model, headers } = sent[0];
      if (model !== MODEL || headers.authorization !== 'Bearer sk-fake')
        wrong.push(`${entry.id}: model ${model}, ${headers.authorization}`);
      for (const tool of entry.availableTools) if (!system.includes(`\n- ${tool}\n`)) wrong.push(`${entry.id}: tool ${tool} missing`);
      const own = new Set((entry.agents ?? []).map((a) => a.name));
      for (const agent of entry.agents ?? []) {
        if (!system.includes(`\n- ${agent.name}: ${agent.description}\n`)) wrong.push(`${entry.id}: agent ${agent.name} missing`);
      }
      for (const other of allAgents)
        if (!own.has(other) && system.includes(`- ${other}:`)) wrong.push(`${entry.id}: foreign agent ${other}`);
      if (own.size === 0 && !system.includes('Registered agents (use them as "agent"):\n- (none)\n'))
        wrong.push(`${entry.id}: agents listed`);
    }
    expect(wrong).toEqual([]);
  });

  it('returns the nodes form of the same steps: tools as integrations, agents as agents, input_from as dependsOn', () => {
    const wrong: string[] = [];
    for (const entry of corpus) {
      const parsed = results.get(entry.id) as Parsed;
      const steps = (parsed.definition as { steps?: Step[] }).steps ?? [];
      const nodes = (parsed.nodes as NodesDocument).nodes;
      const expected = steps.map((s) => {
        const deps = s.dependsOn ?? [];
        const type = s.type !== 'agent' ? s.type : entry.availableTools.includes(s.agent ?? '') ? 'integration' : 'agent';
        return {
          id: s.id,
          type,
          action: s.type === 'agent' ? s.agent : undefined,
          input_from: deps.length === 0 ? undefined : deps.length === 1 ? deps[0] : deps,
        };
      });
      const got = nodes.map((n) => ({
        id: n.id,
        type: n.type,
        action: n.type === 'condition' ? undefined : n.action,
        input_from: n.input_from,
      }));
      if (JSON.stringify(got) !== JSON.stringify(expected)) wrong.push(`${entry.id}: ${JSON.stringify(got)} ≠ ${JSON.stringify(expected)}`);
    }
    expect(wrong).toEqual([]);
  });
});

describe('the LLM path when the model misbehaves', () => {
  const entry = corpus.find((e) => e.id === 'scheduling-001') as CorpusEntry;
  const context = { availableTools: entry.availableTools, agents: [] };

  it('falls back to the deterministic parser on an HTTP 500 and on a reply that holds no JSON', async () => {
    const deterministic = await createDeterministicParser().parse(entry.instruction, context);
    for (const [mode, note] of [
      ['error', 'HTTP 500'],
      ['junk', 'the reply holds no JSON object'],
    ] as const) {
      llm.mode = mode;
      try {
        const parsed = await parseEntry(t, workspaces, entry);
        expect(parsed.source).toBe('LLM_FALLBACK');
        expect(parsed.notes[0]).toContain(note);
        expect(parsed.definition).toEqual(deterministic.definition);
        expect(parsed.schedule?.cron ?? null).toBe(deterministic.schedule?.cron ?? null);
      } finally {
        llm.mode = 'ideal';
      }
    }
  });

  it('falls back when the model does not answer within the timeout', async () => {
    // The app's timeout (20 s) is not configurable, so this one calls the parser directly.
    const parser = createLlmParser({ url: llm.url, model: MODEL, timeoutMs: 200 });
    llm.mode = 'hang';
    try {
      const parsed = await parser.parse(entry.instruction, context);
      expect(parsed.source).toBe('llm-fallback');
      expect(parsed.notes[0]).toContain('no reply within 200 ms');
    } finally {
      llm.mode = 'ideal';
    }
  });
});
