export * from '@pywatt/cache-core';
export { createCacheService } from './create.js';
export { cacheConfigFromEnv } from './env.js';
export { type BackendFactory, loadBackend } from './loaders.js';
export { parseCacheUrl, redactCacheUrl } from './url.js';
