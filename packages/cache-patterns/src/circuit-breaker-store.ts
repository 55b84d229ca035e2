import {
  type Awaitable,
  type BackendStats,
  CacheError,
  type CacheStore,
  type StoreCapabilities,
  type StoreObserver,
} from '@pywatt/cache-core';
import { mapStoreError } from '@pywatt/cache-core/store';
import { integerAtLeast, optionalDurationMs } from './internal/validate.js';

/** Options of {@link withCircuitBreaker}. */
export interface CircuitBreakerOptions {
  /**
   * Consecutive failures (CacheError `CONNECTION` or `TIMEOUT`) of the wrapped
   * store that open the breaker. Default 5. Any answer, even an error such as
   * `NOT_NUMERIC`, proves the store alive and resets the count.
   */
  failureThreshold?: number | undefined;
  /**
   * How long an open breaker skips the store, in ms; then one call goes through
   * as a probe (the others keep failing fast until it answers). Default 5,000.
   */
  breakMs?: number | undefined;
}

/** Where a breaker stands: `closed` passes calls, `open` fails them fast, `half-open` lets one probe through. */
export type BreakerState = 'closed' | 'open' | 'half-open';

const OPERATION = 'circuitBreaker';

/**
 * A `CacheStore` that stops calling a failing store for a while: after
 * `failureThreshold` consecutive `CONNECTION`/`TIMEOUT` failures, every call
 * fails at once with a retryable CacheError `CONNECTION` for `breakMs`; then the
 * next call probes the store, and its outcome closes the breaker or opens it for
 * another `breakMs`. Keeps no timer: time is checked when a call comes.
 *
 * State changes are the `breakerOpened` / `breakerClosed` events of the
 * service made over it (for a tiered L2, the tiered cache), and
 * `stats().backend` carries `breakerState`, `breakerOpens` and
 * `breakerRejections`. An open breaker's `stats()` skips the store and reports
 * those alone. `close()` always reaches the store.
 */
export class CircuitBreakerStore implements CacheStore {
  readonly name: string;
  readonly capabilities: StoreCapabilities;
  /** The wrapped store. */
  readonly store: CacheStore;
  readonly #threshold: number;
  readonly #breakMs: number;
  #failures = 0;
  #openUntil = 0;
  #state: BreakerState = 'closed';
  #opens = 0;
  #rejections = 0;
  #observer: StoreObserver | undefined;

  /** @throws CacheError `INVALID_ARGUMENT` for a bad option. */
  // The wrapped store's optional typed-value methods, behind the breaker too (present only when it has them).
  readonly getString?: (fullKey: string) => Awaitable<string | null | undefined>;
  readonly setString?: (fullKey: string, value: string, ttlMs: number) => Awaitable<void>;
  readonly getJson?: (fullKey: string, parse: (text: string) => unknown) => Awaitable<unknown>;

  constructor(store: CacheStore, options: CircuitBreakerOptions = {}) {
    this.store = store;
    this.name = store.name;
    // Not exact keys even over a store that has them: an open breaker answers without the
    // store, which would have made the key checks that flag leaves to it, so the service checks first.
    this.capabilities = { ...store.capabilities, exactStringKeys: false };
    this.#threshold = integerAtLeast(options.failureThreshold, 1, 'failureThreshold', OPERATION, 5);
    this.#breakMs = optionalDurationMs(options.breakMs, 'breakMs', OPERATION) ?? 5_000;
    const { getString, setString, getJson } = store;
    if (getString !== undefined && setString !== undefined) {
      this.getString = (fullKey) => this.#run('get', () => getString.call(store, fullKey));
      this.setString = (fullKey, value, ttlMs) =>
        this.#run('set', () => setString.call(store, fullKey, value, ttlMs));
      if (getJson !== undefined)
        this.getJson = (fullKey, parse) =>
          this.#run('get', () => getJson.call(store, fullKey, parse));
    }
  }

  /** The breaker's state now (an open breaker whose break ran out reads `half-open`). */
  get state(): BreakerState {
    return this.#state === 'open' && Date.now() >= this.#openUntil ? 'half-open' : this.#state;
  }

