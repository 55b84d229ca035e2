/** Reads remembered for LRU between sweeps, at most; older ones are dropped first. */
const MAX_TRACKED_READS = 100_000;

/**
 * Remembers when this instance last read each entry file, so the next sweep
 * can record it in the file's mtime (the shared "last used" time for LRU).
 * Tracks nothing when the cache has no size bound to evict for.
 */
export class AccessTracker {
  /** Last read of each file (ms since epoch); handed to the sweep, which drains it. */
  readonly times = new Map<string, number>();
  /** Whether reads are tracked at all. */
  readonly enabled: boolean;

  constructor(bounds: { readonly maxItems: number; readonly maxSizeBytes: number }) {
    this.enabled = Number.isFinite(bounds.maxItems) || Number.isFinite(bounds.maxSizeBytes);
  }

  /** Notes a read of `file` now, dropping the oldest note when the table is full. */
  note(file: string): void {
    this.times.delete(file);
    if (this.times.size >= MAX_TRACKED_READS) {
      const oldest = this.times.keys().next();
      if (oldest.done !== true) this.times.delete(oldest.value);
    }
    this.times.set(file, Date.now());
  }
}
