import {
  type BackendStats,
  CacheError,
  type CacheStore,
  type StoreCapabilities,
  type StoreObserver,
} from '@pywatt/cache-core';
import { notNumeric, outOfRange } from '@pywatt/cache-core/store';
import type { Cluster, Redis } from 'ioredis';
import { clearNode } from './clear.js';
import { type RedisCacheInput, type RedisCacheOptions, validateRedisConfig } from './config.js';
import { buildConnection, type Connection } from './connect.js';
import { watchConnection } from './connection-events.js';
import { nodeSender, type Send } from './dispatch.js';
import { mergeInfo } from './info.js';
import { mapRedisError } from './map-error.js';
import { followRedirect } from './redirect.js';
import { EXTEND_LOCK, INCREMENT, runScript, UNLOCK } from './scripts.js';
import { groupBySlot } from './slots.js';

const CLOSE_GRACE_MS = 1_000;
type Pair = readonly [string, Uint8Array];

/**
 * A PyWatt store in Redis (single node, Sentinel or Cluster) through ioredis.
 * Every operation is one round trip; setIfAbsent, getAndSet, increment and the
 * locks are atomic on the server (SET NX PX, SET GET, Lua scripts).
 *
 * The constructor validates the config and builds the client without
 * connecting; {@link createRedisCache} also connects and pings.
 * Errors: CONFIGURATION from the constructor; CONNECTION, TIMEOUT,
 * UNAUTHORIZED, CAPACITY_EXCEEDED, PROTOCOL from operations (see README).
 */
