/** Share of the cache the admission window starts with. */
export const WINDOW_INITIAL_SHARE = 0.01;
/** First step of the window share after a sample. */
export const CLIMB_STEP = 0.0625;
/** Each step is this fraction of the one before while the hit ratio moves little. */
export const CLIMB_STEP_DECAY = 0.98;
/** A hit-ratio change of at least this much (the workload changed) restarts at {@link CLIMB_STEP}. */
export const CLIMB_RESTART_THRESHOLD = 0.05;
/** Uses per sample, per entry the cache holds. */
export const CLIMB_SAMPLE_FACTOR = 10;
/**
 * Fewest uses per sample, whatever the cache's size. The hit ratio of a sample of n uses
 * varies by about √(p(1−p)/n) between samples for no reason but chance: ±1.5 points at
 * 1,000 uses (10 × a 100-entry cache), more than a window step changes it, so small caches
 * climbed at random (`loop` at 100 entries ran with an 80 % window). 20,000 uses keep that
 * noise near a third of a point.
 */
export const CLIMB_MIN_SAMPLE = 20_000;

/** Uses per climber sample for a cache of `capacity` entries. */
export function climbSampleFor(capacity: number): number {
  return Math.max(CLIMB_MIN_SAMPLE, CLIMB_SAMPLE_FACTOR * capacity);
}
/** The window never takes more than this share of the cache. */
export const WINDOW_MAX_SHARE = 0.8;

/**
 * Hill climbing on the admission window's share of the cache, as Caffeine
 * adapts W-TinyLFU: the hit ratio of each sample of uses is compared with the
 * previous sample's; if it improved, the window keeps moving the same way,
 * otherwise it turns back. Steps shrink geometrically while the ratio is
 * steady and restart at full size when it jumps (a new workload). Recency-
 * heavy workloads end with a large window (LRU-like), frequency-heavy ones
 * with a small one. O(1) per use.
 *
 * Between samples the share is also nudged by one entry per eviction ghost
 * (see `EvictionGhosts`): consecutive samples of a phased workload differ more
 * by phase than by window size, and the ghosts give a per-miss signal that
 * does not depend on comparing them.
 */
export class WindowClimber {
  /** The share of the cache the window should hold, 0 … {@link WINDOW_MAX_SHARE} (up to 1 if fixed). */
  share: number;
  #step = CLIMB_STEP;
  #previousHitRatio = 0;
  #hits = 0;
  #uses = 0;

  /**
   * `sampleSize`: uses per sample (the owner updates it when the cache's size changes);
   * `share`: the window's starting share.
   */
  constructor(
    public sampleSize: number,
    share: number = WINDOW_INITIAL_SHARE,
  ) {
    this.share = share;
  }

  /** A use that hit (`true`) or missed; at the end of a sample the share moves (then: true). */
  record(hit: boolean): boolean {
    if (hit) this.#hits++;
    if (++this.#uses < this.sampleSize) return false;
    this.#climb();
    return true;
  }

  /** Moves the share by `entries` (negative: smaller window) of a cache of `capacity` entries. */
  nudge(entries: number, capacity: number): void {
    this.share = Math.min(WINDOW_MAX_SHARE, Math.max(0, this.share + entries / capacity));
  }

  #climb(): void {
    const hitRatio = this.#hits / this.#uses;
    const change = hitRatio - this.#previousHitRatio;
    const atBound =
      (this.share <= 0 && this.#step < 0) || (this.share >= WINDOW_MAX_SHARE && this.#step > 0);
    if (atBound && change > -0.02) {
      this.#previousHitRatio = hitRatio;
      this.#hits = 0;
      this.#uses = 0;
      return;
    }
    const amount = change >= 0 ? this.#step : -this.#step;
    this.#step =
      Math.abs(change) >= CLIMB_RESTART_THRESHOLD
        ? amount >= 0
          ? CLIMB_STEP
          : -CLIMB_STEP
        : CLIMB_STEP_DECAY * amount;
    this.share = Math.min(WINDOW_MAX_SHARE, Math.max(0, this.share + amount));
    this.#previousHitRatio = hitRatio;
    this.#hits = 0;
    this.#uses = 0;
  }
}
