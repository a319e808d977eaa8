/**
 * Natural-language workflow parsing as a domain service (GraphQL `parseWorkflow`, later REST
 * `POST /api/v2/workflows/parse`). Nothing is written: the caller gets a definition to review
 * and then create.
 *
 * The deterministic parser is the default. The LLM parser is switched on by environment
 * variables, read ONCE when the service is created (changing them needs a restart):
 *
 * | variable | meaning |
 * |---|---|
 * | `LLM_PARSER_URL` | base URL of an OpenAI-compatible API (e.g. `https://api.openai.com/v1`); unset or empty = off |
 * | `LLM_PARSER_API_KEY` | sent as `Authorization: Bearer …` (optional, for local servers) |
 * | `LLM_PARSER_MODEL` | model name (default `gpt-4o-mini`) |
 *
 * Tests (and other callers) pass `{ llm }` explicitly instead.
 *
 * Agents are matched on their names and descriptions and, for A2A agents, on the skills their
 * cards publish, when the composition root gives an {@link AgentSkillsReader}. A card that
 * cannot be read never fails a parse: that agent is matched without skills and a note says why.
 */
import { z } from 'zod';
import { openAgentSecret } from '../db/agent-secrets.ts';
import type { Agent } from '../db/models.ts';
import { SecretsError } from '../db/secrets.ts';
import type { AgentService } from './agents.ts';
import { MAX_PAGE_SIZE } from './pagination.ts';
import {
  type AgentInfo,
  type AgentSkill,
  createDeterministicParser,
  createLlmParser,
  DEFAULT_LLM_MODEL,
  type ParseResult,
  type Parser,
} from './parse/index.ts';
import type { Principal } from './principal.ts';
import type { Resources } from './resources.ts';
import { parseInput } from './schemas/issues.ts';
import type { AgentStatus } from './statuses.ts';

/** Where the LLM parser is, when it is on. */
export interface LlmConfig {
  url: string;
  apiKey: string | null;
  model: string;
}

/** An A2A agent whose card is wanted, with its credentials opened. */
export interface AgentCardTarget {
  id: string;
  name: string;
  url: string;
  authType: 'NONE' | 'BEARER' | 'APIKEY';
  /** `{token}` for BEARER, `{key, header?}` for APIKEY. */
  authConfig: unknown;
}

/** The skills an agent's card publishes, or why they could not be had (words fitting "could not be read (…)"). */
export type AgentSkillsOutcome = { ok: true; skills: AgentSkill[] } | { ok: false; reason: string };

/** Reads an A2A agent's card skills. Should neither throw nor hang; the service guards against both anyway. */
export type AgentSkillsReader = (agent: AgentCardTarget) => Promise<AgentSkillsOutcome>;

export interface ParseServiceOptions {
  /** The LLM parser's endpoint; null = deterministic only; absent = from `process.env` (see the module comment). */
  llm?: LlmConfig | null;
  /** How long to wait for the LLM before falling back (default 20 s). */
  llmTimeoutMs?: number;
  /** Reads the skills of A2A agents' cards; absent = every agent is matched on name and description only. */
  agentSkills?: AgentSkillsReader;
  /** Longest one parse waits for all the cards it reads (default {@link DEFAULT_AGENT_SKILLS_BUDGET_MS}). */
  agentSkillsBudgetMs?: number;
}

/** Reads the LLM settings from the environment (see the module comment); null when `LLM_PARSER_URL` is unset. */
export function llmConfigFromEnv(env: Readonly<Record<string, string | undefined>>): LlmConfig | null {
  const url = env.LLM_PARSER_URL?.trim();
  if (!url) return null;
  return { url, apiKey: env.LLM_PARSER_API_KEY?.trim() || null, model: env.LLM_PARSER_MODEL?.trim() || DEFAULT_LLM_MODEL };
}

export const MIN_INSTRUCTION_LENGTH = 5;
export const MAX_INSTRUCTION_LENGTH = 10_000;
/** Registered agents considered when matching (the first ones by name beyond this are not). */
export const MAX_MATCHED_AGENTS = 500;
/** Default of {@link ParseServiceOptions.agentSkillsBudgetMs}. */
export const DEFAULT_AGENT_SKILLS_BUDGET_MS = 3_000;
/** Cards one parse reads at once. */
const CARD_READS_AT_ONCE = 16;
/** Unreadable cards noted one by one; past them, one note counts the rest. */
const MAX_CARD_NOTES = 10;

export const parseRequestSchema = z.object({
  instruction: z
    .string()
    .trim()
    .min(MIN_INSTRUCTION_LENGTH, `must be at least ${MIN_INSTRUCTION_LENGTH} characters`)
    .max(MAX_INSTRUCTION_LENGTH, `must be at most ${MAX_INSTRUCTION_LENGTH} characters`),
  context: z
    .object({
      availableTools: z.array(z.string().trim().min(1, 'must not be empty').max(200)).max(500).nullish(),
      organizationId: z.string().max(200).nullish(),
    })
    .nullish(),
});

/** What `parse` accepts (seed 003's body). */
export interface ParseRequest {
  instruction: string;
  context?: { availableTools?: readonly string[] | null; organizationId?: string | null } | null;
}

/**
 * Runs `reads` (one per card), {@link CARD_READS_AT_ONCE} at a time, for `budgetMs` in all; a read
 * that throws is a failure, one not finished in time is undefined (a started read goes on and
 * fills the reader's cache for the next parse; one not started is skipped).
 */
