export * from '@pywatt/cache-core';
export {
  type BuiltinCacheConfig,
  type CacheConfig,
  createCacheService,
  parseCacheUrl,
} from './create.js';
export { cacheConfigFromEnv } from './env.js';
export {
  type BackendFactory,
  type BackendRegistration,
  type CustomCacheConfig,
  loadBackend,
  registerBackend,
} from './registry.js';
export type { TierFields } from './tier.js';
export {
  credentials,
  hostPort,
  type ParamKind,
  type ParsedCacheUrl,
  redactCacheUrl,
  urlError,
  withPort,
} from './url.js';
