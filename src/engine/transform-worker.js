// A thread of the transform pool (transform-pool.ts). Plain JavaScript so that it loads the same
// way under `node --import tsx`, under vitest and in any future build, with no loader in the thread.
import { evaluateJsonata } from './transform-eval.js';

/**
 * Runs one evaluation. `started` is told first, so the pool's wall-clock limit counts time spent
 * evaluating, not time queued behind other transforms or loading this module.
 *
 * @param {{ expression: string, input: unknown, limits: object, started: import('node:worker_threads').MessagePort }} task
 */
export default async function evaluate({ expression, input, limits, started }) {
  started.postMessage('started');
  started.close();
  return evaluateJsonata(expression, input, limits);
}
