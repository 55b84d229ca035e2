import {
  type BackendStats,
  BaseCache,
  CacheError,
  CacheType,
  describeError,
  LOCK_KEY_SPACE,
  type ProxyCacheConfig,
} from '@pywatt/cache-core';
import { Op } from '../protocol/constants.js';
import type { WireValue } from '../protocol/values.js';
import type { IpcChannel } from '../transport/ipc-channel.js';
import { ClientLink } from './client-link.js';

/** The proxy's options: {@link ProxyCacheConfig} plus the IPC channel to use. */
export interface ProxyCacheOptions extends Omit<ProxyCacheConfig, 'type'> {
  type?: 'proxy' | undefined;
  /**
   * With `transport: 'ipc'`: the channel to the server. Default `process`
   * (this process was forked by the server). A parent that forked a server
   * child passes that `ChildProcess`.
   */
  channel?: IpcChannel | undefined;
}

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
 * A cache served by another process (see `startCacheServer`), reached over
 * the parent's IPC channel, a Unix socket or loopback TCP. Keys, values and
 * TTLs are checked here, as by every backend, and again by the server.
 * Many requests share one connection; each fails with TIMEOUT after
 * `operationTimeoutMs`, with CONNECTION when the link drops while it runs
 * (it is not re-sent), and the client reconnects with backoff when called
 * again. Create it with `createProxyCache`, which connects and pings.
 */
export class ProxyCacheService extends BaseCache {
  readonly type = CacheType.PROXY;
  /** The namespace asked of the server (inside the token's own namespace there). */
  readonly namespace: string | undefined;
  readonly #link: ClientLink;

  /** Builds the client; no I/O happens until the first call. Pass a validated config (createProxyCache does). */
  constructor(options: ProxyCacheOptions) {
    // The server applies the namespace, so keys travel as the caller wrote them.
    super({
      defaultTtlMs: options.defaultTtlMs,
      maxValueBytes: options.maxValueBytes,
      traceKeys: options.traceKeys,
    });
    this.namespace = options.namespace;
    this.#link = new ClientLink({
      transport: options.transport,
      channel: options.channel,
      token: options.token ?? '',
      namespace: options.namespace,
      operationTimeoutMs: options.operationTimeoutMs ?? DEFAULT_OPERATION_TIMEOUT_MS,
      connectTimeoutMs: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    });
  }

  #call(op: keyof typeof Op, args: WireValue[]): Promise<WireValue> {
    return this.#link.call(op, Op[op], args);
  }

  protected async _get(key: string) {
    return bytesOrUndefined(await this.#call('get', [key]), 'get');
  }
  protected async _set(key: string, value: Uint8Array, ttlMs: number) {
    await this.#call('set', [key, value, ttlMs]);
  }
  protected async _delete(key: string) {
    return bool(await this.#call('delete', [key]), 'delete');
  }
  protected async _exists(key: string) {
    return bool(await this.#call('exists', [key]), 'exists');
  }
  protected async _setIfAbsent(key: string, value: Uint8Array, ttlMs: number) {
    return bool(await this.#call('setIfAbsent', [key, value, ttlMs]), 'setIfAbsent');
  }
  protected async _getAndSet(key: string, value: Uint8Array, ttlMs: number) {
    return bytesOrUndefined(await this.#call('getAndSet', [key, value, ttlMs]), 'getAndSet');
  }
  protected async _increment(key: string, delta: number, newKeyTtlMs: number) {
    return num(await this.#call('increment', [key, delta, newKeyTtlMs]), 'increment');
  }
  protected override async _getMany(keys: readonly string[]) {
    const values = await this.#call('getMany', [[...keys]]);
    if (!Array.isArray(values) || values.length !== keys.length)
      throw unexpected('getMany', 'a list of the wrong length');
    return values.map((v) => bytesOrUndefined(v, 'getMany'));
  }
  protected override async _setMany(
    entries: ReadonlyArray<readonly [string, Uint8Array]>,
    ttlMs: number,
  ) {
    await this.#call('setMany', [entries.map((e) => e[0]), entries.map((e) => e[1]), ttlMs]);
  }
  protected override async _deleteMany(keys: readonly string[]) {
    return num(await this.#call('deleteMany', [[...keys]]), 'deleteMany');
  }
  protected async _clear(fullPrefix: string) {
    // BaseCache passes '' for clear() and 'prefix:' for clear(prefix).
    await this.#call('clear', [fullPrefix === '' ? undefined : fullPrefix.slice(0, -1)]);
  }
  protected async _lock(lockKey: string, token: string, ttlMs: number) {
    return bool(
      await this.#call('lock', [lockKey.slice(LOCK_KEY_SPACE.length), token, ttlMs]),
      'lock',
    );
  }
  protected async _unlock(lockKey: string, token: string) {
    return bool(
      await this.#call('unlock', [lockKey.slice(LOCK_KEY_SPACE.length), token]),
      'unlock',
    );
  }
  protected async _extendLock(lockKey: string, token: string, ttlMs: number) {
    return bool(
      await this.#call('extendLock', [lockKey.slice(LOCK_KEY_SPACE.length), token, ttlMs]),
      'extendLock',
    );
  }
  protected async _stats(): Promise<BackendStats> {
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
  protected async _ping() {
    await this.#call('ping', []);
  }
  protected async _close() {
    this.#link.close();
  }

  protected override wrapError(error: unknown, operation: string): CacheError {
    return new CacheError(
      'INTERNAL',
      `proxy cache ${operation} failed unexpectedly: ${describeError(error)}`,
      {
        operation,
        backend: 'proxy',
        cause: error,
      },
    );
  }
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
