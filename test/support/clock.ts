import type { Clock } from '../../src/domain/resources.ts';

/** A clock tests set by hand: the scheduler and engine read it instead of the wall clock. */
export class ManualClock implements Clock {
  #now: Date;
  constructor(start: string | Date) {
    this.#now = new Date(start);
  }
  now(): Date {
    return new Date(this.#now);
  }
  set(to: string | Date): void {
    this.#now = new Date(to);
  }
}
