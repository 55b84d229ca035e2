import type { EvictionOrder } from './eviction-order.js';
import { Links, NO_SLOT, SlotList } from './slot-list.js';

/** Least recently used goes first. */
export class LruOrder implements EvictionOrder {
  protected links: Links;
  protected readonly list = new SlotList();

  constructor(capacity: number) {
    this.links = new Links(capacity);
  }

  grow(capacity: number): void {
    this.links.grow(capacity);
  }
  add(slot: number): void {
    this.list.pushFront(this.links, slot);
  }
  touch(slot: number): void {
    this.list.moveToFront(this.links, slot);
  }
  remove(slot: number): void {
    this.list.unlink(this.links, slot);
  }
  victim(pinned: number): number {
    const last = this.list.back;
    return last === pinned && last !== NO_SLOT ? (this.links.prev[last] as number) : last;
  }
  reset(capacity: number): void {
    this.links = new Links(capacity);
    this.list.reset();
  }
}

/** Most recently used goes first (good for cyclic scans larger than the cache). */
export class MruOrder extends LruOrder {
  override victim(pinned: number): number {
    const first = this.list.front;
    return first === pinned && first !== NO_SLOT ? (this.links.next[first] as number) : first;
  }
}

/** Oldest stored goes first; reads and rewrites do not change the order. */
export class FifoOrder extends LruOrder {
  override touch(): void {}
}

/** Never offers a victim, so it keeps no order at all. */
export class NoEvictionOrder implements EvictionOrder {
  grow(): void {}
  add(): void {}
  touch(): void {}
  remove(): void {}
  victim(): number {
    return NO_SLOT;
  }
  reset(): void {}
}
