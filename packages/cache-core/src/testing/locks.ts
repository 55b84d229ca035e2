import { bytes, type SuiteContext, sleep } from './context.js';

/** lock, unlock and extendLock: exclusive, self-expiring, token-guarded. */
export function lockCases(ctx: SuiteContext): void {
  const { it, expect, describe } = ctx.api;
  const T = ctx.ttlMs;

  describe('locks', () => {
    it('grants a lock to exactly one of 200 concurrent callers, with an unguessable token', async () => {
      const peers = await ctx.peers(4);
      const tokens = await Promise.all(
        Array.from({ length: 200 }, (_, i) => peers[i % peers.length]!.lock('res', 60_000)),
      );
      const granted = tokens.filter((t): t is string => t !== undefined);
      expect(granted).toHaveLength(1);
      expect(granted[0]!.length).toBeGreaterThanOrEqual(16);
      expect(await peers[0]!.unlock('res', granted[0]!)).toBe(true);
      const again = await peers[0]!.lock('res', 60_000);
      expect(again).toBeDefined();
      expect(again).not.toBe(granted[0]);
    });

    it("only the holder's token unlocks or extends", async () => {
      const cache = await ctx.cache();
      const token = await cache.lock('res', 60_000);
      expect(token).toBeDefined();
      expect(await cache.unlock('res', 'not-the-token')).toBe(false);
      expect(await cache.extendLock('res', 'not-the-token', 60_000)).toBe(false);
      expect(await cache.lock('res', 60_000), 'still held after a wrong unlock').toBeUndefined();
      expect(await cache.unlock('res', token!)).toBe(true);
      expect(await cache.unlock('res', token!), 'a second unlock finds nothing').toBe(false);
      expect(await cache.unlock('never-locked', token!)).toBe(false);
      await ctx.rejects(cache.unlock('res', '' as string), 'INVALID_ARGUMENT');
      await ctx.rejects(cache.unlock('res', undefined as unknown as string), 'INVALID_ARGUMENT');
    });

    it(
      'frees a lock after its ttlMs; the old holder can then neither unlock nor extend it',
      async () => {
        const cache = await ctx.cache();
        const first = await cache.lock('res', T);
        expect(first).toBeDefined();
        await sleep(T * 2.5);
        const second = await cache.lock('res', 60_000);
        expect(second, 'an expired lock can be taken').toBeDefined();
        expect(await cache.unlock('res', first!)).toBe(false);
        expect(await cache.extendLock('res', first!, 60_000)).toBe(false);
        expect(await cache.lock('res', 60_000), 'the new holder keeps it').toBeUndefined();
        expect(await cache.unlock('res', second!)).toBe(true);
      },
      ctx.timedCaseMs,
    );

    ctx.timed('extendLock keeps a lock past its first ttlMs', async (T, assumeWithin) => {
      const cache = await ctx.cache();
      const lockedAt = performance.now();
      const token = await cache.lock('res', T * 2);
      const extended = await cache.extendLock('res', token!, T * 20);
      assumeWithin(lockedAt, T * 2);
      expect(extended).toBe(true);
      await sleep(T * 4);
      expect(await cache.lock('res', 60_000), 'still held after the first ttl').toBeUndefined();
      expect(await cache.unlock('res', token!)).toBe(true);
      await ctx.rejects(cache.extendLock('res', token!, 0), 'INVALID_ARGUMENT');
    });

    it('keeps locks apart from values of the same key', async () => {
      const cache = await ctx.cache();
      await cache.set('x', bytes('value'));
      const token = await cache.lock('x', 60_000);
      expect(token).toBeDefined();
      expect(Buffer.from((await cache.get('x'))!).toString()).toBe('value');
      expect(await cache.delete('x')).toBe(true);
      expect(
        await cache.lock('x', 60_000),
        'deleting the value does not free the lock',
      ).toBeUndefined();
      expect(await cache.get('x')).toBeUndefined();
      await ctx.rejects(cache.lock('x', Number.POSITIVE_INFINITY), 'INVALID_ARGUMENT');
    });
  });
}
