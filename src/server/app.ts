import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GraphQLError } from 'graphql';
import { createYoga, type YogaServerInstance } from 'graphql-yoga';
import pino, { type Logger } from 'pino';
import { type ConnectOptions, connectDatabase, type Database } from '../db/database.ts';
import { migrateDatabase } from '../db/migrate.ts';
import { createEgressFetch } from '../egress/fetch.ts';
import { createEgressPolicy, type Resolver } from '../egress/policy.ts';
import { prepareAgentSecrets } from '../db/agent-secrets.ts';
import { defaultSecretsKeyFile, loadSecretBox, SECRET_LOG_PATHS } from '../db/secrets.ts';
import { type CardSkillsOptions, createA2ACardSkills, DEFAULT_CARD_SKILLS } from '../engine/agents/a2a-card-skills.ts';
import { Notifier } from '../engine/notifier.ts';
import { listenForRunEvents } from '../engine/pg-listener.ts';
import { getRequestListener } from '@hono/node-server';
import { createRestApp } from '../rest/app.ts';
import { createRunChanges, type RunChanges } from '../engine/run-changes.ts';
import { createRunStreams, type RunStreams, SlowSubscriberError } from '../engine/run-streams.ts';
import { type Scheduler, startScheduler } from '../engine/scheduler.ts';
import { type BulkOperationsLoop, startBulkOperations } from '../engine/bulk-operations.ts';
import { startWorkers, type WorkerPool } from '../engine/worker.ts';
import { DomainError, ValidationError } from '../domain/errors.ts';
import { type Clock, type EngineHooks, type Resources, systemClock } from '../domain/resources.ts';
import { createServices, type Services } from '../domain/services.ts';
import { schema } from '../graphql/schema.ts';
import { createAuthenticator } from './auth/authenticate.ts';
import { jitExecution } from './graphql-jit.ts';
import { useCredentialExpiry, useViewerReadOnly } from './auth/graphql-plugins.ts';
import { createBodyLimit } from './body-limit.ts';
import { type Config, securityWarnings } from './config.ts';
import { type Context, contextFactory } from './context.ts';
import { createGraphqlHardening } from './graphql-hardening.ts';
import { createHealth, packageVersion } from './health.ts';
import { createMetrics, requestMetricsPlugin } from './metrics.ts';
import { createRateLimiter, rateLimitPlugin } from './rate-limit.ts';
import { newRequestId } from './request-ids.ts';
import { createConsole, DEFAULT_CONSOLE_DIR, isConsolePath } from './console.ts';
import { createSseStreamHandler, SSE_STREAM_PATH } from './sse.ts';
import { attachGraphqlWs } from './websocket.ts';

/** Structural check: a GraphQLError from any copy of graphql-js in the process. */
function isGraphQLError(error: unknown): error is GraphQLError {
  return error instanceof GraphQLError || (error instanceof Error && error.name === 'GraphQLError');
}

/** Optional replacements for the app's collaborators (tests inject clocks, fetch, query hooks). */
export interface AppOverrides {
  logger?: Logger;
  clock?: Clock;
  fetch?: typeof fetch;
  /** DNS for the egress policy (tests map names to loopback addresses without a real resolver). */
  resolve?: Resolver;
  onQuery?: ConnectOptions['onQuery'];
  /** Jitter source for retry delays. */
  random?: () => number;
  /** Engine pause points and fault injection (tests only). */
  hooks?: EngineHooks;
  /** The built run console served at /console (default dist/console, `npm run build:console`). */
  consoleDir?: string;
  /** Limits of reading A2A agent cards for the workflow parser (tests shorten the deadline). */
  agentCards?: CardSkillsOptions;
}

/** A built, not yet listening, Flowdeck server. */
export interface App {
  /** Serves one request in-process (what tests use; no socket involved). */
  fetch: (request: Request) => Promise<Response>;
  yoga: YogaServerInstance<Record<string, unknown>, Context>;
  services: Services;
  resources: Resources;
  /** Live views of run event logs (subscriptions and, later, REST SSE). */
  streams: RunStreams;
  /** The workspace feed of run changes (runsChanged). */
  runChanges: RunChanges;
  /** This process's workers; null when WORKER_CONCURRENCY is 0 (API only). */
  workers: WorkerPool | null;
  /** Listens on config.port (0 picks a free port) and resolves with the bound port. */
  start(): Promise<{ port: number; url: string }>;
  /** Stops accepting, waits for in-flight requests (up to shutdownTimeoutMs), closes the database. */
  stop(): Promise<void>;
}

