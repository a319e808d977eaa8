/**
 * Optional LLM-backed parser behind the same {@link Parser} interface. It POSTs an
 * OpenAI-compatible `/chat/completions` request asking for one JSON object
 * `{ name, description, trigger, steps: [...canonical steps...], inputs?, schedule? }` (the
 * prompt is in llm-prompt.ts), reads the JSON from the reply, and then holds it to exactly the
 * rules the deterministic parser's output meets: the workflow validator against the
 * workspace's agents (available tools count as active agents), a 5-field cron check, the nodes
 * form and the confidence formula (finish.ts). An invalid step graph from the model is
 * reported (`valid: false` with its issues), not repaired.
 *
 * When the call fails (network, timeout, non-2xx) or the reply is junk (not JSON, no `steps`
 * list), the fallback parser (the deterministic one by default) answers instead, with
 * `source: 'llm-fallback'` and a note saying why.
 */
import { CronPattern } from 'croner';
import { isPlainObject } from '../definition/schema.ts';
import type { Issue } from '../definition/validate.ts';
import { createDeterministicParser } from './deterministic.ts';
import { checkCandidate, confidenceOf, QUALITY, toNodes } from './finish.ts';
import { systemPrompt } from './llm-prompt.ts';
import type { ParsedSchedule } from './schedule.ts';
import type { ParseContext, ParseResult, Parser, StepMatch } from './types.ts';

export { systemPrompt } from './llm-prompt.ts';

export interface LlmParserOptions {
  /** Base URL of an OpenAI-compatible API (`https://api.openai.com/v1`), or the full `…/chat/completions` URL. */
  url: string;
  /** Sent as `Authorization: Bearer <apiKey>` when set. */
  apiKey?: string | null;
  /** Model name (default `gpt-4o-mini`). */
  model?: string | null;
  /** Injectable for tests; defaults to the global fetch. */
  fetch?: typeof fetch;
  /** How long to wait for the reply (default 20 000 ms) before falling back. */
  timeoutMs?: number;
  /** Who answers when the LLM cannot (default: the deterministic parser). */
  fallback?: Parser;
}

export const DEFAULT_LLM_MODEL = 'gpt-4o-mini';
const DEFAULT_TIMEOUT_MS = 20_000;

/** The LLM could not be used; the message says why (it ends up in the result's notes). */
class LlmUnavailable extends Error {}

function completionsUrl(url: string): string {
  const trimmed = url.replace(/\/+$/, '');
  return trimmed.endsWith('/chat/completions') ? trimmed : `${trimmed}/chat/completions`;
}

/** The JSON object inside a reply, tolerating code fences and prose around it. */
export function extractJson(content: string): unknown {
  const fenced = /```(?:json)?\s*([\s\S]*?)```/i.exec(content);
  const text = (fenced?.[1] ?? content).trim();
  try {
    return JSON.parse(text);
  } catch {
    const start = text.indexOf('{');
    const end = text.lastIndexOf('}');
    if (start < 0 || end <= start) throw new LlmUnavailable('the reply holds no JSON object');
    try {
      return JSON.parse(text.slice(start, end + 1));
    } catch {
      throw new LlmUnavailable('the reply is not valid JSON');
    }
  }
}

/** Reads `schedule` from the model: a cron string, or `{ cron, timezone, description }`. */
function readSchedule(raw: unknown, issues: Issue[]): ParsedSchedule | null {
  if (raw === undefined || raw === null || raw === '') return null;
  const obj = typeof raw === 'string' ? { cron: raw } : isPlainObject(raw) ? raw : {};
  const cron = typeof obj.cron === 'string' ? obj.cron.trim().replace(/\s+/g, ' ') : undefined;
  if (cron === undefined) {
    issues.push({ path: 'schedule', message: 'schedule must be a cron expression or { cron, timezone }' });
    return null;
  }
  try {
    new CronPattern(cron, undefined, { mode: '5-part' });
  } catch (error) {
    issues.push({ path: 'schedule.cron', message: `"${cron}" is not a valid 5-field cron expression: ${(error as Error).message}` });
    return null;
  }
  let timezone: string | null = null;
  if (typeof obj.timezone === 'string' && obj.timezone !== '') {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: obj.timezone });
      timezone = obj.timezone;
    } catch {
      issues.push({ path: 'schedule.timezone', message: `"${obj.timezone}" is not an IANA time zone` });
    }
  }
  const description = typeof obj.description === 'string' && obj.description !== '' ? obj.description : `cron "${cron}"`;
  return { cron, timezone, description: timezone === null ? description : `${description} (${timezone})` };
}

