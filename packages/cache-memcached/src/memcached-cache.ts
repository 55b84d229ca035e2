import {
  type BackendStats,
  CacheError,
  type CacheStore,
  StoreCache,
  type StoreCapabilities,
} from '@pywatt/cache-core';
import {
  ConnectionEvents,
  createCounters,
  readyOrClosed,
  type StoreObserver,
} from '@pywatt/cache-core/store';
import { getManyLive } from './batch-get.js';
import { deleteManyQuiet, setManyQuiet } from './batch-write.js';
import { addUnlessLive, casLoop, casSet, heldCas, incrementAt, swap } from './cas-operations.js';
import {
  DEFAULTS,
  type MemcachedCacheOptions,
  parseServer,
  validateMemcachedConfig,
} from './config.js';
import { expiryForTtl } from './expiry.js';
import { HashRing, type RingNode } from './hash-ring.js';
import { clearShared } from './interop.js';
import { expiryFor, getItem, isLive, type Located, outcome, writeItem } from './item-access.js';
import { KeyRouter } from './key-router.js';
import { mapError } from './map-error.js';
import { EMPTY, Op, Status } from './protocol.js';
import { ServerConnection } from './server-connection.js';
import { collectServerStats } from './server-stats.js';
import { statusError } from './transport-error.js';

/**
 * A store on one or more memcached servers, through one memjs connection per
 * server and a libketama-compatible consistent-hash ring. Atomic operations
 * use memcached's ADD and CAS; `clear` uses generation tokens (never
 * `flush_all`), except in interop mode (`interop: true`), where items are
 * shared with other memcached clients (see interop.ts).
 * The constructor validates the config and does no I/O; {@link createMemcachedCache}
 * also connects and pings. Errors: CONNECTION / TIMEOUT name the server (only keys on
 * that server fail), UNAUTHORIZED for SASL, VALUE_TOO_LARGE above
 * `maxValueBytes` (checked before sending) or the server's item size.
 *
 * Routing lives in key-router.ts, the item primitives in item-access.ts,
 * the ADD/CAS retry loops in cas-operations.ts, quiet batches in
 * batch-get.ts and batch-write.ts, the memjs internals in memjs-adapter.ts;
 * this class maps the store operations onto them.
 */
export class MemcachedStore implements CacheStore {
  readonly name = 'memcached';
  readonly capabilities: StoreCapabilities;
  /** The validated config. */
  readonly config: MemcachedCacheOptions;
  readonly #counters = createCounters();
  readonly #servers: ServerConnection[];
  readonly #router: KeyRouter;
  readonly #timeoutMs: number;
  readonly #interop: boolean;

