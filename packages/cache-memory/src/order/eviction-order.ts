import type { Entry } from '../entry.js';

/**
 * The order in which a policy gives up entries. Every method is O(1).
 * `victim(pinned)` never returns `pinned` (the entry being replaced).
 */
export interface EvictionOrder {
  /** A new entry was stored. */
  add(entry: Entry): void;
  /** An entry was read or rewritten. */
  touch(entry: Entry): void;
  /** An entry left the cache. */
  remove(entry: Entry): void;
  /** The entry this policy evicts next, other than `pinned`; undefined when there is none. */
  victim(pinned?: Entry): Entry | undefined;
  /** Forgets every entry. */
  reset(): void;
}
