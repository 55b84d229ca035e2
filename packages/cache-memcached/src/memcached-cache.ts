import {
  addToStoredInteger,
  type BackendStats,
  BaseCache,
  CacheError,
  CacheType,
  encodeStoredInteger,
} from '@pywatt/cache-core';
import { DEFAULTS, type MemcachedCacheOptions, parseServer } from './config.js';
import { expiryForTtl, expiryFromFlags, isExpired, type WireExpiry } from './expiry.js';
import { Generations, statusError } from './generations.js';
import { HashRing } from './hash-ring.js';
import { mapError } from './map-error.js';
import { EMPTY, Op, type RawResponse, responseFlags, Status, storageExtras } from './protocol.js';
import { ServerConnection } from './server-connection.js';
import { collectServerStats } from './server-stats.js';
import { dataWireKey, internalWireKey } from './wire-keys.js';

/** Where one key lives: its server and its memcached key. */
interface Located {
  server: ServerConnection;
  key: Buffer;
}

// A compare-and-swap loop gives up (TIMEOUT) after this many lost races.
const MAX_CAS_ATTEMPTS = 1000;

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A cache on one or more memcached servers, through one memjs connection per
 * server and a ketama-style consistent-hash ring. Atomic operations use
 * memcached's ADD and CAS; `clear` uses generation tokens (never `flush_all`).
 * The constructor does no I/O; use {@link createMemcachedCache} to connect
 * and ping first. Errors: CONNECTION / TIMEOUT name the server (only keys on
 * that server fail), UNAUTHORIZED for SASL, VALUE_TOO_LARGE above
 * `maxValueBytes` (checked before sending) or the server's item size.
 */
