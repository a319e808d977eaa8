// The skills A2A agents publish in their cards, for the workflow parser's agent matching
// (issue 17). Parsing is interactive, so a card gets a short deadline and a small size cap, and
// whatever goes wrong is a reason in words, never an exception: the parser then matches the
// agent on its name and description alone. The card is fetched the way the A2A caller fetches
// it (egress fetch, credentials only for the agent's origin, the SDK's resolver, v0.3 cards
// through its compat layer), and outcomes are cached per agent URL and credentials, so a burst
// of parses reads each card once; failures are kept for a shorter time than cards.

import { DefaultAgentCardResolver } from '@a2a-js/sdk/client';
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { AgentCardTarget, AgentSkillsOutcome, AgentSkillsReader } from '../../domain/parse-service.ts';
import type { AgentSkill } from '../../domain/parse/index.ts';
import { EgressError } from '../../egress/errors.ts';
import { withCredentialHeaders } from '../../egress/fetch.ts';
import { sameOrigin } from '../../egress/headers.ts';
import { readLimited } from './body.ts';
import { AgentCallError, describeCause } from './errors.ts';
import { agentAuthHeaders, checkUrl } from './http.ts';
import { TtlLruCache } from './ttl-cache.ts';

/** Defaults of {@link CardSkillsOptions}. */
export const DEFAULT_CARD_SKILLS = {
  timeoutMs: 2_000,
  maxBytes: 256 * 1024,
  maxEntries: 256,
  ttlMs: 5 * 60_000,
  failureTtlMs: 30_000,
} as const;

/** Skills kept from one card; past them a card describes more than matching can use. */
export const MAX_CARD_SKILLS = 100;

/** Limits of card reading; every field has a default in {@link DEFAULT_CARD_SKILLS}. */
export interface CardSkillsOptions {
  /** Deadline of one card fetch, body included. */
  timeoutMs?: number;
  /** Largest card body read; a longer one is not used. */
  maxBytes?: number;
  /** Agents whose outcome is cached. */
  maxEntries?: number;
  /** How long a card's skills are reused. */
  ttlMs?: number;
  /** How long a failure is reused, so a dead agent does not slow every parse down. */
  failureTtlMs?: number;
}

/** Collaborators of the reader. */
export interface CardSkillsDeps {
  /** The egress fetch (policy checked on every hop). */
  fetch: typeof fetch;
  /** The clock cache expiry is measured on, in milliseconds (default `Date.now`). */
  now?: () => number;
}

const skillSchema = z.object({
  name: z.string().trim().min(1).max(200),
  description: z.string().max(4_000).nullish(),
  tags: z.array(z.string().max(100)).max(100).optional(),
  examples: z.array(z.string().max(1_000)).max(100).optional(),
});

/** An outcome that is a failure, so callers need not build the union by hand. */
function failure(reason: string): AgentSkillsOutcome {
  return { ok: false, reason };
}

/** A reason already in words (a bad status, an oversized body), thrown through the SDK's resolver. */
class CardUnreadable extends Error {}

/** The card's skills, or why they are unusable; a card without `skills` publishes none. */
export function skillsOfCard(card: unknown): AgentSkillsOutcome {
  if (typeof card !== 'object' || card === null || Array.isArray(card)) return failure('it is not a JSON object');
  const raw = (card as { skills?: unknown }).skills;
  if (raw === undefined || raw === null) return { ok: true, skills: [] };
  if (!Array.isArray(raw)) return failure('its skills are not a list');
  const parsed = z.array(skillSchema).safeParse(raw.slice(0, MAX_CARD_SKILLS));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return failure(`its skills are malformed: skills.${issue?.path.join('.') ?? ''} ${issue?.message ?? ''}`.trim());
  }
  return {
    ok: true,
    skills: parsed.data.map((skill): AgentSkill => {
      const out: AgentSkill = { name: skill.name, description: skill.description ?? null };
      if (skill.tags) out.tags = skill.tags;
      if (skill.examples) out.examples = skill.examples;
      return out;
    }),
  };
}

/**
 * A fetch for the SDK's resolver: the agent's credentials for its own origin only (marked, so
 * the egress fetch drops them on a redirect elsewhere), the deadline's signal (the resolver takes
 * none), and the body read under the size cap before the resolver parses it.
 */
