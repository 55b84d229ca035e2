import {
  type BackendStats,
  CacheError,
  type CacheStore,
  StoreCache,
  type StoreCapabilities,
} from '@pywatt/cache-core';
import {
  type BackendConfig,
  type FieldRule,
  LOCK_KEY_SPACE,
  readyOrClosed,
  rules,
  validateConfig,
  type WithOptionalType,
} from '@pywatt/cache-core/store';
import { Op } from '../protocol/constants.js';
import type { WireValue } from '../protocol/values.js';
import type { IpcChannel } from '../transport/ipc-channel.js';
import { ClientLink, type LinkOptions } from './client-link.js';

/** The environment variable a client reads its token from when the config gives none. */
export const TOKEN_ENV = 'PYWATT_CACHE_TOKEN';

/** The proxy client's own fields: each declared once, here; the config type is derived from it. */
export const proxyConfigSchema = {
  /** `'ipc'` (the parent's channel), a Unix socket or a loopback TCP address. */
  transport: rules.either(
    rules.oneOf(['ipc']),
    rules.object({ socketPath: rules.nonEmptyString() }),
    rules.object({ host: rules.nonEmptyString(), port: rules.integer(1, 65535) }),
  ),
  /** The token the server knows this client by. Default: the `PYWATT_CACHE_TOKEN` variable. */
  token: rules.optional(rules.nonEmptyString()),
  /** Deadline of one connection attempt (connect + handshake), in ms. Default 5000. */
  connectTimeoutMs: rules.optional(rules.durationMs()),
  /**
   * With `transport: 'ipc'`: the channel to the server. Default `process`
   * (this process was forked by the server). A parent that forked a server
   * child passes that `ChildProcess`.
   */
  channel: rules.optional<IpcChannel>(((v: unknown) =>
    typeof v === 'object' && v !== null && typeof (v as { on?: unknown }).on === 'function'
      ? undefined
      : 'must be a ChildProcess or process') as FieldRule<IpcChannel>),
};

/** A cache served by another process: the config `createCacheService` takes. */
export type ProxyCacheConfig = BackendConfig<'proxy', typeof proxyConfigSchema>;

/** The proxy's options: {@link ProxyCacheConfig} with `type` optional. */
export type ProxyCacheOptions = WithOptionalType<ProxyCacheConfig>;

/** Default per-request deadline, in ms. */
export const DEFAULT_OPERATION_TIMEOUT_MS = 5000;
/** Default deadline of one connection attempt (connect + handshake), in ms. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 5000;

const unexpected = (op: string, what: string): CacheError =>
  new CacheError('PROTOCOL', `the cache server answered ${op} with ${what}`, {
    operation: op,
    backend: 'proxy',
  });

function bytesOrUndefined(v: WireValue, op: string): Uint8Array | undefined {
  if (v === undefined || v === null || v instanceof Uint8Array) return v ?? undefined;
  throw unexpected(op, typeof v);
}
function bool(v: WireValue, op: string): boolean {
  if (typeof v === 'boolean') return v;
  throw unexpected(op, typeof v);
}
function num(v: WireValue, op: string): number {
  if (typeof v === 'number') return v;
  throw unexpected(op, typeof v);
}

/**
 * The client side of a cache served by another process (see
 * `startCacheServer`), reached over the parent's IPC channel, a Unix socket or
 * loopback TCP. The server applies the namespace and checks every argument
 * again. Many requests share one connection; each fails with TIMEOUT after
 * `operationTimeoutMs`, with CONNECTION when the link drops while it runs (it
 * is not re-sent), and the client reconnects with backoff when called again.
 */
export class ProxyStore implements CacheStore {
  readonly name = 'proxy';
  readonly capabilities: StoreCapabilities = {
    ttlResolutionMs: 1,
    maxKeyBytes: Number.POSITIVE_INFINITY,
    maxValueBytes: Number.POSITIVE_INFINITY,
    sharedAcrossProcesses: true,
    sharedAcrossMachines: false,
    constantTimeClear: false,
  };
  readonly #link: ClientLink;
  // Private: the options hold the token, and a public field would show in util.inspect / console.log.
  readonly #linkOptions: LinkOptions;

