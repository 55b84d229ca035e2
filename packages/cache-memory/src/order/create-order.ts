import type { CachePolicy } from '@pywatt/cache-core';
import type { EvictionOrder } from './eviction-order.js';
import { type LfuHistoryOptions, LfuOrder } from './lfu-order.js';
import { FifoOrder, LruOrder, MruOrder, NoEvictionOrder } from './list-orders.js';
import { TinyLfuOrder } from './tinylfu-order.js';

/** What sizes the frequency-keeping orders (`lfu`, `tinylfu`); the others ignore it. */
export interface OrderOptions extends LfuHistoryOptions {
  /** Overrides the `tinylfu` window climber's sample (tests); Infinity keeps the window fixed. */
  climbSampleSize?: number | undefined;
}

/** The eviction order of `policy` over `capacity` slots. */
export function createOrder(
  policy: CachePolicy,
  capacity: number,
  options: OrderOptions = { enabled: false },
): EvictionOrder {
  switch (policy) {
    case 'lru':
      return new LruOrder(capacity);
    case 'mru':
      return new MruOrder(capacity);
    case 'fifo':
      return new FifoOrder(capacity);
    case 'lfu':
      return new LfuOrder(capacity, options);
    case 'tinylfu':
      return new TinyLfuOrder(capacity, {
        enabled: options.enabled,
        maxItems: options.maxItems ?? Number.POSITIVE_INFINITY,
        sampleSize: options.sampleSize,
        climbSampleSize: options.climbSampleSize,
        hotKeys: options.hotKeys,
      });
    case 'none':
      return new NoEvictionOrder();
  }
}
