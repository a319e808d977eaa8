/* biome-ignore-all lint/suspicious/noTemplateCurlyInString: "${…}" here are workflow references, not JS templates. */
/**
 * TEST DOUBLE: a fake OpenAI-compatible chat-completions server for the LLM parser. It is not a
 * model and understands no language; it only looks the instruction up in the parser evaluation
 * corpus (test/domain/parse/corpus.json) and answers the workflow an ideal model would write
 * for it. Nothing outside the tests and `npm run eval:parse -- --fake-llm` may use it.
 *
 * It listens on 127.0.0.1 on a free port and serves `POST …/chat/completions`. For an
 * instruction (the user message) found in the corpus it answers {@link idealReply}; for any
 * other, a reply with no steps. It records every request (`requests`), so a test can check what
 * the prompt carried, and it can be told to misbehave (`mode`): answer 500, answer junk that
 * holds no JSON, or never answer (until closed) — for the parser's fallback paths.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import type { CorpusEntry } from '../domain/parse/corpus.ts';

/** `ideal`: answer as an ideal model would; `error`: HTTP 500; `junk`: a 200 whose content holds no JSON; `hang`: no answer until closed. */
export type FakeLlmMode = 'ideal' | 'error' | 'junk' | 'hang';

/** One request the fake received. */
export interface FakeLlmRequest {
  path: string;
  headers: IncomingHttpHeaders;
  model: string;
  /** The system message (the parser's prompt), or '' when there was none. */
  system: string;
  /** The user message (the instruction), or '' when there was none. */
  user: string;
}

export interface FakeLlm {
  /** Base URL to give the parser (`http://127.0.0.1:<port>/v1`). */
  url: string;
  requests: FakeLlmRequest[];
  /** How the next requests are answered (default `ideal`). */
  mode: FakeLlmMode;
  close(): Promise<void>;
}

/** The part of an OpenAI chat-completions request the fake reads. */
const requestSchema = z.object({
  model: z.string().min(1),
  messages: z.array(z.object({ role: z.string(), content: z.string() })).min(1),
});

// The agent name an ideal model gives an action no offered tool or builtin can do: validation
// then reports it as an agent that does not exist, which makes the result invalid.
const UNOFFERED = 'unoffered_action';

/** A step id from an action label: `slack.post` → `slack_post`, `slack_post_2` the second time. */
function idMaker(): (label: string) => string {
  const used = new Map<string, number>();
  return (label) => {
    const base = label.replace(/[^A-Za-z0-9_]+/g, '_').replace(/^([^A-Za-z_])/, '_$1');
    const n = (used.get(base) ?? 0) + 1;
    used.set(base, n);
    return n === 1 ? base : `${base}_${n}`;
  };
}

/** The body of an action step: an agent for a tool or agent, else the builtin of that name. */
function actionBody(label: string, entry: CorpusEntry): Record<string, unknown> {
  switch (label) {
    case 'delay':
      // The fake does not read durations: the corpus compares step kinds, not their settings.
      return { type: 'delay', durationMs: 60_000 };
    case 'wait':
      return { type: 'wait', signal: 'approval' };
    case 'http': {
      const url = /https?:\/\/[^\s,;]+[^\s,;.]/.exec(entry.instruction)?.[0] ?? 'https://example.com/';
      return { type: 'http', request: { method: 'GET', url } };
    }
    case 'transform':
      return { type: 'transform', expression: '$' };
    default: {
      const operation = label.includes('.') ? label.slice(label.indexOf('.') + 1) : undefined;
      return { type: 'agent', agent: label, ...(operation === undefined ? {} : { action: operation }) };
    }
  }
}

/** Where each expected condition sits among the actions: the index it gates and its `otherwise` index. */
function placeConditions(entry: CorpusEntry): { gate: number; otherwise: number | null }[] {
  const { actions, conditions } = entry.expected;
  const claimed = new Set<number>();
  let from = 0;
  return conditions.map((condition) => {
    const gate = actions.findIndex((label, i) => i >= from && !claimed.has(i) && label === condition.gates);
    if (gate < 0) throw new Error(`fake LLM: ${entry.id}: no action "${condition.gates}" left to gate`);
    claimed.add(gate);
    from = gate + 1;
    let otherwise: number | null = null;
    if (condition.otherwise !== undefined) {
      otherwise = actions.findIndex((label, i) => i > gate && !claimed.has(i) && label === condition.otherwise);
      if (otherwise < 0) throw new Error(`fake LLM: ${entry.id}: no action "${condition.otherwise}" for the otherwise branch`);
      claimed.add(otherwise);
    }
    return { gate, otherwise };
  });
}

