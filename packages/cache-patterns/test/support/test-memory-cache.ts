import {
  addToStoredInteger,
  type BackendStats,
  BaseCache,
  CacheType,
  encodeStoredInteger,
} from '@pywatt/cache-core';

interface Entry {
  value: Uint8Array;
  expiresAt: number;
}

/**
 * A Map-based cache modelled on cache-core's reference cache, for the tests
 * that need a cache that is down: `failing` makes every data operation reject.
 * Every primitive is synchronous inside its promise, so each is atomic.
 */
export class TestMemoryCache extends BaseCache {
  readonly type = CacheType.MEMORY;
  readonly entries = new Map<string, Entry>();
  failing = false;

  constructor(options: { namespace?: string; defaultTtlMs?: number } = {}) {
    super(options);
  }

  #live(fullKey: string): Entry | undefined {
    if (this.failing) throw new Error('test cache is down');
    const entry = this.entries.get(fullKey);
    if (entry !== undefined && entry.expiresAt <= Date.now()) {
      this.entries.delete(fullKey);
      return undefined;
    }
    return entry;
  }

  #store(fullKey: string, value: Uint8Array, ttlMs: number): void {
    if (this.failing) throw new Error('test cache is down');
    this.entries.set(fullKey, { value: value.slice(), expiresAt: Date.now() + ttlMs });
  }

  protected async _get(fullKey: string) {
    return this.#live(fullKey)?.value.slice();
  }
  protected async _set(fullKey: string, value: Uint8Array, ttlMs: number) {
    this.#store(fullKey, value, ttlMs);
  }
  protected async _delete(fullKey: string) {
    return this.#live(fullKey) !== undefined && this.entries.delete(fullKey);
  }
  protected async _exists(fullKey: string) {
    return this.#live(fullKey) !== undefined;
  }
  protected async _setIfAbsent(fullKey: string, value: Uint8Array, ttlMs: number) {
    if (this.#live(fullKey) !== undefined) return false;
    this.#store(fullKey, value, ttlMs);
    return true;
  }
  protected async _getAndSet(fullKey: string, value: Uint8Array, ttlMs: number) {
    const old = this.#live(fullKey)?.value;
    this.#store(fullKey, value, ttlMs);
    return old;
  }
  protected async _increment(fullKey: string, delta: number, newKeyTtlMs: number, key: string) {
    const entry = this.#live(fullKey);
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
    const entry = this.#live(lockKey);
    if (entry === undefined || Buffer.from(entry.value).toString() !== token) return false;
    return this.entries.delete(lockKey);
  }
  protected async _extendLock(lockKey: string, token: string, ttlMs: number) {
    const entry = this.#live(lockKey);
    if (entry === undefined || Buffer.from(entry.value).toString() !== token) return false;
    entry.expiresAt = Date.now() + ttlMs;
    return true;
  }
  protected async _stats(): Promise<BackendStats> {
    return { itemCount: this.entries.size, backend: {} };
  }
  protected async _ping() {}
  protected async _close() {}
}
