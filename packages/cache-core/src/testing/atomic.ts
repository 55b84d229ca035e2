import { bytes, type SuiteContext, sleep } from './context.js';

const CALLERS = 200;
const text = (value: Uint8Array | undefined): string | undefined =>
  value === undefined ? undefined : Buffer.from(value).toString('utf8');

/** setIfAbsent, getAndSet and increment are atomic, also across instances that share storage. */
export function atomicCases(ctx: SuiteContext): void {
  const { it, expect, describe } = ctx.api;

  describe('atomic operations', () => {
    it(`setIfAbsent stores exactly once among ${CALLERS} concurrent callers`, async () => {
      const peers = await ctx.peers(4);
      const results = await Promise.all(
        Array.from({ length: CALLERS }, (_, i) =>
          peers[i % peers.length]!.setIfAbsent('once', bytes(`w${i}`)),
        ),
      );
      const winners = results.flatMap((stored, i) => (stored ? [i] : []));
      expect(winners).toHaveLength(1);
      expect(text(await peers[0]!.get('once'))).toBe(`w${winners[0]}`);
      expect(await peers[0]!.setIfAbsent('once', bytes('late'))).toBe(false);
    });

    it(`getAndSet hands every old value to exactly one of ${CALLERS} concurrent callers`, async () => {
      const peers = await ctx.peers(4);
      const olds = await Promise.all(
        Array.from({ length: CALLERS }, (_, i) =>
          peers[i % peers.length]!.getAndSet('swap', bytes(`v${i}`)),
        ),
      );
      const final = text(await peers[0]!.get('swap'));
      const seen = [...olds.map(text), final];
      expect(seen.filter((v) => v === undefined)).toHaveLength(1);
      const values = seen.filter((v): v is string => v !== undefined).sort();
      expect(values).toEqual(Array.from({ length: CALLERS }, (_, i) => `v${i}`).sort());
    });

    it(`increment loses no update among ${CALLERS} concurrent callers`, async () => {
      const peers = await ctx.peers(4);
      const results = await Promise.all(
        Array.from({ length: CALLERS }, (_, i) => peers[i % peers.length]!.increment('n')),
      );
      expect([...results].sort((a, b) => a - b)).toEqual(
        Array.from({ length: CALLERS }, (_, i) => i + 1),
      );
      expect(text(await peers[0]!.get('n'))).toBe(String(CALLERS));
      const mixed = await Promise.all(
        Array.from({ length: CALLERS }, (_, i) =>
          i % 2 === 0
            ? peers[i % peers.length]!.increment('m', 3)
            : peers[i % peers.length]!.decrement('m', 2),
        ),
      );
      expect(mixed).toHaveLength(CALLERS);
      expect(await peers[0]!.increment('m', 0)).toBe((CALLERS / 2) * 3 - (CALLERS / 2) * 2);
    });

    it('increment counts from 0, goes negative, and stores decimal text', async () => {
      const cache = await ctx.cache();
      expect(await cache.increment('c')).toBe(1);
      expect(await cache.increment('c', 41)).toBe(42);
      expect(await cache.decrement('c', 50)).toBe(-8);
      expect(await cache.decrement('fresh')).toBe(-1);
      expect(text(await cache.get('c'))).toBe('-8');
      await cache.set('c2', bytes('10'));
      expect(await cache.increment('c2', 5)).toBe(15);
      await ctx.rejects(cache.increment('c', 1.5), 'INVALID_ARGUMENT');
      await ctx.rejects(cache.increment('c', Number.NaN), 'INVALID_ARGUMENT');
      await ctx.rejects(cache.increment('c', '1' as unknown as number), 'INVALID_ARGUMENT');
      await ctx.rejects(cache.increment('c', 2 ** 53), 'INVALID_ARGUMENT');
    });

    it('increment rejects a non-integer value with NOT_NUMERIC and leaves it alone', async () => {
      const cache = await ctx.cache();
      for (const stored of ['abc', '1.5', ' 7', '7 ', '', '0x10', '1e3', '+4']) {
        await cache.set('v', bytes(stored));
        await ctx.rejects(cache.increment('v'), 'NOT_NUMERIC');
        expect(text(await cache.get('v'))).toBe(stored);
      }
    });

    it('increment rejects results outside the safe integer range with OUT_OF_RANGE and changes nothing', async () => {
      const cache = await ctx.cache();
      await cache.set('max', bytes(String(Number.MAX_SAFE_INTEGER)));
      await ctx.rejects(cache.increment('max'), 'OUT_OF_RANGE');
      expect(text(await cache.get('max'))).toBe(String(Number.MAX_SAFE_INTEGER));
      await cache.set('min', bytes(String(Number.MIN_SAFE_INTEGER)));
      await ctx.rejects(cache.decrement('min'), 'OUT_OF_RANGE');
      expect(text(await cache.get('min'))).toBe(String(Number.MIN_SAFE_INTEGER));
      expect(await cache.increment('max', -1)).toBe(Number.MAX_SAFE_INTEGER - 1);
    });

    ctx.timed(
      "increment gives a new key the default TTL and keeps an existing key's expiry",
      async (T, assumeWithin) => {
        const cache = await ctx.cache({ defaultTtlMs: T });
        await cache.increment('new');
        const keptAt = performance.now();
        await cache.set('kept', bytes('5'), { ttlMs: T * 2 });
        await cache.set('forever', bytes('5'), { ttlMs: Number.POSITIVE_INFINITY });
        await sleep(T / 3);
        const kept = await cache.increment('kept');
        assumeWithin(keptAt, T * 2);
        expect(kept).toBe(6);
        expect(await cache.increment('forever')).toBe(6);
        await sleep(T * 2.5);
        expect(await cache.get('new')).toBeUndefined();
        expect(await cache.get('kept'), 'increment must not extend the expiry').toBeUndefined();
        expect(text(await cache.get('forever'))).toBe('6');
        expect(
          await cache.increment('own-ttl', 1, { ttlMs: Number.POSITIVE_INFINITY }),
          'a new key takes the given ttl',
        ).toBe(1);
        await sleep(T * 1.5);
        expect(
          await cache.get('own-ttl'),
          'ttlMs: Infinity outlives the default TTL',
        ).toBeDefined();
        await ctx.rejects(cache.increment('own-ttl', 1, { ttlMs: 0 }), 'INVALID_ARGUMENT');
      },
    );
  });
}
