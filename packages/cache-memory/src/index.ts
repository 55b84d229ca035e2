export { createMemoryCache, InMemoryCache } from './in-memory-cache.js';
export {
  DEFAULT_SWEEP_INTERVAL_MS,
  type MemoryCacheConfig,
  type MemoryCacheOptions,
  memoryConfigSchema,
  SWEEP_BUDGET,
} from './memory-config.js';
export { MemoryStore } from './memory-store.js';
export { type HotKey, MAX_HOT_KEYS } from './order/hot-keys.js';
