// A single-step controller for the engine, for model-based tests: every engine write is held at
// the `beforeWrite` hook until the test releases it (one release = one "worker step"), fails it
// (a database failure of that write), or declares its worker pool dead (a crashed process: its
// writes are never released while the test runs). Pools are told apart with AsyncLocalStorage:
// start each pool inside `stepper.inPool(id, ...)` and every write of its drivers carries the id.
// `settle()` waits until the engine has done all it can without a release: no write is being
// reached, no query or agent call is under way.

import { AsyncLocalStorage } from 'node:async_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { EngineHooks, EngineWrite } from '../../src/domain/resources.ts';

/** One engine write stopped at its hook. */
export interface HeldWrite {
  /** Arrival order, over the stepper's lifetime. */
  seq: number;
  write: EngineWrite;
  runId: string;
  stepId?: string;
  /** The pool whose driver is writing (0 when it was started outside `inPool`). */
  pool: number;
}

interface Entry extends HeldWrite {
  go: () => void;
  fail: (error: Error) => void;
}

function view({ seq, write, runId, stepId, pool }: Entry): HeldWrite {
  return { seq, write, runId, ...(stepId ? { stepId } : {}), pool };
}

export class EngineStepper {
  readonly #pools = new AsyncLocalStorage<number>();
  readonly #held: Entry[] = [];
  readonly #dead = new Set<number>();
  #seq = 0;
  /** Bumped by every hook arrival, query and agent call boundary: settle() waits for it to stop moving. */
  #activity = 0;
  /** Agent calls under way. */
  #busy = 0;
  /** When true, writes go through without stopping (and nothing is held any more). */
  passing = false;
  /** Writes of runs this says no to go through at once (runs of an earlier scenario). */
  holds: (runId: string) => boolean = () => true;

  constructor(private readonly quietMs: number) {}

  readonly hooks: EngineHooks = {
    beforeWrite: (write, at) => {
      this.#activity += 1;
      if (this.passing || !this.holds(at.runId)) return;
      const pool = this.#pools.getStore() ?? 0;
      return new Promise<void>((resolve, reject) => {
        this.#held.push({
          seq: ++this.#seq,
          write,
          runId: at.runId,
          ...(at.stepId ? { stepId: at.stepId } : {}),
          pool,
          go: resolve,
          fail: reject,
        });
      });
    },
  };

  /** Runs `start` (which starts a worker pool) so that every write of that pool is tagged `pool`. */
  inPool<T>(pool: number, start: () => T): T {
    return this.#pools.run(pool, start);
  }

  /** Writes of live pools held now, in arrival order. */
  live(): HeldWrite[] {
    return this.#held.filter((h) => !this.#dead.has(h.pool)).map(view);
  }

  /** Every write held now, dead pools' included. */
  all(): HeldWrite[] {
    return this.#held.map(view);
  }

  /** Lets the held write `seq` go on. */
  release(seq: number): void {
    this.#take(seq).go();
  }

  /** Makes the held write `seq` fail as if the database had refused it (not a transient failure). */
  fail(seq: number, error: Error): void {
    this.#take(seq).fail(error);
  }

  /** The pool crashed: its held and future writes are never released (until {@link passThrough}). */
  kill(pool: number): void {
    this.#dead.add(pool);
  }

  /** Stops holding: everything held (dead pools' writes included) goes on, and later writes pass. */
  passThrough(): void {
    this.passing = true;
    for (const h of this.#held.splice(0)) h.go();
  }

  /** Starts holding again, for the next scenario. */
  reset(holds: (runId: string) => boolean): void {
    this.passThrough();
    this.#dead.clear();
    this.holds = holds;
    this.passing = false;
  }

  /** Counts a database query (pass as the app's `onQuery`). */
  readonly onQuery = (): void => {
    this.#activity += 1;
  };

  /** Wraps a fetch so that calls under way keep settle() waiting. */
  trackFetch(inner: typeof fetch): typeof fetch {
    return async (input, init) => {
      this.#busy += 1;
      this.#activity += 1;
      try {
        return await inner(input, init);
      } finally {
        this.#busy -= 1;
        this.#activity += 1;
      }
    };
  }

  /**
   * Waits until nothing moves for a few quiet periods in a row: every driver is stopped at a
   * held write, waiting for a wake-up, or gone. Bounded (a driver sleeping on a real timer
   * would keep it waiting); what the engine then does is still decided by the test's releases.
   */
  async settle(limitMs = 3_000): Promise<void> {
    const started = Date.now();
    let seen = -1;
    let quiet = 0;
    while (quiet < 3 && Date.now() - started < limitMs) {
      if (this.#activity === seen && this.#busy === 0) quiet += 1;
      else {
        quiet = 0;
        seen = this.#activity;
      }
      await sleep(this.quietMs);
    }
  }

  #take(seq: number): Entry {
    const index = this.#held.findIndex((h) => h.seq === seq);
    if (index < 0) throw new Error(`no held write #${seq}`);
    return this.#held.splice(index, 1)[0] as Entry;
  }
}
