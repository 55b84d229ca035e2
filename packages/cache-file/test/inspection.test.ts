import { makeTempDir } from '@pywatt/test-servers/process';
import { afterAll, describe, expect, it } from 'vitest';
import { createFileCache } from '../src/index.js';

// keys() and remainingTtlMs(): what an operator's tool (pywatt-cache clear/ttl) reads.
const dir = makeTempDir('file-inspection');
afterAll(() => dir.remove());
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('FileStore inspection', () => {
  it('keys(prefix) lists exactly the live entries clear(prefix) would remove, without locks', async () => {
    const cache = await createFileCache({ directory: dir.path, namespace: 'app' });
    const other = await createFileCache({ directory: dir.path, namespace: 'other' });
    try {
      for (let i = 0; i < 25; i++) await cache.set(`orders:${i}`, Buffer.from('x'));
      await cache.set('users:1', Buffer.from('u'));
      await cache.set('orders:gone', Buffer.from('x'), { ttlMs: 1 });
      await other.set('orders:1', Buffer.from('theirs'));
      expect(await cache.lock('orders:lock', 60_000)).toBeDefined();
      await sleep(20);
      const orders = await cache.store.keys('app:orders:');
      expect(orders.sort()).toEqual(Array.from({ length: 25 }, (_, i) => `app:orders:${i}`).sort());
      expect((await cache.store.keys('app:')).length).toBe(26);
      await cache.clear('orders');
      expect(await cache.store.keys('app:orders:')).toEqual([]);
      expect(await cache.store.keys('other:')).toEqual(['other:orders:1']);
    } finally {
      await cache.close();
      await other.close();
    }
  });

  it('remainingTtlMs is the time left, Infinity without expiry, undefined for a miss or an expired entry', async () => {
    const cache = await createFileCache({ directory: dir.path });
    try {
      await cache.set('short', Buffer.from('x'), { ttlMs: 60_000 });
      await cache.set('forever', Buffer.from('x'), { ttlMs: Number.POSITIVE_INFINITY });
      await cache.set('expired', Buffer.from('x'), { ttlMs: 1 });
      await sleep(20);
      const left = (await cache.store.remainingTtlMs('short')) as number;
      expect(left).toBeGreaterThan(0);
      expect(left).toBeLessThanOrEqual(60_000);
      expect(await cache.store.remainingTtlMs('forever')).toBe(Number.POSITIVE_INFINITY);
      expect(await cache.store.remainingTtlMs('missing')).toBeUndefined();
      expect(await cache.store.remainingTtlMs('expired')).toBeUndefined();
    } finally {
      await cache.close();
    }
  });
});
