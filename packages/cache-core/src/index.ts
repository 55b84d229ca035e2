export {
  checkToken,
  checkValue,
  decodeWith,
  encodeWith,
  resolveLockTtl,
  resolveTtl,
} from './argument-checks.js';
export { BaseCache, type BaseCacheOptions } from './base-cache.js';
export { CacheLifecycle } from './cache-lifecycle.js';
export { bytesCodec, type Codec, jsonCodec, stringCodec } from './codecs.js';
export type {
  BaseCacheConfig,
  CacheConfig,
  FileCacheConfig,
  MemcachedCacheConfig,
  MemoryCacheConfig,
  ProxyCacheConfig,
  RedisCacheConfig,
  WithOptionalType,
} from './config.js';
export {
  baseConfigSchema,
  type ConfigSchema,
  type FieldRule,
  rules,
  validateConfig,
} from './config-validation.js';
export { entriesToArray, keysToArray } from './entries.js';
export { CacheError, CacheErrorCode, type CacheErrorOptions, describeError } from './errors.js';
export {
  addToStoredInteger,
  encodeStoredInteger,
  outOfRange,
  parseStoredInteger,
  validateDelta,
} from './integers.js';
export {
  LOCK_KEY_SPACE,
  MAX_KEY_BYTES,
  MAX_NAMESPACE_BYTES,
  namespacePrefix,
  RESERVED_KEY_PREFIX,
  validateKey,
  validateNamespace,
  validatePrefix,
} from './keys.js';
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
export { readyOrClosed } from './ready.js';
export { type BackendStats, buildStats, createCounters, type StatsCounters } from './stats.js';
export { DEFAULT_TTL_MS, MAX_FINITE_TTL_MS, normalizeTtl } from './ttl.js';
export {
  type CacheEntries,
  CachePolicy,
  type CacheService,
  type CacheStats,
  CacheType,
  type SetOptions,
} from './types.js';
