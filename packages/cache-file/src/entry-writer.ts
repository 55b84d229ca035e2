import { encodeEntry } from './entry-format.js';
import { writeEntryAtomic } from './entry-io.js';
import type { EntryLocation } from './entry-paths.js';
import type { HeldKeyLock } from './key-lock.js';

/** How one entry is written. */
export interface EntryWriteOptions {
  /** The key's file lock, when the write commits a locked read-decide-write. */
  readonly held?: HeldKeyLock;
  /** Entry flags, e.g. `FLAG_INTERNAL` for lock entries. */
  readonly flags?: number;
}

/**
 * Encodes an entry and writes it with one atomic rename; when `held` is
 * given, the lock is checked right before the rename.
 */
export async function writeEntry(
  loc: EntryLocation,
  value: Uint8Array,
  expiresAtMs: number,
  durable: boolean,
  options: EntryWriteOptions = {},
): Promise<void> {
  const data = encodeEntry(loc.keyBytes, value, expiresAtMs, options.flags);
  await writeEntryAtomic(loc.file, data, durable, options.held?.assertHeld);
}

/** The absolute expiry of an entry written now with `ttlMs` (infinity stays infinity). */
export function expiryOf(ttlMs: number): number {
  return ttlMs === Number.POSITIVE_INFINITY ? ttlMs : Date.now() + ttlMs;
}
