import { AdmissionSketch } from './admission-sketch.js';
import { EvictionGhosts, GhostSide } from './eviction-ghosts.js';
import type { EvictionOrder } from './eviction-order.js';
import { hashKey } from './frequency-sketch.js';
import { HotKeyTracker } from './hot-keys.js';
import { Links, NO_SLOT, SlotList } from './slot-list.js';
import { climbSampleFor, WindowClimber } from './window-climber.js';

/** Share of the main space kept for entries used again while there (the protected segment). */
export const PROTECTED_SHARE = 0.8;
/** Entries moved between segments per operation at most, when the window shrinks or grows. */
const MOVES_PER_OPERATION = 2;

const WINDOW = 0;
const PROBATION = 1;
const PROTECTED = 2;
const INFINITY = Number.POSITIVE_INFINITY;

/** How a {@link TinyLfuOrder} is sized. */
export interface TinyLfuOptions {
  /** The cache's `maxItems` (Infinity when only bytes bound it: then the entries held size it). */
  maxItems: number;
  /** Keep the frequency sketch (only worth it when something can be evicted). */
  enabled: boolean;
  /** Overrides the sketch's halving period (tests). */
  sampleSize?: number | undefined;
  /** Overrides the hill climber's sample (tests); `Infinity` keeps the window share fixed. */
  climbSampleSize?: number | undefined;
  /** The window's starting share of the cache (default 1 %); with `climbSampleSize` Infinity, its fixed share. */
  windowShare?: number | undefined;
  /** Follow this many hottest keys (0 or absent: off); needs `enabled`. */
  hotKeys?: number | undefined;
}

/**
 * W-TinyLFU (Einziger, Friedman and Manes; the policy of Caffeine). New
 * entries enter a small LRU admission *window*; the rest of the cache is a
 * segmented LRU *main space*: *probation* for entries not used again since
 * they got there, *protected* (80 % of the main space) for those that were.
 * When the cache is full and the window has reached its share, the window's
 * oldest entry (the candidate) and probation's oldest (the victim) are
 * compared by an {@link AdmissionSketch}: the candidate enters probation only
 * if its key was used more often recently, strictly; otherwise it is the one
 * evicted. A one-off scan thus passes through the window without displacing
 * the frequently used entries in the main space, while the window lets bursts
 * of recent keys build up a count.
 *
 * The window's share starts at 1 % and a {@link WindowClimber} moves it by
 * the hit ratio of each sample once the cache is full (a use of a held entry
 * is a hit, a new entry a miss); {@link EvictionGhosts} nudge it by one entry
 * whenever a recently evicted key comes back. Resizing moves at most two
 * entries per operation between segments, so every method is O(1) (the
 * sketch's halving amortised). Memory: two links, a segment byte and a 32-bit
 * key hash per slot, plus the sketch (16 bytes per entry) and the ghosts
 * (8 bytes per entry), power-of-two rounding aside.
 */
export class TinyLfuOrder implements EvictionOrder {
  #links: Links;
  #segment: Uint8Array;
  #hash: Int32Array;
  readonly #window = new SlotList();
  readonly #probation = new SlotList();
  readonly #protected = new SlotList();
  #windowSize = 0;
  #protectedSize = 0;
  #held = 0;
  readonly #maxItems: number;
  readonly #sketch: AdmissionSketch | null;
  readonly #hot: HotKeyTracker | null;
  readonly #climber: WindowClimber;
  readonly #ghosts = new EvictionGhosts();
  /** False when a test fixes the window's share (climbSampleSize Infinity). */
  readonly #adaptive: boolean;
  readonly #fixedClimbSample: boolean;
  /** The window's and the protected segment's target sizes, kept current by {@link #refreshLimits}. */
  #windowLimit = 1;
  #protectedLimit = 0;
  /** {@link #capacity}, as of the last {@link #refreshLimits}. */
  #cap = 1;
  /** The last victim the sketch was asked about, its estimate then, and the sketch's halvings then. */
  #judged = NO_SLOT;
  #judgedEstimate = 0;
  #judgedHalvings = -1;

