import type { CachePolicy } from '@pywatt/cache-core';
import type { EvictionOrder } from './eviction-order.js';
import { type LfuHistoryOptions, LfuOrder } from './lfu-order.js';
import { FifoOrder, LruOrder, MruOrder, NoEvictionOrder } from './list-orders.js';

/** The eviction order of `policy` over `capacity` slots; `history` applies to `lfu` only. */
export function createOrder(
  policy: CachePolicy,
  capacity: number,
  history: LfuHistoryOptions = { enabled: false },
): EvictionOrder {
  switch (policy) {
    case 'lru':
      return new LruOrder(capacity);
    case 'mru':
      return new MruOrder(capacity);
    case 'fifo':
      return new FifoOrder(capacity);
    case 'lfu':
      return new LfuOrder(capacity, history);
    case 'none':
      return new NoEvictionOrder();
  }
}
