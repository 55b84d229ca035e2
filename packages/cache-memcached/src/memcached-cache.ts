import {
  addToStoredInteger,
  type BackendStats,
  BaseCache,
  CacheError,
  CacheType,
  encodeStoredInteger,
} from '@pywatt/cache-core';
import { getManyLive } from './batch-get.js';
import { addUnlessLive, casLoop, casSet, heldCas, swap } from './cas-operations.js';
import { DEFAULTS, type MemcachedCacheOptions, parseServer } from './config.js';
import { expiryForTtl, expiryFromFlags } from './expiry.js';
import { statusError } from './generations.js';
import { getItem, isLive, outcome, writeItem } from './item-access.js';
import { KeyRouter } from './key-router.js';
import { mapError } from './map-error.js';
import { EMPTY, Op, responseFlags, Status } from './protocol.js';
import { ServerConnection } from './server-connection.js';
import { collectServerStats } from './server-stats.js';

/**
 * A cache on one or more memcached servers, through one memjs connection per
 * server and a ketama-style consistent-hash ring. Atomic operations use
 * memcached's ADD and CAS; `clear` uses generation tokens (never `flush_all`).
 * The constructor does no I/O; use {@link createMemcachedCache} to connect
 * and ping first. Errors: CONNECTION / TIMEOUT name the server (only keys on
 * that server fail), UNAUTHORIZED for SASL, VALUE_TOO_LARGE above
 * `maxValueBytes` (checked before sending) or the server's item size.
 *
 * Routing lives in key-router.ts, the item primitives in item-access.ts,
 * the ADD/CAS retry loops in cas-operations.ts and batched reads in
 * batch-get.ts; this class maps the cache operations onto them.
 */
export class MemcachedCache extends BaseCache {
  readonly type = CacheType.MEMCACHED;
  readonly #servers: ServerConnection[];
  readonly #router: KeyRouter;
  readonly #timeoutMs: number;

  /** Takes a config already validated by `validateMemcachedConfig` (the factory does this). */
  constructor(config: MemcachedCacheOptions) {
    super({ ...config, maxValueBytes: config.maxValueBytes ?? DEFAULTS.maxValueBytes });
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
          { operation: 'create', backend: this.type },
        );
      return new ServerConnection(address.host, address.port, options);
    });
    this.#router = new KeyRouter(
      this.#servers,
      config.generationCacheMs ?? DEFAULTS.generationCacheMs,
    );
  }

  /** `host:port` of the server that holds `key` (of this cache) on the ring; for diagnostics and tests. */
  serverFor(key: string): string {
    return this.#router.serverFor(this.keyPrefix + key).address;
  }

  protected override wrapError(error: unknown, operation: string): CacheError {
    return mapError(error, operation, this.#timeoutMs);
  }

  protected async _get(fullKey: string): Promise<Uint8Array | undefined> {
    const at = await this.#router.data(fullKey);
    const response = await getItem(at);
    return isLive(at, response, 'get', this.counters) ? new Uint8Array(response.val) : undefined;
  }

  protected async _set(fullKey: string, value: Uint8Array, ttlMs: number): Promise<void> {
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

  protected async _delete(fullKey: string): Promise<boolean> {
    const at = await this.#router.data(fullKey);
    return outcome(at, await at.server.request(Op.DELETE, at.key), 'delete', [
      Status.KEY_NOT_FOUND,
    ]);
  }

  protected async _exists(fullKey: string): Promise<boolean> {
    // The binary protocol has no existence check: a GET whose value is dropped.
    const at = await this.#router.data(fullKey);
    return isLive(at, await getItem(at), 'exists', this.counters);
  }

  protected async _setIfAbsent(
    fullKey: string,
    value: Uint8Array,
    ttlMs: number,
  ): Promise<boolean> {
    const at = await this.#router.data(fullKey);
    return addUnlessLive(at, value, expiryForTtl(ttlMs, Date.now()));
  }

  protected async _getAndSet(
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

  protected async _increment(
    fullKey: string,
    delta: number,
    newKeyTtlMs: number,
    key: string,
  ): Promise<number> {
    const at = await this.#router.data(fullKey);
    return casLoop(at, 'increment', async (found, live) => {
      const next = addToStoredInteger(live ? found?.val : undefined, delta, key, this.type);
      // A live counter keeps its expiry, read back from the flags every write of this backend sets.
      const expiry =
        live && found !== undefined
          ? expiryFromFlags(responseFlags(found), Date.now())
          : expiryForTtl(newKeyTtlMs, Date.now());
      const stored = await swap(at, found, encodeStoredInteger(next), expiry);
      return stored ? { result: next } : undefined;
    });
  }

  protected async _clear(fullPrefix: string): Promise<void> {
    await this.#router.clear(fullPrefix);
  }

  protected async _lock(lockKey: string, token: string, ttlMs: number): Promise<boolean> {
    const at = this.#router.internal(lockKey);
    return addUnlessLive(at, Buffer.from(token, 'utf8'), expiryForTtl(ttlMs, Date.now()));
  }

  protected async _unlock(lockKey: string, token: string): Promise<boolean> {
    const at = this.#router.internal(lockKey);
    const held = await heldCas(at, token, this.counters);
    if (held === undefined) return false;
    const r = await at.server.request(Op.DELETE, at.key, EMPTY, EMPTY, { cas: held });
    return outcome(at, r, 'delete', [Status.KEY_EXISTS, Status.KEY_NOT_FOUND]);
  }

  protected async _extendLock(lockKey: string, token: string, ttlMs: number): Promise<boolean> {
    const at = this.#router.internal(lockKey);
    const held = await heldCas(at, token, this.counters);
    if (held === undefined) return false;
    // memcached's TOUCH ignores CAS, so the extension is a CAS-guarded rewrite of the same token.
    return casSet(at, Buffer.from(token, 'utf8'), expiryForTtl(ttlMs, Date.now()), held);
  }

  protected override async _getMany(
    fullKeys: readonly string[],
  ): Promise<Array<Uint8Array | undefined>> {
    const located = await Promise.all(fullKeys.map((k) => this.#router.data(k)));
    return getManyLive(located, this.counters);
  }

  protected async _stats(): Promise<BackendStats> {
    return { backend: await collectServerStats(this.#servers) };
  }

  protected async _ping(): Promise<void> {
    await Promise.all(
      this.#servers.map(async (s) => {
        const r = await s.request(Op.NOOP, EMPTY, EMPTY, EMPTY, { idempotent: true });
        if (r.header.status !== Status.OK) throw statusError(s, r.header.status, 'answer a NOOP');
      }),
    );
  }

  protected async _close(): Promise<void> {
    for (const server of this.#servers) server.close();
  }
}