  constructor(capacity: number, options: TinyLfuOptions) {
    this.#links = new Links(capacity);
    this.#segment = new Uint8Array(capacity);
    this.#hash = new Int32Array(capacity);
    this.#maxItems = options.maxItems;
    const entries = options.maxItems === INFINITY ? capacity : options.maxItems;
    this.#sketch = options.enabled ? new AdmissionSketch(entries, options.sampleSize) : null;
    const sketch = this.#sketch;
    this.#hot =
      sketch !== null && (options.hotKeys ?? 0) > 0
        ? new HotKeyTracker(options.hotKeys as number, {
            estimateOf: (key) => sketch.estimate(hashKey(key) | 0),
            get halvings() {
              return sketch.halvings;
            },
          })
        : null;
    const climbSample = options.climbSampleSize;
    this.#adaptive = climbSample !== INFINITY;
    this.#fixedClimbSample = climbSample !== undefined;
    this.#climber = new WindowClimber(
      climbSample ?? climbSampleFor(this.#capacity()),
      options.windowShare,
    );
    this.#refreshLimits();
  }

  /** The frequency sketch, or null when the cache is unbounded. */
  get sketch(): AdmissionSketch | null {
    return this.#sketch;
  }

  /** The hot-key tracker, or null unless `hotKeys` was asked for. */
  get hotKeys(): HotKeyTracker | null {
    return this.#hot;
  }

  /** Entries in the window, probation and protected segments (tests, diagnostics). */
  get segmentSizes(): { window: number; probation: number; protected: number } {
    const main = this.#held - this.#windowSize;
    return {
      window: this.#windowSize,
      probation: main - this.#protectedSize,
      protected: this.#protectedSize,
    };
  }

  /** The window's current target size, in entries. */
  get windowTarget(): number {
    return this.#windowLimit;
  }

