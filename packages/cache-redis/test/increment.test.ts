import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createRedisCache, type RedisCache } from '../src/index.js';
import { bytes, caught, uniqueNamespace } from './helpers.js';

describe('increment on Redis (Lua doubles checked exactly)', () => {
  let cache: RedisCache;
  let raw: Redis;
  let ns: string;
  beforeAll(async () => {
    ns = uniqueNamespace('inc');
    cache = await createRedisCache({
      url: inject('redisUrl'),
      namespace: ns,
      defaultTtlMs: 60_000,
    });
    raw = new Redis(inject('redisUrl'));
  });
  afterAll(async () => {
    await cache.close();
    await raw.quit();
  });

  it('reaches the edges of the safe range exactly and refuses to pass them', async () => {
    const max = Number.MAX_SAFE_INTEGER;
    await cache.set('a', bytes(String(max - 2)));
    expect(await cache.increment('a')).toBe(max - 1);
    expect(await cache.increment('a')).toBe(max);
    expect((await caught(cache.increment('a'))).code).toBe('OUT_OF_RANGE');
    expect(await raw.get(`${ns}:a`)).toBe(String(max));
    await cache.set('b', bytes(String(-max)));
    expect((await caught(cache.increment('b', -max))).code).toBe('OUT_OF_RANGE');
    expect(await cache.increment('b', max)).toBe(0);
    await cache.set('c', bytes(String(max)));
    expect(await cache.increment('c', -max)).toBe(0);
    expect(await cache.increment('c', -max)).toBe(-max);
    expect(await raw.get(`${ns}:c`)).toBe(String(-max));
  });

  it('treats stored integers beyond the safe range, leading zeros and signs as NOT_NUMERIC', async () => {
    for (const stored of [
      '9007199254740992',
      '-9007199254740992',
      '10000000000000000',
      '007',
      '-',
      '--1',
      '1 ',
    ]) {
      await cache.set('v', bytes(stored));
      expect((await caught(cache.increment('v'))).code, stored).toBe('NOT_NUMERIC');
      expect(await raw.get(`${ns}:v`)).toBe(stored);
    }
    await cache.set('v', bytes('-0'));
    expect(await cache.increment('v')).toBe(1);
  });

  it('gives a new key the default TTL in ms and keeps an existing TTL or its absence', async () => {
    await cache.increment('fresh');
    const fresh = await raw.pttl(`${ns}:fresh`);
    expect(fresh).toBeGreaterThan(50_000);
    expect(fresh).toBeLessThanOrEqual(60_000);
    await cache.set('short', bytes('1'), { ttlMs: 30_000 });
    await cache.increment('short', 5);
    expect(await raw.pttl(`${ns}:short`)).toBeLessThanOrEqual(30_000);
    await cache.set('forever', bytes('1'), { ttlMs: Number.POSITIVE_INFINITY });
    await cache.increment('forever');
    expect(await raw.pttl(`${ns}:forever`)).toBe(-1);
  });

  it('works after the server forgets its scripts (NOSCRIPT → EVAL once)', async () => {
    expect(await cache.increment('s')).toBe(1);
    await raw.script('FLUSH');
    expect(await cache.increment('s')).toBe(2);
    const token = await cache.lock('l', 10_000);
    await raw.script('FLUSH');
    expect(await cache.extendLock('l', token as string, 10_000)).toBe(true);
    await raw.script('FLUSH');
    expect(await cache.unlock('l', token as string)).toBe(true);
  });
});
