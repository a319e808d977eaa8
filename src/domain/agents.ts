import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { openAgentSecret, sealAgentSecret } from '../db/agent-secrets.ts';
import type { Agent } from '../db/models.ts';
import { isUniqueViolation, jsonInput } from '../db/models.ts';
import { SecretsError, SecretsKeyMissingError } from '../db/secrets.ts';
import { EgressError } from '../egress/errors.ts';
import { withCredentialHeaders } from '../egress/fetch.ts';
import { ConflictError, NotFoundError, ValidationError } from './errors.ts';
import { type OffsetPage, offsetPage } from './offset-page.ts';
import { type Connection, type PageArgs, paginate } from './pagination.ts';
import { inScope, type Principal } from './principal.ts';
import type { Resources } from './resources.ts';
import { type CreateAgentInput, createAgentSchema, retryConfigSchema, type UpdateAgentInput, updateAgentSchema } from './schemas/agent.ts';
import { parseInput } from './schemas/issues.ts';
import type { AgentStatus } from './statuses.ts';

/** Filters for listing agents. DELETED agents are listed only when asked for by status. */
export interface AgentFilter {
  status?: AgentStatus | null;
  nameContains?: string | null;
}

/** Filters for a numbered page of agents: an exact status and/or an exact name. */
export interface AgentPageFilter {
  status?: AgentStatus | null;
  name?: string | null;
}

/** Outcome of calling an agent's `/health` endpoint. Unreachable is a result, not an error. */
export interface AgentHealth {
  healthy: boolean;
  statusCode: number | null;
  responseTimeMs: number | null;
  error: string | null;
  checkedAt: Date;
}

/** `Agent.lastHealth` as stored: an {@link AgentHealth} with checkedAt as ISO text. */
const storedHealthSchema = z.object({
  healthy: z.boolean(),
  statusCode: z.number().int().nullable(),
  responseTimeMs: z.number().nullable(),
  error: z.string().nullable(),
  checkedAt: z.iso.datetime(),
});

/**
 * The agent's last health check, as stored by {@link AgentService.checkHealth}; null if it was
 * never checked. A stored value of another shape (written by a later version, or by hand) reads
 * as never checked rather than failing the agent's reads.
 */
export function lastHealthOf(agent: Pick<Agent, 'lastHealth'>): AgentHealth | null {
  const parsed = storedHealthSchema.safeParse(agent.lastHealth);
  return parsed.success ? { ...parsed.data, checkedAt: new Date(parsed.data.checkedAt) } : null;
}

/** How to find one agent: by id or by name (within the caller's workspace). */
export type AgentLookup = { id: string } | { name: string };

