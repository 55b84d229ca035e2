import {
  type CacheServiceOptions,
  type CacheStats,
  cacheChannels,
  StoreCache,
  traceOperation,
} from '@pywatt/cache-core';
import { validateKey } from '@pywatt/cache-core/store';
import { decodeFrozen, entryJson } from './frozen-json.js';
import type { TieredStore } from './tiered-store.js';

const GET = cacheChannels.get;

/**
 * The `CacheService` of a tiered cache: core's service over a
 * {@link TieredStore} (so validation, namespacing, counters, tracing and
 * `on()` are core's), plus the one thing a store cannot give: with
 * `l1: { decoded: 'frozen' }`, `getJson` hands out the decoded, deep-frozen
 * value an L1 entry keeps, without parsing again. Made by {@link createTieredCache}.
 */
export class TieredCache extends StoreCache<TieredStore> {
  readonly #frozen: boolean;
  readonly #traceKeys: boolean;
  #frozenHits = 0;

  /** @internal Use {@link createTieredCache}, which joins the bus before handing the cache out. */
  constructor(store: TieredStore, options: CacheServiceOptions) {
    super(store, options);
    this.#frozen = store.tier.decoded === 'frozen';
    this.#traceKeys = options.traceKeys === true;
  }

  /**
   * JSON convenience over `get`. With `l1: { decoded: 'frozen' }` the value is
   * deep-frozen and an L1 hit hands out the object decoded by the first hit,
   * without parsing again.
   */
  override getJson<T = unknown>(key: string): Promise<T | undefined> {
    if (!this.#frozen || this.closed) return super.getJson<T>(key);
    let value: unknown;
    try {
      validateKey(key, 'getJson', this.type);
      const entry = this.store.lookup(this.keyPrefix + key);
      // A miss (or bytes that are not JSON) takes the ordinary path: traced, counted, errors mapped.
      if (entry === undefined) return this.#frozenMiss<T>(key);
      value = entryJson(entry, this.type);
    } catch {
      return super.getJson<T>(key);
    }
    this.#frozenHits++;
    if (!GET.hasSubscribers) return Promise.resolve(value as T);
    const context = {
      cache: this,
      backend: this.type,
      namespace: this.serviceOptions.namespace,
      operation: 'get',
      family: 'get' as const,
      keyCount: 1,
      keys: this.#traceKeys ? [key] : undefined,
    };
    return traceOperation(context, () => Promise.resolve(value as T), this);
  }

  async #frozenMiss<T>(key: string): Promise<T | undefined> {
    const bytes = await this.get(key);
    return bytes === undefined ? undefined : (decodeFrozen(bytes, this.type) as T);
  }

  /** Core's figures, with the frozen `getJson` hits (which skip `get`) counted as hits. */
  override async stats(): Promise<CacheStats> {
    const stats = await super.stats();
    const hits = stats.hits + this.#frozenHits;
    const reads = hits + stats.misses;
    return { ...stats, hits, hitRate: reads === 0 ? 0 : hits / reads };
  }
}
