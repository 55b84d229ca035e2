import { addToStoredInteger, LOCK_KEY_SPACE, type StatsCounters } from '@pywatt/cache-core/store';
import { type DecodedEntry, FLAG_INTERNAL } from './entry-format.js';
import { readEntryFile, removeFile } from './entry-io.js';
import { judgeEntry } from './entry-judge.js';
import { type EntryLocation, locate } from './entry-paths.js';
import { expiryOf, writeEntry } from './entry-writer.js';
import { type HeldKeyLock, withKeyLock } from './key-lock.js';

/** What the atomic operations need from their cache. */
export interface AtomicOperationsOptions {
  readonly directory: string;
  readonly durable: boolean;
  readonly lockStaleMs: number;
  readonly lockWaitMs: number;
  /** The cache's stats counters: judging the current entry counts what it cleans up. */
  readonly counters: StatsCounters;
}

/**
 * A file cache's read-decide-write operations (`setIfAbsent`, `getAndSet`,
 * `increment`, `lock`, `unlock`, `extendLock`). Each reads the key's entry
 * and commits its change while holding the key's cross-process file lock.
 * Keys are full keys (namespace prefix included).
 */
export class AtomicOperations {
  readonly #options: AtomicOperationsOptions;

  constructor(options: AtomicOperationsOptions) {
    this.#options = options;
  }

  async setIfAbsent(fullKey: string, value: Uint8Array, ttlMs: number): Promise<boolean> {
    return this.#locked(fullKey, 'setIfAbsent', async (loc, current, held) => {
      if (current !== undefined) return false;
      await this.#write(loc, value, expiryOf(ttlMs), held);
      return true;
    });
  }

  async getAndSet(
    fullKey: string,
    value: Uint8Array,
    ttlMs: number,
  ): Promise<Uint8Array | undefined> {
    return this.#locked(fullKey, 'getAndSet', async (loc, current, held) => {
      await this.#write(loc, value, expiryOf(ttlMs), held);
      return current?.value;
    });
  }

  async increment(
    fullKey: string,
    delta: number,
    newKeyTtlMs: number,
    key: string,
  ): Promise<number> {
    return this.#locked(fullKey, 'increment', async (loc, current, held) => {
      const next = addToStoredInteger(current?.value, delta, key, 'file');
      const expiresAtMs = current?.expiresAtMs ?? expiryOf(newKeyTtlMs);
      await this.#write(loc, Buffer.from(String(next), 'latin1'), expiresAtMs, held);
      return next;
    });
  }

  async lock(lockKey: string, token: string, ttlMs: number): Promise<boolean> {
    return this.#locked(lockKey, 'lock', async (loc, current, held) => {
      if (current !== undefined) return false;
      await this.#writeLockEntry(loc, token, ttlMs, held);
      return true;
    });
  }

  async unlock(lockKey: string, token: string): Promise<boolean> {
    return this.#locked(lockKey, 'unlock', async (loc, current, held) => {
      if (!holds(current, token)) return false;
      held.assertHeld();
      return removeFile(loc.file);
    });
  }

  async extendLock(lockKey: string, token: string, ttlMs: number): Promise<boolean> {
    return this.#locked(lockKey, 'extendLock', async (loc, current, held) => {
      if (!holds(current, token)) return false;
      await this.#writeLockEntry(loc, token, ttlMs, held);
      return true;
    });
  }

  /** Runs `body` on the key's current live entry while holding the key's file lock. */
  async #locked<T>(
    fullKey: string,
    operation: string,
    body: (loc: EntryLocation, current: DecodedEntry | undefined, held: HeldKeyLock) => Promise<T>,
  ): Promise<T> {
    const { directory, lockStaleMs, lockWaitMs, counters } = this.#options;
    const loc = locate(directory, fullKey);
    const lockOptions = {
      staleMs: lockStaleMs,
      waitMs: lockWaitMs,
      operation,
      key: this.#displayKey(fullKey),
    };
    return withKeyLock(loc.file, lockOptions, async (held) => {
      const bytes = await readEntryFile(loc.file);
      const current =
        bytes === undefined ? undefined : await judgeEntry(loc, bytes, counters, true);
      return body(loc, current, held);
    });
  }

  #write(
    loc: EntryLocation,
    value: Uint8Array,
    expiresAtMs: number,
    held: HeldKeyLock,
  ): Promise<void> {
    return writeEntry(loc, value, expiresAtMs, this.#options.durable, { held });
  }

  #writeLockEntry(
    loc: EntryLocation,
    token: string,
    ttlMs: number,
    held: HeldKeyLock,
  ): Promise<void> {
    return writeEntry(loc, Buffer.from(token, 'utf8'), expiryOf(ttlMs), this.#options.durable, {
      held,
      flags: FLAG_INTERNAL,
    });
  }

  /** The key for error messages, lock keys marked. */
  #displayKey(fullKey: string): string {
    const at = fullKey.indexOf(LOCK_KEY_SPACE);
    return at === -1
      ? fullKey
      : `lock ${fullKey.slice(0, at)}${fullKey.slice(at + LOCK_KEY_SPACE.length)}`;
  }
}

function holds(current: DecodedEntry | undefined, token: string): boolean {
  return current?.value.equals(Buffer.from(token, 'utf8')) === true;
}
