import type { Entry } from '../entry.js';
import type { EvictionOrder } from './eviction-order.js';
import { RecencyList } from './recency-list.js';

/** The entries used exactly `count` times, most recent at the front. */
export class FrequencyBucket extends RecencyList {
  /** Buckets form a list of their own, ascending by count. */
  lower: FrequencyBucket | null = null;
  higher: FrequencyBucket | null = null;
  constructor(readonly count: number) {
    super();
  }
}

/**
 * Least frequently used goes first, ties to the least recently used: the O(1)
 * scheme of Shah, Mitra and Matani (2010). Non-empty buckets are chained in
 * ascending count; an entry moves to the next bucket on each use, so no
 * operation ever scans or sorts.
 */
export class LfuOrder implements EvictionOrder {
  #lowest: FrequencyBucket | null = null;

  add(entry: Entry): void {
    let bucket = this.#lowest;
    if (bucket === null || bucket.count !== 1) {
      bucket = new FrequencyBucket(1);
      bucket.higher = this.#lowest;
      if (this.#lowest !== null) this.#lowest.lower = bucket;
      this.#lowest = bucket;
    }
    bucket.pushFront(entry);
    entry.bucket = bucket;
  }

  touch(entry: Entry): void {
    const from = entry.bucket as FrequencyBucket;
    let to = from.higher;
    if (to === null || to.count !== from.count + 1) {
      to = new FrequencyBucket(from.count + 1);
      to.lower = from;
      to.higher = from.higher;
      if (from.higher !== null) from.higher.lower = to;
      from.higher = to;
    }
    from.unlink(entry);
    if (from.front === null) this.#drop(from);
    to.pushFront(entry);
    entry.bucket = to;
  }

  remove(entry: Entry): void {
    const bucket = entry.bucket as FrequencyBucket;
    bucket.unlink(entry);
    entry.bucket = null;
    if (bucket.front === null) this.#drop(bucket);
  }

  victim(pinned?: Entry): Entry | undefined {
    const bucket = this.#lowest;
    if (bucket === null) return undefined;
    const last = bucket.back;
    if (last !== pinned) return last ?? undefined;
    // The pinned entry is the only candidate left in the lowest bucket: try the next bucket.
    return last?.prev ?? bucket.higher?.back ?? undefined;
  }

  reset(): void {
    this.#lowest = null;
  }

  #drop(bucket: FrequencyBucket): void {
    if (bucket.lower === null) this.#lowest = bucket.higher;
    else bucket.lower.higher = bucket.higher;
    if (bucket.higher !== null) bucket.higher.lower = bucket.lower;
  }
}
