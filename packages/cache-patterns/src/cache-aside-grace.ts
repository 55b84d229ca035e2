/** A value held for a key whose refresh failed, served until `untilMs` (ms since the epoch). */
export interface HeldValue {
  readonly value: unknown;
  readonly untilMs: number;
}

/**
 * The keys in grace backoff: their refresh failed (the loader threw or timed
 * out, or the cache could not store its result), so for `graceBackoffMs` they
 * are answered from the value held here and neither the loader nor the cache
 * is asked. Entries leave when their time is up (on the next look at the key,
 * or as later failures push them out of the front of the map), or when a
 * load of the key succeeds.
 */
export class GraceBackoff {
  readonly #held = new Map<string, HeldValue>();

  /** How many keys are held (0 keeps the read path to one comparison). */
  get size(): number {
    return this.#held.size;
  }

  /** The value held for `key` at `now`, if any. */
  held(key: string, now: number): HeldValue | undefined {
    const entry = this.#held.get(key);
    if (entry === undefined) return undefined;
    if (now < entry.untilMs) return entry;
    this.#held.delete(key);
    return undefined;
  }

  /** Holds `value` for `key` until `untilMs`. */
  hold(key: string, value: unknown, untilMs: number, now: number): void {
    this.#held.delete(key); // re-inserted at the back: the map stays roughly in expiry order
    this.#held.set(key, { value, untilMs });
    for (const [oldest, entry] of this.#held) {
      if (entry.untilMs > now) break;
      this.#held.delete(oldest);
    }
  }

  /** Forgets `key` (its load succeeded and the cache holds the value). */
  release(key: string): void {
    if (this.#held.size > 0) this.#held.delete(key);
  }
}
