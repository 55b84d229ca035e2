/**
 * The metric and attribute names this package records. OpenTelemetry has no
 * semantic conventions for caches yet, so the `cache.*` names below are ours
 * (documented in docs/OBSERVABILITY.md); Redis and Memcached spans follow the
 * database client conventions (`db.system.name`, `db.operation.name`).
 */
export const MetricName = {
  /** Counter of requests by `cache.outcome` (hit, miss, error), from the cache's stats. */
  REQUESTS: 'cache.requests',
  /** Histogram of operation durations, in seconds. */
  OPERATION_DURATION: 'cache.operation.duration',
  /** Counter of entries evicted to respect a bound, from the cache's stats. */
  EVICTIONS: 'cache.evictions',
  /** Gauge of entries held. */
  ENTRIES: 'cache.entries',
  /** Gauge of bytes held (the backend's estimate). */
  SIZE: 'cache.size',
} as const;

/** Attribute names. */
export const AttributeName = {
  TIER: 'cache.tier',
  BACKEND: 'cache.backend',
  NAMESPACE: 'cache.namespace',
  OPERATION: 'cache.operation',
  OUTCOME: 'cache.outcome',
  HIT: 'cache.hit',
  KEY_COUNT: 'cache.key_count',
  ERROR_TYPE: 'error.type',
  DB_SYSTEM_NAME: 'db.system.name',
  DB_OPERATION_NAME: 'db.operation.name',
  DB_BATCH_SIZE: 'db.operation.batch.size',
} as const;

/** Backends whose spans are database client spans (kind CLIENT, `db.system.name` set). */
export const DATABASE_BACKENDS: ReadonlySet<string> = new Set(['redis', 'memcached']);

/** `cache.outcome` values. */
export type Outcome = 'hit' | 'miss' | 'success' | 'error';
