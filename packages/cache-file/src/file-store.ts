import { constants } from 'node:fs';
import { access, mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import {
  type BackendStats,
  CacheError,
  type CacheStore,
  StoreCache,
  type StoreCapabilities,
} from '@pywatt/cache-core';
import { createCounters, readyOrClosed } from '@pywatt/cache-core/store';
import { AccessTracker } from './access-tracker.js';
import { AtomicOperations } from './atomic-operations.js';
import { scanDirectory } from './directory-scan.js';
import { decodeEntry, decodeHead, FIXED_HEADER_BYTES, FLAG_INTERNAL } from './entry-format.js';
import { listLiveKeys, liveTtlMs } from './entry-inspection.js';
import { readEntryFile, readEntryHead, removeFile, removeIfSame } from './entry-io.js';
import { judgeEntry } from './entry-judge.js';
import { locate } from './entry-paths.js';
import { expiryOf, writeEntry } from './entry-writer.js';
import {
  DEFAULT_LOCK_STALE_MS,
  DEFAULT_SWEEP_INTERVAL_MS,
  type FileCacheOptions,
  validateFileCacheConfig,
} from './file-cache-config.js';
import { mapFsError } from './fs-errors.js';
import type { SweepReport } from './sweep.js';
import { SweepScheduler } from './sweep-scheduler.js';

/**
 * A store that keeps one file per entry in a local directory. Several
 * processes and several instances may share the directory: plain writes are
 * atomic renames, and `setIfAbsent`, `getAndSet`, `increment`, `lock`,
 * `unlock` and `extendLock` run under a per-key proper-lockfile lock.
 *
 * `new FileStore(config)` validates the config (throwing CONFIGURATION) but
 * does no I/O until {@link open}; {@link createFileCache} does both.
 */
export class FileStore implements CacheStore {
  readonly name = 'file';
  readonly capabilities: StoreCapabilities = {
    ttlResolutionMs: 1,
    maxKeyBytes: Number.POSITIVE_INFINITY,
    maxValueBytes: Number.POSITIVE_INFINITY,
    sharedAcrossProcesses: true,
    sharedAcrossMachines: false,
    constantTimeClear: false,
  };
  /** The absolute path of the cache folder. */
  readonly directory: string;
  /** The validated config. */
  readonly config: FileCacheOptions;
  readonly #counters = createCounters();
  readonly #durable: boolean;
  readonly #lockStaleMs: number;
  readonly #sweepIntervalMs: number;
  readonly #access: AccessTracker;
  readonly #atomic: AtomicOperations;
  readonly #sweeps: SweepScheduler;
  #closed = false;

  /** @throws CacheError CONFIGURATION when a field is unknown, mistyped or impossible. */
  constructor(config: FileCacheOptions) {
    const valid = validateFileCacheConfig(config);
    this.config = valid;
    this.directory = resolve(valid.directory);
    this.#durable = valid.durable ?? false;
    this.#lockStaleMs = valid.lockStaleMs ?? DEFAULT_LOCK_STALE_MS;
    const maxItems = valid.maxItems ?? Number.POSITIVE_INFINITY;
    const maxSizeBytes = valid.maxSizeBytes ?? Number.POSITIVE_INFINITY;
    this.#sweepIntervalMs = valid.sweepIntervalMs ?? DEFAULT_SWEEP_INTERVAL_MS;
    this.#access = new AccessTracker({ maxItems, maxSizeBytes });
    this.#atomic = new AtomicOperations({
      directory: this.directory,
      durable: this.#durable,
      lockStaleMs: this.#lockStaleMs,
      lockWaitMs: valid.operationTimeoutMs ?? Math.max(30_000, this.#lockStaleMs * 3),
      counters: this.#counters,
    });
    this.#sweeps = new SweepScheduler({
      directory: this.directory,
      maxItems,
      maxSizeBytes,
      intervalMs: this.#sweepIntervalMs,
      accessTimes: this.#access.times,
      counters: this.#counters,
      wrapError: (error) => this.mapError(error, 'sweep'),
    });
  }

  /**
   * Creates the directory when missing, checks that it is readable and
   * writable, and starts the (unref'd) sweep timer. Idempotent.
   * @throws CacheError UNAUTHORIZED, CONFIGURATION or CONNECTION when the directory is unusable.
   */
  async open(): Promise<void> {
    try {
      await this.ping();
    } catch (error) {
      throw this.mapError(error, 'ping');
    }
    this.#sweeps.start(() => this.sweep());
  }

  /**
   * Sweeps the directory now: removes expired and corrupt entries and temp
   * files of dead processes, then evicts least recently used entries while
   * `maxItems` or `maxSizeBytes` is exceeded. The timer calls it every
   * `sweepIntervalMs`; concurrent calls share one run.
   * @throws CacheError CLOSED after close(); file-system errors as CacheErrors.
   */
  async sweep(): Promise<SweepReport> {
    if (this.#closed) {
      throw new CacheError('CLOSED', 'file cache is closed; sweep() cannot run after close()', {
        operation: 'sweep',
        backend: this.name,
      });
    }
    return this.#sweeps.run();
  }

  mapError(error: unknown, operation: string): CacheError {
    return CacheError.is(error) ? error : mapFsError(error, operation, this.directory);
  }

  // ---- reads ----

  async get(fullKey: string): Promise<Uint8Array | undefined> {
    const loc = locate(this.directory, fullKey);
    const bytes = await readEntryFile(loc.file);
    if (bytes === undefined) return undefined;
    // The fast path (a live entry of this key) stays synchronous; judgeEntry handles the rest.
    const decoded = decodeEntry(bytes);
    const entry =
      decoded.kind === 'entry' &&
      decoded.expiresAtMs > Date.now() &&
      decoded.key.equals(loc.keyBytes)
        ? decoded
        : await judgeEntry(loc, bytes, this.#counters);
    if (entry !== undefined && this.#access.enabled) this.#access.note(loc.file);
    return entry?.value;
  }

  async exists(fullKey: string): Promise<boolean> {
    const loc = locate(this.directory, fullKey);
    const read = await readEntryHead(loc.file, FIXED_HEADER_BYTES + loc.keyBytes.length);
    if (read === undefined) return false;
    const head = decodeHead(read.head, read.sizeBytes);
    if ('kind' in head) return false;
    return head.key?.equals(loc.keyBytes) === true && head.expiresAtMs > Date.now();
  }

  // ---- plain writes: one atomic rename each ----

  async set(fullKey: string, value: Uint8Array, ttlMs: number): Promise<void> {
    await writeEntry(locate(this.directory, fullKey), value, expiryOf(ttlMs), this.#durable);
  }

  async delete(fullKey: string): Promise<boolean> {
    const loc = locate(this.directory, fullKey);
    const bytes = await readEntryFile(loc.file);
    if (bytes === undefined) return false;
    if ((await judgeEntry(loc, bytes, this.#counters)) === undefined) return false;
    return removeFile(loc.file);
  }

  // ---- atomic operations: read and write under the key's file lock ----

  async setIfAbsent(fullKey: string, value: Uint8Array, ttlMs: number): Promise<boolean> {
    return this.#atomic.setIfAbsent(fullKey, value, ttlMs);
  }

  async getAndSet(
    fullKey: string,
    value: Uint8Array,
    ttlMs: number,
  ): Promise<Uint8Array | undefined> {
    return this.#atomic.getAndSet(fullKey, value, ttlMs);
  }

  async increment(
    fullKey: string,
    delta: number,
    newKeyTtlMs: number,
    key: string,
  ): Promise<number> {
    return this.#atomic.increment(fullKey, delta, newKeyTtlMs, key);
  }

  async lock(lockKey: string, token: string, ttlMs: number): Promise<boolean> {
    return this.#atomic.lock(lockKey, token, ttlMs);
  }

  async unlock(lockKey: string, token: string): Promise<boolean> {
    return this.#atomic.unlock(lockKey, token);
  }

  async extendLock(lockKey: string, token: string, ttlMs: number): Promise<boolean> {
    return this.#atomic.extendLock(lockKey, token, ttlMs);
  }

  // ---- batches: one file per key, so a batch is the single operations at once ----

  async getMany(fullKeys: readonly string[]): Promise<Array<Uint8Array | undefined>> {
    return Promise.all(fullKeys.map((k) => this.get(k)));
  }

  async setMany(
    entries: ReadonlyArray<readonly [string, Uint8Array]>,
    ttlMs: number,
  ): Promise<void> {
    await Promise.all(entries.map(([k, v]) => this.set(k, v, ttlMs)));
  }

  async deleteMany(fullKeys: readonly string[]): Promise<number> {
    const removed = await Promise.all(fullKeys.map((k) => this.delete(k)));
    return removed.filter(Boolean).length;
  }

  // ---- inspection, for operators' tools ----

  /**
   * The full keys of live entries that start with `fullPrefix` (locks left
   * out): what `clear(fullPrefix)` would remove. Reads every entry's header.
   * @throws CacheError for file-system failures.
   */
  async keys(fullPrefix: string): Promise<string[]> {
    return listLiveKeys(this.directory, fullPrefix).catch((e) =>
      Promise.reject(this.mapError(e, 'keys')),
    );
  }

  /**
   * The milliseconds `fullKey` has left (`Infinity`: no expiry), or undefined
   * when it holds no live value.
   */
  async remainingTtlMs(fullKey: string): Promise<number | undefined> {
    return liveTtlMs(this.directory, fullKey).catch((e) => Promise.reject(this.mapError(e, 'ttl')));
  }

  // ---- the rest ----

  async clear(fullPrefix: string): Promise<void> {
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

  async stats(): Promise<BackendStats> {
    const backend: Record<string, string | number> = {
      directory: this.directory,
      durable: this.#durable ? 1 : 0,
      lockStaleMs: this.#lockStaleMs,
      sweepIntervalMs: this.#sweepIntervalMs,
    };
    this.#sweeps.describeInto(backend);
    const { evictions, expirations, errors } = this.#counters;
    return {
      itemCount: undefined,
      memoryUsedBytes: undefined,
      evictions,
      expirations,
      errors,
      backend,
    };
  }

  async ping(): Promise<void> {
    // A directory removed under the cache is made again: the cache heals once the cause is gone.
    await mkdir(this.directory, { recursive: true });
    await access(this.directory, constants.R_OK | constants.W_OK | constants.X_OK);
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#sweeps.stop();
  }
}

/**
 * A file cache: a `CacheService` over a {@link FileStore}, plus the
 * store's `sweep()` and `directory`. Build it with {@link createFileCache};
 * `new FileCache(config)` validates the config but does no I/O until `open()`.
 */
export class FileCache extends StoreCache<FileStore> {
  /** The absolute path of the cache folder. */
  readonly directory: string;

  /** @throws CacheError CONFIGURATION when a field is unknown, mistyped or impossible. */
  constructor(config: FileCacheOptions) {
    const store = new FileStore(config);
    const { namespace, defaultTtlMs, maxValueBytes, traceKeys } = store.config;
    super(store, { namespace, defaultTtlMs, maxValueBytes, traceKeys });
    this.directory = store.directory;
  }

  /** See {@link FileStore.open}. */
  open(): Promise<void> {
    return this.store.open();
  }

  /** See {@link FileStore.sweep}. */
  sweep(): Promise<SweepReport> {
    return this.store.sweep();
  }
}

/**
 * Validates `config`, creates the directory when missing, checks that it is
 * readable and writable, starts the sweep timer and resolves with a ready
 * {@link FileCache}. `type` may be left out.
 *
 * @throws CacheError CONFIGURATION for a bad config (naming the field);
 *   UNAUTHORIZED, CONFIGURATION or CONNECTION when the directory is unusable.
 */
export async function createFileCache(config: FileCacheOptions): Promise<FileCache> {
  return readyOrClosed(new FileCache(config), (cache) => cache.open());
}
