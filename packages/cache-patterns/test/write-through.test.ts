import { CacheError, type CacheService } from '@pywatt/cache-core';
import { ReferenceCache } from '@pywatt/cache-core/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CacheAside, WriteThrough, writeThrough } from '../src/index.js';
import { memoryCache } from './support/memory.js';

let cache: CacheService;
beforeEach(async () => {
  cache = await memoryCache();
});
afterEach(async () => {
  await cache.close();
});

describe('writeThrough', () => {
  it('writes the source first, then the cache, as plain codec bytes cache-aside reads', async () => {
    const source = new Map<string, unknown>();
    const order: string[] = [];
    await writeThrough(cache, 'user:1', { name: 'Ada' }, async (key, value) => {
      order.push(`source:${await cache.exists(key)}`);
      source.set(key, value);
    });
    expect(order).toEqual(['source:false']);
    expect(source.get('user:1')).toEqual({ name: 'Ada' });
    expect(await cache.getJson('user:1')).toEqual({ name: 'Ada' });
    expect(await new CacheAside(cache).get('user:1', () => 'not called')).toEqual({ name: 'Ada' });
  });

  it('a source error propagates and leaves the cache untouched', async () => {
    await cache.setJson('k', 'old');
    const failing = async () => {
      throw new Error('db down');
    };
    await expect(writeThrough(cache, 'k', 'new', failing)).rejects.toThrow('db down');
    expect(await cache.getJson('k')).toBe('old');
  });

  it('a failed cache write deletes the key so no stale value stays', async () => {
    const flaky = new ReferenceCache({});
    await flaky.setJson('k', 'old');
    const originalSet = flaky.set.bind(flaky);
    flaky.set = async () => {
      throw new CacheError('CONNECTION', 'cache write failed');
    };
    await writeThrough(flaky, 'k', 'new', () => {});
    expect(await flaky.exists('k')).toBe(false);
    flaky.set = originalSet;
    await flaky.close();
  });

  it('rejects with the cache error when even the delete fails', async () => {
    const down = new ReferenceCache({});
    down.failing = true;
    const written: string[] = [];
    const error = await writeThrough(down, 'k', 'v', (key) => void written.push(key)).catch(
      (e: unknown) => e,
    );
    expect(CacheError.is(error)).toBe(true);
    expect(written).toEqual(['k']);
    await down.close();
  });

  it('an unencodable value rejects with SERIALIZATION before the source is touched', async () => {
    const written: string[] = [];
    const error = await new WriteThrough<unknown>(cache, (key) => void written.push(key))
      .write('k', () => 1)
      .catch((e: unknown) => e);
    expect(CacheError.is(error, 'SERIALIZATION')).toBe(true);
    expect(written).toEqual([]);
  });
});
