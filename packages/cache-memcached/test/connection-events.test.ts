import { type ConnectionEvent, subscribeCacheChannel } from '@pywatt/cache-core';
import { startMemcached } from '@pywatt/test-servers/memcached';
import { describe, expect, it } from 'vitest';
import { createMemcachedCache } from '../src/index.js';

const bytes = (text: string) => new TextEncoder().encode(text);

describe('memcached connection events', () => {
  it('a stopped and restarted server: connectionLost, a failed get, connectionRestored, a get that works', async () => {
    const server = await startMemcached();
    const endpoint = `memcached at ${server.host}:${server.port}`;
    const cache = await createMemcachedCache({
      servers: [`${server.host}:${server.port}`],
      namespace: 'events',
      operationTimeoutMs: 5_000,
    });
    const steps: unknown[][] = [];
    const lost = new Promise<void>((resolve) => {
      cache.on('connectionLost', (event) => {
        steps.push(['connectionLost', event.endpoint, event.namespace, event.backend]);
        resolve();
      });
    });
    let downMs = -1;
    cache.on('connectionRestored', (event: ConnectionEvent) => {
      steps.push(['connectionRestored', event.endpoint, event.namespace, event.backend]);
      downMs = event.downMs ?? -1;
    });
    const stopTracing = subscribeCacheChannel('get', {
      asyncEnd: (c) => void steps.push(['get', c.hit, c.errorCode]),
    });
    try {
      await cache.set('k', bytes('v'));
      expect(await cache.get('k')).toEqual(bytes('v'));
      await server.stop();
      await lost;
      await expect(cache.get('k')).rejects.toMatchObject({ code: 'CONNECTION' });
      await server.restart();
      // A restart empties memcached: the key is gone, the connection is back.
      expect(await cache.get('k')).toBeUndefined();
      expect(steps).toEqual([
        ['get', true, undefined],
        ['connectionLost', endpoint, 'events', 'memcached'],
        ['get', undefined, 'CONNECTION'],
        ['connectionRestored', endpoint, 'events', 'memcached'],
        ['get', false, undefined],
      ]);
      expect(downMs).toBeGreaterThan(0);
    } finally {
      stopTracing();
      await cache.close();
      await server.stop();
    }
    // close() itself is not a lost connection.
    expect(steps.filter(([name]) => name === 'connectionLost')).toHaveLength(1);
  });
});