/** Agent registry: registration, lookup, listing and health checks, all scoped by principal. */
export function createAgentService(res: Resources) {
  const db = res.db.prisma;

  async function assertNameFree(principal: Principal, name: string, exceptId?: string): Promise<void> {
    const clash = await db.agent.findFirst({ where: { ...inScope(principal), name, deletedAt: null, NOT: { id: exceptId ?? '' } } });
    if (clash) throw nameTaken(name);
  }

  async function writeGuarded<T>(name: string, write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (error) {
      // The pre-check can race with a concurrent insert; the live-name index decides.
      if (isUniqueViolation(error)) throw nameTaken(name);
      throw error;
    }
  }

  /** Credentials sealed for `Agent.authSecret`, bound to the agent's id (never stored in the clear). */
  function seal(agentId: string, authConfig: Record<string, string>): string {
    try {
      return sealAgentSecret(res.secrets, agentId, authConfig);
    } catch (error) {
      // A server misconfiguration, but the caller must learn why the agent was refused.
      if (error instanceof SecretsKeyMissingError) {
        throw new ValidationError([
          { path: 'authConfig', message: 'cannot be stored: this server has no SECRETS_KEY to encrypt credentials with' },
        ]);
      }
      throw error;
    }
  }

  const service = {
    /** Registers an agent; its name must be free among the workspace's live agents. */
    async create(principal: Principal, input: CreateAgentInput): Promise<Agent> {
      const data = parseInput(createAgentSchema, input);
      checkEgress(res, data.url);
      await assertNameFree(principal, data.name);
      // Chosen here rather than by the database: the sealed secret is bound to the id.
      const id = randomUUID();
      const authSecret = data.authType === 'NONE' || !data.authConfig ? undefined : seal(id, data.authConfig);
      return writeGuarded(data.name, () =>
        db.agent.create({
          data: {
            id,
            ...inScope(principal),
            name: data.name,
            url: data.url,
            description: data.description ?? null,
            protocol: data.protocol,
            authType: data.authType,
            authSecret,
            timeoutMs: data.timeoutMs,
            retryConfig: retryConfigSchema.parse(data.retryConfig ?? {}),
            metadata: jsonInput(data.metadata ?? undefined),
          },
        }),
      );
    },

    /** Changes only the given fields; a deleted agent cannot be updated. */
    async update(principal: Principal, id: string, input: UpdateAgentInput): Promise<Agent> {
      const current = await service.getLive(principal, id);
      const data = parseInput(updateAgentSchema, input);
      if (data.url !== undefined) checkEgress(res, data.url);
      if (data.name !== undefined && data.name !== current.name) await assertNameFree(principal, data.name, id);
      // Only the fields given replace current ones; a key present but undefined is not a change.
      const given = data.retryConfig ? Object.fromEntries(Object.entries(data.retryConfig).filter(([, v]) => v !== undefined)) : null;
      const retry = given ? retryConfigSchema.parse({ ...(current.retryConfig as object), ...given }) : undefined;
      // Switching to NONE drops the stored secret rather than keeping it around unused; a new
      // secret replaces it; otherwise it stays. Either write also clears legacy plaintext.
      const secret =
        data.authType === 'NONE'
          ? { authSecret: null, authConfig: jsonInput(null) }
          : data.authConfig
            ? { authSecret: seal(current.id, data.authConfig), authConfig: jsonInput(null) }
            : {};
      return writeGuarded(
        data.name ?? current.name,
        () =>
          db.agent.update({
            where: { id: current.id },
            data: {
              name: data.name,
              url: data.url,
              description: data.description,
              protocol: data.protocol,
              authType: data.authType,
              ...secret,
              timeoutMs: data.timeoutMs,
              retryConfig: retry,
              metadata: jsonInput(data.metadata),
              status: data.status,
            },
          }) as Promise<Agent>,
      );
    },

    /** Soft-deletes: the row stays (status DELETED) so past runs keep their agent. */
    async remove(principal: Principal, id: string): Promise<Agent> {
      const current = await service.getLive(principal, id);
      const now = res.clock.now();
      return db.agent.update({ where: { id: current.id }, data: { status: 'DELETED', deletedAt: now } });
    },

    /** Finds an agent by id or name; deleted agents are found by id only. */
    async get(principal: Principal, lookup: AgentLookup): Promise<Agent> {
      const where = 'id' in lookup ? { id: lookup.id } : { name: lookup.name, deletedAt: null };
      const agent = await db.agent.findFirst({ where: { ...inScope(principal), ...where } });
      if (!agent) throw new NotFoundError('Agent', 'id' in lookup ? `"${lookup.id}"` : `named "${lookup.name}"`);
      return agent;
    },

    /** Like {@link get} by id, but a deleted agent counts as not found. */
    async getLive(principal: Principal, id: string): Promise<Agent> {
      const agent = await service.get(principal, { id });
      if (agent.deletedAt) throw new NotFoundError('Agent', `"${id}"`);
      return agent;
    },

    /** Lists agents newest first (or by name), keyset-paginated. */
    async list(
      principal: Principal,
      filter: AgentFilter,
      order: { field: 'name' | 'createdAt' | 'updatedAt'; direction: 'asc' | 'desc' },
      page: PageArgs,
    ): Promise<Connection<Agent>> {
      const where = {
        ...inScope(principal),
        ...(filter.status ? { status: filter.status } : { deletedAt: null }),
        ...(filter.nameContains ? { name: containsInsensitive(res, filter.nameContains) } : {}),
      };
      return paginate(db.agent, where, order, page);
    },

    /**
     * One numbered page of agents, newest first, with the total across pages. Like {@link list},
     * DELETED agents appear only when asked for by status.
     */
    async page(principal: Principal, filter: AgentPageFilter, offset: number, limit: number): Promise<OffsetPage<Agent>> {
      const where = {
        ...inScope(principal),
        ...(filter.status ? { status: filter.status } : { deletedAt: null }),
        ...(filter.name != null ? { name: filter.name } : {}),
      };
      return offsetPage(db.agent, where, [{ createdAt: 'desc' }], offset, limit);
    },

    /** Statuses of the named agents in the workspace (live ones win over deleted namesakes). */
    async statusesByName(principal: Principal, names: string[]): Promise<Map<string, { status: AgentStatus }>> {
      if (names.length === 0) return new Map();
      const rows = await db.agent.findMany({
        where: { ...inScope(principal), name: { in: names } },
        orderBy: { deletedAt: 'asc' },
        select: { name: true, status: true, deletedAt: true },
      });
      const out = new Map<string, { status: AgentStatus }>();
      for (const row of rows) {
        if (!out.has(row.name) || !row.deletedAt) out.set(row.name, { status: row.status as AgentStatus });
      }
      return out;
    },

    /**
     * Calls GET <url>/health with the agent's auth and timeout, and stores the result as the
     * agent's last health (read by {@link lastHealthOf}); never throws for a bad agent.
     */
    async checkHealth(principal: Principal, id: string): Promise<AgentHealth> {
      const agent = await service.get(principal, { id });
      const health = await probe(agent);
      await storeHealth(agent.id, health);
      return health;
    },
  };

  /** One call of the agent's `/health` endpoint, as a result whatever happens. */
  async function probe(agent: Agent): Promise<AgentHealth> {
    let headers: Record<string, string>;
    try {
      headers = authHeaders({ authType: agent.authType, authConfig: openAgentSecret(res.secrets, agent) });
    } catch (error) {
      if (!(error instanceof SecretsError)) throw error;
      const reason = `its stored credentials cannot be used: ${error.message}`;
      return { healthy: false, statusCode: null, responseTimeMs: null, error: reason, checkedAt: res.clock.now() };
    }
    const started = performance.now();
    const url = `${agent.url.replace(/\/+$/, '')}/health`;
    try {
      // The credentials are for the agent's origin; the egress fetch drops them if a redirect leaves it.
      const init = withCredentialHeaders({ headers, signal: AbortSignal.timeout(agent.timeoutMs) }, Object.keys(headers));
      const response = await res.fetch(url, init);
      // Never read: only the status matters, so nothing an agent sends is held.
      await response.body?.cancel();
      const responseTimeMs = Math.round((performance.now() - started) * 100) / 100;
      return {
        healthy: response.ok,
        statusCode: response.status,
        responseTimeMs,
        error: response.ok ? null : `Health check returned HTTP ${response.status}`,
        checkedAt: res.clock.now(),
      };
    } catch (error) {
      // Refused before any connection: the policy's message, which is the same whatever listens there.
      if (error instanceof EgressError) {
        return { healthy: false, statusCode: null, responseTimeMs: null, error: error.message, checkedAt: res.clock.now() };
      }
      const timedOut = error instanceof Error && error.name === 'TimeoutError';
      const cause = error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : String(error);
      return {
        healthy: false,
        statusCode: null,
        responseTimeMs: null,
        error: timedOut ? `Connection timeout after ${agent.timeoutMs}ms` : `Could not reach ${url}: ${cause}`,
        checkedAt: res.clock.now(),
      };
    }
  }

  /**
   * Stores a check's result on the agent. By hand, not through Prisma, whose @updatedAt would
   * stamp the agent as changed (REST and lists show and sort by it); a result older than the
   * stored one (two checks at once) is not written over it. ISO texts of one format order like
   * the instants they name.
   */
  async function storeHealth(agentId: string, health: AgentHealth): Promise<void> {
    const stored = JSON.stringify({ ...health, checkedAt: health.checkedAt.toISOString() } satisfies z.input<typeof storedHealthSchema>);
    const checkedAt = health.checkedAt.toISOString();
    if (res.db.provider === 'postgres') {
      await db.$executeRawUnsafe(
        `UPDATE "Agent" SET "lastHealth" = $1::jsonb WHERE "id" = $2 AND ("lastHealth" IS NULL OR ("lastHealth"->>'checkedAt') <= $3)`,
        stored,
        agentId,
        checkedAt,
      );
    } else {
      await db.$executeRawUnsafe(
        `UPDATE "Agent" SET "lastHealth" = ? WHERE "id" = ? AND ("lastHealth" IS NULL OR json_extract("lastHealth", '$.checkedAt') <= ?)`,
        stored,
        agentId,
        checkedAt,
      );
    }
  }

  return service;
}

