import { CacheError, type CacheStore } from '@pywatt/cache-core';
import { LOCK_KEY_SPACE, mapStoreError } from '@pywatt/cache-core/store';

/** A cache made by `createCache` (any PyWatt backend's cache): its store and namespace are served. */
export interface StoreBackedCache {
  readonly store: CacheStore;
  /** Prepended to every key: `'app:'` for namespace `app`, else `''`. */
  readonly keyPrefix: string;
}

/** What a server can serve: a store, or a cache made by `createCache`. */
export type Servable = CacheStore | StoreBackedCache;

const isStore = (value: unknown): value is CacheStore =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as CacheStore).name === 'string' &&
  typeof (value as CacheStore).capabilities === 'object';

const isStoreBacked = (value: unknown): value is StoreBackedCache =>
  typeof value === 'object' &&
  value !== null &&
  isStore((value as StoreBackedCache).store) &&
  typeof (value as StoreBackedCache).keyPrefix === 'string';

/**
 * The hosted store, seen through one client's scope: `scope` is
 * `tokenNamespace:` or `tokenNamespace:clientNamespace:`, prepended to every
 * key (after the hosted cache's own namespace, if it has one), so nothing a
 * client sends can name a key outside it.
 */
export class HostedCache {
  /** The store requests run on (call it with keys from {@link key} and {@link lockKey} only). */
  readonly store: CacheStore;
  /** The hosted backend's name. */
  readonly type: string;
  readonly #prefix: string;

  constructor(cache: Servable) {
    if (isStoreBacked(cache)) {
      this.store = cache.store;
      this.#prefix = cache.keyPrefix;
    } else if (isStore(cache)) {
      this.store = cache;
      this.#prefix = '';
    } else {
      throw new CacheError(
        'CONFIGURATION',
        'the cache to serve must be a CacheStore, or a cache made by createCache (any PyWatt backend)',
        { operation: 'startCacheServer', backend: 'proxy' },
      );
    }
    this.type = this.store.name;
  }

  /** The full key of a data key in `scope`. */
  key(scope: string, key: string): string {
    return this.#prefix + scope + key;
  }

  /** The full key of a lock in `scope`: in the locks' key space, so clear() keeps it. */
  lockKey(scope: string, key: string): string {
    return this.#prefix + LOCK_KEY_SPACE + scope + key;
  }

  /** Any error as a CacheError, through the store's own mapping. */
  wrap(error: unknown, operation: string): CacheError {
    return mapStoreError(this.store, error, operation);
  }
}