export class MemcachedCache extends BaseCache {
  readonly type = CacheType.MEMCACHED;
  readonly #servers: ServerConnection[];
  readonly #ring: HashRing;
  readonly #generations: Generations;
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
    this.#ring = new HashRing(this.#servers.map((s) => s.address));
    this.#generations = new Generations(
      this.#servers,
      config.generationCacheMs ?? DEFAULTS.generationCacheMs,
    );
  }

  /** `host:port` of the server that holds `key` (of this cache) on the ring; for diagnostics and tests. */
  serverFor(key: string): string {
    return (this.#servers[this.#ring.nodeFor(this.keyPrefix + key)] as ServerConnection).address;
  }

  protected override wrapError(error: unknown, operation: string): CacheError {
    return mapError(error, operation, this.#timeoutMs);
  }

  // ---- locating keys ----

  #data(fullKey: string): Located | Promise<Located> {
    const index = this.#ring.nodeFor(fullKey);
    const server = this.#servers[index] as ServerConnection;
    const tokens = this.#generations.cached(index, fullKey, Date.now());
    if (tokens !== undefined) return { server, key: dataWireKey(tokens, fullKey) };
    return this.#generations
      .tokens(index, fullKey)
      .then((t) => ({ server, key: dataWireKey(t, fullKey) }));
  }

  #internal(fullKey: string): Located {
    const server = this.#servers[this.#ring.nodeFor(fullKey)] as ServerConnection;
    return { server, key: internalWireKey(fullKey) };
  }

  // ---- primitives ----

  #get(at: Located): Promise<RawResponse> {
    return at.server.request(Op.GET, at.key, EMPTY, EMPTY, { idempotent: true });
  }

  #write(
    at: Located,
    op: number,
    value: Uint8Array,
    expiry: WireExpiry,
    cas?: Buffer,
    idempotent = false,
  ): Promise<RawResponse> {
    return at.server.request(op, at.key, storageExtras(expiry.flags, expiry.exptime), value, {
      cas,
      idempotent,
    });
  }

  /** A found, unexpired item (memcached frees expired ones a little late; see expiry.ts). */
  #live(at: Located, response: RawResponse, what: string): boolean {
    if (!this.#outcome(at, response, what, [Status.KEY_NOT_FOUND])) return false;
    if (!isExpired(responseFlags(response), Date.now())) return true;
    this.counters.expirations++;
    return false;
  }

  /**
   * Stores `value` only where nothing live is: ADD, and when memcached still
   * holds an entry whose flags say it expired, a CAS-guarded SET over exactly
   * that entry. True if it stored.
   */
  async #addUnlessLive(at: Located, value: Uint8Array, expiry: WireExpiry): Promise<boolean> {
    for (let round = 0; round < 10; round++) {
      const added = await this.#write(at, Op.ADD, value, expiry);
      if (this.#outcome(at, added, 'add', [Status.KEY_EXISTS, Status.NOT_STORED])) return true;
      const read = await this.#get(at);
      if (!this.#outcome(at, read, 'get', [Status.KEY_NOT_FOUND])) continue;
      if (!isExpired(responseFlags(read), Date.now())) return false;
      const replaced = await this.#write(at, Op.SET, value, expiry, read.header.cas);
      if (this.#outcome(at, replaced, 'cas', [Status.KEY_EXISTS, Status.KEY_NOT_FOUND]))
        return true;
    }
    return false;
  }

  /** Status OK → true; the expected "lost" statuses → false; anything else throws. */
  #outcome(at: Located, response: RawResponse, what: string, lost: readonly number[]): boolean {
    const status = response.header.status;
    if (status === Status.OK) return true;
    if (lost.includes(status)) return false;
    throw statusError(at.server, status, what);
  }

  protected async _get(fullKey: string): Promise<Uint8Array | undefined> {
    const at = await this.#data(fullKey);
    const response = await this.#get(at);
    return this.#live(at, response, 'get') ? new Uint8Array(response.val) : undefined;
  }

  protected async _set(fullKey: string, value: Uint8Array, ttlMs: number): Promise<void> {
    const at = await this.#data(fullKey);
    const response = await this.#write(
      at,
      Op.SET,
      value,
      expiryForTtl(ttlMs, Date.now()),
      undefined,
      true,
    );
    this.#outcome(at, response, 'set', []);
  }

  protected async _delete(fullKey: string): Promise<boolean> {
    const at = await this.#data(fullKey);
    return this.#outcome(at, await at.server.request(Op.DELETE, at.key), 'delete', [
      Status.KEY_NOT_FOUND,
    ]);
  }

  protected async _exists(fullKey: string): Promise<boolean> {
    // The binary protocol has no existence check: a GET whose value is dropped.
    const at = await this.#data(fullKey);
    return this.#live(at, await this.#get(at), 'exists');
  }

  protected async _setIfAbsent(
    fullKey: string,
    value: Uint8Array,
    ttlMs: number,
  ): Promise<boolean> {
    const at = await this.#data(fullKey);
    return this.#addUnlessLive(at, value, expiryForTtl(ttlMs, Date.now()));
  }

  protected async _getAndSet(
    fullKey: string,
    value: Uint8Array,
    ttlMs: number,
  ): Promise<Uint8Array | undefined> {
    const at = await this.#data(fullKey);
    return this.#casLoop(at, 'getAndSet', async (found, live) => {
      const stored = await this.#swap(at, found, value, expiryForTtl(ttlMs, Date.now()));
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
    const at = await this.#data(fullKey);
    return this.#casLoop(at, 'increment', async (found, live) => {
      const next = addToStoredInteger(live ? found?.val : undefined, delta, key, this.type);
      // A live counter keeps its expiry, read back from the flags every write of this backend sets.
      const expiry =
        live && found !== undefined
          ? expiryFromFlags(responseFlags(found), Date.now())
          : expiryForTtl(newKeyTtlMs, Date.now());
      const stored = await this.#swap(at, found, encodeStoredInteger(next), expiry);
      return stored ? { result: next } : undefined;
    });
  }

  /** ADD when nothing was found, else a SET guarded by the CAS value read; false when another writer came first. */
  async #swap(
    at: Located,
    found: RawResponse | undefined,
    value: Uint8Array,
    expiry: WireExpiry,
  ): Promise<boolean> {
    if (found === undefined) {
      const r = await this.#write(at, Op.ADD, value, expiry);
      return this.#outcome(at, r, 'add', [Status.KEY_EXISTS, Status.NOT_STORED]);
    }
    const r = await this.#write(at, Op.SET, value, expiry, found.header.cas);
    return this.#outcome(at, r, 'cas', [Status.KEY_EXISTS, Status.KEY_NOT_FOUND]);
  }

  /**
   * Reads the item with its CAS value and runs `attempt` with it (and whether
   * it is live, not merely not yet freed by memcached); `attempt` writes
   * through {@link #swap} and resolves undefined when another writer won the
   * race; then it reads again, backing off a little more each time.
   */
  async #casLoop<T>(
    at: Located,
    what: string,
    attempt: (found: RawResponse | undefined, live: boolean) => Promise<{ result: T } | undefined>,
  ): Promise<T> {
    for (let round = 0; round < MAX_CAS_ATTEMPTS; round++) {
      const read = await this.#get(at);
      const found = this.#outcome(at, read, what, [Status.KEY_NOT_FOUND]) ? read : undefined;
      const live = found !== undefined && !isExpired(responseFlags(found), Date.now());
      const done = await attempt(found, live);
      if (done !== undefined) return done.result;
      if (round > 0) await pause(Math.random() * Math.min(2 ** round, 25));
    }
    throw new CacheError(
      'TIMEOUT',
      `${what} lost ${MAX_CAS_ATTEMPTS} compare-and-swap races in a row on ${at.server.address}; too many concurrent writers of one key`,
      { operation: what, backend: this.type },
    );
  }

  protected async _clear(fullPrefix: string): Promise<void> {
    await this.#generations.bump(fullPrefix);
  }

  protected async _lock(lockKey: string, token: string, ttlMs: number): Promise<boolean> {
    const at = this.#internal(lockKey);
    return this.#addUnlessLive(at, Buffer.from(token, 'utf8'), expiryForTtl(ttlMs, Date.now()));
  }

  protected async _unlock(lockKey: string, token: string): Promise<boolean> {
    const at = this.#internal(lockKey);
    const held = await this.#heldCas(at, token);
    if (held === undefined) return false;
    const r = await at.server.request(Op.DELETE, at.key, EMPTY, EMPTY, { cas: held });
    return this.#outcome(at, r, 'delete', [Status.KEY_EXISTS, Status.KEY_NOT_FOUND]);
  }

  protected async _extendLock(lockKey: string, token: string, ttlMs: number): Promise<boolean> {
    const at = this.#internal(lockKey);
    const held = await this.#heldCas(at, token);
    if (held === undefined) return false;
    // memcached's TOUCH ignores CAS, so the extension is a CAS-guarded rewrite of the same token.
    const r = await this.#write(
      at,
      Op.SET,
      Buffer.from(token, 'utf8'),
      expiryForTtl(ttlMs, Date.now()),
      held,
    );
    return this.#outcome(at, r, 'cas', [Status.KEY_EXISTS, Status.KEY_NOT_FOUND]);
  }

  /** The CAS value of the lock item when it holds `token`, else undefined. */
  async #heldCas(at: Located, token: string): Promise<Buffer | undefined> {
    const read = await this.#get(at);
    if (!this.#live(at, read, 'get')) return undefined;
    return read.val.toString('utf8') === token ? read.header.cas : undefined;
  }

  protected override async _getMany(
    fullKeys: readonly string[],
  ): Promise<Array<Uint8Array | undefined>> {
    const located = await Promise.all(fullKeys.map((k) => this.#data(k)));
    const groups = new Map<ServerConnection, number[]>();
    located.forEach((at, i) => {
      const group = groups.get(at.server);
      if (group === undefined) groups.set(at.server, [i]);
      else group.push(i);
    });
    const values: Array<Uint8Array | undefined> = new Array(fullKeys.length).fill(undefined);
    await Promise.all(
      [...groups].map(async ([server, indexes]) => {
        const responses = await server.getMany(indexes.map((i) => (located[i] as Located).key));
        responses.forEach((response, j) => {
          if (response === undefined) return;
          const at = located[indexes[j] as number] as Located;
          if (this.#live(at, response, 'getMany'))
            values[indexes[j] as number] = new Uint8Array(response.val);
        });
      }),
    );
    return values;
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
