import { CacheError } from '@pywatt/cache-core';
import { namespacePrefix } from '@pywatt/cache-core/store';
import { Op } from '../protocol/constants.js';
import type { PushedInvalidation, PushFrame } from '../protocol/push-frame.js';
import { ClientLink } from './client-link.js';
import { ProxyCacheService } from './proxy-cache-service.js';

/** What a tiered cache is told: the same shape as `@pywatt/cache-tiered`'s `Invalidation`. */
export type ProxyInvalidation = PushedInvalidation;

/** A tiered cache's side of the bus: `@pywatt/cache-tiered`'s `BusListener`. */
export interface ProxyBusListener {
  invalidate(message: ProxyInvalidation): void;
  down(): void;
  up(): void;
}

/** One member's place on the bus: `@pywatt/cache-tiered`'s `BusMembership`. */
export interface ProxyBusMembership {
  publish(message: ProxyInvalidation): Promise<void>;
  leave(): Promise<void>;
}

/** Options of {@link createProxyBus}. */
export interface ProxyBusOptions {
  /** How long joining waits for the server to confirm the subscription, in ms. Default 10,000. */
  connectTimeoutMs?: number | undefined;
}

interface Member {
  readonly listener: ProxyBusListener;
  /** Put in front of every pushed key and prefix: the tier's full keys. */
  readonly fullPrefix: string;
}

const busError = (code: 'CONFIGURATION' | 'CONNECTION', message: string): CacheError =>
  new CacheError(code, `proxy bus: ${message}`, { operation: 'create', backend: 'proxy' });

// Errors after which asking again cannot help until someone changes the server or the token.
const PERMANENT = new Set(['PROTOCOL', 'UNAUTHORIZED', 'CONFIGURATION', 'INVALID_ARGUMENT']);

/**
 * An invalidation bus for `@pywatt/cache-tiered` over the cache server's
 * pushed invalidations (PROTOCOL.md, PUSH): the server reports every write it
 * applies, whichever client made it, to the connections that subscribed. The
 * bus keeps one such connection beside its proxy cache's own, ignores the
 * writes of that cache (the tiered cache has handled them), empties L1 on a
 * sequence gap, and reports down/up around every reconnection.
 * Made by {@link createProxyBus}.
 */
export class ProxyBus {
  /** Shown in the tiered cache's `stats().backend.bus`. */
  readonly kind = 'proxy';
  readonly #cache: ProxyCacheService;
  /** The full prefixes a member may join with: none, or the proxy cache's namespace. */
  readonly #prefixes: ReadonlySet<string>;
  readonly #connectTimeoutMs: number;
  readonly #members = new Set<Member>();
  readonly #waiters = new Set<(error?: CacheError) => void>();
  #link: ClientLink | undefined;
  #joining = 0;
  #up = false;
  #lastSeq = 0;
  /** The link a subscribe loop is running for (a closed link's loop may still be unwinding). */
  #subscribingFor: ClientLink | undefined;
  /** Sequence gaps seen (each emptied every member's L1). */
  gaps = 0;
  /** PUSH frames received, this process's own writes included. */
  received = 0;

  constructor(cache: ProxyCacheService, options: ProxyBusOptions = {}) {
    if (!(cache instanceof ProxyCacheService))
      throw busError(
        'CONFIGURATION',
        'createProxyBus needs the proxy cache (from createProxyCache) that is the tiered cache’s l2',
      );
    const timeout = options.connectTimeoutMs ?? 10_000;
    if (typeof timeout !== 'number' || !(timeout > 0) || !Number.isFinite(timeout))
      throw busError('CONFIGURATION', 'connectTimeoutMs must be a positive number of milliseconds');
    this.#cache = cache;
    this.#prefixes = new Set(['', namespacePrefix(cache.namespace)]);
    this.#connectTimeoutMs = timeout;
  }

