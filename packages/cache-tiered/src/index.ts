export type { BusListener, BusMembership, Invalidation, InvalidationBus } from './bus.js';
export {
  createTieredCache,
  type L1Options,
  type StoreBackedCache,
  type TieredCacheOptions,
} from './create-tiered-cache.js';
export type { RedisBusOptions } from './redis-bus-base.js';
export { createRedisBus, type RedisPubSubBusOptions } from './redis-pubsub-bus.js';
export { createRedisTrackingBus } from './redis-tracking-bus.js';
export { TieredCache } from './tiered-cache.js';
export { TieredStore } from './tiered-store.js';
