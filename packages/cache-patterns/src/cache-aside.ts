import {
  CacheError,
  type CacheService,
  type Codec,
  describeError,
  jsonCodec,
} from '@pywatt/cache-core';
import {
  type CacheAsideErrorPhase,
  type CacheAsideOptions,
  CachedLoaderError,
  type Loader,
} from './cache-aside-options.js';
import { sleep } from './internal/backoff.js';
import { decodeCachedError, encodeCachedError } from './internal/cached-error.js';
import {
  DELTA_MS,
  ENVELOPE_VERSION,
  EntryKind,
  encodeEnvelope,
  FRESH_UNTIL,
  HEADER_BYTES,
  hasEnvelope,
  readHeaderNumber,
  STALE_UNTIL,
} from './internal/envelope.js';
import { type FlightState, newFlightState } from './internal/flight-state.js';
import { runLoader } from './internal/run-loader.js';
import { nonNegative, optionalDurationMs, optionalFunction } from './internal/validate.js';

const OPERATION = 'cacheAside';
/** The prefix of the lock names cache-aside takes with `lockTtlMs`. */
export const CACHE_ASIDE_LOCK_PREFIX = 'aside:';

const MISS = 0;
const FRESH = 1;
const REFRESH = 2;
const UNDECODABLE: unique symbol = Symbol('undecodable');

// A read that found something usable. `stale` means: serve it, but refresh.
interface Found<T> {
  value: T;
  refresh: boolean;
}

/**
 * Cache-aside over any {@link CacheService}: read the cache, and on a miss run
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
 */
