import {
  type BackendStats,
  CacheError,
  type CacheStore,
  StoreCache,
  type StoreCapabilities,
} from '@pywatt/cache-core';
import {
  addToStoredInteger,
  createCounters,
  encodeStoredInteger,
  namespacePrefix,
  readyOrClosed,
} from '@pywatt/cache-core/store';
import { getManyLive } from './batch-get.js';
import { addUnlessLive, casLoop, casSet, heldCas, swap } from './cas-operations.js';
import {
  DEFAULTS,
  type MemcachedCacheOptions,
  parseServer,
  validateMemcachedConfig,
} from './config.js';
import { expiryForTtl, expiryFromFlags } from './expiry.js';
import { getItem, isLive, outcome, writeItem } from './item-access.js';
import { KeyRouter } from './key-router.js';
import { mapError } from './map-error.js';
import { EMPTY, Op, responseFlags, Status } from './protocol.js';
import { ServerConnection } from './server-connection.js';
import { collectServerStats } from './server-stats.js';
import { statusError } from './transport-error.js';

/**
 * A store on one or more memcached servers, through one memjs connection per
 * server and a ketama-style consistent-hash ring. Atomic operations use
 * memcached's ADD and CAS; `clear` uses generation tokens (never `flush_all`).
 * The constructor validates the config and does no I/O; {@link createMemcachedCache}
 * also connects and pings. Errors: CONNECTION / TIMEOUT name the server (only keys on
 * that server fail), UNAUTHORIZED for SASL, VALUE_TOO_LARGE above
 * `maxValueBytes` (checked before sending) or the server's item size.
 *
 * Routing lives in {@link KeyRouter}, the item primitives in item-access.ts,
 * the ADD/CAS retry loops in cas-operations.ts and batched reads in
 * batch-get.ts; this class maps the store operations onto them.
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

  /** @throws CacheError CONFIGURATION when a field is unknown, mistyped or impossible. */
  constructor(input: MemcachedCacheOptions) {
    const config = validateMemcachedConfig(input);
    this.config = config;
    this.capabilities = {
      ttlResolutionMs: 1000,
      // Longer keys are hashed to fit memcached's 250 bytes (wire-keys.ts).
      maxKeyBytes: Number.POSITIVE_INFINITY,
      maxValueBytes: config.maxValueBytes ?? DEFAULTS.maxValueBytes,
      sharedAcrossProcesses: true,
      sharedAcrossMachines: true,
      constantTimeClear: true,
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
    this.#router = new KeyRouter(
      this.#servers,
      config.generationCacheMs ?? DEFAULTS.generationCacheMs,
    );
  }

  /** `host:port` of the server that holds `fullKey` on the ring; for diagnostics and tests. */
  serverFor(fullKey: string): string {
    return this.#router.serverFor(fullKey).address;
  }

  mapError(error: unknown, operation: string): CacheError {
    return CacheError.is(error) ? error : mapError(error, operation, this.#timeoutMs);
  }

  async get(fullKey: string): Promise<Uint8Array | undefined> {
    const at = await this.#router.data(fullKey);
    const response = await getItem(at);
    return isLive(at, response, 'get', this.#counters) ? new Uint8Array(response.val) : undefined;
  }

  async set(fullKey: string, value: Uint8Array, ttlMs: number): Promise<void> {
    const at = await this.#router.data(fullKey);
    const response = await writeItem(
      at,
      Op.SET,
      value,
      expiryForTtl(ttlMs, Date.now()),
      undefined,
      true,
    );
    outcome(at, response, 'set', []);
  }

  async delete(fullKey: string): Promise<boolean> {
    const at = await this.#router.data(fullKey);
    return outcome(at, await at.server.request(Op.DELETE, at.key), 'delete', [
      Status.KEY_NOT_FOUND,
    ]);
  }

  async exists(fullKey: string): Promise<boolean> {
    // The binary protocol has no existence check: a GET whose value is dropped.
    const at = await this.#router.data(fullKey);
    return isLive(at, await getItem(at), 'exists', this.#counters);
  }

  async setIfAbsent(fullKey: string, value: Uint8Array, ttlMs: number): Promise<boolean> {
    const at = await this.#router.data(fullKey);
    return addUnlessLive(at, value, expiryForTtl(ttlMs, Date.now()));
  }

  async getAndSet(
    fullKey: string,
    value: Uint8Array,
    ttlMs: number,
  ): Promise<Uint8Array | undefined> {
    const at = await this.#router.data(fullKey);
    return casLoop(at, 'getAndSet', async (found, live) => {
      const stored = await swap(at, found, value, expiryForTtl(ttlMs, Date.now()));
      if (!stored) return undefined;
      return { result: live && found !== undefined ? new Uint8Array(found.val) : undefined };
    });
  }

  async increment(
    fullKey: string,
    delta: number,
    newKeyTtlMs: number,
    key: string,
  ): Promise<number> {
    const at = await this.#router.data(fullKey);
    return casLoop(at, 'increment', async (found, live) => {
      const next = addToStoredInteger(live ? found?.val : undefined, delta, key, this.name);
      // A live counter keeps its expiry, read back from the flags every write of this backend sets.
      const expiry =
        live && found !== undefined
          ? expiryFromFlags(responseFlags(found), Date.now())
          : expiryForTtl(newKeyTtlMs, Date.now());
      const stored = await swap(at, found, encodeStoredInteger(next), expiry);
      return stored ? { result: next } : undefined;
    });
  }

  async clear(fullPrefix: string): Promise<void> {
    await this.#router.clear(fullPrefix);
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
    const located = await Promise.all(fullKeys.map((k) => this.#router.data(k)));
    return getManyLive(located, this.#counters);
  }

  // No multi-key command is atomic across servers: a batch is the single operations at once.
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
 * A memcached cache: a {@link CacheService} over a {@link MemcachedStore}.
 * `new MemcachedCache(config)` validates the config and does no I/O;
 * {@link createMemcachedCache} also connects and pings.
 */
export class MemcachedCache extends StoreCache<MemcachedStore> {
  readonly #prefix: string;

  /** @throws CacheError CONFIGURATION when a field is unknown, mistyped or impossible. */
  constructor(config: MemcachedCacheOptions) {
    const store = new MemcachedStore(config);
    const { namespace, defaultTtlMs, maxValueBytes } = store.config;
    super(store, { namespace, defaultTtlMs, maxValueBytes });
    this.#prefix = namespacePrefix(namespace);
  }

  /** `host:port` of the server that holds `key` (of this cache) on the ring; for diagnostics and tests. */
  serverFor(key: string): string {
    return this.store.serverFor(this.#prefix + key);
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