/**
 * Refuses an agent URL the egress policy refuses as written (a literal private address,
 * `localhost` with loopback denied, a metadata host): a ValidationError on `url` naming the
 * rule. Names are not resolved here; a name that resolves to a refused address is refused at
 * call time, and one that does not resolve yet may belong to an agent not up yet.
 */
function checkEgress(res: Resources, url: string): void {
  const refused = res.egress.checkStatic(url);
  if (refused) throw new ValidationError([{ path: 'url', message: refused.message }]);
}

/** The failure for a name already used by a live agent (worded as seed 004 documents it). */
function nameTaken(name: string): ConflictError {
  return new ConflictError(`Agent name '${name}' already exists`, 'name');
}

/** The service's type, for code that receives it. */
export type AgentService = ReturnType<typeof createAgentService>;

/** Headers that authenticate a call to the agent with its secret (opened: see openAgentSecret). */
export function authHeaders(agent: Pick<Agent, 'authType'> & { authConfig: unknown }): Record<string, string> {
  const config = (agent.authConfig ?? {}) as Record<string, string>;
  switch (agent.authType as 'NONE' | 'BEARER' | 'APIKEY') {
    case 'BEARER':
      return config.token ? { authorization: `Bearer ${config.token}` } : {};
    case 'APIKEY':
      return config.key ? { [config.header ?? 'x-api-key']: config.key } : {};
    case 'NONE':
      return {};
  }
}

/** A case-insensitive substring filter; SQLite's LIKE already ignores ASCII case, PostgreSQL needs `mode`. */
export function containsInsensitive(res: Resources, text: string): { contains: string } {
  return res.db.provider === 'postgres' ? ({ contains: text, mode: 'insensitive' } as { contains: string }) : { contains: text };
}
