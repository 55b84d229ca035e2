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
  #seq = 0;
  #queue: string[] = [];
  readonly #lastSeq = new Map<string, number>();

  constructor(options: RedisPubSubBusOptions) {
    super(options);
    const { channel = 'pywatt:tiered', maxQueuedMessages = 10_000 } = options;
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
    this.#channel = channel;
    this.#channelBytes = Buffer.from(channel);
    this.#maxQueued = maxQueuedMessages;
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
    for (const payload of queued) this.#send(commands, payload);
  }

  protected publish(from: BusMember, message: Invalidation): Promise<void> {
    this.deliver(message, from);
    const payload = encodeMessage(this.#origin, ++this.#seq, message);
    const commands = this.readyCommands;
    if (commands === undefined || this.#queue.length > 0) {
      this.#enqueue(payload);
      return Promise.resolve();
    }
    return this.#send(commands, payload);
  }

  #send(commands: Redis, payload: string): Promise<void> {
    return commands.publish(this.#channel, payload).then(
      () => undefined,
      () => this.#enqueue(payload),
    );
  }

  #enqueue(payload: string): void {
    if (this.#queue.length < this.#maxQueued) {
      this.#queue.push(payload);
      return;
    }
    // Receivers see the sequence jump and drop everything, which is what this says too.
    this.#queue = [encodeMessage(this.#origin, ++this.#seq, { kind: 'all' })];
  }
}
