import type { CachePolicy } from '@pywatt/cache-core';
import type { EvictionOrder } from './eviction-order.js';
import { LfuOrder } from './lfu-order.js';
import { FifoOrder, LruOrder, MruOrder, NoEvictionOrder } from './list-orders.js';

/** The eviction order of `policy`. */
export function createOrder(policy: CachePolicy): EvictionOrder {
  switch (policy) {
    case 'lru':
      return new LruOrder();
    case 'mru':
      return new MruOrder();
    case 'fifo':
      return new FifoOrder();
    case 'lfu':
      return new LfuOrder();
    case 'none':
      return new NoEvictionOrder();
  }
}
