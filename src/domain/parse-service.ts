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
 */
import { z } from 'zod';
import type { AgentService } from './agents.ts';
import { MAX_PAGE_SIZE } from './pagination.ts';
import {
  type AgentInfo,
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

export interface ParseServiceOptions {
  /** The LLM parser's endpoint; null or absent = deterministic only. */
  llm?: LlmConfig | null;
  /** How long to wait for the LLM before falling back (default 20 s). */
  llmTimeoutMs?: number;
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

/** Creates the service; without `options`, the LLM settings come from `process.env`. */
export function createParseService(
  res: Resources,
  agents: AgentService,
  options: ParseServiceOptions = { llm: llmConfigFromEnv(process.env) },
) {
  const deterministic = createDeterministicParser();
  const parser: Parser = options.llm
    ? createLlmParser({
        url: options.llm.url,
        apiKey: options.llm.apiKey,
        model: options.llm.model,
        fetch: res.fetch,
        timeoutMs: options.llmTimeoutMs,
        fallback: deterministic,
      })
    : deterministic;

  /** The workspace's live agents, by name, up to {@link MAX_MATCHED_AGENTS}. */
  async function workspaceAgents(principal: Principal): Promise<AgentInfo[]> {
    const out: AgentInfo[] = [];
    let after: string | null = null;
    while (out.length < MAX_MATCHED_AGENTS) {
      const page = await agents.list(principal, {}, { field: 'name', direction: 'asc' }, { first: MAX_PAGE_SIZE, after });
      for (const { node } of page.edges) out.push({ name: node.name, description: node.description, status: node.status as AgentStatus });
      if (!page.pageInfo.hasNextPage || page.pageInfo.endCursor === null) break;
      after = page.pageInfo.endCursor;
    }
    return out.slice(0, MAX_MATCHED_AGENTS);
  }

  return {
    /** Whether instructions go to an LLM first. */
    usesLlm: options.llm != null,

    /**
     * Parses an instruction into a workflow (nothing is saved). Throws ValidationError for an
     * instruction shorter than 5 or longer than 10 000 characters (after trimming).
     */
    async parse(principal: Principal, request: ParseRequest): Promise<ParseResult> {
      const data = parseInput(parseRequestSchema, request);
      const result = await parser.parse(data.instruction, {
        availableTools: data.context?.availableTools ?? [],
        organizationId: data.context?.organizationId ?? null,
        agents: await workspaceAgents(principal),
      });
      if (result.source === 'llm-fallback')
        res.logger.warn({ notes: result.notes[0] }, 'LLM workflow parser unavailable; used the deterministic parser');
      return result;
    },
  };
}

/** The service's type, for code that receives it. */
export type ParseService = ReturnType<typeof createParseService>;