/** Creates the LLM parser. */
export function createLlmParser(options: LlmParserOptions): Parser {
  const doFetch = options.fetch ?? fetch;
  const fallback = options.fallback ?? createDeterministicParser();
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const model = options.model ?? DEFAULT_LLM_MODEL;
  const url = completionsUrl(options.url);

  async function complete(instruction: string, context: ParseContext): Promise<unknown> {
    let response: Response;
    try {
      response = await doFetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json',
          ...(options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {}),
        },
        body: JSON.stringify({
          model,
          temperature: 0,
          response_format: { type: 'json_object' },
          messages: [
            { role: 'system', content: systemPrompt(context) },
            { role: 'user', content: instruction },
          ],
        }),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      const timedOut = error instanceof Error && error.name === 'TimeoutError';
      const cause = error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : String(error);
      throw new LlmUnavailable(timedOut ? `no reply within ${timeoutMs} ms` : `could not reach ${url}: ${cause}`);
    }
    if (!response.ok) {
      await response.body?.cancel();
      throw new LlmUnavailable(`HTTP ${response.status} from ${url}`);
    }
    let body: unknown;
    try {
      body = await response.json();
    } catch {
      throw new LlmUnavailable('the response body is not JSON');
    }
    const choices = isPlainObject(body) && Array.isArray(body.choices) ? body.choices : [];
    const first: unknown = choices[0];
    const message = isPlainObject(first) && isPlainObject(first.message) ? first.message : undefined;
    if (typeof message?.content !== 'string') throw new LlmUnavailable('the response has no choices[0].message.content');
    const parsed = extractJson(message.content);
    if (!isPlainObject(parsed) || !Array.isArray(parsed.steps)) throw new LlmUnavailable('the reply has no "steps" list');
    return parsed;
  }

  return {
    async parse(instruction, context) {
      const started = performance.now();
      const elapsed = (): number => Math.round((performance.now() - started) * 100) / 100;
      let reply: Record<string, unknown>;
      try {
        reply = (await complete(instruction, context)) as Record<string, unknown>;
      } catch (error) {
        if (!(error instanceof LlmUnavailable)) throw error;
        const result = await fallback.parse(instruction, context);
        return {
          ...result,
          source: 'llm-fallback',
          parseTimeMs: elapsed(),
          notes: [`the LLM parser could not be used (${error.message}); the deterministic parser answered`, ...result.notes],
        };
      }
      return fromReply(reply, context, elapsed);
    },
  };
}

/** Validates and scores the model's workflow exactly like the deterministic parser's. */
function fromReply(reply: Record<string, unknown>, context: ParseContext, elapsed: () => number): ParseResult {
  const issues: Issue[] = [];
  const schedule = readSchedule(reply.schedule, issues);
  const candidate: Record<string, unknown> = { steps: reply.steps };
  for (const key of ['inputs', 'outputs', 'entry'] as const) if (reply[key] !== undefined) candidate[key] = reply[key];
  const checked = checkCandidate(candidate, context, issues);

  const tools = new Set(context.availableTools ?? []);
  const agents = new Map((context.agents ?? []).map((a) => [a.name, a]));
  const steps = (reply.steps as unknown[]).filter(isPlainObject);
  const qualities: number[] = [];
  const matches: StepMatch[] = steps.map((step, index) => {
    const stepId = typeof step.id === 'string' ? step.id : `steps[${index}]`;
    const text = typeof step.name === 'string' ? step.name : stepId;
    if (step.type === 'condition') return { stepId, text, kind: 'condition', target: null, score: 0, ambiguousWith: [] };
    if (step.type !== 'agent') {
      qualities.push(QUALITY.strong);
      return { stepId, text, kind: 'builtin', target: null, score: 0, ambiguousWith: [] };
    }
    const agent = typeof step.agent === 'string' ? step.agent : '';
    const kind = tools.has(agent) ? 'tool' : agents.has(agent) ? 'agent' : 'unknown';
    qualities.push(kind === 'unknown' ? QUALITY.unknown : QUALITY.strong);
    return { stepId, text, kind, target: kind === 'unknown' ? null : agent, score: 0, ambiguousWith: [] };
  });
  const str = (value: unknown, fallback: string, max: number): string =>
    (typeof value === 'string' && value.trim() !== '' ? value.trim() : fallback).slice(0, max);
  return {
    name: str(reply.name, 'Parsed workflow', 80),
    description: str(reply.description, schedule?.description ?? '', 500),
    definition: checked.definition,
    nodes: toNodes(checked.definition, tools),
    schedule,
    trigger: typeof reply.trigger === 'string' && reply.trigger.trim() !== '' ? reply.trigger.trim().slice(0, 200) : null,
    confidence: confidenceOf({ qualities, ignored: 0, implicitConditions: 0, scheduleIssues: issues.length }),
    valid: checked.valid,
    issues: checked.issues,
    source: 'llm',
    parseTimeMs: elapsed(),
    notes: [],
    matches,
  };
}
