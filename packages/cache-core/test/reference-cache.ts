import { addToStoredInteger, encodeStoredInteger } from '../src/store/index.js';
import { ReferenceStore } from '../src/testing/index.js';

export { ReferenceStore };

/** The reference store with two classic bugs the suite must catch. */
export class BrokenStore extends ReferenceStore {
  /** Read, yield, then write: concurrent increments overwrite each other. */
  override async increment(fullKey: string, delta: number, newKeyTtlMs: number, key: string) {
    const current = this.live(fullKey)?.value;
    await new Promise((resolve) => setImmediate(resolve));
    const next = addToStoredInteger(current, delta, key, this.name);
    this.store(fullKey, encodeStoredInteger(next), newKeyTtlMs);
    return next;
  }
  /** Frees the lock whatever token is given. */
  override async unlock(lockKey: string) {
    return this.entries.delete(lockKey);
  }
}