function cardFetch(deps: CardSkillsDeps, agent: AgentCardTarget, signal: AbortSignal, maxBytes: number): typeof fetch {
  const credentials = agentAuthHeaders(agent);
  const origin = new URL(agent.url).origin;
  return async (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    const headers = new Headers(init?.headers);
    const sent = sameOrigin(url, origin) ? credentials : {};
    for (const [name, value] of Object.entries(sent)) headers.set(name, value);
    const response = await deps.fetch(url, withCredentialHeaders({ ...init, headers, signal }, Object.keys(sent)));
    if (!response.ok) {
      await response.body?.cancel().catch(() => {});
      throw new CardUnreadable(`answered HTTP ${response.status}`);
    }
    const body = await readLimited(response.body, maxBytes);
    if (!body.complete) throw new CardUnreadable(`it is larger than ${maxBytes} bytes`);
    // Bodies read from fetch are backed by plain ArrayBuffers; only the type says otherwise.
    return new Response(body.bytes as Uint8Array<ArrayBuffer>, { status: response.status, headers: response.headers });
  };
}

/** Why a read failed, in words that fit "could not be read (…)". */
function reasonOf(error: unknown, signal: AbortSignal, timeoutMs: number): string {
  if (signal.aborted) return `no answer within ${timeoutMs} ms`;
  if (error instanceof CardUnreadable || error instanceof EgressError || error instanceof AgentCallError) return error.message;
  if (error instanceof SyntaxError) return 'it is not JSON';
  // undici reports network failures as a TypeError whose cause says what happened.
  if (error instanceof TypeError && error.cause !== undefined) return `unreachable: ${describeCause(error)}`;
  return `it is not a usable agent card: ${describeCause(error)}`;
}

/** Fetches and validates one card; never throws. */
async function readCard(deps: CardSkillsDeps, agent: AgentCardTarget, timeoutMs: number, maxBytes: number): Promise<AgentSkillsOutcome> {
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    checkUrl('the agent', agent.url);
    const cardUrl = `${agent.url.replace(/\/+$/, '')}/.well-known/agent-card.json`;
    const resolver = new DefaultAgentCardResolver({ fetchImpl: cardFetch(deps, agent, signal, maxBytes), legacyCompat: { enabled: true } });
    // An empty path makes the resolver fetch cardUrl itself rather than resolve against it.
    return skillsOfCard(await resolver.resolve(cardUrl, ''));
  } catch (error) {
    return failure(reasonOf(error, signal, timeoutMs));
  }
}

/** Agents at one URL with the same credentials see the same card; the key holds no secret in clear. */
function cacheKey(agent: AgentCardTarget): string {
  return createHash('sha256')
    .update(JSON.stringify([agent.url, agent.authType, agent.authConfig ?? null]))
    .digest('hex');
}

/**
 * Builds the parse service's {@link AgentSkillsReader} for A2A agents: reads
 * `<url>/.well-known/agent-card.json` within `options.timeoutMs` and `options.maxBytes`, and
 * answers with the card's skills (validated; at most {@link MAX_CARD_SKILLS}) or the reason they
 * could not be had. Concurrent reads of one card share one fetch; outcomes are cached in the
 * returned reader, cards for `ttlMs` and failures for `failureTtlMs`.
 */
export function createA2ACardSkills(deps: CardSkillsDeps, options: CardSkillsOptions = {}): AgentSkillsReader {
  const timeoutMs = options.timeoutMs ?? DEFAULT_CARD_SKILLS.timeoutMs;
  const maxBytes = options.maxBytes ?? DEFAULT_CARD_SKILLS.maxBytes;
  const maxEntries = options.maxEntries ?? DEFAULT_CARD_SKILLS.maxEntries;
  const now = deps.now ?? Date.now;
  const cards = new TtlLruCache<AgentSkillsOutcome>(maxEntries, options.ttlMs ?? DEFAULT_CARD_SKILLS.ttlMs, now);
  const failures = new TtlLruCache<AgentSkillsOutcome>(maxEntries, options.failureTtlMs ?? DEFAULT_CARD_SKILLS.failureTtlMs, now);
  const inflight = new Map<string, Promise<AgentSkillsOutcome>>();

  return (agent) => {
    const key = cacheKey(agent);
    const known = cards.get(key) ?? failures.get(key) ?? inflight.get(key);
    if (known) return Promise.resolve(known);
    const read = readCard(deps, agent, timeoutMs, maxBytes)
      .then((outcome) => {
        (outcome.ok ? cards : failures).set(key, outcome);
        return outcome;
      })
      .finally(() => inflight.delete(key));
    inflight.set(key, read);
    return read;
  };
}
