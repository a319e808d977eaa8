// Per-user request budgets (issue 12 point 4), shared by REST and GraphQL: one budget per user
// per minute, counted in PostgreSQL when the server runs on it (so every process behind a load
// balancer draws from the same budget) and in this process's memory on SQLite (one process).

import type { IncomingMessage } from 'node:http';
import type { ExecutionResult } from 'graphql';
import { createGraphQLError, type Plugin } from 'graphql-yoga';
import pg from 'pg';
import type { Logger } from 'pino';
import { RateLimiterMemory, RateLimiterPostgres, RateLimiterRes } from 'rate-limiter-flexible';
import type { DatabaseTarget } from '../db/target.ts';
import type { Principal } from '../domain/principal.ts';

/** The window every budget is counted over (the setting is per minute). */
const WINDOW_SECONDS = 60;
/** Prefix of every counter's key, in the table and in memory. */
const KEY_PREFIX = 'flowdeck';
/** The table migration 0010 creates with the columns RateLimiterPostgres expects. */
const TABLE = 'rate_limits';
/**
 * Connections of the limiter's own pool. One upsert per request holds a connection for about a
 * millisecond, so a few serve thousands of requests a second without taking from the main pool.
 */
const POOL_SIZE = 3;
/** How long a request waits for the store before the in-memory fallback decides instead. */
const STORE_TIMEOUT_MS = 2_000;
/** How often expired counters are deleted from the table (the library would use a timer it never clears). */
const PRUNE_EVERY_MS = 5 * 60_000;
/** At most one warning per this interval while the store keeps failing (not one per request). */
const WARN_EVERY_MS = 60_000;

/** The outcome of counting one request (or GraphQL operation) against its budget. */
export interface RateDecision {
  allowed: boolean;
  /** The budget per window (`RateLimit-Limit`). */
  limit: number;
  /** Requests left in the current window (`RateLimit-Remaining`). */
  remaining: number;
  /** Seconds until the window ends and the budget is full again (`RateLimit-Reset`). */
  resetSeconds: number;
  /** Seconds to wait before retrying (`Retry-After`); 0 when allowed. */
  retryAfterSeconds: number;
}

/** Counts requests against per-key budgets. */
export interface RateLimiter {
  /** Requests allowed per key per minute. */
  readonly perMinute: number;
  /** Where the counters live: PostgreSQL (shared by every process) or this process's memory. */
  readonly store: 'postgres' | 'memory';
  /** Counts one request for `key` (see {@link rateKey}) and says whether it may proceed. */
  consume(key: string): Promise<RateDecision>;
  /** Releases the store's connections and timers; the limiter must not be used afterwards. */
  close(): Promise<void>;
}

/** What {@link createRateLimiter} is built from. */
export interface RateLimiterOptions {
  /** RATE_LIMIT_PER_MINUTE; 0 turns limiting off. */
  perMinute: number;
  database: DatabaseTarget;
  logger: Logger;
}

function decisionOf(res: RateLimiterRes, limit: number, allowed: boolean): RateDecision {
  // The window always has an end (duration > 0); a negative value would mean "no expiry".
  const resetSeconds = Math.max(Math.ceil(res.msBeforeNext / 1000), 0);
  return {
    allowed,
    limit,
    remaining: allowed ? res.remainingPoints : 0,
    resetSeconds,
    retryAfterSeconds: allowed ? 0 : Math.max(resetSeconds, 1),
  };
}

/**
 * Builds the limiter for RATE_LIMIT_PER_MINUTE, or null when it is 0 (limiting off).
 *
 * On PostgreSQL the counters are rows of `rate_limits`, updated atomically by
 * rate-limiter-flexible's RateLimiterPostgres over a small pool of its own. If the store fails
 * (database down, pool exhausted past {@link STORE_TIMEOUT_MS}) the request is counted in this
 * process's memory instead, with a logged warning: the API stays available when the limiter's
 * table is not, and each process still enforces the budget on its own until the store is back.
 */
