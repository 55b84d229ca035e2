import { type ConnectionEvent, subscribeCacheChannel } from '@pywatt/cache-core';
import { Redis } from 'ioredis';
import { describe, expect, inject, it } from 'vitest';
import { createRedisCache } from '../src/index.js';
import { bytes, uniqueNamespace } from './helpers.js';

describe('redis events and tracing', () => {
  it('a reconnect: connectionLost, then connectionRestored, then a traced get works again', async () => {
    const namespace = uniqueNamespace('events');
    const cache = await createRedisCache({ url: inject('redisUrl'), namespace });
    const admin = new Redis(inject('redisUrl'));
    const steps: unknown[][] = [];
    const restored = new Promise<ConnectionEvent>((resolve) => {
      cache.on('connectionRestored', (event) => {
        steps.push(['connectionRestored', event.endpoint, event.namespace]);
        resolve(event);
      });
    });
    cache.on('connectionLost', (event) =>
      steps.push(['connectionLost', event.endpoint, event.namespace]),
    );
    let stop = (): void => {};
    try {
      await cache.set('k', bytes('v'));
      const id = await cache.client.client('ID');
      await admin.client('KILL', 'ID', String(id));
      const event = await restored;
      expect(event.downMs).toBeGreaterThanOrEqual(0);
      stop = subscribeCacheChannel('get', {
        asyncEnd: (c) => void steps.push(['get', c.backend, c.hit, c.errorCode]),
      });
      expect(await cache.get('k')).toEqual(bytes('v'));
      const endpoint = `redis at ${new URL(inject('redisUrl')).hostname}:${new URL(inject('redisUrl')).port}`;
      expect(steps).toEqual([
        ['connectionLost', endpoint, namespace],
        ['connectionRestored', endpoint, namespace],
        ['get', 'redis', true, undefined],
      ]);
    } finally {
      stop();
      admin.disconnect();
      await cache.close();
    }
    // close() itself is not a lost connection.
    expect(steps.filter(([name]) => name === 'connectionLost')).toHaveLength(1);
  });
});
