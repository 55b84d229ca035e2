import { CacheError } from '@pywatt/cache-core';
import { backoffDelayMs } from '@pywatt/cache-core/store';
import { Redis } from 'ioredis';
import type { BusListener, BusMembership, Invalidation, InvalidationBus } from './bus.js';

/** The bus's reconnect delays: from 20 ms, doubling, to 500 ms, with core's jitter. */
const RECONNECT_DELAYS = { baseDelayMs: 20, maxDelayMs: 500, factor: 2 } as const;

/** Options every Redis bus takes. */
export interface RedisBusOptions {
  /** `redis://[:password@]host:port[/db]` (or `rediss://`) of the server carrying the bus. */
  url: string;
  /** How long `createTieredCache` waits for the subscription to be confirmed, in ms. Default 10,000. */
  connectTimeoutMs?: number | undefined;
}

/** A tiered cache on the bus, with the namespace prefix it owns. */
export interface BusMember {
  readonly listener: BusListener;
  readonly fullPrefix: string;
}

/**
 * What the Redis buses share: one subscriber connection and one command
 * connection per bus (the bus is meant to be shared by every tiered cache of
 * a process), the up/down state members see, and joining only once the
 * subscription is confirmed. Subclasses say how to subscribe and what to do
 * with messages.
 */
export abstract class RedisBus implements InvalidationBus {
  abstract readonly kind: string;
  protected readonly members = new Set<BusMember>();
  readonly #url: string;
  readonly #connectTimeoutMs: number;
  #subscriber: Redis | undefined;
  #commands: Redis | undefined;
  #up = false;
  // Bumped whenever a connection closes, so a setup that finishes after a newer close counts for nothing.
  #generation = 0;
  #waiters = new Set<() => void>();
  #joining = 0;
  #settingUp = false;
  #setUpAgain = false;

  constructor(options: RedisBusOptions) {
    if (typeof options?.url !== 'string' || !/^rediss?:\/\//.test(options.url)) {
      throw new CacheError(
        'CONFIGURATION',
        'redis bus options: url must be a redis:// or rediss:// URL',
        {
          operation: 'create',
        },
      );
    }
    const timeout = options.connectTimeoutMs ?? 10_000;
    if (typeof timeout !== 'number' || !(timeout > 0) || !Number.isFinite(timeout)) {
      throw new CacheError(
        'CONFIGURATION',
        'redis bus options: connectTimeoutMs must be a positive number of milliseconds',
        { operation: 'create' },
      );
    }
    this.#url = options.url;
    this.#connectTimeoutMs = timeout;
  }

  /** Subscribes `subscriber` (and arms `commands` if needed); runs after every (re)connection. */
  protected abstract setUp(subscriber: Redis, commands: Redis): Promise<void>;
  /** A message on the subscriber connection. */
  protected abstract onMessage(channel: Buffer, payload: unknown): void;
  /** The command connection is ready (again). */
  protected onCommandsReady(_commands: Redis): void {}
  /** Whether delivery depends on the command connection too (client tracking lives on it). */
  protected abstract readonly needsCommandsForDelivery: boolean;
  /** Checks a new member's prefix; throws a CONFIGURATION CacheError when the bus cannot serve it. */
  protected checkMember(_fullPrefix: string): void {}
  /** Called whenever delivery is confirmed again. */
  protected onUp(): void {}
  /** Called when the last member left and the connections are closed. */
  protected onShut(): void {}

