import { CacheError, type CacheService, type Codec, jsonCodec } from '@pywatt/cache-core';
import { encodeWith } from '@pywatt/cache-core/store';
import {
  classifyEntry,
  decodeEntry,
  type EarlyRefresh,
  type Found,
  MISS,
  REFRESH,
  storeEntry,
  UNDECODABLE,
} from './cache-aside-entry.js';
import { joinFlight, refreshInBackground } from './cache-aside-flight.js';
import {
  CACHE_ASIDE_LOCK_PREFIX,
  isCallerError,
  loadWithLock,
  tryLock,
} from './cache-aside-lock.js';
import {
  type CacheAsideErrorPhase,
  type CacheAsideOptions,
  CachedLoaderError,
  type Loader,
} from './cache-aside-options.js';
import { encodeCachedError } from './internal/cached-error.js';
import { EntryKind } from './internal/envelope.js';
import { type FlightState, flightStateOf, newFlightState } from './internal/flight-state.js';
import { runLoader } from './internal/run-loader.js';
import { nonNegative, optionalDurationMs, optionalFunction } from './internal/validate.js';

export { CACHE_ASIDE_LOCK_PREFIX };

const OPERATION = 'cacheAside';

/**
 * Cache-aside over any `CacheService`: read the cache, and on a miss run
 * the loader once (per key and process; across processes with `lockTtlMs`),
 * store its value and return it. Supports stale-while-revalidate, XFetch early
 * refresh, loader timeouts and negative caching. Values are stored in a small
 * envelope holding their fresh and stale deadlines, so every backend supports
 * every feature; plain codec bytes written by others (`writeThrough`,
 * `setJson`) are read as fresh values.
 *
 * A loader's error reaches every caller waiting for that load, unchanged.
 * Cache failures never hide the source: a failed cache read loads, a failed
 * cache write still returns the loaded value; both go to `onError`.
 *
 * Entry freshness (SWR, XFetch) is decided in cache-aside-entry.ts, single
 * flight and background refresh in cache-aside-flight.ts, and the
 * cross-process load lock in cache-aside-lock.ts.
 */
export class CacheAside<T> {
  readonly #cache: CacheService;
  readonly #codec: Codec<T>;
  readonly #ttlMs: number;
  readonly #staleMs: number;
  readonly #xfetch: EarlyRefresh;
  readonly #lockTtlMs: number | undefined;
  readonly #lockWaitMs: number;
  readonly #lockPollMs: number;
  readonly #loaderTimeoutMs: number | undefined;
  readonly #cacheErrorsMs: number | undefined;
  readonly #onError: CacheAsideOptions<T>['onError'];
  readonly #flightState: FlightState;

