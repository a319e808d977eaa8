import { EventEmitter } from 'node:events';

/**
 * In-process nudges between the API and the workers: "there may be work" and "this run
 * changed" (cancelled, signalled). They only make things faster: workers also poll the
 * database, so nudges lost to another process change nothing but latency.
 */
export class Notifier {
  readonly #emitter = new EventEmitter();

  constructor() {
    // Every busy run driver listens; the default limit of 10 would warn spuriously.
    this.#emitter.setMaxListeners(0);
  }

  /** Some run became runnable. */
  wake(): void {
    this.#emitter.emit('wake');
  }

  /** Something outside the worker changed this run (cancel, signal, retry). */
  runChanged(runId: string): void {
    this.#emitter.emit('run', runId);
    this.#emitter.emit('wake');
  }

  /** New events were committed to this run's log (streams fetch them by sequence). */
  eventsAppended(runId: string): void {
    this.#emitter.emit('events', runId);
  }

  /**
   * Nudges from other processes may have been lost (the PostgreSQL listener reconnected):
   * whatever watches the event logs should re-read what it watches instead of waiting for them.
   */
  resync(): void {
    this.#emitter.emit('resync');
  }

  /** Calls `listener` on every {@link resync}; returns the unsubscribe function. */
  onResync(listener: () => void): () => void {
    this.#emitter.on('resync', listener);
    return () => this.#emitter.off('resync', listener);
  }

  /** Calls `listener` with the run id whenever events were appended; returns the unsubscribe function. */
  onEvents(listener: (runId: string) => void): () => void {
    this.#emitter.on('events', listener);
    return () => this.#emitter.off('events', listener);
  }

  /** Calls `listener` on every wake; returns the unsubscribe function. */
  onWake(listener: () => void): () => void {
    this.#emitter.on('wake', listener);
    return () => this.#emitter.off('wake', listener);
  }

  /** Calls `listener` when the run changes; returns the unsubscribe function. */
  onRunChanged(runId: string, listener: () => void): () => void {
    const filtered = (id: string) => {
      if (id === runId) listener();
    };
    this.#emitter.on('run', filtered);
    return () => this.#emitter.off('run', filtered);
  }
}