export class CacheAside<T> {
  readonly #cache: CacheService;
  readonly #codec: Codec<T>;
  readonly #ttlMs: number;
  readonly #staleMs: number;
  readonly #earlyRefresh: boolean;
  readonly #beta: number;
  readonly #lockTtlMs: number | undefined;
  readonly #lockWaitMs: number;
  readonly #lockPollMs: number;
  readonly #loaderTimeoutMs: number | undefined;
  readonly #cacheErrorsMs: number | undefined;
  readonly #onError: CacheAsideOptions<T>['onError'];
  readonly #random: () => number;
  readonly #flights: Map<string, Promise<unknown>>;
  readonly #refreshing: Map<string, Promise<void>>;

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
    this.#earlyRefresh = options.earlyRefresh === true;
    this.#beta = nonNegative(options.beta, 'beta', OPERATION, 1);
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
    this.#random = optionalFunction(options.random, 'random', OPERATION) ?? Math.random;
    const shared = flightState ?? newFlightState();
    this.#flights = shared.flights;
    this.#refreshing = shared.refreshing;
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
      if (CacheError.is(error, 'INVALID_KEY') || CacheError.is(error, 'CLOSED')) throw error;
      this.#report(error, key, 'read');
    }
    if (bytes !== undefined) {
      const state = this.#classify(bytes, Date.now());
      if (state !== MISS) {
        const value = this.#decode(bytes);
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
    await this.#store(key, EntryKind.VALUE, this.#encode(value), 0, this.#ttlMs, this.#staleMs);
  }

  /** Removes the cached value so the next read loads. True if something was removed. */
  delete(key: string): Promise<boolean> {
    return this.#cache.delete(key);
  }

  /** Resolves once no background refresh (stale-while-revalidate, early refresh) is running. */
  async idle(): Promise<void> {
    while (this.#refreshing.size > 0) await Promise.allSettled([...this.#refreshing.values()]);
  }

  // Reads the entry; undefined means "load". Cached errors throw while they last.
  async #read(key: string, now: number): Promise<Found<T> | undefined> {
    let bytes: Uint8Array | undefined;
    try {
      bytes = await this.#cache.get(key);
    } catch (error) {
      if (CacheError.is(error, 'INVALID_KEY') || CacheError.is(error, 'CLOSED')) throw error;
      this.#report(error, key, 'read');
      return undefined;
    }
    if (bytes === undefined) return undefined;
    const state = this.#classify(bytes, now);
    if (state === MISS) return undefined;
    const value = this.#decode(bytes);
    return value === UNDECODABLE ? undefined : { value, refresh: state === REFRESH };
  }

  // MISS, FRESH or REFRESH (stale, or due for early refresh); throws a cached loader error.
  #classify(bytes: Uint8Array, now: number): number {
    if (!hasEnvelope(bytes)) return FRESH; // plain codec bytes written by others
    if (bytes[4] !== ENVELOPE_VERSION) return MISS;
    const freshUntil = readHeaderNumber(bytes, FRESH_UNTIL);
    if (bytes[5] === EntryKind.ERROR) {
      if (now >= freshUntil) return MISS;
      throw decodeCachedError(bytes.subarray(HEADER_BYTES), freshUntil);
    }
    if (bytes[5] !== EntryKind.VALUE) return MISS;
    if (now < freshUntil) {
      if (!this.#earlyRefresh) return FRESH;
      const deltaMs = readHeaderNumber(bytes, DELTA_MS);
      return deltaMs > 0 && now - deltaMs * this.#beta * Math.log(this.#random()) >= freshUntil
        ? REFRESH
        : FRESH;
    }
    return now < readHeaderNumber(bytes, STALE_UNTIL) ? REFRESH : MISS;
  }

  // The value, or UNDECODABLE (old format, other codec): then a miss, reloaded and overwritten.
  #decode(bytes: Uint8Array): T | typeof UNDECODABLE {
    try {
      return this.#codec.decode(
        bytes[0] === 0 && hasEnvelope(bytes) ? bytes.subarray(HEADER_BYTES) : bytes,
      );
    } catch {
      return UNDECODABLE;
    }
  }

  // Only a fresh value (or a cached error) ends a flight early; a stale one is reloaded.
  async #readFresh(key: string): Promise<Found<T> | undefined> {
    const found = await this.#read(key, Date.now());
    return found === undefined || found.refresh ? undefined : found;
  }

  #loadOnce(key: string, loader: Loader<T>): Promise<T> {
    const running = this.#flights.get(key);
    if (running !== undefined) return running as Promise<T>;
    const flight = (async () => {
      // Re-read: a flight that just ended may have filled the key between our miss and now.
      const found = await this.#readFresh(key);
      if (found !== undefined) return found.value;
      return this.#lockTtlMs === undefined
        ? this.#loadAndStore(key, loader, false)
        : this.#loadWithLock(key, loader, this.#lockTtlMs);
    })();
    this.#flights.set(key, flight);
    const forget = (): void => {
      if (this.#flights.get(key) === flight) this.#flights.delete(key);
    };
    flight.then(forget, forget);
    return flight;
  }

  async #loadWithLock(key: string, loader: Loader<T>, lockTtlMs: number): Promise<T> {
    const lockName = CACHE_ASIDE_LOCK_PREFIX + key;
    const deadline = Date.now() + this.#lockWaitMs;
    let token = await this.#tryLock(lockName, lockTtlMs);
    while (token === null) {
      if (Date.now() >= deadline) return this.#loadAndStore(key, loader, false);
      await sleep(Math.min(this.#lockPollMs, Math.max(1, deadline - Date.now())));
      const found = await this.#readFresh(key);
      if (found !== undefined) return found.value;
      token = await this.#tryLock(lockName, lockTtlMs);
    }
    if (token === undefined) return this.#loadAndStore(key, loader, false); // lock unusable
    try {
      const found = await this.#readFresh(key);
      if (found !== undefined) return found.value;
      return await this.#loadAndStore(key, loader, false);
    } finally {
      await this.#cache.unlock(lockName, token).catch((error) => this.#report(error, key, 'lock'));
    }
  }

  // A token; null when someone else holds the lock; undefined when locking failed (then we load unlocked).
  async #tryLock(lockName: string, ttlMs: number): Promise<string | null | undefined> {
    try {
      return (await this.#cache.lock(lockName, ttlMs)) ?? null;
    } catch (error) {
      if (CacheError.is(error, 'INVALID_KEY') || CacheError.is(error, 'CLOSED')) throw error;
      this.#report(error, lockName, 'lock');
      return undefined;
    }
  }

  #refreshInBackground(key: string, loader: Loader<T>): void {
    if (this.#refreshing.has(key) || this.#flights.has(key)) return;
    const refresh = (async () => {
      let token: string | null | undefined;
      if (this.#lockTtlMs !== undefined) {
        token = await this.#tryLock(CACHE_ASIDE_LOCK_PREFIX + key, this.#lockTtlMs);
        if (token === null) return; // another process is refreshing it
      }
      try {
        await this.#loadAndStore(key, loader, true);
      } finally {
        if (typeof token === 'string')
          await this.#cache.unlock(CACHE_ASIDE_LOCK_PREFIX + key, token);
      }
    })()
      .catch((error) => this.#report(error, key, 'refresh'))
      .finally(() => this.#refreshing.delete(key));
    this.#refreshing.set(key, refresh);
  }

  async #loadAndStore(key: string, loader: Loader<T>, background: boolean): Promise<T> {
    const started = performance.now();
    let value: T;
    try {
      value = await runLoader(key, loader, this.#loaderTimeoutMs);
    } catch (error) {
      if (!background && this.#cacheErrorsMs !== undefined) {
        const payload = encodeCachedError(error);
        await this.#store(key, EntryKind.ERROR, payload, 0, this.#cacheErrorsMs, 0).catch((e) =>
          this.#report(e, key, 'write'),
        );
      }
      throw error;
    }
    const payload = this.#encode(value);
    const deltaMs = performance.now() - started;
    await this.#store(key, EntryKind.VALUE, payload, deltaMs, this.#ttlMs, this.#staleMs).catch(
      (error) => {
        if (CacheError.is(error, 'CLOSED')) throw error;
        this.#report(error, key, 'write');
      },
    );
    return value;
  }

  #encode(value: T): Uint8Array {
    try {
      return this.#codec.encode(value);
    } catch (error) {
      if (CacheError.is(error, 'SERIALIZATION')) throw error;
      throw new CacheError('SERIALIZATION', `cannot encode the value: ${describeError(error)}`, {
        operation: OPERATION,
        cause: error,
      });
    }
  }

  async #store(
    key: string,
    kind: number,
    payload: Uint8Array,
    deltaMs: number,
    freshMs: number,
    staleMs: number,
  ): Promise<void> {
    const now = Date.now();
    const freshUntil = now + freshMs;
    const staleUntil = freshUntil + staleMs;
    const bytes = encodeEnvelope(kind, freshUntil, staleUntil, deltaMs, payload);
    await this.#cache.set(key, bytes, { ttlMs: freshMs + staleMs });
  }

  #report(error: unknown, key: string, phase: CacheAsideErrorPhase): void {
    try {
      this.#onError?.(error, { key, phase });
    } catch {
      // a broken hook must not break reads
    }
  }
}