export function createRateLimiter(options: RateLimiterOptions): RateLimiter | null {
  const { perMinute, database, logger } = options;
  if (perMinute <= 0) return null;
  const limits = { points: perMinute, duration: WINDOW_SECONDS, keyPrefix: KEY_PREFIX };
  const memory = new RateLimiterMemory(limits);
  if (database.provider === 'sqlite') {
    return {
      perMinute,
      store: 'memory',
      async consume(key) {
        try {
          return decisionOf(await memory.consume(key), perMinute, true);
        } catch (refusal) {
          return decisionOf(refusal as RateLimiterRes, perMinute, false);
        }
      },
      async close() {
        // Nothing to release: the counters' expiry timers are unref'd and die with the map.
      },
    };
  }

  const pool = new pg.Pool({
    connectionString: database.url,
    max: POOL_SIZE,
    connectionTimeoutMillis: STORE_TIMEOUT_MS,
    query_timeout: STORE_TIMEOUT_MS,
    application_name: 'flowdeck-rate-limit',
  });
  // An idle connection that drops emits here; unhandled, it would end the process.
  pool.on('error', (error) => logger.warn({ err: error }, 'rate limit store connection failed'));
  const shared = new RateLimiterPostgres({
    ...limits,
    storeClient: pool,
    storeType: 'pool',
    tableName: TABLE,
    tableCreated: true,
    clearExpiredByTimeout: false,
  });
  const prune = setInterval(() => {
    // Counters that ended an hour ago; a failure only leaves them for the next pass.
    pool.query(`DELETE FROM "${TABLE}" WHERE expire < $1`, [Date.now() - 3_600_000]).catch(() => {});
  }, PRUNE_EVERY_MS);
  prune.unref();
  let lastWarnedAt = 0;
  let closed: Promise<void> | null = null;

  return {
    perMinute,
    store: 'postgres',
    async consume(key) {
      try {
        return decisionOf(await shared.consume(key), perMinute, true);
      } catch (outcome) {
        if (outcome instanceof RateLimiterRes) return decisionOf(outcome, perMinute, false);
        if (Date.now() - lastWarnedAt >= WARN_EVERY_MS) {
          lastWarnedAt = Date.now();
          logger.warn({ err: outcome }, 'rate limit store unavailable; counting requests in this process until it answers');
        }
      }
      try {
        return decisionOf(await memory.consume(key), perMinute, true);
      } catch (refusal) {
        return decisionOf(refusal as RateLimiterRes, perMinute, false);
      }
    },
    close() {
      closed ??= (async () => {
        clearInterval(prune);
        await pool.end();
      })();
      return closed;
    },
  };
}

/**
 * The budget a request draws from: its user's (a token's `sub` or an API key, within its
 * tenant) when there is one, else its client address, else one shared `anonymous` budget (an
 * in-process request has no socket). Addresses come from the socket, not X-Forwarded-For,
 * which any client can set; behind a proxy every anonymous caller shares the proxy's budget.
 */
export function rateKey(principal: Pick<Principal, 'tenantId' | 'userId'> | undefined, address: string | null | undefined): string {
  if (principal?.userId) return `user:${principal.tenantId}:${principal.userId}`;
  if (address) return `ip:${address}`;
  return 'anonymous';
}

/** The peer address of a Node request, when there is one. */
export function addressOf(request: IncomingMessage | undefined): string | null {
  return request?.socket?.remoteAddress ?? null;
}

/** The headers a limited response carries: the IETF draft's three, and Retry-After on refusal. */
export function rateLimitHeaders(decision: RateDecision): Record<string, string> {
  return {
    'RateLimit-Limit': String(decision.limit),
    'RateLimit-Remaining': String(decision.remaining),
    'RateLimit-Reset': String(decision.resetSeconds),
    ...(decision.allowed ? {} : { 'Retry-After': String(decision.retryAfterSeconds) }),
  };
}

/** The message of a refusal, the same in every REST dialect and in GraphQL. */
export function rateLimitedMessage(decision: RateDecision): string {
  return `Rate limit exceeded: ${decision.limit} requests per minute; retry in ${decision.retryAfterSeconds} s`;
}

/** The context fields the plugin reads (yoga's server context adds `req` when served by Node). */
interface LimitedContext {
  principal?: Principal;
  request?: Request;
  req?: IncomingMessage;
}

/**
 * Counts GraphQL operations, not HTTP requests: one per executed query or mutation and one per
 * subscription started, over HTTP, SSE and graphql-ws alike (all go through envelop's
 * execute/subscribe). The check runs before the operation does, so a refused mutation changes
 * nothing; the refusal is a `RATE_LIMITED` error on that operation only (over a WebSocket the
 * socket stays open), and over HTTP a 429 with Retry-After. HTTP responses carry the RateLimit
 * headers of the request's last operation.
 */
export function rateLimitPlugin(limiter: RateLimiter | null): Plugin {
  if (!limiter) return {};
  const active = limiter;
  const decisions = new WeakMap<Request, RateDecision>();

  async function refusal(context: LimitedContext): Promise<ExecutionResult | null> {
    const decision = await active.consume(rateKey(context.principal, addressOf(context.req)));
    if (context.request) decisions.set(context.request, decision);
    if (decision.allowed) return null;
    const error = createGraphQLError(rateLimitedMessage(decision), {
      extensions: {
        code: 'RATE_LIMITED',
        retryAfterSeconds: decision.retryAfterSeconds,
        http: { status: 429, headers: rateLimitHeaders(decision) },
      },
    });
    return { errors: [error] };
  }

  return {
    async onExecute({ args, setResultAndStopExecution }) {
      const refused = await refusal(args.contextValue);
      if (refused) setResultAndStopExecution(refused);
    },
    async onSubscribe({ args, setResultAndStopExecution }) {
      const refused = await refusal(args.contextValue);
      if (refused) setResultAndStopExecution(refused);
    },
    onResponse({ request, response }) {
      const decision = decisions.get(request);
      if (!decision) return;
      for (const [name, value] of Object.entries(rateLimitHeaders(decision))) response.headers.set(name, value);
    },
  };
}
