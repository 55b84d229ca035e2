import type { Entry } from '../entry.js';
import type { EvictionOrder } from './eviction-order.js';
import { RecencyList } from './recency-list.js';

/** Least recently used goes first. */
export class LruOrder extends RecencyList implements EvictionOrder {
  add(entry: Entry): void {
    this.pushFront(entry);
  }
  touch(entry: Entry): void {
    this.moveToFront(entry);
  }
  remove(entry: Entry): void {
    this.unlink(entry);
  }
  victim(pinned?: Entry): Entry | undefined {
    const last = this.back;
    return (last === pinned ? last?.prev : last) ?? undefined;
  }
}

/** Most recently used goes first (good for cyclic scans larger than the cache). */
export class MruOrder extends LruOrder {
  override victim(pinned?: Entry): Entry | undefined {
    const first = this.front;
    return (first === pinned ? first?.next : first) ?? undefined;
  }
}

/** Oldest stored goes first; reads and rewrites do not change the order. */
export class FifoOrder extends LruOrder {
  override touch(): void {}
}

/** Keeps insertion order only so entries can be listed; never offers a victim. */
export class NoEvictionOrder extends FifoOrder {
  override victim(): Entry | undefined {
    return undefined;
  }
}
