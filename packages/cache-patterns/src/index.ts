export { CACHE_ASIDE_LOCK_PREFIX, CacheAside, cacheAside } from './cache-aside.js';
export {
  type CacheAsideCallOptions,
  type CacheAsideErrorPhase,
  type CacheAsideOptions,
  CachedLoaderError,
  type Loader,
  type LoaderContext,
  NOT_FOUND,
  type NotFound,
  NotFoundError,
} from './cache-aside-options.js';
export {
  type BreakerState,
  type CircuitBreakerOptions,
  CircuitBreakerStore,
  withCircuitBreaker,
} from './circuit-breaker-store.js';
export { DistributedLock, FENCE_KEY_PREFIX, withLock } from './distributed-lock.js';
export type { AcquireOptions, DistributedLockOptions } from './distributed-lock-options.js';
export {
  type EventInvalidationOptions,
  EventInvalidationStrategy,
  type InvalidationStrategy,
  LruInvalidationStrategy,
  TtlInvalidationStrategy,
} from './invalidation.js';
export { WriteBehind } from './write-behind.js';
export type {
  FailedWrite,
  WriteBatchResult,
  WriteBehindOptions,
  WriteBehindRecord,
} from './write-behind-options.js';
export {
  type SourceWriter,
  WriteThrough,
  type WriteThroughOptions,
  writeThrough,
} from './write-through.js';
