import { CacheError, StoreCache } from '@pywatt/cache-core';
import type { MemoryCacheOptions } from './memory-config.js';
import { MemoryStore } from './memory-store.js';
import type { HotKey } from './order/hot-keys.js';

/**
 * The in-process cache: a `CacheService` over a {@link MemoryStore}.
 * `new InMemoryCache(config)` validates the config (CONFIGURATION naming the
 * field) and does no I/O; {@link createMemoryCache} is the usual way in.
 */
export class InMemoryCache extends StoreCache<MemoryStore> {
  /** @throws CacheError CONFIGURATION when a field is unknown, mistyped or impossible. */
  constructor(config: MemoryCacheOptions = {}) {
    const store = new MemoryStore(config);
    const { namespace, defaultTtlMs, maxValueBytes, traceKeys } = store.config;
    super(store, { namespace, defaultTtlMs, maxValueBytes, traceKeys });
  }

  /**
   * The hottest keys by the frequency sketch, hottest first: up to `limit`
   * (default: all followed) of the `hotKeys` most used keys, each with its
   * estimated uses in about the last sample (see the README, "Hot keys").
   * Keys are given without the namespace. Opt-in: the cache must be created
   * with `hotKeys` (and policy `lfu` or `tinylfu`).
   *
   * @throws CacheError UNSUPPORTED when the cache was created without `hotKeys`; CLOSED after close().
   */
  hotKeys(limit: number = this.store.config.hotKeys): HotKey[] {
    this.guardOpen('hotKeys');
    const hot = this.store.hotKeys(limit);
    if (hot === null) {
      throw new CacheError(
        'UNSUPPORTED',
        "hot keys are off: create the cache with hotKeys: K and policy 'lfu' or 'tinylfu'",
        { operation: 'hotKeys', backend: this.type },
      );
    }
    const prefix = this.keyPrefix;
    return hot.map(({ key, estimate }) => ({ key: key.slice(prefix.length), estimate }));
  }
}

/**
 * Validates `config` and builds an {@link InMemoryCache}. `type` may be left
 * out. Every field is optional: `policy` defaults to `'lru'`, no bound by
 * default, `defaultTtlMs` 300 000, `sweepIntervalMs` 1000, `copyValues` true.
 *
 * @throws CacheError CONFIGURATION naming the first unknown, mistyped or impossible field.
 */
export async function createMemoryCache(config: MemoryCacheOptions = {}): Promise<InMemoryCache> {
  return new InMemoryCache(config);
}