  /** Builds the client; no I/O happens until the first call. Pass a validated config (createProxyCache does). */
  constructor(options: ProxyCacheOptions) {
    this.#linkOptions = {
      transport: options.transport,
      channel: options.channel,
      token: options.token ?? '',
      namespace: options.namespace,
      operationTimeoutMs: options.operationTimeoutMs ?? DEFAULT_OPERATION_TIMEOUT_MS,
      connectTimeoutMs: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    };
    this.#link = new ClientLink(this.#linkOptions);
  }

  /** @internal What a proxy bus copies to open its own connection to the same server, as the same token. */
  linkOptions(): LinkOptions {
    return { ...this.#linkOptions };
  }

  /** @internal The origin id the server gave this store's current connection, to recognise its own writes in pushes. */
  get origin(): string | undefined {
    return this.#link.origin;
  }

  #call(op: keyof typeof Op, args: WireValue[]): Promise<WireValue> {
    return this.#link.call(op, Op[op], args);
  }

  async get(key: string) {
    return bytesOrUndefined(await this.#call('get', [key]), 'get');
  }
  async set(key: string, value: Uint8Array, ttlMs: number) {
    await this.#call('set', [key, value, ttlMs]);
  }
  async delete(key: string) {
    return bool(await this.#call('delete', [key]), 'delete');
  }
  async exists(key: string) {
    return bool(await this.#call('exists', [key]), 'exists');
  }
  async setIfAbsent(key: string, value: Uint8Array, ttlMs: number) {
    return bool(await this.#call('setIfAbsent', [key, value, ttlMs]), 'setIfAbsent');
  }
  async getAndSet(key: string, value: Uint8Array, ttlMs: number) {
    return bytesOrUndefined(await this.#call('getAndSet', [key, value, ttlMs]), 'getAndSet');
  }
  async increment(key: string, delta: number, newKeyTtlMs: number) {
    return num(await this.#call('increment', [key, delta, newKeyTtlMs]), 'increment');
  }
  async getMany(keys: readonly string[]) {
    const values = await this.#call('getMany', [[...keys]]);
    if (!Array.isArray(values) || values.length !== keys.length)
      throw unexpected('getMany', 'a list of the wrong length');
    return values.map((v) => bytesOrUndefined(v, 'getMany'));
  }
  async setMany(entries: ReadonlyArray<readonly [string, Uint8Array]>, ttlMs: number) {
    await this.#call('setMany', [entries.map((e) => e[0]), entries.map((e) => e[1]), ttlMs]);
  }
  async deleteMany(keys: readonly string[]) {
    return num(await this.#call('deleteMany', [[...keys]]), 'deleteMany');
  }
  async clear(fullPrefix: string) {
    // The service (which has no namespace here) passes '' for clear() and 'prefix:' for clear(prefix).
    await this.#call('clear', [fullPrefix === '' ? undefined : fullPrefix.slice(0, -1)]);
  }
  async lock(lockKey: string, token: string, ttlMs: number) {
    return bool(
      await this.#call('lock', [lockKey.slice(LOCK_KEY_SPACE.length), token, ttlMs]),
      'lock',
    );
  }
  async unlock(lockKey: string, token: string) {
    return bool(
      await this.#call('unlock', [lockKey.slice(LOCK_KEY_SPACE.length), token]),
      'unlock',
    );
  }
  async extendLock(lockKey: string, token: string, ttlMs: number) {
    return bool(
      await this.#call('extendLock', [lockKey.slice(LOCK_KEY_SPACE.length), token, ttlMs]),
      'extendLock',
    );
  }
  async stats(): Promise<BackendStats> {
    const remote = await this.#call('stats', []);
    const backend: Record<string, string | number> = {};
    const inner = isWireRecord(remote) ? remote.backend : undefined;
    if (isWireRecord(inner)) {
      for (const [k, v] of Object.entries(inner))
        if (typeof v === 'string' || typeof v === 'number') backend[k] = v;
    }
    backend.transport = this.#link.where;
    backend.reconnects = this.#link.reconnects;
    backend.lateResponsesDropped = this.#link.lateResponsesDropped;
    return { backend };
  }
  async ping() {
    await this.#call('ping', []);
  }
  async close() {
    this.#link.close();
  }
}

/**
 * A cache served by another process: a `CacheService` over a
 * {@link ProxyStore}. Keys, values and TTLs are checked here, as by every
 * backend, and again by the server. Create it with {@link createProxyCache},
 * which connects and pings.
 */
export class ProxyCacheService extends StoreCache<ProxyStore> {
  /** The namespace asked of the server (inside the token's own namespace there). */
  readonly namespace: string | undefined;

  /** Builds the client; no I/O happens until the first call. Pass a validated config (createProxyCache does). */
  constructor(options: ProxyCacheOptions) {
    // The server applies the namespace, so keys travel as the caller wrote them.
    super(new ProxyStore(options), {
      defaultTtlMs: options.defaultTtlMs,
      maxValueBytes: options.maxValueBytes,
      traceKeys: options.traceKeys,
    });
    this.namespace = options.namespace;
  }
}

/**
 * Validates `config`, connects to the cache server, authenticates and pings;
 * resolves with the ready cache. The token comes from `config.token`, else
 * the `PYWATT_CACHE_TOKEN` environment variable.
 *
 * @throws CacheError CONFIGURATION (a bad field, no token), CONNECTION
 *   (nothing answers), UNAUTHORIZED (the server does not know the token),
 *   TIMEOUT (no answer within operationTimeoutMs).
 */
export async function createProxyCache(config: ProxyCacheOptions): Promise<ProxyCacheService> {
  const valid = validateConfig('proxy', config, proxyConfigSchema) as ProxyCacheOptions;
  const token = valid.token ?? process.env[TOKEN_ENV];
  if (token === undefined || token === '') {
    throw new CacheError(
      'CONFIGURATION',
      `proxy cache config: field 'token' is missing and ${TOKEN_ENV} is not set; give the token the server was configured with`,
      { operation: 'create', backend: 'proxy' },
    );
  }
  if (valid.transport === 'ipc' && valid.channel === undefined && process.send === undefined) {
    throw new CacheError(
      'CONFIGURATION',
      "proxy cache config: transport 'ipc' needs a process forked by the server (child_process.fork) or a 'channel'",
      { operation: 'create', backend: 'proxy' },
    );
  }
  return readyOrClosed(new ProxyCacheService({ ...valid, token }));
}

/** A wire value that is a plain record (not null, an array, bytes or a Map). */
function isWireRecord(value: WireValue | undefined): value is { [key: string]: WireValue } {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    !(value instanceof Uint8Array) &&
    !(value instanceof Map)
  );
}
