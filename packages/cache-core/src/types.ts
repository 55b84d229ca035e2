import type { CacheEventListener, CacheEventName } from './observability.js';

/**
 * The names of the built-in backends, usable as `CacheType.MEMORY` or as the
 * literal `'memory'`. Core knows no backend beyond these names: any store may
 * call itself anything (`'acme-dynamo'`).
 */
export const CacheType = {
  MEMORY: 'memory',
  FILE: 'file',
  REDIS: 'redis',
  MEMCACHED: 'memcached',
  PROXY: 'proxy',
} as const;
/** A backend's name: one of the built-in {@link CacheType} strings, or any other store's `name`. */
export type CacheType = (typeof CacheType)[keyof typeof CacheType] | (string & {});

/** Eviction policies. Usable as `CachePolicy.LRU` or as the literal `'lru'`. */
export const CachePolicy = {
  /** Evicts the least recently used entry. */
  LRU: 'lru',
  /** Evicts the oldest stored entry, whatever its use. */
  FIFO: 'fifo',
  /** Evicts the most recently used entry. */
  MRU: 'mru',
  /** Evicts the least frequently used entry; ties go to the least recently used. */
  LFU: 'lfu',
  /**
   * W-TinyLFU: a small LRU admission window in front of a segmented LRU,
   * a frequency sketch deciding which of the two oldest stays (scan-resistant).
   */
  TINYLFU: 'tinylfu',
  /** Never evicts: storing a new key in a full cache rejects with CAPACITY_EXCEEDED. */
  NONE: 'none',
} as const;
/** One of the {@link CachePolicy} strings. */
export type CachePolicy = (typeof CachePolicy)[keyof typeof CachePolicy];

/** Options of the write methods. */
export interface SetOptions {
  /**
   * Time to live in milliseconds: a positive number, or `Infinity` for no expiry.
   * Omitted means the cache's `defaultTtlMs`.
   */
  ttlMs?: number | undefined;
}

/** What `setMany` accepts: a Map, any iterable of pairs, or a plain record. */
export type CacheEntries =
  | ReadonlyMap<string, Uint8Array>
  | Iterable<readonly [string, Uint8Array]>
  | Readonly<Record<string, Uint8Array>>;

/** Counters and sizes of one cache instance. */
export interface CacheStats {
  /** Reads that found a value. */
  hits: number;
  /** Reads that found nothing (absent or expired). */
  misses: number;
  /** Values stored. */
  sets: number;
  /** Entries removed by delete calls. */
  deletes: number;
  /** Entries removed to respect a bound. */
  evictions: number;
  /** Entries found or swept expired. */
  expirations: number;
  /** Operations that failed for a reason other than their arguments. */
  errors: number;
  /** Entries held, where the backend can tell cheaply. */
  itemCount: number | undefined;
  /** Bytes held, where the backend can tell. */
  memoryUsedBytes: number | undefined;
  /** hits / (hits + misses); 0 when both are 0. */
  hitRate: number;
  /** Backend-specific figures (Redis INFO, memcached stats, the policy...). */
  backend: Record<string, string | number>;
}

/**
 * The contract every PyWatt cache honours. Values are bytes; keys are
 * non-empty strings of at most 1024 UTF-8 bytes; durations are milliseconds.
 * After `close()` every method rejects with `CLOSED`.
 */
export interface CacheService extends AsyncDisposable {
  /** The backend behind this cache: its store's `name`. */
  readonly type: CacheType;
  /** The TTL used when a write gives none, in milliseconds (`Infinity`: no expiry). */
  readonly defaultTtlMs: number;

  /** The stored bytes, or undefined on a miss or after expiry. */
  get(key: string): Promise<Uint8Array | undefined>;
  /** Stores or replaces a value. */
  set(key: string, value: Uint8Array, options?: SetOptions): Promise<void>;
  /** Removes a key; true if something was removed. */
  delete(key: string): Promise<boolean>;
  /** True if the key holds a live value, without fetching it. */
  exists(key: string): Promise<boolean>;
  /** Atomically stores the value only if the key is absent; true if it stored. */
  setIfAbsent(key: string, value: Uint8Array, options?: SetOptions): Promise<boolean>;
  /** Atomically replaces the value and returns the previous one. */
  getAndSet(key: string, value: Uint8Array, options?: SetOptions): Promise<Uint8Array | undefined>;
  /**
   * Atomically adds `delta` (a safe integer, default 1) to a decimal integer
   * value. A missing key counts from 0 and gets the default TTL; an existing
   * key keeps its expiry. Rejects with NOT_NUMERIC when the stored value is
   * not a decimal integer, OUT_OF_RANGE when the result is not a safe integer.
   * `options.ttlMs` is the TTL a missing key gets (default `defaultTtlMs`); it
   * never changes an existing key's expiry.
   */
  increment(key: string, delta?: number, options?: SetOptions): Promise<number>;
  /** `increment(key, -delta, options)`. May go below zero. */
  decrement(key: string, delta?: number, options?: SetOptions): Promise<number>;
  /** The values found; misses are absent from the map. */
  getMany(keys: Iterable<string>): Promise<Map<string, Uint8Array>>;
  /** Stores every entry with the same options. */
  setMany(entries: CacheEntries, options?: SetOptions): Promise<void>;
  /** Removes the keys; returns how many were removed. */
  deleteMany(keys: Iterable<string>): Promise<number>;
  /**
   * Removes every value this cache owns, or, with a prefix, those whose key
   * starts with `prefix + ':'`. Never touches keys outside the namespace.
   * Held locks stay held.
   */
  clear(prefix?: string): Promise<void>;
  /** Same as `clear()`; kept for parity with the original module. */
  flush(): Promise<void>;
  /**
   * Atomically takes the lock named `key` for `ttlMs` milliseconds. Returns a
   * fresh unguessable token, or undefined if someone else holds it.
   */
  lock(key: string, ttlMs: number): Promise<string | undefined>;
  /** Atomically frees the lock if `token` still holds it; true if it did. */
  unlock(key: string, token: string): Promise<boolean>;
  /** Atomically re-arms the lock to `ttlMs` from now if `token` still holds it. */
  extendLock(key: string, token: string, ttlMs: number): Promise<boolean>;
  /** Counters and sizes. */
  stats(): Promise<CacheStats>;
  /** Rejects with CONNECTION when the backend is unreachable. */
  ping(): Promise<void>;
  /** Releases timers, sockets and handles. Idempotent. */
  close(): Promise<void>;

  /** UTF-8 text convenience over `get`. */
  getString(key: string): Promise<string | undefined>;
  /** UTF-8 text convenience over `set`. */
  setString(key: string, value: string, options?: SetOptions): Promise<void>;
  /** JSON convenience over `get` (prototype-pollution safe). */
  getJson<T = unknown>(key: string): Promise<T | undefined>;
  /** JSON convenience over `set`. */
  setJson(key: string, value: unknown, options?: SetOptions): Promise<void>;

  /**
   * Subscribes to one event: evictions, expiry sweeps, connection loss and recovery,
   * and the bus, breaker and refresh events of the caches that have them (see
   * `CacheEventMap` and docs/OBSERVABILITY.md). Returns the function that
   * unsubscribes. An event nobody listens to is never built; a listener that
   * throws does not fail the operation.
   */
  on<E extends CacheEventName>(event: E, listener: CacheEventListener<E>): () => void;
}
