// The user API. Helpers for backend authors live in `@pywatt/cache-core/store`.
export { bytesCodec, type Codec, jsonCodec, stringCodec } from './codecs.js';
export type { BaseCacheConfig, CacheServiceOptions } from './config-validation.js';
export { CacheError, CacheErrorCode, type CacheErrorOptions, describeError } from './errors.js';
export { MAX_KEY_BYTES, MAX_NAMESPACE_BYTES } from './keys.js';
export {
  type BreakerEvent,
  type BusEvent,
  CACHE_EVENTS_CHANNEL,
  CacheChannelName,
  type CacheEventListener,
  type CacheEventMap,
  type CacheEventMessage,
  type CacheEventName,
  type CacheEventSource,
  CacheEvents,
  type CacheOperationContext,
  type ConnectionEvent,
  cacheChannels,
  type EvictionEvent,
  type ExpirySweepEvent,
  type OperationFamily,
  type RefreshFailedEvent,
  subscribeCacheChannel,
  traceOperation,
} from './observability.js';
export {
  DEFAULT_SAMPLE_EVERY,
  type DurationListener,
  type DurationSamplingOptions,
  sampleDurations,
} from './operation-timing.js';
export type { StatsCounters } from './stats.js';
export type {
  Awaitable,
  BackendStats,
  CacheStore,
  StoreCapabilities,
  StoreObserver,
} from './store.js';
export { createCache, StoreCache } from './store-cache.js';
export { DEFAULT_TTL_MS, MAX_FINITE_TTL_MS } from './ttl.js';
export {
  type CacheEntries,
  CachePolicy,
  type CacheService,
  type CacheStats,
  CacheType,
  type SetOptions,
} from './types.js';