/**
 * The workflow an ideal model would answer for a corpus entry, as the parser's prompt asks
 * for it: the expected actions in order, each after the one before; a condition step before
 * each gated action, with `onTrue` the gated action and `onFalse` the `otherwise` action (both
 * depending on the condition); the cron and the trigger. A must-be-invalid entry gets
 * `steps: []` when nothing in it is recognisable, else its recognisable steps followed by a
 * step for the action no offered tool can do.
 */
export function idealReply(entry: CorpusEntry): Record<string, unknown> {
  const { expected } = entry;
  const head = {
    name: entry.instruction.slice(0, 60),
    description: entry.instruction,
    trigger: expected.trigger,
    schedule: expected.cron === null ? null : { cron: expected.cron, timezone: null },
  };
  if (!expected.valid && expected.actions.length === 0) return { ...head, steps: [] };

  const nextId = idMaker();
  const ids = expected.actions.map(nextId);
  const placed = placeConditions(entry);
  const steps: Record<string, unknown>[] = [];
  const inputs: Record<string, unknown>[] = [];
  // The step the next one runs after, and the last action whose output the next one reads.
  let previous: string | null = null;
  let lastAction: string | null = null;
  const branchOf = new Map<number, { condition: string; source: string | null }>();

  expected.actions.forEach((label, i) => {
    const id = ids[i] ?? label;
    const gating = placed.findIndex((p) => p.gate === i);
    if (gating >= 0) {
      const condition = `check_${gating + 1}`;
      const otherwise = placed[gating]?.otherwise ?? null;
      if (lastAction === null && inputs.length === 0)
        inputs.push({ name: 'matches', type: 'json', description: 'whether the condition holds' });
      steps.push({
        id: condition,
        type: 'condition',
        name: `Check before ${label}`,
        dependsOn: previous === null ? [] : [previous],
        condition: { value: lastAction === null ? '${workflow.input.matches}' : `\${${lastAction}.output.matches}`, operator: 'truthy' },
        onTrue: [id],
        onFalse: otherwise === null ? [] : [ids[otherwise] ?? ''],
      });
      if (otherwise !== null) branchOf.set(otherwise, { condition, source: lastAction });
      previous = condition;
    }
    const branch = branchOf.get(i);
    const after = branch?.condition ?? previous;
    const source = branch === undefined ? lastAction : branch.source;
    steps.push({
      id,
      name: label,
      ...actionBody(label, entry),
      dependsOn: after === null ? [] : [after],
      ...(source === null ? {} : { input: { input: `\${${source}.output}` } }),
    });
    previous = id;
    lastAction = id;
  });
  if (!expected.valid) steps.push({ id: 'unoffered', type: 'agent', agent: UNOFFERED, dependsOn: previous === null ? [] : [previous] });
  return { ...head, steps, ...(inputs.length === 0 ? {} : { inputs }) };
}

function completion(model: string, content: string): string {
  return JSON.stringify({
    id: `chatcmpl-fake-${Date.now()}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content } }],
    usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 },
  });
}

/** Starts the fake on 127.0.0.1 (free port), answering from `corpus`. */
export async function startFakeLlm(corpus: readonly CorpusEntry[]): Promise<FakeLlm> {
  const byInstruction = new Map(corpus.map((entry) => [entry.instruction.trim(), entry]));
  const requests: FakeLlmRequest[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const path = req.url ?? '';
      if (req.method !== 'POST' || !path.endsWith('/chat/completions')) {
        res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{"message":"not found"}}');
        return;
      }
      let raw: unknown;
      try {
        raw = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        raw = undefined;
      }
      const parsed = requestSchema.safeParse(raw);
      if (!parsed.success) {
        res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: parsed.error.message } }));
        return;
      }
      const { model, messages } = parsed.data;
      const user = messages.findLast((m) => m.role === 'user')?.content ?? '';
      requests.push({ path, headers: req.headers, model, system: messages.find((m) => m.role === 'system')?.content ?? '', user });
      switch (fake.mode) {
        case 'hang':
          return;
        case 'error':
          res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":{"message":"the fake model was told to fail"}}');
          return;
        case 'junk':
          res.writeHead(200, { 'content-type': 'application/json' }).end(completion(model, 'Sorry, I cannot help with workflows today.'));
          return;
        case 'ideal': {
          const entry = byInstruction.get(user.trim());
          const reply = entry === undefined ? { name: 'Unknown instruction', steps: [] } : idealReply(entry);
          res.writeHead(200, { 'content-type': 'application/json' }).end(completion(model, JSON.stringify(reply)));
        }
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const fake: FakeLlm = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    requests,
    mode: 'ideal',
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Requests left hanging (`hang`) would keep the server open forever.
      server.closeAllConnections();
      await closed;
    },
  };
  return fake;
}
