// Per-request batch loaders: a field resolved once per run of a page (stepCounts, steps, logs,
// root, a step's agent) asks its loader for one run, and the loader answers every run asked
// for in the same turn of the event loop with one domain call. Created with each request's
// context, never shared between requests.
import type { Agent, StepRun } from '../db/models.ts';
import type { WorkflowDefinition } from '../domain/definition/schema.ts';
import type { Connection, PageArgs } from '../domain/pagination.ts';
import type { Principal } from '../domain/principal.ts';
import { agentRefOf, inDefinitionOrder } from '../domain/run-console.ts';
import type { RunLogFilter } from '../domain/run-log-pages.ts';
import type { RunLogEntry } from '../domain/run-logs.ts';
import type { Services } from '../domain/services.ts';

/** Loads keys one at a time, in batches. */
export interface BatchLoader<K, V> {
  /** The value of `key` (undefined when the batch had none), loaded with every key asked for in this turn. */
  load(key: K): Promise<V | undefined>;
}

/**
 * A loader calling `loadMany` once per turn of the event loop with every distinct key asked
 * for. With `cache`, a key's answer is kept for the loader's life: only for data that never
 * changes (a subscription reuses its context for every event it sends).
 */
export function batchLoader<K, V>(loadMany: (keys: K[]) => Promise<Map<K, V>>, options: { cache?: boolean } = {}): BatchLoader<K, V> {
  type Waiter = { resolve: (value: V | undefined) => void; reject: (error: unknown) => void };
  let pending: Map<K, Waiter[]> | null = null;
  const cache = options.cache ? new Map<K, Promise<V | undefined>>() : null;

  const dispatch = (batch: Map<K, Waiter[]>) => {
    // Through a promise, so a loader that throws at once fails its waiters instead of the process.
    void Promise.resolve([...batch.keys()])
      .then(loadMany)
      .then(
        (values) => {
          for (const [key, waiters] of batch) for (const w of waiters) w.resolve(values.get(key));
        },
        (error: unknown) => {
          for (const [key, waiters] of batch) {
            cache?.delete(key);
            for (const w of waiters) w.reject(error);
          }
        },
      );
  };

  return {
    load(key) {
      const cached = cache?.get(key);
      if (cached) return cached;
      const promise = new Promise<V | undefined>((resolve, reject) => {
        if (!pending) {
          const batch = new Map<K, Waiter[]>();
          pending = batch;
          // setImmediate runs after every promise continuation now queued: the resolvers of a
          // whole page's rows have asked by then, however deep their fields are.
          setImmediate(() => {
            pending = null;
            dispatch(batch);
          });
        }
        const waiters = pending.get(key) ?? [];
        waiters.push({ resolve, reject });
        pending.set(key, waiters);
      });
      cache?.set(key, promise);
      return promise;
    },
  };
}

/** The loaders of one request, acting as its principal. */
export function createLoaders(services: Services, principal: Principal) {
  const reads = services.runs.dashboard;
  // A run's definition is its pinned version's, which never changes: safe to keep.
  const definitions = batchLoader((ids: string[]) => reads.definitions(principal, ids), { cache: true });
  const stepRows = batchLoader((ids: string[]) => reads.steps(principal, ids));
  const agents = batchLoader(async (keys: string[]) => {
    const refs = keys.map((key) => (key.startsWith('id:') ? { id: key.slice(3) } : { name: key.slice(5) }));
    const found = await reads.agents(principal, refs);
    const out = new Map<string, Agent>();
    for (const key of keys) {
      const agent = key.startsWith('id:') ? found.byId.get(key.slice(3)) : found.byName.get(key.slice(5));
      if (agent) out.set(key, agent);
    }
    return out;
  });
  // Log pages are batched per distinct set of arguments: a list asks every run for the same page.
  const logPages = new Map<string, BatchLoader<string, Connection<RunLogEntry>>>();

  return {
    /** Step counts of a run. */
    stepCounts: batchLoader((ids: string[]) => reads.stepCounts(principal, ids)),
    /** The definition a run executes. */
    definition: (runId: string): Promise<WorkflowDefinition | undefined> => definitions.load(runId),
    /** A run's steps, in definition order. */
    async steps(runId: string): Promise<StepRun[]> {
      const [rows, definition] = await Promise.all([stepRows.load(runId), definitions.load(runId)]);
      return inDefinitionOrder(rows ?? [], definition);
    },
    /** The agent a step calls, if any (see `agentRefOf`). */
    async agentOf(step: StepRun): Promise<Agent | null> {
      const ref = agentRefOf(step, await definitions.load(step.runId));
      if (!ref) return null;
      return (await agents.load('id' in ref ? `id:${ref.id}` : `name:${ref.name}`)) ?? null;
    },
    /** A run's lineage root. */
    root: batchLoader((ids: string[]) => reads.roots(principal, ids)),
    /** One page of a run's log. */
    logs(runId: string, filter: RunLogFilter, page: PageArgs): Promise<Connection<RunLogEntry> | undefined> {
      const args = { level: filter.level ?? null, stepId: filter.stepId ?? null, afterSeq: filter.afterSeq ?? null };
      const pageArgs = { first: page.first ?? null, after: page.after ?? null, last: page.last ?? null, before: page.before ?? null };
      const signature = JSON.stringify([args, pageArgs]);
      let loader = logPages.get(signature);
      if (!loader) {
        loader = batchLoader((ids: string[]) => reads.logs(principal, ids, args, pageArgs));
        logPages.set(signature, loader);
      }
      return loader.load(runId);
    },
  };
}

/** The loaders' type, carried in request contexts. */
export type Loaders = ReturnType<typeof createLoaders>;
