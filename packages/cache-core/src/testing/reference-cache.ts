import { BaseCache } from '../base-cache.js';
import { addToStoredInteger, encodeStoredInteger } from '../integers.js';
import type { BackendStats } from '../stats.js';
import { CacheType } from '../types.js';

interface Entry {
  value: Uint8Array;
  expiresAt: number;
}

/**
 * An obviously-correct in-process cache for tests: one Map, no bounds, every
 * primitive synchronous inside its promise, so each is atomic. It proves the
 * conformance suite, and serves tests of code that takes any CacheService.
 * Set `failing` to make every data operation reject, as a backend that is down.
 */
export class ReferenceCache extends BaseCache {
  readonly type = CacheType.MEMORY;
  protected readonly entries = new Map<string, Entry>();
  /** While true, every data operation rejects (a backend that is down). */
  failing = false;

  protected live(fullKey: string): Entry | undefined {
    if (this.failing) throw new Error('the reference cache is down (failing = true)');
    const entry = this.entries.get(fullKey);
    if (entry !== undefined && entry.expiresAt <= Date.now()) {
      this.entries.delete(fullKey);
      return undefined;
    }
    return entry;
  }

  protected store(fullKey: string, value: Uint8Array, ttlMs: number): void {
    if (this.failing) throw new Error('the reference cache is down (failing = true)');
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
