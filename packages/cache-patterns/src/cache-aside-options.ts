import type { Codec } from '@pywatt/cache-core';

/** What a loader receives. */
export interface LoaderContext {
  /** The key being loaded. */
  readonly key: string;
  /** Aborted when `loaderTimeoutMs` runs out; pass it on to fetch, database drivers and the like. */
  readonly signal: AbortSignal;
}

/** Loads the value of a key from the source of truth. */
export type Loader<T> = (context: LoaderContext) => T | Promise<T>;

/** Where a failure that no caller sees happened (see {@link CacheAsideOptions.onError}). */
export type CacheAsideErrorPhase = 'read' | 'write' | 'refresh' | 'lock';

/** Options of {@link CacheAside} and {@link cacheAside}. Durations are milliseconds. */
export interface CacheAsideOptions<T> {
  /** Turns values into bytes and back. Default `jsonCodec`. */
  codec?: Codec<T> | undefined;
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
  /** A load that takes longer rejects with CacheError `TIMEOUT` and its signal aborts. Default: no limit. */
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
   * failed unlock. Default: ignored. Must not throw.
   */
  onError?:
    | ((error: unknown, context: { key: string; phase: CacheAsideErrorPhase }) => void)
    | undefined;
  /** A source of randomness in [0, 1) for early refresh; for tests. Default `Math.random`. */
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
