/** A ghost counts only if its key returns within this share of the cache's size in evictions. */
export const GHOST_HORIZON_SHARE = 0.0625;

/** Which side of a W-TinyLFU cache let a key go. */
export const GhostSide = { NONE: 0, WINDOW: 1, MAIN: 2 } as const;
export type GhostSide = (typeof GhostSide)[keyof typeof GhostSide];

const INITIAL_GHOSTS = 64;

/**
 * Recently evicted keys, remembered by hash only (no key strings), and which
 * side evicted them: the window (a candidate the sketch refused) or the main
 * space. A key that comes back soon after its eviction says that side was
 * too small: had it held a few more entries, the miss would have been a hit.
 * "Soon" is within {@link GHOST_HORIZON_SHARE} × capacity evictions: a key
 * that returns later (a loop larger than the cache) would have missed with a
 * slightly larger window too, so it says nothing.
 *
 * A direct-mapped table of one slot per entry the cache holds (rounded up to a
 * power of two): a 32-bit tag (hash with the side in its low bits) and the
 * eviction number, 8 bytes per slot. Collisions overwrite; this is a hint, not
 * a record. O(1) per eviction and per insertion.
 */
export class EvictionGhosts {
  #tags = new Int32Array(INITIAL_GHOSTS);
  #at = new Int32Array(INITIAL_GHOSTS);
  #evictions = 0;

  /** The entry with hash `h` was evicted from `side`; `capacity` sizes the table. */
  evicted(h: number, side: GhostSide, capacity: number): void {
    if (this.#tags.length < capacity) this.#resize(capacity);
    const i = h & (this.#tags.length - 1);
    this.#tags[i] = (h & ~3) | side;
    this.#at[i] = ++this.#evictions;
  }

  /** A key with hash `h` is stored again: the side that evicted it recently, else NONE (forgets it). */
  returned(h: number, capacity: number): GhostSide {
    const i = h & (this.#tags.length - 1);
    const tag = this.#tags[i] as number;
    if (tag === 0 || (tag & ~3) !== (h & ~3)) return GhostSide.NONE;
    this.#tags[i] = 0;
    if (this.#evictions - (this.#at[i] as number) > GHOST_HORIZON_SHARE * capacity)
      return GhostSide.NONE;
    return (tag & 3) as GhostSide;
  }

  #resize(capacity: number): void {
    let size = this.#tags.length;
    while (size < capacity) size *= 2;
    // Old ghosts are dropped: they are hints, and the cache just grew.
    this.#tags = new Int32Array(size);
    this.#at = new Int32Array(size);
  }
}