export class RedisStore implements CacheStore {
  readonly name = 'redis';
  readonly capabilities: StoreCapabilities = {
    ttlResolutionMs: 1,
    maxKeyBytes: 512 * 1024 * 1024,
    maxValueBytes: 512 * 1024 * 1024,
    sharedAcrossProcesses: true,
    sharedAcrossMachines: true,
    constantTimeClear: false,
  };
  /** The validated config. */
  readonly config: RedisCacheOptions;
  readonly #conn: Connection;
  readonly #client: Redis | Cluster;
  /** Every command goes out through the connection's Dispatcher (dispatch.ts). */
  readonly #send: Send;
  readonly #cluster: boolean;
  readonly #secrets: string[];
  #lastConnectionError: Error | undefined;
  #unwatch: (() => void) | undefined;
  #closing = false;
  readonly #onError = (error: Error): void => {
    this.#lastConnectionError = error;
  };
  readonly #onReady = (): void => {
    this.#lastConnectionError = undefined;
  };

  constructor(config: RedisCacheInput = {}) {
    const options = validateRedisConfig(config);
    this.config = options;
    this.#conn = buildConnection(options);
    this.#client = this.#conn.client;
    this.#send = this.#conn.dispatcher.send;
    this.#cluster = this.#client.isCluster;
    const urlPassword =
      options.url === undefined ? '' : decodeURIComponent(new URL(options.url).password);
    this.#secrets = [options.password ?? '', urlPassword].filter((s) => s.length > 0);
    // Also keeps ioredis from printing "Unhandled error event" for every failed reconnect.
    this.#client.on('error', this.#onError);
    this.#client.on('node error', this.#onError);
    this.#client.on('ready', this.#onReady);
  }

  /** The ioredis client, for commands this cache does not offer. Do not close it while the cache is open. */
  get client(): Redis | Cluster {
    return this.#client;
  }

  /**
   * Connects (when the client is not connected yet) and pings. Rejects with
   * CONNECTION, TIMEOUT or UNAUTHORIZED, and then closes a client it owns so no
   * reconnect loop is left behind. {@link createRedisCache} calls it.
   */
  async connect(): Promise<void> {
    try {
      if (this.#client.status === 'wait') await this.#client.connect();
      await this.#send('ping', [], 'utf8');
      await this.#conn.watch?.start(this.#conn.connectTimeoutMs);
      if (this.#cluster) {
        // ioredis opens a node's connection on the first command routed to it and, with the
        // offline queue off, rejects the commands that follow while it opens ("Connection is
        // closed."): open every master's now. Best effort: a master that is down fails its own
        // commands later, as before.
        await Promise.allSettled(
          (this.#client as Cluster).nodes('master').map((node) => node.ping()),
        );
      }
    } catch (error) {
      const wrapped = this.mapError(error, 'create');
      await this.close();
      throw wrapped;
    }
  }

  /** Reports `connectionLost` / `connectionRestored` to the service's listeners (see CacheStore.observe). */
  observe(observer: StoreObserver): void {
    this.#unwatch?.();
    const source = { ...observer.source, endpoint: this.#conn.endpoint };
    this.#unwatch = watchConnection(this.#client, observer.events, source, () => this.#closing);
  }

  mapError(error: unknown, operation: string): CacheError {
    if (CacheError.is(error)) return error;
    return mapRedisError(error, operation, {
      endpoint: this.#conn.endpoint,
      operationTimeoutMs: this.#conn.operationTimeoutMs,
      lastConnectionError: this.#lastConnectionError,
      secrets: this.#secrets,
    });
  }

  // Failure handlers of the primitives below: only a rejection reaches them.
  readonly #follow = (error: unknown): Promise<unknown> =>
    followRedirect(this.#client, error, 'utf8');
  readonly #followBuffer = (error: unknown): Promise<unknown> =>
    followRedirect(this.#client, error, null);
  // Cluster: a redirection (ASK/MOVED/TRYAGAIN) the auto-pipeline left unfollowed is re-sent alone (redirect.ts).
  readonly #followGet = (error: unknown): Promise<Buffer | null> =>
    this.#followBuffer(error) as Promise<Buffer | null>;
  readonly #followCount = (error: unknown): Promise<boolean> =>
    (this.#follow(error) as Promise<number>).then(isPositive);

  // ---- primitives ----

  // The hot paths return ioredis's promise (plus at most one .then) instead of
  // adding an async frame: measurable at 100k+ ops/s (see README, Benchmarks).
  get(fullKey: string): Promise<Buffer | null> {
    // The dispatcher's own promise, null for a miss: the service adds the only `.then` of the call.
    const pending = this.#send<Buffer | null>('get', [fullKey], null);
    return this.#cluster ? pending.then(undefined, this.#followGet) : pending;
  }

  set(fullKey: string, value: Uint8Array, ttlMs: number): Promise<void> {
    // Resolves with 'OK', which the service ignores: no extra .then needed (single node).
    const sent = this.#send(
      'set',
      ttlMs === Number.POSITIVE_INFINITY
        ? [fullKey, asBuffer(value)]
        : [fullKey, asBuffer(value), 'PX', ttlMs],
      'utf8',
    );
    return (this.#cluster ? sent.then(undefined, this.#follow) : sent) as Promise<void>;
  }

  delete(fullKey: string): Promise<boolean> {
    return this.#send<number>('unlink', [fullKey], 'utf8').then(isPositive, this.#followCount);
  }

  exists(fullKey: string): Promise<boolean> {
    return this.#send<number>('exists', [fullKey], 'utf8').then(isPositive, this.#followCount);
  }

  async setIfAbsent(fullKey: string, value: Uint8Array, ttlMs: number): Promise<boolean> {
    let reply: unknown;
    try {
      reply = await this.#send(
        'set',
        ttlMs === Number.POSITIVE_INFINITY
          ? [fullKey, asBuffer(value), 'NX']
          : [fullKey, asBuffer(value), 'PX', ttlMs, 'NX'],
        'utf8',
      );
    } catch (error) {
      reply = await this.#follow(error);
    }
    return reply !== null;
  }

  async getAndSet(
    fullKey: string,
    value: Uint8Array,
    ttlMs: number,
  ): Promise<Uint8Array | undefined> {
    // SET … GET (Redis 6.2+): one atomic command. A finite TTL replaces the old one
    // (PX); Infinity removes it (no PX), as set() does — the new value's own TTL.
    let reply: Buffer | null;
    try {
      reply = await this.#send<Buffer | null>(
        'set',
        ttlMs === Number.POSITIVE_INFINITY
          ? [fullKey, asBuffer(value), 'GET']
          : [fullKey, asBuffer(value), 'PX', ttlMs, 'GET'],
        null,
      );
    } catch (error) {
      reply = (await this.#followBuffer(error)) as Buffer | null;
    }
    return reply ?? undefined;
  }

  async increment(
    fullKey: string,
    delta: number,
    newKeyTtlMs: number,
    key: string,
  ): Promise<number> {
    const ttl = newKeyTtlMs === Number.POSITIVE_INFINITY ? '' : String(newKeyTtlMs);
    try {
      return Number(
        await runScript(this.#send, this.#client, INCREMENT, fullKey, [String(delta), ttl]),
      );
    } catch (error) {
      const message = error instanceof Error ? error.message : '';
      // Redis may decorate a script's error reply (e.g. an `ERR` prefix, script name): match inside it.
      if (message.includes('PYWATT_NOT_NUMERIC')) throw notNumeric(key, this.name);
      const range = /PYWATT_OUT_OF_RANGE (-?\d+)/.exec(message);
      if (range !== null) {
        throw outOfRange(key, range[1] as string, delta, this.name);
      }
      throw error;
    }
  }

  async getMany(
    fullKeys: readonly string[],
  ): Promise<ReadonlyArray<Uint8Array | null | undefined>> {
    if (!this.#cluster) return this.#send('mget', fullKeys as string[], null);
    const values: Array<Uint8Array | undefined> = new Array(fullKeys.length);
    await Promise.all(
      [...groupBySlot(fullKeys).values()].map(async (indexes) => {
        const slotKeys = indexes.map((i) => fullKeys[i] as string);
        let found: Array<Buffer | null>;
        try {
          found = await this.#send('mget', slotKeys, null);
        } catch (error) {
          found = (await this.#followBuffer(error)) as Array<Buffer | null>;
        }
        for (let j = 0; j < indexes.length; j++)
          values[indexes[j] as number] = found[j] ?? undefined;
      }),
    );
    return values;
  }

  async setMany(entries: readonly Pair[], ttlMs: number): Promise<void> {
    // One SET per entry, all issued in this tick: the Dispatcher writes them out together (one
    // writev), without a Pipeline; in a Cluster each goes to its slot's master.
    const sets = new Array<Promise<unknown>>(entries.length);
    for (let i = 0; i < entries.length; i++) {
      const [key, value] = entries[i] as Pair;
      sets[i] = this.set(key, value, ttlMs);
    }
    await Promise.all(sets);
  }

  async deleteMany(fullKeys: readonly string[]): Promise<number> {
    if (!this.#cluster) return this.#send('unlink', fullKeys as string[], 'utf8');
    const counts = await Promise.all(
      [...groupBySlot(fullKeys).values()].map((indexes) =>
        this.#send<number>(
          'unlink',
          indexes.map((i) => fullKeys[i] as string),
          'utf8',
        ).then(undefined, this.#follow as (error: unknown) => Promise<number>),
      ),
    );
    return counts.reduce((a, b) => a + b, 0);
  }

  async clear(fullPrefix: string): Promise<void> {
    // Locks have U+0000 right after the prefix (see CacheStore.clear).
    const prefixBytes = Buffer.byteLength(fullPrefix);
    const keep = (key: Buffer): boolean => key[prefixBytes] === 0;
    await Promise.all(
      this.#senders().map((send) => clearNode(send, fullPrefix, keep, this.#cluster)),
    );
  }

  async lock(lockKey: string, token: string, ttlMs: number): Promise<boolean> {
    try {
      return (await this.#send('set', [lockKey, token, 'PX', ttlMs, 'NX'], 'utf8')) !== null;
    } catch (error) {
      return (await this.#follow(error)) !== null;
    }
  }

  async unlock(lockKey: string, token: string): Promise<boolean> {
    return Number(await runScript(this.#send, this.#client, UNLOCK, lockKey, [token])) === 1;
  }

  async extendLock(lockKey: string, token: string, ttlMs: number): Promise<boolean> {
    return (
      Number(await runScript(this.#send, this.#client, EXTEND_LOCK, lockKey, [token, ttlMs])) === 1
    );
  }

  async stats(): Promise<BackendStats> {
    const nodes = this.#senders();
    const infos = await Promise.all(nodes.map((send) => send<string>('info', [], 'utf8')));
    const backend = mergeInfo(infos);
    // Counting a namespace's keys would need a full SCAN: only a cache that owns the whole database gets a count.
    let itemCount: number | undefined;
    if (this.config.namespace === undefined) {
      const sizes = await Promise.all(nodes.map((send) => send<number>('dbsize', [], 'utf8')));
      itemCount = sizes.reduce((a, b) => a + b, 0);
    }
    return { itemCount, backend };
  }

  async ping(): Promise<void> {
    await this.#send('ping', [], 'utf8');
  }

  async close(): Promise<void> {
    this.#closing = true;
    const client = this.#client;
    this.#conn.watch?.close();
    // Commands held during a failover never went out: they fail as on a closed connection.
    this.#conn.dispatcher.rejectHeld(new Error('Connection is closed.'));
    if (this.#conn.owned) {
      if (client.status === 'ready') {
        // QUIT lets in-flight commands finish; a server that stopped answering gets cut off.
        await raceTimer(
          client.quit().catch(() => undefined),
          CLOSE_GRACE_MS,
        );
      }
      if (client.status !== 'end') {
        const ended = new Promise((resolve) => client.once('end', resolve));
        client.disconnect();
        await raceTimer(ended, CLOSE_GRACE_MS);
      }
    }
    client.off('error', this.#onError);
    client.off('node error', this.#onError);
    client.off('ready', this.#onReady);
    this.#conn.dispatcher.stop();
    this.#unwatch?.();
  }

  /** A Send per server holding data: the connection, or every master of a Cluster. */
  #senders(): Send[] {
    return this.#cluster ? (this.#client as Cluster).nodes('master').map(nodeSender) : [this.#send];
  }
}

function isPositive(count: number): boolean {
  return count > 0;
}

function asBuffer(value: Uint8Array): Buffer {
  return Buffer.isBuffer(value)
    ? value
    : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
}

/** Waits for `promise`, or `ms` milliseconds at most; leaves no timer behind. */
async function raceTimer(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    promise,
    new Promise((resolve) => {
      timer = setTimeout(resolve, ms);
    }),
  ]);
  clearTimeout(timer);
}
