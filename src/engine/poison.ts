import type { Resources } from '../domain/resources.ts';
import type { Claim } from './lease.ts';
import { failRunInTx } from './run-state.ts';

/**
 * Fails a run whose driver failed `failures` times in a row, instead of retrying it forever:
 * the run's error says why, so its owner can fix the cause and retry it. Conditional on the
 * claim still holding an unfinished run (the Run row is locked first, like every writer does).
 */
export async function failPoisonedRun(res: Resources, claim: Claim, failures: number, error: unknown): Promise<void> {
  const now = res.clock.now();
  const cause = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  const message = `the engine failed to drive this run ${failures} times in a row; last error: ${cause.slice(0, 500)}`;
  const failed = await res.db.prisma.$transaction(async (tx) => {
    const held = await tx.run.updateMany({
      where: { id: claim.runId, leaseOwner: claim.token, status: { in: ['PENDING', 'RUNNING'] } },
      data: { runnableAt: null },
    });
    if (held.count !== 1) return false;
    await failRunInTx(tx, await tx.run.findUniqueOrThrow({ where: { id: claim.runId } }), 'engine_failed', message, null, now);
    return true;
  });
  if (failed) res.notifier.eventsAppended(claim.runId);
}
