import type { CacheError } from './errors.js';
import type { CacheEventSource, CacheEvents } from './observability.js';

/**
 * A result given now or later. Stores whose work is synchronous (an in-process
 * map) return plain values, so the service adds no promise of its own on the
 * hot path; stores doing I/O return a native `Promise`.
 */
export type Awaitable<T> = T | Promise<T>;

/** What a store can and cannot do; read by the service, the proxy and composing code. */
export interface StoreCapabilities {
  /** The finest expiry the store honours, in ms (1 for exact, 1000 for whole seconds). */
  readonly ttlResolutionMs: number;
  /** The longest full key (namespace included) the store accepts, in UTF-8 bytes. */
  readonly maxKeyBytes: number;
  /** The largest value the store accepts, in bytes (`Infinity`: no limit of its own). */
  readonly maxValueBytes: number;
  /** True when other processes on this machine see the same data (file, Redis, memcached, proxy). */
  readonly sharedAcrossProcesses: boolean;
  /** True when other machines see the same data (Redis, memcached). */
  readonly sharedAcrossMachines: boolean;
  /** True when `clear` costs the same whatever the number of keys (memcached's generations). */
  readonly constantTimeClear: boolean;
  /**
   * True when the store holds and compares keys as the JavaScript strings it is given, never
   * encoded (the memory store's Map). A key with a lone surrogate then matches no stored key,
   * so the service checks a `get`/`getString`/`getJson` key for lone surrogates only when the
   * read misses, and leaves that check on `set`/`setString`/`setJson` to the store: such a store
   * must reject a key it does not hold yet with INVALID_KEY when it has a lone surrogate or
   * starts with U+0000 (`validateKey` words it), before evicting anything, and keep its locks
   * (whose keys start with U+0000 under no namespace) apart from its data. Under no namespace the
   * service then leaves the leading U+0000 check to the store and a read's miss too, and reads
   * no character of the key on a hit. Callers still get INVALID_KEY either way. Absent means
   * false; a store that encodes keys (to UTF-8, to file names) must leave it so.
   */
  readonly exactStringKeys?: boolean | undefined;
}

/** Where a store reports its own events (evictions, expiry sweeps, connections): see {@link CacheStore.observe}. */
export interface StoreObserver {
  /** The service's listeners: test `events.wants(name)` before building an event. */
  readonly events: CacheEvents;
  /** The backend and namespace every event names. */
  readonly source: CacheEventSource;
  /** The caller's key for an event: `fullKey` without the namespace with `traceKeys`, else undefined. */
  key(fullKey: string): string | undefined;
}

/** What a store adds to the service's counters in `stats()`. */
export interface BackendStats {
  /** Entries held, where the store can tell cheaply. */
  itemCount?: number | undefined;
  /** Bytes held, where the store can tell. */
  memoryUsedBytes?: number | undefined;
  /** Entries the store removed to respect a bound, since it was made. */
  evictions?: number | undefined;
  /** Expired entries the store found or swept, since it was made. */
  expirations?: number | undefined;
  /** Failures the store noticed on its own (corrupt entries, failed sweeps), since it was made. */
  errors?: number | undefined;
  /** Store-specific figures (Redis INFO, memcached stats, the policy...). */
  backend?: Record<string, string | number> | undefined;
}

/**
 * A backend: the primitives a `CacheService` is built from with
 * `createCache(store, options)`. The service validates every argument,
 * applies the namespace and the TTL rules, guards against use after close,
 * keeps the counters and maps errors; a store only stores.
 *
 * Rules every store follows (docs/CONTRACT.md, "The store interface"):
 * - Keys are full keys (namespace included), well-formed strings; values are
 *   bytes the store may keep (the service never reuses them) and returns as
 *   its own copies unless documented otherwise.
 * - TTLs are whole milliseconds `>= 1`, or `Infinity` for no expiry.
 * - `setIfAbsent`, `getAndSet`, `increment`, `lock`, `unlock` and
 *   `extendLock` are atomic against every other client of the same storage.
 *   There is no default for any of them.
 * - Lock keys live in their own key space (`<prefix>\u0000lock:<name>`):
 *   `clear` never removes them, and data methods are never given one.
 * - A method may return its result or a native Promise of it, and may throw
 *   or reject; anything that is not a `CacheError` goes through
 *   {@link CacheStore.mapError}.
 */
export interface CacheStore {
  /** The backend's name, used in messages and as `CacheService.type`: `'memory'`, `'redis'`, `'acme-dynamo'`. */
  readonly name: string;
  /** What this store can do. */
  readonly capabilities: StoreCapabilities;

