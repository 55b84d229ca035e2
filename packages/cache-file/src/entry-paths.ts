import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';

/** Entry files live in one of 256 shard folders named by the first two hex digits of their hash. */
export const SHARD_NAME = /^[0-9a-f]{2}$/;
/** A data file: the 64 hex digits of SHA-256. */
export const ENTRY_NAME = /^[0-9a-f]{64}$/;
/** A temp file: `<hash>.<pid>-<random hex>.tmp` (older versions wrote a decimal sequence there). */
export const TEMP_NAME = /^[0-9a-f]{64}\.(\d+)-[0-9a-f]+\.tmp$/;
/** A per-key lock folder made by proper-lockfile: `<hash>.lock`. */
export const LOCK_NAME = /^[0-9a-f]{64}\.lock$/;

/** Where a full key lives: the key is hashed, never used as a path. */
export interface EntryLocation {
  /** The shard folder. */
  readonly dir: string;
  /** The entry file. */
  readonly file: string;
  /** The full key's UTF-8 bytes, stored in the header and checked on read. */
  readonly keyBytes: Buffer;
}

/** Maps a full (namespaced) key to its file: `<directory>/<h[0..2]>/<sha256 hex>`. */
export function locate(directory: string, fullKey: string): EntryLocation {
  const keyBytes = Buffer.from(fullKey, 'utf8');
  const hash = createHash('sha256').update(keyBytes).digest('hex');
  const dir = join(directory, hash.slice(0, 2));
  return { dir, file: join(dir, hash), keyBytes };
}

/**
 * A fresh temp-file path next to `file` (same folder, so rename is atomic).
 * The name is unpredictable (64 random bits), so nobody can plant something
 * at it in advance; the pid in it lets a sweep remove a dead process's temp files.
 */
export function tempPathFor(file: string): string {
  return `${file}.${process.pid}-${randomBytes(8).toString('hex')}.tmp`;
}
