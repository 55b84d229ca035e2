import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createRedisCache, type RedisCacheOptions } from '../src/index.js';
import { bytes, uniqueNamespace } from './helpers.js';

const N = 10_000;
const keys = Array.from({ length: N }, (_, i) => `k:${i}`);

describe('namespaces on one database', () => {
  let raw: Redis;
  beforeAll(() => {
    raw = new Redis(inject('redisUrl'));
  });
  afterAll(async () => {
    await raw.quit();
  });

  it.each([
    ['single node', (): RedisCacheOptions => ({ url: inject('redisUrl') })],
    ['cluster', (): RedisCacheOptions => ({ cluster: { nodes: inject('clusterNodes') } })],
  ])(
    `%s: two namespaces of ${N} keys each never see each other, and clear() of one keeps the other`,
    async (_, where) => {
      const left = await createRedisCache({ ...where(), namespace: uniqueNamespace('left') });
      const right = await createRedisCache({ ...where(), namespace: uniqueNamespace('right') });
      try {
        await left.setMany(keys.map((k) => [k, bytes(`L${k}`)]));
        await right.setMany(keys.map((k) => [k, bytes(`R${k}`)]));
        const seen = await left.getMany(keys);
        expect(seen.size).toBe(N);
        expect([...seen.values()].every((v) => v.toString().startsWith('L'))).toBe(true);
        await left.clear();
        expect((await left.getMany(keys)).size).toBe(0);
        const kept = await right.getMany(keys);
        expect(kept.size).toBe(N);
        expect([...kept.values()].every((v) => v.toString().startsWith('R'))).toBe(true);
      } finally {
        await Promise.all([left.close(), right.close()]);
      }
    },
  );

  it('clears keys and namespaces full of glob characters literally, and nothing outside', async () => {
    const tricky = `ns*?[a-z]\\^${uniqueNamespace('g')}`;
    const cache = await createRedisCache({ url: inject('redisUrl'), namespace: tricky });
    // A neighbour that a bad pattern would match: the glob read literally, a sibling of the namespace.
    const neighbour = `nsX?[a-z]\\^${tricky.slice(10)}:p*:1`;
    await raw.set(neighbour, 'keep', 'PX', 60_000);
    await raw.set(`${tricky}x:1`, 'keep', 'PX', 60_000);
    try {
      const globKeys = ['*', '?', '[a]', '\\', 'p*:1', 'p?:1', 'p[x]:1', 'p\\:1', 'p:1', 'a*?[]\\'];
      for (const k of globKeys) await cache.set(k, bytes(k));
      await cache.clear('p*');
      expect([...(await cache.getMany(globKeys)).keys()].sort()).toEqual(
        ['*', '?', '[a]', '\\', 'p?:1', 'p[x]:1', 'p\\:1', 'p:1', 'a*?[]\\'].sort(),
      );
      await cache.clear('p\\');
      expect(await cache.exists('p\\:1')).toBe(false);
      expect(await cache.exists('p:1')).toBe(true);
      const token = await cache.lock('held', 60_000);
      await cache.clear();
      expect((await cache.getMany(globKeys)).size).toBe(0);
      expect(await raw.get(neighbour)).toBe('keep');
      expect(await raw.get(`${tricky}x:1`)).toBe('keep');
      expect(await cache.unlock('held', token as string), 'clear() keeps held locks').toBe(true);
    } finally {
      await raw.unlink(neighbour, `${tricky}x:1`);
      await cache.close();
    }
  });
});
