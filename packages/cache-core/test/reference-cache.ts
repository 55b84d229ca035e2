import { addToStoredInteger, encodeStoredInteger } from '../src/index.js';
import { ReferenceCache } from '../src/testing/index.js';

export { ReferenceCache };

/** The reference cache with two classic bugs the suite must catch. */
export class BrokenCache extends ReferenceCache {
  /** Read, yield, then write: concurrent increments overwrite each other. */
  protected override async _increment(
    fullKey: string,
    delta: number,
    newKeyTtlMs: number,
    key: string,
  ) {
    const current = this.live(fullKey)?.value;
    await new Promise((resolve) => setImmediate(resolve));
    const next = addToStoredInteger(current, delta, key, this.type);
    this.store(fullKey, encodeStoredInteger(next), newKeyTtlMs);
    return next;
  }
  /** Frees the lock whatever token is given. */
  protected override async _unlock(lockKey: string) {
    return this.entries.delete(lockKey);
  }
}
