import { randomBytes } from 'node:crypto';
import { CacheError } from '@pywatt/cache-core';
import type { Redis } from 'ioredis';
import type { Invalidation, InvalidationBus } from './bus.js';
import { decodeMessage, encodeMessage } from './message.js';
import { type BusMember, RedisBus, type RedisBusOptions } from './redis-bus-base.js';

/** Options of {@link createRedisBus}. */
export interface RedisPubSubBusOptions extends RedisBusOptions {
  /** The pub/sub channel; every process of one application must use the same. Default `pywatt:tiered`. */
  channel?: string | undefined;
  /**
   * Invalidations kept while the publishing connection is down, sent when it is
   * back (default 10,000). Past that they collapse into one "drop everything".
   */
  maxQueuedMessages?: number | undefined;
  /**
   * How long a write waits for its invalidation to reach Redis while the
   * publishing connection is down, in ms (default 2,000). Within it, a write
   * resolves only once the others can hear of it; past it, the write resolves and
   * the message stays queued (the others may then serve the replaced value until
   * the connection is back).
   */
  maxPublishWaitMs?: number | undefined;
}

/** A message waiting for the publishing connection, and the writes waiting for it. */
interface Queued {
  readonly payload: string;
  readonly waiters: Array<() => void>;
}

/**
 * An invalidation bus over Redis pub/sub: value-free messages (keys, a prefix
 * or everything, with the sender's id and a sequence number) on one channel.
 * A process skips its own messages; a gap in another process's sequence (a
 * lost message) empties L1. Publishes made while the connection is down are
 * queued and sent once it is back. Pass one bus to every tiered cache of a
 * process: it keeps one subscriber connection and one publishing connection.
 *
 * Throws a `CONFIGURATION` CacheError for bad options; connects on first use.
 */
export function createRedisBus(options: RedisPubSubBusOptions): InvalidationBus {
  return new RedisPubSubBus(options);
}

class RedisPubSubBus extends RedisBus {
  readonly kind = 'pubsub';
  protected readonly needsCommandsForDelivery = false;
  readonly #channel: string;
  readonly #channelBytes: Buffer;
  readonly #maxQueued: number;
  readonly #origin = randomBytes(9).toString('base64url');
  readonly #maxWaitMs: number;
  #seq = 0;
  #queue: Queued[] = [];
  readonly #lastSeq = new Map<string, number>();

  constructor(options: RedisPubSubBusOptions) {
    super(options);
    const {
      channel = 'pywatt:tiered',
      maxQueuedMessages = 10_000,
      maxPublishWaitMs = 2_000,
    } = options;
    if (typeof channel !== 'string' || channel.length === 0) {
      throw new CacheError(
        'CONFIGURATION',
        'redis bus options: channel must be a non-empty string',
        {
          operation: 'create',
        },
      );
    }
    if (!Number.isSafeInteger(maxQueuedMessages) || maxQueuedMessages < 1) {
      throw new CacheError(
        'CONFIGURATION',
        'redis bus options: maxQueuedMessages must be a whole number from 1',
        { operation: 'create' },
      );
    }
    if (
      typeof maxPublishWaitMs !== 'number' ||
      !(maxPublishWaitMs >= 0) ||
      !Number.isFinite(maxPublishWaitMs)
    ) {
      throw new CacheError(
        'CONFIGURATION',
        'redis bus options: maxPublishWaitMs must be a number of milliseconds from 0',
        { operation: 'create' },
      );
    }
    this.#channel = channel;
    this.#channelBytes = Buffer.from(channel);
    this.#maxQueued = maxQueuedMessages;
    this.#maxWaitMs = maxPublishWaitMs;
  }

  protected async setUp(subscriber: Redis): Promise<void> {
    await subscriber.subscribe(this.#channel);
  }

  protected override onUp(): void {
    // Every member just emptied its L1: older sequence numbers no longer matter.
    this.#lastSeq.clear();
  }

  protected onMessage(channel: Buffer, payload: unknown): void {
    if (!Buffer.isBuffer(payload) || !channel.equals(this.#channelBytes)) return;
    const message = decodeMessage(payload.toString());
    if (message === undefined || message.origin === this.#origin) return;
    const last = this.#lastSeq.get(message.origin);
    if (this.#lastSeq.size >= 10_000 && last === undefined) this.#lastSeq.clear();
    this.#lastSeq.set(message.origin, message.seq);
    const lost = last !== undefined && message.seq !== last + 1;
    this.deliver(lost ? { kind: 'all' } : message.invalidation);
  }

  protected override onCommandsReady(commands: Redis): void {
    const queued = this.#queue;
    this.#queue = [];
    for (const item of queued) void this.#send(commands, item);
  }

  protected override onShut(): void {
    // Nobody is left to publish for: let the writes still waiting go.
    for (const item of this.#queue) for (const wake of item.waiters) wake();
    this.#queue = [];
  }

  protected publish(from: BusMember, message: Invalidation): Promise<void> {
    this.deliver(message, from);
    const item: Queued = {
      payload: encodeMessage(this.#origin, ++this.#seq, message),
      waiters: [],
    };
    const commands = this.readyCommands;
    if (commands === undefined || this.#queue.length > 0) return this.#wait(item);
    return this.#send(commands, item);
  }

  /** Publishes `item`; resolves its waiters once Redis took it, or queues it again. */
  #send(commands: Redis, item: Queued): Promise<void> {
    return commands.publish(this.#channel, item.payload).then(
      () => {
        for (const wake of item.waiters) wake();
      },
      () => this.#wait(item),
    );
  }

  /** Queues `item` and resolves when it is sent, or after `maxPublishWaitMs` (it stays queued). */
  #wait(item: Queued): Promise<void> {
    const sent =
      this.#maxWaitMs === 0
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, this.#maxWaitMs);
            timer.unref();
            item.waiters.push(() => {
              clearTimeout(timer);
              resolve();
            });
          });
    this.#enqueue(item);
    return sent;
  }

  #enqueue(item: Queued): void {
    if (this.#queue.length < this.#maxQueued) {
      this.#queue.push(item);
      return;
    }
    // Receivers see the sequence jump and drop everything, which is what this says too.
    const waiters = this.#queue.flatMap((queued) => queued.waiters);
    const all = encodeMessage(this.#origin, ++this.#seq, { kind: 'all' });
    this.#queue = [{ payload: all, waiters: [...waiters, ...item.waiters] }];
  }
}
