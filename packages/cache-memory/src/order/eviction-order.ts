import type { CachePolicy } from '@pywatt/cache-core';
import { type LfuHistoryOptions, LfuOrder } from './lfu-order.js';
import { FifoOrder, LruOrder, MruOrder, NoEvictionOrder } from './list-orders.js';
import { TinyLfuOrder } from './tinylfu-order.js';

/**
 * The order in which a policy gives up entries, kept over the store's slot
 * numbers. Every method is O(1) (amortised for `grow`).
 * `victim(pinned)` never returns `pinned` (the entry being replaced).
 */
export interface EvictionOrder {
  /** Room for slots 0 … `capacity` − 1 (the store's slot count grew). */
  grow(capacity: number): void;
  /** A new entry was stored in `slot`. */
  add(slot: number, key: string): void;
  /** The entry in `slot` was read or rewritten. */
  touch(slot: number, key: string): void;
  /** The entry in `slot` left the cache. */
  remove(slot: number): void;
  /** The slot this policy evicts next, other than `pinned`; NO_SLOT when there is none. */
  victim(pinned: number): number;
  /** Forgets every entry; the store starts again with `capacity` slots. */
  reset(capacity: number): void;
}

/** What sizes the frequency-keeping orders (`lfu`, `tinylfu`); the others ignore it. */
export interface OrderOptions extends LfuHistoryOptions {
  /** Overrides the `tinylfu` window climber's sample (tests); Infinity keeps the window fixed. */
  climbSampleSize?: number | undefined;
  /** The `tinylfu` window's starting share (bench: a fixed window swept with hindsight). */
  windowShare?: number | undefined;
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
        windowShare: options.windowShare,
        hotKeys: options.hotKeys,
      });
    case 'none':
      return new NoEvictionOrder();
  }
}
