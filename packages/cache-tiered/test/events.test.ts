import type { CacheEventName } from '@pywatt/cache-core';
import { createRedisCache } from '@pywatt/cache-redis';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { createTieredCache } from '../src/index.js';
import { closeAfterEach, freshNamespace } from './support/helpers.js';

const url = () => inject('redisUrl');
const track = closeAfterEach(afterEach);

describe('events', () => {
  it("on() hears L2's connection events, and its unsubscribe stops them", async () => {
    const namespace = freshNamespace();
    const l2 = await createRedisCache({ url: url(), namespace });
    const cache = track(await createTieredCache({ l2, namespace }));
    const redis = new Redis(url());
    track({ close: async () => redis.disconnect() });
    const steps: Array<[CacheEventName, string]> = [];
    let wake = (): void => {};
    cache.on('connectionRestored', (event) => {
      steps.push(['connectionRestored', event.backend]);
      wake();
    });
    const off = cache.on('connectionLost', (event) =>
      steps.push(['connectionLost', event.backend]),
    );
    const reconnect = async () => {
      const restored = new Promise<void>((resolve) => {
        wake = resolve;
      });
      await redis.client('KILL', 'ID', String(await l2.client.client('ID')));
      await restored;
    };
    await reconnect();
    off();
    await reconnect();
    expect(steps).toEqual([
      ['connectionLost', 'redis'],
      ['connectionRestored', 'redis'],
      ['connectionRestored', 'redis'],
    ]);
  });
});
