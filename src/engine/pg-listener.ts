import pg from 'pg';
import type { Logger } from 'pino';
import type { Notifier } from './notifier.ts';

/** The channel the RunEvent trigger notifies (migration 0005). */
export const RUN_EVENTS_CHANNEL = 'flowdeck_run_events';

/** A LISTEN connection; `close()` ends it. */
export interface PgListener {
  close(): Promise<void>;
}

/**
 * Listens for committed run events from every process sharing the PostgreSQL database and
 * forwards them to this process's notifier, reconnecting after a lost connection.
 */
export function listenForRunEvents(url: string, notifier: Notifier, logger: Logger): PgListener {
  let client: pg.Client | null = null;
  let closed = false;
  let retry: NodeJS.Timeout | undefined;

  const connect = async () => {
    const next = new pg.Client({ connectionString: url });
    next.on('notification', (message) => {
      if (message.channel === RUN_EVENTS_CHANNEL && message.payload) notifier.eventsAppended(message.payload);
    });
    next.on('error', (error) => {
      logger.warn({ err: error }, 'run event listener lost its connection; reconnecting');
      void next.end().catch(() => {});
      if (!closed) retry = setTimeout(() => void connect(), 1_000);
    });
    try {
      await next.connect();
      await next.query(`LISTEN ${RUN_EVENTS_CHANNEL}`);
      client = next;
    } catch (error) {
      logger.warn({ err: error }, 'run event listener could not connect; retrying');
      await next.end().catch(() => {});
      if (!closed) retry = setTimeout(() => void connect(), 1_000);
    }
  };
  void connect();

  return {
    async close() {
      closed = true;
      clearTimeout(retry);
      await client?.end().catch(() => {});
    },
  };
}
