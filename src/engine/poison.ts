import type { Resources } from '../domain/resources.ts';
import { appendEvents } from './events.ts';
import type { Claim } from './lease.ts';

/**
 * Fails a run whose driver failed `failures` times in a row, instead of retrying it forever:
 * the run's error says why, so its owner can fix the cause and retry it. Conditional on the
 * claim still holding an unfinished run (Run row first, like every writer).
 */
export async function failPoisonedRun(res: Resources, claim: Claim, failures: number, error: unknown): Promise<void> {
  const now = res.clock.now();
  const cause = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  const message = `the engine failed to drive this run ${failures} times in a row; last error: ${cause.slice(0, 500)}`;
  const failed = await res.db.prisma.$transaction(async (tx) => {
    const changed = await tx.run.updateMany({
      where: { id: claim.runId, leaseOwner: claim.token, status: { in: ['PENDING', 'RUNNING'] } },
      data: {
        status: 'FAILED',
        completedAt: now,
        runnableAt: null,
        leaseOwner: null,
        leaseExpiresAt: null,
        error: { message, stepId: null },
      },
    });
    if (changed.count !== 1) return false;
    const run = await tx.run.findUniqueOrThrow({ where: { id: claim.runId } });
    const open = await tx.stepRun.findMany({ where: { runId: run.id, status: { in: ['RUNNING', 'WAITING'] } }, select: { stepId: true } });
    await tx.stepRun.updateMany({
      where: { runId: run.id, status: { in: ['RUNNING', 'WAITING'] } },
      data: { status: 'CANCELLED', completedAt: now },
    });
    await tx.stepAttempt.updateMany({ where: { runId: run.id, status: 'RUNNING' }, data: { status: 'CANCELLED', finishedAt: now } });
    await appendEvents(
      tx,
      run,
      [
        ...open.map((s) => ({ type: 'step.cancelled' as const, stepId: s.stepId })),
        { type: 'run.failed', payload: { message, stepId: null } },
      ],
      now,
    );
    return true;
  });
  if (failed) res.notifier.eventsAppended(claim.runId);
}
