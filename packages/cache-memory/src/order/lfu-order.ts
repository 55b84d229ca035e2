import type { EvictionOrder } from './eviction-order.js';
import { FrequencySketch, initialSketchWidth, SKETCH_WIDTH_PER_ENTRY } from './frequency-sketch.js';
import { HotKeyTracker } from './hot-keys.js';
import { Links, NO_SLOT, SlotList } from './slot-list.js';

/** The entries whose use count is exactly `count`, most recent at the front. */
export class FrequencyBucket extends SlotList {
  /** Buckets form a list of their own, ascending by count. */
  lower: FrequencyBucket | null = null;
  higher: FrequencyBucket | null = null;
  constructor(readonly count: number) {
    super();
  }
}

/** How an {@link LfuOrder} remembers keys it no longer holds. */
export interface LfuHistoryOptions {
  /** Keep a frequency history (only worth it when the cache is bounded). */
  enabled: boolean;
  /** The cache's `maxItems` (Infinity when unbounded), which sizes the sketch at first. */
  maxItems?: number | undefined;
  /** Overrides the sketch's halving period (tests). */
  sampleSize?: number | undefined;
  /** Follow this many hottest keys (0 or absent: off); needs `enabled`. */
  hotKeys?: number | undefined;
}

/**
 * Least frequently used goes first, ties to the least recently used: the O(1)
 * scheme of Shah, Mitra and Matani (2010). Non-empty buckets are chained in
 * ascending count; an entry moves to the next bucket on each use, so no
 * operation ever scans or sorts.
 *
 * With a history (bounded caches), every use is also recorded in a
 * {@link FrequencySketch} that outlives the entries, and a newly stored entry
 * starts at the count the sketch remembers for its key (this write included,
 * at most 15) instead of 1: a popular key that was evicted comes back near the
 * place it left instead of first in line. Placing it walks up from the lowest
 * bucket past at most 14 buckets (counts 1 … 14), so `add` stays O(1).
 */
export class LfuOrder implements EvictionOrder {
  #links: Links;
  /** The bucket of each slot in use. */
  #bucketOf: Array<FrequencyBucket | undefined> = [];
  #lowest: FrequencyBucket | null = null;
  readonly #history: FrequencySketch | null;
  readonly #hot: HotKeyTracker | null;
  #held = 0;

  constructor(capacity: number, history: LfuHistoryOptions = { enabled: false }) {
    this.#links = new Links(capacity);
    this.#history = history.enabled
      ? new FrequencySketch(
          initialSketchWidth(history.maxItems ?? Number.POSITIVE_INFINITY),
          history.sampleSize,
        )
      : null;
    const sketch = this.#history;
    this.#hot =
      sketch !== null && (history.hotKeys ?? 0) > 0
        ? new HotKeyTracker(history.hotKeys as number, {
            estimateOf: (key) => sketch.estimate(key),
            get halvings() {
              return sketch.halvings;
            },
          })
        : null;
  }

  /** The hot-key tracker, or null unless `hotKeys` was asked for. */
  get hotKeys(): HotKeyTracker | null {
    return this.#hot;
  }

  /** The frequency history, or null without one. */
  get history(): FrequencySketch | null {
    return this.#history;
  }

  grow(capacity: number): void {
    this.#links.grow(capacity);
  }

  add(slot: number, key: string): void {
    let count = 1;
    const history = this.#history;
    if (history !== null) {
      this.#held++;
      if (this.#held * SKETCH_WIDTH_PER_ENTRY > history.width) history.grow();
      history.record(key);
      count = history.estimate(key);
      this.#hot?.offer(key, count);
    }
    // The bucket of `count`, or the place to create it: at most 14 steps (count ≤ 15).
    let lower: FrequencyBucket | null = null;
    let bucket = this.#lowest;
    while (bucket !== null && bucket.count < count) {
      lower = bucket;
      bucket = bucket.higher;
    }
    if (bucket === null || bucket.count !== count) {
      const created = new FrequencyBucket(count);
      created.lower = lower;
      created.higher = bucket;
      if (bucket !== null) bucket.lower = created;
      if (lower === null) this.#lowest = created;
      else lower.higher = created;
      bucket = created;
    }
    bucket.pushFront(this.#links, slot);
    this.#bucketOf[slot] = bucket;
  }

  touch(slot: number, key: string): void {
    const history = this.#history;
    if (history !== null) {
      history.record(key);
      this.#hot?.offer(key, history.estimate(key));
    }
    const from = this.#bucketOf[slot] as FrequencyBucket;
    let to = from.higher;
    if (to === null || to.count !== from.count + 1) {
      to = new FrequencyBucket(from.count + 1);
      to.lower = from;
      to.higher = from.higher;
      if (from.higher !== null) from.higher.lower = to;
      from.higher = to;
    }
    from.unlink(this.#links, slot);
    if (from.front === NO_SLOT) this.#drop(from);
    to.pushFront(this.#links, slot);
    this.#bucketOf[slot] = to;
  }

  remove(slot: number): void {
    if (this.#history !== null) this.#held--;
    const bucket = this.#bucketOf[slot] as FrequencyBucket;
    bucket.unlink(this.#links, slot);
    this.#bucketOf[slot] = undefined;
    if (bucket.front === NO_SLOT) this.#drop(bucket);
  }

  victim(pinned: number): number {
    const bucket = this.#lowest;
    if (bucket === null) return NO_SLOT;
    const last = bucket.back;
    if (last !== pinned) return last;
    // The pinned entry is the oldest of the lowest bucket: the next oldest there, or the next bucket's.
    const newer = this.#links.prev[last] as number;
    if (newer !== NO_SLOT) return newer;
    return bucket.higher === null ? NO_SLOT : bucket.higher.back;
  }

  /** Forgets every entry; the history of keys stays. */
  reset(capacity: number): void {
    this.#links = new Links(capacity);
    this.#bucketOf = [];
    this.#lowest = null;
    this.#held = 0;
  }

  #drop(bucket: FrequencyBucket): void {
    if (bucket.lower === null) this.#lowest = bucket.higher;
    else bucket.lower.higher = bucket.higher;
    if (bucket.higher !== null) bucket.higher.lower = bucket.lower;
  }
}
