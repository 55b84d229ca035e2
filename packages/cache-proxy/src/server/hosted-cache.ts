import {
  type BackendStats,
  CacheError,
  type CacheService,
  type CacheType,
  LOCK_KEY_SPACE,
  type StatsCounters,
} from '@pywatt/cache-core';

/**
 * The primitives every PyWatt backend has through `BaseCache`. They are
 * protected in TypeScript; the server calls them as a friend because the
 * public API cannot carry what a proxied call needs (a caller's lock token,
 * the caller's default TTL for a new counter, a 1024-byte key inside a
 * per-client namespace). See the README, "Hosting".
 */
interface Primitives {
  readonly type: CacheType;
  readonly keyPrefix: string;
  readonly counters?: StatsCounters;
  _get(k: string): Promise<Uint8Array | undefined>;
  _set(k: string, v: Uint8Array, ttlMs: number): Promise<void>;
  _delete(k: string): Promise<boolean>;
  _exists(k: string): Promise<boolean>;
  _setIfAbsent(k: string, v: Uint8Array, ttlMs: number): Promise<boolean>;
  _getAndSet(k: string, v: Uint8Array, ttlMs: number): Promise<Uint8Array | undefined>;
  _increment(k: string, delta: number, newKeyTtlMs: number, key: string): Promise<number>;
  _getMany(k: readonly string[]): Promise<Array<Uint8Array | undefined>>;
  _setMany(e: ReadonlyArray<readonly [string, Uint8Array]>, ttlMs: number): Promise<void>;
  _deleteMany(k: readonly string[]): Promise<number>;
  _clear(fullPrefix: string): Promise<void>;
  _lock(k: string, token: string, ttlMs: number): Promise<boolean>;
  _unlock(k: string, token: string): Promise<boolean>;
  _extendLock(k: string, token: string, ttlMs: number): Promise<boolean>;
  _stats(): Promise<BackendStats>;
  _ping(): Promise<void>;
  wrapError(error: unknown, operation: string): CacheError;
}

const REQUIRED = [
  '_get',
  '_set',
  '_delete',
  '_exists',
  '_setIfAbsent',
  '_getAndSet',
  '_increment',
  '_getMany',
  '_setMany',
  '_deleteMany',
  '_clear',
  '_lock',
  '_unlock',
  '_extendLock',
  '_stats',
  '_ping',
  'wrapError',
] as const;

/**
 * The hosted cache, seen through one client's scope: `scope` is
 * `tokenNamespace:` or `tokenNamespace:clientNamespace:`, prepended to every
 * key, so nothing a client sends can name a key outside it.
 */
export class HostedCache {
  readonly #p: Primitives;
  /** The hosted backend's type. */
  readonly type: CacheType;

  constructor(cache: CacheService) {
    const p = cache as unknown as Primitives;
    const missing = REQUIRED.filter(
      (m) => typeof (p as unknown as Record<string, unknown>)[m] !== 'function',
    );
    if (missing.length > 0 || typeof p.keyPrefix !== 'string') {
      throw new CacheError(
        'CONFIGURATION',
        `the cache to serve must be a PyWatt backend (a BaseCache subclass such as InMemoryCache); this one lacks ${missing.join(', ') || 'keyPrefix'}`,
        { operation: 'startCacheServer', backend: 'proxy' },
      );
    }
    this.#p = p;
    this.type = cache.type;
  }

  /** The full key of a data key in `scope`. */
  key(scope: string, key: string): string {
    return this.#p.keyPrefix + scope + key;
  }

  /** The full key of a lock in `scope`: internal to the hosted cache, so clear() keeps it. */
  lockKey(scope: string, key: string): string {
    return this.#p.keyPrefix + LOCK_KEY_SPACE + scope + key;
  }

  /** The primitives (call them with keys from {@link key} and {@link lockKey} only). */
  get primitives(): Primitives {
    return this.#p;
  }

  /** Adds proxied traffic to the hosted cache's own stats() counters. */
  count(field: keyof StatsCounters, by = 1): void {
    const counters = this.#p.counters;
    if (counters !== undefined) counters[field] += by;
  }

  /** Any error as a CacheError, through the backend's own mapping. */
  wrap(error: unknown, operation: string): CacheError {
    if (CacheError.is(error)) return error;
    try {
      return this.#p.wrapError(error, operation);
    } catch {
      return new CacheError('INTERNAL', `${operation} failed on the server`, { operation });
    }
  }
}