  /**
   * @param cache - the cache to read and fill.
   * @param options - see {@link CacheAsideOptions}; invalid options throw CacheError `INVALID_ARGUMENT`.
   * @param flightState - internal: lets `cacheAside()` calls on one cache share single flight.
   */
  constructor(cache: CacheService, options: CacheAsideOptions<T> = {}, flightState?: FlightState) {
    this.#cache = cache;
    this.#codec = options.codec ?? (jsonCodec as Codec<T>);
    this.#ttlMs = optionalDurationMs(options.ttlMs, 'ttlMs', OPERATION, true) ?? cache.defaultTtlMs;
    this.#staleMs = nonNegative(options.staleMs, 'staleMs', OPERATION, 0);
    const earlyRefresh = options.earlyRefresh === true;
    const beta = nonNegative(options.beta, 'beta', OPERATION, 1);
    this.#lockTtlMs = optionalDurationMs(options.lockTtlMs, 'lockTtlMs', OPERATION);
    this.#lockWaitMs =
      optionalDurationMs(options.lockWaitMs, 'lockWaitMs', OPERATION) ?? this.#lockTtlMs ?? 0;
    this.#lockPollMs = optionalDurationMs(options.lockPollMs, 'lockPollMs', OPERATION) ?? 25;
    this.#loaderTimeoutMs = optionalDurationMs(
      options.loaderTimeoutMs,
      'loaderTimeoutMs',
      OPERATION,
    );
    this.#cacheErrorsMs = optionalDurationMs(options.cacheErrorsMs, 'cacheErrorsMs', OPERATION);
    this.#onError = optionalFunction(options.onError, 'onError', OPERATION);
    const random = optionalFunction(options.random, 'random', OPERATION) ?? Math.random;
    this.#xfetch = { earlyRefresh, beta, random };
    this.#flightState = flightState ?? newFlightState();
  }

  /**
   * The value of `key`: from the cache when fresh (or stale, within
   * `staleMs`), else from `loader`, which then fills the cache.
   *
   * Rejects with the loader's own error, with CacheError `TIMEOUT` after
   * `loaderTimeoutMs`, with CacheError `SERIALIZATION` when the codec cannot
   * encode the loaded value, with {@link CachedLoaderError} while a failure is
   * negatively cached, and with the cache's `INVALID_KEY`/`CLOSED` errors.
   */
  async get(key: string, loader: Loader<T>): Promise<T> {
    // The hit path is inlined (no nested async call, no allocation) to stay close to a bare get.
    let bytes: Uint8Array | undefined;
    try {
      bytes = await this.#cache.get(key);
    } catch (error) {
      if (isCallerError(error)) throw error;
      this.#report(error, key, 'read');
    }
    if (bytes !== undefined) {
      const state = classifyEntry(bytes, Date.now(), this.#xfetch);
      if (state !== MISS) {
        const value = decodeEntry(this.#codec, bytes);
        if (value !== UNDECODABLE) {
          if (state === REFRESH) this.#refreshInBackground(key, loader);
          return value;
        }
      }
    }
    return this.#loadOnce(key, loader);
  }

  /** Stores `value` as freshly loaded (e.g. after a write to the source). Rejects like `cache.set`, or `SERIALIZATION`. */
  async set(key: string, value: T): Promise<void> {
    await storeEntry(
      this.#cache,
      key,
      EntryKind.VALUE,
      this.#encode(value),
      0,
      this.#ttlMs,
      this.#staleMs,
    );
  }

  /** Removes the cached value so the next read loads. True if something was removed. */
  delete(key: string): Promise<boolean> {
    return this.#cache.delete(key);
  }

  /** Resolves once no background refresh (stale-while-revalidate, early refresh) is running. */
  async idle(): Promise<void> {
    const { refreshing } = this.#flightState;
    while (refreshing.size > 0) await Promise.allSettled([...refreshing.values()]);
  }

  // Reads the entry; undefined means "load". Cached errors throw while they last.
  async #read(key: string, now: number): Promise<Found<T> | undefined> {
    let bytes: Uint8Array | undefined;
    try {
      bytes = await this.#cache.get(key);
    } catch (error) {
      if (isCallerError(error)) throw error;
      this.#report(error, key, 'read');
      return undefined;
    }
    if (bytes === undefined) return undefined;
    const state = classifyEntry(bytes, now, this.#xfetch);
    if (state === MISS) return undefined;
    const value = decodeEntry(this.#codec, bytes);
    return value === UNDECODABLE ? undefined : { value, refresh: state === REFRESH };
  }

  // Only a fresh value (or a cached error) ends a flight early; a stale one is reloaded.
  async #readFresh(key: string): Promise<Found<T> | undefined> {
    const found = await this.#read(key, Date.now());
    return found === undefined || found.refresh ? undefined : found;
  }

  #loadOnce(key: string, loader: Loader<T>): Promise<T> {
    return joinFlight(this.#flightState, key, async () => {
      // Re-read: a flight that just ended may have filled the key between our miss and now.
      const found = await this.#readFresh(key);
      if (found !== undefined) return found.value;
      const lockTtlMs = this.#lockTtlMs;
      if (lockTtlMs === undefined) return this.#loadAndStore(key, loader, false);
      return loadWithLock(
        this.#cache,
        key,
        { lockTtlMs, lockWaitMs: this.#lockWaitMs, lockPollMs: this.#lockPollMs },
        {
          readFresh: (k) => this.#readFresh(k),
          load: () => this.#loadAndStore(key, loader, false),
          report: (error, k, phase) => this.#report(error, k, phase),
        },
      );
    });
  }

  #refreshInBackground(key: string, loader: Loader<T>): void {
    refreshInBackground(
      this.#flightState,
      key,
      async () => {
        let token: string | null | undefined;
        if (this.#lockTtlMs !== undefined) {
          token = await tryLock(
            this.#cache,
            CACHE_ASIDE_LOCK_PREFIX + key,
            this.#lockTtlMs,
            (error, k, phase) => this.#report(error, k, phase),
          );
          if (token === null) return; // another process is refreshing it
        }
        try {
          await this.#loadAndStore(key, loader, true);
        } finally {
          if (typeof token === 'string')
            await this.#cache.unlock(CACHE_ASIDE_LOCK_PREFIX + key, token);
        }
      },
      (error) => this.#report(error, key, 'refresh'),
    );
  }

  async #loadAndStore(key: string, loader: Loader<T>, background: boolean): Promise<T> {
    const started = performance.now();
    let value: T;
    try {
      value = await runLoader(key, loader, this.#loaderTimeoutMs);
    } catch (error) {
      if (!background && this.#cacheErrorsMs !== undefined) {
        const payload = encodeCachedError(error);
        await storeEntry(
          this.#cache,
          key,
          EntryKind.ERROR,
          payload,
          0,
          this.#cacheErrorsMs,
          0,
        ).catch((e) => this.#report(e, key, 'write'));
      }
      throw error;
    }
    const payload = this.#encode(value);
    const deltaMs = performance.now() - started;
    await storeEntry(
      this.#cache,
      key,
      EntryKind.VALUE,
      payload,
      deltaMs,
      this.#ttlMs,
      this.#staleMs,
    ).catch((error) => {
      if (CacheError.is(error, 'CLOSED')) throw error;
      this.#report(error, key, 'write');
    });
    return value;
  }

  #encode(value: T): Uint8Array {
    return encodeWith(this.#codec, value, OPERATION);
  }

  #report(error: unknown, key: string, phase: CacheAsideErrorPhase): void {
    try {
      this.#onError?.(error, { key, phase });
    } catch {
      // a broken hook must not break reads
    }
  }
}

/**
 * One cache-aside read: `cache`'s value for `key`, else `loader`'s, stored.
 * Calls on the same cache share single flight, so concurrent misses of one key
 * run one loader. Options and errors as in {@link CacheAside}; for many reads
 * with the same options, reuse a `CacheAside` (it skips option checks).
 */
export function cacheAside<T>(
  cache: CacheService,
  key: string,
  loader: Loader<T>,
  options: CacheAsideOptions<T> = {},
): Promise<T> {
  return new CacheAside<T>(cache, options, flightStateOf(cache)).get(key, loader);
}
