import nodeFs from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { CacheError, CacheType } from '@pywatt/cache-core';
import lockfile from 'proper-lockfile';
import { errnoCode } from './fs-errors.js';

/** How a per-key lock is taken. */
export interface KeyLockOptions {
  /** A lock not refreshed for this many ms is taken as abandoned (proper-lockfile `stale`, at least 2000). */
  readonly staleMs: number;
  /** Give up waiting for another process's lock after this many ms. */
  readonly waitMs: number;
  /** The operation, for error messages. */
  readonly operation: string;
  /** The caller's key, for error messages. */
  readonly key: string;
}

/** Handed to the critical section: call `assertHeld()` right before committing a change. */
export interface HeldKeyLock {
  /** Throws LOCK_NOT_ACQUIRED if the lock may have been taken over by another process. */
  assertHeld(): void;
}

// Callers in this process queue here first, so only one of them at a time
// contends for a key's lock folder with other processes. Shared by every
// FileCache instance in the process (keyed by absolute path).
const queues = new Map<string, Promise<void>>();

// proper-lockfile caches the mtime precision on the fs object it is given, so it needs
// an extensible object; plain node:fs (not graceful-fs) so EMFILE surfaces as an error.
const lockFs = { ...nodeFs };

/**
 * Runs `body` while holding the cross-process lock of `file` (a
 * `<file>.lock` folder made by proper-lockfile). Never lets a compromised
 * lock escape as an uncaught exception: it becomes a CacheError.
 */
export async function withKeyLock<T>(
  file: string,
  options: KeyLockOptions,
  body: (held: HeldKeyLock) => Promise<T>,
): Promise<T> {
  const previous = queues.get(file) ?? Promise.resolve();
  let releaseQueue!: () => void;
  const mine = new Promise<void>((resolve) => {
    releaseQueue = resolve;
  });
  const tail = previous.then(() => mine);
  queues.set(file, tail);
  await previous;
  try {
    return await holdFileLock(file, options, body);
  } finally {
    releaseQueue();
    if (queues.get(file) === tail) queues.delete(file);
  }
}

async function holdFileLock<T>(
  file: string,
  options: KeyLockOptions,
  body: (held: HeldKeyLock) => Promise<T>,
): Promise<T> {
  let compromised: Error | undefined;
  const release = await acquire(file, options, (error) => {
    compromised = error;
  });
  const acquiredAtMs = Date.now();
  const lost = (why: string): CacheError =>
    new CacheError(
      'LOCK_NOT_ACQUIRED',
      `file cache ${options.operation} on key ${JSON.stringify(options.key)}: the per-key file lock ${why}; ` +
        `another process may have taken it over, so this operation stopped. Was the process paused or its event loop blocked? Retry, or raise lockStaleMs (${options.staleMs} ms)`,
      {
        operation: options.operation,
        backend: CacheType.FILE,
        cause: compromised,
        retryable: true,
      },
    );
  const held: HeldKeyLock = {
    assertHeld() {
      if (compromised !== undefined) throw lost('was lost while held');
      // The lock folder's mtime is at least acquiredAtMs, so no other process can
      // judge it stale before acquiredAtMs + staleMs: half of that is a safe margin.
      if (Date.now() - acquiredAtMs > options.staleMs / 2)
        throw lost('was held longer than half of lockStaleMs');
    },
  };
  let result: T;
  try {
    result = await body(held);
  } catch (error) {
    await release().catch(() => undefined);
    throw error;
  }
  try {
    await release();
  } catch (error) {
    throw lost(
      `could not be released (${errnoCode(error) ?? 'unknown'}); the change was written before this was noticed`,
    );
  }
  if (compromised !== undefined)
    throw lost('was lost while held; the change was written before this was noticed');
  return result;
}

async function acquire(
  file: string,
  options: KeyLockOptions,
  onCompromised: (error: Error) => void,
): Promise<() => Promise<void>> {
  const deadline = Date.now() + options.waitMs;
  let delayMs = 1;
  for (;;) {
    try {
      return await lockfile.lock(file, {
        stale: options.staleMs,
        realpath: false,
        retries: 0,
        fs: lockFs,
        onCompromised,
      });
    } catch (error) {
      const code = errnoCode(error);
      if (code === 'ENOENT') {
        // The shard folder (or the whole directory) is missing: make it and try again.
        await mkdir(dirname(file), { recursive: true });
        continue;
      }
      if (code !== 'ELOCKED') throw error;
      if (Date.now() >= deadline) {
        throw new CacheError(
          'TIMEOUT',
          `file cache ${options.operation} on key ${JSON.stringify(options.key)}: waited ${options.waitMs} ms for the per-key file lock that another process holds; retry later`,
          { operation: options.operation, backend: CacheType.FILE, cause: error },
        );
      }
      await new Promise((resolve) => setTimeout(resolve, delayMs * (0.5 + Math.random())));
      delayMs = Math.min(delayMs * 2, 20);
    }
  }
}