  /** The stored bytes, or `undefined` (or `null`) when absent or expired. */
  get(fullKey: string): Awaitable<Uint8Array | null | undefined>;
  /** Stores or replaces a value for `ttlMs`. */
  set(fullKey: string, value: Uint8Array, ttlMs: number): Awaitable<void>;
  /** Removes a live value; true if there was one. */
  delete(fullKey: string): Awaitable<boolean>;
  /** True if a live value is stored. */
  exists(fullKey: string): Awaitable<boolean>;
  /** Atomically stores the value only when no live value is stored; true if it stored. */
  setIfAbsent(fullKey: string, value: Uint8Array, ttlMs: number): Awaitable<boolean>;
  /** Atomically replaces the value (its TTL becomes `ttlMs`) and returns the previous one. */
  getAndSet(fullKey: string, value: Uint8Array, ttlMs: number): Awaitable<Uint8Array | undefined>;
  /**
   * Atomically adds `delta` to a decimal integer value (see `addToStoredInteger`
   * in `@pywatt/cache-core/store`). A missing key counts from 0 and expires after
   * `newKeyTtlMs`; an existing key keeps its expiry. Rejects with NOT_NUMERIC or
   * OUT_OF_RANGE naming `key`, the caller's key (without the namespace).
   */
  increment(fullKey: string, delta: number, newKeyTtlMs: number, key: string): Awaitable<number>;
  /** The values of `fullKeys` in their order, `undefined` or `null` for a miss. Never empty. */
  getMany(fullKeys: readonly string[]): Awaitable<ReadonlyArray<Uint8Array | null | undefined>>;
  /** Stores every pair with the same TTL. Never empty. */
  setMany(entries: ReadonlyArray<readonly [string, Uint8Array]>, ttlMs: number): Awaitable<void>;
  /** Removes the live values of distinct `fullKeys`; returns how many were removed. Never empty. */
  deleteMany(fullKeys: readonly string[]): Awaitable<number>;
  /**
   * Removes every value whose key starts with `fullPrefix` (`''`: all of them).
   * Never removes locks; a key with U+0000 right after `fullPrefix` is a lock.
   */
  clear(fullPrefix: string): Awaitable<void>;
  /** Atomically stores `token` under `lockKey` for `ttlMs` unless a live lock is there; true if taken. */
  lock(lockKey: string, token: string, ttlMs: number): Awaitable<boolean>;
  /** Atomically removes the lock if `token` holds it; true if it did. */
  unlock(lockKey: string, token: string): Awaitable<boolean>;
  /** Atomically re-arms the lock to `ttlMs` from now if `token` holds it. */
  extendLock(lockKey: string, token: string, ttlMs: number): Awaitable<boolean>;
  /** The store's own figures. */
  stats(): Awaitable<BackendStats>;
  /** Resolves when the store can serve; rejects (CONNECTION, UNAUTHORIZED...) otherwise. */
  ping(): Awaitable<void>;
  /** Releases timers, sockets and handles. Called once, by the service's `close()`. */
  close(): Awaitable<void>;
  /**
   * Called once by the service made over this store with where to report the
   * store's own events (`eviction`, `expirySweep`, `connectionLost`...). A
   * store that emits none leaves it out; a store served to several services
   * reports to the last one.
   */
  observe?(observer: StoreObserver): void;
  /**
   * Optional typed values, with {@link CacheStore.setString}: a store that can
   * hold text as given (an in-process map) implements both, and the service's
   * `getString`/`setString`/`getJson`/`setJson` then skip UTF-8 encoding and
   * decoding. Returns the text of a live entry, however it was written: for
   * bytes, their strict UTF-8 decoding (throws SERIALIZATION when they are not
   * UTF-8); `undefined` (or `null`) when absent or expired. A read counts as a
   * use, like `get`.
   */
  getString?(fullKey: string): Awaitable<string | null | undefined>;
  /**
   * Optional, with {@link CacheStore.getString}: stores `value`, a well-formed
   * string (the service replaces lone surrogates as UTF-8 encoding would), so
   * that `get` returns its UTF-8 bytes. Sizes count its UTF-8 length.
   */
  setString?(fullKey: string, value: string, ttlMs: number): Awaitable<void>;
  /**
   * Optional, with the two above: the JSON value of a live entry, `undefined`
   * when absent or expired. `parse` turns the entry's text into a fresh value
   * (throwing SERIALIZATION); a store that keeps decoded values (the memory
   * store's `decoded: 'frozen'`) deep-freezes what `parse` returned and answers
   * that same object until the entry is rewritten. Without this method the
   * service parses `getString`'s text.
   */
  getJson?(fullKey: string, parse: (text: string) => unknown): Awaitable<unknown>;
  /**
   * Turns an error a method threw that is not yet a `CacheError` (a driver's,
   * the file system's) into one with a specific code. Without it such errors
   * become INTERNAL.
   */
  mapError?(error: unknown, operation: string): CacheError;
}
