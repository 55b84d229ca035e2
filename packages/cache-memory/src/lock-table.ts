interface HeldLock {
  token: string;
  /** Epoch ms when the lock frees itself. */
  expiresAt: number;
}

/**
 * Locks, kept apart from the data entries so they never count against the
 * bounds, are never evicted and survive `clear()`. Every method is synchronous,
 * hence atomic.
 */
export class LockTable {
  readonly #locks = new Map<string, HeldLock>();
  #sweepCursor: Iterator<[string, HeldLock]> | undefined;

  /** Locks held (expired ones not yet noticed included). */
  get size(): number {
    return this.#locks.size;
  }

  /** Takes `key` for `ttlMs` unless a live lock holds it. */
  acquire(key: string, token: string, ttlMs: number): boolean {
    const now = Date.now();
    const held = this.#locks.get(key);
    if (held !== undefined && held.expiresAt > now) return false;
    this.#locks.set(key, { token, expiresAt: now + ttlMs });
    return true;
  }

  /** Frees `key` if `token` holds it. */
  release(key: string, token: string): boolean {
    const held = this.#live(key);
    if (held === undefined || held.token !== token) return false;
    this.#locks.delete(key);
    return true;
  }

  /** Re-arms `key` to `ttlMs` from now if `token` holds it. */
  extend(key: string, token: string, ttlMs: number): boolean {
    const held = this.#live(key);
    if (held === undefined || held.token !== token) return false;
    held.expiresAt = Date.now() + ttlMs;
    return true;
  }

  /** Drops expired locks, inspecting at most `budget` of them, resuming where the last call stopped. */
  sweep(budget: number): void {
    const now = Date.now();
    let cursor: Iterator<[string, HeldLock]> | undefined =
      this.#sweepCursor ?? this.#locks.entries();
    for (let seen = 0; seen < budget; seen++) {
      const step = cursor.next();
      if (step.done === true) {
        cursor = undefined;
        break;
      }
      if (step.value[1].expiresAt <= now) this.#locks.delete(step.value[0]);
    }
    this.#sweepCursor = cursor;
  }

  /** Forgets every lock (on close). */
  reset(): void {
    this.#locks.clear();
    this.#sweepCursor = undefined;
  }

  #live(key: string): HeldLock | undefined {
    const held = this.#locks.get(key);
    if (held !== undefined && held.expiresAt <= Date.now()) {
      this.#locks.delete(key);
      return undefined;
    }
    return held;
  }
}
