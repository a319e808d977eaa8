// Batches the `RunEvent.step` lookups of one tick into a single query, so a page of 100 events
// costs one read of their steps, not 100. Run events name their step by (runId, stepId), which
// is no Prisma relation, so Pothos' relation loading cannot do it.
import { createContextCache } from '@pothos/core';
import type { StepRun } from '../db/models.ts';
import type { Context } from '../server/context.ts';

type Load = (runId: string, stepId: string) => Promise<StepRun | null>;

interface Pending {
  keys: Map<string, { runId: string; stepId: string }>;
  waiters: Map<string, ((step: StepRun | null) => void)[]>;
  fail: ((error: unknown) => void)[];
}

const keyOf = (runId: string, stepId: string) => JSON.stringify([runId, stepId]);

/**
 * The request's step loader. Keyed by the context (a WeakMap inside Pothos' context cache), so
 * nothing outlives the request; only lookups of the same tick are shared and nothing is cached,
 * because a subscription keeps its context for hours and must see each step as it is now.
 */
export const stepLoader = createContextCache((ctx: Context): Load => {
  let pending: Pending | null = null;

  async function flush(batch: Pending): Promise<void> {
    const byRun = new Map<string, string[]>();
    for (const { runId, stepId } of batch.keys.values()) byRun.set(runId, [...(byRun.get(runId) ?? []), stepId]);
    try {
      // Relation loading, like Pothos' own: the events were read in the caller's scope, and the
      // scope is repeated here so a step of another workspace can never be returned.
      const steps = await ctx.db.stepRun.findMany({
        where: {
          tenantId: ctx.principal.tenantId,
          workspaceId: ctx.principal.workspaceId,
          OR: [...byRun].map(([runId, stepIds]) => ({ runId, stepId: { in: stepIds } })),
        },
      });
      const found = new Map(steps.map((s) => [keyOf(s.runId, s.stepId), s]));
      for (const [key, waiters] of batch.waiters) for (const resolve of waiters) resolve(found.get(key) ?? null);
    } catch (error) {
      for (const reject of batch.fail) reject(error);
    }
  }

  return (runId, stepId) =>
    new Promise<StepRun | null>((resolve, reject) => {
      if (!pending) {
        const batch: Pending = { keys: new Map(), waiters: new Map(), fail: [] };
        pending = batch;
        // After the current job and its promise reactions: every sibling field of a list has asked by then.
        void Promise.resolve().then(() =>
          process.nextTick(() => {
            pending = null;
            void flush(batch);
          }),
        );
      }
      const key = keyOf(runId, stepId);
      pending.keys.set(key, { runId, stepId });
      pending.waiters.set(key, [...(pending.waiters.get(key) ?? []), resolve]);
      pending.fail.push(reject);
    });
});
