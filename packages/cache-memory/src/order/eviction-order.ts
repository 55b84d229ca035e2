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
