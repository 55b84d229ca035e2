import { CacheError, describeError } from './errors.js';
import { namespacePrefix, validateKey } from './keys.js';
import {
  type CacheEventListener,
  type CacheEventName,
  CacheEvents,
  type CacheOperationContext,
  type OperationFamily,
} from './observability.js';
import { type BackendStats, buildStats, createCounters, type StatsCounters } from './stats.js';
import { DEFAULT_TTL_MS } from './ttl.js';
import type { CacheStats, CacheType } from './types.js';

/** What {@link BaseCache} needs from a backend's (already validated) config. */
export interface BaseCacheOptions {
  namespace?: string | undefined;
  defaultTtlMs?: number | undefined;
  maxValueBytes?: number | undefined;
  /** Put the keys in tracing contexts and events (off by default: keys can be personal data). */
  traceKeys?: boolean | undefined;
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
  /** The listeners of {@link on}; backends test `events.wants(name)` before building an event. */
  protected readonly events: CacheEvents = new CacheEvents(this);
  readonly #namespace: string | undefined;
  readonly #traceKeys: boolean;
  #closed = false;
  #closing: Promise<void> | undefined;

  constructor(options: BaseCacheOptions) {
    this.keyPrefix = namespacePrefix(options.namespace);
    this.defaultTtlMs = options.defaultTtlMs ?? DEFAULT_TTL_MS;
    this.maxValueBytes = options.maxValueBytes ?? Number.POSITIVE_INFINITY;
    this.#namespace = options.namespace;
    this.#traceKeys = options.traceKeys === true;
  }

  /**
   * Subscribes to one event (see {@link CacheEventMap} and docs/OBSERVABILITY.md).
   * Returns the function that unsubscribes. A cache without listeners builds no event.
   */
  on<E extends CacheEventName>(event: E, listener: CacheEventListener<E>): () => void {
    return this.events.on(event, listener);
  }

  /** The backend and namespace an event names. */
  protected eventSource(): { backend: string; namespace: string | undefined } {
    return { backend: this.type, namespace: this.#namespace };
  }

  /** A key for an event or trace: the caller's key with `traceKeys`, else undefined. */
  protected traceKey(key: string): string | undefined {
    return this.#traceKeys ? key : undefined;
  }

  /** A fresh context for one traced operation (only built when its channel has subscribers). */
  protected traceContext(
    family: OperationFamily,
    operation: string,
    keyCount: number,
    keys: readonly string[] | undefined,
  ): CacheOperationContext {
    return {
      cache: this,
      backend: this.type,
      namespace: this.#namespace,
      operation,
      family,
      keyCount,
      keys: this.#traceKeys ? keys : undefined,
    };
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