  grow(capacity: number): void {
    this.#links.grow(capacity);
    const segment = new Uint8Array(capacity);
    segment.set(this.#segment);
    this.#segment = segment;
    const hash = new Int32Array(capacity);
    hash.set(this.#hash);
    this.#hash = hash;
    if (this.#maxItems === INFINITY) this.#sketch?.growTo(capacity);
  }

  add(slot: number, key: string): void {
    const h = hashKey(key) | 0;
    this.#hash[slot] = h;
    const returned = this.#ghosts.returned(h, this.#cap);
    if (returned !== GhostSide.NONE && this.#adaptive) {
      this.#climber.nudge(returned === GhostSide.WINDOW ? 1 : -1, this.#cap);
      this.#refreshLimits();
    }
    this.#record(h, key);
    this.#held++;
    if (this.#maxItems === INFINITY) this.#refreshLimits();
    this.#climb(false);
    this.#segment[slot] = WINDOW;
    this.#window.pushFront(this.#links, slot);
    this.#windowSize++;
    // While the cache fills (or after the window shrank) its overflow passes to probation freely.
    const windowMax = this.#windowLimit;
    for (let i = 0; i < MOVES_PER_OPERATION && this.#windowSize > windowMax; i++)
      this.#toProbation(this.#window.back);
  }

  touch(slot: number, key: string): void {
    if (slot === this.#judged) this.#judged = NO_SLOT;
    this.#record(this.#hash[slot] as number, key);
    this.#climb(true);
    const links = this.#links;
    switch (this.#segment[slot]) {
      case WINDOW:
        this.#window.moveToFront(links, slot);
        return;
      case PROTECTED:
        this.#protected.moveToFront(links, slot);
        return;
      default: {
        this.#probation.unlink(links, slot);
        this.#segment[slot] = PROTECTED;
        this.#protected.pushFront(links, slot);
        this.#protectedSize++;
        const protectedMax = this.#protectedLimit;
        for (let i = 0; i < MOVES_PER_OPERATION && this.#protectedSize > protectedMax; i++) {
          const demoted = this.#protected.back;
          this.#protected.unlink(links, demoted);
          this.#protectedSize--;
          this.#segment[demoted] = PROBATION;
          this.#probation.pushFront(links, demoted);
        }
      }
    }
  }

  remove(slot: number): void {
    if (slot === this.#judged) this.#judged = NO_SLOT;
    const segment = this.#segment[slot];
    if (segment === WINDOW) {
      this.#window.unlink(this.#links, slot);
      this.#windowSize--;
    } else if (segment === PROTECTED) {
      this.#protected.unlink(this.#links, slot);
      this.#protectedSize--;
    } else {
      this.#probation.unlink(this.#links, slot);
    }
    this.#held--;
    if (this.#maxItems === INFINITY) this.#refreshLimits();
  }

  victim(pinned: number): number {
    const candidate = this.#oldest(this.#window, pinned);
    let victim = this.#oldest(this.#probation, pinned);
    if (victim === NO_SLOT) victim = this.#oldest(this.#protected, pinned);
    if (candidate === NO_SLOT) return victim;
    if (victim === NO_SLOT) return candidate;
    // Below its share the window grows: the main space gives up its oldest.
    if (this.#windowSize < this.#windowLimit) {
      this.#mark(victim, GhostSide.MAIN);
      return victim;
    }
    const sketch = this.#sketch as AdmissionSketch;
    if (sketch.estimate(this.#hash[candidate] as number) > this.#victimEstimate(sketch, victim)) {
      this.#toProbation(candidate);
      this.#mark(victim, GhostSide.MAIN);
      return victim;
    }
    this.#mark(candidate, GhostSide.WINDOW);
    return candidate;
  }

  /**
   * The victim's estimate, reused while the same entry stays the victim (until it is used or
   * leaves) within one sample. Most candidates are refused, so the victim is usually the one just
   * asked about; its count can only have grown since through a shared counter, so the reused
   * figure is at most its own count's worth lower.
   */
  #victimEstimate(sketch: AdmissionSketch, victim: number): number {
    const halvings = sketch.halvings;
    if (victim === this.#judged && halvings === this.#judgedHalvings) return this.#judgedEstimate;
    const estimate = sketch.estimate(this.#hash[victim] as number);
    this.#judged = victim;
    this.#judgedEstimate = estimate;
    this.#judgedHalvings = halvings;
    return estimate;
  }

  /** Forgets every entry; the sketch and the window's share stay. */
  reset(capacity: number): void {
    this.#judged = NO_SLOT;
    this.#links = new Links(capacity);
    this.#segment = new Uint8Array(capacity);
    this.#hash = new Int32Array(capacity);
    this.#window.reset();
    this.#probation.reset();
    this.#protected.reset();
    this.#windowSize = 0;
    this.#protectedSize = 0;
    this.#held = 0;
    this.#refreshLimits();
  }

  /** The most entries the cache holds: `maxItems`, or (bounded by bytes only) those it holds now. */
  #capacity(): number {
    return this.#maxItems === INFINITY ? Math.max(this.#held, 1) : this.#maxItems;
  }

  /** The share or the capacity changed: recompute the segments' target sizes. */
  #refreshLimits(): void {
    const capacity = this.#capacity();
    this.#cap = capacity;
    const window = Math.max(1, Math.floor(this.#climber.share * capacity));
    this.#windowLimit = window;
    this.#protectedLimit = Math.floor(PROTECTED_SHARE * (capacity - window));
  }

  #oldest(list: SlotList, pinned: number): number {
    const last = list.back;
    return last === pinned && last !== NO_SLOT ? (this.#links.prev[last] as number) : last;
  }

  /** Hit ratios mean something for the window only once the cache is full: earlier uses are not sampled. */
  #climb(hit: boolean): void {
    const capacity = this.#cap;
    if (this.#held < capacity) return;
    // Bounded by bytes only, the sample follows the entries held.
    if (this.#maxItems === INFINITY && !this.#fixedClimbSample)
      this.#climber.sampleSize = climbSampleFor(capacity);
    if (this.#climber.record(hit)) this.#refreshLimits();
  }

  #record(h: number, key: string): void {
    const sketch = this.#sketch;
    if (sketch === null) return;
    sketch.record(h);
    this.#hot?.offer(key, sketch.estimate(h));
  }

  #mark(slot: number, side: GhostSide): void {
    this.#ghosts.evicted(this.#hash[slot] as number, side, this.#cap);
  }

  /** Moves a window entry to the front of probation. */
  #toProbation(slot: number): void {
    this.#window.unlink(this.#links, slot);
    this.#windowSize--;
    this.#segment[slot] = PROBATION;
    this.#probation.pushFront(this.#links, slot);
  }
}
