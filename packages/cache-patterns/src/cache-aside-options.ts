import type { Codec } from '@pywatt/cache-core';

/** What a loader returns to say "this key has no value" (from {@link LoaderContext.notFound}). */
export const NOT_FOUND: unique symbol = Symbol.for('pywatt.cache-aside.not-found');
/** The type of {@link NOT_FOUND}. */
export type NotFound = typeof NOT_FOUND;

/** What a loader receives. */
export interface LoaderContext {
  /** The key being loaded. */
  readonly key: string;
  /** Aborted when `hardTimeoutMs` runs out; pass it on to fetch, database drivers and the like. */
  readonly signal: AbortSignal;
  /**
   * Returns the marker a loader returns for "no such value": it is cached for
   * `notFoundTtlMs` (an entry of its own kind, distinct from any stored value),
   * `find` resolves `undefined` and `get` rejects with {@link NotFoundError}.
   */
  notFound(): NotFound;
}

/** Loads the value of a key from the source of truth, or says it has none (`return ctx.notFound()`). */
export type Loader<T> = (context: LoaderContext) => T | NotFound | Promise<T | NotFound>;

/** Where a failure that no caller sees happened (see {@link CacheAsideOptions.onError}). */
export type CacheAsideErrorPhase = 'read' | 'write' | 'refresh' | 'lock';

/**
 * Options a single read may override (`get(key, loader, options)`); the
 * instance's options are the defaults. Durations are milliseconds.
 */
export interface CacheAsideCallOptions {
  /** How long a loaded value is fresh, in ms (positive, or `Infinity`). Default: the cache's `defaultTtlMs`. */
  ttlMs?: number | undefined;
  /**
   * Stale-while-revalidate window after the fresh time, in ms. A read in this
   * window returns the stale value at once and starts one background refresh;
   * if the refresh fails the stale value keeps being served until the window
   * ends. Default 0 (off).
   */
  staleMs?: number | undefined;
  /**
   * Grace (stale-if-error) after the fresh and stale windows, in ms. A read in
   * grace refreshes in the foreground; when the refresh fails (the loader throws
   * or times out, or the cache cannot store the result) the old value is
   * returned instead of the error, and the key is held for `graceBackoffMs`.
   * Bound: a value is never served more than `ttlMs + staleMs + graceMs` after
   * it was loaded. Default 0 (off: a failed refresh past `staleMs` rejects).
   */
  graceMs?: number | undefined;
  /**
   * With grace on, how long a key whose refresh failed is not retried, in ms:
   * reads in that window get the held value (the grace value, or the value the
   * loader returned when only the cache write failed) without calling the
   * loader or the cache. Bound: at most one loader call per key per window in
   * this process. Default 5,000.
   */
  graceBackoffMs?: number | undefined;
  /**
   * A caller that holds a value (in grace, or held after a failure) waits at
   * most this long for a refresh, in ms, then gets that value while the load
   * goes on and fills the cache when it ends. A caller without one waits past
   * it until the loader answers. With it set, no caller waits for the cache
   * write once the loader has answered. Bound: a caller that holds a value
   * waits at most `softTimeoutMs` for the load (plus its own cache read).
   * Default: off (callers wait for the load and the cache write).
   */
  softTimeoutMs?: number | undefined;
  /**
   * A load that takes longer rejects with CacheError `TIMEOUT` and its signal
   * aborts (in grace, the old value is returned instead). Default: no limit.
   */
  hardTimeoutMs?: number | undefined;
  /** How long a loader's "not found" (`ctx.notFound()`) is cached, in ms. Default 5,000. */
  notFoundTtlMs?: number | undefined;
  /**
   * A random ±fraction applied to every fresh time written (values, "not
   * found", cached errors), in [0, 1): 0.1 spreads a 60 s TTL over 54–66 s so
   * keys written together do not expire together. Default 0.
   */
  ttlJitter?: number | undefined;
}

/** Options of {@link CacheAside} and {@link cacheAside}. Durations are milliseconds. */
export interface CacheAsideOptions<T> extends CacheAsideCallOptions {
  /** Turns values into bytes and back. Default `jsonCodec`. */
  codec?: Codec<T> | undefined;
  /**
   * Probabilistic early refresh (XFetch, Vattani et al., VLDB 2015): a fresh
   * read starts a background refresh when `now − δ·beta·ln(random()) ≥ freshUntil`,
   * δ being the measured duration of the last load. Default false.
   */
  earlyRefresh?: boolean | undefined;
  /** XFetch's β: above 1 refreshes earlier, below 1 later. Default 1. */
  beta?: number | undefined;
  /**
   * Cross-process single flight: a miss takes the cache lock `aside:<key>` for
   * this many ms, so only one process loads; the others wait (see
   * `lockWaitMs`) and read what it wrote. Should exceed the load time.
   * Default: off (single flight within this process only).
   */
  lockTtlMs?: number | undefined;
  /** Longest wait for another process's load, in ms; then this process loads itself. Default `lockTtlMs`. */
  lockWaitMs?: number | undefined;
  /** How often a waiting process looks for the value, in ms. Default 25. */
  lockPollMs?: number | undefined;
  /** @deprecated the former name of `hardTimeoutMs`, still honoured when `hardTimeoutMs` is not given. */
  loaderTimeoutMs?: number | undefined;
  /**
   * Negative caching: a failed load is remembered for this many ms, and reads
   * in that time reject with {@link CachedLoaderError} without calling the
   * loader. Default: off (a failed load is never cached).
   */
  cacheErrorsMs?: number | undefined;
  /**
   * Receives failures no caller sees: a cache read or write that failed (the
   * value is then loaded or returned anyway), a failed background refresh, a
   * failed unlock. Default: ignored. A hook that throws is ignored too.
   */
  onError?:
    | ((error: unknown, context: { key: string; phase: CacheAsideErrorPhase }) => void)
    | undefined;
  /** A source of randomness in [0, 1) for early refresh and `ttlJitter`; for tests. Default `Math.random`. */
  random?: (() => number) | undefined;
}

/**
 * What a read rejects with while a failed load is negatively cached
 * (`cacheErrorsMs`). Carries the original error's name and message, which may
 * come from another process.
 */
export class CachedLoaderError extends Error {
  /** The name of the loader's original error. */
  readonly originalName: string;
  /** When the cached failure expires, in ms since the epoch. */
  readonly cachedUntil: number;

  constructor(originalName: string, message: string, cachedUntil: number) {
    super(message);
    this.name = 'CachedLoaderError';
    this.originalName = originalName;
    this.cachedUntil = cachedUntil;
  }
}

/** What `get` rejects with when the loader said "not found" (now, or within `notFoundTtlMs` before). */
export class NotFoundError extends Error {
  /** The key that has no value. */
  readonly key: string;

  constructor(key: string) {
    super(`no value for key ${JSON.stringify(key)}: the loader said not found`);
    this.name = 'NotFoundError';
    this.key = key;
  }
}