  get(fullKey: string): Awaitable<Uint8Array | null | undefined> {
    return this.#run('get', () => this.store.get(fullKey));
  }
  set(fullKey: string, value: Uint8Array, ttlMs: number): Awaitable<void> {
    return this.#run('set', () => this.store.set(fullKey, value, ttlMs));
  }
  delete(fullKey: string): Awaitable<boolean> {
    return this.#run('delete', () => this.store.delete(fullKey));
  }
  exists(fullKey: string): Awaitable<boolean> {
    return this.#run('exists', () => this.store.exists(fullKey));
  }
  setIfAbsent(fullKey: string, value: Uint8Array, ttlMs: number): Awaitable<boolean> {
    return this.#run('setIfAbsent', () => this.store.setIfAbsent(fullKey, value, ttlMs));
  }
  getAndSet(fullKey: string, value: Uint8Array, ttlMs: number): Awaitable<Uint8Array | undefined> {
    return this.#run('getAndSet', () => this.store.getAndSet(fullKey, value, ttlMs));
  }
  increment(fullKey: string, delta: number, newKeyTtlMs: number, key: string): Awaitable<number> {
    return this.#run('increment', () => this.store.increment(fullKey, delta, newKeyTtlMs, key));
  }
  getMany(fullKeys: readonly string[]): Awaitable<ReadonlyArray<Uint8Array | null | undefined>> {
    return this.#run('getMany', () => this.store.getMany(fullKeys));
  }
  setMany(entries: ReadonlyArray<readonly [string, Uint8Array]>, ttlMs: number): Awaitable<void> {
    return this.#run('setMany', () => this.store.setMany(entries, ttlMs));
  }
  deleteMany(fullKeys: readonly string[]): Awaitable<number> {
    return this.#run('deleteMany', () => this.store.deleteMany(fullKeys));
  }
  clear(fullPrefix: string): Awaitable<void> {
    return this.#run('clear', () => this.store.clear(fullPrefix));
  }
  lock(lockKey: string, token: string, ttlMs: number): Awaitable<boolean> {
    return this.#run('lock', () => this.store.lock(lockKey, token, ttlMs));
  }
  unlock(lockKey: string, token: string): Awaitable<boolean> {
    return this.#run('unlock', () => this.store.unlock(lockKey, token));
  }
  extendLock(lockKey: string, token: string, ttlMs: number): Awaitable<boolean> {
    return this.#run('extendLock', () => this.store.extendLock(lockKey, token, ttlMs));
  }
  ping(): Awaitable<void> {
    return this.#run('ping', () => this.store.ping());
  }

  async stats(): Promise<BackendStats> {
    const figures = {
      breakerState: this.state,
      breakerOpens: this.#opens,
      breakerRejections: this.#rejections,
    };
    if (this.state === 'open') return { backend: figures };
    const inner = await this.#run('stats', () => this.store.stats());
    return { ...inner, backend: { ...inner.backend, ...figures } };
  }

  close(): Awaitable<void> {
    return this.store.close();
  }

  observe(observer: StoreObserver): void {
    this.#observer = observer;
    this.store.observe?.(observer);
  }

  mapError(error: unknown, operation: string): CacheError {
    return mapStoreError(this.store, error, operation);
  }

  // Runs one call unless the breaker is open; its outcome feeds the breaker.
  #run<T>(operation: string, call: () => Awaitable<T>): Awaitable<T> {
    let probe = false;
    if (this.#state !== 'closed') {
      if (this.#state === 'half-open' || Date.now() < this.#openUntil) {
        this.#rejections++;
        throw this.#openError(operation);
      }
      this.#state = 'half-open'; // this call is the one probe
      probe = true;
    }
    let result: Awaitable<T>;
    try {
      result = call();
    } catch (error) {
      this.#failed(error, operation, probe);
      throw error;
    }
    if (!(result instanceof Promise)) {
      this.#answered(probe);
      return result;
    }
    return result.then(
      (value) => {
        this.#answered(probe);
        return value;
      },
      (error: unknown) => {
        this.#failed(error, operation, probe);
        throw error;
      },
    );
  }

  #answered(probe: boolean): void {
    this.#failures = 0;
    if (probe) {
      this.#state = 'closed';
      this.#emit('breakerClosed', undefined);
    }
  }

  #failed(error: unknown, operation: string, probe: boolean): void {
    const code = mapStoreError(this.store, error, operation).code;
    if (code !== 'CONNECTION' && code !== 'TIMEOUT') {
      this.#answered(probe); // the store answered: it is alive
      return;
    }
    this.#failures++;
    if (probe || (this.#state === 'closed' && this.#failures >= this.#threshold)) {
      this.#state = 'open';
      this.#openUntil = Date.now() + this.#breakMs;
      if (!probe) this.#opens++;
      this.#emit('breakerOpened', this.#breakMs);
    }
  }

  #emit(name: 'breakerOpened' | 'breakerClosed', openMs: number | undefined): void {
    const observer = this.#observer;
    if (observer === undefined || !observer.events.wants(name)) return;
    observer.events.emit(name, { ...observer.source, ...(openMs === undefined ? {} : { openMs }) });
  }

  #openError(operation: string): CacheError {
    return new CacheError(
      'CONNECTION',
      `${this.name} store skipped: its circuit breaker opened after ${this.#threshold} consecutive failures (next probe in ${Math.max(0, this.#openUntil - Date.now())} ms)`,
      { operation, backend: this.name, retryable: true },
    );
  }
}

/**
 * Wraps `store` in a {@link CircuitBreakerStore}; hand the result to
 * `createTieredCache` as its `l2`, or to `createCache`:
 *
 * ```ts
 * const redis = new RedisStore({ url });
 * await redis.connect();
 * const cache = await createTieredCache({ l2: withCircuitBreaker(redis), namespace: 'app', bus });
 * ```
 *
 * @throws CacheError `INVALID_ARGUMENT` for a bad option.
 */
export function withCircuitBreaker(
  store: CacheStore,
  options?: CircuitBreakerOptions,
): CircuitBreakerStore {
  return new CircuitBreakerStore(store, options);
}