async function readWithin(reads: (() => Promise<AgentSkillsOutcome>)[], budgetMs: number): Promise<(AgentSkillsOutcome | undefined)[]> {
  const outcomes: (AgentSkillsOutcome | undefined)[] = reads.map(() => undefined);
  let next = 0;
  let expired = false;
  const worker = async () => {
    while (!expired && next < reads.length) {
      const index = next++;
      try {
        const outcome = await reads[index]!();
        if (!expired) outcomes[index] = outcome;
      } catch (error) {
        if (!expired) outcomes[index] = { ok: false, reason: error instanceof Error ? error.message : String(error) };
      }
    }
  };
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, budgetMs);
  });
  try {
    await Promise.race([Promise.all(Array.from({ length: Math.min(CARD_READS_AT_ONCE, reads.length) }, worker)), deadline]);
  } finally {
    expired = true;
    clearTimeout(timer);
  }
  return outcomes;
}

/** The notes for cards that could not be read: one each up to {@link MAX_CARD_NOTES}, then a count. */
function cardNotes(unread: { name: string; reason: string }[]): string[] {
  const notes = unread
    .slice(0, MAX_CARD_NOTES)
    .map(({ name, reason }) => `the A2A card of agent "${name}" could not be read (${reason}); matched on its name and description only`);
  const more = unread.length - MAX_CARD_NOTES;
  if (more > 0)
    notes.push(`the A2A cards of ${more} more agents could not be read; they were matched on their names and descriptions only`);
  return notes;
}

/** Creates the service; without `options.llm`, the LLM settings come from `process.env`. */
export function createParseService(res: Resources, agents: AgentService, options: ParseServiceOptions = {}) {
  const llm = options.llm === undefined ? llmConfigFromEnv(process.env) : options.llm;
  const deterministic = createDeterministicParser();
  const parser: Parser = llm
    ? createLlmParser({
        url: llm.url,
        apiKey: llm.apiKey,
        model: llm.model,
        fetch: res.fetch,
        timeoutMs: options.llmTimeoutMs,
        fallback: deterministic,
      })
    : deterministic;

  /** The workspace's live agents, by name, up to {@link MAX_MATCHED_AGENTS}. */
  async function workspaceAgents(principal: Principal): Promise<Agent[]> {
    const out: Agent[] = [];
    let after: string | null = null;
    while (out.length < MAX_MATCHED_AGENTS) {
      const page = await agents.list(principal, {}, { field: 'name', direction: 'asc' }, { first: MAX_PAGE_SIZE, after });
      for (const { node } of page.edges) out.push(node);
      if (!page.pageInfo.hasNextPage || page.pageInfo.endCursor === null) break;
      after = page.pageInfo.endCursor;
    }
    return out.slice(0, MAX_MATCHED_AGENTS);
  }

  /** One A2A agent's card skills through the reader; credentials that cannot be opened are a failure. */
  function readSkills(read: AgentSkillsReader, agent: Agent): Promise<AgentSkillsOutcome> {
    let authConfig: unknown;
    try {
      authConfig = openAgentSecret(res.secrets, agent);
    } catch (error) {
      if (!(error instanceof SecretsError)) throw error;
      return Promise.resolve({ ok: false, reason: `its stored credentials cannot be used: ${error.message}` });
    }
    const authType = agent.authType as AgentCardTarget['authType'];
    return read({ id: agent.id, name: agent.name, url: agent.url, authType, authConfig });
  }

  /** What the matcher gets for each agent, with the card skills of A2A agents, and notes for cards not read. */
  async function matchable(rows: Agent[]): Promise<{ agents: AgentInfo[]; notes: string[] }> {
    const infos: AgentInfo[] = rows.map((row) => ({ name: row.name, description: row.description, status: row.status as AgentStatus }));
    const read = options.agentSkills;
    const a2a = rows.flatMap((row, index) => (row.protocol === 'A2A' ? [index] : []));
    if (!read || a2a.length === 0) return { agents: infos, notes: [] };
    const budgetMs = options.agentSkillsBudgetMs ?? DEFAULT_AGENT_SKILLS_BUDGET_MS;
    const outcomes = await readWithin(
      a2a.map((index) => () => readSkills(read, rows[index]!)),
      budgetMs,
    );
    const unread: { name: string; reason: string }[] = [];
    a2a.forEach((index, i) => {
      const outcome = outcomes[i] ?? { ok: false, reason: `not read within ${budgetMs} ms` };
      if (outcome.ok) infos[index] = { ...infos[index]!, skills: outcome.skills };
      else unread.push({ name: rows[index]!.name, reason: outcome.reason });
    });
    return { agents: infos, notes: cardNotes(unread) };
  }

  return {
    /** Whether instructions go to an LLM first. */
    usesLlm: llm != null,

    /**
     * Parses an instruction into a workflow (nothing is saved). Throws ValidationError for an
     * instruction shorter than 5 or longer than 10 000 characters (after trimming).
     */
    async parse(principal: Principal, request: ParseRequest): Promise<ParseResult> {
      const data = parseInput(parseRequestSchema, request);
      const { agents: matched, notes } = await matchable(await workspaceAgents(principal));
      const result = await parser.parse(data.instruction, {
        availableTools: data.context?.availableTools ?? [],
        organizationId: data.context?.organizationId ?? null,
        agents: matched,
      });
      if (result.source === 'llm-fallback')
        res.logger.warn({ notes: result.notes[0] }, 'LLM workflow parser unavailable; used the deterministic parser');
      return notes.length === 0 ? result : { ...result, notes: [...result.notes, ...notes] };
    },
  };
}

/** The service's type, for code that receives it. */
export type ParseService = ReturnType<typeof createParseService>;
