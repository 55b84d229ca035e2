import { createOrder } from '../../packages/cache-memory/src/order/eviction-order.js';
import { NO_SLOT } from '../../packages/cache-memory/src/order/slot-list.js';
import type { Trace } from './trace-replay.js';

// The hindsight reference reaches into cache-memory's eviction order directly: a fixed
// window share is not (and should not be) a public option. The store drives the order
// the same way (touch on a hit; on a miss, victim + remove while full, then add), so a
// replay here gives exactly the hit ratio of `get`/`set` through the public API.

/** Window shares the hindsight sweep tries, 0 % (a 1-entry window) … 100 % (plain LRU). */
export const WINDOW_SHARES = [
  0, 0.01, 0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1,
];

/** Hit ratio of `tinylfu` at `maxItems` with its window fixed at `windowShare` (no climbing). */
export function fixedWindowHitRatio(
  trace: Trace,
  keys: string[],
  maxItems: number,
  windowShare: number,
): number {
  let capacity = 16;
  const order = createOrder('tinylfu', capacity, {
    enabled: true,
    maxItems,
    climbSampleSize: Number.POSITIVE_INFINITY,
    windowShare,
  });
  const slotOf = new Int32Array(trace.distinct).fill(NO_SLOT);
  const idOf: number[] = [];
  const free: number[] = [];
  let used = 0;
  let held = 0;
  let hits = 0;
  for (const id of trace.accesses) {
    const key = keys[id] as string;
    const slot = slotOf[id] as number;
    if (slot !== NO_SLOT) {
      hits++;
      order.touch(slot, key);
      continue;
    }
    if (held >= maxItems) {
      const victim = order.victim(NO_SLOT);
      order.remove(victim);
      slotOf[idOf[victim] as number] = NO_SLOT;
      free.push(victim);
      held--;
    }
    let taken = free.pop();
    if (taken === undefined) {
      taken = used++;
      if (taken === capacity) {
        capacity *= 2;
        order.grow(capacity);
      }
    }
    idOf[taken] = id;
    slotOf[id] = taken;
    held++;
    order.add(taken, key);
  }
  return hits / trace.accesses.length;
}

/** The best hit ratio over {@link WINDOW_SHARES}, chosen knowing the whole trace, and its share. */
export function bestFixedWindow(
  trace: Trace,
  keys: string[],
  maxItems: number,
): { ratio: number; share: number } {
  let best = { ratio: -1, share: 0 };
  for (const share of WINDOW_SHARES) {
    const ratio = fixedWindowHitRatio(trace, keys, maxItems, share);
    if (ratio > best.ratio) best = { ratio, share };
  }
  return best;
}
