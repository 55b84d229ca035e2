import { bytes, type SuiteContext } from './context.js';

/** Stats counting, ping, close and CLOSED. */
export function statsAndLifecycleCases(ctx: SuiteContext): void {
  const { it, expect, describe } = ctx.api;

  describe('stats', () => {
    it('counts hits, misses, sets and deletes, and derives hitRate', async () => {
      const cache = await ctx.cache();
      const before = await cache.stats();
      expect(before.hitRate).toBe(0);
      await cache.set('a', bytes('1'));
      await cache.set('b', bytes('2'));
      await cache.get('a');
      await cache.get('a');
      await cache.get('a');
      await cache.get('missing');
      await cache.delete('b');
      await cache.delete('b');
      const after = await cache.stats();
      expect(after.hits - before.hits).toBe(3);
      expect(after.misses - before.misses).toBe(1);
      expect(after.sets - before.sets).toBe(2);
      expect(after.deletes - before.deletes).toBe(1);
      expect(after.hitRate).toBeCloseTo(after.hits / (after.hits + after.misses), 10);
      expect(after.errors).toBe(0);
      expect(typeof after.backend).toBe('object');
      for (const field of ['evictions', 'expirations'] as const)
        expect(after[field]).toBeGreaterThanOrEqual(0);
      if (after.itemCount !== undefined) expect(after.itemCount).toBeGreaterThanOrEqual(1);
    });
  });

  describe('lifecycle', () => {
    it('reports its type (a non-empty name) and answers ping', async () => {
      const cache = await ctx.cache();
      expect(typeof cache.type).toBe('string');
      expect(cache.type.length).toBeGreaterThan(0);
      await expect(cache.ping()).resolves.toBeUndefined();
    });

    it('rejects every method with CLOSED after close(), which is idempotent', async () => {
      const cache = await ctx.cache();
      await cache.set('k', bytes('v'));
      await cache.close();
      await cache.close();
      const calls: Array<() => Promise<unknown>> = [
        () => cache.get('k'),
        () => cache.set('k', bytes('v')),
        () => cache.delete('k'),
        () => cache.exists('k'),
        () => cache.setIfAbsent('k', bytes('v')),
        () => cache.getAndSet('k', bytes('v')),
        () => cache.increment('n'),
        () => cache.decrement('n'),
        () => cache.getMany(['k']),
        () => cache.setMany([['k', bytes('v')]]),
        () => cache.deleteMany(['k']),
        () => cache.clear(),
        () => cache.flush(),
        () => cache.lock('k', 1000),
        () => cache.unlock('k', 'token'),
        () => cache.extendLock('k', 'token', 1000),
        () => cache.stats(),
        () => cache.ping(),
        () => cache.getString('k'),
        () => cache.setJson('k', 1),
      ];
      for (const call of calls) await ctx.rejects(call(), 'CLOSED');
    });

    it('closes through Symbol.asyncDispose', async () => {
      const cache = await ctx.cache();
      await cache[Symbol.asyncDispose]();
      await ctx.rejects(cache.get('k'), 'CLOSED');
    });
  });
}
