import { CacheError } from '@pywatt/cache-core';
import type { Redis } from 'ioredis';
import type { Invalidation, InvalidationBus } from './bus.js';
import { type BusMember, RedisBus, type RedisBusOptions } from './redis-bus-base.js';

const INVALIDATE_CHANNEL = '__redis__:invalidate';
const channelBytes = Buffer.from(INVALIDATE_CHANNEL);

/**
 * An invalidation bus run by Redis itself (client-side caching, Redis 6+):
 * `CLIENT TRACKING on BCAST PREFIX <namespace>` on the bus's command
 * connection, redirected to its subscriber connection. Redis then reports
 * every change to a key under the namespace, whoever makes it: another
 * process, `redis-cli`, a service in another language, an expiry or an
 * eviction. Nothing is published; every tiered cache on it must use the same
 * namespace (the prefix is fixed by the first one), on the same server as L2
 * (not a Cluster: tracking is per node).
 *
 * A write made in this process comes back as an invalidation too, so the
 * next read of that key goes to L2 once.
 */
export function createRedisTrackingBus(options: RedisBusOptions): InvalidationBus {
  return new RedisTrackingBus(options);
}

class RedisTrackingBus extends RedisBus {
  readonly kind = 'tracking';
  protected readonly needsCommandsForDelivery = true;
  #prefix: string | undefined;

  protected override checkMember(fullPrefix: string): void {
    if (this.#prefix === undefined || this.members.size === 0) {
      this.#prefix = fullPrefix;
      return;
    }
    if (fullPrefix !== this.#prefix) {
      throw new CacheError(
        'CONFIGURATION',
        'a redis tracking bus serves one namespace: create one bus per namespace',
        { operation: 'create' },
      );
    }
  }

  protected async setUp(subscriber: Redis, commands: Redis): Promise<void> {
    const id = (await subscriber.client('ID')) as number;
    await subscriber.subscribe(INVALIDATE_CHANNEL);
    // Off first: the command connection may still track for a subscriber connection that is gone.
    await commands.call('CLIENT', 'TRACKING', 'off');
    const prefix = this.#prefix ?? '';
    await commands.call(
      'CLIENT',
      'TRACKING',
      'on',
      'REDIRECT',
      String(id),
      'BCAST',
      ...(prefix === '' ? [] : ['PREFIX', prefix]),
    );
  }

  protected onMessage(channel: Buffer, payload: unknown): void {
    if (!channel.equals(channelBytes)) return;
    // A null payload is FLUSHALL / FLUSHDB: everything changed.
    if (!Array.isArray(payload)) {
      this.deliver({ kind: 'all' });
      return;
    }
    this.deliver({ kind: 'keys', keys: payload.map((key: Buffer) => key.toString()) });
  }

  protected publish(_from: BusMember, _message: Invalidation): Promise<void> {
    // Redis reports the change itself, to every process including this one.
    return Promise.resolve();
  }
}
