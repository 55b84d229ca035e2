import { CacheError, describeError } from './errors.js';
import { namespacePrefix, validateKey } from './keys.js';
import { type BackendStats, buildStats, createCounters, type StatsCounters } from './stats.js';
import { DEFAULT_TTL_MS } from './ttl.js';
import type { CacheStats, CacheType } from './types.js';

/** What {@link BaseCache} needs from a backend's (already validated) config. */
export interface BaseCacheOptions {
  namespace?: string | undefined;
  defaultTtlMs?: number | undefined;
  maxValueBytes?: number | undefined;
}

// Failures caused by the caller's arguments or data, not by the backend: not counted in stats().errors.
const CALLER_ERRORS: ReadonlySet<string> = new Set([
  'CLOSED',
  'INVALID_KEY',
  'INVALID_ARGUMENT',
  'NOT_NUMERIC',
  'OUT_OF_RANGE',
  'VALUE_TOO_LARGE',
]);

/**
 * The life of a cache, shared by every backend through {@link BaseCache}: its
 * namespace prefix, default TTL, stats counters, the closed guard, and the
 * error accounting every operation goes through. Its protected helpers are
 * there for backends that write a fast path of their own: the same checks,
 * the same errors, the same counters.
 */
export abstract class CacheLifecycle {
  abstract readonly type: CacheType;
  readonly defaultTtlMs: number;
  /** Prepended to every key: `'ns:'`, or `''` without a namespace. */
  protected readonly keyPrefix: string;
  /** Counters reported by `stats()`; backends add evictions and expirations. */
  protected readonly counters: StatsCounters = createCounters();
  /** The largest value accepted, in bytes (`Infinity` without a bound). */
  protected readonly maxValueBytes: number;
  #closed = false;
  #closing: Promise<void> | undefined;

  constructor(options: BaseCacheOptions) {
    this.keyPrefix = namespacePrefix(options.namespace);
    this.defaultTtlMs = options.defaultTtlMs ?? DEFAULT_TTL_MS;
    this.maxValueBytes = options.maxValueBytes ?? Number.POSITIVE_INFINITY;
  }

  protected abstract _stats(): Promise<BackendStats>;
  protected abstract _ping(): Promise<void>;
  protected abstract _close(): Promise<void>;

  /**
   * Maps an error thrown by a primitive that is not yet a CacheError (a
   * driver's, the file system's) to one. Backends override this to give
   * specific codes and messages; the default is INTERNAL.
   */
  protected wrapError(error: unknown, operation: string): CacheError {
    return new CacheError(
      'INTERNAL',
      `${this.type} cache ${operation} failed unexpectedly: ${describeError(error)}`,
      {
        operation,
        backend: this.type,
        cause: error,
      },
    );
  }

  /** True for keys of the caches' own key spaces (locks, counters), which `clear()` keeps. */
  protected isInternalKey(fullKey: string): boolean {
    return fullKey.charCodeAt(this.keyPrefix.length) === 0;
  }

  /** True once `close()` has been called. */
  protected get closed(): boolean {
    return this.#closed;
  }

  async stats(): Promise<CacheStats> {
    this.guardOpen('stats');
    try {
      return buildStats(this.counters, await this._stats());
    } catch (error) {
      throw this.failWith(error, 'stats');
    }
  }

  async ping(): Promise<void> {
    this.guardOpen('ping');
    try {
      await this._ping();
    } catch (error) {
      throw this.failWith(error, 'ping');
    }
  }

  close(): Promise<void> {
    this.#closed = true;
    this.#closing ??= this._close();
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** Throws CLOSED once `close()` was called. */
  protected guardOpen(operation: string): void {
    if (this.#closed) {
      throw new CacheError(
        'CLOSED',
        `${this.type} cache is closed; ${operation}() cannot run after close()`,
        {
          operation,
          backend: this.type,
        },
      );
    }
  }

  /** The closed guard, then the key rules (INVALID_KEY). */
  protected checkKey(key: string, operation: string): void {
    this.guardOpen(operation);
    validateKey(key, operation, this.type);
  }

  /** Turns anything a primitive threw into a CacheError and counts it unless the caller caused it. */
  protected failWith(error: unknown, operation: string): CacheError {
    const wrapped = CacheError.is(error) ? error : this.wrapError(error, operation);
    if (!CALLER_ERRORS.has(wrapped.code)) this.counters.errors++;
    return wrapped;
  }

  /** Runs a primitive; its result goes through `onValue`, a throw or rejection becomes a counted CacheError. */
  protected settleCall<T, R>(
    primitive: () => Promise<T>,
    operation: string,
    onValue: (value: T) => R,
  ): Promise<R> {
    let pending: Promise<T>;
    try {
      pending = primitive();
    } catch (error) {
      return Promise.reject(this.failWith(error, operation));
    }
    return pending.then(onValue, (error: unknown) => {
      throw this.failWith(error, operation);
    });
  }
}
