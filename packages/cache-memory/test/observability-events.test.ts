import { tracingChannel } from 'node:diagnostics_channel';
import {
  CacheChannelName,
  type CacheOperationContext,
  type ExpirySweepEvent,
  subscribeCacheChannel,
} from '@pywatt/cache-core';
import { describe, expect, it } from 'vitest';
import { InMemoryCache } from '../src/index.js';

const bytes = (text: string): Buffer => Buffer.from(text);

describe('memory cache events and tracing', () => {
  it('an eviction: set start, the eviction event, then the rest of the set (keys only with traceKeys)', async () => {
    for (const traceKeys of [false, true]) {
      const cache = new InMemoryCache({ namespace: 'ns', maxItems: 2, traceKeys });
      const steps: unknown[] = [];
      const handlers = {
        start: (c: CacheOperationContext) => steps.push(['set:start', c.keys?.[0]]),
        end: () => steps.push(['set:end']),
        asyncStart: () => steps.push(['set:asyncStart']),
        asyncEnd: () => steps.push(['set:asyncEnd']),
        error: () => steps.push(['set:error']),
      };
      await cache.set('a', bytes('1'));
      await cache.set('b', bytes('2'));
      const set = tracingChannel<unknown, CacheOperationContext>(CacheChannelName.set);
      set.subscribe(handlers);
      const off = cache.on('eviction', (event) => steps.push(['eviction', event]));
      try {
        await cache.set('c', bytes('3'));
      } finally {
        set.unsubscribe(handlers);
        off();
      }
      const key = traceKeys ? 'a' : undefined;
      expect(steps).toEqual([
        ['set:start', traceKeys ? 'c' : undefined],
        ['eviction', { backend: 'memory', namespace: 'ns', key }],
        ['set:end'],
        ['set:asyncStart'],
        ['set:asyncEnd'],
      ]);
      expect((await cache.stats()).evictions).toBe(1);
      await cache.close();
    }
  });

  it('the untraced fast path emits evictions too, and nothing after unsubscribe', async () => {
    const cache = new InMemoryCache({ maxItems: 1 });
    const seen: unknown[] = [];
    const off = cache.on('eviction', (event) => seen.push(event));
    await cache.set('a', bytes('1'));
    await cache.set('b', bytes('2'));
    off();
    await cache.set('c', bytes('3'));
    expect(seen).toEqual([{ backend: 'memory', namespace: undefined, key: undefined }]);
    await cache.close();
  });

  it('an expiry sweep that removed entries fires once with the count', async () => {
    // Set within one macrotask, before the first tick: the first tick sees all three expired.
    const cache = new InMemoryCache({ namespace: 'ns', sweepIntervalMs: 50 });
    const swept = new Promise<ExpirySweepEvent>((resolve) => {
      const off = cache.on('expirySweep', (event) => {
        off();
        resolve(event);
      });
    });
    for (const key of ['a', 'b', 'c']) await cache.set(key, bytes('x'), { ttlMs: 1 });
    await cache.set('kept', bytes('x'));
    const event = await swept;
    expect(event).toMatchObject({ backend: 'memory', namespace: 'ns', removed: 3 });
    expect(event.durationMs).toBeGreaterThanOrEqual(0);
    expect((await cache.stats()).itemCount).toBe(1);
    await cache.close();
  });

  it('a traced get on the fast-path backend is published once, with hit and miss', async () => {
    const cache = new InMemoryCache();
    await cache.set('k', bytes('v'));
    const done: unknown[] = [];
    const stop = subscribeCacheChannel('get', {
      asyncEnd: (c) => void done.push([c.operation, c.hit]),
    });
    try {
      expect(await cache.get('k')).toEqual(bytes('v'));
      expect(await cache.get('nope')).toBeUndefined();
    } finally {
      stop();
    }
    expect(done).toEqual([
      ['get', true],
      ['get', false],
    ]);
    const stats = await cache.stats();
    expect([stats.hits, stats.misses]).toEqual([1, 1]);
    await cache.close();
  });
});