  async join(listener: BusListener, fullPrefix: string): Promise<BusMembership> {
    this.checkMember(fullPrefix);
    this.#joining++;
    try {
      if (this.#subscriber === undefined) this.#open();
      await this.#waitUntilUp();
    } catch (error) {
      this.#joining--;
      if (this.members.size === 0 && this.#joining === 0) this.#shut();
      throw error;
    }
    this.#joining--;
    const member: BusMember = { listener, fullPrefix };
    this.members.add(member);
    listener.up();
    return {
      publish: (message) => this.publish(member, message),
      leave: async () => {
        if (!this.members.delete(member)) return;
        if (this.members.size === 0 && this.#joining === 0) this.#shut();
      },
    };
  }

  /** Sends `message` to every other member, here and in other processes. Never rejects. */
  protected abstract publish(from: BusMember, message: Invalidation): Promise<void>;

  /** Delivers `message` to the members of this process, except `from`. */
  protected deliver(message: Invalidation, from?: BusMember): void {
    for (const member of this.members) {
      if (member !== from) member.listener.invalidate(message);
    }
  }

  /** The command connection when it can take a command now. */
  protected get readyCommands(): Redis | undefined {
    return this.#commands?.status === 'ready' ? this.#commands : undefined;
  }

  #open(): void {
    const common = {
      lazyConnect: false,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      connectTimeout: this.#connectTimeoutMs,
      // Core's backoff, at most 500 ms between attempts: L1 serves again only once the bus is back.
      retryStrategy: (times: number) => backoffDelayMs(times, RECONNECT_DELAYS),
    };
    // RESP2 on the subscriber: under RESP3 Redis sends tracking invalidations as
    // 'invalidate' push frames, which ioredis drops; under RESP2 they arrive as
    // messages on __redis__:invalidate like any other channel.
    const subscriber = new Redis(this.#url, { ...common, autoResubscribe: false, protocol: 2 });
    const commands = new Redis(this.#url, common);
    this.#subscriber = subscriber;
    this.#commands = commands;
    // Errors surface as 'close' and as rejected commands; without a listener ioredis would log them.
    subscriber.on('error', () => {});
    commands.on('error', () => {});
    subscriber.on('messageBuffer', (channel: Buffer, payload: unknown) =>
      this.onMessage(channel, payload),
    );
    subscriber.on('ready', () => void this.#setUp());
    subscriber.on('close', () => this.#lost());
    commands.on('ready', () => {
      this.onCommandsReady(commands);
      if (this.needsCommandsForDelivery) void this.#setUp();
    });
    commands.on('close', () => {
      if (this.needsCommandsForDelivery) this.#lost();
    });
  }

  async #setUp(): Promise<void> {
    // Both connections' 'ready' events call this; one set-up at a time, rerun if asked meanwhile.
    if (this.#settingUp) {
      this.#setUpAgain = true;
      return;
    }
    this.#settingUp = true;
    try {
      do {
        this.#setUpAgain = false;
        await this.#setUpOnce();
      } while (this.#setUpAgain);
    } finally {
      this.#settingUp = false;
    }
  }

  async #setUpOnce(): Promise<void> {
    const subscriber = this.#subscriber;
    const commands = this.#commands;
    if (subscriber?.status !== 'ready' || commands === undefined) return;
    if (this.needsCommandsForDelivery && commands.status !== 'ready') return;
    const generation = ++this.#generation;
    try {
      await this.setUp(subscriber, commands);
    } catch {
      // Half set up is not up: start over on a fresh connection.
      if (generation === this.#generation) subscriber.disconnect(true);
      return;
    }
    if (generation !== this.#generation || this.#subscriber !== subscriber) return;
    this.#up = true;
    this.onUp();
    for (const member of this.members) member.listener.up();
    for (const wake of this.#waiters) wake();
  }

  #lost(): void {
    this.#generation++;
    if (!this.#up) return;
    this.#up = false;
    for (const member of this.members) member.listener.down();
  }

  async #waitUntilUp(): Promise<void> {
    if (this.#up) return;
    await new Promise<void>((resolve, reject) => {
      const wake = () => {
        clearTimeout(timer);
        this.#waiters.delete(wake);
        resolve();
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(wake);
        reject(
          new CacheError(
            'CONNECTION',
            `redis ${this.kind} bus: no confirmed subscription within ${this.#connectTimeoutMs} ms; check that Redis is reachable at the bus's url`,
            { operation: 'create' },
          ),
        );
      }, this.#connectTimeoutMs);
      this.#waiters.add(wake);
    });
  }

  #shut(): void {
    this.#generation++;
    this.#up = false;
    this.#subscriber?.disconnect();
    this.#commands?.disconnect();
    this.#subscriber = undefined;
    this.#commands = undefined;
    this.onShut();
  }
}
