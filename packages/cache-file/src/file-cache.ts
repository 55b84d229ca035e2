import { constants } from 'node:fs';
import { access, mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import {
  addToStoredInteger,
  type BackendStats,
  BaseCache,
  CacheError,
  type CacheError as CacheErrorType,
  CacheType,
  LOCK_KEY_SPACE,
} from '@pywatt/cache-core';
import { scanDirectory } from './directory-scan.js';
import {
  type DecodedEntry,
  decodeEntry,
  decodeHead,
  encodeEntry,
  FIXED_HEADER_BYTES,
  FLAG_INTERNAL,
} from './entry-format.js';
import {
  readEntryFile,
  readEntryHead,
  readWithInode,
  removeFile,
  removeIfSame,
  writeEntryAtomic,
} from './entry-io.js';
import { type EntryLocation, locate } from './entry-paths.js';
import {
  DEFAULT_LOCK_STALE_MS,
  DEFAULT_SWEEP_INTERVAL_MS,
  type FileCacheOptions,
  validateFileCacheConfig,
} from './file-cache-config.js';
import { mapFsError } from './fs-errors.js';
import { type HeldKeyLock, withKeyLock } from './key-lock.js';
import { type SweepReport, sweepDirectory } from './sweep.js';

/** Reads remembered for LRU between sweeps, at most; older ones are dropped first. */
const MAX_TRACKED_READS = 100_000;

/**
 * A cache that keeps one file per entry in a local directory. Several
 * processes and several instances may share the directory: plain writes are
 * atomic renames, and `setIfAbsent`, `getAndSet`, `increment`, `lock`,
 * `unlock` and `extendLock` run under a per-key proper-lockfile lock.
 *
 * Build it with {@link createFileCache}; `new FileCache(config)` validates
 * the config (throwing CONFIGURATION) but does no I/O until {@link open}.
 */
export class FileCache extends BaseCache {
  readonly type = CacheType.FILE;
  /** The absolute path of the cache folder. */
  readonly directory: string;
  readonly #durable: boolean;
  readonly #lockStaleMs: number;
  readonly #lockWaitMs: number;
  readonly #maxItems: number;
  readonly #maxSizeBytes: number;
  readonly #sweepIntervalMs: number;
  readonly #accessTimes = new Map<string, number>();
  #timer: NodeJS.Timeout | undefined;
  #sweeping: Promise<SweepReport> | undefined;
  #lastSweep: (SweepReport & { atMs: number }) | undefined;
  #lastSweepError: string | undefined;

  /** @throws CacheError CONFIGURATION when a field is unknown, mistyped or impossible. */
  constructor(config: FileCacheOptions) {
    const valid = validateFileCacheConfig(config);
    super(valid);
    this.directory = resolve(valid.directory);
    this.#durable = valid.durable ?? false;
    this.#lockStaleMs = valid.lockStaleMs ?? DEFAULT_LOCK_STALE_MS;
    this.#lockWaitMs = valid.operationTimeoutMs ?? Math.max(30_000, this.#lockStaleMs * 3);
    this.#maxItems = valid.maxItems ?? Number.POSITIVE_INFINITY;
    this.#maxSizeBytes = valid.maxSizeBytes ?? Number.POSITIVE_INFINITY;
    this.#sweepIntervalMs = valid.sweepIntervalMs ?? DEFAULT_SWEEP_INTERVAL_MS;
  }

  /**
   * Creates the directory when missing, checks that it is readable and
   * writable, and starts the (unref'd) sweep timer. Idempotent.
   * @throws CacheError UNAUTHORIZED, CONFIGURATION or CONNECTION when the directory is unusable.
   */
  async open(): Promise<void> {
    await this.ping();
    if (this.#timer === undefined && Number.isFinite(this.#sweepIntervalMs)) {
      this.#timer = setInterval(() => void this.#sweepQuietly(), this.#sweepIntervalMs);
      this.#timer.unref();
    }
  }

  /**
   * Sweeps the directory now: removes expired and corrupt entries and temp
   * files of dead processes, then evicts least recently used entries while
   * `maxItems` or `maxSizeBytes` is exceeded. The timer calls it every
   * `sweepIntervalMs`; concurrent calls share one run.
   * @throws CacheError CLOSED after close(); file-system errors as CacheErrors.
   */
  async sweep(): Promise<SweepReport> {
    if (this.closed) {
      throw new CacheError('CLOSED', 'file cache is closed; sweep() cannot run after close()', {
        operation: 'sweep',
        backend: this.type,
      });
    }
    this.#sweeping ??= this.#runSweep().finally(() => {
      this.#sweeping = undefined;
    });
    return this.#sweeping;
  }

  async #runSweep(): Promise<SweepReport> {
    try {
      const report = await sweepDirectory({
        directory: this.directory,
        maxItems: this.#maxItems,
        maxSizeBytes: this.#maxSizeBytes,
        accessTimes: this.#accessTimes,
      });
      this.counters.expirations += report.expired;
      this.counters.evictions += report.evicted;
      this.counters.errors += report.corrupt;
      this.#lastSweep = { ...report, atMs: Date.now() };
      this.#lastSweepError = undefined;
      return report;
    } catch (error) {
      this.counters.errors++;
      const wrapped = CacheError.is(error) ? error : this.wrapError(error, 'sweep');
      this.#lastSweepError = wrapped.message;
      throw wrapped;
    }
  }

  async #sweepQuietly(): Promise<void> {
    // A failed background sweep is counted in stats().errors and shown in stats().backend.
    await this.sweep().catch(() => undefined);
  }

  protected override wrapError(error: unknown, operation: string): CacheErrorType {
    return mapFsError(error, operation, this.directory);
  }

  // ---- reads ----

  protected async _get(fullKey: string): Promise<Uint8Array | undefined> {
    const loc = locate(this.directory, fullKey);
    const bytes = await readEntryFile(loc.file);
    if (bytes === undefined) return undefined;
    // The fast path (a live entry of this key) stays synchronous; #judge handles the rest.
    const decoded = decodeEntry(bytes);
    const entry =
      decoded.kind === 'entry' &&
      decoded.expiresAtMs > Date.now() &&
      decoded.key.equals(loc.keyBytes)
        ? decoded
        : await this.#judge(loc, bytes);
    if (entry !== undefined && this.#tracksAccess) this.#noteAccess(loc.file);
    return entry?.value;
  }

  protected async _exists(fullKey: string): Promise<boolean> {
    const loc = locate(this.directory, fullKey);
    const read = await readEntryHead(loc.file, FIXED_HEADER_BYTES + loc.keyBytes.length);
    if (read === undefined) return false;
    const head = decodeHead(read.head, read.sizeBytes);
    if ('kind' in head) return false;
    return head.key?.equals(loc.keyBytes) === true && head.expiresAtMs > Date.now();
  }

  /** The live entry in `bytes`, or undefined; cleans up what is expired or corrupt. */
  async #judge(
    loc: EntryLocation,
    bytes: Buffer,
    locked = false,
  ): Promise<DecodedEntry | undefined> {
    const entry = decodeEntry(bytes);
    if (entry.kind === 'newer-version') return undefined;
    if (entry.kind === 'corrupt') {
      this.counters.errors++;
      await this.#removeBad(loc.file, bytes, locked);
      return undefined;
    }
    if (!entry.key.equals(loc.keyBytes)) {
      // Another key's (or a foreign) file at this hash: never hand out its data, never delete it.
      this.counters.errors++;
      return undefined;
    }
    if (entry.expiresAtMs <= Date.now()) {
      this.counters.expirations++;
      await this.#removeBad(loc.file, bytes, locked);
      return undefined;
    }
    return entry;
  }

  /** Removes a judged file, unless another process replaced it meanwhile. */
  async #removeBad(file: string, judged: Buffer, locked: boolean): Promise<void> {
    if (locked) {
      await removeFile(file);
      return;
    }
    const now = await readWithInode(file);
    if (now === undefined || !now.bytes.equals(judged)) return;
    await removeIfSame(file, now.ino);
  }

  get #tracksAccess(): boolean {
    return Number.isFinite(this.#maxItems) || Number.isFinite(this.#maxSizeBytes);
  }

  #noteAccess(file: string): void {
    this.#accessTimes.delete(file);
    if (this.#accessTimes.size >= MAX_TRACKED_READS) {
      const oldest = this.#accessTimes.keys().next();
      if (oldest.done !== true) this.#accessTimes.delete(oldest.value);
    }
    this.#accessTimes.set(file, Date.now());
  }

  // ---- plain writes: one atomic rename each ----

  protected async _set(fullKey: string, value: Uint8Array, ttlMs: number): Promise<void> {
    await this.#write(locate(this.directory, fullKey), value, expiryOf(ttlMs));
  }

  protected async _delete(fullKey: string): Promise<boolean> {
    const loc = locate(this.directory, fullKey);
    const bytes = await readEntryFile(loc.file);
    if (bytes === undefined) return false;
    if ((await this.#judge(loc, bytes)) === undefined) return false;
    return removeFile(loc.file);
  }

  async #write(
    loc: EntryLocation,
    value: Uint8Array,
    expiresAtMs: number,
    options: { held?: HeldKeyLock; flags?: number } = {},
  ): Promise<void> {
    const data = encodeEntry(loc.keyBytes, value, expiresAtMs, options.flags);
    await writeEntryAtomic(loc.file, data, this.#durable, options.held?.assertHeld);
  }

  // ---- atomic operations: read and write under the key's file lock ----

  async #locked<T>(
    fullKey: string,
    operation: string,
    body: (loc: EntryLocation, current: DecodedEntry | undefined, held: HeldKeyLock) => Promise<T>,
  ): Promise<T> {
    const loc = locate(this.directory, fullKey);
    const lockOptions = {
      staleMs: this.#lockStaleMs,
      waitMs: this.#lockWaitMs,
      operation,
      key: this.#displayKey(fullKey),
    };
    return withKeyLock(loc.file, lockOptions, async (held) => {
      const bytes = await readEntryFile(loc.file);
      const current = bytes === undefined ? undefined : await this.#judge(loc, bytes, true);
      return body(loc, current, held);
    });
  }

  #displayKey(fullKey: string): string {
    const key = fullKey.slice(this.keyPrefix.length);
    return key.startsWith(LOCK_KEY_SPACE) ? `lock ${key.slice(LOCK_KEY_SPACE.length)}` : key;
  }

  protected async _setIfAbsent(
    fullKey: string,
    value: Uint8Array,
    ttlMs: number,
  ): Promise<boolean> {
    return this.#locked(fullKey, 'setIfAbsent', async (loc, current, held) => {
      if (current !== undefined) return false;
      await this.#write(loc, value, expiryOf(ttlMs), { held });
      return true;
    });
  }

  protected async _getAndSet(
    fullKey: string,
    value: Uint8Array,
    ttlMs: number,
  ): Promise<Uint8Array | undefined> {
    return this.#locked(fullKey, 'getAndSet', async (loc, current, held) => {
      await this.#write(loc, value, expiryOf(ttlMs), { held });
      return current?.value;
    });
  }

  protected async _increment(
    fullKey: string,
    delta: number,
    newKeyTtlMs: number,
    key: string,
  ): Promise<number> {
    return this.#locked(fullKey, 'increment', async (loc, current, held) => {
      const next = addToStoredInteger(current?.value, delta, key, this.type);
      const expiresAtMs = current?.expiresAtMs ?? expiryOf(newKeyTtlMs);
      await this.#write(loc, Buffer.from(String(next), 'latin1'), expiresAtMs, { held });
      return next;
    });
  }

  protected async _lock(lockKey: string, token: string, ttlMs: number): Promise<boolean> {
    return this.#locked(lockKey, 'lock', async (loc, current, held) => {
      if (current !== undefined) return false;
      await this.#write(loc, Buffer.from(token, 'utf8'), expiryOf(ttlMs), {
        held,
        flags: FLAG_INTERNAL,
      });
      return true;
    });
  }

  protected async _unlock(lockKey: string, token: string): Promise<boolean> {
    return this.#locked(lockKey, 'unlock', async (loc, current, held) => {
      if (!holds(current, token)) return false;
      held.assertHeld();
      return removeFile(loc.file);
    });
  }

  protected async _extendLock(lockKey: string, token: string, ttlMs: number): Promise<boolean> {
    return this.#locked(lockKey, 'extendLock', async (loc, current, held) => {
      if (!holds(current, token)) return false;
      await this.#write(loc, Buffer.from(token, 'utf8'), expiryOf(ttlMs), {
        held,
        flags: FLAG_INTERNAL,
      });
      return true;
    });
  }

  // ---- the rest ----

  protected async _clear(fullPrefix: string): Promise<void> {
    const prefix = Buffer.from(fullPrefix, 'utf8');
    await scanDirectory(this.directory, {
      entry: async ({ file, ino, head }) => {
        if ('kind' in head || head.key === undefined || (head.flags & FLAG_INTERNAL) !== 0) return;
        if (
          head.key.length >= prefix.length &&
          head.key.subarray(0, prefix.length).equals(prefix)
        ) {
          await removeIfSame(file, ino);
        }
      },
    });
  }

  protected async _stats(): Promise<BackendStats> {
    const last = this.#lastSweep;
    const backend: Record<string, string | number> = {
      directory: this.directory,
      durable: this.#durable ? 1 : 0,
      lockStaleMs: this.#lockStaleMs,
      sweepIntervalMs: this.#sweepIntervalMs,
    };
    if (last !== undefined) {
      backend.lastSweepAtMs = last.atMs;
      backend.lastSweepItemCount = last.itemCount;
      backend.lastSweepSizeBytes = last.sizeBytes;
    }
    if (this.#lastSweepError !== undefined) backend.lastSweepError = this.#lastSweepError;
    return { itemCount: undefined, memoryUsedBytes: undefined, backend };
  }

  protected async _ping(): Promise<void> {
    // A directory removed under the cache is made again: the cache heals once the cause is gone.
    await mkdir(this.directory, { recursive: true });
    await access(this.directory, constants.R_OK | constants.W_OK | constants.X_OK);
  }

  protected async _close(): Promise<void> {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#sweeping?.catch(() => undefined);
  }
}

function expiryOf(ttlMs: number): number {
  return ttlMs === Number.POSITIVE_INFINITY ? ttlMs : Date.now() + ttlMs;
}

function holds(current: DecodedEntry | undefined, token: string): boolean {
  return current?.value.equals(Buffer.from(token, 'utf8')) === true;
}
