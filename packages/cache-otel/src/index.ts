export {
  type CacheInstrumentation,
  type CacheInstrumentationOptions,
  instrumentCaches,
} from './instrumentation.js';
export { AttributeName, DATABASE_BACKENDS, MetricName, type Outcome } from './names.js';
export type { CacheAttributes, StatsSource } from './observed-caches.js';
