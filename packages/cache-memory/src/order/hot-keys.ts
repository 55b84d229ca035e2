/** Most keys a hot-key tracker may follow (`hotKeys` config). */
export const MAX_HOT_KEYS = 256;

/** One of the hottest keys, as `cache.hotKeys()` reports it. */
export interface HotKey {
  /** The key as the store holds it (with the namespace; the cache strips it). */
  key: string;
  /** Its uses in about the last sample of the frequency sketch (an estimate, capped at 15 or 16). */
  estimate: number;
}

/** Where the tracker reads estimates: the frequency sketch of the `lfu` or `tinylfu` order. */
export interface EstimateSource {
  /** The sketch's current estimate for `key`. */
  estimateOf(key: string): number;
  /** How many times the sketch has halved its counts so far. */
  readonly halvings: number;
}

/**
 * Follows the `capacity` keys with the highest frequency estimates (a
 * "top-K by sketch" heavy-hitters list): after each recorded use the key is
 * offered with its estimate; it replaces the coolest followed key when its
 * estimate is higher. Estimates recorded before a halving of the sketch count
 * half per halving since, so keys that cooled make room.
 *
 * Cost, only when enabled: one extra sketch estimate per use, O(1) for a key
 * already followed, and O(capacity) to find the coolest key again after it
 * changed (at most once per offer of a key not followed). Memory: one map
 * entry per followed key.
 */
export class HotKeyTracker {
  readonly #followed = new Map<string, { estimate: number; halvings: number }>();
  #coolest: string | undefined;
  #coolestValue = 0;
  #coolestAt = -1;
  #stale = true;

  constructor(
    readonly capacity: number,
    readonly source: EstimateSource,
  ) {}

  /** `key` was just used and now has `estimate` (read from {@link source}). */
  offer(key: string, estimate: number): void {
    const halvings = this.source.halvings;
    const followed = this.#followed.get(key);
    if (followed !== undefined) {
      followed.estimate = estimate;
      followed.halvings = halvings;
      if (key === this.#coolest) this.#stale = true;
      return;
    }
    if (this.#followed.size < this.capacity) {
      this.#followed.set(key, { estimate, halvings });
      this.#stale = true;
      return;
    }
    if (this.#stale || this.#coolestAt !== halvings) this.#findCoolest(halvings);
    if (estimate <= this.#coolestValue) return;
    this.#followed.delete(this.#coolest as string);
    this.#followed.set(key, { estimate, halvings });
    this.#stale = true;
  }

  /** Up to `limit` followed keys, hottest first, with the sketch's estimates as they are now. */
  top(limit: number): HotKey[] {
    const out: HotKey[] = [];
    for (const key of this.#followed.keys())
      out.push({ key, estimate: this.source.estimateOf(key) });
    out.sort((a, b) => b.estimate - a.estimate || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return out.slice(0, limit);
  }

  #findCoolest(halvings: number): void {
    let coolest: string | undefined;
    let value = Number.POSITIVE_INFINITY;
    for (const [key, f] of this.#followed) {
      // Each halving since the offer halves what that estimate is worth now.
      const now = f.estimate / 2 ** (halvings - f.halvings);
      if (now < value) {
        value = now;
        coolest = key;
      }
    }
    this.#coolest = coolest;
    this.#coolestValue = value;
    this.#coolestAt = halvings;
    this.#stale = false;
  }
}
