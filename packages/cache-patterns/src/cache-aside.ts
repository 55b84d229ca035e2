import {
  CacheError,
  type CacheEventListener,
  type CacheEventName,
  CacheEvents,
  type CacheService,
  type Codec,
  jsonCodec,
} from '@pywatt/cache-core';
import {
  classifyEntry,
  decodeEntry,
  type EarlyRefresh,
  type Found,
  FRESH,
  GRACE,
  MISS,
  REFRESH,
  storeEntry,
  UNDECODABLE,
} from './cache-aside-entry.js';
import { awaitFlight, joinFlight, refreshInBackground } from './cache-aside-flight.js';
import {
  CACHE_ASIDE_LOCK_PREFIX,
  isCallerError,
  loadWithLock,
  tryLock,
} from './cache-aside-lock.js';
import {
  type CacheAsideCallOptions,
  type CacheAsideErrorPhase,
  type CacheAsideOptions,
  type CachedLoaderError,
  type Loader,
  NOT_FOUND,
  type NotFound,
  NotFoundError,
} from './cache-aside-options.js';
import { type ReadSettings, resolveReadSettings } from './cache-aside-settings.js';
import {
  encodeValue,
  type Held,
  type LoadContext,
  loadAndStore,
  valueWindows,
} from './cache-aside-store.js';
import { EntryKind, GRACE_UNTIL, readHeaderNumber } from './internal/envelope.js';
import { type FlightState, flightStateOf, newFlightState } from './internal/flight-state.js';
import { nonNegative, optionalDurationMs, optionalFunction } from './internal/validate.js';

export { CACHE_ASIDE_LOCK_PREFIX };

const OPERATION = 'cacheAside';

/**
 * Cache-aside over any `CacheService`: read the cache, and on a miss run
 * the loader once (per key and process; across processes with `lockTtlMs`),
 * store its value and return it. Supports stale-while-revalidate, XFetch early
 * refresh, grace (stale-if-error) with a per-key backoff, soft and hard loader
 * timeouts, TTL jitter and negative caching ("not found", and failures). Values
 * are stored in a small envelope holding their fresh, stale and grace
 * deadlines, so every backend supports every feature; plain codec bytes
 * written by others (`writeThrough`, `setJson`) are read as fresh values.
 *
 * A loader's error reaches every caller waiting for that load, unchanged
 * (unless a grace value answers instead). Cache failures never hide the
 * source: a failed cache read loads, a failed cache write still returns the
 * loaded value; both go to `onError`. Nothing it starts in the background can
 * end in an unhandled rejection: failed refreshes go to `onError` and the
 * `refreshFailed` event.
 *
 * Entry freshness (SWR, XFetch, grace) is decided in cache-aside-entry.ts,
 * single flight, soft timeouts and background refresh in cache-aside-flight.ts,
 * the grace backoff in cache-aside-grace.ts and the cross-process load lock in
 * cache-aside-lock.ts.
 */
export class CacheAside<T> {
  readonly #cache: CacheService;
  readonly #codec: Codec<T>;
  readonly #settings: ReadSettings;
  readonly #xfetch: EarlyRefresh;
  readonly #lockTtlMs: number | undefined;
  readonly #lockWaitMs: number;
  readonly #lockPollMs: number;
  readonly #cacheErrorsMs: number | undefined;
  readonly #onError: CacheAsideOptions<T>['onError'];
  readonly #flightState: FlightState;
  readonly #events = new CacheEvents(this);
  readonly #load: LoadContext<T>;

