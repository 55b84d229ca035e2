import type { BackendStats } from './store.js';
import type { CacheStats } from './types.js';

/** The counters a cache or a store keeps since its creation (see {@link CacheStats}). */
export interface StatsCounters {
  hits: number;
  misses: number;
  sets: number;
  deletes: number;
  evictions: number;
  expirations: number;
  errors: number;
}

/** Fresh zeroed counters. */
export function createCounters(): StatsCounters {
  return { hits: 0, misses: 0, sets: 0, deletes: 0, evictions: 0, expirations: 0, errors: 0 };
}

/** Combines a service's counters with its store's figures into a {@link CacheStats}. */
export function buildStats(counters: StatsCounters, store: BackendStats): CacheStats {
  const reads = counters.hits + counters.misses;
  return {
    ...counters,
    evictions: counters.evictions + (store.evictions ?? 0),
    expirations: counters.expirations + (store.expirations ?? 0),
    errors: counters.errors + (store.errors ?? 0),
    itemCount: store.itemCount,
    memoryUsedBytes: store.memoryUsedBytes,
    hitRate: reads === 0 ? 0 : counters.hits / reads,
    backend: store.backend ?? {},
  };
}
