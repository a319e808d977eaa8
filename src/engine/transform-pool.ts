// Transform steps evaluated in worker threads (piscina), so that no expression can stall the
// process: JSONata's own guardrails are cooperative and a catastrophic regular expression or a
// huge sort never reaches them. A thread that overruns the wall-clock limit is terminated (piscina
// terminates the thread of a running task whose AbortSignal fires), and V8 terminates one that
// outgrows its heap; either way the evaluation fails with an error naming the limit and the
// next evaluation gets a fresh thread.

import { MessageChannel } from 'node:worker_threads';
import { Piscina } from 'piscina';
import type { EvaluationResult, TransformLimits } from './transform-eval.js';
import { DEFAULT_TRANSFORM_LIMITS, toTransformError, TransformError, transformMemoryError, transformTimeoutError } from './transform.ts';

/** Limits of the pool; the first three come from TRANSFORM_TIMEOUT_MS, TRANSFORM_MAX_MEMORY_MB and TRANSFORM_THREADS. */
export interface TransformPoolOptions {
  /** Wall-clock limit of one evaluation, counted from when a thread starts it (not while queued). */
  timeoutMs: number;
  /** Old-generation heap of each thread, in MiB; a thread that needs more is terminated. */
  maxMemoryMb: number;
  /** Threads evaluating at once; further evaluations queue. They start with the first evaluation. */
  threads: number;
  /** The in-thread guardrails other than the time limit; defaults as in {@link DEFAULT_TRANSFORM_LIMITS}. */
  limits?: Partial<Omit<TransformLimits, 'timeoutMs'>>;
}

/** Evaluates transform expressions off the main thread. */
export interface TransformPool {
  /**
   * Evaluates `expression` with `input` (plain JSON) as `$` and resolves to plain JSON. Rejects
   * with a {@link TransformError}: JSONata's errors as `JSONata error at position …`, limits as
   * `transform exceeded its … (TRANSFORM_…)`, and `signal` firing as code `TRANSFORM_ABORTED`.
   */
  evaluate(expression: string, input: unknown, signal?: AbortSignal): Promise<unknown>;
  /** Terminates the threads; evaluations still running or queued reject. */
  close(): Promise<void>;
}

/**
 * JSONata's cooperative timeout usually stops a runaway evaluation itself, which keeps its thread;
 * the kill waits a little longer so that it only hits a thread stuck inside one built-in.
 */
const KILL_GRACE_MS = 100;

const WORKER_URL = new URL('./transform-worker.js', import.meta.url);

/** Why a run rejected: the thread died of its heap limit (Node's code for it). */
function outOfMemory(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === 'ERR_WORKER_OUT_OF_MEMORY';
}

function reasonText(reason: unknown): string {
  return reason instanceof Error ? reason.message : String(reason);
}

/**
 * A pool of `options.threads` worker threads (started by the first evaluation), each limited to
 * `options.maxMemoryMb` of heap and each evaluation to `options.timeoutMs`.
 */
export function createTransformPool(options: TransformPoolOptions): TransformPool {
  const limits: TransformLimits = {
    timeoutMs: options.timeoutMs,
    maxDepth: options.limits?.maxDepth ?? DEFAULT_TRANSFORM_LIMITS.maxDepth,
    maxSequenceLength: options.limits?.maxSequenceLength ?? DEFAULT_TRANSFORM_LIMITS.maxSequenceLength,
    maxStringLength: options.limits?.maxStringLength ?? DEFAULT_TRANSFORM_LIMITS.maxStringLength,
  };
  // Created on the first evaluation: most processes never run a transform. All threads are kept
  // (minThreads = maxThreads) because piscina replaces a killed thread only up to minThreads and
  // otherwise starts one only when a task is submitted, so evaluations queued behind a killed
  // one would wait for the next submission.
  let piscina: Piscina | undefined;
  const start = (): Piscina => {
    const created = new Piscina({
      filename: WORKER_URL.href,
      minThreads: options.threads,
      maxThreads: options.threads,
      // The worker is plain JavaScript: no need to re-run the parent's loaders (tsx, vitest) per thread.
      execArgv: [],
      resourceLimits: {
        maxOldGenerationSizeMb: options.maxMemoryMb,
        // The young generation is not part of the old-generation cap; keep it proportionate.
        maxYoungGenerationSizeMb: Math.max(1, Math.min(16, Math.floor(options.maxMemoryMb / 4))),
      },
    });
    // Failures are reported through the rejected run; an unhandled 'error' event would crash the process.
    created.on('error', () => {});
    return created;
  };
  let closed = false;

  return {
    async evaluate(expression, input, signal) {
      if (closed) throw new TransformError('transform pool is closed', { code: 'TRANSFORM_FAILED' });
      const aborted = () => new TransformError(`transform was aborted: ${reasonText(signal?.reason)}`, { code: 'TRANSFORM_ABORTED' });
      if (signal?.aborted) throw aborted();
      const controller = new AbortController();
      const cancel = () => controller.abort(signal?.reason);
      signal?.addEventListener('abort', cancel, { once: true });
      let timedOut = false;
      let timer: NodeJS.Timeout | undefined;
      const { port1, port2 } = new MessageChannel();
      let settled = false;
      port1.once('message', () => {
        if (settled) return;
        timer = setTimeout(() => {
          timedOut = true;
          controller.abort(new Error('transform timed out'));
        }, limits.timeoutMs + KILL_GRACE_MS);
      });
      try {
        piscina ??= start();
        const result = (await piscina.run(
          { expression, input, limits, started: port2 },
          { transferList: [port2], signal: controller.signal },
        )) as EvaluationResult;
        if (!result.ok) throw toTransformError(result.error, limits);
        return result.value;
      } catch (error) {
        if (error instanceof TransformError) throw error;
        if (closed) throw new TransformError('transform pool is closed', { code: 'TRANSFORM_FAILED', cause: error });
        if (timedOut) throw transformTimeoutError(limits.timeoutMs);
        if (signal?.aborted) throw aborted();
        if (outOfMemory(error)) throw transformMemoryError(options.maxMemoryMb, error);
        throw new TransformError(`transform failed: ${reasonText(error)}`, { code: 'TRANSFORM_FAILED', cause: error });
      } finally {
        settled = true;
        clearTimeout(timer);
        port1.close();
        signal?.removeEventListener('abort', cancel);
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await piscina?.destroy();
    },
  };
}
