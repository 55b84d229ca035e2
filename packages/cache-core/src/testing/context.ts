import type { ExpectStatic } from 'vitest';
import { CacheError, type CacheErrorCode } from '../errors.js';
import type { CacheService } from '../types.js';

/** The test functions the suite registers its cases with (vitest's, passed by the caller). */
export interface ConformanceTestApi {
  describe: (name: string, body: () => void) => void;
  it: (name: string, body: () => Promise<void>, timeoutMs?: number) => void;
  expect: ExpectStatic;
  afterEach: (body: () => Promise<void>) => void;
}

/** What a backend differs in. */
export interface ConformanceCapabilities {
  /**
   * Multiplies every duration in the TTL and lock-expiry cases; coarse clocks
   * set it higher (memcached, whole seconds: about 15). Default 1 (80 ms TTLs).
   */
  timeScale?: number;
  /**
   * True when two caches made by `create` share their storage (same Redis
   * database, same directory, same server), so namespace isolation and
   * cross-instance atomicity are tested across instances. Default false.
   */
  sharedStorage?: boolean;
  /** The largest value the round-trip case stores, in bytes. Default 1 MiB. */
  largeValueBytes?: number;
}

/** Options the suite asks `create` for. */
export interface CreateCacheOptions {
  /** A fresh namespace per case, so cases never see each other's keys. */
  namespace: string;
  /** The default TTL to configure, when a case needs a short one. */
  defaultTtlMs?: number;
}

/** What a backend's test file hands to {@link runCacheConformance}. */
export interface ConformanceOptions {
  /** Shown in the test names, e.g. `'memory (lru)'`. */
  name: string;
  /** Makes a new, connected cache; called several times per case when storage is shared. */
  create: (options: CreateCacheOptions) => Promise<CacheService>;
  capabilities?: ConformanceCapabilities;
}

/** Per-case helpers shared by the conformance groups. */
export interface SuiteContext {
  readonly api: ConformanceTestApi;
  readonly options: ConformanceOptions;
  readonly caps: Required<ConformanceCapabilities>;
  /** The base TTL of timed cases, in ms. */
  readonly ttlMs: number;
  /** A timeout for one case that sleeps a few TTLs. */
  readonly timedCaseMs: number;
  /**
   * Registers a case whose assertions hold only if the machine does not stall
   * for longer than a TTL. `body` gets the base TTL and `assumeWithin`: call
   * it after an awaited step with the `performance.now()` taken before the
   * write it relies on and the time that write stays alive; if more time has
   * passed, the outcome proves nothing, and the case reruns from the start
   * with every TTL doubled (three attempts, then it fails saying so).
   */
  timed(name: string, body: (ttlMs: number, assumeWithin: AssumeWithin) => Promise<void>): void;
  /** A cache in a fresh namespace (or the namespace given), closed after the case. */
  cache(options?: Partial<CreateCacheOptions>): Promise<CacheService>;
  /** `count` caches over the same namespace: separate instances when storage is shared, else one. */
  peers(count: number, options?: Partial<CreateCacheOptions>): Promise<CacheService[]>;
  /** Expects `promise` to reject with a CacheError of `code`. */
  rejects(promise: Promise<unknown>, code: CacheErrorCode): Promise<CacheError>;
}

/** Throws {@link TimingStall} when more than `budgetMs` has passed since `sinceMs`. */
export type AssumeWithin = (sinceMs: number, budgetMs: number) => void;

/** The machine stalled longer than a timed case assumes; its outcome is inconclusive. */
class TimingStall extends Error {}

const TIMED_ATTEMPTS = 3;

const assumeWithin: AssumeWithin = (sinceMs, budgetMs) => {
  const elapsedMs = performance.now() - sinceMs;
  if (elapsedMs >= budgetMs) {
    throw new TimingStall(
      `${elapsedMs.toFixed(0)} ms passed where the case assumes under ${budgetMs} ms`,
    );
  }
};

let namespaceCounter = 0;
/** A namespace no other case uses, even across processes sharing a server. */
export function freshNamespace(): string {
  namespaceCounter++;
  return `cf-${process.pid}-${Date.now().toString(36)}-${namespaceCounter}`;
}

/** Waits `ms` milliseconds. */
export const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, ms));

/** Bytes of a UTF-8 string. */
export const bytes = (text: string): Uint8Array => Buffer.from(text, 'utf8');

/** Builds the per-case helpers and registers the closing of every cache a case made. */
export function createSuiteContext(
  api: ConformanceTestApi,
  options: ConformanceOptions,
): SuiteContext {
  const caps: Required<ConformanceCapabilities> = {
    timeScale: options.capabilities?.timeScale ?? 1,
    sharedStorage: options.capabilities?.sharedStorage ?? false,
    largeValueBytes: options.capabilities?.largeValueBytes ?? 1024 * 1024,
  };
  const ttlMs = Math.round(80 * caps.timeScale);
  let opened: CacheService[] = [];
  api.afterEach(async () => {
    const closing = opened;
    opened = [];
    await Promise.all(closing.map((c) => c.close()));
  });
  const make = async (o: CreateCacheOptions): Promise<CacheService> => {
    const cache = await options.create(o);
    opened.push(cache);
    return cache;
  };
  return {
    api,
    options,
    caps,
    ttlMs,
    timedCaseMs: 10_000 + ttlMs * 8,
    timed(name, body) {
      api.it(
        name,
        async () => {
          for (let attempt = 1, scale = 1; ; attempt++, scale *= 2) {
            try {
              await body(ttlMs * scale, assumeWithin);
              return;
            } catch (error) {
              if (!(error instanceof TimingStall)) throw error;
              if (attempt === TIMED_ATTEMPTS) {
                throw new Error(`the machine stalled in every attempt: ${error.message}`);
              }
            }
          }
        },
        10_000 + ttlMs * 8 * 2 ** TIMED_ATTEMPTS,
      );
    },
    cache: (o = {}) => make({ namespace: freshNamespace(), ...o }),
    async peers(count, o = {}) {
      const namespace = o.namespace ?? freshNamespace();
      if (!caps.sharedStorage) return [await make({ ...o, namespace })];
      return Promise.all(Array.from({ length: count }, () => make({ ...o, namespace })));
    },
    async rejects(promise, code) {
      let caught: unknown;
      try {
        await promise;
      } catch (error) {
        caught = error;
      }
      api.expect(caught, `expected a CacheError ${code}`).toBeDefined();
      api.expect(CacheError.is(caught), `expected a CacheError, got ${String(caught)}`).toBe(true);
      api.expect((caught as CacheError).code).toBe(code);
      return caught as CacheError;
    },
  };
}
