import { describe, expect, inject, it } from 'vitest';
import { createRedisCache } from '../src/index.js';
import { sleep, uniqueNamespace } from './helpers.js';

describe('locks across clients', () => {
  it("A locks for 100 ms and stalls 200 ms; B takes it; A's unlock fails and B still holds it", async () => {
    const namespace = uniqueNamespace('lock');
    const a = await createRedisCache({ url: inject('redisUrl'), namespace });
    const b = await createRedisCache({ url: inject('redisUrl'), namespace });
    try {
      const tokenA = await a.lock('job', 100);
      expect(tokenA).toBeDefined();
      await sleep(200);
      const tokenB = await b.lock('job', 10_000);
      expect(tokenB).toBeDefined();
      expect(await a.unlock('job', tokenA as string)).toBe(false);
      expect(await a.extendLock('job', tokenA as string, 10_000)).toBe(false);
      expect(await a.lock('job', 10_000), 'B still holds it').toBeUndefined();
      expect(await b.unlock('job', tokenB as string)).toBe(true);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});
