import type { Db } from './database.ts';
import type { Prisma } from './models.ts';

/** A Prisma transaction client (what `$transaction(async (tx) => …)` hands over). */
export type Tx = Omit<Db, '$connect' | '$disconnect' | '$on' | '$transaction' | '$extends' | '$use'>;

/** Every kind of entry in a run's event log. */
export type RunEventType =
  | 'run.created'
  | 'run.started'
  | 'run.completed'
  | 'run.failed'
  | 'run.cancelled'
  | 'run.retried'
  | 'step.started'
  | 'step.completed'
  | 'step.failed'
  | 'step.retry_scheduled'
  | 'step.skipped'
  | 'step.cancelled'
  | 'step.waiting'
  | 'step.signalled'
  | 'step.reused'
  | 'step.interrupted'
  | 'step.log';

/** One event to append. */
export interface NewRunEvent {
  type: RunEventType;
  stepId?: string | null;
  payload?: Record<string, unknown>;
}

/**
 * Appends events to a run's log inside the caller's transaction, numbering them from the
 * run's counter, so an event exists exactly when the change it describes does. The counter
 * update also serializes concurrent writers of one run (row lock on PostgreSQL).
 */
export async function appendEvents(
  tx: Tx,
  run: { id: string; tenantId: string; workspaceId: string },
  events: NewRunEvent[],
  at: Date,
): Promise<void> {
  if (events.length === 0) return;
  const { lastEventSeq } = await tx.run.update({
    where: { id: run.id },
    data: { lastEventSeq: { increment: events.length } },
    select: { lastEventSeq: true },
  });
  await insertEvents(tx, run, events, lastEventSeq - events.length + 1, at);
}

/**
 * Inserts events numbered from `firstSeq`, whose sequence numbers the caller has already
 * reserved on the Run row in this transaction (the engine's fence does it in its own UPDATE).
 * One INSERT, so PostgreSQL's statement trigger notifies once.
 */
export async function insertEvents(
  tx: Tx,
  run: { id: string; tenantId: string; workspaceId: string },
  events: NewRunEvent[],
  firstSeq: number,
  at: Date,
): Promise<void> {
  if (events.length === 0) return;
  await tx.runEvent.createMany({
    data: events.map((event, i) => ({
      tenantId: run.tenantId,
      workspaceId: run.workspaceId,
      runId: run.id,
      seq: firstSeq + i,
      type: event.type,
      stepId: event.stepId ?? null,
      payload: (event.payload ?? {}) as Prisma.InputJsonValue,
      createdAt: at,
    })),
  });
}
