import { CacheError, type StoreCache } from '@pywatt/cache-core';
import { RedisCache } from '@pywatt/cache-redis';
import { TieredCache } from '@pywatt/cache-tiered';
import { type RedisServer, startRedis } from '@pywatt/test-servers/redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCacheService } from '../src/index.js';

let redis: RedisServer;
let plainUrl: string;
const secured = 'pa/ss@w?rd';
beforeAll(async () => {
  redis = await startRedis({ password: secured });
  plainUrl = `redis://:${encodeURIComponent(secured)}@127.0.0.1:${redis.port}`;
});
afterAll(async () => {
  await redis?.stop();
});

const figures = async (cache: StoreCache) => (await cache.stats()).backend;

async function eventually(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function configError(url: string): Promise<CacheError> {
  const caught = await createCacheService(url).then(
    async (cache) => {
      await cache.close();
      return undefined;
    },
    (error: unknown) => error,
  );
  expect(CacheError.is(caught, 'CONFIGURATION'), url).toBe(true);
  return caught as CacheError;
}

describe('redis:// URL parameters that add the tier (@pywatt/cache-tiered)', () => {
  it('l1…&bus=pubsub: two caches keep their L1 coherent through the pub/sub bus', async () => {
    const url = `${plainUrl}/0?namespace=all-tier&l1MaxItems=100&l1TtlMs=600000&bus=pubsub`;
    await using a = await createCacheService(url);
    await using b = await createCacheService(url);
    expect(a).toBeInstanceOf(TieredCache);
    expect(await figures(a)).toMatchObject({ bus: 'pubsub', busUp: 1 });
    await a.setString('k', 'v1');
    // Else that invalidation may land after B's fill below and drop it.
    await eventually(
      'B to hear of the write',
      async () => (await figures(b)).busInvalidations === 1,
    );
    expect(await b.getString('k')).toBe('v1');
    expect(await b.getString('k')).toBe('v1');
    expect((await figures(b)).l1Hits, 'the second read was an L1 hit').toBe(1);
    await a.setString('k', 'v2');
    await eventually('B to drop its copy', async () => (await b.getString('k')) === 'v2');
  });

  it('bus=tracking: a write by any other Redis client invalidates L1', async () => {
    await using cache = await createCacheService(
      `${plainUrl}?namespace=all-track&l1TtlMs=600000&bus=tracking`,
    );
    expect(await figures(cache)).toMatchObject({ bus: 'tracking' });
    await cache.setString('k', 'v1');
    expect(await cache.getString('k')).toBe('v1');
    // A plain Redis client without namespace: no bus hears of its write, Redis does.
    await using other = await createCacheService(plainUrl);
    await other.setString('all-track:k', 'from outside');
    await eventually('L1 to drop k', async () => (await cache.getString('k')) === 'from outside');
  });

  it('bus=none, or l1… alone: the tier without a bus; no parameter: the plain Redis cache', async () => {
    for (const query of ['bus=none', 'l1MaxItems=5&l1Decoded=frozen']) {
      await using cache = await createCacheService(`${plainUrl}?${query}`);
      expect(cache, query).toBeInstanceOf(TieredCache);
      expect((await figures(cache)).bus).toBe('none');
    }
    await using plain = await createCacheService(plainUrl);
    expect(plain).toBeInstanceOf(RedisCache);
  });

  it('the same fields in a config object', async () => {
    await using cache = await createCacheService({
      type: 'redis',
      url: plainUrl,
      l1MaxItems: 10,
      bus: 'pubsub',
    });
    expect(await figures(cache)).toMatchObject({ bus: 'pubsub' });
  });

  it('rejects unknown, mistyped and impossible tier parameters with CONFIGURATION before connecting', async () => {
    const base = `redis://:${encodeURIComponent(secured)}@127.0.0.1:1`;
    expect((await configError(`${base}?l1MaxItem=5`)).message).toContain("'l1MaxItem'");
    expect((await configError(`${base}?l1MaxItems=0`)).message).toContain("'l1MaxItems'");
    expect((await configError(`${base}?l1TtlMs=soon`)).message).toContain("'l1TtlMs'");
    expect((await configError(`${base}?bus=kafka`)).message).toContain("'bus'");
    expect((await configError(`${base}?l1Decoded=thawed`)).message).toContain("'l1Decoded'");
    const sentinel = await configError('redis+sentinel://127.0.0.1:1/mymaster?bus=pubsub');
    expect(sentinel.message).toContain('single-node');
    await configError('memory://?l1MaxItems=5');
    for (const url of [`${base}?bus=kafka`, `${base}?l1MaxItem=5`]) {
      expect((await configError(url)).message).not.toContain(secured);
    }
  });
});
