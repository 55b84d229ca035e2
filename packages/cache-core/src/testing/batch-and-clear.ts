import { bytes, freshNamespace, type SuiteContext } from './context.js';

const text = (value: Uint8Array | undefined): string | undefined =>
  value === undefined ? undefined : Buffer.from(value).toString('utf8');

/** Batch methods, clear(prefix) and namespace isolation. */
export function batchAndClearCases(ctx: SuiteContext): void {
  const { it, expect, describe } = ctx.api;

  describe('batches', () => {
    it('setMany takes a Map, pairs or a record; getMany leaves misses out', async () => {
      const cache = await ctx.cache();
      await cache.setMany(
        new Map([
          ['a', bytes('1')],
          ['b', bytes('2')],
        ]),
      );
      await cache.setMany([['c', bytes('3')]]);
      await cache.setMany({ d: bytes('4'), __proto__x: bytes('5') });
      const found = await cache.getMany(['a', 'b', 'c', 'd', '__proto__x', 'missing', 'a']);
      expect([...found.keys()].sort()).toEqual(['__proto__x', 'a', 'b', 'c', 'd']);
      expect(text(found.get('d'))).toBe('4');
      expect((await cache.getMany([])).size).toBe(0);
      await cache.setMany([]);
    });

    it('deleteMany counts what it removed', async () => {
      const cache = await ctx.cache();
      await cache.setMany([
        ['a', bytes('1')],
        ['b', bytes('2')],
        ['c', bytes('3')],
      ]);
      expect(await cache.deleteMany(['a', 'b', 'missing', 'a'])).toBe(2);
      expect(await cache.deleteMany([])).toBe(0);
      expect([...(await cache.getMany(['a', 'b', 'c'])).keys()]).toEqual(['c']);
    });

    it('rejects a lone string where keys are expected', async () => {
      const cache = await ctx.cache();
      await ctx.rejects(cache.getMany('ab' as unknown as string[]), 'INVALID_ARGUMENT');
      await ctx.rejects(cache.deleteMany('ab' as unknown as string[]), 'INVALID_ARGUMENT');
    });
  });

  describe('clear and namespaces', () => {
    it('clear(prefix) removes only keys under prefix + ":"', async () => {
      const cache = await ctx.cache();
      const keys = [
        'user:1',
        'user:2',
        'user:a:b',
        'user',
        'users:1',
        'user-1',
        'other:1',
        'u*:1',
        'u*x:1',
      ];
      for (const key of keys) await cache.set(key, bytes(key));
      await cache.clear('user');
      const left = [...(await cache.getMany(keys)).keys()].sort();
      expect(left).toEqual(['other:1', 'u*:1', 'u*x:1', 'user', 'user-1', 'users:1']);
      await cache.clear('u*');
      expect([...(await cache.getMany(keys)).keys()].sort(), 'glob characters are literal').toEqual(
        ['other:1', 'u*x:1', 'user', 'user-1', 'users:1'],
      );
      await ctx.rejects(cache.clear(''), 'INVALID_ARGUMENT');
      await cache.clear();
      expect((await cache.getMany(keys)).size).toBe(0);
    });

    it('clear() keeps held locks, and flush() is clear()', async () => {
      const cache = await ctx.cache();
      const token = await cache.lock('job', 60_000);
      await cache.set('job', bytes('data'));
      await cache.flush();
      expect(await cache.get('job')).toBeUndefined();
      expect(await cache.lock('job', 60_000), 'the lock is still held').toBeUndefined();
      expect(await cache.unlock('job', token!)).toBe(true);
    });

    it("caches in different namespaces never see or clear each other's keys", async () => {
      const [left] = await ctx.peers(1, { namespace: freshNamespace() });
      const [right] = await ctx.peers(1, { namespace: freshNamespace() });
      if (!ctx.caps.sharedStorage) {
        expect(left).not.toBe(right);
      }
      await left!.set('shared', bytes('left'));
      await right!.set('shared', bytes('right'));
      await left!.set('p:1', bytes('left'));
      await right!.set('p:1', bytes('right'));
      expect(text(await left!.get('shared'))).toBe('left');
      await left!.clear();
      expect(await left!.get('shared')).toBeUndefined();
      expect(text(await right!.get('shared'))).toBe('right');
      expect(text(await right!.get('p:1'))).toBe('right');
      const lockToken = await left!.lock('shared', 60_000);
      expect(lockToken).toBeDefined();
      expect(await right!.lock('shared', 60_000), 'locks are namespaced too').toBeDefined();
    });
  });
}
