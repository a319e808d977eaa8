import pg from 'pg';
import type { Logger } from 'pino';
import type { Notifier } from './notifier.ts';

/** The channel the RunEvent trigger notifies (migrations 0005 and 0008). */
export const RUN_EVENTS_CHANNEL = 'flowdeck_run_events';

/** A LISTEN connection; `close()` ends it, including one still being established. */
export interface PgListener {
  close(): Promise<void>;
}

/** Reconnect timing; the defaults suit production, tests may shorten them. */
export interface PgListenerOptions {
  /** First wait before reconnecting; doubles after every failed attempt. */
  retryMs?: number;
  /** Longest wait between attempts. */
  maxRetryMs?: number;
}

/**
 * Idle time before the kernel probes the connection. A LISTEN connection only ever receives, so
 * a peer that vanished (NAT or load-balancer idle timeout, failover) would otherwise never be
 * noticed; with probes the socket errors out and the reconnect below takes over.
 */
const KEEPALIVE_IDLE_MS = 10_000;

/**
 * Listens for committed run events from every process sharing the PostgreSQL database and
 * forwards them to this process's notifier.
 *
 * Notifications sent while the connection is down are gone for good, so after every reconnect
 * (not the first connect: nothing was being watched through it before) the notifier is told to
 * resync, and streams re-read their runs from the last sequence they fetched. The order matters:
 * LISTEN is active again before the resync reads, so every event is either in that read or
 * announced afterwards.
 */
export function listenForRunEvents(url: string, notifier: Notifier, logger: Logger, options: PgListenerOptions = {}): PgListener {
  const retryMs = options.retryMs ?? 250;
  const maxRetryMs = options.maxRetryMs ?? 10_000;
  /** The connection in use or being established; any other client's events are stale. */
  let current: pg.Client | null = null;
  let retry: NodeJS.Timeout | undefined;
  let closed = false;
  let listenedBefore = false;
  let failures = 0;

  // One reconnect chain at a time: a lost connection may report 'error' and then 'end', and a
  // failed connect may reject as well as emit; only the first report about the current client
  // schedules an attempt, and no attempt is scheduled while one is pending or running.
  const scheduleReconnect = () => {
    if (closed || retry || current) return;
    const delay = Math.min(maxRetryMs, retryMs * 2 ** failures);
    failures += 1;
    retry = setTimeout(() => {
      retry = undefined;
      void connect();
    }, delay);
    retry.unref();
  };

  const lost = (client: pg.Client, error: unknown, what: string) => {
    if (client !== current) return;
    current = null;
    logger.warn({ err: error }, what);
    void client.end().catch(() => {});
    scheduleReconnect();
  };

  const connect = async () => {
    if (closed) return;
    const client = new pg.Client({ connectionString: url, keepAlive: true, keepAliveInitialDelayMillis: KEEPALIVE_IDLE_MS });
    current = client;
    client.on('notification', (message) => {
      if (message.channel === RUN_EVENTS_CHANNEL && message.payload) notifier.eventsAppended(message.payload);
    });
    client.on('error', (error) => lost(client, error, 'run event listener lost its connection; reconnecting'));
    client.on('end', () => lost(client, new Error('connection ended'), 'run event listener lost its connection; reconnecting'));
    try {
      await client.connect();
      await client.query(`LISTEN ${RUN_EVENTS_CHANNEL}`);
    } catch (error) {
      lost(client, error, 'run event listener could not connect; retrying');
      return;
    }
    if (client !== current) return;
    failures = 0;
    if (listenedBefore) {
      logger.info('run event listener reconnected; live streams re-read what they may have missed');
      notifier.resync();
    }
    listenedBefore = true;
  };
  void connect();

  return {
    async close() {
      closed = true;
      clearTimeout(retry);
      const client = current;
      current = null;
      // end() also aborts a connect in progress (its promise then rejects, and `lost` ignores it).
      await client?.end().catch(() => {});
    },
  };
}
