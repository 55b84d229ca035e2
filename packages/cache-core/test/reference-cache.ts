import {
  addToStoredInteger,
  type BackendStats,
  BaseCache,
  CacheType,
  encodeStoredInteger,
} from '../src/index.js';

interface Entry {
  value: Uint8Array;
  expiresAt: number;
}

/**
 * An obviously-correct cache for proving the conformance suite: one Map, no
 * bounds, every primitive synchronous inside its promise, so each is atomic.
 */
export class ReferenceCache extends BaseCache {
  readonly type = CacheType.MEMORY;
  protected readonly entries = new Map<string, Entry>();

  protected live(fullKey: string): Entry | undefined {
    const entry = this.entries.get(fullKey);
    if (entry !== undefined && entry.expiresAt <= Date.now()) {
      this.entries.delete(fullKey);
      return undefined;
    }
    return entry;
  }

  protected store(fullKey: string, value: Uint8Array, ttlMs: number): void {
    this.entries.set(fullKey, { value: value.slice(), expiresAt: Date.now() + ttlMs });
  }

  protected async _get(fullKey: string) {
    return this.live(fullKey)?.value.slice();
  }
  protected async _set(fullKey: string, value: Uint8Array, ttlMs: number) {
    this.store(fullKey, value, ttlMs);
  }
  protected async _delete(fullKey: string) {
    return this.live(fullKey) !== undefined && this.entries.delete(fullKey);
  }
  protected async _exists(fullKey: string) {
    return this.live(fullKey) !== undefined;
  }
  protected async _setIfAbsent(fullKey: string, value: Uint8Array, ttlMs: number) {
    if (this.live(fullKey) !== undefined) return false;
    this.store(fullKey, value, ttlMs);
    return true;
  }
  protected async _getAndSet(fullKey: string, value: Uint8Array, ttlMs: number) {
    const old = this.live(fullKey)?.value;
    this.store(fullKey, value, ttlMs);
    return old;
  }
  protected async _increment(fullKey: string, delta: number, newKeyTtlMs: number, key: string) {
    const entry = this.live(fullKey);
    const next = addToStoredInteger(entry?.value, delta, key, this.type);
    this.entries.set(fullKey, {
      value: encodeStoredInteger(next),
      expiresAt: entry?.expiresAt ?? Date.now() + newKeyTtlMs,
    });
    return next;
  }
  protected async _clear(fullPrefix: string) {
    for (const key of this.entries.keys()) {
      if (key.startsWith(fullPrefix) && !this.isInternalKey(key)) this.entries.delete(key);
    }
  }
  protected async _lock(lockKey: string, token: string, ttlMs: number) {
    return this._setIfAbsent(lockKey, Buffer.from(token), ttlMs);
  }
  protected async _unlock(lockKey: string, token: string) {
    const entry = this.live(lockKey);
    if (entry === undefined || Buffer.from(entry.value).toString() !== token) return false;
    return this.entries.delete(lockKey);
  }
  protected async _extendLock(lockKey: string, token: string, ttlMs: number) {
    const entry = this.live(lockKey);
    if (entry === undefined || Buffer.from(entry.value).toString() !== token) return false;
    entry.expiresAt = Date.now() + ttlMs;
    return true;
  }
  protected async _stats(): Promise<BackendStats> {
    return { itemCount: this.entries.size, backend: { implementation: 'reference' } };
  }
  protected async _ping() {}
  protected async _close() {}
}

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
