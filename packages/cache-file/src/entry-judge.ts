import type { StatsCounters } from '@pywatt/cache-core';
import { type DecodedEntry, decodeEntry } from './entry-format.js';
import { readWithInode, removeFile, removeIfSame } from './entry-io.js';
import type { EntryLocation } from './entry-paths.js';

/**
 * The live entry of `loc`'s key in `bytes`, or undefined. Cleans up what is
 * expired or corrupt (counting it in `counters`) and leaves another key's
 * file alone. `locked` says the caller holds the key's file lock, so a bad
 * file may be removed without checking that it is still the one judged.
 */
export async function judgeEntry(
  loc: EntryLocation,
  bytes: Buffer,
  counters: StatsCounters,
  locked = false,
): Promise<DecodedEntry | undefined> {
  const entry = decodeEntry(bytes);
  if (entry.kind === 'newer-version') return undefined;
  if (entry.kind === 'corrupt') {
    counters.errors++;
    await removeBad(loc.file, bytes, locked);
    return undefined;
  }
  if (!entry.key.equals(loc.keyBytes)) {
    // Another key's (or a foreign) file at this hash: never hand out its data, never delete it.
    counters.errors++;
    return undefined;
  }
  if (entry.expiresAtMs <= Date.now()) {
    counters.expirations++;
    await removeBad(loc.file, bytes, locked);
    return undefined;
  }
  return entry;
}

/** Removes a judged file, unless another process replaced it meanwhile. */
async function removeBad(file: string, judged: Buffer, locked: boolean): Promise<void> {
  if (locked) {
    await removeFile(file);
    return;
  }
  const now = await readWithInode(file);
  if (now === undefined || !now.bytes.equals(judged)) return;
  await removeIfSame(file, now.ino);
}
