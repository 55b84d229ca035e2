import { CacheError, type CacheService } from '@pywatt/cache-core';
import type { AcquireOptions, DistributedLockOptions } from './distributed-lock-options.js';
import { nextFencingToken } from './fencing-tokens.js';
import { backoffDelayMs, sleep } from './internal/backoff.js';
import { integerAtLeast, optionalDurationMs, optionalFunction } from './internal/validate.js';

export { FENCE_KEY_PREFIX } from './fencing-tokens.js';

const OPERATION = 'DistributedLock';

/**
 * A lock over any `CacheService`, built on its atomic `lock`, `unlock`
 * and `extendLock`. One instance holds at most one grant at a time; after
 * `release()` it can be acquired again.
 *
 * Each grant carries a {@link fencingToken} that is strictly greater than the
 * token of every earlier grant of the same key, so a resource that remembers
 * the highest token it has seen can refuse a stale holder whose lock expired
 * while it was paused. The grant's {@link signal} aborts when the lock is
 * known to be lost: its TTL passed without an extension, or an extension
 * found it taken.
 *
 * Supports `await using lock = await new DistributedLock(cache, 'k').acquire()`.
 */
export class DistributedLock implements AsyncDisposable {
  /** The lock's name (in the cache's lock key space). */
  readonly key: string;
  readonly #cache: CacheService;
  readonly #ttlMs: number;
  readonly #maxAttempts: number;
  readonly #retryDelayMs: number;
  readonly #maxRetryDelayMs: number;
  readonly #backoffFactor: number;
  readonly #acquireTimeoutMs: number;
  readonly #autoExtend: boolean;
  readonly #fencing: boolean;
  readonly #random: () => number;
  #token: string | undefined;
  #fence: number | undefined;
  #controller: AbortController | undefined;
  #expiresAt = 0;
  #watchdog: NodeJS.Timeout | undefined;
  #extender: NodeJS.Timeout | undefined;

  /**
   * @param cache - where the lock lives; every process sharing the backend shares the lock.
   * @param key - the lock's name, a valid cache key.
   * @param options - see {@link DistributedLockOptions}; invalid ones throw CacheError `INVALID_ARGUMENT`.
   */
  constructor(cache: CacheService, key: string, options: DistributedLockOptions = {}) {
    this.#cache = cache;
    this.key = key;
    this.#ttlMs = optionalDurationMs(options.ttlMs, 'ttlMs', OPERATION) ?? 30_000;
    this.#maxAttempts = integerAtLeast(options.maxAttempts, 1, 'maxAttempts', OPERATION, 100);
    this.#retryDelayMs = optionalDurationMs(options.retryDelayMs, 'retryDelayMs', OPERATION) ?? 50;
    this.#maxRetryDelayMs =
      optionalDurationMs(options.maxRetryDelayMs, 'maxRetryDelayMs', OPERATION) ?? 1000;
    this.#backoffFactor =
      optionalDurationMs(options.backoffFactor, 'backoffFactor', OPERATION) ?? 2;
    this.#acquireTimeoutMs =
      optionalDurationMs(options.acquireTimeoutMs, 'acquireTimeoutMs', OPERATION) ?? 10_000;
    this.#autoExtend = options.autoExtend === true;
    this.#fencing = options.fencing !== false;
    this.#random = optionalFunction(options.random, 'random', OPERATION) ?? Math.random;
  }

  /** True while this instance holds a grant it has not released or seen lost. */
  get held(): boolean {
    return this.#token !== undefined && this.#controller?.signal.aborted === false;
  }

  /** The cache's lock token of the current grant, or undefined. */
  get token(): string | undefined {
    return this.#token;
  }

  /** The fencing token of the current (or last) grant; undefined before the first or with `fencing: false`. */
  get fencingToken(): number | undefined {
    return this.#fence;
  }

  /**
   * Aborts when the current grant is lost (its TTL passed without an
   * extension, or an extension found the lock taken). A fresh signal per grant;
   * an already-aborted one before the first grant.
   */
  get signal(): AbortSignal {
    return this.#controller?.signal ?? AbortSignal.abort();
  }

  /** When the current grant expires unless extended, in ms since the epoch (0 when not held). */
  get expiresAt(): number {
    return this.#token === undefined ? 0 : this.#expiresAt;
  }