  /** @throws CacheError CONFIGURATION when a field is unknown, mistyped or impossible. */
  constructor(input: MemcachedCacheOptions) {
    const config = validateMemcachedConfig(input);
    this.config = config;
    this.capabilities = {
      // Interop mode leaves the expiry to memcached, in whole seconds; otherwise it is checked in ms.
      ttlResolutionMs: config.interop === true ? 1000 : 1,
      // Longer keys are hashed to fit memcached's 250 bytes (wire-keys.ts).
      maxKeyBytes: Number.POSITIVE_INFINITY,
      maxValueBytes: config.maxValueBytes ?? DEFAULTS.maxValueBytes,
      sharedAcrossProcesses: true,
      sharedAcrossMachines: true,
      constantTimeClear: config.interop !== true,
    };
    this.#timeoutMs = config.operationTimeoutMs ?? DEFAULTS.operationTimeoutMs;
    const options = {
      username: config.username,
      password: config.password,
      timeoutMs: this.#timeoutMs,
      retries: config.retries ?? DEFAULTS.retries,
    };
    this.#servers = config.servers.map((text) => {
      const address = parseServer(text);
      if (address === undefined)
        throw new CacheError(
          'CONFIGURATION',
          `memcached cache config: server ${JSON.stringify(text)} is not 'host:port'`,
          { operation: 'create', backend: this.name },
        );
      return new ServerConnection(address.host, address.port, options);
    });
    this.#interop = config.interop === true;
    const ring = new HashRing(config.servers.map((text) => parseServer(text) as RingNode));
    this.#router = new KeyRouter(
      this.#servers,
      ring,
      this.#interop ? undefined : (config.generationCacheMs ?? DEFAULTS.generationCacheMs),
    );
  }

  /** `host:port` of the server that holds `fullKey` on the ring; for diagnostics and tests. */
  serverFor(fullKey: string): string {
    return this.#router.serverFor(fullKey).address;
  }

  /**
   * Reports `connectionLost` / `connectionRestored` per server (see CacheStore.observe).
   * memjs reconnects on the next request to a server, so `connectionRestored` follows
   * the first request that finds the server up again.
   */
  observe(observer: StoreObserver): void {
    for (const server of this.#servers) {
      const endpoint = `memcached at ${server.address}`;
      server.watch(new ConnectionEvents(observer.events, { ...observer.source, endpoint }));
    }
  }

  mapError(error: unknown, operation: string): CacheError {
    return CacheError.is(error) ? error : mapError(error, operation, this.#timeoutMs);
  }

  // The hot paths return the router's promise rather than awaiting it: one promise less per call.
  readonly #getAt = (at: Located): Promise<Uint8Array | undefined> =>
    getItem(at).then((r) =>
      isLive(at, r, 'get', this.#counters) ? new Uint8Array(r.val) : undefined,
    );
  readonly #existsAt = (at: Located): Promise<boolean> =>
    // The binary protocol has no existence check: a GET whose value is dropped.
    getItem(at).then((r) => isLive(at, r, 'exists', this.#counters));
  readonly #deleteAt = (at: Located): Promise<boolean> =>
    at.server
      .request(Op.DELETE, at.key, EMPTY, EMPTY, { session: at.session })
      .then((r) => outcome(at, r, 'delete', [Status.KEY_NOT_FOUND]));

  get(fullKey: string): Promise<Uint8Array | undefined> {
    return this.#router.withData(fullKey, this.#getAt);
  }

  set(fullKey: string, value: Uint8Array, ttlMs: number): Promise<void> {
    return this.#router.withData(fullKey, (at) =>
      writeItem(at, Op.SET, value, expiryFor(at, ttlMs), undefined, true).then((r) => {
        outcome(at, r, 'set', []);
      }),
    );
  }

  delete(fullKey: string): Promise<boolean> {
    return this.#router.withData(fullKey, this.#deleteAt);
  }

  exists(fullKey: string): Promise<boolean> {
    return this.#router.withData(fullKey, this.#existsAt);
  }

  async setIfAbsent(fullKey: string, value: Uint8Array, ttlMs: number): Promise<boolean> {
    return this.#router.withData(fullKey, (at) => addUnlessLive(at, value, expiryFor(at, ttlMs)));
  }

  async getAndSet(
    fullKey: string,
    value: Uint8Array,
    ttlMs: number,
  ): Promise<Uint8Array | undefined> {
    return this.#router.withData(fullKey, (at) =>
      casLoop(at, 'getAndSet', async (found, live) => {
        const stored = await swap(at, found, value, expiryFor(at, ttlMs));
        if (!stored) return undefined;
        return { result: live && found !== undefined ? new Uint8Array(found.val) : undefined };
      }),
    );
  }

  async increment(
    fullKey: string,
    delta: number,
    newKeyTtlMs: number,
    key: string,
  ): Promise<number> {
    return this.#router.withData(fullKey, (at) => incrementAt(at, delta, newKeyTtlMs, key));
  }

  async clear(fullPrefix: string): Promise<void> {
    if (this.#interop) await clearShared(this.#servers, fullPrefix, this.#timeoutMs);
    else await this.#router.clear(fullPrefix);
  }

  async lock(lockKey: string, token: string, ttlMs: number): Promise<boolean> {
    const at = this.#router.internal(lockKey);
    return addUnlessLive(at, Buffer.from(token, 'utf8'), expiryForTtl(ttlMs, Date.now()));
  }

  async unlock(lockKey: string, token: string): Promise<boolean> {
    const at = this.#router.internal(lockKey);
    const held = await heldCas(at, token, this.#counters);
    if (held === undefined) return false;
    const r = await at.server.request(Op.DELETE, at.key, EMPTY, EMPTY, { cas: held });
    return outcome(at, r, 'delete', [Status.KEY_EXISTS, Status.KEY_NOT_FOUND]);
  }

  async extendLock(lockKey: string, token: string, ttlMs: number): Promise<boolean> {
    const at = this.#router.internal(lockKey);
    const held = await heldCas(at, token, this.#counters);
    if (held === undefined) return false;
    // memcached's TOUCH ignores CAS, so the extension is a CAS-guarded rewrite of the same token.
    return casSet(at, Buffer.from(token, 'utf8'), expiryForTtl(ttlMs, Date.now()), held);
  }

  async getMany(fullKeys: readonly string[]): Promise<Array<Uint8Array | undefined>> {
    return this.#router.withMany(fullKeys, (located) => getManyLive(located, this.#counters));
  }

  async setMany(
    entries: ReadonlyArray<readonly [string, Uint8Array]>,
    ttlMs: number,
  ): Promise<void> {
    const values = entries.map((e) => e[1]);
    await this.#router.withMany(
      entries.map((e) => e[0]),
      (located) => setManyQuiet(located, values, ttlMs),
    );
  }

  async deleteMany(fullKeys: readonly string[]): Promise<number> {
    return this.#router.withMany(fullKeys, deleteManyQuiet);
  }

  async stats(): Promise<BackendStats> {
    const { expirations } = this.#counters;
    return { expirations, backend: await collectServerStats(this.#servers) };
  }

  async ping(): Promise<void> {
    await Promise.all(
      this.#servers.map(async (s) => {
        const r = await s.request(Op.NOOP, EMPTY, EMPTY, EMPTY, { idempotent: true });
        if (r.header.status !== Status.OK) throw statusError(s, r.header.status, 'answer a NOOP');
      }),
    );
  }

  async close(): Promise<void> {
    for (const server of this.#servers) server.close();
  }
}

/**
 * A memcached cache: a `CacheService` over a {@link MemcachedStore}.
 * `new MemcachedCache(config)` validates the config and does no I/O;
 * {@link createMemcachedCache} also connects and pings.
 */
export class MemcachedCache extends StoreCache<MemcachedStore> {
  /** @throws CacheError CONFIGURATION when a field is unknown, mistyped or impossible. */
  constructor(config: MemcachedCacheOptions) {
    const store = new MemcachedStore(config);
    const { namespace, defaultTtlMs, maxValueBytes, traceKeys } = store.config;
    super(store, { namespace, defaultTtlMs, maxValueBytes, traceKeys });
  }

  /** `host:port` of the server that holds `key` (of this cache) on the ring; for diagnostics and tests. */
  serverFor(key: string): string {
    return this.store.serverFor(this.keyPrefix + key);
  }
}

/**
 * Validates `config`, connects to every server and pings them, then resolves
 * with the cache. Rejects with CONFIGURATION naming a bad field, CONNECTION /
 * TIMEOUT naming a server that does not answer, UNAUTHORIZED when SASL
 * fails. On failure nothing is left open.
 */
export async function createMemcachedCache(config: MemcachedCacheOptions): Promise<MemcachedCache> {
  return readyOrClosed(new MemcachedCache(config));
}
