import { CacheError, type CacheService } from '@pywatt/cache-core';
import type { Found } from './cache-aside-entry.js';
import type { CacheAsideErrorPhase, NotFound } from './cache-aside-options.js';
import { sleep } from './internal/backoff.js';

/** The prefix of the lock names cache-aside takes with `lockTtlMs`. */
export const CACHE_ASIDE_LOCK_PREFIX = 'aside:';

/** Reports a cache failure that was worked around (to `onError`). */
export type ReportError = (error: unknown, key: string, phase: CacheAsideErrorPhase) => void;

/** How a load waits for the cross-process lock. */
export interface LoadLockOptions {
  readonly lockTtlMs: number;
  readonly lockWaitMs: number;
  readonly lockPollMs: number;
}

/** What a locked load does: check for a fresh value, load, report. */
export interface LockedLoadSteps<T> {
  readFresh(key: string): Promise<Found<T> | undefined>;
  load(): Promise<T | NotFound>;
  report: ReportError;
}

/**
 * The key's cache lock: a token; null when someone else holds it; undefined
 * when locking failed (reported; the caller then loads unlocked).
 */
export async function tryLock(
  cache: CacheService,
  lockName: string,
  ttlMs: number,
  report: ReportError,
): Promise<string | null | undefined> {
  try {
    return (await cache.lock(lockName, ttlMs)) ?? null;
  } catch (error) {
    if (isCallerError(error)) throw error;
    report(error, lockName, 'lock');
    return undefined;
  }
}

/**
 * Loads `key` while holding its cross-process lock, so one process loads and
 * the others wait for its value: polls every `lockPollMs` for a fresh value or
 * the lock, and after `lockWaitMs` (or when locking fails) loads unlocked.
 */
export async function loadWithLock<T>(
  cache: CacheService,
  key: string,
  options: LoadLockOptions,
  steps: LockedLoadSteps<T>,
): Promise<T | NotFound> {
  const lockName = CACHE_ASIDE_LOCK_PREFIX + key;
  const deadline = Date.now() + options.lockWaitMs;
  let token = await tryLock(cache, lockName, options.lockTtlMs, steps.report);
  while (token === null) {
    if (Date.now() >= deadline) return steps.load();
    await sleep(Math.min(options.lockPollMs, Math.max(1, deadline - Date.now())));
    const found = await steps.readFresh(key);
    if (found !== undefined) return found.value;
    token = await tryLock(cache, lockName, options.lockTtlMs, steps.report);
  }
  if (token === undefined) return steps.load(); // lock unusable
  try {
    const found = await steps.readFresh(key);
    if (found !== undefined) return found.value;
    return await steps.load();
  } finally {
    await cache.unlock(lockName, token).catch((error) => steps.report(error, key, 'lock'));
  }
}

/**
 * True for the cache errors that are the caller's to see (`INVALID_KEY`,
 * `CLOSED`); any other cache failure is reported and worked around.
 */
export function isCallerError(error: unknown): boolean {
  return CacheError.is(error, 'INVALID_KEY') || CacheError.is(error, 'CLOSED');
}