  /**
   * @param cache - the cache to read and fill.
   * @param options - see {@link CacheAsideOptions}; invalid options throw CacheError `INVALID_ARGUMENT`.
   * @param flightState - internal: lets `cacheAside()` calls on one cache share single flight.
   */
  constructor(cache: CacheService, options: CacheAsideOptions<T> = {}, flightState?: FlightState) {
    this.#cache = cache;
    this.#codec = options.codec ?? (jsonCodec as Codec<T>);
    this.#settings = resolveReadSettings(options, undefined, cache.defaultTtlMs);
    const earlyRefresh = options.earlyRefresh === true;
    const beta = nonNegative(options.beta, 'beta', OPERATION, 1);
    this.#lockTtlMs = optionalDurationMs(options.lockTtlMs, 'lockTtlMs', OPERATION);
    this.#lockWaitMs =
      optionalDurationMs(options.lockWaitMs, 'lockWaitMs', OPERATION) ?? this.#lockTtlMs ?? 0;
    this.#lockPollMs = optionalDurationMs(options.lockPollMs, 'lockPollMs', OPERATION) ?? 25;
    this.#cacheErrorsMs = optionalDurationMs(options.cacheErrorsMs, 'cacheErrorsMs', OPERATION);
    this.#onError = optionalFunction(options.onError, 'onError', OPERATION);
    const random = optionalFunction(options.random, 'random', OPERATION) ?? Math.random;
    this.#xfetch = { earlyRefresh, beta, random };
    this.#flightState = flightState ?? newFlightState();
    this.#load = {
      cache,
      codec: this.#codec,
      backoff: this.#flightState.backoff,
      cacheErrorsMs: this.#cacheErrorsMs,
      random,
      report: (error, key, phase) => this.#report(error, key, phase),
      refreshFailed: (error, key) => this.#refreshFailed(error, key),
    };
  }

  /**
   * The value of `key`: from the cache when fresh (or stale, within
   * `staleMs`), else from `loader`, which then fills the cache. `options`
   * override this instance's for this read (checked on every call: leave it
   * out on hot paths).
   *
   * Rejects with the loader's own error, with CacheError `TIMEOUT` after
   * `hardTimeoutMs`, with CacheError `SERIALIZATION` when the codec cannot
   * encode the loaded value, with {@link CachedLoaderError} while a failure is
   * negatively cached, with {@link NotFoundError} when the loader said "not
   * found" (see {@link CacheAside.find}), and with the cache's `INVALID_KEY`/`CLOSED`
   * errors. In grace, a failed or timed-out refresh answers the old value.
   */
  get(key: string, loader: Loader<T>, options?: CacheAsideCallOptions): Promise<T> {
    return this.#answer(key, loader, options, false) as Promise<T>;
  }

  /** Like {@link CacheAside.get}, but a "not found" (`ctx.notFound()`, now or cached) resolves `undefined`. */
  find(key: string, loader: Loader<T>, options?: CacheAsideCallOptions): Promise<T | undefined> {
    return this.#answer(key, loader, options, true);
  }

  /** Stores `value` as freshly loaded (e.g. after a write to the source). Rejects like `cache.set`, or `SERIALIZATION`. */
  async set(key: string, value: T, options?: CacheAsideCallOptions): Promise<void> {
    const settings = this.#resolve(options);
    await storeEntry(
      this.#cache,
      key,
      EntryKind.VALUE,
      encodeValue(this.#codec, value),
      0,
      valueWindows(this.#load, settings),
    );
    this.#flightState.backoff.release(key);
  }

  /** Removes the cached value so the next read loads. True if something was removed. */
  delete(key: string): Promise<boolean> {
    this.#flightState.backoff.release(key);
    return this.#cache.delete(key);
  }

  /** Resolves once no background refresh (stale-while-revalidate, early refresh, soft-timed-out load) is running. */
  async idle(): Promise<void> {
    const { refreshing, flights } = this.#flightState;
    while (refreshing.size > 0 || flights.size > 0) {
      await Promise.allSettled([
        ...refreshing.values(),
        ...[...flights.values()].map((f) => f.done),
      ]);
    }
  }

  /**
   * Subscribes to this instance's events: `refreshFailed` (a background or
   * grace refresh failed; the error also goes to `onError`). Returns the
   * function that unsubscribes. Events are also published on core's
   * `CACHE_EVENTS_CHANNEL`.
   */
  on<E extends CacheEventName>(event: E, listener: CacheEventListener<E>): () => void {
    return this.#events.on(event, listener);
  }

  async #answer(
    key: string,
    loader: Loader<T>,
    options: CacheAsideCallOptions | undefined,
    find: boolean,
  ): Promise<T | undefined> {
    const settings = this.#resolve(options);
    const backoff = this.#flightState.backoff;
    if (backoff.size > 0) {
      const held = backoff.held(key, Date.now());
      if (held !== undefined) return this.#result(key, held.value as T | NotFound, find);
    }
    // The hit path is inlined (no nested async call, no allocation) to stay close to a bare get.
    let bytes: Uint8Array | undefined;
    try {
      bytes = await this.#cache.get(key);
    } catch (error) {
      if (isCallerError(error)) throw error;
      this.#report(error, key, 'read');
    }
    let stale: Held | undefined;
    if (bytes !== undefined) {
      const state = classifyEntry(bytes, Date.now(), this.#xfetch);
      if (state !== MISS) {
        const value = decodeEntry(this.#codec, bytes);
        if (value !== UNDECODABLE) {
          if (state === GRACE) stale = { value, untilMs: readHeaderNumber(bytes, GRACE_UNTIL) };
          else {
            if (state === REFRESH) {
              const held = { value, untilMs: readHeaderNumber(bytes, GRACE_UNTIL) };
              this.#refreshInBackground(key, loader, settings, held);
            }
            return this.#result(key, value, find);
          }
        }
      }
    }
    return this.#result(key, await this.#loadOnce(key, loader, settings, stale), find);
  }

  #resolve(options: CacheAsideCallOptions | undefined): ReadSettings {
    return options === undefined
      ? this.#settings
      : resolveReadSettings(options, this.#settings, this.#cache.defaultTtlMs);
  }

  #result(key: string, value: T | NotFound, find: boolean): T | undefined {
    if (value !== NOT_FOUND) return value;
    if (find) return undefined;
    throw new NotFoundError(key);
  }

  // Reads the entry; undefined means "load". Cached errors throw while they last.
  async #readFresh(key: string): Promise<Found<T> | undefined> {
    let bytes: Uint8Array | undefined;
    try {
      bytes = await this.#cache.get(key);
    } catch (error) {
      if (isCallerError(error)) throw error;
      this.#report(error, key, 'read');
      return undefined;
    }
    if (bytes === undefined) return undefined;
    // Only a fresh value (or a cached error) ends a flight early; a stale one is reloaded.
    if (classifyEntry(bytes, Date.now(), this.#xfetch) !== FRESH) return undefined;
    const value = decodeEntry(this.#codec, bytes);
    return value === UNDECODABLE ? undefined : { value, refresh: false };
  }

  async #loadOnce(
    key: string,
    loader: Loader<T>,
    settings: ReadSettings,
    stale: Held | undefined,
  ): Promise<T | NotFound> {
    const flight = joinFlight(this.#flightState, key, async (loaded) => {
      // A flight that just failed may have put the key in backoff after this caller looked.
      const held = this.#flightState.backoff.held(key, Date.now());
      if (held !== undefined) return held.value;
      // Re-read: a flight that just ended may have filled the key between our miss and now.
      const found = await this.#readFresh(key);
      if (found !== undefined) return found.value;
      const load = () => loadAndStore(this.#load, key, loader, settings, { stale, loaded });
      const lockTtlMs = this.#lockTtlMs;
      if (lockTtlMs === undefined) return load();
      return loadWithLock(
        this.#cache,
        key,
        { lockTtlMs, lockWaitMs: this.#lockWaitMs, lockPollMs: this.#lockPollMs },
        {
          readFresh: (k) => this.#readFresh(k),
          load,
          report: (error, k, phase) => this.#report(error, k, phase),
        },
      );
    });
    try {
      return (await awaitFlight(flight, settings.softTimeoutMs, stale)) as T | NotFound;
    } catch (error) {
      // In grace, a refresh that failed answers the old value (this caller's, if the flight had none).
      if (stale !== undefined && Date.now() < stale.untilMs && !isCallerError(error))
        return stale.value as T | NotFound;
      throw error;
    }
  }

  #refreshInBackground(key: string, loader: Loader<T>, settings: ReadSettings, stale: Held): void {
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
          await loadAndStore(this.#load, key, loader, settings, { stale, background: true });
        } finally {
          if (typeof token === 'string')
            await this.#cache
              .unlock(CACHE_ASIDE_LOCK_PREFIX + key, token)
              .catch((error) => this.#report(error, key, 'lock'));
        }
      },
      (error) => this.#refreshFailed(error, key),
    );
  }

  #refreshFailed(error: unknown, key: string): void {
    this.#report(error, key, 'refresh');
    if (!this.#events.wants('refreshFailed')) return;
    this.#events.emit('refreshFailed', {
      backend: this.#cache.type,
      namespace: undefined,
      errorCode: CacheError.is(error) ? error.code : error instanceof Error ? error.name : 'Error',
    });
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
