export { createMemoryCache } from './create-memory-cache.js';
export { InMemoryCache } from './memory-cache.js';
export {
  DEFAULT_SWEEP_INTERVAL_MS,
  type MemoryCacheOptions,
  SWEEP_BUDGET,
} from './memory-config.js';
export { type HotKey, MAX_HOT_KEYS } from './order/hot-keys.js';
