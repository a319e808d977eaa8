import { type Resources, sharedNow } from '../domain/resources.ts';

/**
 * "Now" for decisions every process must agree on: is a schedule due, was its tick missed, which
 * finished runs are old enough to delete. On PostgreSQL with the system clock this is the
 * database server's clock, so a process whose own clock runs fast cannot fire a tick early (the
 * due check and the nextRunAt compare-and-set both compare against it). SQLite serves one
 * machine, whose clock is the process's; an injected clock always wins, so tests control time.
 */
export async function agreedNow(res: Resources): Promise<Date> {
  const injected = sharedNow(res.clock);
  if (injected) return injected;
  if (res.db.provider !== 'postgres') return res.clock.now();
  // Epoch milliseconds sidestep time zones (the columns are timestamp(3) holding UTC).
  // clock_timestamp, not now(): the latter is the start of the surrounding transaction.
  const [row] = await res.db.prisma.$queryRawUnsafe<{ ms: number }[]>(
    'SELECT (extract(epoch FROM clock_timestamp()) * 1000)::float8 AS "ms"',
  );
  if (!row) throw new Error('the database did not report its time');
  return new Date(Math.floor(Number(row.ms)));
}
