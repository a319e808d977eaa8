// Pause points and injected database failures for the engine, through the resources object's
// hooks: a test stops a worker between what it read and what it writes, commits a user action
// there, and lets the worker go on; or makes a chosen write fail once, a few times, or always.

import type { EngineHooks, EngineWrite } from '../../src/domain/resources.ts';

interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
}

function deferred<T>(): Deferred<T> {
  let resolve: (value: T) => void = () => {};
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

interface Pause {
  write: EngineWrite;
  runId?: string;
  reached: Deferred<{ runId: string; stepId?: string }>;
  release: Deferred<void>;
}

interface Fault {
  write: EngineWrite;
  runId?: string;
  left: number;
  transient: boolean;
}

/** A pause armed at one write: `reached` settles when a worker stops there; `release()` lets it go on. */
export interface ArmedPause {
  reached: Promise<{ runId: string; stepId?: string }>;
  release(): void;
}

/** The engine hooks of one test app, and how tests arm them. */
export class EngineControl {
  readonly #pauses: Pause[] = [];
  readonly #faults: Fault[] = [];
  /** Every write the engine attempted, in order (failed tries included). */
  readonly writes: { write: EngineWrite; runId: string; stepId?: string }[] = [];
  /** How many writes were failed on purpose. */
  injected = 0;

  /** The hooks to hand to the app (`startTestApp({ hooks: control.hooks })`). */
  readonly hooks: EngineHooks = {
    beforeWrite: async (write, at) => {
      this.writes.push({ write, ...at });
      const pause = this.#pauses.find((p) => p.write === write && (!p.runId || p.runId === at.runId));
      if (pause) {
        this.#pauses.splice(this.#pauses.indexOf(pause), 1);
        pause.reached.resolve(at);
        await pause.release.promise;
      }
      const fault = this.#faults.find((f) => f.write === write && (!f.runId || f.runId === at.runId) && f.left > 0);
      if (fault) {
        fault.left -= 1;
        this.injected += 1;
        throw fault.transient
          ? Object.assign(new Error('Connection terminated unexpectedly (injected)'), { code: 'P1017' })
          : new Error(`injected failure of ${write}`);
      }
    },
  };

  /** Stops the next worker that reaches `write` (of `runId`, if given) until released. */
  pause(write: EngineWrite, runId?: string): ArmedPause {
    const pause: Pause = { write, runId, reached: deferred(), release: deferred() };
    this.#pauses.push(pause);
    return { reached: pause.reached.promise, release: () => pause.release.resolve(undefined) };
  }

  /** Makes `write` fail `times` times (Infinity: always); transient failures are the kind the engine retries. */
  fail(write: EngineWrite, options: { runId?: string; times?: number; transient?: boolean } = {}): void {
    this.#faults.push({ write, runId: options.runId, left: options.times ?? 1, transient: options.transient ?? false });
  }

  /** Disarms every fault, releases pauses still armed, and forgets what was recorded. */
  reset(): void {
    this.#faults.length = 0;
    this.writes.length = 0;
    this.injected = 0;
    for (const p of this.#pauses.splice(0)) p.release.resolve(undefined);
  }
}
