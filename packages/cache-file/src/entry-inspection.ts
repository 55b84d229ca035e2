import { scanDirectory } from './directory-scan.js';
import { decodeHead, FIXED_HEADER_BYTES, FLAG_INTERNAL } from './entry-format.js';
import { readEntryHead } from './entry-io.js';
import { locate } from './entry-paths.js';

// Read-only looks at the directory for operators' tools (`pywatt-cache clear` counts
// with listLiveKeys, `pywatt-cache ttl` asks liveTtlMs): headers only, never values.

/**
 * The full keys of the live entries whose key starts with `fullPrefix`, locks
 * left out (as `clear` leaves them). Reads the header of every entry file:
 * as costly as a sweep.
 */
export async function listLiveKeys(directory: string, fullPrefix: string): Promise<string[]> {
  const prefix = Buffer.from(fullPrefix, 'utf8');
  const now = Date.now();
  const keys: string[] = [];
  await scanDirectory(directory, {
    entry: async ({ head }) => {
      if ('kind' in head || head.key === undefined || (head.flags & FLAG_INTERNAL) !== 0) return;
      if (head.expiresAtMs <= now) return;
      if (head.key.length >= prefix.length && head.key.subarray(0, prefix.length).equals(prefix))
        keys.push(head.key.toString('utf8'));
    },
  });
  return keys;
}

/** The ms `fullKey` has left (`Infinity`: no expiry), or undefined when it holds no live value. */
export async function liveTtlMs(directory: string, fullKey: string): Promise<number | undefined> {
  const loc = locate(directory, fullKey);
  const read = await readEntryHead(loc.file, FIXED_HEADER_BYTES + loc.keyBytes.length);
  if (read === undefined) return undefined;
  const head = decodeHead(read.head, read.sizeBytes);
  if ('kind' in head || head.key?.equals(loc.keyBytes) !== true) return undefined;
  const left = head.expiresAtMs - Date.now();
  return left > 0 ? left : undefined;
}