/** GraphQL's own paths; everything else is the REST layer (its 404s included). */
function isGraphqlPath(path: string): boolean {
  return path === '/graphql' || path.startsWith('/graphql/');
}

/**
 * Builds the whole server: migrates and connects the database, wires the domain services and
 * the GraphQL endpoint. Nothing listens until `start()`.
 */
export async function createApp(config: Config, overrides: AppOverrides = {}): Promise<App> {
  const logger =
    overrides.logger ??
    pino({
      level: config.logLevel,
      base: { service: 'flowdeck' },
      // A guard, not the protection: nothing logs credentials on purpose.
      redact: { paths: [...SECRET_LOG_PATHS], censor: '[redacted]' },
      // Readable lines for a person at a terminal in development; JSON everywhere else.
      transport: config.env === 'development' && process.stdout.isTTY ? { target: 'pino-pretty' } : undefined,
    });
  // Each loosened security setting, once, where an operator reading the start-up log sees it.
  for (const warning of securityWarnings(config)) logger.warn(warning);
  // A bad SECRETS_KEY or key file stops the server before it touches the database.
  const secrets = loadSecretBox({
    secretsKey: config.secretsKey,
    env: config.env,
    keyFile: defaultSecretsKeyFile(config.database),
    warn: (message) => logger.warn(message),
  });
  // A bad EGRESS_ALLOW entry stops the server before it touches the database, too.
  const egress = createEgressPolicy({ allow: config.egressAllow, resolve: overrides.resolve });
  // The backstop sits above the callers' own caps (STEP_MAX_OUTPUT_BYTES), which end their reads first.
  const egressFetch = createEgressFetch(egress, { maxResponseBytes: 2 * config.stepMaxOutputBytes });
  await migrateDatabase(config.database, logger);
  const db: Database = await connectDatabase(config.database, {
    sqliteSynchronous: config.sqliteSynchronous,
    onQuery: overrides.onQuery,
    poolSize: config.databasePoolSize,
    onIdleConnectionError: (error) =>
      logger.warn({ err: error }, 'the database closed an idle connection; the pool opens a new one when needed'),
  });
  // Seals legacy plaintext and fails start-up when stored secrets cannot be opened (src/db/agent-secrets.ts).
  await prepareAgentSecrets(db.prisma, secrets, { log: logger }).catch(async (error: unknown) => {
    await db.close();
    throw error;
  });
  const version = packageVersion();
  const clock = overrides.clock ?? systemClock;
  const health = createHealth({ db, clock, version, workerConcurrency: config.workerConcurrency });
  const metrics = createMetrics({
    db,
    logger,
    version,
    uptimeSeconds: () => health.live().uptimeSeconds,
    // Read at scrape time, when both exist.
    activeSubscriptions: () => streams.subscribers() + runChanges.watchers(),
  });
  const resources: Resources = {
    db,
    logger,
    clock,
    fetch: overrides.fetch ?? egressFetch,
    egress,
    notifier: new Notifier(),
    secrets,
    metrics,
    ...(overrides.hooks ? { hooks: overrides.hooks } : {}),
  };
  // The parser matches A2A agents on their card skills too; a parse waits for cards a little
  // longer than one card's deadline, so a slow card fails on its own deadline, with its reason.
  const cardTimeoutMs = overrides.agentCards?.timeoutMs ?? DEFAULT_CARD_SKILLS.timeoutMs;
  const agentSkills = createA2ACardSkills({ fetch: resources.fetch, now: () => clock.now().getTime() }, overrides.agentCards);
  const services = createServices(resources, { parse: { agentSkills, agentSkillsBudgetMs: cardTimeoutMs + 1_000 } });
  const auth = createAuthenticator({ auth: config.auth, services, logger });
  const streamOptions = { maxBuffered: config.streamMaxBuffered, catchUpMs: config.streamCatchUpMs };
  const streams = createRunStreams(resources, streamOptions);
  const runChanges = createRunChanges(resources, streamOptions);
  // Other processes' events arrive through PostgreSQL NOTIFY (with a periodic catch-up behind
  // it); SQLite serves one process, `npm run worker` refuses it.
  const listener = config.database.provider === 'postgres' ? listenForRunEvents(config.database.url, resources.notifier, logger) : null;
  // Workers run beside the API by default; `npm run worker` runs them without it.
  const workers =
    config.workerConcurrency > 0
      ? startWorkers(resources, {
          concurrency: config.workerConcurrency,
          maxParallelSteps: config.runMaxParallelSteps,
          leaseMs: config.leaseMs,
          pollMs: config.workerPollMs,
          maxInterruptions: config.stepMaxInterruptions,
          maxOutputBytes: config.stepMaxOutputBytes,
          maxLogEntries: config.stepMaxLogEntries,
          transforms: { timeoutMs: config.transformTimeoutMs, maxMemoryMb: config.transformMaxMemoryMb, threads: config.transformThreads },
          random: overrides.random,
        })
      : null;
  // Visible to every process before this one serves a request (seed 001's /workflows asks).
  await workers?.ready;
  // The scheduler runs wherever workers run; ticks fire once however many processes do.
  const scheduler: Scheduler | null =
    config.workerConcurrency > 0
      ? startScheduler(resources, { pollMs: config.workerPollMs, retentionDays: config.runRetentionDays })
      : null;
  // Bulk cancels and retries are worked through wherever workers run; an API-only process
  // only accepts them, and a worker of any process sharing the database finishes them.
  const bulkOperations: BulkOperationsLoop | null =
    config.workerConcurrency > 0
      ? startBulkOperations(resources, services.runs, { leaseMs: config.leaseMs, pollMs: config.workerPollMs })
      : null;

  // One budget per user across REST and GraphQL; null when RATE_LIMIT_PER_MINUTE=0.
  const rateLimiter = createRateLimiter({ perMinute: config.rateLimitPerMinute, database: config.database, logger });
  // CSRF prevention, per-document limits, request ids and (GRAPHQL_PERSISTED_ONLY) the SDK's allow-list.
  const hardening = createGraphqlHardening(config);
  // Queries and mutations run compiled (src/server/graphql-jit.ts).
  const jit = jitExecution();
  const yoga = createYoga<Record<string, unknown>, Context>({
    schema,
    graphqlEndpoint: '/graphql',
    graphiql: config.graphiql,
    landingPage: false,
    logging: logger,
    context: contextFactory({ auth, services, db: db.prisma, streams, runChanges }),
    plugins: [
      jit.first,
      ...hardening.plugins,
      requestMetricsPlugin(metrics),
      rateLimitPlugin(rateLimiter),
      useViewerReadOnly(),
      useCredentialExpiry(),
      jit.execute,
    ],
    // Off: every way in (the node server, app.fetch, graphql-ws, /graphql/stream) refuses larger
    // bodies before yoga sees them (src/server/body-limit.ts). Yoga's own limit re-wrapped every
    // body in a TransformStream and a stream pipeline, a fifth of a small request's CPU (BENCHMARKS.md).
    maxRequestBodySize: false,
    maskedErrors: {
      isDev: config.env === 'development',
      // Domain errors raised outside a typed-result field (e.g. a bad cursor) keep their message.
      maskError(error, message, isDev) {
        const graphqlError = isGraphQLError(error) ? error : null;
        const original = graphqlError ? graphqlError.originalError : error;
        if (original instanceof DomainError) {
          return new GraphQLError(original.message, {
            extensions: {
              code: original.code === 'VALIDATION' ? 'BAD_USER_INPUT' : original.code,
              ...(original instanceof ValidationError ? { issues: original.issues } : {}),
            },
          });
        }
        // A subscriber cut off for falling behind learns where to resume (on this operation only).
        if (original instanceof SlowSubscriberError) {
          return new GraphQLError(original.message, { extensions: { code: 'SLOW_SUBSCRIBER', afterSeq: original.lastSeq } });
        }
        // Errors GraphQL itself raised (validation, bad variables) or that we built on purpose.
        if (graphqlError && (!graphqlError.originalError || isGraphQLError(graphqlError.originalError))) return graphqlError;
        // The caller quotes the request id; the log line with the real error carries the same one.
        const requestId = hardening.requestIds.ofError(error) ?? newRequestId();
        logger.error({ err: original, requestId }, 'unexpected error while resolving');
        return new GraphQLError(
          isDev ? String((original as Error)?.message ?? message) : `Unexpected error; quote request id ${requestId}`,
          // Where it failed (path and location) is no secret and tells the caller which field to retry.
          {
            nodes: graphqlError?.nodes,
            source: graphqlError?.source,
            positions: graphqlError?.positions,
            path: graphqlError?.path,
            extensions: { code: 'INTERNAL_SERVER_ERROR', requestId },
          },
        );
      },
    },
  });

  const rest = createRestApp({
    services,
    resources,
    streams,
    runChanges,
    logger,
    auth,
    metricsToken: config.metricsToken,
    rateLimiter,
    ops: { health, metrics },
    sseHeartbeatMs: config.sseHeartbeatMs,
  });
  const restListener = getRequestListener(rest.fetch);
  // Static files, outside the REST layer: no credential to load the page, no rate limit.
  const consoleApp = createConsole({ dir: overrides.consoleDir ?? DEFAULT_CONSOLE_DIR });
  const consoleListener = getRequestListener(consoleApp.fetch);
  const sseStream = createSseStreamHandler(yoga, { operationText: hardening.operationText });
  // MAX_BODY_BYTES on every route, before any handler reads the body.
  const bodyLimit = createBodyLimit({ maxBytes: config.maxBodyBytes, isGraphqlPath, clock });
  const dispatch = (req: IncomingMessage, res: ServerResponse): void => {
    const path = (req.url ?? '/').split('?', 1)[0] ?? '/';
    if (path.startsWith(SSE_STREAM_PATH)) {
      const started = performance.now();
      res.once('finish', () => {
        // An event stream's duration is a subscription's lifetime, not a request's.
        if (String(res.getHeader('content-type') ?? '').startsWith('text/event-stream')) return;
        metrics.observeRequest(req.method ?? 'GET', SSE_STREAM_PATH, res.statusCode, (performance.now() - started) / 1000);
      });
      sseStream(req, res).catch((error: unknown) => {
        logger.error({ err: error }, 'SSE stream failed');
        if (!res.headersSent) res.writeHead(500).end();
      });
      return;
    }
    if (isGraphqlPath(path)) {
      yoga.requestListener(req, res);
      return;
    }
    if (isConsolePath(path)) {
      void consoleListener(req, res);
      return;
    }
    void restListener(req, res);
  };
  const server: Server = createServer((req, res) => bodyLimit.node(req, res, (checked) => dispatch(checked, res)));

  const websockets = attachGraphqlWs(server, yoga, auth, { maxPayload: config.maxBodyBytes, operationText: hardening.operationText });
  let started = false;
  return {
    fetch: (request) =>
      bodyLimit.fetch(request, (checked) => {
        const path = new URL(checked.url).pathname;
        if (isConsolePath(path)) return consoleApp.fetch(checked);
        return Promise.resolve(isGraphqlPath(path) ? yoga.fetch(checked) : rest.fetch(checked));
      }),
    yoga,
    services,
    resources,
    streams,
    runChanges,
    workers,
    start: () =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(config.port, config.host, () => {
          started = true;
          const { port } = server.address() as AddressInfo;
          logger.info(
            { port, database: config.database.provider },
            `Flowdeck listening on http://localhost:${port}/graphql (run console at /console)`,
          );
          resolve({ port, url: `http://127.0.0.1:${port}` });
        });
      }),
    async stop() {
      await scheduler?.stop();
      // Gives its job back, so another process goes on with it without waiting for the lease.
      await bulkOperations?.stop();
      // Workers finish in-flight steps (and give their runs back for another process) while
      // the HTTP side drains its requests: one grace period for both, not one after the other.
      const closeHttp = async () => {
        await websockets.close();
        if (!started) return;
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        // Idle keep-alive sockets would hold close() open; in-flight requests finish first.
        server.closeIdleConnections();
        const timer = setTimeout(() => server.closeAllConnections(), config.shutdownTimeoutMs);
        await closed;
        clearTimeout(timer);
        started = false;
      };
      await Promise.all([workers?.stop(config.shutdownTimeoutMs), closeHttp()]);
      streams.close();
      runChanges.close();
      await listener?.close();
      await rateLimiter?.close();
      await egressFetch.close();
      await db.close();
    },
  };
}