  /** Joins a tiered cache; resolves once the server has confirmed the subscription (then calls `listener.up()`). */
  async join(listener: ProxyBusListener, fullPrefix: string): Promise<ProxyBusMembership> {
    if (!this.#prefixes.has(fullPrefix))
      throw busError(
        'CONFIGURATION',
        `the tiered cache's namespace must be the proxy cache's (${this.#cache.namespace === undefined ? 'none' : `'${this.#cache.namespace}'`}) or none, so that pushed keys match L1's`,
      );
    this.#joining++;
    try {
      this.#link ??= new ClientLink({
        ...this.#cache.store.linkOptions(),
        // The proxy cache's own scope: pushed keys are then the keys its callers use.
        namespace: this.#cache.namespace,
        push: { onPush: (frame) => this.#onPush(frame), onLost: () => this.#onLost() },
      });
      this.#subscribe();
      await this.#waitUntilUp();
    } catch (error) {
      this.#joining--;
      if (this.#members.size === 0 && this.#joining === 0) this.#shut();
      throw error;
    }
    this.#joining--;
    const member: Member = { listener, fullPrefix };
    this.#members.add(member);
    listener.up();
    return {
      // The server pushes every write to the other processes; only this process's other members need telling.
      publish: async (message) => this.#deliver(message, member),
      leave: async () => {
        if (!this.#members.delete(member)) return;
        if (this.#members.size === 0 && this.#joining === 0) this.#shut();
      },
    };
  }

  /** Hands a member's own message (full keys already) to the other members. */
  #deliver(message: ProxyInvalidation, except?: Member): void {
    for (const member of this.#members) if (member !== except) member.listener.invalidate(message);
  }

  /** Hands a pushed invalidation (keys relative to the proxy cache's scope) to every member. */
  #deliverPushed(message: ProxyInvalidation): void {
    for (const { listener, fullPrefix: p } of this.#members) {
      if (p === '' || message.kind === 'all') listener.invalidate(message);
      else if (message.kind === 'prefix')
        listener.invalidate({ kind: 'prefix', prefix: p + message.prefix });
      else listener.invalidate({ kind: 'keys', keys: message.keys.map((key) => p + key) });
    }
  }

  #onPush(frame: PushFrame): void {
    this.received++;
    if (frame.seq !== this.#lastSeq + 1) {
      // Something between the server's write and us was lost: nothing in L1 can be trusted.
      this.gaps++;
      this.#deliver({ kind: 'all' });
    }
    this.#lastSeq = frame.seq;
    if (frame.origin !== this.#cache.store.origin) this.#deliverPushed(frame.invalidation);
  }

  #onLost(): void {
    this.#lastSeq = 0;
    if (this.#up) {
      this.#up = false;
      for (const member of this.#members) member.listener.down();
    }
    // Not from inside the link's own teardown: it finishes first, then we connect again.
    queueMicrotask(() => this.#subscribe());
  }

  // Subscribes on the current connection, connecting as needed; keeps trying while anyone is on the bus.
  #subscribe(): void {
    const link = this.#link;
    if (link === undefined || this.#up || this.#subscribingFor === link) return;
    this.#subscribingFor = link;
    void this.#subscribeLoop(link).finally(() => {
      if (this.#subscribingFor === link) this.#subscribingFor = undefined;
    });
  }

  async #subscribeLoop(link: ClientLink): Promise<void> {
    for (let failures = 0; ; failures++) {
      if (link !== this.#link || this.#up) return;
      try {
        await link.call('subscribe', Op.subscribe, [['']]);
        // The confirming connection may have dropped already (its loss is then being handled).
        if (link === this.#link && link.ready) {
          this.#up = true;
          for (const member of this.#members) member.listener.up();
          for (const wake of this.#waiters) wake();
          return;
        }
      } catch (error) {
        if (link !== this.#link) return;
        if (CacheError.is(error) && PERMANENT.has(error.code)) {
          for (const wake of this.#waiters) wake(error);
          if (this.#members.size === 0) return;
        }
      }
      await pause(Math.min(50 * 2 ** failures, 2000));
    }
  }

  async #waitUntilUp(): Promise<void> {
    if (this.#up) return;
    await new Promise<void>((resolve, reject) => {
      const wake = (error?: CacheError) => {
        clearTimeout(timer);
        this.#waiters.delete(wake);
        if (error === undefined) resolve();
        else reject(error);
      };
      const timer = setTimeout(
        () =>
          wake(
            busError(
              'CONNECTION',
              `no confirmed subscription within ${this.#connectTimeoutMs} ms; check that pywatt-cache-server is running at ${this.#link?.where ?? 'its address'}`,
            ),
          ),
        this.#connectTimeoutMs,
      );
      this.#waiters.add(wake);
    });
  }

  #shut(): void {
    this.#up = false;
    this.#lastSeq = 0;
    this.#link?.close();
    this.#link = undefined;
  }
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/**
 * A bus for `@pywatt/cache-tiered` over the cache server's pushed
 * invalidations: writes by any client of the server (tiered or not, in any
 * process) reach this process's L1. `cache` is the proxy cache you give the
 * tiered cache as `l2`; the bus opens one more connection to the same server
 * with the same token and namespace, and hands the tiered cache the keys its
 * callers use (with the namespace in front when the tiered cache was given it).
 *
 * ```ts
 * const l2 = await createProxyCache({ transport: { socketPath }, token, namespace: 'app' });
 * const cache = await createTieredCache({ l2, bus: createProxyBus(l2) });
 * ```
 *
 * Joining rejects with `PROTOCOL` when the server predates pushes, and with
 * `CONNECTION` when no subscription is confirmed within `connectTimeoutMs`.
 *
 * @throws CacheError CONFIGURATION when `cache` is not a proxy cache or an option is bad.
 */
export function createProxyBus(cache: ProxyCacheService, options?: ProxyBusOptions): ProxyBus {
  return new ProxyBus(cache, options);
}
