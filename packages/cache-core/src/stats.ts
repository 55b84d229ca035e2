import type { CacheStats } from './types.js';

/** The counters a cache keeps since its creation (see {@link CacheStats}). */
export interface StatsCounters {
  hits: number;
  misses: number;
  sets: number;
  deletes: number;
  evictions: number;
  expirations: number;
  errors: number;
}

/** What a backend adds to its counters in `stats()`. */
export interface BackendStats {
  itemCount?: number | undefined;
  memoryUsedBytes?: number | undefined;
  backend?: Record<string, string | number> | undefined;
}

/** Fresh zeroed counters. */
export function createCounters(): StatsCounters {
  return { hits: 0, misses: 0, sets: 0, deletes: 0, evictions: 0, expirations: 0, errors: 0 };
}

/** Combines counters with a backend's figures into a {@link CacheStats}. */
export function buildStats(counters: StatsCounters, extra: BackendStats): CacheStats {
  const reads = counters.hits + counters.misses;
  return {
    ...counters,
    itemCount: extra.itemCount,
    memoryUsedBytes: extra.memoryUsedBytes,
    hitRate: reads === 0 ? 0 : counters.hits / reads,
    backend: extra.backend ?? {},
  };
}
