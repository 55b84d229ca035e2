import { bytes, type SuiteContext, sleep } from './context.js';

/** TTLs are milliseconds; expired entries are never returned. */
export function ttlCases(ctx: SuiteContext): void {
  const { it, expect, describe } = ctx.api;
  const T = ctx.ttlMs;

  describe('ttl', () => {
    ctx.timed(
      'expires an entry after its ttlMs and never returns it afterwards',
      async (T, assumeWithin) => {
        const cache = await ctx.cache();
        const shortAt = performance.now();
        await cache.set('short', bytes('v'), { ttlMs: T });
        await cache.set('long', bytes('v'), { ttlMs: T * 100 });
        await cache.set('forever', bytes('v'), { ttlMs: Number.POSITIVE_INFINITY });
        const short = await cache.get('short');
        assumeWithin(shortAt, T);
        expect(short).toBeDefined();
        await sleep(T * 2.5);
        expect(await cache.get('short')).toBeUndefined();
        expect(await cache.exists('short')).toBe(false);
        expect((await cache.getMany(['short', 'long'])).has('short')).toBe(false);
        expect(await cache.get('long')).toBeDefined();
        expect(await cache.get('forever')).toBeDefined();
        expect(
          await cache.setIfAbsent('short', bytes('again')),
          'an expired key counts as absent',
        ).toBe(true);
      },
    );

    ctx.timed('applies defaultTtlMs when a write gives no ttl', async (T, assumeWithin) => {
      const cache = await ctx.cache({ defaultTtlMs: T });
      expect(cache.defaultTtlMs).toBe(T);
      const writtenAt = performance.now();
      await cache.set('a', bytes('v'));
      await cache.setMany([['b', bytes('v')]]);
      await cache.setIfAbsent('c', bytes('v'));
      const a = await cache.get('a');
      assumeWithin(writtenAt, T);
      expect(a).toBeDefined();
      await sleep(T * 2.5);
      expect((await cache.getMany(['a', 'b', 'c'])).size).toBe(0);
    });

    it('defaults to five minutes', async () => {
      const cache = await ctx.cache();
      expect(cache.defaultTtlMs).toBe(300_000);
    });

    it('rejects 0, negative, NaN and non-number TTLs with INVALID_ARGUMENT and stores nothing', async () => {
      const cache = await ctx.cache();
      for (const ttlMs of [0, -1, Number.NaN, Number.NEGATIVE_INFINITY, '100', null]) {
        await ctx.rejects(
          cache.set('k', bytes('v'), { ttlMs: ttlMs as number }),
          'INVALID_ARGUMENT',
        );
        await ctx.rejects(
          cache.setIfAbsent('k', bytes('v'), { ttlMs: ttlMs as number }),
          'INVALID_ARGUMENT',
        );
        await ctx.rejects(
          cache.setMany([['k', bytes('v')]], { ttlMs: ttlMs as number }),
          'INVALID_ARGUMENT',
        );
        await ctx.rejects(cache.lock('k', ttlMs as number), 'INVALID_ARGUMENT');
      }
      expect(await cache.exists('k')).toBe(false);
    });

    it(
      'accepts fractional and huge TTLs without expiring early',
      async () => {
        const cache = await ctx.cache();
        await cache.set('frac', bytes('v'), { ttlMs: T * 50 + 0.5 });
        await cache.set('huge', bytes('v'), { ttlMs: 1e300 });
        await cache.set('timer-max', bytes('v'), { ttlMs: 2 ** 31 + 5 });
        await sleep(T);
        expect((await cache.getMany(['frac', 'huge', 'timer-max'])).size).toBe(3);
      },
      ctx.timedCaseMs,
    );
  });
}
