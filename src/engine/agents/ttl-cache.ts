// A small least-recently-used map whose entries also expire, for state worth reusing across
// calls but not forever (A2A clients built from an agent card).

/** At most `maxEntries` values, each dropped `ttlMs` after it was stored. */
export class TtlLruCache<V> {
  readonly #entries = new Map<string, { value: V; expiresAt: number }>();

  /**
   * @param maxEntries - the least recently used entry goes when a store would exceed this
   * @param ttlMs - how long a stored value is served, whatever its use
   * @param now - the clock expiry is measured on, in milliseconds
   */
  constructor(
    private readonly maxEntries: number,
    private readonly ttlMs: number,
    private readonly now: () => number,
  ) {}

  /** The live value under `key`, which becomes the most recently used; undefined when absent or expired. */
  get(key: string): V | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    this.#entries.delete(key);
    if (entry.expiresAt <= this.now()) return undefined;
    // Re-inserting moves it to the end of the Map's order, which is the recency order.
    this.#entries.set(key, entry);
    return entry.value;
  }

  /** Stores `value` under `key` for the TTL, evicting the least recently used entry if full. */
  set(key: string, value: V): void {
    if (this.maxEntries <= 0) return;
    this.#entries.delete(key);
    this.#entries.set(key, { value, expiresAt: this.now() + this.ttlMs });
    while (this.#entries.size > this.maxEntries) this.#entries.delete(this.#entries.keys().next().value as string);
  }

  delete(key: string): void {
    this.#entries.delete(key);
  }

  /** Entries stored, expired ones not yet dropped included. */
  get size(): number {
    return this.#entries.size;
  }
}