  /**
   * Takes the lock, retrying with exponential backoff and jitter. Resolves
   * with this instance, now held. Rejects with CacheError `LOCK_NOT_ACQUIRED`
   * after `maxAttempts` attempts, after `acquireTimeoutMs`, or when
   * `options.signal` aborts; with `INVALID_ARGUMENT` if this instance already
   * holds the lock; and with the cache's errors (`CONNECTION`, `CLOSED`, ...).
   */
  async acquire(options: AcquireOptions = {}): Promise<this> {
    const deadline = Date.now() + this.#acquireTimeoutMs;
    for (let attempt = 1; ; attempt++) {
      if (options.signal?.aborted) throw this.#notAcquired(attempt - 1, options.signal.reason);
      if (await this.tryAcquire()) return this;
      const remaining = deadline - Date.now();
      if (attempt >= this.#maxAttempts || remaining <= 0) throw this.#notAcquired(attempt);
      const delay = backoffDelayMs(
        attempt,
        {
          baseDelayMs: this.#retryDelayMs,
          maxDelayMs: this.#maxRetryDelayMs,
          factor: this.#backoffFactor,
        },
        this.#random,
      );
      await sleep(Math.min(delay, remaining), options.signal);
    }
  }

  /**
   * One attempt, no waiting: true if the lock is now held by this instance.
   * Rejects with `INVALID_ARGUMENT` if it already holds it, and with the cache's errors.
   */
  async tryAcquire(): Promise<boolean> {
    if (this.held) {
      throw new CacheError(
        'INVALID_ARGUMENT',
        `lock ${JSON.stringify(this.key)} is already held by this instance; release it first or use another instance`,
        { operation: 'acquire' },
      );
    }
    const before = Date.now();
    const token = await this.#cache.lock(this.key, this.#ttlMs);
    if (token === undefined) return false;
    this.#token = token;
    this.#controller = new AbortController();
    this.#arm(before);
    if (this.#fencing) {
      try {
        this.#fence = await nextFencingToken(this.#cache, this.key);
      } catch (error) {
        await this.release().catch(() => false);
        throw error;
      }
    }
    if (this.#autoExtend) this.#scheduleExtension();
    return true;
  }

  /**
   * Frees the lock if this grant still holds it. Resolves true if it did,
   * false if the grant had already expired or been taken (or was never held).
   * Rejects with the cache's errors.
   */
  async release(): Promise<boolean> {
    const token = this.#token;
    this.#stopTimers();
    this.#token = undefined;
    if (token === undefined) return false;
    const released = await this.#cache.unlock(this.key, token);
    if (!released) this.#lose('the lock had expired or been taken before release()');
    return released;
  }

  /**
   * Re-arms the grant to `ttlMs` (default the lock's `ttlMs`) from now. True
   * if it still held the lock; false if it was lost, which also aborts the
   * signal. Rejects with the cache's errors.
   */
  async extend(ttlMs: number = this.#ttlMs): Promise<boolean> {
    const token = this.#token;
    if (token === undefined || !this.held) return false;
    const before = Date.now();
    const extended = await this.#cache.extendLock(this.key, token, ttlMs);
    if (this.#token !== token) return extended; // released meanwhile
    if (extended) this.#arm(before, ttlMs);
    else this.#lose('extendLock found the lock expired or taken');
    return extended;
  }

  /** Releases the lock: what `await using` calls. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.release();
  }

  // Arms the watchdog that aborts the signal when the grant runs out unextended.
  #arm(since: number, ttlMs = this.#ttlMs): void {
    this.#expiresAt = since + ttlMs;
    clearTimeout(this.#watchdog);
    this.#watchdog = setTimeout(
      () => this.#lose(`the lock's ${ttlMs} ms TTL ran out without an extension`),
      Math.max(0, this.#expiresAt - Date.now()),
    );
    this.#watchdog.unref();
  }

  #scheduleExtension(): void {
    clearTimeout(this.#extender);
    this.#extender = setTimeout(() => {
      this.extend()
        .then((extended) => {
          if (extended) this.#scheduleExtension();
        })
        .catch(() => {
          // The cache failed; try again soon. The watchdog still aborts the signal at expiry.
          if (this.held) this.#scheduleExtension();
        });
    }, this.#ttlMs / 3);
    this.#extender.unref();
  }

  #lose(reason: string): void {
    this.#stopTimers();
    const controller = this.#controller;
    if (controller !== undefined && !controller.signal.aborted) {
      controller.abort(
        new CacheError(
          'LOCK_NOT_ACQUIRED',
          `lock ${JSON.stringify(this.key)} was lost: ${reason}`,
          {
            operation: 'lock',
          },
        ),
      );
    }
  }

  #stopTimers(): void {
    clearTimeout(this.#watchdog);
    clearTimeout(this.#extender);
    this.#watchdog = undefined;
    this.#extender = undefined;
  }

  #notAcquired(attempts: number, cause?: unknown): CacheError {
    return new CacheError(
      'LOCK_NOT_ACQUIRED',
      `could not acquire lock ${JSON.stringify(this.key)} after ${attempts} attempt(s)` +
        (cause === undefined
          ? ` within ${this.#acquireTimeoutMs} ms; another holder has it`
          : ': aborted'),
      { operation: 'acquire', cause, retryable: true },
    );
  }
}

/**
 * Runs `fn` while holding the lock `key`, and releases it afterwards, whether
 * `fn` resolves or throws. `fn` receives the held lock: pass `lock.signal` to
 * work that must stop if the lock is lost, and `lock.fencingToken` to the
 * resource. Rejects with `LOCK_NOT_ACQUIRED` when the lock cannot be taken
 * (see {@link DistributedLock.acquire}), else with `fn`'s error.
 */
export async function withLock<R>(
  cache: CacheService,
  key: string,
  fn: (lock: DistributedLock) => R | Promise<R>,
  options: DistributedLockOptions & AcquireOptions = {},
): Promise<R> {
  const lock = new DistributedLock(cache, key, options);
  await lock.acquire({ signal: options.signal });
  try {
    return await fn(lock);
  } finally {
    await lock.release().catch(() => false);
  }
}
